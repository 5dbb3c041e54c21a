"""The result contract every envtest analysis returns, writes as JSON and the report reads.

One shape for every step of a campaign (random, sine, tvac, correlation, modal_comparison):
a title, the spec it was judged against, the axis, a list of pass/fail verdicts each with the
standard's clause it comes from, the series the report plots (at most ``MAX_SERIES_POINTS``
points each, so a report stays a few megabytes) and the tables it prints. Anything else a kind
needs rides along as extra top-level keys.

The analyses build plain dicts with :func:`result`, :func:`verdict`, :func:`series` and
:func:`table`; :func:`validate` checks a dict read from a file (a broken or foreign JSON file
gives a :class:`ResultError` that names the file and what is wrong, never a crash) and
:func:`to_json` writes one (numpy arrays become lists, NaN and infinities become ``null``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

KINDS = ("random", "sine", "tvac", "correlation", "modal_comparison")
"""the kinds of step a campaign holds"""
AXES = ("X", "Y", "Z")
"""the spacecraft body axes a vibration run excites"""
MAX_SERIES_POINTS = 2000
"""points kept per plotted series: enough for a log-log PSD or a day of temperatures on screen"""
CORE_KEYS = ("kind", "title", "spec", "axis", "verdicts", "series", "tables")
VERDICT_KEYS = ("criterion", "value", "limit", "unit", "passed", "source")


class ResultError(ValueError):
    """A result dict or file that does not follow the contract (foreign, broken or truncated)."""


def downsample(x: Any, y: Any, max_points: int = MAX_SERIES_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """Thin ``(x, y)`` to at most ``max_points`` by keeping each bucket's lowest and highest y.

    A resonance peak or a temperature extreme survives thinning (a plain stride would drop it);
    points stay in x order. Vectorised: the buckets are rows of a padded 2-D array.
    """
    x = np.asarray(x, dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    if x.shape != y.shape:
        raise ResultError(f"series x and y differ in length ({x.size} vs {y.size})")
    n = y.size
    if n <= max_points:
        return x, y
    buckets = max(1, max_points // 2)
    width = -(-n // buckets)  # ceil
    rows = -(-n // width)
    padded = np.full(rows * width, np.nan)
    padded[:n] = y
    grid = padded.reshape(rows, width)
    lo = np.where(np.isnan(grid), np.inf, grid).argmin(axis=1)
    hi = np.where(np.isnan(grid), -np.inf, grid).argmax(axis=1)
    base = np.arange(rows) * width
    keep = np.unique(np.concatenate([base + lo, base + hi]))
    keep = keep[keep < n]
    return x[keep], y[keep]


def series(x: Any, y: Any, x_unit: str, y_unit: str,
           max_points: int = MAX_SERIES_POINTS) -> dict[str, Any]:
    """One plotted series, thinned to the contract's limit."""
    xs, ys = downsample(x, y, max_points)
    return {"x": _clean(xs), "y": _clean(ys), "x_unit": str(x_unit), "y_unit": str(y_unit)}


def verdict(criterion: str, value: float | str, limit: float | str, unit: str, passed: bool,
            source: str) -> dict[str, Any]:
    """One pass/fail judgement and the standard (with clause or table) that sets its limit."""
    return {"criterion": str(criterion), "value": _scalar(value), "limit": _scalar(limit),
            "unit": str(unit), "passed": bool(passed), "source": str(source)}


def table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> dict[str, Any]:
    """A table the report prints as is (cells: numbers, strings, booleans or null)."""
    return {"columns": [str(c) for c in columns], "rows": [[_scalar(v) for v in r] for r in rows]}


def result(kind: str, title: str, *, spec: str | None = None, axis: str | None = None,
           verdicts: Sequence[Mapping[str, Any]] = (),
           series: Mapping[str, Mapping[str, Any]] | None = None,
           tables: Mapping[str, Mapping[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    """A result dict of the contract, validated (extra keyword args become kind-specific keys)."""
    out: dict[str, Any] = {"kind": kind, "title": title, "spec": spec, "axis": axis,
                           "verdicts": [dict(v) for v in verdicts],
                           "series": {k: dict(v) for k, v in (series or {}).items()},
                           "tables": {k: dict(v) for k, v in (tables or {}).items()}}
    for key, value in extra.items():
        if key in CORE_KEYS:
            raise ResultError(f"extra key {key!r} shadows a contract key")
        out[key] = value
    validate(out)
    return out


def passed(res: Mapping[str, Any]) -> bool:
    """True when every verdict of a result passed (a result without verdicts judges nothing)."""
    return all(bool(v["passed"]) for v in res.get("verdicts", []))


@dataclass(frozen=True)
class Result:
    """A validated result as a typed object (the report's view of one step's JSON)."""

    kind: str
    title: str
    spec: str | None
    axis: str | None
    verdicts: list[dict[str, Any]]
    series: dict[str, dict[str, Any]]
    tables: dict[str, dict[str, Any]]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        """Every verdict passed."""
        return all(v["passed"] for v in self.verdicts)

    @classmethod
    def from_dict(cls, data: Any, where: str = "result") -> Result:
        """Validate ``data`` and wrap it; a :class:`ResultError` says what is wrong and where."""
        validate(data, where)
        extra = {k: v for k, v in data.items() if k not in CORE_KEYS}
        return cls(kind=data["kind"], title=data["title"], spec=data["spec"], axis=data["axis"],
                   verdicts=list(data["verdicts"]), series=dict(data["series"]),
                   tables=dict(data["tables"]), extra=extra)

    @classmethod
    def from_json(cls, text: str, where: str = "result") -> Result:
        """Parse and validate a JSON text."""
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise ResultError(f"{where}: not JSON ({exc})") from None
        return cls.from_dict(data, where)

    def to_dict(self) -> dict[str, Any]:
        """The contract's dict (extra keys at the top level)."""
        return {"kind": self.kind, "title": self.title, "spec": self.spec, "axis": self.axis,
                "verdicts": self.verdicts, "series": self.series, "tables": self.tables,
                **self.extra}

    def to_json(self, indent: int | None = None) -> str:
        """The JSON text of :meth:`to_dict`."""
        return to_json(self.to_dict(), indent)


def to_json(res: Mapping[str, Any], indent: int | None = None) -> str:
    """JSON text of a result: numpy values become plain ones, non-finite floats become null."""
    return json.dumps(_clean(res), indent=indent, allow_nan=False)


def save(res: Mapping[str, Any], path: str | Path) -> Path:
    """Validate and write a result as JSON; returns the path."""
    validate(res, str(path))
    path = Path(path)
    path.write_text(to_json(res, indent=1) + "\n", encoding="utf-8")
    return path


def load(path: str | Path) -> Result:
    """Read and validate one result file; a :class:`ResultError` for anything not ours."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ResultError(f"{path}: cannot read ({exc.__class__.__name__})") from None
    return Result.from_json(text, str(path))


def validate(data: Any, where: str = "result") -> None:
    """Raise :class:`ResultError` unless ``data`` follows the contract (module docstring)."""

    def bad(what: str) -> ResultError:
        return ResultError(f"{where}: {what}")

    if not isinstance(data, Mapping):
        raise bad(f"not a result object (a JSON {type(data).__name__})")
    missing = [k for k in CORE_KEYS if k not in data]
    if missing:
        raise bad(f"not an envtest result (missing {', '.join(missing)})")
    if data["kind"] not in KINDS:
        raise bad(f"unknown kind {data['kind']!r} (one of {', '.join(KINDS)})")
    if not isinstance(data["title"], str):
        raise bad("title is not a string")
    if data["spec"] is not None and not isinstance(data["spec"], str):
        raise bad("spec is neither a string nor null")
    if data["axis"] is not None and data["axis"] not in AXES:
        raise bad(f"axis {data['axis']!r} is none of X, Y, Z or null")
    if not isinstance(data["verdicts"], list):
        raise bad("verdicts is not a list")
    for i, v in enumerate(data["verdicts"]):
        _check_verdict(v, lambda what, i=i: bad(f"verdict {i}: {what}"))
    if not isinstance(data["series"], Mapping):
        raise bad("series is not an object")
    for name, s in data["series"].items():
        _check_series(s, lambda what, name=name: bad(f"series {name!r}: {what}"))
    if not isinstance(data["tables"], Mapping):
        raise bad("tables is not an object")
    for name, t in data["tables"].items():
        _check_table(t, lambda what, name=name: bad(f"table {name!r}: {what}"))


def _check_verdict(v: Any, bad: Any) -> None:
    if not isinstance(v, Mapping):
        raise bad("not an object")
    missing = [k for k in VERDICT_KEYS if k not in v]
    if missing:
        raise bad(f"missing {', '.join(missing)}")
    for key in ("value", "limit"):
        if not _is_cell(v[key]) or isinstance(v[key], bool):
            raise bad(f"{key} is neither a number, a string nor null")
    for key in ("criterion", "unit", "source"):
        if not isinstance(v[key], str):
            raise bad(f"{key} is not a string")
    if not isinstance(v["passed"], bool):
        raise bad("passed is not true or false")


def _check_series(s: Any, bad: Any) -> None:
    if not isinstance(s, Mapping):
        raise bad("not an object")
    for key in ("x", "y"):
        if not isinstance(s.get(key), list):
            raise bad(f"{key} is not a list")
        if not all(_is_point(p) for p in s[key]):
            raise bad(f"{key} holds something that is not a number, a time string or null")
    if len(s["x"]) != len(s["y"]):
        raise bad(f"x and y differ in length ({len(s['x'])} vs {len(s['y'])})")
    if len(s["x"]) > MAX_SERIES_POINTS:
        raise bad(f"{len(s['x'])} points, over the {MAX_SERIES_POINTS} a series may hold")
    for key in ("x_unit", "y_unit"):
        if not isinstance(s.get(key), str):
            raise bad(f"{key} is not a string")


def _check_table(t: Any, bad: Any) -> None:
    if not isinstance(t, Mapping):
        raise bad("not an object")
    columns, rows = t.get("columns"), t.get("rows")
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        raise bad("columns is not a list of strings")
    if not isinstance(rows, list):
        raise bad("rows is not a list")
    for i, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != len(columns):
            raise bad(f"row {i} is not a list of {len(columns)} cells")
        if not all(_is_cell(c) for c in row):
            raise bad(f"row {i} holds a cell that is not a number, string, boolean or null")


def _is_point(p: Any) -> bool:
    return p is None or isinstance(p, str) or (isinstance(p, int | float) and not isinstance(p, bool))


def _is_cell(c: Any) -> bool:
    return c is None or isinstance(c, str | bool | int | float)


def _scalar(v: Any) -> Any:
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def _clean(obj: Any) -> Any:
    """Plain JSON values: arrays to lists, numpy scalars to Python ones, NaN/inf to None."""
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind == "f":
            arr = obj.astype(object)
            arr[~np.isfinite(obj)] = None
            return [_clean(v) for v in arr.tolist()] if obj.ndim > 1 else arr.tolist()
        return _clean(obj.tolist())
    if isinstance(obj, Mapping):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if isinstance(obj, Path):
        return str(obj)
    return _scalar(obj)

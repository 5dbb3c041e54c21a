"""Vibration test specifications as data: random PSD profiles, sine surveys, quasi-static loads.

A specification is a TOML file in ``specs/`` (or any path): a random profile gives its
breakpoints in g^2/Hz against Hz (log-log interpolation between them, as the standards draw their
dB/octave slopes), its tolerance band and abort lines in dB, its duration per axis and the overall
Grms the standard states (the loader integrates the breakpoints and refuses a file whose stated
Grms disagrees by more than 2 %: a typo in a breakpoint cannot pass silently). A sine survey
gives its amplitude (g), band (Hz), sweep rate (octaves a minute) and the pre/post comparison
criteria. Every spec carries its ``source`` (the standard and table) or says ``assumed = true``.

Bad files give a :class:`SpecError` naming the file and what is wrong (unsorted or repeated
frequencies, a non-positive level, a gap in the band, wrong units); the CLI turns it into one
line and exit 2. The thermal-vacuum profiles (``tvac_*.toml``) live beside these but are read by
``picodragon.envtest.tvac_profile``.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

SPEC_FOLDER = Path(__file__).with_name("specs")
GRMS_MATCH = 0.02
"""relative disagreement allowed between a spec's stated Grms and its integrated breakpoints"""
PSD_UNITS = ("g^2/Hz", "g2/Hz")
KINDS = ("random", "sine")


class SpecError(ValueError):
    """A specification file that is missing, not TOML, or not a valid specification."""


@dataclass(frozen=True)
class Band:
    """A +-dB band around the spec (tolerance or abort) and the source that sets it."""

    psd_db: float
    grms_db: float
    source: str
    assumed: bool = False


@dataclass(frozen=True)
class Spec:
    """One test specification (random or sine) as loaded and checked from its TOML file."""

    name: str
    kind: str
    title: str
    source: str
    assumed: bool = False
    axes: tuple[str, ...] = ("X", "Y", "Z")
    # random
    frequency_hz: np.ndarray = field(default_factory=lambda: np.zeros(0))
    asd_g2_hz: np.ndarray = field(default_factory=lambda: np.zeros(0))
    stated_grms: float | None = None
    duration_s_per_axis: float = 0.0
    tolerance: Band | None = None
    abort: Band | None = None
    # sine
    amplitude_g: float = 0.0
    start_hz: float = 0.0
    stop_hz: float = 0.0
    rate_oct_per_min: float = 0.0
    comparison: dict[str, Any] = field(default_factory=dict)
    # requirements that ride along
    min_natural_frequency_hz: float | None = None
    min_natural_frequency_source: str = ""
    quasi_static: dict[str, Any] = field(default_factory=dict)

    @property
    def band_hz(self) -> tuple[float, float]:
        """The spec's frequency band (Hz)."""
        if self.kind == "random":
            return float(self.frequency_hz[0]), float(self.frequency_hz[-1])
        return self.start_hz, self.stop_hz

    def asd(self, f_hz: Any) -> np.ndarray:
        """The spec's ASD (g^2/Hz) at ``f_hz``, log-log between breakpoints, 0 outside the band."""
        f = np.asarray(f_hz, dtype=float)
        out = np.zeros_like(f)
        lo, hi = self.band_hz
        inside = (f >= lo) & (f <= hi)
        out[inside] = np.exp(np.interp(np.log(f[inside]), np.log(self.frequency_hz),
                                       np.log(self.asd_g2_hz)))
        return out

    @property
    def grms(self) -> float:
        """Overall Grms of the breakpoints, integrated exactly segment by segment (log-log)."""
        return grms_of_breakpoints(self.frequency_hz, self.asd_g2_hz)

    @property
    def sweep_duration_s(self) -> float:
        """Duration of one logarithmic sweep from start to stop (s)."""
        return 60.0 * math.log2(self.stop_hz / self.start_hz) / self.rate_oct_per_min


def grms_of_breakpoints(f: np.ndarray, asd: np.ndarray) -> float:
    """sqrt of the area under a log-log straight-line PSD (exact power-law integral per segment).

    On a segment where ASD = a1 (f/f1)^m the area is a1 f1/(m+1) ((f2/f1)^(m+1) - 1), or
    a1 f1 ln(f2/f1) when m = -1 (the usual closed form of the dB/octave segments).
    """
    f1, f2, a1, a2 = f[:-1], f[1:], asd[:-1], asd[1:]
    m = np.log(a2 / a1) / np.log(f2 / f1)
    near = np.isclose(m, -1.0)
    safe = np.where(near, 0.0, m + 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        area = np.where(near, a1 * f1 * np.log(f2 / f1),
                        a1 * f1 / np.where(near, 1.0, safe) * ((f2 / f1) ** safe - 1.0))
    return float(math.sqrt(float(np.sum(area))))


def list_specs() -> list[str]:
    """Names of the packaged vibration specifications (the thermal profiles are not listed)."""
    return sorted(p.stem for p in SPEC_FOLDER.glob("*.toml") if not p.stem.startswith("tvac"))


def load_spec(name_or_path: str | Path) -> Spec:
    """A packaged spec by name (``gevs-qualification``) or a TOML file by path, checked."""
    text = str(name_or_path).strip()
    if not text:
        raise SpecError("spec: the name is empty")
    path = Path(text)
    if not path.suffix and (SPEC_FOLDER / f"{text}.toml").is_file():
        path = SPEC_FOLDER / f"{text}.toml"
    if not path.is_file():
        raise SpecError(f"spec {text}: no such file or packaged spec (packaged: "
                        f"{', '.join(list_specs())})")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"spec {path}: cannot read ({exc.__class__.__name__})") from None
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"spec {path}: not TOML ({exc})") from None
    return spec_from_dict(data, str(path))


def spec_from_dict(data: dict[str, Any], where: str = "spec") -> Spec:
    """Validate a spec's dict (as read from TOML) and build the :class:`Spec`."""

    def bad(what: str) -> SpecError:
        return SpecError(f"{where}: {what}")

    def num(key: str, low: float = 0.0, high: float = 1e9, section: dict | None = None) -> float:
        src = data if section is None else section
        value = src.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise bad(f"{key} must be a number (got {value!r})")
        if not low < value <= high:
            raise bad(f"{key} must be in ({low:g}, {high:g}] (got {value})")
        return float(value)

    def text(key: str, default: str | None = None) -> str:
        value = data.get(key, default)
        if not isinstance(value, str) or not value.strip():
            raise bad(f"{key} must be a non-empty string")
        return value

    kind = data.get("kind")
    if kind not in KINDS:
        raise bad(f"kind must be one of {', '.join(KINDS)} (got {kind!r})")
    axes = data.get("axes", ["X", "Y", "Z"])
    if not isinstance(axes, list) or not axes or any(a not in ("X", "Y", "Z") for a in axes):
        raise bad("axes must be a list of X, Y, Z")
    common: dict[str, Any] = {"name": text("name"), "kind": kind, "title": text("title"),
                              "source": text("source"), "assumed": bool(data.get("assumed", False)),
                              "axes": tuple(axes)}
    if "min_natural_frequency_hz" in data:
        common["min_natural_frequency_hz"] = num("min_natural_frequency_hz", 0.0, 1e5)
        common["min_natural_frequency_source"] = text("min_natural_frequency_source",
                                                      common["source"])
    if "quasi_static" in data:
        qs = data["quasi_static"]
        if not isinstance(qs, dict):
            raise bad("quasi_static must be a table")
        num("load_g", 0.0, 1000.0, qs)
        common["quasi_static"] = dict(qs)
    if kind == "sine":
        comparison = data.get("comparison", {})
        if not isinstance(comparison, dict):
            raise bad("comparison must be a table")
        for key in ("frequency_shift_pct", "amplitude_change_pct", "investigate_shift_pct"):
            if key in comparison:
                num(key, 0.0, 100.0, comparison)
        start, stop = num("start_hz", 0.0, 1e5), num("stop_hz", 0.0, 1e5)
        if stop <= start:
            raise bad(f"stop_hz ({stop:g}) must be above start_hz ({start:g})")
        return Spec(**common, amplitude_g=num("amplitude_g", 0.0, 100.0), start_hz=start,
                    stop_hz=stop, rate_oct_per_min=num("rate_oct_per_min", 0.0, 100.0),
                    comparison=dict(comparison))
    units = data.get("units")
    if units not in PSD_UNITS:
        raise bad(f"units must be g^2/Hz (got {units!r}: convert the PSD to g^2/Hz)")
    f, a = data.get("frequency_hz"), data.get("asd_g2_hz")
    if not isinstance(f, list) or not isinstance(a, list):
        raise bad("frequency_hz and asd_g2_hz must be lists of numbers")
    if len(f) != len(a):
        raise bad(f"frequency_hz and asd_g2_hz differ in length ({len(f)} vs {len(a)})")
    if len(f) < 2:
        raise bad("a PSD needs at least two breakpoints")
    if any(isinstance(v, bool) or not isinstance(v, int | float) for v in (*f, *a)):
        raise bad("breakpoints must be numbers")
    fa, aa = np.asarray(f, dtype=float), np.asarray(a, dtype=float)
    if not (np.all(np.isfinite(fa)) and np.all(np.isfinite(aa))):
        raise bad("breakpoints must be finite")
    if np.any(fa <= 0):
        raise bad("frequencies must be positive")
    if np.any(np.diff(fa) <= 0):
        raise bad("frequencies must be sorted and not repeated (a gap or overlap in the PSD)")
    if np.any(aa <= 0):
        raise bad("ASD levels must be positive: a PSD with a gap (zero level) is not a test level")
    spec = Spec(**common, frequency_hz=fa, asd_g2_hz=aa,
                duration_s_per_axis=num("duration_s_per_axis", 0.0, 86400.0),
                tolerance=_band(data.get("tolerance"), "tolerance", bad),
                abort=_band(data.get("abort"), "abort", bad))
    if "stated_grms" in data:
        stated = num("stated_grms", 0.0, 1e4)
        if abs(spec.grms - stated) > GRMS_MATCH * stated:
            raise bad(f"the breakpoints integrate to {spec.grms:.2f} Grms but the spec states "
                      f"{stated:g} Grms (a breakpoint is wrong)")
        spec = Spec(**{**spec.__dict__, "stated_grms": stated})
    return spec


def _band(section: Any, name: str, bad: Any) -> Band:
    if not isinstance(section, dict):
        raise bad(f"[{name}] table missing (psd_db, grms_db, source)")
    values = []
    for key in ("psd_db", "grms_db"):
        v = section.get(key)
        if isinstance(v, bool) or not isinstance(v, int | float) or not 0 < v <= 40:
            raise bad(f"{name}.{key} must be a number in (0, 40] dB (got {v!r})")
        values.append(float(v))
    source = section.get("source")
    if not isinstance(source, str) or not source.strip():
        raise bad(f"{name}.source must say where the band comes from")
    return Band(values[0], values[1], source, bool(section.get("assumed", False)))

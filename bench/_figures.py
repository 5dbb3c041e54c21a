"""Bench figures quoted in the docs, tied to bench/results/*.json by markers.

A figure in README.md or docs/*.md is written between two HTML comments (invisible on GitHub):

    <!-- bench: modem.json sets[set=noise].ours -->83<!-- /bench -->
    <!-- bench: physics.json sgp4_ours_states_per_s /1e6 .1f -->3.1<!-- /bench -->

After ``bench:`` come the results file (under bench/results/), the path to the value, and
optionally a scale (``/1e6``, ``*100``) and a format spec (Python's, without the colon: ``.1f``,
``,.0f``, ``.2g``; on text, ``.16`` keeps its first 16 characters). The path is dotted keys; ``name[key=value]`` picks the element of a list whose
``key`` equals ``value`` (as text); a number picks by position (``rows.0.days``). Without a format
an int prints as is and a float with ``g``.

``--write`` rewrites every marked span from the JSON (``make bench`` does this after the run;
a marker whose file or key is missing keeps its text and is reported, exit 2);
``--check`` (the default) lists the spans that disagree and exits 1. tests/test_bench_figures.py
runs the check, so a figure in the docs cannot drift from the last run of its bench, and a
marker whose file or key is missing fails. Private helper (leading underscore): not a bench.

Usage: bench/_figures.py [--write | --check]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"

MARK = re.compile(r"<!-- bench: (?P<spec>[^>]*?) -->(?P<text>.*?)<!-- /bench -->", re.DOTALL)
_OPEN = re.compile(r"<!-- bench:")
_STEP = re.compile(r"^(?P<key>[^\[\]]+)(?:\[(?P<field>[^=\]]+)=(?P<value>[^\]]*)\])?$")


class FigureError(ValueError):
    """A marker that cannot be resolved: bad syntax, missing file, missing key."""


@dataclass(frozen=True)
class Figure:
    """One marked span: where it is, what it says, and what its JSON says."""

    doc: Path
    line: int
    spec: str
    text: str
    expected: str


def docs(root: Path = ROOT) -> list[Path]:
    """The documents whose figures are checked: README.md and docs/*.md."""
    return [p for p in [root / "README.md", *sorted((root / "docs").glob("*.md"))] if p.exists()]


def _load(results: Path, name: str) -> Any:
    path = results / name
    if not path.is_file():
        raise FigureError(f"no results file bench/results/{name}")
    return json.loads(path.read_text())


def resolve(data: Any, path: str) -> Any:
    """The value at a dotted path (see the module docstring); FigureError if absent."""
    value = data
    for step in path.split("."):
        m = _STEP.match(step)
        if m is None:
            raise FigureError(f"bad path step {step!r} in {path!r}")
        key = m["key"]
        if isinstance(value, list):
            if not key.isdigit() or int(key) >= len(value):
                raise FigureError(f"no element {key!r} in {path!r}")
            value = value[int(key)]
        elif isinstance(value, dict) and key in value:
            value = value[key]
        else:
            raise FigureError(f"no key {key!r} in {path!r}")
        if m["field"] is not None:
            if not isinstance(value, list):
                raise FigureError(f"{key!r} is not a list in {path!r}")
            hits = [v for v in value if isinstance(v, dict) and str(v.get(m["field"])) == m["value"]]
            if len(hits) != 1:
                raise FigureError(f"{len(hits)} elements with {m['field']}={m['value']} in {path!r}")
            value = hits[0]
    return value


def render(spec: str, results: Path = RESULTS) -> str:
    """The text a marker's spec asks for, from its results file."""
    parts = spec.split()
    if len(parts) < 2:
        raise FigureError(f"marker {spec!r} needs a results file and a path")
    name, path, *rest = parts
    value = resolve(_load(results, name), path)
    scale, fmt = 1.0, None
    for token in rest:
        if token[0] in "/*":
            try:
                factor = float(token[1:])
            except ValueError as exc:
                raise FigureError(f"bad scale {token!r} in {spec!r}") from exc
            if factor == 0 or factor != factor:
                raise FigureError(f"bad scale {token!r} in {spec!r}")
            scale = scale / factor if token[0] == "/" else scale * factor
        elif fmt is None:
            fmt = token
        else:
            raise FigureError(f"more than one format in {spec!r}")
    if isinstance(value, str) and scale == 1.0 and fmt is not None:
        try:
            return format(value, fmt)  # e.g. ".16" keeps an ISO time to the minute
        except ValueError as exc:
            raise FigureError(f"bad format {fmt!r} for text in {spec!r}") from exc
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        if scale != 1.0 or fmt is not None:
            raise FigureError(f"{path!r} is not a number ({value!r}) in {spec!r}")
        return str(value)
    if scale != 1.0:
        value = value * scale
    if fmt is None:
        return str(value) if isinstance(value, int) else format(value, "g")
    try:
        return format(value, fmt)
    except ValueError as exc:
        raise FigureError(f"bad format {fmt!r} in {spec!r}") from exc


def figures(doc: Path, results: Path = RESULTS) -> list[Figure]:
    """Every marked span of one document with its expected text; FigureError on a broken marker."""
    text = doc.read_text()
    found = list(MARK.finditer(text))
    if len(_OPEN.findall(text)) != len(found):
        raise FigureError(f"{doc.name}: a '<!-- bench:' marker without its '<!-- /bench -->'")
    out = []
    for m in found:
        line = text.count("\n", 0, m.start()) + 1
        try:
            expected = render(m["spec"], results)
        except FigureError as exc:
            raise FigureError(f"{doc.name}:{line}: {exc}") from exc
        out.append(Figure(doc, line, m["spec"], m["text"], expected))
    return out


def rewrite(doc: Path, results: Path = RESULTS) -> tuple[int, list[str]]:
    """Rewrite a document's marked spans from the results: (how many changed, errors).

    A marker that cannot be resolved (its file or key not there yet) keeps its text and is
    listed in the errors; the others are still rewritten, so one owner's missing results do
    not hold back everyone's figures. An unclosed marker refuses the whole document."""
    text = doc.read_text()
    if len(_OPEN.findall(text)) != len(MARK.findall(text)):
        raise FigureError(f"{doc.name}: a '<!-- bench:' marker without its '<!-- /bench -->'")
    changed = 0
    errors: list[str] = []

    def sub(m: re.Match[str]) -> str:
        nonlocal changed
        try:
            new = render(m["spec"], results)
        except FigureError as exc:
            errors.append(f"{doc.name}:{text.count(chr(10), 0, m.start()) + 1}: {exc}")
            return m[0]
        changed += new != m["text"]
        return f"<!-- bench: {m['spec']} -->{new}<!-- /bench -->"

    new_text = MARK.sub(sub, text)
    if changed:
        doc.write_text(new_text)
    return changed, errors


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="rewrite the marked spans")
    mode.add_argument("--check", action="store_true", help="list disagreeing spans (default)")
    args = ap.parse_args(argv)
    try:
        if args.write:
            errors = []
            for doc in docs():
                n, errs = rewrite(doc)
                errors += errs
                if n:
                    print(f"{doc.relative_to(ROOT)}: {n} figures updated")
            for e in errors:
                print(f"error: {e}", file=sys.stderr)
            return 2 if errors else 0
        bad = [f for doc in docs() for f in figures(doc) if f.text != f.expected]
    except FigureError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for f in bad:
        print(f"{f.doc.relative_to(ROOT)}:{f.line}: {f.spec}: says {f.text!r}, results say {f.expected!r}")
    total = sum(len(figures(doc)) for doc in docs())
    print(f"{total} marked figures, {len(bad)} disagree")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

"""One owner for each thing of time and frames (issue 12): no second copy may creep back.

The shared vocabulary ``picodragon.astro`` owns GMST, the WGS-84 constants, ``LookAngles`` and
the ISO 8601 formatter. This test reads every module of src/ (its syntax tree, so comments and
docstrings do not count) and fails if another module defines its own.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "picodragon"

WGS84_NUMBERS = {6378137.0, 298.257223563, 1.0 / 298.257223563, 6356752.314245179}
"""The ellipsoid's axes and flattening, however they are spelt (6_378_137, 6378137.0, ...)."""
GMST_NUMBERS = {67310.54841, 8640184.812866, 876600.0 * 3600.0 + 8640184.812866}
"""The IAU 1982 GMST polynomial."""
JULIAN_NUMBERS = {2440587.5}
"""The Unix epoch as a Julian date (one owner with the time scales)."""
ISO_PATTERN = "%Y-%m-%dT"


def _modules() -> list[tuple[str, ast.AST]]:
    return [
        (path.relative_to(SRC).as_posix(), ast.parse(path.read_text(encoding="utf-8")))
        for path in sorted(SRC.rglob("*.py"))
    ]


MODULES = _modules()


def _numbers(tree: ast.AST) -> list[tuple[int, float]]:
    return [
        (node.lineno, float(node.value))
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, int | float)
        and not isinstance(node.value, bool)
    ]


def _offences(owner: str, check) -> list[str]:
    return [f"{name}:{line} {what}" for name, tree in MODULES if name != owner
            for line, what in check(tree)]


def test_the_sources_are_read():
    names = {name for name, _ in MODULES}
    assert {"astro/frames.py", "astro/constants.py", "astro/isotime.py", "astro/lookangles.py"} <= names
    assert len(names) > 50


def test_one_gmst():
    """GMST is computed in astro/frames.py only: no other function named for it, no polynomial."""

    def check(tree):
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and any(
                word in node.name.lower() for word in ("gmst", "sidereal")
            ):
                yield node.lineno, f"defines {node.name}"
        for line, value in _numbers(tree):
            if any(abs(value - g) <= 1e-9 * g for g in GMST_NUMBERS):
                yield line, f"holds the GMST coefficient {value!r}"

    assert not _offences("astro/frames.py", check)


@pytest.mark.parametrize(("numbers", "owner"), [(WGS84_NUMBERS, "WGS-84"), (JULIAN_NUMBERS, "Julian")])
def test_one_set_of_earth_and_time_constants(numbers, owner):
    """The WGS-84 ellipsoid and the Unix epoch's Julian date are written in astro/constants.py only."""

    def check(tree):
        for line, value in _numbers(tree):
            if any(abs(value - n) <= 1e-12 * n for n in numbers):
                yield line, f"holds the {owner} number {value!r}"

    assert not _offences("astro/constants.py", check)


def test_one_look_angles_class():
    def check(tree):
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and "lookangle" in node.name.lower():
                yield node.lineno, f"defines class {node.name}"

    assert not _offences("astro/lookangles.py", check)


def test_one_iso_formatter():
    """ISO 8601 text is made in astro/isotime.py only: no strftime pattern, no isoformat, no
    "+00:00" turned into "Z". (Parsing is not formatting: ``replace("Z", "+00:00")`` is left.)"""

    def check(tree):
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and ISO_PATTERN in node.value:
                yield node.lineno, f"spells {ISO_PATTERN!r}"
            elif isinstance(node, ast.Attribute) and node.attr == "isoformat":
                yield node.lineno, "calls isoformat"
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                  and node.func.attr == "replace" and node.args
                  and isinstance(node.args[0], ast.Constant) and node.args[0].value == "+00:00"):
                yield node.lineno, "turns +00:00 into Z"

    assert not _offences("astro/isotime.py", check)


def test_the_checks_see_a_duplicate():
    """The checks themselves work: each finds the copy it forbids in a made-up module."""
    sample = ast.parse(
        "R = 6_378_137\n"
        "def gmst(t):\n    return 67310.54841 + t\n"
        "class LookAngles:\n    pass\n"
        "def iso(t):\n    return t.isoformat().replace('+00:00', 'Z')\n"
    )
    numbers = [v for _, v in _numbers(sample)]
    assert 6378137.0 in numbers and 67310.54841 in numbers
    assert any(isinstance(n, ast.ClassDef) and n.name == "LookAngles" for n in ast.walk(sample))
    assert any(isinstance(n, ast.Attribute) and n.attr == "isoformat" for n in ast.walk(sample))

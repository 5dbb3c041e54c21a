"""Orbital element sets (TLE) as a data format shared by the twin and the ground.

A TLE is to orbits what an AX.25 frame is to the radio: a wire format both sides speak. The
twin derives its spacecraft's element set from the deployment; the ground reads element sets
as a real station does. Both import this module; it depends on neither.

Checks: line lengths, line numbers, matching catalogue numbers and the modulo-10 checksum of
each line (digits count their value, a minus sign counts 1). A bad set raises ElementSetError
with one line that says what is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sgp4.api import WGS72, Satrec
from sgp4.exporter import export_tle


class ElementSetError(ValueError):
    """An element set that cannot be used, with a one-line reason."""


def tle_checksum(line: str) -> int:
    """The modulo-10 checksum over the first 68 characters of a TLE line."""
    return sum(int(c) if c.isdigit() else 1 if c == "-" else 0 for c in line[:68]) % 10


def _check_line(line: str, number: int) -> str:
    line = line.rstrip()
    if len(line) != 69:
        raise ElementSetError(f"TLE line {number} has {len(line)} characters, expected 69")
    if line[0] != str(number):
        raise ElementSetError(f"TLE line {number} does not start with '{number}'")
    if not line[68].isdigit():
        raise ElementSetError(f"TLE line {number} does not end with a checksum digit")
    expected = tle_checksum(line)
    if int(line[68]) != expected:
        raise ElementSetError(
            f"TLE line {number} checksum is {line[68]}, the line sums to {expected}"
        )
    return line


@dataclass(frozen=True)
class ElementSet:
    """A validated two-line element set and its SGP4 satellite record."""

    name: str
    line1: str
    line2: str

    @classmethod
    def from_lines(cls, line1: str, line2: str, name: str = "") -> ElementSet:
        line1 = _check_line(line1, 1)
        line2 = _check_line(line2, 2)
        if line1[2:7] != line2[2:7]:
            raise ElementSetError("TLE lines 1 and 2 carry different catalogue numbers")
        satrec = Satrec.twoline2rv(line1, line2, WGS72)
        if satrec.error:
            raise ElementSetError(f"SGP4 rejects this element set (error {satrec.error})")
        return cls(name=name or f"NORAD {line1[2:7].strip()}", line1=line1, line2=line2)

    @classmethod
    def from_satrec(cls, satrec: Satrec, name: str) -> ElementSet:
        line1, line2 = export_tle(satrec)
        return cls.from_lines(line1, line2, name)

    @property
    def satrec(self) -> Satrec:
        return Satrec.twoline2rv(self.line1, self.line2, WGS72)

    @property
    def epoch(self) -> datetime:
        s = self.satrec
        year = s.epochyr + (1900 if s.epochyr >= 57 else 2000)
        return datetime(year, 1, 1, tzinfo=UTC) + timedelta(days=s.epochdays - 1)


def read_tle_file(text: str) -> list[ElementSet]:
    """Element sets from the text of a 2-line or 3-line (named) TLE file."""
    lines = [ln.rstrip() for ln in text.splitlines() if ln.strip()]
    sets: list[ElementSet] = []
    i = 0
    while i < len(lines):
        name = ""
        if not lines[i].startswith("1 "):
            name = lines[i].lstrip("0 ").strip()
            i += 1
        if i + 1 >= len(lines):
            raise ElementSetError("TLE file ends in the middle of an element set")
        sets.append(ElementSet.from_lines(lines[i], lines[i + 1], name))
        i += 2
    if not sets:
        raise ElementSetError("TLE file holds no element set")
    return sets

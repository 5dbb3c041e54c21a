"""No mission-specific name outside the missions' folders (issue 16): a mission is its files.

The reference mission's names and numbers (its spacecraft, callsigns, station, country, NORAD
number, scenario name, frequencies) belong in ``src/picodragon/missions/picodragon/``. Any other
file of ``src/picodragon`` that holds one fails this test: the core code takes every mission's
identity from the mission's files (placeholders such as ``N0CALL`` where a default is needed).
"""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "picodragon"
MISSIONS = SRC / "missions"

NAMES = re.compile(
    r"Pico Dragon|PICO DRAGON|PicoDragon mission|XV9PID|VNSC|Hanoi|Vietnam|39413|picodragon-2013"
    r"|437\.365|437\.250|Nihon University|Kyutech|ArduSat"
)
"""The reference mission's spacecraft and scenario names, its callsigns and operator, its
station and country, its NORAD number, its frequencies (MHz), its network's stations and its
companions."""

def offending_files() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted(SRC.rglob("*")):
        if not path.is_file() or MISSIONS in path.parents or "__pycache__" in path.parts:
            continue
        if path.suffix not in {".py", ".toml", ".yaml", ".yml", ".html", ".js", ".css", ".md", ".txt", ".xml"}:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        hits = sorted({m.group(0) for m in NAMES.finditer(text)})
        if hits:
            found[path.relative_to(SRC).as_posix()] = hits
    return found


def test_no_mission_name_outside_the_missions_folders():
    found = offending_files()
    assert not found, f"mission-specific names outside src/picodragon/missions/: {found}"


def test_the_reference_mission_is_where_the_names_are():
    text = (MISSIONS / "picodragon" / "mission.toml").read_text(encoding="utf-8")
    assert NAMES.search(text), "the pattern no longer matches the names it guards against"
    for name in ("PICO DRAGON", "XV9PID", "VNSC", "39413", "picodragon-2013", "default = true"):
        assert name in text

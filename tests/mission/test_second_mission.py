"""A second, different mission from files alone (issue 16): written by `picodragon new`, flown by
`picodragon run --mission`, checked, exported to XTCE and read back; and bad mission files, each
one line on stderr, exit 2, nothing written.

The mission is a 3U with its own callsigns, 9600 bit/s, a station in Germany, an orbit from its
own TLE file (a sun-synchronous 550 km orbit with an epoch in November 2026, written here with
its checksums computed) and the template's own packet, command, event and component.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from picodragon.config.mission import load_mission
from picodragon.config.template import tle_checksum
from picodragon.dictionary.xtce_import import load_xtce


def picodragon(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "picodragon.cli", *args], capture_output=True,
                          text=True, timeout=600, cwd=cwd)


def with_checksum(line: str) -> str:
    return line[:68] + str(tle_checksum(line))


#: a plausible element set of a 3U in a 550 km sun-synchronous orbit (97.6 deg, 15.18 rev/day),
#: epoch 2026-11-10 00:00 UTC; catalogue number 99901 (an analyst number: not a real object)
TLE = (
    "SECOND-3U\n"
    + with_checksum("1 99901U 26900A   26314.00000000  .00002000  00000-0  10000-3 0  999") + "\n"
    + with_checksum("2 99901  97.6000 300.0000 0010000  80.0000 280.0000 15.18000000    10") + "\n"
)


@pytest.fixture(scope="module")
def mission(tmp_path_factory) -> Path:
    """`picodragon new` of the second mission, in a fresh folder."""
    root = tmp_path_factory.mktemp("second")
    (root / "orbit-in.tle").write_text(TLE)
    r = picodragon("new", "orbiter", "--size", "3U", "--callsign", "DP0TST", "--ground-callsign", "DL1ABC",
                   "--station", "Darmstadt,49.87,8.65,150", "--bit-rate", "9600", "--tle", "orbit-in.tle",
                   cwd=root)
    assert r.returncode == 0, r.stderr
    return root / "orbiter"


def test_the_template_writes_a_commented_mission_with_its_own_items(mission):
    assert sorted(p.name for p in mission.iterdir()) == [
        "README.md", "dictionary.toml", "experiment.py", "mission.toml", "orbit.tle"]
    text = (mission / "mission.toml").read_text()
    assert 'callsign = "DP0TST"' in text and 'ground_callsign = "DL1ABC"' in text
    assert 'tle_file = "orbit.tle"' in text and "bit_rate = 9600.0" in text
    loaded = load_mission(mission)
    assert loaded.scenario.spacecraft.size_m[2] > 0.3  # a 3U
    assert loaded.scenario.start.isoformat().startswith("2026-11-10T00:00")
    assert loaded.dictionary.packet("EXPERIMENT").apid == 0x100
    assert loaded.dictionary.command("SET_EXPERIMENT_PERIOD") is not None


def test_new_refuses_an_existing_folder_unless_forced(mission):
    before = (mission / "mission.toml").read_text()
    r = picodragon("new", "orbiter", cwd=mission.parent)
    assert r.returncode == 2 and "not empty" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert (mission / "mission.toml").read_text() == before


def test_check_lists_what_the_mission_defines(mission):
    r = picodragon("check", "--mission", str(mission), "--json", "-", cwd=mission.parent)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["spacecraft"]["callsign"] == "DP0TST"
    assert data["spacecraft"]["norad_id"] == 99901
    assert data["orbit"]["source"] == "element set"
    assert [s["name"] for s in data["stations"]] == ["Darmstadt"]
    assert data["dictionary"]["own"] == ["EXPERIMENT", "SET_EXPERIMENT_PERIOD", "EXPERIMENT_PERIOD_SET"]
    assert data["flight_software"]["extra_components"][0].endswith("experiment.py:Experiment")
    text = picodragon("check", "--mission", str(mission), cwd=mission.parent)
    assert text.returncode == 0 and text.stdout.strip().endswith("ok")


def test_it_runs_from_files_alone_and_archives_its_own_packet(mission, tmp_path):
    r = picodragon("run", "--mission", str(mission), "--days", "0.5", "--quiet", "--db", "run.sqlite",
                   "--report", "report.html", "--json", "run.json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    summary = json.loads((tmp_path / "run.json").read_text())
    assert summary["scenario"] == "orbiter"
    assert summary["start"].startswith("2026-11-10T00:00")
    assert summary["frames_received"] > 0
    assert {p["station"] for p in summary["passes"]} == {"Darmstadt"}
    with sqlite3.connect(tmp_path / "run.sqlite") as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        experiment = [t for t in tables if "experiment" in t.lower()]
        assert experiment, tables
        assert db.execute(f"SELECT COUNT(*) FROM {experiment[0]}").fetchone()[0] > 0
    report = (tmp_path / "report.html").read_text()
    row = re.search(r"<td>EXPERIMENT</td><td>0x100</td><td>(\d+)</td>", report)
    assert row and int(row.group(1)) > 0
    assert "9600 bit/s FSK9600 (modem g3ruh9600); at 10 deg over Darmstadt" in report


def test_link_budget_gives_the_mission_s_mode(mission, tmp_path):
    r = picodragon("link-budget", "--mission", str(mission), "--json", "-", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["modulation"] == "FSK9600" and data["bit_rate"] == 9600.0
    assert data["demodulation_loss_db"] == 0.55
    assert data["required_eb_n0_db"] == pytest.approx(13.90, abs=0.01)
    assert data["eb_n0_db"] == pytest.approx(data["c_over_n0_db_hz"] - 10 * math.log10(9600))
    assert data["margin_db"] == pytest.approx(data["eb_n0_db"] - data["required_eb_n0_db"])


def test_its_xtce_reimports_as_the_same_dictionary(mission, tmp_path):
    r = picodragon("xtce", "--mission", str(mission), "--out", "orbiter.xml", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    again = load_xtce(tmp_path / "orbiter.xml")
    assert again == load_mission(mission).dictionary


def _wide_packet(text: str) -> str:
    wide = "".join(f'  {{ name = "w{i}", type = "f64" }},\n' for i in range(40))
    return text.replace('fields = [\n  { name = "samples"', 'fields = [\n' + wide + '  { name = "samples"', 1)


BAD = {
    "syntax": ("mission.toml", lambda t: t.replace("mass_kg = 4.0", "mass_kg = [4.0"), ["mission.toml", "line"]),
    "wide packet": ("dictionary.toml", _wide_packet, ["dictionary.toml:", "EXPERIMENT"]),
    "duplicate apid": ("dictionary.toml", lambda t: t.replace("apid = 0x100", "apid = 0x010"),
                       ["dictionary.toml:", "APID 0x010", "EXPERIMENT"]),
    "duplicate opcode": ("dictionary.toml", lambda t: t.replace("opcode = 0x0100", "opcode = 0x0001"),
                         ["dictionary.toml:", "opcode 0x0001", "SET_EXPERIMENT_PERIOD"]),
    "limit out of range": ("dictionary.toml", lambda t: t.replace(
        "limits = { warning_low = 6.6, critical_low = 6.2 }", "limits = { warning_high = 100.0 }"),
        ["dictionary.toml:", "battery_voltage_v", "warning_high"]),
    "unknown unit": ("dictionary.toml", lambda t: t.replace('unit = "count"', 'unit = "counts"'),
                     ["dictionary.toml:", "samples", "counts"]),
    "mode without a modem": ("mission.toml", lambda t: t.replace('modulation = "FSK9600"', 'modulation = "AFSK1200"'),
                             ["mission.toml", "bit_rate 9600", "AFSK1200"]),
    "missing fields": ("mission.toml", lambda t: t.replace("mass_kg = 4.0\n", "").replace(
        "battery_capacity_wh = 38.5\n", ""), ["mission.toml", "mass_kg", "battery_capacity_wh"]),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_mission_file_is_one_line_exit_2_and_nothing_written(mission, tmp_path, case):
    bad = tmp_path / "bad"
    shutil.copytree(mission, bad)
    file, mutate, words = BAD[case]
    text = (bad / file).read_text()
    assert mutate(text) != text, case
    (bad / file).write_text(mutate(text))
    r = picodragon("run", "--mission", str(bad), "--days", "0.1", "--db", "out.sqlite", "--report",
                   "out.html", "--json", "out.json", cwd=tmp_path)
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert r.returncode == 2 and len(lines) == 1, r.stderr
    for word in words:
        assert word in lines[0], lines[0]
    assert not any((tmp_path / name).exists() for name in ("out.sqlite", "out.html", "out.json", "out.tle"))


def test_an_unsupported_xtce_construct_is_one_line_naming_the_element(mission, tmp_path):
    bad = tmp_path / "bad"
    shutil.copytree(mission, bad)
    assert picodragon("xtce", "--mission", str(bad), "--out", str(bad / "dictionary.xml"),
                      cwd=tmp_path).returncode == 0
    xml = (bad / "dictionary.xml").read_text()
    xml, count = re.subn(r'<xtce:IntegerParameterType ([^>]*name="EXPERIMENT_samples_Type".*?)'
                         r'</xtce:IntegerParameterType>',
                         '<xtce:StringParameterType \\1</xtce:StringParameterType>', xml, count=1, flags=re.S)
    assert count == 1
    (bad / "dictionary.xml").write_text(xml)
    mission_toml = (bad / "mission.toml").read_text().replace('dictionary = "dictionary.toml"',
                                                             'dictionary = "dictionary.xml"')
    (bad / "mission.toml").write_text(mission_toml)
    r = picodragon("run", "--mission", str(bad), "--db", "out.sqlite", "--report", "out.html", cwd=tmp_path)
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert r.returncode == 2 and len(lines) == 1, r.stderr
    assert "dictionary.xml" in lines[0] and "StringParameterType" in lines[0] and "line" in lines[0]
    assert not (tmp_path / "out.sqlite").exists() and not (tmp_path / "out.html").exists()

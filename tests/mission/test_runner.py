"""The main job end to end: a short run of the reference mission through all four rooms."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import pytest

from picodragon.config import load_scenario
from picodragon.mission.engine import Windows
from picodragon.mission.runner import RunOptions, run_mission

CONTRACT_FIELDS = {
    "scenario", "start", "end", "sim_seconds", "wall_seconds", "passes", "frames_sent",
    "frames_received", "telemetry_points", "images_captured", "images_received", "commands_sent",
    "commands_executed", "battery_soc_min", "temperature_c_min", "temperature_c_max", "reentry",
}


@pytest.fixture(scope="module")
def first_pass_run(tmp_path_factory):
    """From ejection through the first pass over Hanoi (about 17:36 UTC on 19 November)."""
    folder = tmp_path_factory.mktemp("run")
    options = RunOptions(days=0.25, db=str(folder / "a.sqlite"), report=str(folder / "r.html"), progress=False)
    return run_mission(load_scenario(), options), folder


def test_summary_carries_every_contract_field(first_pass_run):
    result, _ = first_pass_run
    assert set(result.summary) >= CONTRACT_FIELDS
    assert result.summary["start"] == "2013-11-19T12:17:00Z"
    assert result.summary["end"].endswith("Z")


def test_frames_reach_the_ground_only_after_rf_silence_and_only_in_passes(first_pass_run):
    result, folder = first_pass_run
    s = result.summary
    assert s["frames_received"] > 0
    assert s["frames_sent"] >= s["frames_received"]
    assert s["passes"] and s["passes"][0]["station"] == "VNSC Hanoi"
    received_in_passes = sum(p["frames_received"] for p in s["passes"])
    assert received_in_passes == s["frames_received"]
    with sqlite3.connect(folder / "a.sqlite") as db:
        tables = {r[0] for r in db.execute("select name from sqlite_master where type='table'")}
        assert tables, "the archive has no tables"
    assert s["telemetry_points"] > 0


def test_report_is_written_and_offline(first_pass_run):
    _, folder = first_pass_run
    html = (folder / "r.html").read_text()
    assert "Ground track" in html and "Battery state of charge" in html
    assert "cdn.plot.ly" not in html.split("<script>", 1)[0]
    assert 'src="http' not in html


def test_report_opens_with_a_table_of_contents(first_pass_run):
    import re

    _, folder = first_pass_run
    html = (folder / "r.html").read_text()
    toc = re.search(r"<nav class='toc' id='contents'>(.*?)</nav>", html)
    assert toc is not None
    anchors = re.findall(r"href='#([^']+)'", toc.group(1))
    assert {"mission-results", "passes", "power", "events-and-faults", "last-housekeeping"} <= set(anchors)
    for anchor in anchors:
        assert f"<section id='{anchor}'>" in html


def test_same_seed_same_result(tmp_path):
    a = run_mission(load_scenario(), RunOptions(days=0.05, db=str(tmp_path / "a.sqlite"), report=None, progress=False))
    b = run_mission(load_scenario(), RunOptions(days=0.05, db=str(tmp_path / "b.sqlite"), report=None, progress=False))
    for key in ("frames_sent", "frames_received", "battery_soc_min", "temperature_c_max"):
        assert a.summary[key] == b.summary[key]


def test_windows_locate_inside_and_next_edge():
    w = Windows([(10, 20), (15, 30), (50, 60)])
    assert w.locate(12) == (True, 30.0)
    assert w.locate(30.5) == (False, 50.0)
    assert w.locate(5) == (False, 10.0)
    assert w.locate(70)[0] is False


def test_cli_run_writes_json(tmp_path):
    out = tmp_path / "s.json"
    r = subprocess.run([sys.executable, "-m", "picodragon.cli", "run", "--days", "0.02", "--quiet",
                        "--report", str(tmp_path / "r.html"), "--db", str(tmp_path / "a.sqlite"),
                        "--json", str(out)], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    data = json.loads(out.read_text())
    assert set(data) >= CONTRACT_FIELDS
    assert data["frames_received"] == 0  # still inside the 30 minutes of RF silence
    assert data["frames_sent"] == 0

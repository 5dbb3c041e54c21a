"""A second mission rehearses operations from its files alone (issues 16 and 17): `picodragon new`
writes a 3U at 9600 bit/s G3RUH with its own callsigns, a station in Darmstadt, its orbit from a
TLE file and its own EXPERIMENT packet; `picodragon live --mission` serves its radio on KISS TCP
and `picodragon station --mission` connects to it, predicts the pass from the mission's element
set and archives what it hears, the mission's own packet among it.

Both run as real processes on 127.0.0.1 at 10 times real speed from 05:15 UTC on 10 November
2026, inside the 38 deg pass over Darmstadt (05:14-05:23 UTC); the station stops itself after
300 station seconds (30 s of wall time), the live twin after 90 wall seconds at most; both are
stopped by their own pids.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from picodragon.config.mission import load_mission
from picodragon.link import ax25
from tests.conftest import free_port
from tests.e2e.test_live_station import _stop, _wait_for_port
from tests.mission.test_second_mission import TLE

START = "2026-11-10T05:15:00Z"
SPEED = 10.0
STATION_S = 300.0


def _picodragon(*args: str, cwd: Path, log) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "picodragon.cli", *args], stdout=log, stderr=log,
                            start_new_session=True, cwd=cwd)


def test_the_second_mission_s_own_packet_reaches_the_station_over_kiss_tcp(tmp_path):
    (tmp_path / "orbit-in.tle").write_text(TLE)
    made = subprocess.run(
        [sys.executable, "-m", "picodragon.cli", "new", "orbiter", "--size", "3U", "--callsign", "DP0TST",
         "--ground-callsign", "DL1ABC", "--station", "Darmstadt,49.87,8.65,150", "--bit-rate", "9600",
         "--tle", "orbit-in.tle"], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    mission = tmp_path / "orbiter"
    radio = load_mission(mission).scenario.spacecraft.radio
    assert (radio.bit_rate, radio.modulation, radio.modem_mode) == (9600.0, "FSK9600", "g3ruh9600")
    port = free_port()
    db = tmp_path / "station.sqlite"
    with open(tmp_path / "live.log", "w") as live_log, open(tmp_path / "station.log", "w") as station_log:
        live = _picodragon("live", "--mission", str(mission), "--start", START, "--speed", str(SPEED),
                           "--kiss", f"127.0.0.1:{port}", "--duration", "90", cwd=tmp_path, log=live_log)
        station = None
        try:
            _wait_for_port(port, live, 120)
            station = _picodragon("station", "--mission", str(mission), "--kiss", f"127.0.0.1:{port}",
                                  "--db", str(db), "--sim-start", START, "--speed", str(SPEED),
                                  "--duration", str(STATION_S), "--json", "station.json",
                                  cwd=tmp_path, log=station_log)
            station.wait(timeout=STATION_S / SPEED + 60)
        finally:
            if station is not None:
                _stop(station)
            _stop(live)
    assert station.returncode == 0, (tmp_path / "station.log").read_text()[-3000:]
    report = json.loads((tmp_path / "station.json").read_text())
    assert report["station"] == "Darmstadt" and report["passes_tracked"] == 1
    assert report["frames"] > 0 and report["decoded"] == report["frames"]
    with sqlite3.connect(db) as archive:
        raw = [row[0] for row in archive.execute("SELECT raw FROM frames")]
        experiments = archive.execute("SELECT COUNT(*) FROM tm_experiment").fetchone()[0]
    sources = {str(ax25.decode(bytes(r)).source) for r in raw}
    assert sources == {"DP0TST"}, sources
    assert experiments >= 1  # the mission's own packet (one a minute), archived by the station

"""`picodragon procedure run` and `station --auto` at the command line: steps shown as they end,
a hazardous command stopped before unless confirmed, bad input one line with exit 2."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from importlib import resources

import pytest

from picodragon.cli import main
from picodragon.ground.archive import open_archive
from picodragon.ground.commanding import CommandQueue, Stage
from picodragon.ground.station import GroundStation
from tests.ground.helpers import hk_frame, reference_dictionary

KEY = bytes(range(64, 96))
PROCEDURE = """
name = "Safe and reset"
[[steps]]
command = "SET_MODE"
arguments = { mode = "SAFE" }
[[steps]]
check = "HOUSEKEEPING.battery_voltage_v"
op = ">"
value = 7.0
within = 2
[[steps]]
command = "RESET_SOFTWARE"
"""


@pytest.fixture
def mission(tmp_path):
    """The reference mission's folder with a procedures/ folder holding one procedure."""
    folder = tmp_path / "mission"
    shutil.copytree(str(resources.files("picodragon") / "missions" / "picodragon"), folder)
    (folder / "procedures").mkdir(exist_ok=True)
    (folder / "procedures" / "safe-reset.toml").write_text(PROCEDURE)
    return folder


@pytest.fixture
def station_db(tmp_path):
    """An archive that has heard one housekeeping beacon (7.9 V)."""
    db = str(tmp_path / "station.sqlite")
    with open_archive(db, dictionary=reference_dictionary()) as archive:
        GroundStation("Hanoi", archive, 437.365e6, dictionary=reference_dictionary()).receive(hk_frame(1.4e9), 1.4e9)
    (tmp_path / "key.hex").write_text(KEY.hex())
    return db


def run(*args: str) -> int:
    with pytest.raises(SystemExit) as done:
        main(list(args))
    return int(done.value.code or 0)


def released(db: str) -> list[str]:
    with open_archive(db) as archive:
        return [c.name for c in CommandQueue(archive, KEY).history() if c.reached(Stage.RELEASED)]


def test_a_procedure_stops_before_its_hazardous_command_unless_confirmed(mission, station_db, tmp_path, capsys):
    key = str(tmp_path / "key.hex")
    code = run("procedure", "run", "safe-reset", "--mission", str(mission), "--db", station_db, "--key-file", key)
    out, err = capsys.readouterr()
    assert code == 1
    assert "ok" in out and "HOUSEKEEPING.battery_voltage_v = 7.9" in out
    assert "stopped before RESET_SOFTWARE" in err and "--confirm RESET_SOFTWARE" in err
    assert released(station_db) == ["SET_MODE"]
    json_path = tmp_path / "run.json"
    code = run("procedure", "run", "safe-reset", "--mission", str(mission), "--db", station_db, "--key-file", key,
               "--confirm", "reset_software", "--json", str(json_path))
    assert code == 0
    assert released(station_db) == ["SET_MODE", "SET_MODE", "RESET_SOFTWARE"]
    data = json.loads(json_path.read_text())
    assert data["status"] == "done" and [s["outcome"] for s in data["steps"]] == ["ok", "ok", "ok"]


def test_a_dry_run_shows_the_steps_and_sends_nothing(mission, station_db, capsys):
    code = run("procedure", "run", str(mission / "procedures" / "safe-reset.toml"), "--mission", str(mission),
               "--dry-run")
    out, _ = capsys.readouterr()
    assert code == 0 and out.count("dry_run") == 3 and "RESET_SOFTWARE (hazardous)" in out
    assert released(station_db) == []


def picodragon(*args: str, cwd) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PICODRAGON_UPLINK_KEY"}
    return subprocess.run([sys.executable, "-m", "picodragon.cli", *args], capture_output=True, text=True,
                          timeout=120, cwd=cwd, env=env)


def test_bad_procedures_and_station_auto_without_a_key_are_one_line(mission, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[[steps]]\ncommand = 'SET_MODE'\narguments = { mode = 'WARP' }\n")
    results = [
        (picodragon("procedure", "run", str(bad), "--mission", str(mission), "--dry-run", cwd=tmp_path),
         "bad.toml: step 1"),
        (picodragon("procedure", "run", "nothing-here", "--mission", str(mission), "--dry-run", cwd=tmp_path),
         "no procedure nothing-here"),
        (picodragon("procedure", "run", "safe-reset", "--mission", str(mission), "--db",
                    str(tmp_path / "x.sqlite"), cwd=tmp_path), "uplink key"),
        (picodragon("station", "--kiss", "127.0.0.1:9", "--auto", "--db", str(tmp_path / "s.sqlite"),
                    cwd=tmp_path), "--auto"),
    ]
    for result, words in results:
        assert result.returncode == 2, result.stderr
        lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
        assert len(lines) == 1 and words in lines[0], result.stderr


def test_the_command_verb_releases_a_hazardous_command_only_when_confirmed(station_db, tmp_path, capsys):
    key = str(tmp_path / "key.hex")
    assert run("command", "RESET_SOFTWARE", "--db", station_db, "--key-file", key) == 2
    assert "--confirm RESET_SOFTWARE" in capsys.readouterr().err
    assert run("command", "RESET_SOFTWARE", "--db", station_db, "--key-file", key, "--confirm", "NOOP") == 2
    assert released(station_db) == []
    assert run("command", "RESET_SOFTWARE", "--db", station_db, "--key-file", key, "--hold") == 0
    assert run("command", "RESET_SOFTWARE", "--db", station_db, "--key-file", key,
               "--confirm", "reset_software") == 0
    assert released(station_db) == ["RESET_SOFTWARE"]
    assert run("command", "NOOP", "--db", station_db, "--key-file", key) == 0

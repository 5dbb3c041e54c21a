"""Bad input as a new user would type it: one clear line on stderr, exit code 2, nothing written."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from importlib import resources

import pytest
import tomli_w


def picodragon(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "picodragon.cli", *args],
        capture_output=True, text=True, timeout=120, cwd=cwd,
    )


def reference() -> dict:
    text = (resources.files("picodragon") / "missions" / "picodragon" / "mission.toml").read_text().replace(
        'dictionary = "dictionary.toml"',
        f'dictionary = "{resources.files("picodragon") / "missions" / "picodragon" / "dictionary.toml"}"')
    return tomllib.loads(text)


def assert_one_line_exit_2(result: subprocess.CompletedProcess, *words: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0], lines[0]


def test_missing_scenario(tmp_path):
    r = picodragon("run", "--scenario", "mars-2030", "--json", str(tmp_path / "out.json"), cwd=tmp_path)
    assert_one_line_exit_2(r, "mars-2030")
    assert not (tmp_path / "out.json").exists()


def test_broken_toml(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("name = 'unterminated\n")
    assert_one_line_exit_2(picodragon("run", "--scenario", str(bad), cwd=tmp_path), "TOML")


def test_impossible_station_latitude(tmp_path):
    data = reference()
    data["stations"][0]["latitude_deg"] = 121.047
    path = tmp_path / "lat.toml"
    path.write_text(tomli_w.dumps(data))
    assert_one_line_exit_2(picodragon("run", "--scenario", str(path), cwd=tmp_path), "latitude_deg")
    r = picodragon("passes", "--station", "121.0,105.8", "--start", "2013-11-19T12:17:00Z", "--days", "1")
    assert_one_line_exit_2(r, "latitude_deg")


def test_tle_with_bad_checksum(tmp_path):
    data = reference()
    line1, line2 = data["deployment"]["carrier_tle"]
    data["deployment"]["carrier_tle"] = [line1, line2[:68] + str((int(line2[68]) + 3) % 10)]
    path = tmp_path / "tle.toml"
    path.write_text(tomli_w.dumps(data))
    assert_one_line_exit_2(picodragon("run", "--scenario", str(path), cwd=tmp_path), "checksum")
    tle = tmp_path / "bad.tle"
    tle.write_text("ISS\n" + line1[:68] + "0\n" + line2 + "\n")
    r = picodragon("passes", "--station", "VNSC Hanoi", "--tle", str(tle),
                   "--start", "2013-11-19T12:17:00Z", "--days", "1")
    assert_one_line_exit_2(r, "checksum")


@pytest.mark.parametrize("start", ["yesterday", "2013-11-19T12:17:00"])
def test_bad_times(start):
    r = picodragon("passes", "--station", "VNSC Hanoi", "--start", start, "--days", "1")
    assert_one_line_exit_2(r)


def test_unknown_station():
    r = picodragon("passes", "--station", "Atlantis", "--start", "2013-11-19T12:17:00Z", "--days", "1")
    assert_one_line_exit_2(r, "Atlantis")

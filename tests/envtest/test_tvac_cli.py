"""`picodragon envtest tvac|correlate`: --help, --json -, one-line refusals of bad input with nothing written."""

from __future__ import annotations

import json

import pytest

from picodragon.cli import main
from picodragon.config.loader import load_scenario
from picodragon.envtest.chamber import Chamber, generate_log, thermal_spacecraft
from picodragon.envtest.tvac_analysis import write_csv
from picodragon.envtest.tvac_profile import load_profile


def cli(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_:
        main(list(args))
    out, err = capsys.readouterr()
    return int(exit_.value.code or 0), out, err


def _one_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    return lines[0]


@pytest.fixture(scope="module")
def log_file(tmp_path_factory):
    """A university-lab chamber log of a spacecraft whose emissivity and conductances differ."""
    spacecraft = thermal_spacecraft(load_scenario("picodragon-2013").spacecraft,
                                    {"face_emissivity": 0.6, "g_face_structure_w_k": 0.3})
    path = tmp_path_factory.mktemp("logs") / "tc.csv"
    write_csv(generate_log(spacecraft, load_profile("university-lab"), seed=5, chamber=Chamber()), path)
    return path


@pytest.mark.parametrize("verb", ["tvac", "correlate"])
def test_help(capsys, verb: str) -> None:
    code, out, _ = cli(capsys, "envtest", verb, "--help")
    assert code == 0 and "--json" in out and "--log" in out


def test_tvac_analyses_a_log_to_json(capsys, log_file) -> None:
    code, out, err = cli(capsys, "envtest", "tvac", "--log", str(log_file), "--profile", "university-lab",
                         "--json", "-")
    assert code == 0, err
    data = json.loads(out)
    assert data["kind"] == "tvac" and data["cycles"] == 2 and len(data["plateaus"]) == 4


def test_correlate_fits_and_writes_a_scenario(capsys, log_file, tmp_path) -> None:
    target = tmp_path / "correlated.toml"
    code, out, err = cli(capsys, "envtest", "correlate", "--log", str(log_file), "--parameters",
                         "face_emissivity,g_face_structure_w_k", "--write-scenario", str(target), "--json", "-")
    assert code == 0, err
    data = json.loads(out)
    assert data["kind"] == "correlation" and all(v["passed"] for v in data["verdicts"])
    assert data["parameters"]["face_emissivity"] == pytest.approx(0.6, rel=0.05)
    assert load_scenario(target).spacecraft.thermal.g_face_structure_w_k == pytest.approx(0.3, rel=0.05)


def test_tvac_runs_the_egse_test_to_json(capsys, tmp_path) -> None:
    from picodragon.envtest.tvac_profile import SPECS_DIR

    profile = tmp_path / "one-cycle.toml"
    profile.write_text((SPECS_DIR / "tvac_university_lab.toml").read_text().replace("cycles = 2", "cycles = 1"))
    db = tmp_path / "tvac.sqlite"
    code, out, err = cli(capsys, "envtest", "tvac", "--profile", str(profile), "--db", str(db), "--seed", "2",
                         "--json", "-")
    assert code == 0, err
    data = json.loads(out)
    assert data["kind"] == "tvac" and data["archive"] == str(db) and db.is_file()
    assert all(row[2] for row in data["tables"]["functional_tests"]["rows"])
    assert (tmp_path / "tvac-thermocouples.csv").is_file()


@pytest.mark.parametrize(("text", "expected"), [
    ("time [s],shroud [mV]\n0,1\n", "'mV'"),
    ("time [s],shroud [degC]\n0,1\n1,oops\n", "not a number"),
    ("time [s],shroud [degC]\n0,1,2\n", "cells"),
    ("\x00\x01garbage", "the header needs"),
])
@pytest.mark.parametrize("verb", ["tvac", "correlate"])
def test_broken_logs_exit_2_with_nothing_written(capsys, tmp_path, verb: str, text: str, expected: str) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(text)
    out_json = tmp_path / "out.json"
    extra = ["--write-scenario", str(tmp_path / "s.toml")] if verb == "correlate" else []
    code, _, err = cli(capsys, "envtest", verb, "--log", str(bad), "--json", str(out_json), *extra)
    assert code == 2
    assert expected in _one_line(err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv"]


@pytest.mark.parametrize(("args", "expected"), [
    (["envtest", "tvac", "--profile", "nope"], "no thermal-vacuum profile"),
    (["envtest", "tvac", "--profile", ""], "--profile: the name is empty"),
    (["envtest", "tvac", "--log", "missing.csv"], "--log"),
    (["envtest", "correlate", "--log", "LOG", "--parameters", "colour"], "no thermal parameter 'colour'"),
    (["envtest", "correlate", "--log", "LOG", "--write-scenario", "out.txt"], "must end in .toml"),
    (["envtest", "tvac", "--db", "DIR"], "folder"),
])
def test_bad_options_exit_2(capsys, tmp_path, monkeypatch, log_file, args: list[str], expected: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "DIR").mkdir()
    args = [str(log_file) if a == "LOG" else a for a in args]
    code, _, err = cli(capsys, *args)
    assert code == 2
    assert expected in _one_line(err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["DIR"]

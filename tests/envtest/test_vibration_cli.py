"""`picodragon envtest vibe|sine`: verdicts, --json, and one-line refusals with nothing written
(a broken CSV, wrong units, a PSD with gaps, a sample rate too low for the band)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from picodragon.cli import main
from picodragon.envtest import accel_files, results, specs, structure, vibration


def cli(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_:
        main(list(args))
    out, err = capsys.readouterr()
    return int(exit_.value.code or 0), out, err


def refused(capsys, tmp_path, *args: str, words: str) -> None:
    target = tmp_path / "out.json"
    code, out, err = cli(capsys, "envtest", *args, "--json", str(target))
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code == 2, err
    assert len(lines) == 1 and words in lines[0], err
    assert not target.exists()


@pytest.fixture(scope="module")
def run_csv(tmp_path_factory):
    spec = specs.load_spec("gevs-workmanship")
    rec = vibration.generate_run(structure.model_for(1.0), spec, "Y", seed=4, duration_s=8.0)
    return accel_files.write_csv(tmp_path_factory.mktemp("runs") / "run.csv", rec)


@pytest.mark.parametrize("verb", ["vibe", "sine"])
def test_help(capsys, verb):
    code, out, _ = cli(capsys, "envtest", verb, "--help")
    assert code == 0 and "--json" in out and "--generate" in out


def test_vibe_reads_a_csv_and_writes_the_result(capsys, tmp_path, run_csv):
    target = tmp_path / "r.json"
    code, out, err = cli(capsys, "envtest", "vibe", str(run_csv), "--spec", "gevs-workmanship",
                         "--axis", "Y", "--json", str(target))
    assert code == 0, err
    assert "PASS  control Grms within tolerance" in out
    res = results.load(target)
    assert res.kind == "random" and res.axis == "Y" and res.passed
    # the same run judged against the qualification level is far under it
    code, out, _ = cli(capsys, "envtest", "vibe", str(run_csv), "--json", "-")
    data = json.loads(out)
    assert code == 0 and not results.passed(data)
    assert data["grms"]["deviation_db"] == pytest.approx(20 * np.log10(6.78 / 14.14), abs=0.2)


def test_vibe_generate_json_to_stdout(capsys):
    code, out, err = cli(capsys, "envtest", "vibe", "--generate", "--spec", "jssod-htv", "--duration", "4",
                         "--axis", "Z", "--seed", "3", "--json", "-")
    assert code == 0, err
    data = json.loads(out)
    results.validate(data)
    assert data["truth"]["natural_frequencies_hz"][0] == pytest.approx(data["first_mode_hz"], abs=2.5)


def test_broken_csv(capsys, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("time [s],control [g]\n0,0.1\n0.001,abc\n", encoding="utf-8")
    refused(capsys, tmp_path, "vibe", str(bad), words="not a number")
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("time [s],control [g]\n0,0.1,3\n", encoding="utf-8")
    refused(capsys, tmp_path, "vibe", str(ragged), words="cells")


def test_wrong_or_missing_units(capsys, tmp_path, run_csv):
    text = run_csv.read_text(encoding="utf-8")
    volts = tmp_path / "volts.csv"
    volts.write_text(text.replace("stack [g]", "stack [V]", 1), encoding="utf-8")
    refused(capsys, tmp_path, "vibe", str(volts), "--spec", "gevs-workmanship", words="'V'")
    bare = tmp_path / "bare.csv"
    bare.write_text(text.replace("control [g]", "control", 1), encoding="utf-8")
    refused(capsys, tmp_path, "vibe", str(bare), "--spec", "gevs-workmanship", words="no unit")


def test_psd_with_gaps(capsys, tmp_path, run_csv):
    text = (specs.SPEC_FOLDER / "gevs-workmanship.toml").read_text(encoding="utf-8")
    gap = tmp_path / "gap.toml"
    gap.write_text(text.replace("asd_g2_hz = [0.01, 0.04, 0.04, 0.01]",
                                "asd_g2_hz = [0.01, 0.0, 0.04, 0.01]"), encoding="utf-8")
    refused(capsys, tmp_path, "vibe", str(run_csv), "--spec", str(gap), words="gap")


def test_sample_rate_too_low(capsys, tmp_path):
    t = np.arange(4000) / 2000.0
    slow = tmp_path / "slow.csv"
    np.savetxt(slow, np.column_stack([t, np.sin(t), np.cos(t)]), delimiter=",",
               header="time [s],control [g],stack [g]", comments="")
    refused(capsys, tmp_path, "vibe", str(slow), "--spec", "gevs-workmanship", words="too low")
    refused(capsys, tmp_path, "vibe", "--generate", "--fs", "3000", "--duration", "2", words="too low")


def test_other_refusals(capsys, tmp_path, run_csv):
    refused(capsys, tmp_path, "vibe", words="--generate")
    refused(capsys, tmp_path, "vibe", str(run_csv), "--generate", words="not both")
    refused(capsys, tmp_path, "vibe", str(run_csv), "--spec", "sine-survey", words="sine spec")
    refused(capsys, tmp_path, "vibe", "--generate", "--axis", "W", words="--axis")
    refused(capsys, tmp_path, "sine", "--generate", "--damage", "wing:0.1", words="joint")
    other = tmp_path / "random.json"
    cli(capsys, "envtest", "vibe", str(run_csv), "--spec", "gevs-workmanship", "--json", str(other))
    refused(capsys, tmp_path, "sine", "--generate", "--compare", str(other), words="not a sine survey")
    foreign = tmp_path / "foreign.json"
    foreign.write_text("[1, 2]", encoding="utf-8")
    refused(capsys, tmp_path, "sine", "--generate", "--compare", str(foreign), words="not a result")


def test_sine_survey_then_compare_flags_a_loosened_stack(capsys, tmp_path):
    pre = tmp_path / "pre.json"
    code, out, err = cli(capsys, "envtest", "sine", "--generate", "--seed", "1", "--json", str(pre))
    assert code == 0, err and "modes:" in out
    assert results.load(pre).kind == "sine"
    code, out, err = cli(capsys, "envtest", "sine", "--generate", "--seed", "2", "--damage", "stack:0.10",
                         "--compare", str(pre), "--json", "-")
    assert code == 0, err
    data = json.loads(out)
    assert data["kind"] == "modal_comparison" and not results.passed(data)
    assert data["max_shift_pct"] > 4.0

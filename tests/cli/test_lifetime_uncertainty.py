"""`picodragon lifetime --uncertainty N`: interval and ranking beside days, reentry, by_atmosphere."""

from __future__ import annotations

import json

import pytest

from picodragon import cli
from picodragon.mission import lifetime_uncertainty as lu
from picodragon.physics import decay
from tests.conftest import free_port

FAKE_DAYS = {"nrlmsis21": 135.552, "nrlmsise00": 124.471}


@pytest.fixture
def fakes(monkeypatch):
    """predict_lifetime and the Monte Carlo without propagation (tested in tests/physics and
    tests/mission); records their calls."""
    calls: dict[str, list] = {"predict": [], "uncertainty": []}

    def predict(scenario, max_days=3650.0, fidelity="full", density_scale=1.0, atmosphere="nrlmsis21",
                compare=False, progress=None, **kwargs):
        calls["predict"].append(atmosphere)
        return {"start": "2013-11-19T12:17:00Z", "reentry": "2014-04-04T01:31:32Z",
                "days": FAKE_DAYS[atmosphere], "model": "m", "inputs": {}, "by_atmosphere": dict(FAKE_DAYS)}

    def uncertainty(scenario, samples, seed=0, scheduler=None, progress=False, **kwargs):
        calls["uncertainty"].append((samples, seed, scheduler, progress))
        return {"interval": {"p5": 100.0, "p50": 130.0, "p95": 170.0},
                "ranking": [{"input": "density_scale", "share": 0.7, "coefficient": -1.1},
                            {"input": "atmosphere", "share": 0.2, "coefficient": -0.09}],
                "uncertainty": {"samples": samples, "seed": seed, "r2": 0.98, "runs": []}}

    monkeypatch.setattr(decay, "predict_lifetime", predict)
    monkeypatch.setattr(lu, "lifetime_uncertainty", uncertainty)
    return calls


def _run(args, capsys):
    with pytest.raises(SystemExit) as done:
        cli.main(args)
    out, err = capsys.readouterr()
    return done.value.code or 0, out, err


def test_json_keeps_the_prediction_and_adds_interval_and_ranking(fakes, capsys):
    code, out, _ = _run(["lifetime", "--json", "-", "--uncertainty", "50", "--seed", "7"], capsys)
    data = json.loads(out)
    assert code == 0
    assert data["days"] == FAKE_DAYS["nrlmsis21"] and data["reentry"] == "2014-04-04T01:31:32Z"
    assert data["by_atmosphere"] == FAKE_DAYS
    assert data["interval"] == {"p5": 100.0, "p50": 130.0, "p95": 170.0}
    assert [r["input"] for r in data["ranking"]] == ["density_scale", "atmosphere"]
    assert data["uncertainty"]["samples"] == 50 and data["uncertainty"]["seed"] == 7
    assert fakes["uncertainty"] == [(50, 7, None, False)]  # no bar with --json -


def test_without_uncertainty_nothing_is_added(fakes, capsys):
    code, out, _ = _run(["lifetime", "--json", "-"], capsys)
    assert code == 0 and "interval" not in json.loads(out) and fakes["uncertainty"] == []


def test_the_text_says_the_interval_and_the_ranking(fakes, capsys):
    code, out, _ = _run(["lifetime", "--uncertainty", "20"], capsys)
    assert code == 0
    assert "p5 100.0, p50 130.0, p95 170.0 days" in out
    assert "density_scale 70 %, atmosphere 20 %" in out
    assert fakes["uncertainty"] == [(20, 0, None, True)]


@pytest.mark.parametrize("n", ["0", "-3", "10001"])
def test_a_bad_count_is_one_line_exit_2_and_nothing_written(fakes, capsys, tmp_path, n):
    target = tmp_path / "out.json"
    code, out, err = _run(["lifetime", "--uncertainty", n, "--json", str(target)], capsys)
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1 and "--uncertainty" in lines[0]
    assert not target.exists() and fakes["predict"] == [] and fakes["uncertainty"] == []


def test_a_scheduler_that_does_not_answer_is_one_line_exit_2(fakes, capsys):
    code, _, err = _run(["lifetime", "--uncertainty", "5", "--scheduler", f"tcp://127.0.0.1:{free_port()}"], capsys)
    assert code == 2 and len([x for x in err.splitlines() if x.strip()]) == 1
    assert fakes["predict"] == []


def test_too_few_runs_to_rank_are_said(fakes, capsys, monkeypatch):
    def unranked(scenario, samples, **kwargs):
        return {"interval": {"p5": 1.0, "p50": 2.0, "p95": 3.0}, "ranking": [],
                "uncertainty": {"samples": samples, "r2": None, "inputs": [{}] * 9, "runs": []}}

    monkeypatch.setattr(lu, "lifetime_uncertainty", unranked)
    code, out, _ = _run(["lifetime", "--uncertainty", "3"], capsys)
    assert code == 0 and "no ranking: 3 runs are too few for 9 inputs" in out


def test_uncertainty_with_elements_is_one_line_and_exit_2(fakes, capsys, tmp_path):
    sets = tmp_path / "sets.tle"
    sets.write_text("not read\n")
    code, _, err = _run(["lifetime", "--uncertainty", "5", "--elements", str(sets)], capsys)
    lines = [x for x in err.splitlines() if x.strip()]
    assert code == 2 and len(lines) == 1 and "--elements" in lines[0]
    assert fakes["predict"] == [] and fakes["uncertainty"] == []

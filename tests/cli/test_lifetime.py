"""`picodragon lifetime`: --atmosphere chooses the model of 'days'; 'by_atmosphere' has them all."""

from __future__ import annotations

import json

import pytest

from picodragon import cli
from picodragon.physics import decay

FAKE_DAYS = {"nrlmsis21": 135.552, "nrlmsise00": 124.471}


@pytest.fixture
def fake_prediction(monkeypatch):
    """predict_lifetime without the propagation (its physics is tested in tests/physics)."""
    calls = []

    def fake(scenario, max_days=3650.0, fidelity="full", density_scale=1.0, atmosphere="nrlmsis21",
             compare=False, progress=None):
        calls.append((atmosphere, compare))
        for name in FAKE_DAYS if progress is not None else ():
            progress(name, 0.5)
            progress(name, 1.0)
        return {"start": "2013-11-19T12:17:00Z", "reentry": "2014-04-04T01:31:32Z",
                "days": FAKE_DAYS[atmosphere], "model": f"model in {atmosphere}", "inputs": {},
                "by_atmosphere": dict(FAKE_DAYS)}

    monkeypatch.setattr(decay, "predict_lifetime", fake)
    return calls


@pytest.mark.parametrize("name", ["nrlmsis21", "nrlmsise00"])
def test_json_keeps_days_and_reentry_and_adds_by_atmosphere(fake_prediction, capsys, name):
    with pytest.raises(SystemExit) as done:
        cli.main(["lifetime", "--json", "-", "--atmosphere", name])
    assert done.value.code in (0, None)
    out = json.loads(capsys.readouterr().out)
    assert out["days"] == FAKE_DAYS[name] and out["reentry"] == "2014-04-04T01:31:32Z"
    assert out["by_atmosphere"] == FAKE_DAYS
    assert fake_prediction == [(name, True)]


def test_the_default_atmosphere_is_nrlmsis21_and_the_text_shows_the_spread(fake_prediction, capsys):
    with pytest.raises(SystemExit):
        cli.main(["lifetime"])
    text = capsys.readouterr().out
    assert fake_prediction == [("nrlmsis21", True)]
    assert "135.6 days" in text
    assert "nrlmsis21 135.6 days, nrlmsise00 124.5 days  (spread 11.1 days)" in text


def test_an_unknown_atmosphere_is_one_line_and_exit_2(fake_prediction, capsys):
    with pytest.raises(SystemExit) as done:
        cli.main(["lifetime", "--atmosphere", "jb2008"])
    assert done.value.code == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1 and "nrlmsis21, nrlmsise00" in err[0]
    assert fake_prediction == []


def test_the_text_run_shows_a_progress_bar_per_atmosphere_on_stderr(fake_prediction, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["lifetime"])
    assert exit_.value.code == 0
    out, err = capsys.readouterr()
    assert "lifetime nrlmsis21" in err and "lifetime nrlmsise00" in err and "100 %" in err
    assert "lifetime nrlmsis21" not in out


def test_json_to_stdout_has_no_bar(fake_prediction, capsys):
    with pytest.raises(SystemExit):
        cli.main(["lifetime", "--json", "-"])
    out, err = capsys.readouterr()
    assert json.loads(out)["days"] == FAKE_DAYS["nrlmsis21"] and "ETA" not in err

"""`picodragon lifetime`: --atmosphere chooses the model of 'days'; 'by_atmosphere' has them all."""

from __future__ import annotations

import json

import pytest

from picodragon import cli
from picodragon.physics import decay

FAKE_DAYS = {"nrlmsis21": 135.552, "nrlmsise00": 124.471}


class _Calls(list):
    """The (atmosphere, compare) of each call, and the cd_model of each in ``cd_models``."""

    cd_models: list[str]


@pytest.fixture
def fake_prediction(monkeypatch):
    """predict_lifetime without the propagation (its physics is tested in tests/physics)."""
    calls = _Calls()
    cd_models: list[str] = []

    def fake(scenario, max_days=3650.0, fidelity="full", density_scale=1.0, atmosphere="nrlmsis21",
             compare=False, progress=None, *, cd_model="fixed", accommodation=None, attitude="tumbling"):
        calls.append((atmosphere, compare))
        cd_models.append(cd_model)
        for name in FAKE_DAYS if progress is not None else ():
            progress(name, 0.5)
            progress(name, 1.0)
        inputs = {"cd_model": cd_model, "drag_coefficient_mean": 2.2 if cd_model == "fixed" else 2.35,
                  "accommodation": None if cd_model == "fixed" else 0.87,
                  "accommodation_model": None if cd_model == "fixed" else "Pilinski et al. 2010",
                  "drag_area_m2": 0.0167775, "appendages": ["UHF tape"]}
        return {"start": "2013-11-19T12:17:00Z", "reentry": "2014-04-04T01:31:32Z",
                "days": FAKE_DAYS[atmosphere], "model": f"model in {atmosphere}", "inputs": inputs,
                "by_atmosphere": dict(FAKE_DAYS)}

    monkeypatch.setattr(decay, "predict_lifetime", fake)
    calls.cd_models = cd_models
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


@pytest.mark.parametrize("flag, expected", [([], "sentman"), (["--cd-model", "fixed"], "fixed"),
                                            (["--cd-model", "sentman"], "sentman")])
def test_cd_model_chooses_the_drag_coefficient(fake_prediction, capsys, flag, expected):
    with pytest.raises(SystemExit) as done:
        cli.main(["lifetime", "--json", "-", *flag])
    assert done.value.code in (0, None)
    out = json.loads(capsys.readouterr().out)
    assert {"days", "reentry", "by_atmosphere"} <= set(out)
    assert out["cd_model"] == expected and out["inputs"]["cd_model"] == expected
    assert fake_prediction.cd_models == [expected]


def test_the_text_names_the_cd_along_the_path_and_the_antenna(fake_prediction, capsys):
    with pytest.raises(SystemExit):
        cli.main(["lifetime"])
    text = capsys.readouterr().out
    assert "drag: Cd 2.35 (Sentman, mean along the path, accommodation 0.87" in text
    assert "with UHF tape" in text


def test_an_unknown_cd_model_is_one_line_and_exit_2(fake_prediction, capsys):
    with pytest.raises(SystemExit) as done:
        cli.main(["lifetime", "--cd-model", "dria", "--json", "-"])
    assert done.value.code == 2
    out, err = capsys.readouterr()
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "fixed, sentman" in lines[0] and out == ""
    assert fake_prediction == []


def test_the_default_cd_model_is_the_missions_drag_model(fake_prediction, capsys, tmp_path):
    import shutil
    from pathlib import Path

    import picodragon

    folder = tmp_path / "fixed-drag"
    shutil.copytree(Path(picodragon.__file__).parent / "missions" / "picodragon", folder)
    toml = folder / "mission.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        "[spacecraft]\n", '[spacecraft]\ndrag_model = "fixed"\n', 1), encoding="utf-8")
    with pytest.raises(SystemExit) as done:
        cli.main(["lifetime", "--scenario", str(toml), "--json", "-"])
    assert done.value.code in (0, None)
    assert json.loads(capsys.readouterr().out)["cd_model"] == "fixed"
    assert fake_prediction.cd_models == ["fixed"]

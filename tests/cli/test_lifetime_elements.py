"""`picodragon lifetime --elements FILE`: re-entry fitted to a series of element sets (issue 15).

The file is the twin's catalogue of a truth (NRLMSISE-00 x 1.2, 300 km, re-entry in about ten
days), written as 3-line TLE text and as OMM JSON; the verb fits in the atmosphere it is told.
"""

from __future__ import annotations

import json

import pytest

from picodragon import cli
from picodragon.mission.element_history import TruthOrbit, lowered_state, published_series


@pytest.fixture(scope="module")
def series():
    from picodragon.config import load_scenario

    scenario = load_scenario()
    truth = TruthOrbit(scenario, "nrlmsise00", 1.2, lowered_state(scenario, 300e3))
    sets = published_series(truth, until_unix=truth.start_unix + 3.01 * 86400.0)
    return truth, sets


def _run(argv, capsys):
    with pytest.raises(SystemExit) as done:
        cli.main(argv)
    captured = capsys.readouterr()
    return done.value.code or 0, captured.out, captured.err


def test_tle_file_json_keeps_days_and_reentry_and_adds_the_fit(series, tmp_path, capsys):
    truth, sets = series
    path = tmp_path / "sets.tle"
    path.write_text("".join(f"{s.name}\n{s.line1}\n{s.line2}\n" for s in sets))
    code, out, _ = _run(["lifetime", "--elements", str(path), "--atmosphere", "nrlmsise00",
                         "--cd-model", "fixed", "--json", "-"], capsys)
    assert code == 0
    data = json.loads(out)
    fit = data["fit"]
    assert fit["factor"] == pytest.approx(1.2, rel=0.05)
    assert len(fit["arcs"]) == 2 and len(fit["history"]) == 2
    assert data["reentry"] == fit["history"][-1]["reentry"] and data["days"] > 0
    assert fit["history"][-1]["epoch"] == data["start"]
    assert data["interval"][0] <= data["reentry"] <= data["interval"][1]
    assert data["window"][0] < data["interval"][0] and data["interval"][1] < data["window"][1]


def test_omm_json_gives_the_same_fit_as_the_tle(series, tmp_path, capsys):
    _, sets = series
    tle = tmp_path / "sets.tle"
    tle.write_text("".join(f"{s.line1}\n{s.line2}\n" for s in sets))
    records = []
    for s in sets:
        sat = s.satrec
        fields = {"OBJECT_NAME": s.name, "OBJECT_ID": "2013-066A", "EPOCH": s.epoch.strftime("%Y-%m-%dT%H:%M:%S.%f"),
                  "MEAN_MOTION": sat.no_kozai * 1440 / (2 * 3.141592653589793), "ECCENTRICITY": sat.ecco,
                  "INCLINATION": sat.inclo * 57.29577951308232, "RA_OF_ASC_NODE": sat.nodeo * 57.29577951308232,
                  "ARG_OF_PERICENTER": sat.argpo * 57.29577951308232, "MEAN_ANOMALY": sat.mo * 57.29577951308232,
                  "EPHEMERIS_TYPE": 0, "CLASSIFICATION_TYPE": "U", "NORAD_CAT_ID": sat.satnum,
                  "ELEMENT_SET_NO": 999, "REV_AT_EPOCH": 0, "BSTAR": sat.bstar, "MEAN_MOTION_DOT": 0.0,
                  "MEAN_MOTION_DDOT": 0.0}
        records.append(fields)
    omm = tmp_path / "sets.json"
    omm.write_text(json.dumps(records))
    _, out_tle, _ = _run(["lifetime", "--elements", str(tle), "--cd-model", "fixed", "--json", "-"], capsys)
    _, out_omm, _ = _run(["lifetime", "--elements", str(omm), "--cd-model", "fixed", "--json", "-"], capsys)
    a, b = json.loads(out_tle)["fit"], json.loads(out_omm)["fit"]
    assert a["factor"] == pytest.approx(b["factor"], rel=0.01)
    assert a["factor"] > 1.25  # NRLMSIS 2.1 (default) is thinner than the truth's NRLMSISE-00


@pytest.mark.parametrize(("content", "words"), [
    ("", "empty"),
    ("not an element set\n", "TLE"),
    (None, "at least two"),
    ("dup", "share the epoch"),
    ("reversed", "epoch order"),
])
def test_bad_files_are_one_line_exit_2_nothing_written(series, tmp_path, capsys, content, words):
    _, sets = series
    body = {None: f"{sets[0].line1}\n{sets[0].line2}\n",
            "dup": "".join(f"{s.line1}\n{s.line2}\n" for s in (sets[0], sets[0])),
            "reversed": "".join(f"{s.line1}\n{s.line2}\n" for s in reversed(sets))}.get(content, content)
    path = tmp_path / "bad.tle"
    path.write_text(body)
    out_json = tmp_path / "out.json"
    code, _, err = _run(["lifetime", "--elements", str(path), "--json", str(out_json)], capsys)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and words in err
    assert not out_json.exists()


def test_the_text_is_a_table_within_80_columns_on_the_sentman_cd(series, tmp_path, capsys):
    """The default --cd-model (sentman) carries the fit too: the factor sits on its Cd."""
    _, sets = series
    path = tmp_path / "sets.tle"
    path.write_text("".join(f"{s.line1}\n{s.line2}\n" for s in sets))
    out_json = tmp_path / "fit.json"
    code, out, _ = _run(["lifetime", "--elements", str(path), "--atmosphere", "nrlmsise00",
                         "--json", str(out_json)], capsys)
    assert code == 0
    lines = out.strip().splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert "density factor" in lines[0] and "Cd sentman" in lines[0]
    assert lines[1].startswith("from the set of") and len(lines) == 2 + 2 + 1
    data = json.loads(out_json.read_text())
    assert data["inputs"]["cd_model"] == "sentman"
    assert 0.8 < data["fit"]["factor"] < 1.6


def test_elements_with_uncertainty_is_one_line_exit_2(series, tmp_path, capsys):
    _, sets = series
    path = tmp_path / "sets.tle"
    path.write_text("".join(f"{s.line1}\n{s.line2}\n" for s in sets))
    code, _, err = _run(["lifetime", "--elements", str(path), "--uncertainty", "10"], capsys)
    assert code == 2 and "not both" in err and len(err.strip().splitlines()) == 1


def test_a_missing_file_is_one_line_exit_2(tmp_path, capsys):
    code, _, err = _run(["lifetime", "--elements", str(tmp_path / "none.tle")], capsys)
    assert code == 2 and "--elements" in err and len(err.strip().splitlines()) == 1


def test_help_names_the_option(capsys):
    code, out, _ = _run(["lifetime", "--help"], capsys)
    assert code == 0 and "--elements" in out

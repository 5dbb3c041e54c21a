"""The result contract (envtest.results): building, thinning, JSON round trip, refusal of foreign files."""

from __future__ import annotations

import contextlib
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from picodragon.envtest import results as R


def _sample() -> dict:
    f = np.geomspace(20, 2000, 5000)
    psd = 0.01 * np.ones_like(f)
    psd[2500] = 3.0  # a resonance the thinning must keep
    return R.result(
        "random", "Random X", spec="gevs-qual", axis="X",
        verdicts=[R.verdict("Grms", np.float64(14.1), 14.1, "g", np.True_, "GSFC-STD-7000B Table 2.4-3")],
        series={"control": R.series(f, psd, "Hz", "g^2/Hz")},
        tables={"grms": R.table(["axis", "grms"], [["X", np.float32(14.0)]])},
        seed=3)


def test_series_are_thinned_and_keep_peaks() -> None:
    res = _sample()
    s = res["series"]["control"]
    assert len(s["x"]) <= R.MAX_SERIES_POINTS
    assert max(s["y"]) == pytest.approx(3.0)
    assert s["x"] == sorted(s["x"])


def test_json_round_trip_and_extra_keys() -> None:
    res = _sample()
    back = R.Result.from_json(R.to_json(res), "x.json")
    assert back.kind == "random" and back.axis == "X" and back.passed
    assert back.extra == {"seed": 3}
    assert back.to_dict() == json.loads(R.to_json(res))


def test_nan_becomes_null() -> None:
    s = R.series([1.0, 2.0], [np.nan, np.inf], "s", "K")
    assert s["y"] == [None, None]
    assert json.loads(R.to_json(R.result("tvac", "t", series={"a": s})))["series"]["a"]["y"] == [None, None]


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d.pop("verdicts"), "missing verdicts"),
    (lambda d: d.update(kind="thermal"), "unknown kind"),
    (lambda d: d.update(axis="W"), "axis"),
    (lambda d: d["verdicts"][0].update(passed="yes"), "passed"),
    (lambda d: d["series"]["control"]["y"].pop(), "differ in length"),
    (lambda d: d["series"]["control"].update(x=list(range(2001)), y=list(range(2001))), "over the 2000"),
    (lambda d: d["tables"]["grms"]["rows"].append([1]), "row 1"),
])
def test_validator_names_the_problem(mutate, message) -> None:
    res = json.loads(R.to_json(_sample()))
    mutate(res)
    with pytest.raises(R.ResultError, match=message):
        R.validate(res, "step.json")


def test_load_refuses_broken_and_foreign_files(tmp_path) -> None:
    (tmp_path / "broken.json").write_text('{"kind": "random", ')
    (tmp_path / "foreign.json").write_text('[1, 2, 3]')
    with pytest.raises(R.ResultError, match="broken.json: not JSON"):
        R.load(tmp_path / "broken.json")
    with pytest.raises(R.ResultError, match="foreign.json: not a result object"):
        R.load(tmp_path / "foreign.json")
    path = R.save(_sample(), tmp_path / "ok.json")
    assert R.load(path).spec == "gevs-qual"


@settings(max_examples=200, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.floats() | st.text(max_size=5) | st.integers(),
                    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=6), kids, max_size=6),
                    max_leaves=30))
def test_validator_never_crashes_on_any_json(data) -> None:
    with contextlib.suppress(R.ResultError):
        R.validate(data)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=False, width=32), min_size=0, max_size=5000),
       st.integers(2, 3000))
def test_downsample_bounds(ys, limit) -> None:
    x = np.arange(len(ys), dtype=float)
    xs, yk = R.downsample(x, ys, limit)
    assert len(xs) == len(yk) == min(len(xs), limit)
    assert len(xs) == len(ys) or len(ys) > limit
    assert np.all(np.diff(xs) > 0)

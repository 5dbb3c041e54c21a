"""TVAC analysis (envtest.tvac_analysis) against a known truth, and its thermocouple CSV reader."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from picodragon.config.loader import load_scenario
from picodragon.envtest import results as rs
from picodragon.envtest.chamber import generate_log
from picodragon.envtest.tvac_analysis import (
    LogError,
    TvacLog,
    analyse,
    count_cycles,
    detect_plateaus,
    parse_csv,
    read_csv,
    sliding_rate_c_per_h,
    write_csv,
)
from picodragon.envtest.tvac_profile import load_profile


@pytest.fixture(scope="module")
def spacecraft():
    return load_scenario().spacecraft


@pytest.mark.parametrize("name", ["gevs-qual", "university-lab"])
def test_finds_exactly_the_profiles_cycles_and_plateaus(spacecraft, name: str) -> None:
    profile = load_profile(name)
    log = generate_log(spacecraft, profile, seed=4)
    res = analyse(log, profile)
    truth = profile.plateaus()
    assert res["cycles"] == profile.cycles
    assert [(m["cycle"], m["kind"]) for m in res["plateaus"]] == [(p.cycle, p.kind) for p in truth]
    # the shroud enters the +-tolerance band tolerance/rate before the set point gets there
    slack_h = profile.tolerance_c / profile.ramp_c_per_min / 60 + 2 / 60
    for m, p in zip(res["plateaus"], truth, strict=True):
        assert abs(m["start_h"] - p.start_s / 3600) <= slack_h
        assert abs(m["end_h"] - p.end_s / 3600) <= slack_h
    assert rs.passed(res), [v for v in res["verdicts"] if not v["passed"]]
    rs.validate(res)


def test_a_short_dwell_and_a_missing_cycle_fail(spacecraft) -> None:
    profile = load_profile("university-lab")
    log = generate_log(spacecraft, profile, seed=1)
    cut = log.time_s <= profile.plateaus()[2].start_s + 1800  # stopped half an hour into cycle 2
    short = TvacLog(log.time_s[cut], {k: v[cut] for k, v in log.temperatures.items()})
    res = analyse(short, profile)
    assert res["cycles"] == 1
    failed = [v["criterion"] for v in res["verdicts"] if not v["passed"]]
    assert "cycles" in failed
    assert any("cycle 2 hot: dwell" in c for c in failed)


def test_extremes_beyond_the_limits_fail(spacecraft) -> None:
    profile = load_profile("university-lab")
    log = generate_log(spacecraft, profile, seed=2)
    log.temperatures["battery"][100] = profile.limits_max_c + 5
    res = analyse(log, profile)
    bad = [v for v in res["verdicts"] if not v["passed"]]
    assert [v["criterion"] for v in bad] == ["battery within limits"]


def test_plateau_detection_and_cycle_count_on_a_square_wave() -> None:
    t = np.arange(0, 8 * 3600, 60.0)
    y = np.where((t // 7200) % 2 == 0, 50.0, -20.0)
    found = detect_plateaus(t, y, 50.0, -20.0, 2.0)
    assert [p.kind for p in found] == ["hot", "cold", "hot", "cold"]
    assert count_cycles(found) == 2
    assert count_cycles(found[:1] + found[2:3]) == 0  # two hot plateaus make no cycle


def test_sliding_rate_recovers_a_ramp() -> None:
    t = np.arange(0, 4 * 3600, 30.0)
    rate = sliding_rate_c_per_h(t, 2.5 * t / 3600 + 7)
    assert np.isnan(rate[0])
    assert np.allclose(rate[np.isfinite(rate)], 2.5)


def test_csv_round_trip_and_units(tmp_path) -> None:
    log = TvacLog(np.array([0.0, 60.0, 120.0]), {"shroud": np.array([20.0, 21.0, np.nan]),
                                                 "battery": np.array([19.0, 19.5, 20.0])},
                  {"heater": np.array([0.0, 1.0, 1.0])})
    path = tmp_path / "tc.csv"
    write_csv(log, path, comment="generated")
    back = read_csv(path)
    assert np.allclose(back.time_s, log.time_s)
    assert np.isnan(back.temperatures["shroud"][2])
    assert np.allclose(back.powers["heater"], [0, 1, 1])
    kelvin = parse_csv("time [min],structure [K]\n0,273.15\n1,274.15\n")
    assert np.allclose(kelvin.temperatures["structure"], [0.0, 1.0])
    assert np.allclose(kelvin.time_s, [0.0, 60.0])
    utc = parse_csv("time [UTC],shroud [degC]\n2013-06-01T00:00:00Z,20\n2013-06-01T00:01:00Z,21\n")
    assert utc.start_unix == pytest.approx(1370044800.0) and utc.time_s[1] == 60.0


@pytest.mark.parametrize(("text", "message"), [
    ("", "no header"),
    ("time [s],shroud [mV]\n0,1\n", "'mV'"),
    ("time [s],shroud [degF]\n0,1\n", "temperatures in degC"),
    ("time,shroud [degC]\n0,1\n", "no unit"),
    ("time [s],shroud [degC]\n0,1\n0,2\n", "does not increase"),
    ("time [s],shroud [degC]\n0,1\n1,x\n", "not a number"),
    ("time [s],shroud [degC]\n0,1,3\n", "3 cells"),
    ("time [s],shroud [degC]\n0,-300\n", "wrong unit"),
    ("time [s],heater [W]\n0,1\n", "no temperature channel"),
    ("time [s],shroud [degC]\n", "no samples"),
    ("depth [m],shroud [degC]\n0,1\n", "first column"),
])
def test_broken_logs_are_one_line_errors(text: str, message: str) -> None:
    with pytest.raises(LogError, match=message) as info:
        parse_csv(text)
    assert "\n" not in str(info.value)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("time[sdegCKWUT],0123456789.-e \n#xnaif")), max_size=200))
def test_the_reader_refuses_or_reads_any_text(text: str) -> None:
    try:
        log = parse_csv(text)
    except LogError as exc:
        assert "\n" not in str(exc)
        return
    assert len(log.time_s) >= 1 and np.all(np.diff(log.time_s) > 0)
    assert all(len(v) == len(log.time_s) for v in log.temperatures.values())


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(-200, 500, allow_nan=False), min_size=1, max_size=30))
def test_written_logs_read_back(values: list[float]) -> None:
    t = np.arange(len(values)) * 10.0
    log = TvacLog(t, {"shroud": np.array(values)})
    back = parse_csv(write_csv(log))
    assert np.allclose(back.temperatures["shroud"], values, atol=1e-4)


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 400), st.lists(st.one_of(st.floats(-100, 120), st.just(float("nan"))), min_size=1, max_size=5),
       st.floats(1.0, 600.0), st.integers(0, 2**16))
def test_any_readable_log_gives_a_valid_result(n: int, levels: list[float], step_s: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    t = np.arange(n) * step_s
    channels = {"shroud": rng.choice(levels, n) + rng.normal(0, 1, n)}
    channels["structure"] = np.where(rng.random(n) < 0.1, np.nan, rng.choice(levels, n))
    log = parse_csv(write_csv(TvacLog(t, channels)))
    res = analyse(log, load_profile("university-lab"))
    rs.validate(res)
    assert res["cycles"] <= len(res["plateaus"]) // 2

"""The few-satellite way of the pass finder (finer grid, straight to SGP4) and its UT1 - UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

import picodragon.ground.passes as passes
from picodragon.astro.timescales import timescale
from picodragon.elements import ElementSet
from tests.ground.test_passes import ISS, SSO, START, STATIONS


def test_direct_and_two_stage_refinements_agree_within_a_millisecond():
    sets = [ElementSet.from_lines(*ISS), ElementSet.from_lines(*SSO)]
    t0 = START.timestamp()
    t1 = t0 + 4 * 86400.0
    two_stage = passes.pass_columns(sets, STATIONS, t0, t1, None)
    direct = passes.pass_columns(
        sets, STATIONS, t0, t1, None,
        grid_per_orbit=passes.DIRECT_GRID_PER_ORBIT, model_first=False,
    )
    assert two_stage["aos"].size == direct["aos"].size > 40
    for key in ("satellite", "station"):
        np.testing.assert_array_equal(two_stage[key], direct[key])
    for key in ("aos", "tca", "los"):
        np.testing.assert_allclose(direct[key], two_stage[key], rtol=0, atol=1e-3)
    for key in ("max_elevation_deg", "aos_azimuth_deg", "los_azimuth_deg"):
        np.testing.assert_allclose(direct[key], two_stage[key], rtol=0, atol=1e-3)


def test_few_satellites_take_the_direct_way(monkeypatch):
    seen = []
    original = passes.pass_columns

    def spy(*args, **kwargs):
        seen.append((kwargs["grid_per_orbit"], kwargs["model_first"]))
        return original(*args, **kwargs)

    monkeypatch.setattr(passes, "pass_columns", spy)
    es = ElementSet.from_lines(*ISS)
    end = START + timedelta(days=1)
    passes.find_passes(es, STATIONS[0], START, end)
    many = [es] * (passes.DIRECT_MAX_SATELLITES + 1)
    passes.find_passes_many(many, STATIONS[:1], START, end)
    assert seen == [
        (passes.DIRECT_GRID_PER_ORBIT, False),
        (passes.GRID_PER_ORBIT, True),
    ]


def test_ut1_between_grid_points_matches_the_tables_across_a_leap_second():
    # the leap second at the end of 2015-06-30: UT1 - UTC jumps by +1 s
    start = datetime(2015, 6, 30, tzinfo=UTC).timestamp()
    prop = passes._Propagator([ElementSet.from_lines(*ISS)], start)
    grid_t = start + 900.0 * np.arange(193)  # two days, a quarter of an hour apart
    prop.grid(grid_t)
    t = np.sort(start + np.random.default_rng(3).uniform(-3600.0, 2 * 86400.0 + 3600.0, 400))
    t = np.concatenate((t, [start + 86400.0 - 1e-3, start + 86400.0]))
    exact = timescale().dut1(t)
    assert np.ptp(exact) > 0.9  # the jump is inside the span
    np.testing.assert_allclose(prop._dut1(t), exact, rtol=0, atol=1e-8)

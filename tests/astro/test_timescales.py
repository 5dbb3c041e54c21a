"""Time scales against Skyfield: Julian dates, UT1 - UTC and TT - UTC, scalar and array."""

from __future__ import annotations

import numpy as np
from skyfield.api import load

from picodragon.astro.timescales import Timescale, dut1, skyfield_time, timescale, unix_to_jd

LEAP_2016 = 1483228800.0
"""2017-01-01T00:00:00Z, just after the leap second 2016-12-31T23:59:60Z"""


def test_julian_date_of_known_instants():
    whole, frac = unix_to_jd(np.array([0.0, 946728000.0]))
    np.testing.assert_array_equal(whole + frac, [2440587.5, 2451545.0])
    w, f = unix_to_jd(1385409600.25)
    assert np.ndim(w) == 0 and 0.0 <= float(f) < 1.0


def test_dut1_is_skyfields_scalar_and_array(times):
    ours = dut1(times)
    ts = load.timescale(builtin=True)
    days = np.floor(times / 86400.0)
    ref = ts.utc(1970, 1, 1 + days, 0, 0, times - days * 86400.0).dut1
    np.testing.assert_allclose(ours, ref, atol=1e-9)
    assert np.all(np.abs(ours) < 0.9)  # the definition of UTC
    assert np.ndim(dut1(float(times[0]))) == 0
    assert float(dut1(float(times[3]))) == ours[3]


def test_leap_second_steps_ut1_minus_utc_and_tt_minus_utc():
    before, after = LEAP_2016 - 1.0, LEAP_2016 + 1.0
    step = dut1(after) - dut1(before)
    assert abs(step - 1.0) < 1e-3  # UT1 runs on, UTC waits a second
    tt = timescale().tt_minus_utc(np.array([before, after]))
    np.testing.assert_allclose(tt, [32.184 + 36.0, 32.184 + 37.0], atol=1e-6)


def test_skyfield_time_counts_calendar_days_not_si_seconds():
    t = skyfield_time(np.array([LEAP_2016 - 0.5, LEAP_2016 + 0.5]))
    assert [u.utc_iso(places=1) for u in t] == ["2016-12-31T23:59:59.5Z", "2017-01-01T00:00:00.5Z"]


def test_a_timescale_object_keeps_its_own_tables():
    ts = load.timescale(builtin=True)
    mine = Timescale(ts)
    assert mine.skyfield is ts
    assert timescale() is timescale()  # the shared one is loaded once
    np.testing.assert_allclose(mine.dut1([1.4e9, 1.5e9]), dut1([1.4e9, 1.5e9]))

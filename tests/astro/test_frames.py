"""GMST, ERA and TEME -> ITRS against Skyfield, in physical units, scalar and array."""

from __future__ import annotations

import numpy as np
from skyfield.api import EarthSatellite, load
from skyfield.earthlib import earth_rotation_angle as skyfield_era
from skyfield.framelib import itrs
from skyfield.sgp4lib import TEME, theta_GMST1982

from picodragon.astro.constants import OMEGA_EARTH_RAD_S
from picodragon.astro.frames import earth_rotation_angle, gmst82, itrs_to_teme, teme_to_itrs
from picodragon.astro.timescales import dut1, skyfield_time, unix_to_jd


def _angle_diff_rad(a, b):
    return np.abs((np.asarray(a) - np.asarray(b) + np.pi) % (2 * np.pi) - np.pi)


def test_gmst82_is_skyfields_theta_gmst1982_at_ut1(times):
    ours = gmst82(times)
    jd, fr = unix_to_jd(times + dut1(times))
    ref, _ = theta_GMST1982(jd, fr)
    # 1e-9 rad is 0.006 m at the equator
    assert _angle_diff_rad(ours, ref).max() < 1e-9
    assert np.ndim(gmst82(float(times[0]))) == 0
    assert abs(float(gmst82(float(times[5]))) - ours[5]) < 1e-12
    assert np.all((ours >= 0) & (ours < 2 * np.pi))


def test_gmst_follows_ut1_not_utc(times):
    """The angle at UTC differs from the one at UT1 by exactly the Earth's turn in UT1 - UTC."""
    at_utc = gmst82(times, dut1_s=0.0)
    at_ut1 = gmst82(times)
    turn = _angle_diff_rad(at_ut1, at_utc)
    np.testing.assert_allclose(turn, np.abs(dut1(times)) * 7.2921158553e-5, rtol=1e-4)


def test_era_is_skyfields(times):
    ours = earth_rotation_angle(times)
    t = skyfield_time(times)
    ref = skyfield_era(t.whole, t.ut1_fraction) * 2 * np.pi
    assert _angle_diff_rad(ours, ref).max() < 1e-9
    # and ERA runs ahead of GMST by the accumulated precession, under a degree in 2013
    assert np.degrees(_angle_diff_rad(ours, gmst82(times))).max() < 1.0


def test_teme_to_itrs_is_skyfields(element_set, times):
    sat = EarthSatellite(element_set.line1, element_set.line2, ts=load.timescale(builtin=True))
    t = skyfield_time(times)
    geo = sat.at(t)
    r_teme = geo.frame_xyz(TEME).m.T
    v_teme = geo.frame_xyz_and_velocity(TEME)[1].m_per_s.T
    r_ref, v_ref = geo.frame_xyz_and_velocity(itrs)
    r, v = teme_to_itrs(r_teme, v_teme, times)
    # no polar motion in either; Skyfield's GMST82 is ours, so metres are round-off
    assert np.linalg.norm(r - r_ref.m.T, axis=1).max() < 0.05
    # Skyfield turns the velocity with its own rate (ANGVEL, 7.2921158553e-5 rad/s)
    assert np.linalg.norm(v - v_ref.m_per_s.T, axis=1).max() < 7e6 * abs(OMEGA_EARTH_RAD_S - 7.2921158553e-5) + 1e-4
    # scalar in, one row out; and the rotation back for directions
    r1, v1 = teme_to_itrs(r_teme[0], v_teme[0], float(times[0]))
    np.testing.assert_allclose(r1, r[0], atol=1e-6)
    np.testing.assert_allclose(v1, v[0], atol=1e-9)
    np.testing.assert_allclose(itrs_to_teme(r, times), r_teme, atol=1e-6)
    assert teme_to_itrs(r_teme, None, times)[1] is None

"""WGS-84 geodetic coordinates and look angles against Skyfield, scalar and array."""

from __future__ import annotations

import numpy as np
import pytest
from skyfield.api import EarthSatellite, load, wgs84

from picodragon.astro.frames import teme_to_itrs
from picodragon.astro.lookangles import LookAngles, Site, look_angles_ecef
from picodragon.astro.timescales import skyfield_time, unix_to_jd
from picodragon.astro.wgs84 import ecef, enu_basis, geodetic

HANOI = (21.0285, 105.8542, 20.0)


def test_geodetic_round_trip_and_skyfield():
    rng = np.random.default_rng(12)
    lat = rng.uniform(-89.9, 89.9, 500)
    lon = rng.uniform(-180, 180, 500)
    h = rng.uniform(-400.0, 2.0e6, 500)
    xyz = ecef(lat, lon, h)
    ref = wgs84.latlon(lat, lon, h).itrs_xyz.m.T
    assert np.abs(xyz - ref).max() < 1e-6
    la, lo, hh = geodetic(xyz)
    assert np.abs(la - lat).max() < 1e-9 and np.abs(hh - h).max() < 1e-3  # degrees, metres
    assert np.abs((lo - lon + 180) % 360 - 180).max() < 1e-9
    # scalar in, scalars out
    one = geodetic(xyz[0])
    assert all(np.ndim(x) == 0 for x in one) and abs(float(one[0]) - lat[0]) < 1e-9


def test_enu_basis_is_orthonormal_and_up_is_the_normal():
    e, n, u = enu_basis(HANOI[0], HANOI[1])
    m = np.stack([e, n, u])
    np.testing.assert_allclose(m @ m.T, np.eye(3), atol=1e-12)
    np.testing.assert_allclose(np.cross(e, n), u, atol=1e-12)
    # a step along the normal changes only the height
    lat, lon, h = geodetic(ecef(*HANOI) + 1000.0 * u)
    assert abs(float(h) - HANOI[2] - 1000.0) < 1e-6 and abs(float(lat) - HANOI[0]) < 1e-9


def test_look_angles_are_skyfields(element_set, times):
    sat = EarthSatellite(element_set.line1, element_set.line2, ts=load.timescale(builtin=True))
    jd, fr = unix_to_jd(times)
    _, r, v = element_set.satrec.sgp4_array(jd, fr)
    r_e, v_e = teme_to_itrs(np.asarray(r) * 1e3, np.asarray(v) * 1e3, times)
    site = Site.at(*HANOI)
    ours = look_angles_ecef(site, times, r_e, v_e)
    topos = wgs84.latlon(*HANOI)
    rel = (sat - topos).at(skyfield_time(times))
    alt, az, dist = rel.altaz()
    *_, rate = rel.frame_latlon_and_rates(topos)
    assert isinstance(ours, LookAngles) and ours.elevation_deg.shape == times.shape
    assert np.abs(ours.elevation_deg - alt.degrees).max() < 1e-5
    daz = (ours.azimuth_deg - az.degrees + 180) % 360 - 180
    assert np.abs(daz * np.cos(np.radians(alt.degrees))).max() < 1e-5
    assert np.abs(ours.range_m - dist.m).max() < 0.05
    assert np.abs(ours.range_rate_m_s - rate.m_per_s).max() < 0.05
    assert np.all((ours.azimuth_deg >= 0) & (ours.azimuth_deg < 360))
    # one instant
    one = look_angles_ecef(site, times[0], r_e[0], v_e[0])
    assert np.ndim(one.elevation_deg) == 0 and abs(float(one.range_m) - ours.range_m[0]) < 1e-6


@pytest.mark.parametrize("point", [HANOI, (-33.9, 18.4, 0.0), (78.2, 15.6, 500.0)])
def test_a_site_of_any_geodetic_point(point):
    class Station:
        latitude_deg, longitude_deg, altitude_m = point

    a, b = Site.of(Station()), Site.at(*point)
    np.testing.assert_array_equal(a.position_m, b.position_m)
    assert np.linalg.norm(a.position_m) == pytest.approx(np.linalg.norm(wgs84.latlon(*point).itrs_xyz.m))

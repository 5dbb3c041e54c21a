"""The deployed element set: J-SSOD ejection geometry, fit residual, separation from the ISS."""

from __future__ import annotations

import math

import numpy as np

from picodragon.physics.orbit import (
    bstar_for,
    carrier_element_set,
    deployed_element_set,
    ejected_state,
    geodetic,
    propagate_sgp4,
)
from picodragon.physics.timebase import teme_to_ecef


def test_ejection_is_in_plane_and_45_deg_aft_of_nadir(scenario):
    t0, r, v_ejected, dv = ejected_state(scenario)
    v_carrier = v_ejected - dv
    h = np.cross(r, v_carrier)
    assert abs(dv @ h) / (np.linalg.norm(dv) * np.linalg.norm(h)) < 1e-12  # in plane
    nadir = -r / np.linalg.norm(r)
    angle = math.degrees(math.acos(dv @ nadir / np.linalg.norm(dv)))
    assert abs(angle - 45.0) < 1e-9
    assert dv @ v_carrier < 0  # aft
    assert abs(np.linalg.norm(dv) - scenario.deployment.ejection_speed_m_s) < 1e-12


def test_deployed_tle_reproduces_the_ejected_state(scenario):
    es = deployed_element_set(scenario)
    assert es.name == scenario.spacecraft.name
    assert int(es.line1[2:7]) == scenario.spacecraft.norad_id
    t0, r, v, _ = ejected_state(scenario)
    assert abs(es.epoch.timestamp() - t0) < 1e-3
    r2, v2, err = propagate_sgp4(es.satrec, [t0])
    assert err[0] == 0
    # TLE rounding (1e-4 deg in angles, 1e-7 in eccentricity) leaves metres
    assert np.linalg.norm(r2[0] - r) < 30.0
    assert np.linalg.norm(v2[0] - v) < 0.05


def test_bstar_from_ballistic_coefficient(scenario):
    es = deployed_element_set(scenario)
    assert math.isclose(es.satrec.bstar, bstar_for(scenario), rel_tol=1e-3)
    sc = scenario.spacecraft
    assert math.isclose(bstar_for(scenario), 0.15696615 * 2.2 * sc.mean_cross_section_m2 / sc.mass_kg / 2)


def test_separation_from_the_iss_grows(scenario):
    es = deployed_element_set(scenario)
    t0 = scenario.deployment.ejection_time.timestamp()
    t = t0 + np.array([60.0, 600.0, 5400.0, 3 * 5400.0, 86400.0])
    a, _, _ = propagate_sgp4(carrier_element_set(scenario).satrec, t)
    b, _, _ = propagate_sgp4(es.satrec, t)
    sep = np.linalg.norm(a - b, axis=1)
    assert sep[0] < 200.0  # about 1.1 m/s x 60 s
    assert np.all(np.diff(sep) > 0)
    assert sep[-1] > 10e3


def test_geodetic_of_known_points():
    lat, lon, h = geodetic(np.array([[6378137.0 + 400e3, 0, 0], [0, 0, 6356752.314245 + 1000.0]]))
    np.testing.assert_allclose(lat, [0.0, 90.0], atol=1e-9)
    np.testing.assert_allclose(h, [400e3, 1000.0], atol=1e-3)
    assert abs(lon[0]) < 1e-12


def test_ecef_matches_skyfield_itrs(scenario):
    """Our TEME -> Earth-fixed rotation agrees with Skyfield's (polar motion off) to metres."""
    from skyfield.api import EarthSatellite
    from skyfield.framelib import itrs

    from picodragon.physics.timebase import skyfield_time

    es = deployed_element_set(scenario)
    t = scenario.deployment.ejection_time.timestamp() + np.linspace(0, 86400, 7)
    r, v, _ = propagate_sgp4(es.satrec, t)
    r_e, _ = teme_to_ecef(r, v, t)
    sat = EarthSatellite(es.line1, es.line2)
    ref = sat.at(skyfield_time(t)).frame_xyz(itrs).m.T
    assert np.max(np.linalg.norm(r_e - ref, axis=1)) < 50.0


def test_published_element_set_follows_the_true_orbit(scenario):
    from picodragon.physics.twin import Twin

    twin = Twin(scenario, attitude=False)
    epoch = twin.start_unix + 5 * 86400.0
    es = twin.published_element_set(epoch)
    assert abs(es.epoch.timestamp() - epoch) < 1e-3
    t = epoch + np.array([0.0, 86400.0])
    r_tle, _, _ = propagate_sgp4(es.satrec, t)
    r_true, _ = twin.state_teme(t)
    err = np.linalg.norm(r_tle - r_true, axis=1)
    assert err[0] < 30.0 and err[1] < 1000.0
    # the deployment TLE, five days old, is far off by then
    r_old, _, _ = propagate_sgp4(twin.element_set.satrec, t[:1])
    assert np.linalg.norm(r_old[0] - r_true[0]) > 50e3


def test_one_fit_serves_every_bstar(scenario):
    """element_set_fitter fits the mean elements once and gives, for each B*, the very set
    element_set_from_state fits anew (SGP4's state at epoch does not depend on B*): the
    catalogue's secant search on B* asks for up to eight."""
    from picodragon.physics.orbit import element_set_fitter, element_set_from_state

    t0, r, v, _ = ejected_state(scenario)
    rng = np.random.default_rng(5)
    for k in range(12):
        rk = r * (1.0 + rng.uniform(-0.03, 0.03))
        vk = v * (1.0 + rng.uniform(-0.01, 0.01))
        tk = t0 + k * 37000.0
        fit = element_set_fitter(tk, rk, vk, "X", 99999)
        for bstar in (2e-4, 3e-4, 1e-5, 4e-3, -1e-4):
            es, ref = fit(bstar), element_set_from_state(tk, rk, vk, "X", 99999, bstar)
            assert (es.line1, es.line2) == (ref.line1, ref.line2)

"""Sun direction against JPL DE421 and eclipse edges against Skyfield's is_sunlit."""

from __future__ import annotations

import numpy as np
from skyfield.sgp4lib import TEME

from picodragon.physics.sun import illumination, sun_position
from picodragon.physics.timebase import ephemeris, skyfield_time

SUN_TOLERANCE_DEG = 0.01
# eclipse edges against Skyfield's is_sunlit: tests/physics/test_validation.py


def sun_direction_error_deg(t):
    eph = ephemeris()
    ref = eph["earth"].at(skyfield_time(t)).observe(eph["sun"]).apparent().frame_xyz(TEME).m.T
    ours = sun_position(t)
    cos = np.einsum("ij,ij->i", ref, ours) / np.linalg.norm(ref, axis=1) / np.linalg.norm(ours, axis=1)
    return np.degrees(np.arccos(np.clip(cos, -1, 1)))


def test_sun_direction_matches_de421():
    t = np.linspace(1.356e9, 1.419e9, 400)  # 2013 to 2014
    err = sun_direction_error_deg(t)
    assert err.max() < SUN_TOLERANCE_DEG


def test_sun_scalar_and_array_agree():
    t = 1384863420.0
    np.testing.assert_allclose(sun_position(t)[0], sun_position(np.array([t, t + 1]))[0])


def test_penumbra_is_between_sun_and_umbra():
    r_sun = np.array([[1.496e11, 0.0, 0.0]])
    # deep behind the Earth: umbra; on the Sun side: sunlit; grazing the limb: partial
    assert illumination(np.array([[-6.8e6, 0, 0]]), r_sun)[0] == 0.0
    assert illumination(np.array([[6.8e6, 0, 0]]), r_sun)[0] == 1.0
    ys = np.linspace(6.30e6, 6.46e6, 200)
    frac = illumination(np.stack([np.full_like(ys, -2.0e6), ys, np.zeros_like(ys)], axis=1), np.repeat(r_sun, 200, 0))
    assert np.all(np.diff(frac) >= -1e-12)
    assert frac[0] == 0.0 and frac[-1] == 1.0 and np.any((frac > 0) & (frac < 1))


def test_earth_view_factor_limits():
    from picodragon.physics.sun import earth_view_factor, tumbling_earth_view_factor

    r = np.array([6378137.0 + 400e3])
    nadir = earth_view_factor(np.array([[1.0]]), r)[0, 0]
    assert abs(nadir - (6378137.0 / r[0]) ** 2) < 1e-4  # exact for a nadir plate
    assert earth_view_factor(np.array([[-1.0]]), r)[0, 0] == 0.0  # zenith plate sees no Earth
    side = earth_view_factor(np.array([[0.0]]), r)[0, 0]
    assert 0.25 < side < 0.35
    mu = np.linspace(-1, 1, 4001)[None, :]
    assert abs(earth_view_factor(mu, r).mean() - tumbling_earth_view_factor(r)[0]) < 1e-3


def test_the_compiled_pass_is_the_vectorised_models():
    """sun.sunlight (the twin's cache) against illumination, solar_flux and earth_fluxes: LEO
    points in every direction over a year of Sun positions, the shadow's edges included."""
    from picodragon.physics.sun import earth_fluxes, solar_flux, sunlight

    rng = np.random.default_rng(3)
    t = 1.39e9 + np.arange(50_000) * 600.0
    sun = np.ascontiguousarray(sun_position(t))
    u = rng.normal(size=(len(t), 3))
    r = u / np.linalg.norm(u, axis=1)[:, None] * rng.uniform(6.5e6, 6.9e6, (len(t), 1))
    out = np.empty((len(t), 5))
    sunlight(r, sun, out)
    ill = illumination(r, sun)
    assert np.any((ill > 0) & (ill < 1))
    np.testing.assert_allclose(out[:, 0], ill, rtol=0, atol=1e-7)  # penumbra: a cosine's rounding
    np.testing.assert_allclose(out[:, 1], solar_flux(r, sun), rtol=1e-7, atol=1e-4)
    albedo, ir = earth_fluxes(r, sun)
    np.testing.assert_allclose(out[:, 2], albedo, rtol=1e-11, atol=1e-9)
    np.testing.assert_allclose(out[:, 3], ir, rtol=1e-14)

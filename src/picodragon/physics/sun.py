"""The Sun: position, eclipse with penumbra, and the Earth's albedo and infrared seen from orbit.

Sun position: the low-precision solar coordinates of the Astronomical Almanac (section C, "Sun,
low precision", valid 1950-2050, quoted accuracy 0.01 deg), in the equator and equinox of date,
which is the TEME frame of SGP4 to within nutation (< 0.005 deg). It is vectorised over time and
checked against JPL DE421 through Skyfield in tests/physics/test_sun.py (see docs/validation.md).

Eclipse: conical shadow of a spherical Earth (equatorial radius) with penumbra, from the
apparent radii of Sun and Earth and their angular separation, the fraction of the solar disc
visible being the overlap area of two discs (Montenbruck & Gill, Satellite Orbits, 2000,
section 3.4.2). Atmospheric refraction and the Earth's oblateness are neglected (a few seconds
at each shadow edge).

Albedo and Earth infrared: the flux on a flat plate facing nadir, from the view factor of a
sphere seen at altitude h, F = (Re / (Re + h))^2, with the albedo flux scaled by the cosine of
the sub-satellite solar zenith angle (clipped at zero): a common first-order model (Gilmore,
Spacecraft Thermal Control Handbook, 2002, ch. 2). Constants in ``constants.py``.
"""

from __future__ import annotations

import numpy as np

from picodragon.physics.constants import (
    AU,
    EARTH_ALBEDO,
    EARTH_IR,
    R_EARTH,
    R_SUN,
    SECONDS_PER_DAY,
    SOLAR_CONSTANT,
)


def sun_position(unix_s) -> np.ndarray:
    """Geocentric Sun position (m), equator and equinox of date (~TEME), shape (n, 3).

    Astronomical Almanac low-precision formulae; UTC is used for TT (the 67 s difference moves
    the Sun by 0.0008 deg).
    """
    t = np.atleast_1d(np.asarray(unix_s, dtype=float))
    n = (t - 946728000.0) / SECONDS_PER_DAY  # days since J2000.0 (2000-01-01 12:00)
    mean_lon = np.radians(280.460 + 0.9856474 * n)
    g = np.radians(357.528 + 0.9856003 * n)
    lam = mean_lon + np.radians(1.915 * np.sin(g) + 0.020 * np.sin(2 * g))
    eps = np.radians(23.439 - 0.0000004 * n)
    dist = AU * (1.00014 - 0.01671 * np.cos(g) - 0.00014 * np.cos(2 * g))
    return np.stack(
        [dist * np.cos(lam), dist * np.cos(eps) * np.sin(lam), dist * np.sin(eps) * np.sin(lam)],
        axis=-1,
    )


def illumination(r_sat, r_sun) -> np.ndarray:
    """Fraction (0..1) of the solar disc visible from positions r_sat (n, 3), conical shadow model.

    1 in full sunlight, 0 in umbra, in between in penumbra (overlap of the apparent solar and
    terrestrial discs).
    """
    r_sat = np.atleast_2d(np.asarray(r_sat, dtype=float))
    r_sun = np.atleast_2d(np.asarray(r_sun, dtype=float))
    to_sun = r_sun - r_sat
    d_sun = np.linalg.norm(to_sun, axis=-1)
    d_earth = np.linalg.norm(r_sat, axis=-1)
    a = np.arcsin(np.clip(R_SUN / d_sun, 0.0, 1.0))  # apparent solar radius
    b = np.arcsin(np.clip(R_EARTH / d_earth, 0.0, 1.0))  # apparent Earth radius
    cos_c = np.einsum("ij,ij->i", -r_sat, to_sun) / (d_earth * d_sun)
    c = np.arccos(np.clip(cos_c, -1.0, 1.0))  # separation of the two centres
    frac = np.ones_like(c)
    umbra = c <= b - a
    frac[umbra] = 0.0
    partial = (c < a + b) & (c > np.abs(a - b))
    if np.any(partial):
        ap, bp, cp = a[partial], b[partial], c[partial]
        x = (cp**2 + ap**2 - bp**2) / (2 * cp)
        y = np.sqrt(np.maximum(ap**2 - x**2, 0.0))
        area = ap**2 * np.arccos(np.clip(x / ap, -1, 1)) + bp**2 * np.arccos(
            np.clip((cp - x) / bp, -1, 1)
        ) - cp * y
        frac[partial] = 1.0 - area / (np.pi * ap**2)
    # Sun disc fully behind a larger Earth disc is umbra; annular case (b < a) not reachable in LEO
    return np.clip(frac, 0.0, 1.0)


def solar_flux(r_sat, r_sun) -> np.ndarray:
    """Solar irradiance at the spacecraft, W/m^2: TSI scaled by 1/d^2, times the visible fraction."""
    d = np.linalg.norm(np.atleast_2d(r_sun) - np.atleast_2d(r_sat), axis=-1)
    return SOLAR_CONSTANT * (AU / d) ** 2 * illumination(r_sat, r_sun)


def earth_fluxes(r_sat, r_sun) -> tuple[np.ndarray, np.ndarray]:
    """(albedo, infrared) flux on a nadir-facing plate, W/m^2 (sphere view factor model above)."""
    r_sat = np.atleast_2d(np.asarray(r_sat, dtype=float))
    r_sun = np.atleast_2d(np.asarray(r_sun, dtype=float))
    d = np.linalg.norm(r_sat, axis=-1)
    view = (R_EARTH / d) ** 2
    cos_zenith = np.einsum("ij,ij->i", r_sat, r_sun) / (d * np.linalg.norm(r_sun, axis=-1))
    albedo = SOLAR_CONSTANT * EARTH_ALBEDO * view * np.clip(cos_zenith, 0.0, 1.0)
    infrared = EARTH_IR * view
    return albedo, infrared

"""The Sun: position, eclipse with penumbra, and the Earth's albedo and infrared seen from orbit.

Sun position: the low-precision solar coordinates of the Astronomical Almanac, owned by the
shared vocabulary (``picodragon.astro.sun``, where its sources are given) since the ground
needs the same Sun; re-exported here as ``sun_position``. It is vectorised over time and
checked against JPL DE421 through Skyfield in tests/physics/test_sun.py and tests/astro
(see docs/validation.md).

Eclipse: conical shadow of a spherical Earth (equatorial radius) with penumbra, from the
apparent radii of Sun and Earth and their angular separation, the fraction of the solar disc
visible being the overlap area of two discs (Montenbruck & Gill, Satellite Orbits, 2000,
section 3.4.2). Atmospheric refraction and the Earth's oblateness are neglected (a few seconds
at each shadow edge).

Albedo and Earth infrared: the flux on a flat plate facing nadir, from the view factor of a
sphere seen at altitude h, F = (Re / (Re + h))^2, with the albedo flux scaled by the cosine of
the sub-satellite solar zenith angle (clipped at zero): a common first-order model (Gilmore,
Spacecraft Thermal Control Handbook, 2002, ch. 2). A plate tilted from nadir receives these
times F(lambda) / F(0), with F(lambda) the plate-to-sphere view factor integrated numerically
(``earth_view_factor``; a side face at 400 km still sees a third of the nadir value); a
randomly tumbling plate sees on average the Earth's solid angle over 4 pi. Using the nadir
albedo for tilted plates is the usual simplification. Constants in ``constants.py``.

``sunlight`` is the twin's compiled pass of the same models over its cache grid (visible
fraction, solar flux, albedo, infrared; 0.09 ms against numpy's 0.57 ms for 6 h of 10 s nodes):
the operations of ``illumination``, ``solar_flux`` and ``earth_fluxes`` in their order (with
numpy 2 on x86-64 the same bits: einsum adds three products as (x + z) + y, a norm's squares
left to right); elsewhere within rounding of them (tests/physics/test_sun.py).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from numba import njit

from picodragon.astro.sun import sun_position
from picodragon.physics.constants import AU, EARTH_ALBEDO, EARTH_IR, R_EARTH, R_SUN, SOLAR_CONSTANT

__all__ = [
    "earth_fluxes", "earth_view_factor", "illumination", "solar_flux", "sun_position", "sunlight",
    "tumbling_earth_view_factor", "view_factor_table",
]  # fmt: skip


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


@njit(cache=True)
def sunlight(r_sat, r_sun, out):  # pragma: no cover - compiled
    """``illumination``, ``solar_flux`` and ``earth_fluxes`` (albedo, infrared) of positions
    r_sat (n, 3) with the Sun at r_sun (n, 3), into the first four columns of out (n, >= 4),
    point by point in scalars (see the module docstring)."""
    for k in range(r_sat.shape[0]):
        rx, ry, rz = r_sat[k, 0], r_sat[k, 1], r_sat[k, 2]
        sx, sy, sz = r_sun[k, 0], r_sun[k, 1], r_sun[k, 2]
        tx, ty, tz = sx - rx, sy - ry, sz - rz
        d_sun = math.sqrt((tx * tx + ty * ty) + tz * tz)
        d_earth = math.sqrt((rx * rx + ry * ry) + rz * rz)
        a = math.asin(min(max(R_SUN / d_sun, 0.0), 1.0))  # apparent solar radius
        b = math.asin(min(max(R_EARTH / d_earth, 0.0), 1.0))  # apparent Earth radius
        cos_c = ((-rx * tx + -rz * tz) + -ry * ty) / (d_earth * d_sun)
        c = math.acos(min(max(cos_c, -1.0), 1.0))  # separation of the two centres
        frac = 0.0 if c <= b - a else 1.0
        if c < a + b and c > abs(a - b):  # penumbra: the overlap of the two discs
            x = (c**2 + a**2 - b**2) / (2 * c)
            y = math.sqrt(max(a**2 - x**2, 0.0))
            area = (a**2 * math.acos(min(max(x / a, -1.0), 1.0))
                    + b**2 * math.acos(min(max((c - x) / b, -1.0), 1.0)) - c * y)
            frac = 1.0 - area / (np.pi * a**2)
        ill = min(max(frac, 0.0), 1.0)
        out[k, 0] = ill
        out[k, 1] = SOLAR_CONSTANT * (AU / d_sun) ** 2 * ill
        view = (R_EARTH / d_earth) ** 2
        cos_zenith = ((rx * sx + rz * sz) + ry * sy) / (d_earth * math.sqrt((sx * sx + sy * sy) + sz * sz))
        out[k, 2] = SOLAR_CONSTANT * EARTH_ALBEDO * view * min(max(cos_zenith, 0.0), 1.0)
        out[k, 3] = EARTH_IR * view


@lru_cache(maxsize=1)
def view_factor_table() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """View factor plate -> spherical Earth, tabulated over the plate's angle from nadir and H.

    F(lambda, H) = (1/pi) * integral over the Earth's disc of max(0, cos theta) dOmega, theta the
    angle between the plate normal and the direction, H = (Re + h) / Re; midpoint quadrature in
    nadir angle and azimuth (96 x 96). Exact for a nadir plate: F = 1 / H^2.
    """
    lam = np.radians(np.linspace(0.0, 180.0, 181))
    hs = np.linspace(1.005, 1.12, 24)
    n = 96
    table = np.empty((len(hs), len(lam)))
    psi = (np.arange(n) + 0.5) * (2 * np.pi / n)
    for k, h in enumerate(hs):
        eta_max = np.arcsin(1.0 / h)
        eta = (np.arange(n) + 0.5) * (eta_max / n)
        d_omega = np.sin(eta)[:, None] * (eta_max / n) * (2 * np.pi / n)
        ce, se = np.cos(eta)[:, None], np.sin(eta)[:, None]
        for j, lm in enumerate(lam):
            cos_t = np.cos(lm) * ce + np.sin(lm) * se * np.cos(psi)[None, :]
            table[k, j] = (np.clip(cos_t, 0, None) * d_omega).sum() / np.pi
    return hs, np.cos(lam), table


def earth_view_factor(cos_nadir, r_norm) -> np.ndarray:
    """View factor from a plate to the Earth for the cosine of its normal's angle from nadir.

    cos_nadir (n, k), r_norm (n,) the geocentric distance (m); bilinear in the table above.
    """
    hs, cos_lam, table = view_factor_table()
    h = np.clip(np.asarray(r_norm, dtype=float) / R_EARTH, hs[0], hs[-1])
    fh = (h - hs[0]) / (hs[1] - hs[0])
    i = np.minimum(fh.astype(int), len(hs) - 2)
    wh = (fh - i)[:, None]
    lam_idx = np.degrees(np.arccos(np.clip(cos_nadir, -1.0, 1.0)))
    j = np.minimum(lam_idx.astype(int), 179)
    wl = lam_idx - j
    ii = i[:, None]
    f0 = table[ii, j] * (1 - wl) + table[ii, j + 1] * wl
    f1 = table[ii + 1, j] * (1 - wl) + table[ii + 1, j + 1] * wl
    return f0 * (1 - wh) + f1 * wh


def tumbling_earth_view_factor(r_norm) -> np.ndarray:
    """Mean view factor of a randomly oriented plate: the Earth's solid angle / (4 pi)."""
    h = np.asarray(r_norm, dtype=float) / R_EARTH
    return 0.5 * (1.0 - np.sqrt(1.0 - 1.0 / h**2))

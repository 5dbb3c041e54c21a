"""The Sun's direction: the low-precision almanac every room uses (the twin and the ground).

Sun position: the low-precision solar coordinates of the Astronomical Almanac (section C, "Sun,
low precision", valid 1950-2050, quoted accuracy 0.01 deg), in the equator and equinox of date,
which is the TEME frame of SGP4 to within nutation (< 0.005 deg). UTC is used for TT (the 69 s
difference moves the Sun by 0.0008 deg). A low-precision Sun is vocabulary, not simulation:
the twin's eclipse and fluxes (``physics.sun``) and the operator's daylight test both read it
here. Checked against JPL DE421 through Skyfield in tests/astro/test_sun.py.
"""

from __future__ import annotations

import numpy as np

from picodragon.astro.constants import AU_M, J2000_UNIX, SECONDS_PER_DAY
from picodragon.astro.frames import teme_to_itrs
from picodragon.astro.wgs84 import enu_basis


def sun_position(unix_s) -> np.ndarray:
    """Geocentric Sun position (m), equator and equinox of date (~TEME), shape (n, 3)."""
    t = np.atleast_1d(np.asarray(unix_s, dtype=float))
    n = (t - J2000_UNIX) / SECONDS_PER_DAY  # days since J2000.0 (2000-01-01 12:00)
    mean_lon = np.radians(280.460 + 0.9856474 * n)
    g = np.radians(357.528 + 0.9856003 * n)
    lam = mean_lon + np.radians(1.915 * np.sin(g) + 0.020 * np.sin(2 * g))
    eps = np.radians(23.439 - 0.0000004 * n)
    dist = AU_M * (1.00014 - 0.01671 * np.cos(g) - 0.00014 * np.cos(2 * g))
    return np.stack(
        [dist * np.cos(lam), dist * np.cos(eps) * np.sin(lam), dist * np.sin(eps) * np.sin(lam)],
        axis=-1,
    )


def sun_direction_itrs(unix_s, dut1_s=None) -> np.ndarray:
    """Unit vector towards the Sun in the Earth-fixed frame, shape (n, 3).

    From the Earth's centre: the parallax of a place on the ground is 0.0024 deg at most.
    """
    t = np.atleast_1d(np.asarray(unix_s, dtype=float))
    sun, _ = teme_to_itrs(sun_position(t), None, t, dut1_s)
    return sun / np.linalg.norm(sun, axis=-1, keepdims=True)


def sun_elevation_deg(unix_s, latitude_deg, longitude_deg) -> np.ndarray:
    """Geometric elevation of the Sun (deg) above the WGS-84 horizon of ground points.

    ``unix_s``, ``latitude_deg`` and ``longitude_deg`` are broadcast together (one point per
    time, or one point at many times). No refraction.
    """
    t = np.atleast_1d(np.asarray(unix_s, dtype=float))
    _, _, up = enu_basis(latitude_deg, longitude_deg)
    direction = sun_direction_itrs(t)
    return np.degrees(np.arcsin(np.clip(np.sum(up * direction, axis=-1), -1.0, 1.0)))

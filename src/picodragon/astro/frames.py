"""The Earth's rotation and the frames SGP4 and the ground need: GMST, ERA, TEME <-> ITRS.

SGP4 states are in TEME (true equator, mean equinox). TEME turns into the Earth-fixed frame
through the Greenwich mean sidereal time of IAU 1982, the angle TEME is defined with (Vallado
et al. 2006, "Revisiting Spacetrack Report #3", AIAA 2006-6753, eq. for theta_GMST1982), read
at UT1. Polar motion (< 15 m at the surface) is neglected, so the Earth-fixed frame is PEF,
taken for ITRS; Skyfield's ``TEME`` frame, with polar motion off, is the oracle in
tests/astro/test_frames.py. All functions broadcast over arrays of times and vectors (..., 3).
"""

from __future__ import annotations

import numpy as np

from picodragon.astro.constants import J2000_JD, OMEGA_EARTH_RAD_S, SECONDS_PER_DAY
from picodragon.astro.timescales import timescale


def gmst82(unix_s, dut1_s=None) -> np.ndarray:
    """Greenwich mean sidereal angle (IAU 1982), rad in [0, 2 pi), at Unix times (UTC).

    UT1 = UTC + ``dut1_s``; when it is None, UT1 - UTC comes from the shared timescale's tables.
    """
    jd_whole, jd_frac = timescale().ut1_jd(unix_s, dut1_s)
    tut1 = ((jd_whole - J2000_JD) + jd_frac) / 36525.0
    seconds = (
        67310.54841
        + (876600.0 * 3600.0 + 8640184.812866) * tut1
        + 0.093104 * tut1**2
        - 6.2e-6 * tut1**3
    )
    return np.mod(seconds * (2.0 * np.pi / SECONDS_PER_DAY), 2.0 * np.pi)


def earth_rotation_angle(unix_s, dut1_s=None) -> np.ndarray:
    """Earth rotation angle (IAU 2000, IERS Conventions 2010 eq. 5.15), rad in [0, 2 pi)."""
    jd_whole, jd_frac = timescale().ut1_jd(unix_s, dut1_s)
    du = (jd_whole - J2000_JD) + jd_frac
    turns = 0.7790572732640 + 0.00273781191135448 * du + np.mod(jd_whole - J2000_JD, 1.0) + jd_frac
    return np.mod(turns, 1.0) * 2.0 * np.pi


def teme_to_itrs(r_teme, v_teme, unix_s, dut1_s=None) -> tuple[np.ndarray, np.ndarray | None]:
    """TEME position (m) and velocity (m/s, or None) to the Earth-fixed frame (PEF ~ ITRS).

    The velocity gains the transport term -omega x r of the rotating frame.
    """
    theta = gmst82(unix_s, dut1_s)
    c, s = np.cos(theta), np.sin(theta)
    r = np.asarray(r_teme, dtype=float)
    x = c * r[..., 0] + s * r[..., 1]
    y = -s * r[..., 0] + c * r[..., 1]
    r_itrs = np.stack([x, y, r[..., 2]], axis=-1)
    if v_teme is None:
        return r_itrs, None
    v = np.asarray(v_teme, dtype=float)
    vx = c * v[..., 0] + s * v[..., 1] + OMEGA_EARTH_RAD_S * y
    vy = -s * v[..., 0] + c * v[..., 1] - OMEGA_EARTH_RAD_S * x
    return r_itrs, np.stack([vx, vy, v[..., 2]], axis=-1)


def itrs_to_teme(vec_itrs, unix_s, dut1_s=None) -> np.ndarray:
    """Earth-fixed directions (..., 3) into TEME (a pure rotation: no transport term)."""
    theta = gmst82(unix_s, dut1_s)
    c, s = np.cos(theta), np.sin(theta)
    v = np.asarray(vec_itrs, dtype=float)
    x = c * v[..., 0] - s * v[..., 1]
    y = s * v[..., 0] + c * v[..., 1]
    return np.stack([x, y, v[..., 2]], axis=-1)


teme_to_ecef = teme_to_itrs
"""The name the twin has always used (ECEF here means the PEF/ITRS frame above)."""
ecef_to_teme = itrs_to_teme
"""The name the twin has always used."""

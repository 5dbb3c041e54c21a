"""Time scales and the Earth's rotation, vectorised over arrays of Unix seconds (UTC).

Inside the twin time is float Unix seconds (UTC). Sidereal angle and UT1 come from Skyfield's
built-in timescale (its bundled Delta-T and leap-second tables: nothing is downloaded), and
the Earth-fixed frame follows the TEME -> PEF rotation of Vallado et al. (2006) through the
Greenwich mean sidereal time of IAU-82 (the frame SGP4 is defined in). Polar motion (< 15 m)
is neglected.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from picodragon.physics.constants import OMEGA_EARTH, SECONDS_PER_DAY, UNIX_EPOCH_JD


@lru_cache(maxsize=1)
def timescale():
    """Skyfield's built-in timescale (bundled tables only; never downloads)."""
    from skyfield.api import load

    return load.timescale()


@lru_cache(maxsize=1)
def ephemeris():
    """JPL DE421 from the skyfield-data package (offline), loaded once."""
    import skyfield_data
    from skyfield.api import Loader

    folder = Path(skyfield_data.__file__).parent / "data"
    return Loader(str(folder), expire=False)("de421.bsp")


def unix_to_jd(unix_s):
    """Julian date (UTC) split in whole and fraction parts for full precision."""
    unix_s = np.asarray(unix_s, dtype=float)
    days = unix_s / SECONDS_PER_DAY
    whole = np.floor(days)
    return whole + UNIX_EPOCH_JD, days - whole


def skyfield_time(unix_s):
    """A Skyfield Time for Unix seconds (scalar or array).

    Unix time counts 86400 s a day, so the day number and the second of the day are passed
    separately (passing all seconds from 1970 would count the leap seconds in between).
    """
    unix_s = np.asarray(unix_s, dtype=float)
    days = np.floor(unix_s / SECONDS_PER_DAY)
    return timescale().utc(1970, 1, 1 + days, 0, 0, unix_s - days * SECONDS_PER_DAY)


def dut1(unix_s):
    """UT1 - UTC in seconds from Skyfield's bundled tables."""
    return np.asarray(skyfield_time(unix_s).dut1, dtype=float)


def gmst82(unix_s, dut1_s=None):
    """Greenwich mean sidereal angle (IAU-82), rad, as SGP4's TEME frame needs it.

    Vallado et al. (2006) eq. for theta_GMST1982; UT1 = UTC + dut1 (from Skyfield if not given).
    """
    unix_s = np.asarray(unix_s, dtype=float)
    if dut1_s is None:
        dut1_s = dut1(unix_s)
    t_ut1 = unix_s + dut1_s
    jd_whole, jd_frac = unix_to_jd(t_ut1)
    tut1 = ((jd_whole - 2451545.0) + jd_frac) / 36525.0
    seconds = (
        67310.54841
        + (876600.0 * 3600.0 + 8640184.812866) * tut1
        + 0.093104 * tut1**2
        - 6.2e-6 * tut1**3
    )
    return np.mod(seconds * (2.0 * np.pi / 86400.0), 2.0 * np.pi)


def teme_to_ecef(r_teme, v_teme, unix_s, dut1_s=None):
    """Rotate TEME position/velocity (..., 3) to the Earth-fixed frame (PEF ~ ITRF, no polar motion).

    Velocity includes the transport term -omega x r of the rotating frame.
    """
    theta = gmst82(unix_s, dut1_s)
    c, s = np.cos(theta), np.sin(theta)
    r = np.asarray(r_teme, dtype=float)
    x = c * r[..., 0] + s * r[..., 1]
    y = -s * r[..., 0] + c * r[..., 1]
    r_ecef = np.stack([x, y, r[..., 2]], axis=-1)
    if v_teme is None:
        return r_ecef, None
    v = np.asarray(v_teme, dtype=float)
    vx = c * v[..., 0] + s * v[..., 1] + OMEGA_EARTH * y
    vy = -s * v[..., 0] + c * v[..., 1] - OMEGA_EARTH * x
    v_ecef = np.stack([vx, vy, v[..., 2]], axis=-1)
    return r_ecef, v_ecef


def ecef_to_teme(vec_ecef, unix_s, dut1_s=None):
    """Rotate Earth-fixed directions (..., 3) into TEME (no transport term: for directions)."""
    theta = gmst82(unix_s, dut1_s)
    c, s = np.cos(theta), np.sin(theta)
    v = np.asarray(vec_ecef, dtype=float)
    x = c * v[..., 0] - s * v[..., 1]
    y = s * v[..., 0] + c * v[..., 1]
    return np.stack([x, y, v[..., 2]], axis=-1)

"""Constants of the shared vocabulary of time and frames, each with its source.

SI units. These are the only copies in picodragon of the WGS-84 ellipsoid and the Earth's
rotation rate: every room reads them from here (``tests/test_one_owner.py`` checks).
"""

from __future__ import annotations

import math

WGS84_A_M = 6378137.0
"""WGS-84 semi-major (equatorial) axis, m (NIMA TR8350.2)."""

WGS84_F = 1.0 / 298.257223563
"""WGS-84 flattening (NIMA TR8350.2)."""

WGS84_E2 = WGS84_F * (2.0 - WGS84_F)
"""WGS-84 first eccentricity squared."""

WGS84_B_M = WGS84_A_M * (1.0 - WGS84_F)
"""WGS-84 semi-minor (polar) axis, m."""

OMEGA_EARTH_RAD_S = 7.292115e-5
"""Earth rotation rate, rad/s (WGS-84 defining constant; IERS conventions use the same)."""

GM_EARTH_M3_S2 = 3.986004418e14
"""Earth's gravitational parameter, m^3/s^2 (WGS-84 / EGM2008 / IERS 2010)."""

AU_M = 1.495978707e11
"""Astronomical unit, m (IAU 2012 Resolution B2)."""

SECONDS_PER_DAY = 86400.0
UNIX_EPOCH_JD = 2440587.5
"""Julian date of 1970-01-01T00:00:00 UTC (the Unix epoch)."""
J2000_JD = 2451545.0
"""Julian date of J2000.0 (2000-01-01T12:00:00 TT; as a UT1/UTC date where the formula says so)."""
J2000_UNIX = 946728000.0
"""Unix seconds of 2000-01-01T12:00:00 UTC."""
DEG = math.pi / 180.0

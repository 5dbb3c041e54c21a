"""Physical constants of the twin, each with its source.

Units are SI. Where SGP4 needs its own (WGS-72) constants the sgp4 package supplies them; the
numerical propagator and the geometry use the values below.
"""

from __future__ import annotations

import math

MU_EARTH = 3.986004418e14
"""Earth's gravitational parameter, m^3/s^2 (EGM2008 / IERS 2010 conventions)."""

R_EARTH = 6378137.0
"""Equatorial radius, m (WGS-84; also the reference radius of EGM2008's zonal terms)."""

F_EARTH = 1.0 / 298.257223563
"""Flattening (WGS-84)."""

E2_EARTH = F_EARTH * (2.0 - F_EARTH)
"""First eccentricity squared (WGS-84)."""

OMEGA_EARTH = 7.292115e-5
"""Earth rotation rate, rad/s (WGS-84 / IERS)."""

J2 = 1.08262668e-3
J3 = -2.53265649e-6
J4 = -1.61962159e-6
"""Unnormalised zonal harmonics J2, J3, J4 (EGM2008: J_n = -sqrt(2n+1) * C_n0 normalised)."""

R_SUN = 6.957e8
"""Nominal solar radius, m (IAU 2015 Resolution B3)."""

AU = 1.495978707e11
"""Astronomical unit, m (IAU 2012)."""

SOLAR_CONSTANT = 1361.0
"""Total solar irradiance at 1 AU, W/m^2 (Kopp & Lean 2011, SORCE/TIM)."""

EARTH_ALBEDO = 0.30
"""Bond albedo of the Earth, orbit-average (NASA Earth fact sheet: 0.306)."""

EARTH_IR = 237.0
"""Outgoing long-wave radiation at the top of the atmosphere, W/m^2, global mean (CERES)."""

STEFAN_BOLTZMANN = 5.670374419e-8
"""W/m^2/K^4 (CODATA 2018)."""

T_SPACE = 3.0
"""Deep-space background temperature, K."""

REENTRY_ALTITUDE = 120e3
"""Altitude taken as re-entry, m (the usual end of a decay prediction; the body is lost within
a fraction of an orbit below it)."""

RHO0_BSTAR = 0.15696615
"""Reference density of SGP4's B*, kg/m^2/Earth radius (Vallado et al. 2006, AIAA 2006-6753)."""

SECONDS_PER_DAY = 86400.0
UNIX_EPOCH_JD = 2440587.5
TWO_PI = 2.0 * math.pi
DEG = math.pi / 180.0

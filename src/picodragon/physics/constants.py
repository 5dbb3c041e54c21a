"""Physical constants of the twin, each with its source.

Units are SI. Where SGP4 needs its own (WGS-72) constants the sgp4 package supplies them; the
numerical propagator and the geometry use the values below. The Earth's shape, rotation and GM,
the astronomical unit and the time constants belong to the shared vocabulary
(``picodragon.astro.constants``) and are re-exported here under the twin's names.
"""

from __future__ import annotations

import math

from picodragon.astro.constants import AU_M as AU
from picodragon.astro.constants import DEG, SECONDS_PER_DAY, UNIX_EPOCH_JD
from picodragon.astro.constants import GM_EARTH_M3_S2 as MU_EARTH
from picodragon.astro.constants import OMEGA_EARTH_RAD_S as OMEGA_EARTH
from picodragon.astro.constants import WGS84_A_M as R_EARTH
from picodragon.astro.constants import WGS84_E2 as E2_EARTH
from picodragon.astro.constants import WGS84_F as F_EARTH

__all__ = [
    "AU", "DEG", "E2_EARTH", "EARTH_ALBEDO", "EARTH_IR", "F_EARTH", "J2", "J3", "J4", "MU_EARTH",
    "OMEGA_EARTH", "R_EARTH", "R_SUN", "REENTRY_ALTITUDE", "RHO0_BSTAR", "SECONDS_PER_DAY",
    "SOLAR_CONSTANT", "STEFAN_BOLTZMANN", "T_SPACE", "TWO_PI", "UNIX_EPOCH_JD",
]  # fmt: skip

J2 = 1.08262668e-3
J3 = -2.53265649e-6
J4 = -1.61962159e-6
"""Unnormalised zonal harmonics J2, J3, J4 (EGM2008: J_n = -sqrt(2n+1) * C_n0 normalised)."""

R_SUN = 6.957e8
"""Nominal solar radius, m (IAU 2015 Resolution B3)."""

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

TWO_PI = 2.0 * math.pi

"""A synthetic satellite catalogue and station network the size of SatNOGS, for planning at scale.

No real catalogue is shipped or downloaded, so a network-wide plan is exercised on a seeded
synthetic one whose shape is a *named assumption* drawn from what amateur and CubeSat traffic
looks like (not a fit to any catalogue):

- satellites: 55 % sun-synchronous at 450 to 600 km (rideshare CubeSats; inclination from the
  J2 node-rate condition, Vallado, Fundamentals of Astrodynamics, 4th ed., eq. 9-42), 20 %
  deployed from the ISS at 51.6 degrees and 380 to 420 km, 15 % mid-inclination rideshares at
  40 to 55 degrees and 500 to 560 km, 10 % older polar LEO at 650 to 850 km, sun-synchronous;
  eccentricity 0.0002 to 0.002, node, perigee and anomaly uniform, B* 1e-4 per Earth radius;
- stations: the spread of SatNOGS' active stations, mostly Europe, then North America, East
  Asia, South America, Oceania, South Asia and Africa (weights below, read by eye off the
  SatNOGS network map; boxes of land around each region, so a few fall at sea), altitude 0 to
  500 m, a horizon of 10 degrees (trees and roofs: a typical amateur station's mask).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
from sgp4.api import WGS72, Satrec

from picodragon.astro.constants import GM_EARTH_M3_S2
from picodragon.config import Station
from picodragon.elements import ElementSet

#: (share, altitude range km, inclination range deg or None for sun-synchronous)
POPULATION = (
    (0.55, (450.0, 600.0), None),
    (0.20, (380.0, 420.0), (51.6, 51.6)),
    (0.15, (500.0, 560.0), (40.0, 55.0)),
    (0.10, (650.0, 850.0), None),
)
#: (share, latitude range deg, longitude range deg) of SatNOGS-like stations
REGIONS = (
    (0.45, (36.0, 60.0), (-9.0, 30.0)),  # Europe
    (0.22, (27.0, 49.0), (-123.0, -72.0)),  # North America
    (0.10, (22.0, 44.0), (102.0, 140.0)),  # East Asia
    (0.07, (-34.0, -6.0), (-68.0, -40.0)),  # South America
    (0.06, (-38.0, -17.0), (116.0, 152.0)),  # Australia
    (0.05, (9.0, 29.0), (72.0, 88.0)),  # South Asia
    (0.05, (-33.0, 10.0), (10.0, 38.0)),  # Africa
)
STATION_HORIZON_DEG = 10.0
EARTH_RADIUS_KM = 6378.135  # WGS-72, the radius SGP4's elements refer to
J2 = 1.082616e-3  # WGS-72
SIDEREAL_YEAR_S = 365.2422 * 86400.0


def sun_synchronous_inclination_deg(altitude_km: float) -> float:
    """The inclination whose J2 node drift follows the mean Sun (360 deg a year), circular orbit."""
    a_m = (EARTH_RADIUS_KM + altitude_km) * 1e3
    n = math.sqrt(GM_EARTH_M3_S2 / a_m**3)
    node_rate = 2 * math.pi / SIDEREAL_YEAR_S
    cos_i = -node_rate / (1.5 * n * J2 * (EARTH_RADIUS_KM * 1e3 / a_m) ** 2)
    return math.degrees(math.acos(cos_i))


def synthetic_catalogue(n: int, epoch: datetime, seed: int = 0) -> list[ElementSet]:
    """``n`` element sets at ``epoch`` drawn from :data:`POPULATION` (named SYN-0000 ...)."""
    rng = np.random.default_rng(seed)
    shares = np.array([p[0] for p in POPULATION])
    kinds = rng.choice(len(POPULATION), size=n, p=shares / shares.sum())
    epoch = epoch.astimezone(UTC)
    days_1949 = (epoch - datetime(1949, 12, 31, tzinfo=UTC)).total_seconds() / 86400.0
    out = []
    for i, kind in enumerate(kinds.tolist()):
        _, (h0, h1), inc = POPULATION[kind]
        altitude = rng.uniform(h0, h1)
        inc_deg = sun_synchronous_inclination_deg(altitude) if inc is None else rng.uniform(*inc)
        a_m = (EARTH_RADIUS_KM + altitude) * 1e3
        mean_motion = math.sqrt(GM_EARTH_M3_S2 / a_m**3) * 60.0  # rad/min
        sat = Satrec()
        sat.sgp4init(WGS72, "i", 80000 + i, days_1949, 1e-4, 0.0, 0.0,
                     rng.uniform(0.0002, 0.002), rng.uniform(0, 2 * math.pi), math.radians(inc_deg),
                     rng.uniform(0, 2 * math.pi), mean_motion, rng.uniform(0, 2 * math.pi))
        out.append(ElementSet.from_satrec(sat, f"SYN-{i:04d}"))
    return out


def synthetic_stations(n: int, seed: int = 0) -> list[Station]:
    """``n`` stations spread as :data:`REGIONS` (named STN-000 ...)."""
    rng = np.random.default_rng(seed)
    shares = np.array([r[0] for r in REGIONS])
    kinds = rng.choice(len(REGIONS), size=n, p=shares / shares.sum())
    out = []
    for i, kind in enumerate(kinds.tolist()):
        _, lat, lon = REGIONS[kind]
        out.append(Station(name=f"STN-{i:03d}", latitude_deg=float(rng.uniform(*lat)),
                           longitude_deg=float(rng.uniform(*lon)),
                           altitude_m=float(rng.uniform(0, 500)),
                           min_elevation_deg=STATION_HORIZON_DEG))
    return out

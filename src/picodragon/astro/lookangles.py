"""Look angles: where a spacecraft appears from a place on the ground.

Topocentric elevation above the WGS-84 horizon (the plane normal to the ellipsoid at the
site), azimuth from north through east, range, and range rate (positive receding), from
Earth-fixed states. Geometric: no refraction, no light time, no aberration (as Skyfield's
``(satellite - topos).at(t).altaz()`` without a refraction model).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from picodragon.astro import wgs84


class GeodeticPoint(Protocol):
    """Anything with WGS-84 coordinates (a configured ground station, for one)."""

    @property
    def latitude_deg(self) -> float: ...
    @property
    def longitude_deg(self) -> float: ...
    @property
    def altitude_m(self) -> float: ...


@dataclass(frozen=True)
class Site:
    """A fixed place on the Earth: its ECEF position (m) and local east, north, up unit vectors."""

    latitude_deg: float
    longitude_deg: float
    altitude_m: float
    position_m: np.ndarray
    east: np.ndarray
    north: np.ndarray
    up: np.ndarray

    @classmethod
    def at(cls, latitude_deg: float, longitude_deg: float, altitude_m: float = 0.0) -> Site:
        """The site at geodetic coordinates (deg, deg, m above the ellipsoid)."""
        lat, lon, alt = float(latitude_deg), float(longitude_deg), float(altitude_m)
        east, north, up = wgs84.enu_basis(lat, lon)
        return cls(lat, lon, alt, wgs84.ecef(lat, lon, alt), east, north, up)

    @classmethod
    def of(cls, point: GeodeticPoint) -> Site:
        """The site of anything with ``latitude_deg``, ``longitude_deg`` and ``altitude_m``."""
        return cls.at(point.latitude_deg, point.longitude_deg, point.altitude_m)


@dataclass(frozen=True)
class LookAngles:
    """Topocentric geometry of a spacecraft from a site, one entry per instant."""

    unix_s: np.ndarray
    elevation_deg: np.ndarray
    azimuth_deg: np.ndarray
    """from north through east, 0..360"""
    range_m: np.ndarray
    range_rate_m_s: np.ndarray
    """positive when receding"""


def look_angles_ecef(site: Site | GeodeticPoint, unix_s, r_ecef, v_ecef) -> LookAngles:
    """Look angles from Earth-fixed positions (m) and velocities (m/s), shape (..., 3)."""
    if not isinstance(site, Site):
        site = Site.of(site)
    d = np.asarray(r_ecef, dtype=float) - site.position_m
    rng = np.linalg.norm(d, axis=-1)
    e, n, u = d @ site.east, d @ site.north, d @ site.up
    el = np.degrees(np.arcsin(np.clip(u / rng, -1.0, 1.0)))
    az = np.mod(np.degrees(np.arctan2(e, n)), 360.0)
    rr = np.einsum("...i,...i->...", d, np.asarray(v_ecef, dtype=float)) / rng
    return LookAngles(
        unix_s=np.asarray(unix_s, dtype=float),
        elevation_deg=el,
        azimuth_deg=az,
        range_m=rng,
        range_rate_m_s=rr,
    )

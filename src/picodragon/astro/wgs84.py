"""The WGS-84 ellipsoid: geodetic latitude, longitude and height <-> Earth-fixed Cartesian.

Constants in ``constants.py`` (NIMA TR8350.2). Geodetic from Cartesian by Bowring's
iteration, three rounds from his first guess: better than a millimetre from the ground to
LEO. Vectorised over leading axes; Skyfield's ``wgs84`` is the oracle in tests/astro.
"""

from __future__ import annotations

import numpy as np

from picodragon.astro.constants import WGS84_A_M, WGS84_E2


def geodetic(r_ecef) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Geodetic latitude (deg), longitude (deg, -180..180), height (m) of ECEF points (..., 3)."""
    r = np.asarray(r_ecef, dtype=float)
    x, y, z = r[..., 0], r[..., 1], r[..., 2]
    lon = np.arctan2(y, x)
    p = np.hypot(x, y)
    lat = np.arctan2(z, p * (1.0 - WGS84_E2))
    for _ in range(3):
        s = np.sin(lat)
        n = WGS84_A_M / np.sqrt(1.0 - WGS84_E2 * s * s)
        h = p * np.cos(lat) + z * s - n * (1.0 - WGS84_E2 * s * s)
        lat = np.arctan2(z, p * (1.0 - WGS84_E2 * n / (n + h)))
    s = np.sin(lat)
    n = WGS84_A_M / np.sqrt(1.0 - WGS84_E2 * s * s)
    h = p * np.cos(lat) + z * s - n * (1.0 - WGS84_E2 * s * s)
    return np.degrees(lat), np.degrees(lon), h


def ecef(latitude_deg, longitude_deg, height_m) -> np.ndarray:
    """ECEF position (m), shape (..., 3), of geodetic coordinates (broadcast together)."""
    lat = np.radians(np.asarray(latitude_deg, dtype=float))
    lon = np.radians(np.asarray(longitude_deg, dtype=float))
    h = np.asarray(height_m, dtype=float)
    n = WGS84_A_M / np.sqrt(1.0 - WGS84_E2 * np.sin(lat) ** 2)
    return np.stack(
        np.broadcast_arrays(
            (n + h) * np.cos(lat) * np.cos(lon),
            (n + h) * np.cos(lat) * np.sin(lon),
            (n * (1.0 - WGS84_E2) + h) * np.sin(lat),
        ),
        axis=-1,
    )


def enu_basis(latitude_deg, longitude_deg) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unit vectors east, north and up (the ellipsoid normal) in ECEF, each (..., 3)."""
    lat = np.radians(np.asarray(latitude_deg, dtype=float))
    lon = np.radians(np.asarray(longitude_deg, dtype=float))
    sl, cl, so, co = np.sin(lat), np.cos(lat), np.sin(lon), np.cos(lon)
    east = np.stack(np.broadcast_arrays(-so, co, np.zeros_like(so)), axis=-1)
    north = np.stack(np.broadcast_arrays(-sl * co, -sl * so, cl), axis=-1)
    up = np.stack(np.broadcast_arrays(cl * co, cl * so, sl), axis=-1)
    return east, north, up

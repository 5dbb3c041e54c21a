"""Where the spacecraft is over the Earth: ground track, station footprints, image footprints.

The ground knows the orbit only from an element set (the scenario's, or one given to
``create_app``), as a real team does. SGP4 gives TEME positions; TEME is turned into the
Earth-fixed frame by the Greenwich mean sidereal time (IAU 1982, the angle TEME is defined
with) at UT1, and the sub-satellite point is geodetic on the WGS84 ellipsoid: both from the
shared vocabulary (``picodragon.astro``), as the twin and the ground use them.

Day and night: the Sun's Earth-fixed direction (``picodragon.astro.sun``, the Astronomical
Almanac's low-precision Sun, 0.01 deg) gives the subsolar point; the terminator is the great
circle 90 deg from it, ``tan(lat) = -cos(lon - lon_sun) / tan(lat_sun)`` (geocentric, without
refraction or the Sun's radius: twilight is not drawn), and the night side the half beyond it.

Footprints: a station sees the spacecraft above its elevation mask inside a small circle of
Earth central angle ``arccos(R cos(e) / (R + h)) - e``; the camera (nadir pointing assumed for
the footprint) covers about ``2 h tan(fov / 2)`` across.
"""

from __future__ import annotations

import math

import numpy as np
from sgp4.api import SatrecArray

from picodragon.astro.frames import teme_to_itrs
from picodragon.astro.sun import sun_direction_itrs
from picodragon.astro.timescales import unix_to_jd
from picodragon.astro.wgs84 import geodetic
from picodragon.elements import ElementSet

EARTH_RADIUS_M = 6_371_000.0
"""mean radius (IUGG), for the spherical footprint circles only"""


def subpoints(element_set: ElementSet, unix_s: np.ndarray) -> dict[str, np.ndarray]:
    """Latitude, longitude (-180..180) and altitude (km) of the spacecraft at Unix times."""
    t = np.atleast_1d(np.asarray(unix_s, dtype=float))
    jd, fr = unix_to_jd(t)
    err, r, _ = SatrecArray([element_set.satrec]).sgp4(jd, fr)
    r_itrs, _ = teme_to_itrs(r[0] * 1000.0, None, t)  # km -> m
    lat, lon, alt = geodetic(r_itrs)
    bad = err[0] != 0
    lat_deg = np.where(bad, np.nan, lat)
    lon = np.where(bad, np.nan, lon)
    alt = np.where(bad, np.nan, alt / 1000.0)
    return {"unix_s": t, "latitude_deg": lat_deg, "longitude_deg": lon, "altitude_km": alt}


def break_at_dateline(lon: np.ndarray, lat: np.ndarray) -> tuple[list, list]:
    """Insert gaps (None) where the track wraps from +180 to -180, for plotting as lines."""
    lon_out: list = []
    lat_out: list = []
    prev = None
    for lo, la in zip(lon.tolist(), lat.tolist(), strict=True):
        if lo != lo:
            continue
        if prev is not None and abs(lo - prev) > 180:
            lon_out.append(None)
            lat_out.append(None)
        lon_out.append(round(lo, 3))
        lat_out.append(round(la, 3))
        prev = lo
    return lon_out, lat_out


def visibility_circle(lat_deg: float, lon_deg: float, altitude_km: float, min_elevation_deg: float,
                      n: int = 90) -> tuple[list, list]:
    """The ground circle within which a station sees the spacecraft above its mask."""
    e = math.radians(min_elevation_deg)
    ratio = EARTH_RADIUS_M / (EARTH_RADIUS_M + altitude_km * 1000.0)
    central = math.acos(min(1.0, ratio * math.cos(e))) - e
    return _small_circle(lat_deg, lon_deg, central, n)


def camera_footprint(lat_deg: float, lon_deg: float, altitude_km: float, fov_deg: float,
                     n: int = 36) -> tuple[list, list]:
    """A circle of the camera's ground half-width around the sub-satellite point (nadir view)."""
    half_width_m = altitude_km * 1000.0 * math.tan(math.radians(fov_deg) / 2)
    return _small_circle(lat_deg, lon_deg, half_width_m / EARTH_RADIUS_M, n)


def _small_circle(lat_deg: float, lon_deg: float, central_rad: float, n: int) -> tuple[list, list]:
    lat0, lon0 = math.radians(lat_deg), math.radians(lon_deg)
    az = np.linspace(0, 2 * math.pi, n + 1)
    lat = np.arcsin(np.sin(lat0) * math.cos(central_rad) + np.cos(lat0) * math.sin(central_rad) * np.cos(az))
    lon = lon0 + np.arctan2(np.sin(az) * math.sin(central_rad) * np.cos(lat0),
                            math.cos(central_rad) - np.sin(lat0) * np.sin(lat))
    lon = (np.degrees(lon) + 180) % 360 - 180
    return break_at_dateline(lon, np.degrees(lat))


def terminator(unix_s: float, step_deg: float = 2.0) -> dict[str, object]:
    """The subsolar point, the terminator (a latitude per longitude, -180..180 every
    ``step_deg``) and the night side as a closed polygon over the map, at a Unix time."""
    sun = sun_direction_itrs(np.array([float(unix_s)]))[0]
    lat_s = math.asin(max(-1.0, min(1.0, float(sun[2]))))
    lon_s = math.atan2(float(sun[1]), float(sun[0]))
    if abs(lat_s) < 1e-6:  # at an equinox the terminator runs through the poles: keep it defined
        lat_s = math.copysign(1e-6, lat_s if lat_s else 1.0)
    lon = np.arange(-180.0, 180.0 + step_deg / 2, step_deg)
    lat = np.degrees(np.arctan(-np.cos(np.radians(lon) - lon_s) / math.tan(lat_s)))
    pole = -90.0 if lat_s > 0 else 90.0  # the pole in darkness
    line_lon = [round(x, 3) for x in lon.tolist()]
    line_lat = [round(x, 3) for x in lat.tolist()]
    return {
        "subsolar": {"latitude_deg": round(math.degrees(lat_s), 3),
                     "longitude_deg": round(math.degrees(lon_s), 3)},
        "line": {"longitude_deg": line_lon, "latitude_deg": line_lat},
        "night": {"longitude_deg": [*line_lon, 180.0, -180.0, -180.0],
                  "latitude_deg": [*line_lat, pole, pole, line_lat[0]]},
    }

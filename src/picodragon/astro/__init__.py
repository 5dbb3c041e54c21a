"""The shared vocabulary of time and frames, below every room.

One owner for each of: time scales and UT1 (``timescales``), the Earth's rotation and the
TEME/ITRS frames (``frames``), the WGS-84 ellipsoid (``wgs84``, constants in ``constants``),
look angles from a ground site (``lookangles``), the low-precision Sun (``sun``) and ISO 8601
UTC text (``isotime``). Functions take float Unix seconds (UTC), scalar or array, and work in
SI units. This package imports no room of picodragon; every room may import it
(docs/architecture.md, tests/test_walls.py).
"""

from __future__ import annotations

from picodragon.astro.frames import earth_rotation_angle, gmst82, itrs_to_teme, teme_to_itrs
from picodragon.astro.isotime import TimeFormatError, iso_z, iso_z_or_none, parse_unix, parse_utc
from picodragon.astro.lookangles import LookAngles, Site, look_angles_ecef
from picodragon.astro.sun import sun_direction_itrs, sun_elevation_deg, sun_position
from picodragon.astro.timescales import Timescale, dut1, skyfield_time, timescale, unix_to_jd
from picodragon.astro.wgs84 import ecef, enu_basis, geodetic

__all__ = [
    "LookAngles",
    "Site",
    "TimeFormatError",
    "Timescale",
    "dut1",
    "earth_rotation_angle",
    "ecef",
    "enu_basis",
    "geodetic",
    "gmst82",
    "iso_z",
    "iso_z_or_none",
    "itrs_to_teme",
    "look_angles_ecef",
    "parse_unix",
    "parse_utc",
    "skyfield_time",
    "sun_direction_itrs",
    "sun_elevation_deg",
    "sun_position",
    "teme_to_itrs",
    "timescale",
    "unix_to_jd",
]

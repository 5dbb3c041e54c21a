"""The twin's time base: the shared vocabulary's time scales and frames, plus the test ephemeris.

Time scales, UT1, GMST and the TEME <-> Earth-fixed rotation belong to ``picodragon.astro``
(one owner for every room); they are re-exported here under the names the twin's modules have
always used. What stays is the loader of JPL DE421 (from the skyfield-data package, offline),
the oracle of the twin's validation checks.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from picodragon.astro.frames import ecef_to_teme, gmst82, teme_to_ecef
from picodragon.astro.timescales import dut1, skyfield_time, unix_to_jd

__all__ = ["dut1", "ecef_to_teme", "ephemeris", "gmst82", "skyfield_time", "teme_to_ecef", "unix_to_jd"]


@lru_cache(maxsize=1)
def ephemeris() -> Any:
    """JPL DE421 from the skyfield-data package (offline), loaded once."""
    import skyfield_data
    from skyfield.api import Loader

    folder = Path(skyfield_data.__file__).parent / "data"
    return Loader(str(folder), expire=False)("de421.bsp")

"""Time scales: Unix seconds (UTC) to Julian dates, UT1 and TT, vectorised over arrays.

Inside picodragon a time is float Unix seconds (UTC): 86,400 s a day, leap seconds not counted.
UT1 - UTC and TT - UTC come from Skyfield's built-in timescale, i.e. the IERS tables bundled
with Skyfield (nothing is downloaded). The tables live in one :class:`Timescale` object, loaded
on first use and shared through :func:`timescale`; a caller that wants other tables builds its
own object.

Every room uses the same UT1 rule: UT1 = UTC + dut1 from those tables (|dut1| < 0.9 s by the
definition of UTC).
"""

from __future__ import annotations

from functools import cached_property, lru_cache
from typing import Any

import numpy as np

from picodragon.astro.constants import SECONDS_PER_DAY, UNIX_EPOCH_JD


def unix_to_jd(unix_s) -> tuple[np.ndarray, np.ndarray]:
    """Julian date (same scale as the input) split in whole days and fraction, for precision."""
    unix_s = np.asarray(unix_s, dtype=float)
    days = unix_s / SECONDS_PER_DAY
    whole = np.floor(days)
    return whole + UNIX_EPOCH_JD, days - whole


class Timescale:
    """UTC -> UT1 and TT conversions over arrays of Unix seconds, from one set of IERS tables.

    ``skyfield_timescale`` may be given (any Skyfield ``Timescale``); by default Skyfield's
    built-in one is loaded on first use, never from the network.
    """

    def __init__(self, skyfield_timescale: Any = None) -> None:
        self._given = skyfield_timescale

    @cached_property
    def skyfield(self) -> Any:
        """The Skyfield ``Timescale`` holding the tables (built-in files only)."""
        if self._given is not None:
            return self._given
        from skyfield.api import load

        return load.timescale(builtin=True)

    def time(self, unix_s) -> Any:
        """A Skyfield ``Time`` for Unix seconds (scalar or array).

        Unix time counts 86400 s a day, so the day number and the second of the day are passed
        separately (passing all seconds since 1970 would count the leap seconds in between).
        """
        unix_s = np.asarray(unix_s, dtype=float)
        days = np.floor(unix_s / SECONDS_PER_DAY)
        return self.skyfield.utc(1970, 1, 1 + days, 0, 0, unix_s - days * SECONDS_PER_DAY)

    def dut1(self, unix_s) -> np.ndarray:
        """UT1 - UTC, s, at Unix times (same shape as the input)."""
        return np.asarray(self.time(unix_s).dut1, dtype=float)

    def tt_minus_utc(self, unix_s) -> np.ndarray:
        """TT - UTC, s (32.184 s plus the leap seconds so far): Delta T plus UT1 - UTC."""
        t = self.time(unix_s)
        return np.asarray(t.delta_t + t.dut1, dtype=float)

    def ut1_jd(self, unix_s, dut1_s=None) -> tuple[np.ndarray, np.ndarray]:
        """Julian date UT1 (whole, fraction) at Unix times; ``dut1_s`` from the tables if None."""
        unix_s = np.asarray(unix_s, dtype=float)
        if dut1_s is None:
            dut1_s = self.dut1(unix_s)
        return unix_to_jd(unix_s + dut1_s)


@lru_cache(maxsize=1)
def timescale() -> Timescale:
    """The shared :class:`Timescale` (Skyfield's bundled tables, loaded once)."""
    return Timescale()


def skyfield_time(unix_s) -> Any:
    """A Skyfield ``Time`` for Unix seconds, from the shared timescale."""
    return timescale().time(unix_s)


def dut1(unix_s) -> np.ndarray:
    """UT1 - UTC, s, from the shared timescale's tables."""
    return timescale().dut1(unix_s)

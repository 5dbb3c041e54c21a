"""Where each station can hear the twin: true geometry on a grid, looked up per frame.

The channel needs elevation and slant range at the instant of every transmitted frame. Rather
than one coordinate transform per frame, the runner asks the twin for its true look angles on
a regular grid (vectorised, one call per station and chunk of time) and interpolates between
grid points. With a 5 s grid the interpolation error in elevation is below 0.05 degrees for a
400 km orbit (the angle changes by at most about 1 degree per second at zenith and its second
derivative is small outside the zenith), far below the link budget's own uncertainty.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from picodragon.astro.constants import OMEGA_EARTH_RAD_S
from picodragon.astro.lookangles import Site

GRID_STEP_S = 5.0


@dataclass
class StationTrack:
    """True look angles of the spacecraft from one station over one span of time."""

    start_unix: float
    step_s: float
    elevation_deg: np.ndarray
    range_m: np.ndarray
    range_rate_m_s: np.ndarray
    _lists: tuple[list[float], list[float], list[float]] | None = field(
        default=None, init=False, repr=False, compare=False)

    @property
    def end_unix(self) -> float:
        return self.start_unix + self.step_s * (len(self.elevation_deg) - 1)

    def at(self, unix_s: float) -> tuple[float, float, float]:
        """Elevation (deg), slant range (m) and range rate (m/s) at one instant."""
        if self._lists is None:  # per-frame lookups on floats, not numpy scalars (same numbers)
            self._lists = (self.elevation_deg.tolist(), self.range_m.tolist(),
                           self.range_rate_m_s.tolist())
        elevation, range_m, range_rate = self._lists
        x = (unix_s - self.start_unix) / self.step_s
        i = math.floor(min(max(x, 0.0), len(elevation) - 2))  # floor(clamp) == clamp(floor): integer bounds
        w = min(max(x - i, 0.0), 1.0)
        el = elevation[i] * (1 - w) + elevation[i + 1] * w
        rng = range_m[i] * (1 - w) + range_m[i + 1] * w
        rr = range_rate[i] * (1 - w) + range_rate[i + 1] * w
        return float(el), float(rng), float(rr)

    def visible_spans(self, mask_deg: float) -> list[tuple[float, float]]:
        """Spans of time (Unix s) with the spacecraft above the mask, padded by one grid step."""
        above = self.elevation_deg >= mask_deg
        if not above.any():
            return []
        edges = np.flatnonzero(np.diff(above.astype(np.int8)))
        starts = list(edges[~above[edges]] + 1)
        ends = list(edges[above[edges]])
        if above[0]:
            starts.insert(0, 0)
        if above[-1]:
            ends.append(len(above) - 1)
        times = self.start_unix + self.step_s * np.arange(len(above))
        return [
            (float(times[max(s - 1, 0)]), float(times[min(e + 1, len(above) - 1)]))
            for s, e in zip(starts, ends, strict=True)
        ]


def track(twin, station, start_unix: float, end_unix: float, step_s: float = GRID_STEP_S) -> StationTrack:
    """The twin's true look angles from ``station`` on a grid covering [start, end].

    Exact (the look angles of each grid time) wherever the spacecraft can come within
    ``SCREEN_MARGIN_DEG`` of the station's mask; elsewhere, far below it, the values of a grid
    ``SCREEN_EVERY`` times coarser, interpolated (``_screened``): a station sees a LEO spacecraft
    a few per cent of the time, and the look angles of every 5 s were most of the track's cost.
    """
    n = int(np.ceil((end_unix - start_unix) / step_s)) + 1
    times = start_unix + step_s * np.arange(max(n, 2))
    if hasattr(twin, "state_teme") and len(times) > 2 * SCREEN_EVERY:
        elevation, range_m, range_rate = _screened(twin, station, times)
    else:
        look = twin.look_angles(station, times)
        elevation, range_m, range_rate = look.elevation_deg, look.range_m, look.range_rate_m_s
    return StationTrack(
        start_unix=start_unix,
        step_s=step_s,
        elevation_deg=np.asarray(elevation, dtype=float),
        range_m=np.asarray(range_m, dtype=float),
        range_rate_m_s=np.asarray(range_rate, dtype=float),
    )


SCREEN_EVERY = 12
"""the coarse grid of ``_screened``: every 12th point of the track's (60 s on the 5 s grid)"""
SCREEN_MARGIN_DEG = 1.0
"""below the mask by more than this (plus the site's geodetic-geocentric deflection), a point
takes the coarse grid's interpolated values"""


def _screened(twin, station, times: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Elevation, range and range rate on ``times``: exact where the mask may be near, else
    interpolated from every ``SCREEN_EVERY``-th point.

    The screen is a bound, not a guess: with the site at geocentric radius R_s and the
    spacecraft at radius r, a (geocentric) elevation of at least E means a slant range of at
    most rho_max = -R_s sin E + sqrt(r^2 - R_s^2 cos^2 E). Between two coarse points dt apart,
    the spacecraft moving at most V in the Earth-fixed frame (its inertial speed plus omega r),
    the range stays above (rho_a + rho_b - V dt) / 2; when that exceeds rho_max for E the mask
    less the margin and the deflection of the geodetic vertical, no point in between comes near
    the mask. The exact points are the look angles of their own times: the same numbers as the
    whole grid computed at once.
    """
    cidx = np.unique(np.append(np.arange(0, len(times), SCREEN_EVERY), len(times) - 1))
    ct = times[cidx]
    coarse = twin.look_angles(station, ct)
    r, v = twin.state_teme(ct)
    radius = np.linalg.norm(r, axis=1)
    speed = float(np.nanmax(np.linalg.norm(v, axis=1) + OMEGA_EARTH_RAD_S * radius)) * 1.01 + 10.0
    site = Site.of(station)
    rs = float(np.linalg.norm(site.position_m))
    deflection = math.degrees(math.acos(min(1.0, float(site.up @ site.position_m) / rs)))
    e = math.radians(station.min_elevation_deg - SCREEN_MARGIN_DEG - deflection)
    r_top = float(np.nanmax(radius)) + 2e3
    rho_max = -rs * math.sin(e) + math.sqrt(max(r_top**2 - (rs * math.cos(e)) ** 2, 0.0))
    rng = coarse.range_m
    near = (rng[:-1] + rng[1:] - speed * np.diff(ct)) / 2.0 <= rho_max
    near |= ~np.isfinite(rng[:-1] + rng[1:])  # NaN (after re-entry): as the whole grid gives
    k = np.arange(len(times))
    out = [np.interp(k, cidx, coarse.elevation_deg), np.interp(k, cidx, rng),
           np.interp(k, cidx, coarse.range_rate_m_s)]
    if near.any():
        exact = np.zeros(len(times), dtype=bool)
        for a, b in zip(cidx[:-1][near], cidx[1:][near], strict=True):
            exact[a:b + 1] = True
        fine = np.flatnonzero(exact)
        look = twin.look_angles(station, times[fine])
        for column, values in zip(out, (look.elevation_deg, look.range_m, look.range_rate_m_s),
                                  strict=True):
            column[fine] = values
    return out[0], out[1], out[2]

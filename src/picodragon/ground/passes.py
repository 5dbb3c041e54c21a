"""Pass prediction: when each satellite rises above, culminates over and sets below each station.

It is over 500 lines because the finder is one algorithm (grid, bracketing, Hermite refinement,
Newton on the edges, chunking for bounded memory) whose steps share their arrays; split, each
piece would be read only with the others open.

What a real ground station does with an element set, vectorised over satellites, stations and
time at once, so that a year for one satellite or a week for a constellation over a network
costs a handful of numpy operations rather than a Python loop per instant.

Method:

1. SGP4 (``sgp4.api.SatrecArray``) on a coarse common time grid (a sixth of the shortest
   orbital period), positions and velocities in TEME, rotated into the Earth-fixed frame by the
   Greenwich mean sidereal time of IAU 1982 at UT1 (the rotation SGP4's TEME is defined with),
   from the shared vocabulary ``picodragon.astro`` like the station's WGS-84 position, its
   horizon and the look angles. UT1 - UTC is looked up once for the grid and interpolated
   in between (``_Propagator._dut1``).
2. For every (satellite, station) pair, ``s = sin(elevation)`` above the WGS84 ellipsoid normal
   at the station and its exact time derivative from the velocity. A culmination is where that
   derivative falls from positive to non-positive between two grid points.
3. Each culmination's first guess is the peak of the cubic Hermite interpolant of the two grid
   samples; one evaluation there (of the two-body model below, good to a tenth of a degree)
   drops those more than SCREEN_MARGIN_DEG below the mask (over 30 days, 50 satellites and 10
   stations, no real pass had a first guess more than 1 degree below its mask). The rest are refined by a vectorised Newton iteration on the
   derivative (second derivative from a two-body acceleration in the rotating frame), kept
   inside the bracket by bisection; then AOS and LOS by the same iteration on
   ``s - sin(mask)`` between the culmination and the nearest grid point below the mask, from
   the Hermite crossing. Each iteration first runs on a two-body (f and g series) model from
   the nearest grid state, without calling SGP4, then finishes on SGP4, usually in one or two
   steps. Times are good to about 1 ms. For a few satellites (DIRECT_MAX_SATELLITES) the grid
   is finer (DIRECT_GRID_PER_ORBIT) and the iterations go straight to SGP4: their first
   guesses are then within a second or so, and an SGP4 call costs no more than the model's.
4. Long spans over many pairs go in chunks of time (MAX_GRID_CELLS), so memory stays bounded.

Assumptions: geometric elevation (no refraction, no aberration), as Skyfield's
``EarthSatellite.find_events``, which is the oracle in tests/ground/test_passes.py; polar
motion neglected (a few metres). The elevation mask is one angle per station
(``Station.min_elevation_deg``) unless the caller overrides it.

A pass in progress at ``start`` or still in progress at ``end`` is returned whole: the search
extends half an orbit beyond both ends, and a pass longer than that is cut at the extended edge.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

import numpy as np
from sgp4.api import SatrecArray

from picodragon.astro.constants import GM_EARTH_M3_S2, OMEGA_EARTH_RAD_S, SECONDS_PER_DAY
from picodragon.astro.frames import teme_to_itrs
from picodragon.astro.isotime import iso_z
from picodragon.astro.lookangles import LookAngles, Site, look_angles_ecef
from picodragon.astro.timescales import timescale, unix_to_jd
from picodragon.config import Station
from picodragon.elements import ElementSet

__all__ = [
    "LookAngles",
    "Pass",
    "find_passes",
    "find_passes_many",
    "look_angles",
    "station_ecef_m",
]

DAY_S = SECONDS_PER_DAY
GRID_PER_ORBIT = 6
TIME_TOLERANCE_S = 1e-3
MAX_ITERATIONS = 60
#: (satellite, station, instant) cells in one grid: about 8 float64 arrays of this size live at
#: once, so 4 million cells keep a call under about 300 MB; longer spans go in chunks
MAX_GRID_CELLS = 4_000_000
#: the two-body model is good to about 0.1 s: its iterations stop at 20 ms or after 8 steps
MODEL_STOP = (0.02, 8)
#: on SGP4, a Newton step shorter than 0.1 s is the last one: convergence is quadratic with a
#: constant below 1/60 s, so the step leaves well under 1 ms (often one evaluation in all)
EXACT_STOP = (0.1, MAX_ITERATIONS)
#: culminations whose first guess is further than this below the mask are not refined
SCREEN_MARGIN_DEG = 3.0
#: up to this many satellites, find_passes_many refines on SGP4 from the first guesses of a
#: grid of DIRECT_GRID_PER_ORBIT points an orbit, without the two-body stage: an SGP4 call
#: for a few satellites costs no more than the model's, the finer grid's guesses are within a
#: second or so (two or three SGP4 steps, under the same EXACT_STOP), and the iterations'
#: fixed costs, not the arithmetic, are what a day over a station costs (a mission's daily
#: prediction: 3.8 -> 1.7 ms a day). Times are as good as the two-stage way's (to about 1 ms;
#: the two ways agree within 0.2 ms over the reference lifetime's 470 passes)
DIRECT_MAX_SATELLITES = 4
DIRECT_GRID_PER_ORBIT = 24


@dataclass(frozen=True)
class Pass:
    """One pass of a satellite over a station: rise (AOS), culmination (TCA) and set (LOS)."""

    station: str
    aos: datetime
    tca: datetime
    los: datetime
    max_elevation_deg: float
    aos_azimuth_deg: float
    los_azimuth_deg: float
    satellite: str = ""

    @property
    def duration_s(self) -> float:
        """Seconds from AOS to LOS."""
        return (self.los - self.aos).total_seconds()

    def to_json(self) -> dict:
        """The `picodragon passes --json` record: ISO 8601 UTC times with a Z, angles in degrees."""
        return {
            "station": self.station,
            "satellite": self.satellite,
            "aos": iso_z(self.aos, "milliseconds"),
            "tca": iso_z(self.tca, "milliseconds"),
            "los": iso_z(self.los, "milliseconds"),
            "max_elevation_deg": round(self.max_elevation_deg, 3),
            "aos_azimuth_deg": round(self.aos_azimuth_deg, 3),
            "los_azimuth_deg": round(self.los_azimuth_deg, 3),
        }


def _unix(t: datetime) -> float:
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    return t.timestamp()


def _datetime(unix_s: float) -> datetime:
    return datetime.fromtimestamp(float(unix_s), UTC)


def _two_body(r0: np.ndarray, v0: np.ndarray, tau: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two-body position and velocity ``tau`` seconds from (r0, v0), by the f and g series.

    The Lagrange coefficients as power series in time (Escobal, Methods of Orbit Determination,
    1965, ch. 3) with u = mu/r^3, p = r.v/r^2, q = v.v/r^2 - u, to fifth order in tau.
    """
    rr = np.einsum("...i,...i->...", r0, r0)
    u = GM_EARTH_M3_S2 / rr**1.5
    p = np.einsum("...i,...i->...", r0, v0) / rr
    q = np.einsum("...i,...i->...", v0, v0) / rr - u
    t2 = tau * tau
    t3 = t2 * tau
    t4, t5 = t2 * t2, t2 * t3
    c4 = (3 * u * q - 15 * u * p * p + u * u) / 24
    c5 = (7 * u * p**3 - 3 * u * p * q - u * u * p) / 8
    g5 = (9 * u * q - 45 * u * p * p + u * u) / 120
    f = 1 - 0.5 * u * t2 + 0.5 * u * p * t3 + c4 * t4 + c5 * t5
    g = tau - u * t3 / 6 + 0.25 * u * p * t4 + g5 * t5
    fdot = -u * tau + 1.5 * u * p * t2 + 4 * c4 * t3 + 5 * c5 * t4
    gdot = 1 - 0.5 * u * t2 + u * p * t3 + 5 * g5 * t4
    r = f[..., None] * r0 + g[..., None] * v0
    v = fdot[..., None] * r0 + gdot[..., None] * v0
    return r, v


def _datetimes(unix_s: np.ndarray) -> list[datetime]:
    """Many Unix times to aware UTC datetimes (microseconds), without a Python call each."""
    micro = np.round(np.asarray(unix_s) * 1e6).astype("int64").astype("datetime64[us]")
    return [d.replace(tzinfo=UTC) for d in micro.astype(object)]


def station_ecef_m(station: Station) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Position (m) on the WGS84 ellipsoid and the local up, east and north unit vectors."""
    pos, up, east, north = _station_vectors(
        station.latitude_deg, station.longitude_deg, station.altitude_m
    )
    return pos.copy(), up.copy(), east.copy(), north.copy()  # the caller's own copies


@lru_cache(maxsize=64)
def _station_vectors(
    latitude_deg: float, longitude_deg: float, altitude_m: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`station_ecef_m` of a place, kept (a daily prediction asks for the same stations);
    shared arrays, read only."""
    site = Site.at(latitude_deg, longitude_deg, altitude_m)
    return site.position_m, site.up, site.east, site.north


class _Propagator:
    """SGP4 for several satellites, giving Earth-fixed positions and velocities in metres."""

    def __init__(self, element_sets: Sequence[ElementSet], origin_unix: float) -> None:
        self.satrecs = [es.satrec for es in element_sets]
        self.array = SatrecArray(self.satrecs)
        self.origin_day = math.floor(origin_unix / DAY_S)
        self.jd0 = float(unix_to_jd(self.origin_day * DAY_S)[0])

    def _split(self, unix_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        fr = (np.asarray(unix_s, dtype=float) - self.origin_day * DAY_S) / DAY_S
        return np.full(fr.shape, self.jd0), fr

    def _to_ecef(self, r, v, unix_s):
        """TEME (m, m/s) to the Earth-fixed frame at UT1 (``picodragon.astro.frames``)."""
        return teme_to_itrs(r, v, unix_s, self._dut1(unix_s))

    def _dut1(self, unix_s: np.ndarray) -> np.ndarray | None:
        """UT1 - UTC (s) at ``unix_s``: interpolated linearly between the grid's values.

        The tables' UT1 - UTC is a smooth curve through daily values (a rate of a few ms a
        day that changes over weeks), so between grid points a quarter of an hour or less
        apart a straight line is good to about 1e-9 s (a micrometre at the equator;
        tests/ground/test_passes_direct.py): one table look-up for the whole grid instead of
        one for every step of every iteration (0.04 ms each). Outside
        the grid, or across a leap second (a 1 s jump), the tables are asked directly;
        None (the tables, asked by the caller) before there is a grid.
        """
        grid_t = getattr(self, "grid_t", None)
        if grid_t is None:
            return None
        t = np.asarray(unix_s, dtype=float)
        d = np.interp(t, grid_t, self.grid_dut1)
        direct = (t < grid_t[0]) | (t > grid_t[-1])
        if self.grid_jump.any():
            k = np.searchsorted(grid_t, t, side="right") - 1
            direct |= self.grid_jump[np.minimum(np.maximum(k, 0), grid_t.size - 1)]
        if direct.any():
            d[direct] = timescale().dut1(t[direct])
        return d

    def grid(self, unix_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """All satellites at all instants: arrays of shape (satellites, times, 3), NaN on error."""
        jd, fr = self._split(unix_s)
        err, r, v = self.array.sgp4(jd, fr)
        r = r * 1e3
        v = v * 1e3
        bad = err != 0
        r[bad] = np.nan
        v[bad] = np.nan
        self.grid_t0, self.grid_step = (
            float(unix_s[0]),
            float(unix_s[1] - unix_s[0]) if len(unix_s) > 1 else 1.0,
        )
        self.teme_r, self.teme_v = r, v
        self.grid_t = np.asarray(unix_s, dtype=float)
        self.grid_dut1 = timescale().dut1(self.grid_t)
        # intervals [k, k+1] across which UT1 - UTC jumps (a leap second): asked directly
        jump = np.zeros(self.grid_t.size, dtype=bool)
        jump[:-1] = np.abs(np.diff(self.grid_dut1)) > 0.5
        self.grid_jump = jump
        return self._to_ecef(r, v, unix_s)

    def model_at(self, sat_index: np.ndarray, unix_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Like :meth:`at`, from the nearest grid state by a two-body (f and g) series.

        Within half a grid step (about six minutes) of a grid point the series (to fifth order)
        and the neglected J2 and drag leave an error of the order of a kilometre, a tenth of a
        second along the track: good enough to bring every iteration close to its answer
        before the few exact SGP4 evaluations that finish it.
        """
        t = np.asarray(unix_s, dtype=float)
        n = self.teme_r.shape[1]
        k = np.clip(np.rint((t - self.grid_t0) / self.grid_step).astype(np.int64), 0, n - 1)
        tau = t - (self.grid_t0 + k * self.grid_step)
        r, v = _two_body(self.teme_r[sat_index, k], self.teme_v[sat_index, k], tau)
        return self._to_ecef(r, v, t)

    def at(self, sat_index: np.ndarray, unix_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Satellite ``sat_index[i]`` at instant ``unix_s[i]``: arrays of shape (n, 3)."""
        jd, fr = self._split(unix_s)
        if len(self.satrecs) == 1:  # one satellite: no selection to make
            err, r, v = self.satrecs[0].sgp4_array(jd, fr)
            r[err != 0] = np.nan
            return self._to_ecef(r * 1e3, v * 1e3, np.asarray(unix_s, dtype=float))
        n = len(unix_s)
        r = np.full((n, 3), np.nan)
        v = np.full((n, 3), np.nan)
        for i in np.unique(sat_index):
            sel = np.flatnonzero(sat_index == i)
            err, ri, vi = self.satrecs[i].sgp4_array(jd[sel], fr[sel])
            ri[err != 0] = np.nan
            r[sel] = ri
            v[sel] = vi
        rr, vv = self._to_ecef(r * 1e3, v * 1e3, np.asarray(unix_s, dtype=float))
        return rr, vv


def _sin_elevation(r, v, site, up, second: bool = False):
    """sin(elevation), its time derivative and (``second``) its second derivative.

    Broadcast over leading axes. The second derivative takes a two-body acceleration in the
    rotating frame (centrifugal and Coriolis included, J2 and drag left out): it only steers
    Newton's steps towards the culmination, whose location is set by the exact first derivative.
    """
    rho = r - site
    dist = np.sqrt(np.einsum("...i,...i->...", rho, rho))
    h = np.einsum("...i,...i->...", rho, up)
    hdot = np.einsum("...i,...i->...", v, up)
    rdot = np.einsum("...i,...i->...", rho, v) / dist
    s = h / dist
    sdot = (hdot - s * rdot) / dist
    if not second:
        return s, sdot
    rn = np.sqrt(np.einsum("...i,...i->...", r, r))
    acc = -GM_EARTH_M3_S2 * r / (rn**3)[..., None]
    w = OMEGA_EARTH_RAD_S
    acc[..., 0] += 2 * w * v[..., 1] + w * w * r[..., 0]
    acc[..., 1] += -2 * w * v[..., 0] + w * w * r[..., 1]
    hddot = np.einsum("...i,...i->...", acc, up)
    rddot = (
        np.einsum("...i,...i->...", v, v) + np.einsum("...i,...i->...", rho, acc) - rdot**2
    ) / dist
    sddot = (hddot - 2 * sdot * rdot - s * rddot) / dist
    return s, sdot, sddot


def _hermite_peak(s0, d0, s1, d1):
    """Where, in [0, 1], the cubic Hermite interpolant through two samples peaks.

    ``d0 > 0 >= d1`` (slopes per unit interval): the derivative, a quadratic, falls through zero
    once in between. Falls back to the linear interpolation of the slope.
    """
    a = 6 * s0 + 3 * d0 - 6 * s1 + 3 * d1
    b = -6 * s0 - 4 * d0 + 6 * s1 - 2 * d1
    c = d0
    with np.errstate(invalid="ignore", divide="ignore"):
        linear = d0 / (d0 - d1)
        disc = np.sqrt(b * b - 4 * a * c)
        # the root where the derivative goes from + to -: stable form of the quadratic formula
        q = -0.5 * (b + np.copysign(disc, b))
        r1, r2 = q / a, c / q
        root = np.where((r1 >= 0) & (r1 <= 1) & (2 * a * r1 + b < 0), r1, r2)
    ok = np.isfinite(root) & (root >= 0) & (root <= 1)
    return np.clip(np.where(ok, root, np.where(np.isfinite(linear), linear, 0.5)), 0, 1)


def _hermite_crossing(s0, d0, s1, d1, level):
    """Where, in [0, 1], the cubic Hermite interpolant crosses ``level`` (s0, s1 either side).

    A few Newton steps on the cubic from the linear interpolation: a first guess for the
    search on the true curve, which it usually starts within a second of.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        u = np.clip((level - s0) / (s1 - s0), 0, 1)
        for _ in range(4):
            u2, u3 = u * u, u * u * u
            p = (
                (2 * u3 - 3 * u2 + 1) * s0
                + (u3 - 2 * u2 + u) * d0
                + (-2 * u3 + 3 * u2) * s1
                + (u3 - u2) * d1
            )
            dp = (6 * u2 - 6 * u) * (s0 - s1) + (3 * u2 - 4 * u + 1) * d0 + (3 * u2 - 2 * u) * d1
            u = np.clip(u - (p - level) / dp, 0, 1)
    return np.where(np.isfinite(u), u, 0.5)


def _newton(
    fn: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]],
    a: np.ndarray,
    b: np.ndarray,
    fa: np.ndarray,
    guess: np.ndarray,
    tolerance_s: float = TIME_TOLERANCE_S,
    max_iterations: int = MAX_ITERATIONS,
    first: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """Vectorised Newton iteration, safeguarded by a bracket, for roots of ``fn`` in [a, b].

    ``fn(idx, t)`` gives the value and slope of problems ``idx`` at instants ``t``; ``fa`` is
    the value at ``a`` and the value at ``b`` has the other sign. A step that would leave the
    bracket becomes a bisection. Stops when a step is below TIME_TOLERANCE_S. ``first``: the
    value and slope of every problem at its guess, when the caller has them (``fn`` is not
    asked there).
    """
    a, b, fa = (np.array(x, dtype=float) for x in (a, b, fa))
    t = np.clip(np.array(guess, dtype=float), a, b)
    active = np.ones(t.shape, dtype=bool)
    for _ in range(max_iterations):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        ti = t[idx]
        f, slope = fn(idx, ti) if first is None else first
        first = None
        f = np.where(np.isnan(f), 0.0, f)
        same = np.sign(f) == np.sign(fa[idx])
        ai = np.where(same, ti, a[idx])
        bi = np.where(same, b[idx], ti)
        fa[idx] = np.where(same, f, fa[idx])
        a[idx], b[idx] = ai, bi
        with np.errstate(invalid="ignore", divide="ignore"):
            step = f / slope
        nxt = ti - step
        ok = np.isfinite(nxt) & (nxt >= ai) & (nxt <= bi)
        t[idx] = np.where(ok, nxt, 0.5 * (ai + bi))
        done = (ok & (np.abs(step) < tolerance_s)) | (f == 0) | (bi - ai < tolerance_s)
        active[idx] = ~done
    return t


def find_passes_many(
    element_sets: Sequence[ElementSet],
    stations: Sequence[Station],
    start: datetime,
    end: datetime,
    min_elevation_deg: float | None = None,
) -> list[Pass]:
    """Every pass of every satellite over every station that overlaps [start, end], by AOS.

    ``min_elevation_deg`` overrides each station's own mask when given.
    """
    element_sets = list(element_sets)
    stations = list(stations)
    t0, t1 = _unix(start), _unix(end)
    if t1 <= t0 or not element_sets or not stations:
        return []
    periods_s = np.array(
        [2 * math.pi / max(es.satrec.no_kozai, 1e-9) * 60.0 for es in element_sets]
    )
    # few satellites: a finer grid, whose first guesses SGP4 finishes in a step or two (see
    # DIRECT_MAX_SATELLITES); many: the coarse grid and the two-body stage before SGP4
    direct = len(element_sets) <= DIRECT_MAX_SATELLITES
    per_orbit = DIRECT_GRID_PER_ORBIT if direct else GRID_PER_ORBIT
    step = float(min(periods_s.min() / per_orbit, 0.25 * DAY_S))
    pairs = len(element_sets) * len(stations)
    span_s = max(MAX_GRID_CELLS // pairs, 64) * step  # the grid of one chunk, margins included
    margin = float(min(periods_s.max() / 2, 0.5 * DAY_S))
    chunk_s = span_s - 2 * margin
    if t1 - t0 <= chunk_s or chunk_s < DAY_S / 4:
        return _find_passes_chunk(element_sets, stations, t0, t1, min_elevation_deg, direct)
    # a long span over many pairs: in chunks of time, bounded memory; a pass across a chunk
    # boundary is found whole in both chunks and kept once
    found: list[Pass] = []
    for a in np.arange(t0, t1, chunk_s):
        found += _find_passes_chunk(
            element_sets,
            stations,
            float(a),
            float(min(a + chunk_s, t1)),
            min_elevation_deg,
            direct,
        )
    found.sort(key=lambda p: (p.satellite, p.station, p.aos))
    unique: list[Pass] = []
    for p in found:
        last = unique[-1] if unique else None
        if (
            last is not None
            and (last.satellite, last.station) == (p.satellite, p.station)
            and abs((p.aos - last.aos).total_seconds()) < 1.0
        ):
            continue
        unique.append(p)
    unique.sort(key=lambda p: (p.aos, p.station, p.satellite))
    return unique


def _find_passes_chunk(
    element_sets: list[ElementSet],
    stations: list[Station],
    t0: float,
    t1: float,
    min_elevation_deg: float | None,
    direct: bool = False,
) -> list[Pass]:
    """find_passes_many over one span short enough for its grid to fit MAX_GRID_CELLS.

    ``direct``: the few-satellite way (DIRECT_MAX_SATELLITES).
    """
    cols = pass_columns(
        element_sets,
        stations,
        t0,
        t1,
        min_elevation_deg,
        grid_per_orbit=DIRECT_GRID_PER_ORBIT if direct else GRID_PER_ORBIT,
        model_first=not direct,
    )
    if cols is None:
        return []
    n_out = cols["satellite"].size
    times = _datetimes(np.concatenate((cols["aos"], cols["tca"], cols["los"])))
    names = [st.name for st in stations]
    sats = [es.name for es in element_sets]
    out = [
        Pass(names[g], times[j], times[n_out + j], times[2 * n_out + j], el, a_az, l_az, sats[sat])
        for j, (g, sat, el, a_az, l_az) in enumerate(
            zip(
                cols["station"].tolist(),
                cols["satellite"].tolist(),
                cols["max_elevation_deg"].tolist(),
                cols["aos_azimuth_deg"].tolist(),
                cols["los_azimuth_deg"].tolist(),
                strict=True,
            )
        )
    ]
    out.sort(key=lambda p: (p.aos, p.station, p.satellite))
    return out


def _grid_sin_elevation(r, v, sites, ups):
    """sin(elevation) and its time derivative on the whole grid, shape (satellites, stations, times).

    The same quantities as :func:`_sin_elevation`, by batched matrix products of the stations'
    up vectors and positions with the satellites' positions and velocities (the range vector
    is never formed, so the grid costs four products and a few elementwise passes).
    """
    rt = np.swapaxes(r, 1, 2)  # (nsat, 3, nt)
    vt = np.swapaxes(v, 1, 2)
    h = np.matmul(ups[None], rt)  # up . r
    h -= np.einsum("ij,ij->i", sites, ups)[None, :, None]
    rho2 = np.matmul(sites[None], rt)  # site . r
    rho2 *= -2.0
    rho2 += np.einsum("sti,sti->st", r, r)[:, None, :]
    rho2 += np.einsum("ij,ij->i", sites, sites)[None, :, None]
    dist = np.sqrt(rho2, out=rho2)
    del rho2
    rdot = np.matmul(sites[None], vt)  # site . v
    np.subtract(np.einsum("sti,sti->st", r, v)[:, None, :], rdot, out=rdot)  # rho . v
    rdot /= dist
    s = np.divide(h, dist, out=h)
    del h
    sdot = np.matmul(ups[None], vt)  # up . v
    rdot *= s
    sdot -= rdot
    del rdot
    sdot /= dist
    return s, sdot


def pass_columns(
    element_sets: list[ElementSet],
    stations: list[Station],
    t0: float,
    t1: float,
    min_elevation_deg: float | None,
    exact: bool = True,
    grid_per_orbit: int = GRID_PER_ORBIT,
    model_first: bool = True,
) -> dict[str, np.ndarray] | None:
    """The passes of one span (Unix seconds) as columns, or None when there are none.

    Columns: ``satellite`` and ``station`` (indices into the arguments), ``aos``, ``tca`` and
    ``los`` (Unix seconds), ``max_elevation_deg``, ``aos_azimuth_deg``, ``los_azimuth_deg``,
    ordered by AOS. The whole span is one grid: the caller keeps
    ``len(element_sets) * len(stations) * grid points`` within its memory. ``exact=False``
    stops each refinement on the two-body model (times good to a few tenths of a second, no
    SGP4 call per satellite): what a network-wide plan needs; ``grid_per_orbit`` grid points
    an orbit (a finer grid leaves the two-body steps shorter, so more accurate).
    ``model_first=False`` (with ``exact``) skips the two-body stage: SGP4 from the grid's
    first guesses, for a few satellites on a fine grid (DIRECT_MAX_SATELLITES).
    """
    masks_deg = np.array(
        [s.min_elevation_deg if min_elevation_deg is None else min_elevation_deg for s in stations]
    )
    sin_mask = np.sin(np.radians(masks_deg))
    periods_s = np.array(
        [2 * math.pi / max(es.satrec.no_kozai, 1e-9) * 60.0 for es in element_sets]
    )
    step = float(min(periods_s.min() / grid_per_orbit, 0.25 * DAY_S))
    margin = float(min(periods_s.max() / 2, 0.5 * DAY_S))
    lo, hi = t0 - margin, t1 + margin
    n = int(math.ceil((hi - lo) / step)) + 1
    grid_t = lo + step * np.arange(n)

    prop = _Propagator(element_sets, lo)
    r, v = prop.grid(grid_t)  # (nsat, nt, 3)
    geo = [_station_vectors(s.latitude_deg, s.longitude_deg, s.altitude_m) for s in stations]
    sites = np.array([g[0] for g in geo])  # (nst, 3)
    ups = np.array([g[1] for g in geo])
    easts = np.array([g[2] for g in geo])
    norths = np.array([g[3] for g in geo])

    s_grid, d_grid = _grid_sin_elevation(r, v, sites, ups)  # (nsat, nst, nt)
    np.nan_to_num(s_grid, copy=False, nan=-1.0)
    np.nan_to_num(d_grid, copy=False, nan=0.0)

    # culminations: the derivative falls from > 0 to <= 0 between grid points k and k+1
    rising = d_grid[..., :-1] > 0
    falling = d_grid[..., 1:] <= 0
    si, gi, k = np.nonzero(rising & falling)
    if k.size == 0:
        return None
    # first guess of each culmination: the peak of the cubic Hermite interpolant; one exact
    # evaluation there screens out culminations well below the mask before any iteration
    s0, s1 = s_grid[si, gi, k], s_grid[si, gi, k + 1]
    d0, d1 = d_grid[si, gi, k] * step, d_grid[si, gi, k + 1] * step
    guess = np.clip(grid_t[k] + _hermite_peak(s0, d0, s1, d1) * step, grid_t[k], grid_t[k + 1])
    # without the two-body stage the screen's evaluation is on SGP4: the first Newton step's
    direct = exact and not model_first
    rr, vv = (prop.at if direct else prop.model_at)(si, guess)
    terms = _sin_elevation(rr, vv, sites[gi], ups[gi], second=direct)
    s_guess = np.nan_to_num(terms[0], nan=-1.0)
    screen = np.sin(np.radians(np.clip(masks_deg - SCREEN_MARGIN_DEG, -90, 90)))
    keep = s_guess >= screen[gi]
    si, gi, k, guess = si[keep], gi[keep], k[keep], guess[keep]
    if k.size == 0:
        return None
    s_last, t_last = terms[0][keep], guess.copy()
    d_last = terms[1][keep] if direct else np.empty(k.size)
    dd_last = terms[2][keep] if direct else np.empty(k.size)

    def tca_terms(idx, t, at=prop.at):
        rr, vv = at(si[idx], t)
        s, d, dd = _sin_elevation(rr, vv, sites[gi[idx]], ups[gi[idx]], second=True)
        s_last[idx], t_last[idx], d_last[idx], dd_last[idx] = s, t, d, dd
        return d, dd

    # Newton on the two-body model first (no SGP4 call), then on SGP4 from where it stopped
    bracket = (grid_t[k], grid_t[k + 1], d_grid[si, gi, k])
    if model_first or not exact:
        guess = _newton(
            lambda idx, t: tca_terms(idx, t, prop.model_at), *bracket, guess, *MODEL_STOP
        )
    first = (d_last.copy(), dd_last.copy()) if direct else None
    tca = _newton(tca_terms, *bracket, guess, *EXACT_STOP, first) if exact else guess
    # the peak value: the last evaluation carried to the culmination by its Taylor series
    delta = tca - t_last
    s_tca = np.nan_to_num(s_last + d_last * delta + 0.5 * dd_last * delta * delta, nan=-1.0)
    up_mask = s_tca >= sin_mask[gi]
    si, gi, k, tca, s_tca = si[up_mask], gi[up_mask], k[up_mask], tca[up_mask], s_tca[up_mask]
    m = k.size
    if m == 0:
        return None

    # nearest grid points below the mask before and after each culmination
    below = s_grid < sin_mask[None, :, None]
    idx_t = np.arange(n, dtype=np.int32)
    last_below = np.maximum.accumulate(np.where(below, idx_t, -1), axis=-1)
    next_below = np.flip(
        np.minimum.accumulate(np.flip(np.where(below, idx_t, n), axis=-1), axis=-1), axis=-1
    )
    jb = last_below[si, gi, k]
    ja = next_below[si, gi, np.minimum(k + 1, n - 1)]
    has_rise = jb >= 0
    has_set = ja < n
    jb_c = np.maximum(jb, 0)
    ja_c = np.minimum(ja, n - 1)

    # AOS and LOS in one search: problems 0..m-1 rise, m..2m-1 set
    rise_t, set_t = grid_t[jb_c], grid_t[ja_c]
    rise_s = s_grid[si, gi, jb_c] - sin_mask[gi]
    set_s = s_grid[si, gi, ja_c] - sin_mask[gi]
    peak_s = s_tca - sin_mask[gi]
    # first guesses: the cubic Hermite crossing on the interval holding the crossing, which is
    # [grid point below, next grid point], or [grid point below, culmination] when that is nearer
    # (for the rise; its mirror image for the set): both in one call
    both_si = np.concatenate((si, si))
    both_gi = np.concatenate((gi, gi))
    rising = np.arange(2 * m) < m
    outer = np.concatenate((jb_c, ja_c))  # the grid point below the mask
    inner = np.concatenate((np.minimum(jb_c + 1, n - 1), np.maximum(ja_c - 1, 0)))
    tca2 = np.concatenate((tca, tca))
    near = np.where(rising, grid_t[inner] >= tca2, grid_t[inner] <= tca2)
    t_in = np.where(near, tca2, grid_t[inner])
    s_in = np.where(
        near, np.concatenate((peak_s, peak_s)), s_grid[both_si, both_gi, inner] - sin_mask[both_gi]
    )
    d_in = np.where(near, 0.0, d_grid[both_si, both_gi, inner])
    t_out = grid_t[outer]
    s_out = np.concatenate((rise_s, set_s))
    d_out = d_grid[both_si, both_gi, outer]
    t_a, t_b = np.where(rising, t_out, t_in), np.where(rising, t_in, t_out)
    span = np.maximum(t_b - t_a, 1e-9)
    u = _hermite_crossing(
        np.where(rising, s_out, s_in),
        np.where(rising, d_out, d_in) * span,
        np.where(rising, s_in, s_out),
        np.where(rising, d_in, d_out) * span,
        0.0,
    )
    guess = t_a + u * span

    def mask_terms(idx, t, at=prop.at):
        rr, vv = at(both_si[idx], t)
        s, d = _sin_elevation(rr, vv, sites[both_gi[idx]], ups[both_gi[idx]])
        return s - sin_mask[both_gi[idx]], d

    bracket = (
        np.concatenate((rise_t, tca)),
        np.concatenate((tca, set_t)),
        np.concatenate((rise_s, peak_s)),
    )
    if model_first or not exact:
        guess = _newton(
            lambda idx, t: mask_terms(idx, t, prop.model_at), *bracket, guess, *MODEL_STOP
        )
    edges = _newton(mask_terms, *bracket, guess, *EXACT_STOP) if exact else guess
    aos = np.where(has_rise, edges[:m], lo)
    los = np.where(has_set, edges[m:], grid_t[-1])

    # azimuths at AOS and LOS
    ends = np.concatenate((aos, los))
    rr, _ = (prop.at if exact else prop.model_at)(both_si, ends)
    rho = rr - sites[both_gi]
    az = (
        np.degrees(
            np.arctan2(
                np.einsum("ij,ij->i", rho, easts[both_gi]),
                np.einsum("ij,ij->i", rho, norths[both_gi]),
            )
        )
        % 360.0
    )
    aos_az, los_az = az[: k.size], az[k.size :]

    # two culminations inside one visibility span are one pass: keep the higher culmination
    keep = (los >= t0) & (aos <= t1)
    idx = np.flatnonzero(keep)
    order = np.lexsort((-s_tca[idx], np.round(aos[idx]), gi[idx], si[idx]))
    idx = idx[order]
    first = np.ones(idx.size, dtype=bool)
    same = (
        (si[idx][1:] == si[idx][:-1])
        & (gi[idx][1:] == gi[idx][:-1])
        & (np.round(aos[idx][1:]) == np.round(aos[idx][:-1]))
    )
    first[1:] = ~same
    idx = idx[first]
    idx = idx[np.lexsort((si[idx], gi[idx], aos[idx]))]
    if idx.size == 0:
        return None
    return {
        "satellite": si[idx],
        "station": gi[idx],
        "aos": aos[idx],
        "tca": tca[idx],
        "los": los[idx],
        "max_elevation_deg": np.degrees(np.arcsin(np.clip(s_tca[idx], -1, 1))),
        "aos_azimuth_deg": aos_az[idx],
        "los_azimuth_deg": los_az[idx],
    }


def find_passes(
    element_set: ElementSet,
    station: Station,
    start: datetime,
    end: datetime,
    min_elevation_deg: float | None = None,
) -> list[Pass]:
    """Passes of one satellite over one station that overlap [start, end], in time order.

    ``min_elevation_deg=None`` uses the station's own mask (``station.min_elevation_deg``).
    """
    return find_passes_many([element_set], [station], start, end, min_elevation_deg)


def look_angles(element_set: ElementSet, station: Station, unix_s: np.ndarray) -> LookAngles:
    """Azimuth, elevation, range and range rate of a satellite from a station, vectorised.

    The range rate (positive receding) drives Doppler tuning; azimuth and elevation drive the
    rotator.
    """
    t = np.atleast_1d(np.asarray(unix_s, dtype=float))
    prop = _Propagator([element_set], float(t.min()) if t.size else 0.0)
    r, v = prop.at(np.zeros(t.size, dtype=int), t)
    return look_angles_ecef(Site.of(station), t, r, v)

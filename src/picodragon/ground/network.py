"""A network-wide pass plan: many satellites over many stations over days, in bounded memory.

The same finder as :mod:`picodragon.ground.passes` (SGP4 on a coarse common grid, elevation of
every satellite from every station by matrix products, refinement only around each
culmination), run over blocks of satellites and stations whose grid fits a memory budget, so
that 2,000 satellites over 400 stations (the scale of the SatNOGS network) go through one
process, or through many as independent tasks (any client with dask.distributed's ``submit``
and ``gather``; the ground room starts no cluster itself).

The result is columns of numbers (:class:`PassTable`), not one object a pass: a week over such
a network holds tens of millions of passes. :class:`NetworkSummary` keeps only the counts a
plan is judged by (passes per station and per satellite, contact time), so a summary-only run
holds no table at all.

Accuracy: with ``exact=False`` (the default here) each refinement stops on the two-body model
from the nearest SGP4 grid state, on a grid of a 24th of an orbit (about 4 minutes, so no
series runs more than 2 minutes from its state): AOS, TCA and LOS within a second of the exact
finder (on 60 satellites x 40 stations x 2 days: 99 % within 0.08 s, all within 0.7 s;
tests/ground/test_network.py checks a second), far inside what scheduling a station needs.
``exact=True`` finishes every event on SGP4 as ``find_passes`` does (about 40 % more time).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from picodragon.config import Station
from picodragon.elements import ElementSet
from picodragon.ground.passes import Pass, _datetimes, pass_columns

__all__ = ["NetworkSummary", "PassTable", "plan_blocks", "plan_network", "plan_network_on"]

#: bytes of working memory per (satellite, station, grid instant) cell while one block's grid
#: lives, counted from its arrays: sin(elevation) and its rate (float64), the matrix products'
#: scratch (two float64), the below-the-mask flags and the nearest-grid-point indices (int32,
#: with their scratch); bench/network.py reports the peak resident memory it leads to
BYTES_PER_CELL = 64
#: the default working memory of one block's grid, megabytes
DEFAULT_BUDGET_MB = 384.0
#: grid points an orbit (the single-pair finder uses 6, then finishes on SGP4)
GRID_PER_ORBIT = 24
#: the span of one time chunk, seconds: a week's grid of a sixth of an orbit is about 630 instants
MAX_CHUNK_S = 7 * 86400.0

COLUMNS = ("aos", "tca", "los", "max_elevation_deg", "aos_azimuth_deg", "los_azimuth_deg")


@dataclass
class PassTable:
    """Passes as columns: indices into ``satellites`` and ``stations``, times in Unix seconds."""

    satellites: list[str]
    stations: list[str]
    satellite: np.ndarray = field(default_factory=lambda: np.empty(0, np.int32))
    station: np.ndarray = field(default_factory=lambda: np.empty(0, np.int32))
    aos: np.ndarray = field(default_factory=lambda: np.empty(0))
    tca: np.ndarray = field(default_factory=lambda: np.empty(0))
    los: np.ndarray = field(default_factory=lambda: np.empty(0))
    max_elevation_deg: np.ndarray = field(default_factory=lambda: np.empty(0))
    aos_azimuth_deg: np.ndarray = field(default_factory=lambda: np.empty(0))
    los_azimuth_deg: np.ndarray = field(default_factory=lambda: np.empty(0))

    def __len__(self) -> int:
        return int(self.aos.size)

    @classmethod
    def concat(cls, satellites: list[str], stations: list[str], parts: Sequence[PassTable]) -> PassTable:
        """One table of several (their indices already refer to ``satellites``, ``stations``),
        ordered by AOS, then station, then satellite."""
        parts = [p for p in parts if len(p)]
        if not parts:
            return cls(list(satellites), list(stations))
        cols = {
            name: np.concatenate([getattr(p, name) for p in parts])
            for name in ("satellite", "station", *COLUMNS)
        }
        order = np.lexsort((cols["satellite"], cols["station"], cols["aos"]))
        return cls(list(satellites), list(stations), **{k: v[order] for k, v in cols.items()})

    def passes(self) -> list[Pass]:
        """The table as :class:`Pass` records (for tables small enough to hold as objects)."""
        n = len(self)
        times = _datetimes(np.concatenate((self.aos, self.tca, self.los)))
        return [
            Pass(self.stations[g], times[j], times[n + j], times[2 * n + j], el, a, b,
                 self.satellites[s])
            for j, (s, g, el, a, b) in enumerate(zip(
                self.satellite.tolist(), self.station.tolist(), self.max_elevation_deg.tolist(),
                self.aos_azimuth_deg.tolist(), self.los_azimuth_deg.tolist(), strict=True))
        ]


@dataclass
class NetworkSummary:
    """What a plan amounts to: passes and contact seconds per station and per satellite."""

    satellites: list[str]
    stations: list[str]
    passes_per_station: np.ndarray
    passes_per_satellite: np.ndarray
    contact_s_per_station: np.ndarray

    @classmethod
    def empty(cls, satellites: list[str], stations: list[str]) -> NetworkSummary:
        return cls(list(satellites), list(stations), np.zeros(len(stations), np.int64),
                   np.zeros(len(satellites), np.int64), np.zeros(len(stations)))

    @classmethod
    def of(cls, table: PassTable) -> NetworkSummary:
        """The counts of one table."""
        out = cls.empty(table.satellites, table.stations)
        out.add(table)
        return out

    def add(self, table: PassTable) -> None:
        """Counts the passes of ``table`` (whose indices refer to the same lists) in."""
        self.passes_per_station += np.bincount(table.station, minlength=len(self.stations))
        self.passes_per_satellite += np.bincount(table.satellite, minlength=len(self.satellites))
        self.contact_s_per_station += np.bincount(
            table.station, weights=table.los - table.aos, minlength=len(self.stations))

    def merge(self, other: NetworkSummary) -> None:
        """Adds another summary over the same satellites and stations."""
        self.passes_per_station += other.passes_per_station
        self.passes_per_satellite += other.passes_per_satellite
        self.contact_s_per_station += other.contact_s_per_station

    @property
    def passes(self) -> int:
        return int(self.passes_per_station.sum())

    def to_json(self) -> dict[str, Any]:
        """Totals and spreads (per-station and per-satellite lists would run to thousands)."""
        ps, pp = self.passes_per_station, self.passes_per_satellite
        return {
            "satellites": len(self.satellites),
            "stations": len(self.stations),
            "passes": self.passes,
            "contact_hours": round(float(self.contact_s_per_station.sum()) / 3600, 1),
            "passes_per_station": _spread(ps),
            "passes_per_satellite": _spread(pp),
        }


def _spread(x: np.ndarray) -> dict[str, float]:
    if x.size == 0:
        return {}
    return {"min": int(x.min()), "median": float(np.median(x)), "max": int(x.max())}


def _unix(t: datetime) -> float:
    return (t if t.tzinfo else t.replace(tzinfo=UTC)).timestamp()


def block_shape(n_satellites: int, n_stations: int, span_s: float, step_s: float,
                budget_mb: float = DEFAULT_BUDGET_MB) -> tuple[int, int]:
    """(satellites, stations) in one block, so that its grid stays within ``budget_mb``.

    All stations in a block when a single satellite's row fits, fewer otherwise; at least one
    of each.
    """
    instants = span_s / step_s + 1
    cells = max(budget_mb * 1e6 / BYTES_PER_CELL, 1.0)
    per_satellite = cells / instants
    stations = int(max(1, min(n_stations, per_satellite)))
    satellites = int(max(1, min(n_satellites, per_satellite // stations)))
    return satellites, stations


def _grid_step(element_sets: Sequence[ElementSet]) -> tuple[float, float]:
    """The finder's grid step and its margin (half the longest period) for these satellites."""
    periods = [2 * math.pi / max(es.satrec.no_kozai, 1e-9) * 60.0 for es in element_sets]
    return min(min(periods) / GRID_PER_ORBIT, 0.25 * 86400), min(max(periods) / 2, 0.5 * 86400)


def plan_blocks(
    element_sets: Sequence[ElementSet],
    stations: Sequence[Station],
    start: datetime,
    end: datetime,
    min_elevation_deg: float | None = None,
    budget_mb: float = DEFAULT_BUDGET_MB,
    exact: bool = False,
) -> Iterator[PassTable]:
    """The plan block by block (satellite blocks, then station blocks, then time chunks).

    Each pass appears in exactly one block: the one whose time chunk holds its AOS (a pass in
    progress at ``start`` goes to the first chunk). Indices refer to the whole lists.
    """
    for job in _block_jobs(element_sets, stations, start, end, min_elevation_deg, budget_mb, exact):
        yield job()


def _block_jobs(
    element_sets: Sequence[ElementSet],
    stations: Sequence[Station],
    start: datetime,
    end: datetime,
    min_elevation_deg: float | None,
    budget_mb: float,
    exact: bool,
) -> Iterator[Callable[[], PassTable]]:
    """:func:`plan_blocks`' blocks as calls yet to make (so threads can make them)."""
    sats, sites = list(element_sets), list(stations)
    t0, t1 = _unix(start), _unix(end)
    if t1 <= t0 or not sats or not sites:
        return
    step, margin = _grid_step(sats)
    chunk_s = min(MAX_CHUNK_S, t1 - t0)
    n_sat, n_st = block_shape(len(sats), len(sites), chunk_s + 2 * margin, step, budget_mb)
    names, station_names = [es.name for es in sats], [s.name for s in sites]
    edges = np.append(np.arange(t0, t1, chunk_s), t1)
    last = len(edges) - 2

    def block(i: int, j: int, c: int) -> PassTable:
        a, b = float(edges[c]), float(edges[c + 1])
        cols = pass_columns(sats[i:i + n_sat], sites[j:j + n_st], a, b, min_elevation_deg,
                            exact=exact, grid_per_orbit=GRID_PER_ORBIT)
        if cols is None:
            return PassTable(names, station_names)
        keep = np.ones(cols["aos"].size, dtype=bool)
        if c > 0:
            keep &= cols["aos"] >= a
        if c < last:
            keep &= cols["aos"] < b
        return PassTable(
            names, station_names,
            satellite=(cols["satellite"][keep] + i).astype(np.int32),
            station=(cols["station"][keep] + j).astype(np.int32),
            **{k: cols[k][keep] for k in COLUMNS},
        )

    for i in range(0, len(sats), n_sat):
        for j in range(0, len(sites), n_st):
            for c in range(len(edges) - 1):
                yield functools.partial(block, i, j, c)


def count_blocks(element_sets: Sequence[ElementSet], stations: Sequence[Station], start: datetime,
                 end: datetime, budget_mb: float = DEFAULT_BUDGET_MB) -> int:
    """How many blocks :func:`plan_blocks` yields (for a progress bar)."""
    t0, t1 = _unix(start), _unix(end)
    if t1 <= t0 or not element_sets or not stations:
        return 0
    step, margin = _grid_step(element_sets)
    chunk_s = min(MAX_CHUNK_S, t1 - t0)
    n_sat, n_st = block_shape(len(element_sets), len(stations), chunk_s + 2 * margin, step, budget_mb)
    chunks = math.ceil((t1 - t0) / chunk_s)
    return math.ceil(len(element_sets) / n_sat) * math.ceil(len(stations) / n_st) * chunks


def plan_network(
    element_sets: Sequence[ElementSet],
    stations: Sequence[Station],
    start: datetime,
    end: datetime,
    min_elevation_deg: float | None = None,
    budget_mb: float = DEFAULT_BUDGET_MB,
    exact: bool = False,
    summary_only: bool = False,
    progress: Callable[[PassTable], None] | None = None,
    threads: int = 1,
) -> PassTable | NetworkSummary:
    """Every pass of every satellite over every station overlapping [start, end], in this process.

    ``summary_only``: keep only the counts (:class:`NetworkSummary`), so memory stays that of
    one block whatever the number of passes. ``progress`` is called with each block's table.
    ``threads``: blocks planned by that many threads at once (numpy releases the interpreter
    lock in its array work, so a block's grid and refinement run beside another's); memory is
    that of ``threads`` blocks.
    """
    names, station_names = [es.name for es in element_sets], [s.name for s in stations]
    summary = NetworkSummary.empty(names, station_names)
    parts: list[PassTable] = []
    jobs = _block_jobs(element_sets, stations, start, end, min_elevation_deg, budget_mb, exact)
    for table in _threaded(jobs, threads):
        if summary_only:
            summary.add(table)
        else:
            parts.append(table)
        if progress is not None:
            progress(table)
    return summary if summary_only else PassTable.concat(names, station_names, parts)


def _threaded(jobs: Iterator[Callable[[], PassTable]], threads: int) -> Iterator[PassTable]:
    """The jobs' tables in order, computed by ``threads`` threads with at most ``threads`` in
    flight (so memory stays that of ``threads`` blocks)."""
    if threads <= 1:
        for job in jobs:
            yield job()
        return
    from collections import deque
    from concurrent.futures import Future, ThreadPoolExecutor

    with ThreadPoolExecutor(threads) as pool:
        pending: deque[Future[PassTable]] = deque()
        for job in jobs:
            pending.append(pool.submit(job))
            if len(pending) >= threads:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _plan_task(lines: list[tuple[str, str, str]], stations: list[Station], offset: int,
               n_satellites: int, start: datetime, end: datetime, min_elevation_deg: float | None,
               budget_mb: float, exact: bool, summary_only: bool) -> PassTable | NetworkSummary:
    """One satellite block on a worker: its plan over every station, indices shifted to the
    whole catalogue (``offset``) so the client can add the pieces up."""
    sats = [ElementSet.from_lines(a, b, name) for name, a, b in lines]
    found = plan_network(sats, stations, start, end, min_elevation_deg, budget_mb, exact,
                         summary_only)
    everyone = [""] * n_satellites
    if isinstance(found, NetworkSummary):
        per = np.zeros(n_satellites, np.int64)
        per[offset:offset + len(sats)] = found.passes_per_satellite
        return NetworkSummary(everyone, found.stations, found.passes_per_station, per,
                              found.contact_s_per_station)
    found.satellite = found.satellite + offset
    found.satellites = everyone
    return found


def plan_network_on(
    client: Any,
    element_sets: Sequence[ElementSet],
    stations: Sequence[Station],
    start: datetime,
    end: datetime,
    min_elevation_deg: float | None = None,
    budget_mb: float = DEFAULT_BUDGET_MB,
    exact: bool = False,
    summary_only: bool = False,
    satellites_per_task: int = 50,
    progress: Callable[[int, int], None] | None = None,
) -> PassTable | NetworkSummary:
    """:func:`plan_network` spread over a dask.distributed ``client``: one task a block of
    ``satellites_per_task`` satellites over every station (each worker keeps its own memory
    budget). ``progress(done, total)`` after each task."""
    from dask.distributed import as_completed

    sats, sites = list(element_sets), list(stations)
    names, station_names = [es.name for es in sats], [s.name for s in sites]
    futures = [
        client.submit(_plan_task, [(es.name, es.line1, es.line2) for es in sats[i:i + satellites_per_task]],
                      sites, i, len(sats), start, end, min_elevation_deg, budget_mb, exact,
                      summary_only, pure=False)
        for i in range(0, len(sats), satellites_per_task)
    ]
    summary = NetworkSummary.empty(names, station_names)
    parts: list[PassTable] = []
    for done, future in enumerate(as_completed(futures), 1):
        piece = future.result()
        if isinstance(piece, NetworkSummary):
            summary.merge(piece)
        else:
            parts.append(piece)
        future.release()
        if progress is not None:
            progress(done, len(futures))
    return summary if summary_only else PassTable.concat(names, station_names, parts)

"""Server-side downsampling: telemetry rollups so a month of 1 Hz housekeeping stays fast (read side
of the archive, kept by mission control in `web_rollup_*` tables beside the packet tables).

A chart never needs more points than it has pixels, yet a month of 1 Hz housekeeping is 2.6
million rows per field; scanning them for every zoom would take seconds. So, for each packet
table ``tm_<packet>`` of the archive, the web keeps ``web_rollup_<packet>``: for buckets of 60 s,
900 s and 4 h, the count, minimum, maximum and sum of every field, one wide row per bucket. A
query reads raw rows for spans up to about five hours, otherwise the finest level that keeps
the rows read under about 20,000, then folds those into the requested number of points keeping
each point's minimum, maximum and mean, so spikes survive downsampling (an operator must see a
limit violation even when zoomed out).

Rollups follow the archive incrementally. Archives that number packet rows in arrival order
(``seq``) are followed by that number: whatever arrived since, live or stored history
downlinked late, marks its buckets. Older archives without it are followed by two watermarks:
packet times beyond the last seen (the live case) and frames first received after the last
seen reception (history downlinked late, whatever its on-board time). Only the 900 s buckets
holding new rows are recomputed from the raw table, the 4 h buckets from those; a rebuild is
the same operation over everything. Refreshes are throttled to one a second per table, run
under a lock, and recompute whole buckets inside a transaction, so running them twice is
harmless.

NaN (a field the spacecraft could not measure) is left out of counts and aggregates.
"""

from __future__ import annotations

import json
import math
import threading
import time
from dataclasses import dataclass

import numpy as np

from picodragon.ground.archive.pool import Database

#: bucket widths in seconds, finest first; each divides the next
LEVELS = (60, 900, 14400)
#: spans up to this many seconds read raw rows
RAW_SPAN_S = 20_000
#: read at most about this many rows from a rollup level
MAX_ROWS = 20_000
REFRESH_INTERVAL_S = 1.0
#: rows behind the last seen arrival number looked at again on each refresh
SEQ_LOOKBACK = 1000


@dataclass
class Series:
    """One point's values over a span: bucket times with mean, min and max (equal when raw)."""

    point: str
    t: np.ndarray
    mean: np.ndarray
    vmin: np.ndarray
    vmax: np.ndarray
    level_s: int  # 0 for raw rows

    def to_json(self) -> dict:
        # rounded as arrays: a chart's 4,000 values rounded one by one were about 4 ms of a
        # 10 ms request (bench/web_load.py); a gap (NaN or infinite) becomes None
        def clean(a: np.ndarray) -> list:
            x = np.asarray(a, dtype=float)
            out = np.round(x, 6).astype(object)
            out[~np.isfinite(x)] = None
            return out.tolist()

        return {
            "point": self.point,
            "level_s": self.level_s,
            "t": np.round(np.asarray(self.t, dtype=float), 3).tolist(),
            "mean": clean(self.mean),
            "min": clean(self.vmin),
            "max": clean(self.vmax),
        }


def quote(column: str) -> str:
    """A column name quoted for SQL: field names such as ``index`` or ``count`` are keywords."""
    return '"' + column.replace('"', '""') + '"'


def _nan_free(db: Database, column: str) -> str:
    """A field's column with NaN read as NULL (PostgreSQL keeps NaN; SQLite stores NULL)."""
    return f"NULLIF({quote(column)}, 'NaN'::float8)" if db.postgres else quote(column)


def _bucket(db: Database, expr: str, width: int) -> str:
    if db.postgres:
        return f"CAST(floor({expr} / {width}) AS BIGINT)"
    # SQLite's CAST truncates toward zero; times here are positive Unix seconds
    return f"CAST({expr} / {width} AS INTEGER)"


class Rollups:
    """Rollup tables of one archive database, refreshed on demand."""

    def __init__(self, db: Database, lock: threading.Lock | None = None) -> None:
        self.db = db
        #: one writer of rollups per process: share the lock between instances over one database
        self._lock = lock or threading.Lock()
        self._last_refresh: dict[str, float] = {}
        self._has_seq: dict[str, bool] = {}
        self.ensure_schema()

    def ensure_schema(self) -> None:
        db = self.db
        self._has_seq.clear()
        db.execute(
            "CREATE TABLE IF NOT EXISTS web_rollup_state (tm_table TEXT PRIMARY KEY, fields TEXT NOT NULL, "
            f"last_unix_s {db.double} NOT NULL, last_received_unix_s {db.double} NOT NULL, "
            "last_seq BIGINT NOT NULL DEFAULT -1)"
        )

    # -- schema -------------------------------------------------------------------------
    @staticmethod
    def table_name(tm_table: str) -> str:
        return "web_rollup_" + tm_table.removeprefix("tm_")

    def _create(self, tm_table: str, fields: tuple[str, ...]) -> None:
        db = self.db
        name = self.table_name(tm_table)
        cols = ", ".join(
            f"{f}__n BIGINT, {f}__min {db.double}, {f}__max {db.double}, {f}__sum {db.double}" for f in fields
        )
        db.execute(f"DROP TABLE IF EXISTS {name}")
        db.execute(
            f"CREATE TABLE {name} (level INTEGER NOT NULL, bucket BIGINT NOT NULL, n BIGINT NOT NULL, "
            f"{cols}{', ' if cols else ''}PRIMARY KEY (level, bucket))"
        )
        db.execute("DELETE FROM web_rollup_state WHERE tm_table = ?", (tm_table,))
        db.execute(
            "INSERT INTO web_rollup_state (tm_table, fields, last_unix_s, last_received_unix_s) "
            "VALUES (?, ?, ?, ?)",
            (tm_table, json.dumps(list(fields)), -1e300, -1e300),
        )

    # -- refresh ------------------------------------------------------------------------
    def refresh(self, tm_table: str, fields: tuple[str, ...], force: bool = False) -> None:
        """Bring the rollups of one packet table up to date with the archive."""
        now = time.monotonic()
        if not force and now - self._last_refresh.get(tm_table, -1e9) < REFRESH_INTERVAL_S:
            return
        with self._lock:
            self._last_refresh[tm_table] = time.monotonic()
            self._refresh_locked(tm_table, fields)

    def _refresh_locked(self, tm_table: str, fields: tuple[str, ...]) -> None:
        db = self.db
        state = db.one(
            "SELECT fields, last_unix_s, last_received_unix_s FROM web_rollup_state WHERE tm_table = ?",
            (tm_table,),
        )
        if state is None or tuple(json.loads(state[0])) != tuple(fields):
            with db.transaction():
                self._create(tm_table, fields)
            state = (json.dumps(list(fields)), -1e300, -1e300)
        _, last_t, last_rx = state
        if self._has_seq.setdefault(tm_table, "seq" in db.columns(tm_table)):
            self._refresh_by_seq(tm_table, fields)
            return
        coarse = LEVELS[1]
        dirty: set[int] = set()  # 900 s bucket numbers to recompute
        new_t = db.one(f"SELECT MIN(unix_s), MAX(unix_s) FROM {tm_table} WHERE unix_s > ?", (last_t,))
        max_t = last_t
        if new_t and new_t[0] is not None:
            lo, hi = int(new_t[0] // coarse), int(new_t[1] // coarse)
            dirty.update(range(lo, hi + 1))
            max_t = float(new_t[1])
        max_rx = last_rx
        if db.table_exists("frames"):
            rx = db.one("SELECT MAX(first_unix_s) FROM frames WHERE first_unix_s > ?", (last_rx,))
            if rx and rx[0] is not None and last_t > -1e300:
                late = db.rows(
                    f"SELECT DISTINCT {_bucket(db, 't.unix_s', coarse)} FROM frames f JOIN {tm_table} t "
                    "ON t.frame_id = f.id WHERE f.first_unix_s > ? AND t.unix_s <= ?",
                    (last_rx, last_t),
                )
                dirty.update(int(b[0]) for b in late)
            if rx and rx[0] is not None:
                max_rx = float(rx[0])
        if not dirty and max_rx == last_rx:
            return
        with db.transaction():
            for lo, hi in _ranges(sorted(dirty)):
                self._recompute(tm_table, fields, lo * coarse, (hi + 1) * coarse)
            db.execute(
                "UPDATE web_rollup_state SET last_unix_s = ?, last_received_unix_s = ? WHERE tm_table = ?",
                (max_t, max_rx, tm_table),
            )

    def _refresh_by_seq(self, tm_table: str, fields: tuple[str, ...]) -> None:
        """Follow the archive by its arrival order (``seq``): whatever arrived since the last
        refresh, live or late, marks its 900 s buckets. The last ``SEQ_LOOKBACK`` rows are looked
        at again, for PostgreSQL transactions that commit out of their sequence order."""
        db = self.db
        last_seq = int(db.one("SELECT last_seq FROM web_rollup_state WHERE tm_table = ?", (tm_table,))[0])
        top = db.one(f"SELECT MAX(seq) FROM {tm_table}")
        if top is None or top[0] is None or int(top[0]) <= last_seq:
            return
        since = last_seq - SEQ_LOOKBACK if last_seq >= 0 else -1
        coarse = LEVELS[1]
        dirty = sorted(int(r[0]) for r in db.rows(
            f"SELECT DISTINCT {_bucket(db, 'unix_s', coarse)} FROM {tm_table} WHERE seq > ?", (since,)))
        with db.transaction():
            for lo, hi in _ranges(dirty):
                self._recompute(tm_table, fields, lo * coarse, (hi + 1) * coarse)
            db.execute("UPDATE web_rollup_state SET last_seq = ? WHERE tm_table = ?", (int(top[0]), tm_table))

    def _recompute(self, tm_table: str, fields: tuple[str, ...], t0: float, t1: float) -> None:
        """Rebuild every level's buckets over [t0, t1) (t0, t1 on 900 s boundaries)."""
        db = self.db
        name = self.table_name(tm_table)
        fine, coarse, top = LEVELS
        # the 4 h buckets that overlap the range are rebuilt whole, from the 900 s level
        top0, top1 = math.floor(t0 / top) * top, math.ceil(t1 / top) * top
        agg_cols = ", ".join(f"{f}__n, {f}__min, {f}__max, {f}__sum" for f in fields)
        sep = ", " if fields else ""
        raw_aggs = ", ".join(
            f"COUNT({_nan_free(db, f)}), MIN({_nan_free(db, f)}), MAX({_nan_free(db, f)}), SUM({_nan_free(db, f)})"
            for f in fields
        )
        # each level numbers its buckets in its own width
        db.execute(f"DELETE FROM {name} WHERE level = ? AND bucket >= ? AND bucket < ?",
                   (fine, int(t0 // fine), int(t1 // fine)))
        db.execute(f"DELETE FROM {name} WHERE level = ? AND bucket >= ? AND bucket < ?",
                   (coarse, int(t0 // coarse), int(t1 // coarse)))
        db.execute(
            f"INSERT INTO {name} (level, bucket, n{sep}{agg_cols}) "
            f"SELECT {fine}, {_bucket(db, 'unix_s', fine)} AS b, COUNT(*){sep}{raw_aggs} FROM {tm_table} "
            f"WHERE unix_s >= ? AND unix_s < ? GROUP BY b",
            (t0, t1),
        )
        self._fold(name, fields, fine, coarse, int(t0 // fine), int(t1 // fine))
        db.execute(f"DELETE FROM {name} WHERE level = ? AND bucket >= ? AND bucket < ?",
                   (top, int(top0 // top), int(top1 // top)))
        self._fold(name, fields, coarse, top, int(top0 // coarse), int(top1 // coarse))

    def _fold(self, name: str, fields: tuple[str, ...], src: int, dst: int, b0: int, b1: int) -> None:
        """Aggregate level ``src`` buckets [b0, b1) into level ``dst``."""
        db = self.db
        ratio = dst // src
        agg_cols = ", ".join(f"{f}__n, {f}__min, {f}__max, {f}__sum" for f in fields)
        sep = ", " if fields else ""
        aggs = ", ".join(f"SUM({f}__n), MIN({f}__min), MAX({f}__max), SUM({f}__sum)" for f in fields)
        db.execute(
            f"INSERT INTO {name} (level, bucket, n{sep}{agg_cols}) "
            f"SELECT {dst}, {_bucket(db, 'bucket', ratio)} AS b, SUM(n){sep}{aggs} FROM {name} "
            f"WHERE level = ? AND bucket >= ? AND bucket < ? GROUP BY b",
            (src, b0, b1),
        )

    # -- read ---------------------------------------------------------------------------
    def series(self, tm_table: str, fields: tuple[str, ...], field: str, point: str,
               start: float, end: float, max_points: int = 1000) -> Series:
        """Values of ``field`` over [start, end], at most ``max_points`` points."""
        db = self.db
        span = max(end - start, 1e-9)
        level = 0
        if span > RAW_SPAN_S:
            level = next((lv for lv in LEVELS if span / lv <= MAX_ROWS), LEVELS[-1])
        if level == 0:
            rows = db.rows(
                f"SELECT unix_s, {_nan_free(db, field)} FROM {tm_table} WHERE unix_s >= ? AND unix_s <= ? "
                "ORDER BY unix_s LIMIT 500000",
                (start, end),
            )
            data = np.array(rows, dtype=float).reshape(-1, 2) if rows else np.empty((0, 2))
            t, v = data[:, 0], data[:, 1]
            series = Series(point, t, v, v.copy(), v.copy(), 0)
        else:
            self.refresh(tm_table, fields)
            name = self.table_name(tm_table)
            rows = db.rows(
                f"SELECT bucket, {field}__n, {field}__min, {field}__max, {field}__sum FROM {name} "
                "WHERE level = ? AND bucket >= ? AND bucket <= ? ORDER BY bucket",
                (level, math.floor(start / level), math.floor(end / level)),
            )
            data = np.array([r for r in rows if r[1]], dtype=float).reshape(-1, 5) if rows else np.empty((0, 5))
            t = (data[:, 0] + 0.5) * level
            n = data[:, 1]
            mean = np.divide(data[:, 4], n, out=np.full(len(n), np.nan), where=n > 0)
            series = Series(point, t, mean, data[:, 2], data[:, 3], level)
            series.weights = n  # type: ignore[attr-defined]
        return fold(series, start, end, max_points)


def fold(s: Series, start: float, end: float, max_points: int) -> Series:
    """Fold a series into at most ``max_points`` equal-width time buckets (min, max, mean)."""
    if len(s.t) <= max_points or max_points <= 0:
        return s
    width = (end - start) / max_points
    idx = np.clip(((s.t - start) / width).astype(int), 0, max_points - 1)
    w = getattr(s, "weights", np.ones(len(s.t)))
    ok = np.isfinite(s.mean)
    wsum = np.bincount(idx[ok], weights=w[ok], minlength=max_points)
    vsum = np.bincount(idx[ok], weights=(s.mean * w)[ok], minlength=max_points)
    vmin = np.full(max_points, np.inf)
    vmax = np.full(max_points, -np.inf)
    np.minimum.at(vmin, idx[ok], s.vmin[ok])
    np.maximum.at(vmax, idx[ok], s.vmax[ok])
    keep = wsum > 0
    t = start + (np.arange(max_points) + 0.5) * width
    return Series(s.point, t[keep], (vsum / np.where(keep, wsum, 1))[keep], vmin[keep], vmax[keep],
                  max(s.level_s, int(width)))


def _ranges(sorted_buckets: list[int]) -> list[tuple[int, int]]:
    """Contiguous runs [lo, hi] of a sorted list of integers."""
    out: list[tuple[int, int]] = []
    for b in sorted_buckets:
        if out and b == out[-1][1] + 1:
            out[-1] = (out[-1][0], b)
        else:
            out.append((b, b))
    return out

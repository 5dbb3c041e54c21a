"""The SQLite archive's index of frames by content address: two tiers, merged in id order.

A frame's id (``base.frame_id``) is a random 63-bit hash, so a B-tree keyed on it takes each
transaction's inserts at random places. Once it outgrows what one transaction touches, nearly
every insert dirties a page of its own, and each dirty page costs a WAL write, a checksum and a
checkpoint copy (~8-10 us on SQLite). With 2,000 frames a transaction, a unique index on
``frames.id`` dirtied ~0.03 of its pages per frame at 10k frames archived and ~0.8 at 1M:
bench/scaling.py's cost per frame rose from 17 to 22 us.

Here the look-up ``id -> seq`` is kept in two ``WITHOUT ROWID`` tables keyed on ``id``:

- ``frame_ids_recent``: the frames since the last merge. It stays small, so its pages stay in
  the page cache and a transaction dirties few of them (at most its size / ~150 entries a page);
- ``frame_ids``: everything before. It is written only by a merge, which moves ``recent`` into
  it in id order (one ``INSERT ... SELECT ... ORDER BY id``): each of its pages is dirtied at most
  once per merge however many entries land on it.

A merge happens when ``recent`` holds more than ``max(RECENT_MIN, main / MAIN_PER_RECENT)``
entries. It dirties every leaf of ``frame_ids`` (about main / 150 pages) once per main / 16
frames, so the merges cost ~16 / 150 ~ 0.1 page per frame at any size, and ``recent``'s own
dirty pages per transaction stay bounded by its size (RECENT_MIN / 150 ~ 55 pages while the
archive is small; main / 2,400 pages at the end of a cycle, 400 at 1M frames). 16 is near the
two costs' balance at 1M frames (the recent share grows with the size of ``recent``, the merge
share with main / ``recent``: their sum is least at ``recent`` ~ sqrt(2,000 main) ~ main / 22);
RECENT_MIN (8,192) keeps a small archive from merging every few transactions (a merge copies
the whole of ``frame_ids``).

A new frame is looked up in both tables (reads of cached pages: no WAL writes) unless the
writer's :class:`SeenFilter` says it is surely new (nearly always), and its id inserted into
``recent``. Every one of these statements runs inside the archive's write
transaction (``BEGIN IMMEDIATE``: one writer at a time across processes), so the check and the
insert cannot interleave with another writer's, and ids stay unique without a unique index on
``frames``. The seq up to which ``frame_ids`` holds the frames is kept in ``archive_meta``
(``MERGED_KEY``), so a transaction knows ``recent``'s size without counting it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable

import numpy as np

#: the smallest ``recent`` that is merged [entries]
RECENT_MIN = 8192
#: ``recent`` is merged when it holds more than ``frame_ids`` / this many entries
MAIN_PER_RECENT = 16
#: the ``archive_meta`` key of the largest ``frames.seq`` that ``frame_ids`` holds (a decimal)
MERGED_KEY = "frame_ids_merged_seq"

TABLES = ("frame_ids", "frame_ids_recent")


def ensure(db: sqlite3.Connection) -> None:
    """Create the two tables if missing and fill ``frame_ids`` from ``frames`` (once, in id order).

    Call inside the write transaction, after ``frames`` and ``archive_meta`` exist: an archive
    written before these tables (``frames.id`` with its unique index) gets them on its first
    opening by a writer; a new archive gets them empty.
    """
    have = {r[0] for r in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN (?, ?)", TABLES)}
    for table in TABLES:
        db.execute(f"CREATE TABLE IF NOT EXISTS {table} "
                   "(id INTEGER PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID")
    if "frame_ids" in have:
        return
    db.execute("INSERT INTO frame_ids (id, seq) SELECT id, seq FROM frames ORDER BY id")
    top = db.execute("SELECT MAX(seq) FROM frames").fetchone()[0]
    _set_merged(db, 0 if top is None else int(top))


def lookup(db: sqlite3.Connection, ids: Iterable[int]) -> dict[int, int]:
    """Content address -> seq for the frames among ``ids`` that are stored (both tiers).

    The ids go in as one JSON array walked by ``json_each`` and joined to each table (one
    primary-key probe per id and table): a third cheaper than ``id IN (?, ...)``, which first
    builds and sorts a temporary index of the list for each table (bench at 1M frames archived:
    0.97 against 1.27 us an id).
    """
    ids = [int(i) for i in ids]  # numpy integers are not JSON
    if not ids:
        return {}
    rows = db.execute(
        "SELECT t.id, t.seq FROM json_each(?1) j JOIN frame_ids t ON t.id = j.value "
        "UNION ALL SELECT t.id, t.seq FROM json_each(?1) j JOIN frame_ids_recent t ON t.id = j.value",
        (json.dumps(ids),),
    )
    return {int(fid): int(seq) for fid, seq in rows}


def add(db: sqlite3.Connection, ids: list[int], first_seq: int, top: int) -> None:
    """Index new frames ``ids`` stored with seqs ``first_seq, first_seq + 1, ...`` (none stored
    before: checked with :func:`lookup` in the same write transaction) and merge ``recent``
    into ``frame_ids`` when it has grown past its bound. ``top`` is the largest ``frames.seq``
    after these frames.

    One statement over a JSON array rather than ``executemany``: no binding of each row from
    Python (0.9 -> 0.5 us a frame).
    """
    db.execute("INSERT INTO frame_ids_recent (id, seq) SELECT value, ?2 + key FROM json_each(?1)",
               (json.dumps([int(i) for i in ids]), int(first_seq)))
    row = db.execute("SELECT value FROM archive_meta WHERE key = ?", (MERGED_KEY,)).fetchone()
    merged = int(row[0]) if row else 0
    if top - merged > max(RECENT_MIN, merged // MAIN_PER_RECENT):
        merge(db, top)


def merge(db: sqlite3.Connection, top: int) -> None:
    """Move every entry of ``frame_ids_recent`` into ``frame_ids``, in id order."""
    db.execute("INSERT INTO frame_ids (id, seq) SELECT id, seq FROM frame_ids_recent ORDER BY id")
    db.execute("DELETE FROM frame_ids_recent")
    _set_merged(db, top)


def _set_merged(db: sqlite3.Connection, seq: int) -> None:
    db.execute("INSERT INTO archive_meta (key, value) VALUES (?, ?) "
               "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (MERGED_KEY, str(int(seq))))


class SeenFilter:
    """A Bloom filter of the content addresses of every frame with ``seq <= seen``, kept by a
    writer so that a new frame (nearly every one) needs no probe of ``frame_ids``.

    A probe of ``frame_ids`` is a random walk down a B-tree of the whole archive: 0.3 us an id
    at 10k frames, 1.1 at 1M (the pages are cached, the processor's caches are not). The filter
    answers "surely new" for all but ~1 % of new ids from a bit array of ``BITS_PER_ID`` bits
    an id (2 MB at 1M frames): only the others, and the frames archived before, are looked up.
    Ids are hashes already, so each of the ``K`` bit positions is the top bits of the id times
    an odd constant. The filter follows ``frames`` by ``seq``: frames other writers stored
    since (a rowid range of ``frames``) are added at the next transaction; it is rebuilt from
    the id tables when it fills up (each doubling: amortised a constant per frame) and dropped
    after a rollback (the frames it was told of may be gone and their seqs taken again).
    """

    BITS_PER_ID = 16
    K = 4
    _MULTIPLIERS = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9,
                             0xD6E8FEB86659FD93], dtype=np.uint64)

    def __init__(self, db: sqlite3.Connection, top: int) -> None:
        count = sum(db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in TABLES)
        self.log2 = max(16, int(2 * max(count, RECENT_MIN) * self.BITS_PER_ID - 1).bit_length())
        self.capacity = (1 << self.log2) // self.BITS_PER_ID
        self.bits = np.zeros(1 << (self.log2 - 3), dtype=np.uint8)
        self.count = 0
        for table in TABLES:
            ids = np.fromiter((r[0] for r in db.execute(f"SELECT id FROM {table}")), dtype=np.int64)
            self.add(ids)
        self.seen = top

    def _positions(self, ids: np.ndarray) -> np.ndarray:
        keys = np.asarray(ids, dtype=np.int64).astype(np.uint64)
        return (keys[None, :] * self._MULTIPLIERS[: self.K, None]) >> np.uint64(64 - self.log2)

    def add(self, ids: np.ndarray) -> None:
        """Set the bits of ``ids`` (int64 content addresses)."""
        if len(ids):
            pos = self._positions(ids).ravel()
            np.bitwise_or.at(self.bits, pos >> np.uint64(3), (1 << (pos & np.uint64(7))).astype(np.uint8))
            self.count += len(ids)

    def maybe(self, ids: np.ndarray) -> np.ndarray:
        """True where an id may be archived (False: surely not)."""
        pos = self._positions(ids)
        hit = (self.bits[pos >> np.uint64(3)] >> (pos & np.uint64(7)).astype(np.uint8)) & 1
        return hit.all(axis=0)

    def catch_up(self, db: sqlite3.Connection, top: int) -> None:
        """Add the frames stored since ``seen`` (by other writers) up to ``top``."""
        if top > self.seen:
            self.add(np.fromiter((r[0] for r in db.execute(
                "SELECT id FROM frames WHERE seq > ? AND seq <= ?", (self.seen, top))), dtype=np.int64))
            self.seen = top

"""The SQLite backend: one file, WAL journal, batched ``executemany`` inserts.

WAL with ``synchronous=NORMAL`` makes a committed transaction survive the death of the process
(kill -9): the commit is in the WAL file in the operating system's cache before ``COMMIT``
returns. Surviving a power cut as well needs ``synchronous=FULL`` (``open_archive(path,
durable=True)``), at about half the ingest rate.

Rows are stored in arrival order (rowid tables); the content-hash keys that de-duplicate
frames live in separate unique indexes, whose random inserts are what limits ingest once an
archive outgrows the page cache, hence a cache of 256 MB by default (allocated as used).

The frames' content addresses (``frames.id``, random 63-bit hashes) are the exception: a unique
index on them takes 2,000 random inserts a transaction, and the share of its pages each commit
dirties (each one written to the WAL, checksummed, checkpointed: ~8-10 us) grew from ~0.03 a
frame at 10k frames to ~0.8 at 1M (bench/scaling.py's per-frame cost: 17 -> 22 us). So on this
backend ``frames.id`` carries no index, and the look-up from content address to ``seq`` lives
in two tables of ``(id, seq)`` in id order (``WITHOUT ROWID``), a two-tier index after
log-structured merge trees (frame_ids.py).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from picodragon.dictionary.definitions import Dictionary
from picodragon.ground.archive import frame_ids
from picodragon.ground.archive.base import Archive


def create_private_file(path: str | Path) -> None:
    """Create ``path`` empty and owner-only (0600) unless it exists (archives, user stores).

    SQLite would create its database file 0644 (less the umask) and gives its ``-wal`` and
    ``-shm`` files the database file's mode, so creating the file first makes all three
    private: an archive holds the mission's commands and the web's password hashes.
    """
    text = str(path)
    if not text or text == ":memory:" or text.startswith("file:"):
        return  # in-memory databases and URIs have no file of ours to create
    try:
        fd = os.open(text, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.close(fd)


class SqliteArchive(Archive):
    """The archive in one SQLite file (the embedded default)."""

    backend = "sqlite"
    placeholder = "?"
    type_map = {"DOUBLE": "REAL", "SERIAL": "INTEGER PRIMARY KEY"}

    def __init__(self, path: str | Path, durable: bool = False, cache_mb: int = 256, *,
                 dictionary: Dictionary | None = None) -> None:
        super().__init__(dictionary)
        self.path = str(path)
        create_private_file(self.path)
        self._db = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=30.0
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
        self._db.execute("PRAGMA temp_store=MEMORY")
        # the unique indexes on content hashes take random inserts: keep them in memory
        self._db.execute(f"PRAGMA cache_size=-{int(cache_mb) * 1024}")
        # checkpoint the WAL every 64 MB rather than 4 MB: fewer, larger copies into the database
        self._db.execute("PRAGMA wal_autocheckpoint=16384")
        self._in_tx = False
        self._seen: frame_ids.SeenFilter | None = None
        self._create_schema()

    def _where(self) -> str:
        return self.path

    def _begin(self) -> None:
        if not self._in_tx:
            self._db.execute("BEGIN IMMEDIATE")
            self._in_tx = True

    def _exec(self, sql: str, params: Sequence = ()) -> None:
        self._begin()
        self._db.execute(sql, params)

    def _rows(self, sql: str, params: Sequence = ()) -> list[tuple]:
        self._before_read()
        return self._db.execute(sql, params).fetchall()

    def _bulk(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        self._begin()
        marks = ", ".join("?" * len(columns))
        cols = ", ".join(f'"{c}"' for c in columns)  # quoted: a field may be named like a keyword
        self._db.executemany(
            f"INSERT INTO {table} ({cols}) VALUES ({marks}) ON CONFLICT DO NOTHING",
            rows,
        )

    def _column_decl(self, table: str, name: str, decl: str) -> str:
        """``frames.id`` of a new archive without its unique index: frame_ids.py keeps it."""
        if table == "frames" and name == "id":
            decl = decl.replace(" UNIQUE", "")
        return super()._column_decl(table, name, decl)

    def _create_schema(self) -> None:
        super()._create_schema()
        self._begin()
        frame_ids.ensure(self._db)
        self._commit()

    def _frame_seqs(self, ids: set[int]) -> dict[int, int]:
        self._before_read()
        return frame_ids.lookup(self._db, ids)

    def _store_frames(self, columns: tuple[str, ...], rows: list[tuple]) -> dict[int, int]:
        """Frames new to the archive, with their ``seq`` chosen here: one past the largest, in
        arrival order; return content address -> seq of those stored.

        The batch holds the write lock (``BEGIN IMMEDIATE``), so nothing else stores a frame or
        takes a ``seq`` between the look-up of the batch's content addresses (frame_ids.py's
        two tables, asked only for those its Bloom filter may have seen) and the inserts: a
        frame archived before is skipped, the first copy of a content within the batch is the
        one kept, and the rows that refer to the new frames need no look-up by content address.
        """
        at = columns.index("id")
        first: dict[int, tuple] = {}
        for row in rows:
            first.setdefault(row[at], row)
        self._begin()
        found = self._db.execute("SELECT MAX(seq) FROM frames").fetchone()[0]
        top = 0 if found is None else int(found)
        seen = self._seen
        if seen is None or seen.count > seen.capacity:
            seen = self._seen = frame_ids.SeenFilter(self._db, top)
        else:
            seen.catch_up(self._db, top)
        ids = np.fromiter(first, dtype=np.int64, count=len(first))
        maybe = [fid for fid, hit in zip(first, seen.maybe(ids).tolist(), strict=True) if hit]
        stored = frame_ids.lookup(self._db, maybe) if maybe else {}
        new = [row for fid, row in first.items() if fid not in stored] if stored else list(first.values())
        if not new:
            return {}
        if "seq" in columns:  # a caller that chose them (the generic insert)
            seqs = [int(row[columns.index("seq")]) for row in new]
            cols, values = columns, new
        else:
            seqs = list(range(top + 1, top + 1 + len(new)))
            cols, values = ("seq", *columns), [(q, *row) for q, row in zip(seqs, new, strict=True)]
        quoted = ", ".join(f'"{c}"' for c in cols)
        self._db.executemany(
            f"INSERT INTO frames ({quoted}) VALUES ({', '.join('?' * len(cols))})", values)
        fids = [row[at] for row in new]
        if seqs == list(range(seqs[0], seqs[0] + len(seqs))):
            frame_ids.add(self._db, fids, seqs[0], max(seqs))
        else:
            for fid, seq in zip(fids, seqs, strict=True):
                frame_ids.add(self._db, [fid], seq, max(seqs))
        seen.add(np.fromiter(fids, dtype=np.int64, count=len(fids)))
        seen.seen = max(seen.seen, *seqs)
        return dict(zip(fids, seqs, strict=True))

    def _commit(self) -> None:
        if self._in_tx:
            self._db.execute("COMMIT")
            self._in_tx = False

    def _rollback(self) -> None:
        self._seen = None  # it may hold frames the rollback removed (and their seqs be reused)
        if self._in_tx:
            self._db.execute("ROLLBACK")
            self._in_tx = False

    def close(self) -> None:
        """Write what is pending, commit and close the file (the WAL is checkpointed)."""
        if self._db is not None:
            if self._pending:
                self.flush()
            self._commit()
            self._db.close()
            self._db = None

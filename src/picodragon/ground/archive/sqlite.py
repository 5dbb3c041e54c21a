"""The SQLite backend: one file, WAL journal, batched ``executemany`` inserts.

WAL with ``synchronous=NORMAL`` makes a committed transaction survive the death of the process
(kill -9): the commit is in the WAL file in the operating system's cache before ``COMMIT``
returns. Surviving a power cut as well needs ``synchronous=FULL`` (``open_archive(path,
durable=True)``), at about half the ingest rate.

Rows are stored in arrival order (rowid tables); the content-hash keys that de-duplicate
frames live in separate unique indexes, whose random inserts are what limits ingest once an
archive outgrows the page cache, hence a cache of 256 MB by default (allocated as used).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path

from picodragon.dictionary.definitions import Dictionary
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

    def _store_frames(self, columns: tuple[str, ...], rows: list[tuple]) -> dict[int, int]:
        """Frames with their ``seq`` chosen here: one past the largest, in arrival order.

        The batch holds the write lock (``BEGIN IMMEDIATE``), so nothing else takes a ``seq``
        meanwhile; when every frame went in (the usual case: the insert changed as many rows
        as it was given), each one's ``seq`` is the one chosen, and the rows that refer to
        them need no look-up by content address (a random probe of ``frames.id`` per frame,
        as costly as the insert itself). A frame already archived is skipped by the unique
        index; then the ``seq`` of all of them is read back instead.
        """
        if tuple(columns) != self._FRAME_COLS:
            return super()._store_frames(columns, rows)
        first: dict[int, tuple] = {}
        for row in rows:  # the first copy of a content within the batch is the one kept
            if row[0] not in first:
                first[row[0]] = row
        self._begin()
        top = self._db.execute("SELECT MAX(seq) FROM frames").fetchone()[0]
        start = 1 if top is None else int(top) + 1
        cols = ", ".join(("seq", *columns))
        marks = ", ".join("?" * (len(columns) + 1))
        cursor = self._db.executemany(
            f"INSERT INTO frames ({cols}) VALUES ({marks}) ON CONFLICT DO NOTHING",
            [(start + k, *row) for k, row in enumerate(first.values())],
        )
        chosen = {fid: start + k for k, fid in enumerate(first)}
        if cursor.rowcount == len(first):
            return chosen
        stored = self._frame_seqs(set(first))  # some were archived before: which went in now
        return {fid: seq for fid, seq in stored.items() if chosen[fid] == seq}

    def _commit(self) -> None:
        if self._in_tx:
            self._db.execute("COMMIT")
            self._in_tx = False

    def _rollback(self) -> None:
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

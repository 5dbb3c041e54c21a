"""The archive's read pool: thread-local connections for readers that answer many requests.

The ingest side (:class:`~picodragon.ground.archive.base.Archive`) holds one connection and
batches its writes; a server that answers requests on a thread pool (mission control) reads
far more than it writes and must never hold a write lock while it renders. So readers get one
connection per thread, in autocommit, with short explicit transactions for their few writes
(users, sessions, audit, acknowledgements, rollups), on SQLite and PostgreSQL alike. Statements
are written once with ``?`` placeholders and translated for psycopg. This module and its
siblings in ``ground/archive`` are the only places that hold SQL (a test checks).

A SQLite file that is replaced while the pool is open (``picodragon run`` starts a new archive
where the old one was) is followed by path, and ``generation_hook`` is called so the owner can
recreate its own tables in the new file.
"""

from __future__ import annotations

import math
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

#: how long a SQLite reader or writer waits for a concurrent writer (the runner) before failing
BUSY_TIMEOUT_MS = 10_000
#: how long a table seen to exist is taken to exist without asking again [s]: mission control
#: asks before most reads (a fresh archive lacks tables until its first frame), and on
#: PostgreSQL each question is a round trip, a third of those a status request made; an
#: archive's tables are dropped only when a new run starts over it, noticed within this long
TABLE_SEEN_S = 1.0


def is_postgres(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://", "postgresql+psycopg://"))


def sqlite_path(url: str) -> str:
    """The file path of a SQLite archive given as a path or a ``sqlite:///`` URL."""
    if url.startswith("sqlite:///"):
        return url[len("sqlite:///"):]
    if url.startswith("sqlite://"):
        return url[len("sqlite://"):]
    return url


class Database:
    """Thread-local connections to one archive database (the read pool), with a small API.

    ``rows`` reads, ``execute`` writes one statement (committed at once unless inside
    :meth:`transaction`), ``placeholder``-neutral SQL uses ``?``. Types: ``serial_pk`` and
    ``blob`` give the column declarations each backend needs.
    """

    def __init__(self, url: str) -> None:
        self.url = str(url)
        self.postgres = is_postgres(self.url)
        self.backend = "postgresql" if self.postgres else "sqlite"
        self._local = threading.local()
        self._all: list[Any] = []
        self._lock = threading.Lock()
        #: called when the SQLite file turns out to be a new one (to recreate the web's tables)
        self.generation_hook: Any = None
        self._seen_identity: tuple[int, int] | None = None
        self._tables_seen: dict[str, float] = {}  # table -> when it was last seen to exist (monotonic s)
        if not self.postgres:
            parent = Path(sqlite_path(self.url)).expanduser().resolve().parent
            if not parent.exists():
                raise ValueError(f"cannot open {self.url}: folder {parent} does not exist")

    # -- connections --------------------------------------------------------------------
    def _connect(self) -> Any:
        if self.postgres:
            import psycopg

            url = self.url.replace("postgresql+psycopg://", "postgresql://")
            conn = psycopg.connect(url, autocommit=True)
        else:
            from picodragon.ground.archive.sqlite import create_private_file

            create_private_file(sqlite_path(self.url))  # 0600: it holds password hashes and sessions
            conn = sqlite3.connect(
                sqlite_path(self.url), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                check_same_thread=False,
            )
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            # if another process holds the database, it has chosen the journal mode already
            with suppress(sqlite3.OperationalError):
                conn.execute("PRAGMA journal_mode = WAL")
        with self._lock:
            self._all.append(conn)
        return conn

    def _file_identity(self) -> tuple[int, int] | None:
        try:
            st = os.stat(sqlite_path(self.url))
        except OSError:
            return None
        return st.st_dev, st.st_ino

    @property
    def conn(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is not None and not self.postgres and getattr(self._local, "depth", 0) == 0 \
                and self._file_identity() != self._local.identity:
            # the file was replaced (``picodragon run`` starts a new archive where the old one
            # was): follow the path, not the deleted file
            with suppress(Exception):
                conn.close()
            conn = None
        if conn is None:
            conn = self._local.conn = self._connect()
            self._local.depth = 0
            if not self.postgres:
                self._local.identity = self._file_identity()
                if self._seen_identity not in (None, self._local.identity):
                    self._tables_seen.clear()  # a new file: its tables are yet to be seen
                    if self.generation_hook is not None:
                        self.generation_hook()
                self._seen_identity = self._local.identity
        return conn

    def close(self) -> None:
        """Close every connection this object opened, from any thread."""
        with self._lock:
            conns, self._all = self._all, []
        for c in conns:
            with suppress(Exception):  # closing is best effort at shutdown
                c.close()
        self._local = threading.local()

    # -- SQL ------------------------------------------------------------------------------
    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.postgres else sql

    def rows(self, sql: str, params: Sequence = ()) -> list[tuple]:
        cur = self.conn.execute(self._sql(sql), tuple(params))
        try:
            return list(cur.fetchall())
        finally:
            cur.close()

    def one(self, sql: str, params: Sequence = ()) -> tuple | None:
        r = self.rows(sql, params)
        return r[0] if r else None

    def execute(self, sql: str, params: Sequence = ()) -> int:
        """Run one writing statement; return the number of rows it changed."""
        cur = self.conn.execute(self._sql(sql), tuple(params))
        try:
            return cur.rowcount
        finally:
            cur.close()

    def executemany(self, sql: str, rows: Sequence[Sequence]) -> None:
        if not rows:
            return
        if self.postgres:
            with self.conn.cursor() as cur:
                cur.executemany(self._sql(sql), [tuple(r) for r in rows])
        else:
            self.conn.executemany(sql, [tuple(r) for r in rows])

    @contextmanager
    def transaction(self) -> Iterator[Database]:
        """One atomic group of writes (nested calls join the outer one)."""
        conn = self.conn
        depth = getattr(self._local, "depth", 0)
        self._local.depth = depth + 1
        try:
            if self.postgres:
                with conn.transaction():
                    yield self
            else:
                if depth == 0:
                    conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self
                except BaseException:
                    if depth == 0:
                        conn.execute("ROLLBACK")
                    raise
                if depth == 0:
                    conn.execute("COMMIT")
        finally:
            self._local.depth = depth

    # -- schema helpers -----------------------------------------------------------------
    @property
    def serial_pk(self) -> str:
        return "BIGSERIAL PRIMARY KEY" if self.postgres else "INTEGER PRIMARY KEY AUTOINCREMENT"

    @property
    def double(self) -> str:
        return "DOUBLE PRECISION" if self.postgres else "REAL"

    def table_exists(self, name: str) -> bool:
        """Whether the table exists; a table seen within ``TABLE_SEEN_S`` is not asked about again."""
        now = time.monotonic()
        if now - self._tables_seen.get(name, -math.inf) < TABLE_SEEN_S:
            return True
        if self.postgres:
            r = self.one("SELECT to_regclass(CAST(? AS text))", (name,))
            found = r is not None and r[0] is not None
        else:
            found = self.one("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)) is not None
        if found:
            self._tables_seen[name] = now
        else:
            self._tables_seen.pop(name, None)
        return found

    def columns(self, table: str) -> list[str]:
        if self.postgres:
            return [r[0] for r in self.rows(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                "AND table_schema = current_schema() ORDER BY ordinal_position", (table,))]
        return [r[1] for r in self.rows(f"PRAGMA table_info({table})")]

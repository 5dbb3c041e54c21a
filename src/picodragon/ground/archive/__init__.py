"""The ground archive: raw frames, telemetry, events, commands, files and alarms.

``open_archive("postgresql://...")`` gives the PostgreSQL backend, anything else is an SQLite
file path. Both implement :class:`Archive` (schema and guarantees in ``base``).

Open and overwrite rules (a path is named by a user, so it is never trusted): an SQLite path is
opened, or replaced with ``reset=True``, only when nothing is there yet or what is there is an
SQLite database holding our tables (the archive's, or the web's user store). Any other file, a
folder, or a path whose folder is missing raises :class:`NotAnArchiveError` before anything is
written, and leaves the file as it was. New archive files are created owner-only (0600), and
SQLite gives its ``-wal`` and ``-shm`` files the database file's mode.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from picodragon.dictionary.definitions import Dictionary
from picodragon.ground.archive.base import (
    LATER_TABLES,
    SCHEMA,
    Archive,
    ArchiveError,
    FrameRecord,
    Reception,
    frame_id,
)

__all__ = [
    "Archive",
    "ArchiveError",
    "FrameRecord",
    "NotAnArchiveError",
    "Reception",
    "check_sqlite_path",
    "frame_id",
    "is_postgres_url",
    "open_archive",
]

DEFAULT_PATH = "picodragon.sqlite"
#: tables of ours: an SQLite file holding all the archive's (but those added since the first
#: archives were written), or the web's user store, is ours
ARCHIVE_TABLES = frozenset(SCHEMA) - LATER_TABLES
USER_STORE_TABLES = frozenset({"web_users"})


class NotAnArchiveError(ArchiveError):
    """The path names something that is not (and cannot become) one of our SQLite archives."""


def is_postgres_url(target: str) -> bool:
    """True for a PostgreSQL URL (the archive then lives in a server, not in a file)."""
    return target.startswith(("postgresql://", "postgres://"))


def _tables(path: Path) -> set[str]:
    """The table names of an existing SQLite file, read without writing anything beside it."""
    uri = path.resolve().as_uri()
    names: set[str] = set()
    for mode in ("?mode=ro&immutable=1", "?mode=ro"):  # immutable first: it creates no -shm
        try:
            conn = sqlite3.connect(uri + mode, uri=True)
            try:
                names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            finally:
                conn.close()
        except sqlite3.DatabaseError as exc:
            if "not a database" in str(exc):
                raise NotAnArchiveError(
                    f"{path} exists and is not an SQLite archive: refusing to touch it") from None
            raise NotAnArchiveError(f"{path} is not a readable SQLite database ({exc})") from None
        except sqlite3.Error as exc:
            raise NotAnArchiveError(f"{path} is not a readable SQLite database ({exc})") from None
        if names or not Path(str(path) + "-wal").exists():
            break  # with a WAL beside it, the tables may live only there: look again through it
    return names


def check_sqlite_path(path: str | Path, must_exist: bool = False) -> bool:
    """Check that an SQLite archive may be opened (or replaced) at ``path``; True if it exists.

    Raises :class:`NotAnArchiveError` with one line saying why when the path is empty, a
    folder, under a missing folder, unreadable, or an existing file that is not an SQLite
    database with our tables (read through SQLite: its header, then its table names), so a
    user's notes given by mistake are never replaced by an archive.
    """
    text = str(path)
    if not text.strip():
        raise NotAnArchiveError("the archive path is empty")
    target = Path(text)
    if target.is_dir():
        raise NotAnArchiveError(f"{text} is a folder, not an archive file")
    parent = target.parent
    if not parent.is_dir():
        raise NotAnArchiveError(f"cannot use {text}: folder {parent} does not exist")
    if not target.exists():
        if must_exist:
            raise NotAnArchiveError(f"archive not found: {text}")
        if not os.access(parent, os.W_OK):
            raise NotAnArchiveError(f"cannot create {text}: folder {parent} is not writable")
        return False
    if not target.is_file():
        raise NotAnArchiveError(f"{text} is not a regular file")
    if target.stat().st_size == 0:
        return True  # an empty file holds nothing to lose (e.g. a crash before the schema)
    if not os.access(target, os.R_OK):
        raise NotAnArchiveError(f"cannot read {text}: permission denied")
    # The header is read through SQLite, never with open()/close(): closing any descriptor of a
    # database file drops every POSIX lock this process holds on it, so a process that already
    # has the archive open (mission control's read pool, a station) would let another process
    # checkpoint under its readers, and they would see a "malformed" database (SQLite's
    # "How To Corrupt", section 2.2). SQLite's own connections share one descriptor per file.
    tables = _tables(target)
    if not (tables >= ARCHIVE_TABLES or tables >= USER_STORE_TABLES):
        raise NotAnArchiveError(
            f"{text} is an SQLite database without picodragon's tables: refusing to touch it")
    return True


def open_archive(
    url_or_path: str | Path | None = None,
    durable: bool = False,
    reset: bool = False,
    *,
    dictionary: Dictionary | None = None,
) -> Archive:
    """Open (creating if needed) an archive: PostgreSQL for a postgres URL, else SQLite.

    ``reset=True`` starts empty: the SQLite file and its WAL and shared-memory files are
    removed first (a stale WAL left by a crash must never meet a new database file), or the
    archive's tables are dropped from the PostgreSQL schema. Either way an existing SQLite
    file is touched only if :func:`check_sqlite_path` finds it is ours.

    ``dictionary`` (the mission's) creates its packets' tables and is remembered by the archive
    (:meth:`Archive.dictionary`); a packet whose archived fields it changed raises
    :class:`ArchiveError` (see ``base``). None (readers, old call sites) leaves the archive's
    dictionary as it is and creates packet tables as packets arrive.
    """
    target = str(url_or_path) if url_or_path else DEFAULT_PATH
    if is_postgres_url(target):
        from picodragon.ground.archive.postgres import PostgresArchive

        if reset:
            archive = PostgresArchive(target)
            archive.drop_tables()
            archive.close()
        return PostgresArchive(target, dictionary=dictionary)
    from picodragon.ground.archive.sqlite import SqliteArchive

    check_sqlite_path(target)
    if reset:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(target + suffix).unlink(missing_ok=True)
    return SqliteArchive(target, durable=durable, dictionary=dictionary)

"""The ground archive: raw frames, telemetry, events, commands, files and alarms.

``open_archive("postgresql://...")`` gives the PostgreSQL backend, anything else is an SQLite
file path. Both implement :class:`Archive` (schema and guarantees in ``base``).
"""

from __future__ import annotations

from pathlib import Path

from picodragon.ground.archive.base import (
    Archive,
    ArchiveError,
    FrameRecord,
    Reception,
    frame_id,
)

__all__ = ["Archive", "ArchiveError", "FrameRecord", "Reception", "frame_id", "open_archive"]

DEFAULT_PATH = "picodragon.sqlite"


def open_archive(
    url_or_path: str | Path | None = None, durable: bool = False, reset: bool = False
) -> Archive:
    """Open (creating if needed) an archive: PostgreSQL for a postgres URL, else SQLite.

    ``reset=True`` starts empty: the SQLite file and its WAL and shared-memory files are
    removed first (a stale WAL left by a crash must never meet a new database file), or the
    archive's tables are dropped from the PostgreSQL schema.
    """
    target = str(url_or_path) if url_or_path else DEFAULT_PATH
    if target.startswith(("postgresql://", "postgres://")):
        from picodragon.ground.archive.postgres import PostgresArchive

        archive = PostgresArchive(target)
        if reset:
            archive.drop_tables()
            archive.close()
            archive = PostgresArchive(target)
        return archive
    from picodragon.ground.archive.sqlite import SqliteArchive

    if reset:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(target + suffix).unlink(missing_ok=True)
    return SqliteArchive(target, durable=durable)

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


def open_archive(url_or_path: str | Path | None = None, durable: bool = False) -> Archive:
    """Open (creating if needed) an archive: PostgreSQL for a postgres URL, else SQLite."""
    target = str(url_or_path) if url_or_path else DEFAULT_PATH
    if target.startswith(("postgresql://", "postgres://")):
        from picodragon.ground.archive.postgres import PostgresArchive

        return PostgresArchive(target)
    from picodragon.ground.archive.sqlite import SqliteArchive

    return SqliteArchive(target, durable=durable)

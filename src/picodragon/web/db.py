"""The web's name for the archive's read pool (kept so scripts and tests that import it work).

The connections, and every statement mission control makes, live in ``picodragon.ground.archive``
(``pool``, ``reader``, ``rollups``, ``users``): the archive is the only door to ground data.
"""

from __future__ import annotations

from picodragon.ground.archive.pool import BUSY_TIMEOUT_MS, Database, is_postgres, sqlite_path

__all__ = ["BUSY_TIMEOUT_MS", "Database", "is_postgres", "sqlite_path"]

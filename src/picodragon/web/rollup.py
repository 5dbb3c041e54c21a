"""The web's name for the archive's telemetry rollups (``picodragon.ground.archive.rollups``),
kept so scripts and tests that import it work."""

from __future__ import annotations

from picodragon.ground.archive.rollups import (
    LEVELS,
    MAX_ROWS,
    RAW_SPAN_S,
    Rollups,
    Series,
    fold,
    quote,
)

__all__ = ["LEVELS", "MAX_ROWS", "RAW_SPAN_S", "Rollups", "Series", "fold", "quote"]

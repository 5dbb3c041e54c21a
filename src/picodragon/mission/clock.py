"""The mission's time at its edges: ISO 8601 UTC with a Z, from the shared vocabulary.

The runner keeps time as Unix seconds (float) so that every room agrees on one number; the
edges (files, the command line, reports) speak ISO 8601 UTC with a ``Z``. The formatter and the
parser belong to ``picodragon.astro.isotime`` (one owner for every room); they are re-exported
here because the command line and the reports have always imported them from this module. The
clock itself is the engine's (``mission.engine``): the unused ``MissionClock`` class that stood
here was a second one and is gone.
"""

from __future__ import annotations

from picodragon.astro.isotime import iso_z, parse_utc

__all__ = ["iso_z", "parse_utc"]

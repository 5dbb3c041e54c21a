"""The web's names for the archive's reads (kept so scripts and tests that import them work).

Every query mission control makes is the archive's (``picodragon.ground.archive.reader``);
a point's dictionary information is ``picodragon.web.points``.
"""

from __future__ import annotations

from picodragon.ground.archive.reader import Catalog, QueryError, Reader, finite
from picodragon.web.points import point_info

#: the archive's reader under the name the web gave it first
Queries = Reader

__all__ = ["Catalog", "Queries", "QueryError", "finite", "point_info"]

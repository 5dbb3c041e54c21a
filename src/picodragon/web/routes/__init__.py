"""Mission control's routers, one module per resource, in the order the application mounts
them: pages (HTML, login forms, map), access, status, telemetry, orbit, console, events, commanding,
images, frames, procedures. What they share (roles, parsing, JSON helpers) is ``common``."""

from __future__ import annotations

from picodragon.web.routes import (
           access,
           commanding,
           console,
           events,
           frames,
           images,
           orbit,
           pages,
           procedures,
           status,
           telemetry,
)

ROUTERS = [pages.router, access.router, status.router, telemetry.router, orbit.router, console.router,
           events.router, commanding.router, images.router, frames.router, procedures.router]

__all__ = ["ROUTERS"]

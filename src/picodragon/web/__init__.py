"""Mission control in the browser: ``picodragon serve``.

``create_app(db)`` builds the FastAPI application over an archive; ``serve(db, host, port)``
runs it with uvicorn; ``auth.create_user(db, name, password, role)`` adds a user without a
server. Everything the browser loads is served from this package: no CDN, no tile server.
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app", "serve"]


def create_app(db: str, **options: Any):
    """The FastAPI application (see :func:`picodragon.web.app.create_app`)."""
    from picodragon.web.app import create_app as _create_app

    return _create_app(db, **options)


def serve(db: str, host: str = "127.0.0.1", port: int = 8000, **options: Any) -> None:
    """Run mission control until interrupted (Ctrl-C)."""
    import uvicorn

    app = create_app(db, **options)
    uvicorn.run(app, host=host, port=port, log_level="info", timeout_graceful_shutdown=3,
                proxy_headers=False)

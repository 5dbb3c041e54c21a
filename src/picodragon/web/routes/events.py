"""The events API: on-board and ground events searched and paged, alarm transitions, and their
acknowledgement by an operator (audited)."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Query
from fastapi import Path as PathParam
from pydantic import BaseModel, ConfigDict, Field

from picodragon.web import auth
from picodragon.web.auth import Session
from picodragon.web.control import iso_z
from picodragon.web.routes.common import MC, IsoTime, operator, parse_time, viewer

router = APIRouter(tags=["events"])


class AckBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    comment: str = Field("", max_length=500)


@router.get("/api/events")
def api_events(mc: MC, q: Annotated[str, Query(max_length=100)] = "",
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


@router.get("/api/alarms")
def api_alarms(mc: MC, active: bool = False, limit: Annotated[int, Query(ge=1, le=1000)] = 200,
               session: Session = viewer) -> list[dict[str, Any]]:
    """Alarm transitions newest first (``active=true``: the points in alarm now)."""
    out = mc.queries.alarms(active_only=active, limit=limit)
    for a in out:
        a["time"] = iso_z(a["unix_s"])
    return out


@router.post("/api/alarms/{alarm_id}/ack")
def api_ack(alarm_id: Annotated[int, PathParam(ge=0, le=2**62)], mc: MC,
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

"""The status API: the spacecraft's mode, last contact, housekeeping with limit states, active
alarms and the next passes, once (``/api/status``) or pushed as the archive changes
(``/api/live``, server-sent events)."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from picodragon.web.auth import Session
from picodragon.web.control import MissionControl, iso_z
from picodragon.web.points import field_of, limit_state
from picodragon.web.routes.common import MC, viewer

router = APIRouter(tags=["status"])


def status(mc: MissionControl) -> dict[str, Any]:
    """The status document; housekeeping limits and mode names from the mission's dictionary."""
    now, clock = mc.mission_now()
    hk = mc.queries.latest("HOUSEKEEPING")
    values = hk["values"] if hk else {}
    mode = values.get("mode")
    contact = mc.queries.last_contact()
    by_station: dict[str, list] = {}
    for p in mc.next_passes(now):
        lst = by_station.setdefault(p["station"], [])
        if len(lst) < 3:
            p["countdown_s"] = round(p["aos_unix_s"] - now, 1)
            p["in_progress"] = p["aos_unix_s"] <= now <= p["los_unix_s"]
            lst.append(p)
    alarms = mc.queries.alarms(active_only=True, limit=50)
    for a in alarms:
        a["time"] = iso_z(a["unix_s"])
    limits_state = {k: limit_state(v, field_of(f"HOUSEKEEPING.{k}", mc.dictionary)) for k, v in values.items()}
    modes = mc.dictionary.modes
    return {
        "now": iso_z(now), "now_unix_s": now, "clock": clock,
        "spacecraft": mc.scenario.spacecraft.name if mc.scenario else None,
        "mode": None if mode is None else {"value": int(mode), "name": modes.get(int(mode), str(mode))},
        "housekeeping": None if hk is None else {"time": iso_z(hk["unix_s"]), "unix_s": hk["unix_s"],
                                                 "values": values, "limits": limits_state},
        "last_contact": None if contact is None else {**contact, "time": iso_z(contact["unix_s"]),
                                                      "age_s": round(now - contact["unix_s"], 1)},
        "active_alarms": alarms,
        "next_passes": by_station,
        "stations": [s.name for s in mc.stations()],
    }


@router.get("/api/status")
def api_status(mc: MC, session: Session = viewer) -> dict[str, Any]:
    """Mode, last contact, battery, temperatures, active alarms and the next passes."""
    return status(mc)


@router.get("/api/live", response_class=StreamingResponse)
async def api_live(request: Request, mc: MC, session: Session = viewer,
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
                data = await run_in_threadpool(status, mc)
                yield f"event: status\ndata: {json.dumps(data, default=str)}\n\n"
                beat = time.monotonic()
            elif time.monotonic() - beat > 15:
                yield ": keep-alive\n\n"
                beat = time.monotonic()
            await asyncio.sleep(mc.live_interval_s)

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

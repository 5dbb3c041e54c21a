"""The telemetry API: the mission's dictionary as the pages need it, the archived points, and
charts of points over a span (JSON or CSV), downsampled on the server."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import PlainTextResponse, Response

from picodragon.web.auth import Session
from picodragon.web.commanding import form_spec
from picodragon.web.control import MissionControl, iso_z
from picodragon.web.points import point_info
from picodragon.web.routes.common import (
    MAX_POINTS,
    MC,
    IsoTime,
    PointList,
    check_point_names,
    parse_time,
    viewer,
)

router = APIRouter(tags=["telemetry"])


@router.get("/api/dictionary")
def api_dictionary(mc: MC, session: Session = viewer) -> dict[str, Any]:
    """Telemetry points (units, limits), commands (argument types and ranges), events."""
    d = mc.dictionary
    return {
        "packets": [{"name": p.name, "apid": p.apid, "description": p.description,
                     "points": [point_info(f"{p.name}.{f.name}", d) for f in p.fields]}
                    for p in d.telemetry],
        "commands": form_spec(d),
        "events": [{"name": e.name, "id": e.event_id, "severity": e.severity.name, "template": e.template}
                   for e in d.events],
    }


@router.get("/api/points")
def api_points(mc: MC, session: Session = viewer) -> list[dict[str, Any]]:
    """Telemetry points present in the archive."""
    return [point_info(name, mc.dictionary) for name in mc.queries.point_names()]


def series(mc: MissionControl, points: list[str], start: str | None, end: str | None,
           max_points: int) -> dict[str, Any]:
    """Points over [start, end] (default: the six hours up to the last telemetry)."""
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
        out.append({**point_info(p, mc.dictionary), **s.to_json()})
    return {"start": iso_z(t0), "end": iso_z(t1), "start_unix_s": t0, "end_unix_s": t1, "series": out}


@router.get("/api/telemetry")
def api_telemetry(point: PointList, mc: MC, start: IsoTime = None, end: IsoTime = None,
                  max_points: Annotated[int, Query(ge=10, le=MAX_POINTS)] = 1000,
                  session: Session = viewer) -> dict[str, Any]:
    """Points over a span, downsampled on the server to ``max_points`` (min, max and mean kept)."""
    check_point_names(point)
    return series(mc, point, start, end, max_points)


def _csv(x: Any) -> str:
    return "" if x is None else repr(float(x))


@router.get("/api/telemetry.csv", response_class=PlainTextResponse)
def api_telemetry_csv(point: PointList, mc: MC, start: IsoTime = None, end: IsoTime = None,
                      max_points: Annotated[int, Query(ge=10, le=MAX_POINTS)] = 1000,
                      session: Session = viewer) -> Response:
    """The same data as ``/api/telemetry``, as CSV (what the chart shows)."""
    check_point_names(point)
    data = series(mc, point, start, end, max_points)
    lines = ["time_utc,point,mean,min,max,bucket_s"]
    for s in data["series"]:
        for t, m, lo, hi in zip(s["t"], s["mean"], s["min"], s["max"], strict=True):
            lines.append(f"{iso_z(t)},{s['point']},{_csv(m)},{_csv(lo)},{_csv(hi)},{s['level_s']}")
    return Response("\n".join(lines) + "\n", media_type="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="telemetry.csv"'})

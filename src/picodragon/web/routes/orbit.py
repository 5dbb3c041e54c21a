"""The orbit API: the ground track with station footprints, and the predicted passes with the
plan of which released command goes up at which pass (all from the ground's element set)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query

from picodragon.ground.elementsets import AGE_WARNING_DAYS, age_days, age_line, is_stale
from picodragon.web.auth import Session
from picodragon.web.control import iso_z, passes_from
from picodragon.web.routes.common import MC, IsoTime, parse_time, rounded, viewer

router = APIRouter(tags=["orbit"])


@router.get("/api/track")
def api_track(mc: MC, start: IsoTime = None, end: IsoTime = None,
              step_s: Annotated[float, Query(ge=5, le=3600)] = 30.0,
              session: Session = viewer) -> dict[str, Any]:
    """Ground track over a span (default: the last and next orbit), stations and footprints,
    and the day/night terminator at the mission's now; the element set's age, and ``stale`` past
    the ground's warning threshold (:mod:`picodragon.ground.elementsets`)."""
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
                        "age_days": round(age_days(es, now), 2), "stale": is_stale(es, now),
                        "warning_days": AGE_WARNING_DAYS, "note": age_line(es, now)},
        "track": {"longitude_deg": lon, "latitude_deg": lat},
        "spacecraft": {"latitude_deg": rounded(here["latitude_deg"][0]),
                       "longitude_deg": rounded(here["longitude_deg"][0]), "altitude_km": rounded(alt)},
        "stations": stations,
        "daylight": track.terminator(now),
    }


@router.get("/api/passes")
def api_passes(mc: MC, start: IsoTime = None, days: Annotated[float, Query(gt=0, le=14)] = 2.0,
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

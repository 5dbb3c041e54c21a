"""The frames API: every frame as it arrived, for mission control's Frames page and for export.

One row per reception (time, station, the frequency the radio was tuned to, the AX.25 source
and destination read from the frame's own bytes, and the outcome: the packet it decoded to or
the reason the ground rejected it), newest first, filterable by station, time span and outcome;
one frame in full (hex dump, every reception, the decoded fields, the events it carried); and the
same list as CSV. What Yamcs's packet viewer and SatNOGS's data view show, over this archive.
"""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query
from fastapi import Path as PathParam
from fastapi.responses import Response

from picodragon.link import ax25
from picodragon.web.auth import Session
from picodragon.web.commanding import utc_epoch
from picodragon.web.control import MissionControl, iso_z
from picodragon.web.routes.common import MC, IsoTime, id63, parse_time, rounded, viewer

router = APIRouter(tags=["frames"])

#: the most rows one CSV export may hold
MAX_CSV_ROWS = 50_000
Outcome = Annotated[Literal["all", "decoded", "rejected"], Query(description="all, decoded or rejected frames")]
Station = Annotated[str, Query(max_length=64, description="only the frames this station heard")]


def addresses(raw: bytes) -> tuple[str | None, str | None]:
    """(source, destination) of an AX.25 frame as ``CALL-SSID``, or (None, None) when its
    address field does not parse (a lenient read: a rejected frame's addresses still help)."""
    frame = ax25.decode(raw, strict=False)
    if isinstance(frame, ax25.Frame):
        return str(frame.source), str(frame.destination)
    return None, None


def hex_dump(raw: bytes, width: int = 16) -> list[str]:
    """The classic dump: offset, ``width`` octets in hex, their printable ASCII (``.`` otherwise)."""
    lines = []
    for at in range(0, len(raw), width):
        chunk = raw[at:at + width]
        text = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        lines.append(f"{at:04x}  {chunk.hex(' '):<{width * 3 - 1}}  {text}")
    return lines


def frame_row(f: dict[str, Any]) -> dict[str, Any]:
    """A reception from the archive as the API gives it (ids as strings: they exceed 2**53)."""
    source, destination = addresses(f["raw"])
    hz = f["frequency_hz"]
    return {
        "id": str(f["id"]), "time": iso_z(f["unix_s"]), "unix_s": f["unix_s"], "station": f["station"],
        "frequency_mhz": None if hz is None else rounded(hz / 1e6), "source": source,
        "destination": destination, "length": len(f["raw"]),
        "outcome": "rejected" if f["rejection"] is not None else "decoded",
        "packet": f["packet"], "rejection": f["rejection"],
    }


def _filters(station: str, start: str | None, end: str | None) -> tuple[str, float, float]:
    t0 = parse_time(start, "start")
    t1 = parse_time(end, "end")
    if t0 is not None and t1 is not None and t1 < t0:
        raise HTTPException(422, "end must not be before start")
    return station, -1e300 if t0 is None else t0, 1e300 if t1 is None else t1


@router.get("/api/frames")
def api_frames(mc: MC, station: Station = "", start: IsoTime = None, end: IsoTime = None, outcome: Outcome = "all",
               limit: Annotated[int, Query(ge=1, le=1000)] = 100,
               offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
               session: Session = viewer) -> dict[str, Any]:
    """Frames as they arrived, newest first, with the total matching the filters (for paging)
    and the stations that heard any (for the filter)."""
    st, t0, t1 = _filters(station, start, end)
    found = mc.queries.frames(st, t0, t1, outcome, limit, offset)
    return {"total": found["total"], "offset": offset, "frames": [frame_row(f) for f in found["frames"]],
            "stations": mc.queries.frame_stations()}


@router.get("/api/frames.csv", response_class=Response)
def api_frames_csv(mc: MC, station: Station = "", start: IsoTime = None, end: IsoTime = None,
                   outcome: Outcome = "all", limit: Annotated[int, Query(ge=1, le=MAX_CSV_ROWS)] = 10_000,
                   session: Session = viewer) -> Response:
    """The same list as CSV (newest first), with each frame's bytes in hex."""
    st, t0, t1 = _filters(station, start, end)
    found = mc.queries.frames(st, t0, t1, outcome, limit, 0)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["time", "station", "frequency_mhz", "source", "destination", "outcome", "packet", "rejection",
                "frame_id", "length", "hex"])
    for f in found["frames"]:
        r = frame_row(f)
        w.writerow([r["time"], r["station"], r["frequency_mhz"], r["source"], r["destination"], r["outcome"],
                    r["packet"], r["rejection"], r["id"], r["length"], f["raw"].hex()])
    return Response(buf.getvalue(), media_type="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="frames.csv"'})


def frame_detail(mc: MissionControl, frame_id: int) -> dict[str, Any]:
    """One frame in full: bytes as hex and as a dump, receptions, decoded packets, events."""
    f = mc.queries.frame(frame_id)
    if f is None:
        raise HTTPException(404, f"no frame {frame_id}")
    source, destination = addresses(f["raw"])
    return {
        "id": str(f["id"]), "length": len(f["raw"]), "hex": f["raw"].hex(), "dump": hex_dump(f["raw"]),
        "source": source, "destination": destination, "rejection": f["rejection"],
        "outcome": "rejected" if f["rejection"] is not None else "decoded",
        "receptions": [{"station": r["station"], "time": iso_z(r["unix_s"]),
                        "frequency_mhz": None if r["frequency_hz"] is None else rounded(r["frequency_hz"] / 1e6)}
                       for r in f["receptions"]],
        "packets": [{"name": p["name"], "time": iso_z(p["unix_s"]), "fields": p["fields"],
                     "fields_utc": utc_fields(mc, p["name"], p["fields"])} for p in f["packets"]],
        "events": [{**e, "time": iso_z(e["unix_s"])} for e in f["events"]],
    }


def utc_fields(mc: MissionControl, packet: str, values: dict[str, Any]) -> dict[str, str]:
    """The fields of a decoded packet that are UTC times (``commanding.utc_epoch``: unit s with
    the 2000 offset, so already Unix seconds), as ISO 8601, so no page shows them as raw seconds."""
    if not mc.dictionary.has_packet(packet):
        return {}
    out: dict[str, str] = {}
    for field in mc.dictionary.packet(packet).fields:
        epoch, value = utc_epoch(field), values.get(field.name)
        if epoch is not None and value is not None and (value or not epoch):
            iso = iso_z(epoch + value)
            if iso is not None:
                out[field.name] = iso
    return out


@router.get("/api/frames/{frame_id}")
def api_frame(frame_id: Annotated[str, PathParam(max_length=19)], mc: MC,
              session: Session = viewer) -> dict[str, Any]:
    """One frame by its id: the hex dump, who heard it when, and what it decoded to (or why not)."""
    return frame_detail(mc, id63(frame_id, "frame id"))

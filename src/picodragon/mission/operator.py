"""The operations team of a run: images of Vietnam in daylight, their download, the flow of data.

The operator stands where a mission's operators stand: it knows only what the ground received
(frames through the channel), the element sets the catalogue publishes and public ephemerides.
Each pass it

1. waits until the spacecraft is heard (contact), then keeps the contact alive (the flight
   software sends file chunks only while it hears the ground: a NOOP when nothing else is due);
2. books the next imaging opportunity: the moment in the coming day when the sub-satellite
   point lies over Vietnam with the Sun at least ``MIN_SUN_ELEVATION_DEG`` above the horizon
   there, as a time-tagged CAPTURE_IMAGE (one image a day at most, and only when the
   previous one is down);
3. asks for the events logged out of view (DUMP_EVENTS) and, once a booked capture has happened,
   for the file directory (LIST_FILES); starts the download of each new image (DOWNLINK_FILE)
   and, in later passes, asks again for the chunks it still lacks (REQUEST_CHUNKS);
4. reassembles files and accepts one only when its CRC-32 matches the directory's, then frees
   the on-board flash (DELETE_FILE).

Every command is signed with the run's key; its life (sent, accepted, scheduled, completed,
failed, rejected) is followed through the spacecraft's COMMAND_RESPONSE packets. A command with
no answer within ``ACK_TIMEOUT_S`` while in view is sent again, with a new counter, up to
``MAX_TRIES`` times.

Vietnam is taken as the box 8.5 to 23.4 N, 102.1 to 109.5 E (its mainland extent).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from picodragon.dictionary.files import FileChunk, decode_downlink, missing_chunk_requests
from picodragon.dictionary.packets import EPOCH_2000_UNIX, TelemetryPacket
from picodragon.dictionary.telecommand import encode_telecommand
from picodragon.elements import ElementSet
from picodragon.link import ax25
from picodragon.link.auth import CommandSigner

VIETNAM_LAT = (8.5, 23.4)
VIETNAM_LON = (102.1, 109.5)
MIN_SUN_ELEVATION_DEG = 20.0
ACK_TIMEOUT_S = 30.0
MAX_TRIES = 3
KEEPALIVE_S = 60.0
GROUND_CALLSIGN = "VNSC"
STAGES = {0: "ACCEPTED", 1: "COMPLETED", 2: "FAILED", 3: "REJECTED", 4: "SCHEDULED"}


@dataclass
class CommandRecord:
    """One command's life as the ground sees it (append-only stages with their times)."""

    name: str
    arguments: dict[str, float]
    station: str
    counters: list[int] = field(default_factory=list)
    stages: list[tuple[str, float]] = field(default_factory=list)

    @property
    def stage(self) -> str:
        return self.stages[-1][0] if self.stages else "QUEUED"

    @property
    def done(self) -> bool:
        return self.stage in ("COMPLETED", "FAILED", "REJECTED")


@dataclass
class DownlinkFile:
    """A file as the ground knows it: its directory entry and the chunks received."""

    file_id: int
    kind: int
    size_bytes: int
    crc32: int
    chunk_size: int
    chunk_count: int
    created_unix: float
    latitude_deg: float
    longitude_deg: float
    chunks: dict[int, bytes] = field(default_factory=dict)
    requested: bool = False
    valid: bool | None = None
    path: str | None = None

    @property
    def missing(self) -> list[int]:
        return [n for n in range(self.chunk_count) if n not in self.chunks]

    def assemble(self, partial: bool = False) -> bytes:
        """The file's bytes; missing chunks are zeros when ``partial``."""
        return b"".join(self.chunks.get(n, bytes(self._length(n)) if partial else b"")
                        for n in range(self.chunk_count))

    def _length(self, n: int) -> int:
        return min(self.chunk_size, self.size_bytes - n * self.chunk_size)


def imaging_opportunity(element_set: ElementSet, start_unix: float, span_s: float = 86400.0,
                        step_s: float = 20.0) -> float | None:
    """The best moment to image Vietnam in daylight within the span: None if there is none.

    Best: the sub-satellite point inside the box with the highest Sun elevation there.
    """
    from picodragon.physics.orbit import geodetic, sgp4_ecef

    times = start_unix + np.arange(0.0, span_s, step_s)
    r_ecef, _ = sgp4_ecef(element_set.satrec, times)
    lat_deg, lon_deg, _ = geodetic(r_ecef)
    inside = ((VIETNAM_LAT[0] <= lat_deg) & (lat_deg <= VIETNAM_LAT[1])
              & (VIETNAM_LON[0] <= lon_deg) & (lon_deg <= VIETNAM_LON[1]))
    if not inside.any():
        return None
    idx = np.flatnonzero(inside)
    elevation = _sun_elevation_deg(times[idx], lat_deg[idx], lon_deg[idx])
    best = int(np.argmax(elevation))
    if elevation[best] < MIN_SUN_ELEVATION_DEG:
        return None
    return float(times[idx[best]])


def _sun_elevation_deg(unix_s: np.ndarray, lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
    """Solar elevation from the Astronomical Almanac's low-precision Sun (about 0.01 deg)."""
    d = unix_s / 86400.0 + 2440587.5 - 2451545.0
    g = np.radians((357.529 + 0.98560028 * d) % 360)
    q = (280.459 + 0.98564736 * d) % 360
    ecl_lon = np.radians(q + 1.915 * np.sin(g) + 0.020 * np.sin(2 * g))
    eps = np.radians(23.439 - 0.00000036 * d)
    ra = np.arctan2(np.cos(eps) * np.sin(ecl_lon), np.cos(ecl_lon))
    dec = np.arcsin(np.sin(eps) * np.sin(ecl_lon))
    gmst = np.radians((280.46061837 + 360.98564736629 * d) % 360)
    hour_angle = gmst + np.radians(lon_deg) - ra
    lat = np.radians(lat_deg)
    return np.degrees(np.arcsin(np.sin(lat) * np.sin(dec) + np.cos(lat) * np.cos(dec) * np.cos(hour_angle)))


class Operator:
    """See the module docstring. ``act`` is called as time passes; ``heard`` for every frame."""

    def __init__(self, callsign: str, ssid: int, key: bytes, image_folder: Path | None = None,
                 max_images: int | None = None) -> None:
        self.spacecraft = ax25.Address(callsign, ssid)
        self.ground = ax25.Address(GROUND_CALLSIGN, 0)
        self.signer = CommandSigner(key)
        self.image_folder = image_folder
        self.max_images = max_images
        self.element_set: ElementSet | None = None
        self.commands: list[CommandRecord] = []
        self._by_counter: dict[int, CommandRecord] = {}
        self.files: dict[int, DownlinkFile] = {}
        self.captures_booked: list[float] = []
        self.capture_completed = 0
        self.images_received = 0
        self._contact_station: str | None = None
        self._last_heard = -np.inf
        self._last_sent = -np.inf
        self._last_event_time = EPOCH_2000_UNIX
        self._listed_after: float = -np.inf
        self._to_delete: list[int] = []
        self._pass_start: float | None = None
        self._pass_done: set[str] = set()
        self._queue: list[tuple[str, dict[str, float], CommandRecord | None]] = []
        self._opportunity: float | None = None
        self._opportunity_checked_for: str | None = None

    # --- what the ground hears -----------------------------------------------------------------
    def heard(self, station: str, unix_s: float, frame: bytes) -> None:
        decoded = ax25.decode(frame)
        if not isinstance(decoded, ax25.Frame) or decoded.source.callsign != self.spacecraft.callsign:
            return
        self._last_heard = unix_s
        self._contact_station = station
        packet = decode_downlink(decoded.info)
        if isinstance(packet, FileChunk):
            self._chunk(packet)
        elif isinstance(packet, TelemetryPacket):
            if packet.name == "COMMAND_RESPONSE":
                self._response(packet, unix_s)
            elif packet.name == "FILE_ENTRY":
                self._entry(packet)
            elif packet.name == "EVENT_REPORT":
                self._last_event_time = max(self._last_event_time, packet.unix_s)

    def _response(self, packet: TelemetryPacket, unix_s: float) -> None:
        rec = self._by_counter.get(int(packet.values["counter"]))
        if rec is None:
            return
        stage = STAGES.get(int(packet.values["stage"]), "UNKNOWN")
        if rec.done or (rec.stages and rec.stages[-1][0] == stage):
            return
        rec.stages.append((stage, unix_s))
        if rec.name == "CAPTURE_IMAGE" and stage == "COMPLETED":
            self.capture_completed += 1

    def _entry(self, packet: TelemetryPacket) -> None:
        v = packet.values
        file_id = int(v["file_id"])
        if file_id in self.files or int(v["kind"]) != 1 or int(v["valid"]) != 1:
            return  # known already, not an image, or corrupt on board (never fetched as valid)
        self.files[file_id] = DownlinkFile(
            file_id, int(v["kind"]), int(v["size_bytes"]), int(v["crc32"]), int(v["chunk_size"]),
            int(v["chunk_count"]), float(v["created_unix"]), float(v["latitude_deg"]),
            float(v["longitude_deg"]))

    def _chunk(self, chunk: FileChunk) -> None:
        f = self.files.get(chunk.file_id)
        if f is None or f.valid or chunk.chunk_count != f.chunk_count:
            return
        f.chunks[chunk.chunk] = chunk.data
        if not f.missing:
            data = f.assemble()
            f.valid = (zlib.crc32(data) & 0xFFFFFFFF) == f.crc32 and len(data) == f.size_bytes
            if f.valid:
                self.images_received += 1
                self._to_delete.append(f.file_id)  # down and checked: free the flash
                if self.image_folder is not None:
                    self.image_folder.mkdir(parents=True, exist_ok=True)
                    path = self.image_folder / f"image-{f.file_id:04d}.jpg"
                    path.write_bytes(data)
                    f.path = str(path)
            else:
                f.chunks.clear()  # a chunk was corrupted past the FCS: fetch it all again

    # --- what the ground does ------------------------------------------------------------------
    def act(self, unix_s: float, in_view: list[str]) -> list[tuple[str, bytes]]:
        """Frames to uplink now, each with the station that sends it."""
        if not in_view:
            if self._pass_start is not None:
                self._pass_start = None
                self._pass_done.clear()
            return []
        if self._pass_start is None:
            self._pass_start = unix_s
        heard_now = unix_s - self._last_heard < 90.0 and self._contact_station in in_view
        if not heard_now:
            return []
        station = self._contact_station
        self._plan_pass(unix_s)
        out: list[tuple[str, bytes]] = []
        self._retry_unanswered(unix_s)
        for _ in range(3):
            if not self._queue:
                break
            name, args, record = self._queue.pop(0)
            out.append((station, self._send(name, args, station, unix_s, record)))
        if not out and unix_s - self._last_sent >= KEEPALIVE_S:
            out.append((station, self._send("NOOP", {}, station, unix_s)))
        return out

    def _plan_pass(self, unix_s: float) -> None:
        if "events" not in self._pass_done:
            self._pass_done.add("events")
            since = max(round(self._last_event_time - EPOCH_2000_UNIX) + 1, 0)
            self._queue.append(("DUMP_EVENTS", {"since": since, "max_packets": 40}, None))
        if "capture" not in self._pass_done:
            self._pass_done.add("capture")
            self._book_capture(unix_s)
        if "list" not in self._pass_done and self._unlisted_capture(unix_s):
            self._pass_done.add("list")
            self._listed_after = unix_s
            self._queue.append(("LIST_FILES", {}, None))
        for file_id in self._to_delete:
            self._queue.append(("DELETE_FILE", {"file_id": file_id}, None))
        self._to_delete.clear()
        for f in self._pending_files():
            key = f"file{f.file_id}"
            if key in self._pass_done:
                continue
            self._pass_done.add(key)
            if not f.requested:
                f.requested = True
                self._queue.append(("DOWNLINK_FILE", {"file_id": f.file_id}, None))
            else:
                for request in missing_chunk_requests(f.file_id, f.missing)[:4]:
                    self._queue.append(("REQUEST_CHUNKS", request, None))

    def _unlisted_capture(self, unix_s: float) -> bool:
        """A booked capture has happened since the directory was last listed."""
        return any(self._listed_after < t < unix_s for t in self.captures_booked)

    def _pending_files(self) -> list[DownlinkFile]:
        return [f for f in self.files.values() if not f.valid]

    def _book_capture(self, unix_s: float) -> None:
        if self.element_set is None:
            return
        if self.max_images is not None and len(self.captures_booked) >= self.max_images:
            return
        if self._pending_files() or self._unlisted_capture(unix_s) or any(t > unix_s for t in self.captures_booked):
            return  # one image in the pipeline at a time: the downlink is 1200 bit/s
        if self.captures_booked and unix_s - self.captures_booked[-1] < 86400.0 - 7200.0:
            return
        if self._opportunity_checked_for != self.element_set.line1:
            self._opportunity_checked_for = self.element_set.line1
            self._opportunity = imaging_opportunity(self.element_set, unix_s + 600.0)
        when = self._opportunity
        if when is None or when <= unix_s + 300.0:
            return
        self.captures_booked.append(when)
        self._opportunity = None
        self._queue.append(("CAPTURE_IMAGE", {"at_time": round(when - EPOCH_2000_UNIX)}, None))

    def _send(self, name: str, args: dict[str, float], station: str, unix_s: float,
              record: CommandRecord | None = None) -> bytes:
        info = encode_telecommand(name, args, self.signer)
        counter = self.signer.counter
        if record is None:
            record = CommandRecord(name, dict(args), station)
            self.commands.append(record)
        record.counters.append(counter)
        record.stages.append(("SENT", unix_s))
        self._by_counter[counter] = record
        self._last_sent = unix_s
        frame = ax25.Frame(destination=self.spacecraft, source=self.ground, info=info)
        return ax25.encode(frame)

    def _retry_unanswered(self, unix_s: float) -> None:
        for rec in self.commands[-20:]:
            if rec.stage != "SENT" or unix_s - rec.stages[-1][1] < ACK_TIMEOUT_S or rec.name == "NOOP":
                continue
            if len(rec.counters) >= MAX_TRIES:
                rec.stages.append(("TIMEOUT", unix_s))
                continue
            rec.stages.append(("RETRY", unix_s))
            self._queue.insert(0, (rec.name, rec.arguments, rec))

    # --- results -------------------------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        executed = sum(1 for c in self.commands if c.stage == "COMPLETED")
        return {
            "commands_sent": len(self.commands),
            "commands_executed": executed,
            "images_received": self.images_received,
            "captures_booked": len(self.captures_booked),
            "captures_completed": self.capture_completed,
        }

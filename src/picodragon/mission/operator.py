"""The operations team of a run: images of the mission's targets in daylight, their download, the flow of data.

The operator stands where a mission's operators stand: it knows only what the ground received
(frames through the channel), the element sets the catalogue publishes and public ephemerides.
Each pass it

1. waits until the spacecraft is heard (contact), then keeps the contact alive (the flight
   software sends file chunks only while it hears the ground: a NOOP when nothing else is due);
2. books the next imaging opportunity: the moment in the coming day when the sub-satellite
   point lies over one of the mission's targets (``[[targets]]`` of the scenario: a circle or a
   box, each with its lowest Sun elevation) with the Sun highest there, as a time-tagged
   CAPTURE_IMAGE (one image a day at most, and only when the
   previous one is down);
3. asks for the events logged out of view (DUMP_EVENTS) and, when no image is coming down, for
   the housekeeping sampled out of view (DUMP_HOUSEKEEPING); once a booked capture has happened,
   for the file directory (LIST_FILES); starts the download of each new image (DOWNLINK_FILE)
   and, in later passes, asks again for the chunks it still lacks (REQUEST_CHUNKS);
4. reassembles files and accepts one only when its CRC-32 matches the directory's, then frees
   the on-board flash (DELETE_FILE).

The tools are the ground segment's own, as a real station uses them: the command queue
(``ground.commanding``: signed, released, sent, acknowledged, completed or failed, timed out as
its own outcome), the file assembler (``ground.files``) and the alarm monitor
(``ground.alarms``), all writing to the archive, so mission control shows a run as it would
show real operations. A command that timed out is queued again (a new counter) up to
``MAX_TRIES`` times.

The targets and the ground's callsign are the mission's (the runner passes the scenario's
``targets`` and the radio's ``ground_callsign``); the operator has none of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from picodragon.astro.frames import teme_to_itrs
from picodragon.astro.sun import sun_elevation_deg
from picodragon.astro.timescales import unix_to_jd
from picodragon.astro.wgs84 import geodetic
from picodragon.config.models import Target
from picodragon.dictionary.definitions import Dictionary
from picodragon.dictionary.packets import EPOCH_2000_UNIX
from picodragon.elements import ElementSet
from picodragon.link import ax25

ACK_TIMEOUT_S = 30.0
COMPLETION_TIMEOUT_S = 86400.0
"""a time-tagged command completes out of view; its completion comes down with the event dump
of a later pass, within a day of passes"""
MAX_TRIES = 3
KEEPALIVE_S = 60.0
HK_DUMP_PACKETS = 60
"""housekeeping packets asked for a pass (about 30 s of downlink): the oldest since the previous
contact first, so an hour of one-minute samples between passes comes down whole"""
EARTH_MEAN_RADIUS_KM = 6371.0


def over_target(target: Target, lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
    """Which sub-satellite points lie over the target (its box, or within its radius: haversine
    on the mean sphere, 0.3 % of the distance at most from the ellipsoid's)."""
    if target.box_deg is not None:
        lat0, lat1, lon0, lon1 = target.box_deg
        return (lat0 <= lat_deg) & (lat_deg <= lat1) & (lon0 <= lon_deg) & (lon_deg <= lon1)
    p1, p2 = np.radians(lat_deg), np.radians(target.latitude_deg)
    dlon = np.radians(lon_deg - target.longitude_deg)
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    distance_km = 2 * EARTH_MEAN_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    return distance_km <= target.radius_km


def imaging_opportunity(element_set: ElementSet, start_unix: float, span_s: float = 86400.0,
                        step_s: float = 20.0, *,
                        targets: Sequence[Target]) -> float | None:
    """The best moment to image one of ``targets`` (the mission's, ``scenario.targets``) in
    daylight within the span: None if there is none (or no targets).

    Best: the sub-satellite point over a target with the highest Sun elevation there, at least
    that target's ``min_sun_elevation_deg``. The
    geometry (SGP4 from the published element set, GMST at UT1, WGS-84, the almanac Sun) is the
    shared vocabulary's, ``picodragon.astro``: an operator needs no twin for it.
    """
    times = start_unix + np.arange(0.0, span_s, step_s)
    jd, fr = unix_to_jd(times)
    err, r_teme, _ = element_set.satrec.sgp4_array(jd, fr)
    r_teme = np.where((np.asarray(err) != 0)[:, None], np.nan, np.asarray(r_teme) * 1e3)
    r_ecef, _ = teme_to_itrs(r_teme, None, times)
    lat_deg, lon_deg, _ = geodetic(r_ecef)
    best_time, best_elevation = None, -np.inf
    for target in targets:
        idx = np.flatnonzero(over_target(target, lat_deg, lon_deg))
        if not len(idx):
            continue
        elevation = sun_elevation_deg(times[idx], lat_deg[idx], lon_deg[idx])
        k = int(np.argmax(elevation))
        if elevation[k] >= target.min_sun_elevation_deg and elevation[k] > best_elevation:
            best_time, best_elevation = float(times[idx[k]]), float(elevation[k])
    return best_time


class Operator:
    """See the module docstring. Attach ``listeners`` to every ground station; call ``act``."""

    def __init__(self, archive, key: bytes, callsign: str, ssid: int = 0,
                 image_folder: Path | None = None, max_images: int | None = None, *,
                 targets: Sequence[Target], ground_callsign: str,
                 dictionary: Dictionary | None = None) -> None:
        """targets: the mission's imaging targets (``scenario.targets``; an empty list books
        no images). ``ground_callsign``: the source of every uplink frame (the radio's
        ``ground_callsign``, the only one the flight software accepts). Both are required: the
        operator flies no mission of its own. ``dictionary``: the mission's, which the command
        queue, the file assembler and the alarms use (None: the one the archive remembers)."""
        from picodragon.ground.alarms import AlarmMonitor
        from picodragon.ground.commanding import CommandQueue
        from picodragon.ground.files import FileAssembler

        self.archive = archive
        self.dictionary = archive.dictionary() if dictionary is None else dictionary
        self.spacecraft = ax25.Address(callsign, ssid)
        self.ground_callsign = ground_callsign
        self.queue = CommandQueue(archive, key, ack_timeout_s=ACK_TIMEOUT_S,
                                  completion_timeout_s=COMPLETION_TIMEOUT_S, dictionary=self.dictionary)
        self.assembler = FileAssembler(archive, dictionary=self.dictionary)
        self.alarms = AlarmMonitor(archive, dictionary=self.dictionary)
        self.image_folder = image_folder
        self.max_images = max_images
        self.targets = tuple(targets)
        self.element_set: ElementSet | None = None
        self.entries: dict[int, dict[str, float]] = {}
        """FILE_ENTRY values by file id: capture time and place"""
        self.image_paths: dict[int, str] = {}
        self.captures_booked: list[float] = []
        self.stations_of: dict[int, str] = {}
        self._tries: dict[int, int] = {}
        self._timed_out: list = []
        self._downlink_started: set[int] = set()
        self._done_files: set[int] = set()
        self._to_delete: list[int] = []
        self._contact_station: str | None = None
        self._last_heard = -np.inf
        self._last_sent = -np.inf
        self._last_event_time = EPOCH_2000_UNIX
        self._previous_contact_end = EPOCH_2000_UNIX
        self._listed_after = -np.inf
        self._pass_start: float | None = None
        self._pass_done: set[str] = set()
        self._opportunity: float | None = None
        self._opportunity_checked_for: str | None = None

    @property
    def listeners(self) -> list:
        """What each GroundStation must call for every decoded packet, in this order."""
        return [self.alarms.on_decoded, self.assembler.on_decoded, self.queue.on_decoded, self.on_decoded]

    # --- what the ground hears -----------------------------------------------------------------
    def on_decoded(self, decoded) -> None:
        if decoded.source.split("-")[0] != self.spacecraft.callsign:
            return
        self._last_heard = decoded.received_unix_s
        self._contact_station = decoded.station
        name = decoded.name
        if name == "EVENT_REPORT":
            self._last_event_time = max(self._last_event_time, decoded.unix_s)
        elif name == "FILE_ENTRY":
            self.entries[int(decoded.values["file_id"])] = dict(decoded.values)
        elif getattr(decoded, "chunk", None) is not None:
            self._file_progress(decoded.chunk.file_id)

    def _file_progress(self, file_id: int) -> None:
        state = self.assembler.files.get(file_id)
        if state is None or file_id in self._done_files or state.crc_ok is None:
            return
        if state.crc_ok:
            self._done_files.add(file_id)
            self._to_delete.append(file_id)  # down and checked: free the flash
            if self.image_folder is not None and state.kind == "IMAGE":
                self.image_folder.mkdir(parents=True, exist_ok=True)
                path = self.image_folder / f"image-{file_id:04d}.jpg"
                path.write_bytes(self.assembler.assemble(file_id))
                self.image_paths[file_id] = str(path)
        else:  # a chunk was corrupted past the FCS: fetch the whole file again next pass
            self.assembler.refetch(file_id, self._last_heard)
            self._downlink_started.discard(file_id)

    # --- what the ground does ------------------------------------------------------------------
    def act(self, unix_s: float, in_view: list[str]) -> list[tuple[str, bytes]]:
        """Frames to uplink now, each with the station that sends it."""
        self._timed_out.extend(self.queue.check_timeouts(unix_s))
        if not in_view:
            if self._pass_start is not None:
                self._pass_start = None
                self._pass_done.clear()
                if self._last_heard > EPOCH_2000_UNIX:
                    self._previous_contact_end = self._last_heard
            return []
        if self._pass_start is None:
            self._pass_start = unix_s
        if not (unix_s - self._last_heard < 90.0 and self._contact_station in in_view):
            return []
        station = self._contact_station
        self._plan_pass(unix_s)
        self._retry_timed_out(unix_s)
        frames = self.queue.uplink_frames(unix_s, self.ground_callsign, str(self.spacecraft), limit=3)
        if not frames and unix_s - self._last_sent >= KEEPALIVE_S:
            self._command("NOOP", {}, unix_s)
            frames = self.queue.uplink_frames(unix_s, self.ground_callsign, str(self.spacecraft), limit=1)
        if frames:
            self._last_sent = unix_s
        return [(station, f) for f in frames]

    def _command(self, name: str, args: dict[str, float], unix_s: float, tries: int = 1,
                 execute_at: float | None = None):
        record = self.queue.queue(name, args, now=unix_s, execute_at=execute_at)
        self.queue.release(record.id, unix_s)
        self._tries[record.id] = tries
        if self._contact_station is not None:
            self.stations_of[record.id] = self._contact_station
        return record

    def _plan_pass(self, unix_s: float) -> None:
        if "events" not in self._pass_done:
            self._pass_done.add("events")
            since = max(round(self._last_event_time - EPOCH_2000_UNIX) + 1, 0)
            self._command("DUMP_EVENTS", {"since": since, "max_packets": 40}, unix_s)
        if "housekeeping" not in self._pass_done and not self._pending_files():
            # store and forward: the housekeeping sampled out of view since the last we heard
            self._pass_done.add("housekeeping")
            since = max(round(self._previous_contact_end - EPOCH_2000_UNIX) + 1, 0)
            self._command("DUMP_HOUSEKEEPING", {"since": since, "max_packets": HK_DUMP_PACKETS}, unix_s)
        if "capture" not in self._pass_done:
            self._pass_done.add("capture")
            self._book_capture(unix_s)
        if "list" not in self._pass_done and self._unlisted_capture(unix_s):
            self._pass_done.add("list")
            self._listed_after = unix_s
            self._command("LIST_FILES", {}, unix_s)
        for file_id in self._to_delete:
            self._command("DELETE_FILE", {"file_id": file_id}, unix_s)
        self._to_delete.clear()
        for file_id in self._pending_files():
            key = f"file{file_id}"
            if key in self._pass_done:
                continue
            self._pass_done.add(key)
            if file_id not in self._downlink_started:
                self._downlink_started.add(file_id)
                self._command("DOWNLINK_FILE", {"file_id": file_id}, unix_s)
            else:
                for request in self.assembler.requests(file_id)[:4]:
                    self._command("REQUEST_CHUNKS", request, unix_s)

    def _retry_timed_out(self, unix_s: float) -> None:
        timed_out, self._timed_out = self._timed_out, []
        for record in timed_out:
            tries = self._tries.pop(record.id, MAX_TRIES)
            if tries < MAX_TRIES and record.name != "NOOP":
                self._command(record.name, record.arguments, unix_s, tries + 1, record.execute_at)

    def _unlisted_capture(self, unix_s: float) -> bool:
        """A booked capture has happened since the directory was last listed."""
        return any(self._listed_after < t < unix_s for t in self.captures_booked)

    def _pending_files(self) -> list[int]:
        """Valid images listed on board and not yet down whole."""
        return [fid for fid, v in self.entries.items()
                if int(v["kind"]) == 1 and int(v["valid"]) == 1 and fid not in self._done_files]

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
            self._opportunity = imaging_opportunity(self.element_set, unix_s + 600.0,
                                                    targets=self.targets)
        when = self._opportunity
        if when is None or when <= unix_s + 300.0:
            return
        self.captures_booked.append(when)
        self._opportunity = None
        self._command("CAPTURE_IMAGE", {"at_time": 0}, unix_s, execute_at=float(round(when)))

    # --- results -------------------------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        from picodragon.ground.commanding import Stage

        history = self.queue.history()
        return {
            "commands_sent": sum(1 for c in history if c.reached(Stage.SENT) is not None),
            "commands_executed": sum(1 for c in history if c.stage == Stage.COMPLETED),
            "images_received": sum(1 for f in self.assembler.files.values()
                                   if f.kind == "IMAGE" and f.crc_ok),
            "captures_booked": len(self.captures_booked),
        }

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

Steps 1, 3 and 4 are the ground's :class:`~picodragon.ground.automation.PassAutomation`, which
a real station runs too (``picodragon station --auto``); the operator adds step 2 (through its
``before_list`` hook) and lists the directory only after a booked capture. The tools are the
ground segment's own, as a real station uses them: the command queue
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
SUBPOINT_SPEED_BOUND_KM_S = 12.0
"""an upper bound of the sub-satellite point's speed over the mean sphere for any orbit SGP4
propagates (perigee above the surface, so slower than escape at the surface, 11.2 km/s, plus the
Earth's rotation, 0.47 km/s): :func:`imaging_opportunity` looks closely only near the targets"""
COARSE_STRIDE = 10
"""every how many points of its grid :func:`imaging_opportunity` looks first (200 s at 20 s)"""


def great_circle_km(lat_deg: np.ndarray, lon_deg: np.ndarray, lat0_deg: float, lon0_deg: float) -> np.ndarray:
    """Distance (km) from (lat0, lon0) by haversine on the mean sphere (NaN where a point is)."""
    p1, p2 = np.radians(lat_deg), np.radians(lat0_deg)
    dlon = np.radians(lon_deg - lon0_deg)
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_MEAN_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def over_target(target: Target, lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
    """Which sub-satellite points lie over the target (its box, or within its radius: haversine
    on the mean sphere, 0.3 % of the distance at most from the ellipsoid's)."""
    if target.box_deg is not None:
        lat0, lat1, lon0, lon1 = target.box_deg
        return (lat0 <= lat_deg) & (lat_deg <= lat1) & (lon0 <= lon_deg) & (lon_deg <= lon1)
    return great_circle_km(lat_deg, lon_deg, target.latitude_deg, target.longitude_deg) <= target.radius_km


def _bounding_circle(target: Target) -> tuple[float, float, float] | None:
    """(lat, lon, radius km) of a circle holding the target, None for a box too large to bound
    this way (a span over 90 degrees: its farthest point from its centre need not be a corner)."""
    if target.box_deg is None:
        return target.latitude_deg, target.longitude_deg, target.radius_km
    lat0, lat1, lon0, lon1 = target.box_deg
    if lat1 - lat0 > 90.0 or lon1 - lon0 > 90.0:
        return None
    lat_c, lon_c = (lat0 + lat1) / 2, (lon0 + lon1) / 2
    corners = great_circle_km(np.array([lat0, lat0, lat1, lat1]), np.array([lon0, lon1, lon0, lon1]), lat_c, lon_c)
    return lat_c, lon_c, float(np.max(corners)) + 1.0


def _subpoints(element_set: ElementSet, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Geodetic latitude and longitude (deg) under the spacecraft at ``times`` (NaN where SGP4
    fails); each point's alone, so a subset of times gives the same values for those times."""
    jd, fr = unix_to_jd(times)
    err, r_teme, _ = element_set.satrec.sgp4_array(jd, fr)
    r_teme = np.where((np.asarray(err) != 0)[:, None], np.nan, np.asarray(r_teme) * 1e3)
    r_ecef, _ = teme_to_itrs(r_teme, None, times)
    lat_deg, lon_deg, _ = geodetic(r_ecef)
    return lat_deg, lon_deg


def _near_targets(element_set: ElementSet, times: np.ndarray, step_s: float,
                  targets: Sequence[Target]) -> np.ndarray | None:
    """Indices of ``times`` that may lie over a target (a superset of those that do), from every
    ``COARSE_STRIDE``-th point: a point within half a stride of one whose sub-satellite point is
    farther from each target than the distance the point can travel meanwhile
    (``SUBPOINT_SPEED_BOUND_KM_S``) cannot be over it. None: look at every point."""
    n = len(times)
    half = COARSE_STRIDE // 2
    circles = [_bounding_circle(t) for t in targets]
    if n <= 4 * COARSE_STRIDE or any(c is None for c in circles):
        return None
    coarse = np.unique(np.append(np.arange(0, n, COARSE_STRIDE), n - 1))
    lat, lon = _subpoints(element_set, times[coarse])
    reach_km = SUBPOINT_SPEED_BOUND_KM_S * half * step_s
    near = ~np.isfinite(lat) | ~np.isfinite(lon)  # SGP4 failed there: no bound, look closely
    for lat_c, lon_c, radius_km in circles:  # type: ignore[misc]
        near |= great_circle_km(lat, lon, lat_c, lon_c) <= radius_km + reach_km
    keep = np.zeros(n, dtype=bool)
    for offset in range(-half, half + 1):
        keep[np.clip(coarse[near] + offset, 0, n - 1)] = True
    return np.flatnonzero(keep)


def imaging_opportunity(element_set: ElementSet, start_unix: float, span_s: float = 86400.0,
                        step_s: float = 20.0, *,
                        targets: Sequence[Target]) -> float | None:
    """The best moment to image one of ``targets`` (the mission's, ``scenario.targets``) in
    daylight within the span: None if there is none (or no targets).

    Best: the sub-satellite point over a target with the highest Sun elevation there, at least
    that target's ``min_sun_elevation_deg``, on a grid of ``step_s``. The
    geometry (SGP4 from the published element set, GMST at UT1, WGS-84, the almanac Sun) is the
    shared vocabulary's, ``picodragon.astro``: an operator needs no twin for it. The grid's
    points are looked at closely only near a target (:func:`_near_targets`: a fifth of a day's
    4,320 for the reference mission), each with the values the whole grid would give it.
    """
    times = start_unix + np.arange(0.0, span_s, step_s)
    if not targets:
        return None
    near = _near_targets(element_set, times, step_s, targets)
    if near is not None:
        times = times[near]
    lat_deg, lon_deg = _subpoints(element_set, times)
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
    """See the module docstring. Attach ``listeners`` to every ground station; call ``act``.

    The pass itself (dumps, listing, download with gap requests, keep-alive, retries, freeing
    the flash) is the ground's :class:`~picodragon.ground.automation.PassAutomation`, the same
    a real station runs with ``--auto``; the operator adds what only a mission's team knows:
    when to image its targets, and where to keep the images."""

    def __init__(self, archive, key: bytes, callsign: str, ssid: int = 0,
                 image_folder: Path | None = None, max_images: int | None = None, *,
                 targets: Sequence[Target], ground_callsign: str,
                 dictionary: Dictionary | None = None, sole_writer: bool = True) -> None:
        """targets: the mission's imaging targets (``scenario.targets``; an empty list books
        no images). ``ground_callsign``: the source of every uplink frame (the radio's
        ``ground_callsign``, the only one the flight software accepts). Both are required: the
        operator flies no mission of its own. ``dictionary``: the mission's, which the command
        queue, the file assembler and the alarms use (None: the one the archive remembers).
        ``sole_writer``: the operator is the only commander of ``archive`` (a run's archive is
        opened fresh for it, and nothing else commands the simulated spacecraft), so its command
        queue keeps ids, counters and stages in memory instead of reading them back; False for
        an archive others command too."""
        from picodragon.ground.alarms import AlarmMonitor
        from picodragon.ground.automation import AutomationSettings, PassAutomation
        from picodragon.ground.commanding import CommandQueue
        from picodragon.ground.files import FileAssembler

        self.archive = archive
        self.dictionary = archive.dictionary() if dictionary is None else dictionary
        self.spacecraft = ax25.Address(callsign, ssid)
        self.ground_callsign = ground_callsign
        self.queue = CommandQueue(archive, key, ack_timeout_s=ACK_TIMEOUT_S,
                                  completion_timeout_s=COMPLETION_TIMEOUT_S, dictionary=self.dictionary,
                                  sole_writer=sole_writer)
        self.assembler = FileAssembler(archive, dictionary=self.dictionary)
        self.alarms = AlarmMonitor(archive, dictionary=self.dictionary)
        self.automation = PassAutomation(
            self.queue, self.assembler, spacecraft_callsign=callsign,
            settings=AutomationSettings(keepalive_s=KEEPALIVE_S, hk_dump_packets=HK_DUMP_PACKETS,
                                        max_tries=MAX_TRIES),
            should_list=self._should_list, before_list=self._book_capture,
            on_file_down=self._file_down)
        self.image_folder = image_folder
        self.max_images = max_images
        self.targets = tuple(targets)
        self.element_set: ElementSet | None = None
        self.image_paths: dict[int, str] = {}
        self.captures_booked: list[float] = []
        self._listed_after = -np.inf
        self._first_unlisted: tuple[tuple[int, float], float] = ((-1, -np.inf), np.inf)
        self._opportunity: float | None = None
        self._opportunity_checked_for: str | None = None

    @property
    def entries(self) -> dict[int, dict[str, float]]:
        """FILE_ENTRY values by file id: capture time and place."""
        return self.automation.entries

    @property
    def stations_of(self) -> dict[int, str]:
        """The station in contact when each command was queued, by command id."""
        return self.automation.stations_of

    @property
    def listeners(self) -> list:
        """What each GroundStation must call for every decoded packet, in this order."""
        return [self.alarms.on_decoded, self.assembler.on_decoded, self.queue.on_decoded,
                self.automation.on_decoded]

    def _file_down(self, file_id: int, state) -> None:
        """A file is down with its CRC-32 checked: keep an image in the image folder."""
        if self.image_folder is not None and state.kind == "IMAGE":
            self.image_folder.mkdir(parents=True, exist_ok=True)
            path = self.image_folder / f"image-{file_id:04d}.jpg"
            path.write_bytes(self.assembler.assemble(file_id))
            self.image_paths[file_id] = str(path)

    # --- what the ground does ------------------------------------------------------------------
    def act(self, unix_s: float, in_view: list[str]) -> list[tuple[str, bytes]]:
        """Frames to uplink now, each with the station that sends it."""
        with self.queue.holding():  # a command queued and sent now: its row written once
            return self._act(unix_s, in_view)

    def _act(self, unix_s: float, in_view: list[str]) -> list[tuple[str, bytes]]:
        auto = self.automation
        if unix_s > self.queue.next_timeout():  # else check_timeouts would find nothing
            auto.note_timed_out(self.queue.check_timeouts(unix_s))
        station = auto.step(unix_s, in_view)
        if station is None:
            return []
        frames = self.queue.uplink_frames(unix_s, self.ground_callsign, str(self.spacecraft), limit=3)
        if not frames and auto.keepalive_due(unix_s):
            auto.keepalive(unix_s)
            frames = self.queue.uplink_frames(unix_s, self.ground_callsign, str(self.spacecraft), limit=1)
        if frames:
            auto.note_sent(unix_s)
        return [(station, f) for f in frames]

    def _should_list(self, unix_s: float) -> bool:
        """List the directory once a booked capture has happened since the last listing."""
        if self._unlisted_capture(unix_s):
            self._listed_after = unix_s
            return True
        return False

    def _unlisted_capture(self, unix_s: float) -> bool:
        """A booked capture has happened since the directory was last listed: the first booked
        after the listing is before ``unix_s`` (asked every tick of a contact until the listing,
        so that first one is kept until a booking or a listing changes it)."""
        key = (len(self.captures_booked), self._listed_after)
        if self._first_unlisted[0] != key:
            after = [t for t in self.captures_booked if t > self._listed_after]
            self._first_unlisted = (key, min(after, default=np.inf))
        return self._first_unlisted[1] < unix_s

    def _book_capture(self, unix_s: float) -> None:
        if self.element_set is None:
            return
        if self.max_images is not None and len(self.captures_booked) >= self.max_images:
            return
        if (self.automation.pending_files() or self._unlisted_capture(unix_s)
                or any(t > unix_s for t in self.captures_booked)):
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
        self.automation.command("CAPTURE_IMAGE", {"at_time": 0}, unix_s, execute_at=float(round(when)))

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

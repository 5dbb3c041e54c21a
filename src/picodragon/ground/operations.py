"""A real ground station running unattended: `picodragon station` calls :func:`run_station`.

One asyncio loop does four jobs until its time is up or it is told to stop:

- **receive**: frames from a KISS TCP TNC (Direwolf, or `picodragon live`'s twin) go through
  :class:`~picodragon.ground.station.GroundStation` into the archive, then to the alarm
  monitor, the command verifier and the file assembler;
- **track**: once a second around each predicted pass (from ``prepare_s`` before AOS to LOS),
  :class:`~picodragon.ground.tracking.PassTracker` retunes rigctld for Doppler and points
  rotctld; after the pass the rotator parks;
- **uplink**: during a pass, released commands (``CommandQueue``) are framed in AX.25 and
  sent through the TNC; verification windows are checked every tick; with a pass plan
  (``planner.Plan``), the actions of the contacts this station is prime for are queued and
  released as each contact begins;
- **keep going**: a TNC that drops the connection is reconnected with a growing pause (1 s up
  to ``max_backoff_s``); Hamlib errors are counted by the tracker, never fatal; a frame that
  cannot be decoded is archived raw with its reason.

The station's orbit knowledge is an element set (``element_set``), as for any real station;
the mission's command line supplies it. Passes are predicted for a day ahead and again as the
day runs out. Times come from ``clock`` (``time.time`` by default) so the same loop can run
against the twin's accelerated time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from picodragon.astro.isotime import iso_z
from picodragon.config import Station
from picodragon.dictionary import Dictionary
from picodragon.elements import ElementSet
from picodragon.ground.alarms import AlarmMonitor
from picodragon.ground.archive import open_archive
from picodragon.ground.commanding import CommandError, CommandQueue
from picodragon.ground.files import FileAssembler
from picodragon.ground.hamlib import RigClient, RotatorClient, parse_host_port
from picodragon.ground.passes import Pass, find_passes
from picodragon.ground.planner import Plan
from picodragon.ground.station import Decoded, GroundStation
from picodragon.ground.tracking import PassTracker
from picodragon.link.kiss_tcp import KissTcpClient

log = logging.getLogger(__name__)

KISS_PORT = 8001
RIGCTLD_PORT = 4532
ROTCTLD_PORT = 4533


@dataclass
class StationReport:
    """What a station run did; ``to_json`` is what `picodragon station --json` writes."""

    station: str
    start_unix_s: float
    end_unix_s: float = 0.0
    frames: int = 0
    decoded: int = 0
    rejected: int = 0
    commands_sent: int = 0
    passes_tracked: int = 0
    tnc_connections: int = 0
    tracker_errors: int = 0
    last_error: str = ""
    passes: list[dict] = field(default_factory=list)

    def to_json(self) -> dict:
        """The report as `picodragon station --json` writes it."""

        def iso(t: float) -> str:
            return iso_z(t, "seconds")

        return {
            "station": self.station,
            "start": iso(self.start_unix_s),
            "end": iso(self.end_unix_s),
            "frames": self.frames,
            "decoded": self.decoded,
            "rejected": self.rejected,
            "commands_sent": self.commands_sent,
            "passes_tracked": self.passes_tracked,
            "tnc_connections": self.tnc_connections,
            "tracker_errors": self.tracker_errors,
            "last_error": self.last_error,
            "passes": self.passes,
        }


class _Schedule:
    """The predicted passes, refreshed as they run out."""

    def __init__(
        self, element_set: ElementSet, station: Station, horizon_s: float = 86400.0
    ) -> None:
        self.element_set = element_set
        self.station = station
        self.horizon_s = horizon_s
        self.passes: list[Pass] = []
        self.until = -1.0

    def refresh(self, now: float) -> None:
        """Predict a day of passes again when less than an hour of prediction is left."""
        if now + 3600.0 < self.until:
            return
        start = datetime.fromtimestamp(now, UTC)
        self.passes = find_passes(
            self.element_set, self.station, start, start + timedelta(seconds=self.horizon_s)
        )
        self.until = now + self.horizon_s

    def current_or_next(self, now: float) -> Pass | None:
        """The pass under way at ``now``, or the next one."""
        self.refresh(now)
        for p in self.passes:
            if p.los.timestamp() >= now:
                return p
        return None


async def run_station(
    kiss: str,
    element_set: ElementSet,
    station: Station,
    downlink_hz: float,
    uplink_hz: float,
    rigctld: str | None = None,
    rotctld: str | None = None,
    db: str | None = None,
    key: bytes | None = None,
    *,
    spacecraft_callsign: str,
    station_callsign: str,
    duration_s: float | None = None,
    stop: asyncio.Event | None = None,
    clock: Callable[[], float] = time.time,
    tick_s: float = 1.0,
    prepare_s: float = 120.0,
    max_backoff_s: float = 30.0,
    on_decoded: Callable[[Decoded], None] | None = None,
    plan: Plan | None = None,
    mission_start_unix_s: float | None = None,
    dictionary: Dictionary | None = None,
) -> StationReport:
    """Run a ground station until ``duration_s`` (of ``clock`` time) passes or ``stop`` is set.

    ``kiss``, ``rigctld``, ``rotctld`` are ``HOST:PORT``; ``db`` an archive path or PostgreSQL
    URL; ``key`` the uplink key (no key: receive only); ``plan`` a pass plan whose contacts
    this station is prime for have their actions queued and released at the contact's start.
    ``spacecraft_callsign`` (``CALL`` or ``CALL-SSID``) and ``station_callsign`` are the
    mission's, required: no station has a sensible default identity. Only frames from
    ``spacecraft_callsign`` are decoded (others are archived as rejected);
    ``mission_start_unix_s`` (the deployment) turns on the check of packet times.
    ``dictionary`` is the mission's: the archive is opened with it (and remembers it); None
    decodes, alarms and commands with the dictionary the archive remembers (the core one for
    an archive without). Returns the run's report.
    """
    kiss_host, kiss_port = parse_host_port(kiss, KISS_PORT)
    rig = RigClient(*parse_host_port(rigctld, RIGCTLD_PORT)) if rigctld else None
    rotator = RotatorClient(*parse_host_port(rotctld, ROTCTLD_PORT)) if rotctld else None
    archive = open_archive(db, dictionary=dictionary)
    dictionary = archive.dictionary() if dictionary is None else dictionary
    ground = GroundStation(
        station.name,
        archive,
        downlink_hz,
        spacecraft_callsigns=[spacecraft_callsign],
        mission_start_unix_s=mission_start_unix_s,
        dictionary=dictionary,
    )
    alarms = AlarmMonitor(archive, dictionary=dictionary)
    files = FileAssembler(archive, dictionary=dictionary)
    ground.add_listener(alarms.on_decoded)
    ground.add_listener(files.on_decoded)
    commands = CommandQueue(archive, key, dictionary=dictionary) if key is not None else None
    if commands is not None:
        ground.add_listener(commands.on_decoded)
    if on_decoded is not None:
        ground.add_listener(on_decoded)
    tracker = PassTracker(element_set, station, downlink_hz, uplink_hz, rig=rig, rotator=rotator)
    schedule = _Schedule(element_set, station)
    stop = stop or asyncio.Event()
    start = clock()
    report = StationReport(station.name, start)
    end = start + duration_s if duration_s is not None else float("inf")
    client_box: list[KissTcpClient | None] = [None]

    def done() -> bool:
        return stop.is_set() or clock() >= end

    async def receive_loop() -> None:
        backoff = 1.0
        while not done():
            try:
                client = await KissTcpClient.connect(kiss_host, kiss_port, timeout=5.0)
            except (OSError, TimeoutError) as exc:
                report.last_error = f"TNC {kiss}: {exc}"
                log.warning("%s; retrying in %.0f s", report.last_error, backoff)
                await _sleep_or_stop(stop, max(0.0, min(backoff, end - clock())))
                backoff = min(backoff * 2, max_backoff_s)
                continue
            backoff = 1.0
            report.tnc_connections += 1
            client_box[0] = client
            try:
                while not done():
                    try:
                        frame = await client.receive(timeout=tick_s)
                    except TimeoutError:
                        continue
                    if frame.command != 0:
                        continue
                    if rig is not None and tracker.tuned_downlink_hz is not None:
                        ground.tuned_hz = tracker.tuned_downlink_hz
                    ground.receive(frame.payload, clock())
            except (EOFError, OSError, ConnectionError) as exc:
                report.last_error = f"TNC {kiss}: {exc}"
                log.warning("%s; reconnecting", report.last_error)
            finally:
                client_box[0] = None
                await client.close()

    planned_done: set[tuple[str, float]] = set()

    async def control_loop() -> None:
        tracking: Pass | None = None
        while not done():
            now = clock()
            p = schedule.current_or_next(now)
            in_window = p is not None and p.aos.timestamp() - prepare_s <= now <= p.los.timestamp()
            if plan is not None and commands is not None:
                for contact in plan.for_station(station.name):
                    key_ = (contact.satellite, contact.start_unix_s)
                    if (
                        contact.prime_station == station.name
                        and key_ not in planned_done
                        and contact.start_unix_s <= now <= contact.end_unix_s
                    ):
                        planned_done.add(key_)
                        for name, arguments in contact.actions(dictionary):
                            try:
                                record = commands.queue(name, arguments, now=now)
                                commands.release(record.id, now)
                            except CommandError as exc:
                                report.last_error = f"plan: {exc}"
            if in_window:
                if tracking is not p:
                    tracking = p
                    tracker.set_pass(p)
                    report.passes_tracked += 1
                    report.passes.append(p.to_json())
                if rig is not None or rotator is not None:
                    await asyncio.to_thread(tracker.update, now)
                client = client_box[0]
                if commands is not None and p.aos.timestamp() <= now and client is not None:
                    await _uplink(commands, client, now, station_callsign, spacecraft_callsign, report)
            elif tracking is not None:
                tracking = None
                if rotator is not None:
                    await asyncio.to_thread(tracker.park)
            if commands is not None:
                commands.refresh()  # commands queued meanwhile by the operator's console
                commands.check_timeouts(now)
            await _sleep_or_stop(stop, tick_s)

    try:
        await asyncio.gather(receive_loop(), control_loop())
    finally:
        for client in (rig, rotator):
            if client is not None:
                client.close()
        report.end_unix_s = clock()
        report.frames = ground.counts["frames"]
        report.decoded = ground.counts["decoded"]
        report.rejected = ground.counts["rejected"]
        report.tracker_errors = tracker.errors
        if tracker.last_error:
            report.last_error = report.last_error or tracker.last_error
        archive.close()
    return report


async def _uplink(
    commands: CommandQueue,
    client: KissTcpClient,
    now: float,
    source: str,
    destination: str,
    report: StationReport,
) -> None:
    """Sign the released commands and write them to the TNC, marking each sent only once its
    write returned; a failed write leaves it (and those after it) released for the next tick."""
    prepared = commands.prepare_uplink(now)
    for i, record in enumerate(prepared):
        try:
            await client.send(commands.frame(record, source, destination))
        except (OSError, ConnectionError, RuntimeError) as exc:
            report.last_error = f"uplink: {exc}"
            commands.send_failed(record, now, f"TNC write failed: {exc}")
            for later in prepared[i + 1 :]:
                commands.send_failed(later, now, "not tried: an earlier TNC write failed")
            return
        commands.mark_sent(record, now)
        report.commands_sent += 1


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


def run_station_blocking(**kwargs) -> StationReport:
    """:func:`run_station` for synchronous callers (the CLI): runs its own event loop."""
    return asyncio.run(run_station(**kwargs))

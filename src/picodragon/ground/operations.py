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
day runs out; each prediction logs the set's age and warns past
:data:`~picodragon.ground.elementsets.AGE_WARNING_DAYS`. Times come from ``clock``
(``time.time`` by default) so the same loop can run against the twin's accelerated time; with
``follow_tnc`` the station follows the clock (and, with ``follow_tnc_elements``, the element
set) that a ``picodragon live`` twin announces on the KISS stream
(:mod:`picodragon.link.announce`, :mod:`picodragon.ground.stationclock`), so a rehearsal needs
no flags to match.

It talks: through :mod:`logging` (logger ``picodragon.ground.operations``; the CLI prints it to
stderr) it says at start whether the rig and rotator answer, and during the run each TNC
connection and loss, the twin's clock when it follows one, each pass predicted (with the set's
age), AOS and LOS, every frame received, every command sent, and the Hamlib errors the tracker
survives; at the end, a summary line. With ``handle_signals`` SIGINT and SIGTERM set the stop
flag, so the loop ends cleanly and the report (and the CLI's ``--json``) is still written.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from picodragon.astro.isotime import iso_z
from picodragon.config import Station
from picodragon.dictionary import Dictionary
from picodragon.elements import ElementSet, ElementSetError
from picodragon.ground.alarms import AlarmMonitor
from picodragon.ground.archive import open_archive
from picodragon.ground.automation import PassAutomation
from picodragon.ground.commanding import CommandError, CommandQueue
from picodragon.ground.elementsets import age_days, is_stale
from picodragon.ground.files import FileAssembler
from picodragon.ground.hamlib import RigClient, RotatorClient, parse_host_port
from picodragon.ground.passes import Pass
from picodragon.ground.planner import Plan
from picodragon.ground.station import Decoded, GroundStation
from picodragon.ground.stationclock import StationClock
from picodragon.ground.stationparts import (
    LogTail,
    Schedule,
    check_hamlib,
    hardware_state,
    install_signal_handlers,
    station_state,
)
from picodragon.ground.tracking import PassTracker
from picodragon.link.announce import LiveAnnouncement, parse_announcement
from picodragon.link.kiss_tcp import KissTcpClient

log = logging.getLogger(__name__)

KISS_PORT = 8001
RIGCTLD_PORT = 4532
ROTCTLD_PORT = 4533
#: with ``follow_tnc``, wall seconds the first prediction waits for a live twin's greeting
FOLLOW_WAIT_S = 3.0
#: station-clock seconds between log lines of the rig's and rotator's state during a pass
STATE_EVERY_S = 60.0
#: station-clock seconds between the station's state written to the archive during a pass
#: window, for mission control's pass console (``Archive.write_station_state``)
CONSOLE_EVERY_S = 5.0


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
    #: "utc" (the wall clock or the caller's), or "twin" once it followed a live twin's clock
    clock: str = "utc"
    #: the element set last predicted with: name, epoch, age in days at the end, stale or not
    element_set: dict = field(default_factory=dict)
    #: the signal that stopped the run ("SIGTERM", "SIGINT"), empty when it ended otherwise
    stopped_by: str = ""

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
            "clock": self.clock,
            "element_set": self.element_set,
            "stopped_by": self.stopped_by,
        }

    def summary(self) -> str:
        """One line: what the run did, for the log and the terminal."""
        text = (f"{self.station}: {self.frames} frames ({self.decoded} decoded, {self.rejected} rejected), "
                f"{self.commands_sent} commands sent, {self.passes_tracked} passes tracked, "
                f"{self.tnc_connections} TNC connections, {self.tracker_errors} rig/rotator errors")
        if self.stopped_by:
            text += f"; stopped by {self.stopped_by}"
        return text


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
    auto: bool = False,
    follow_tnc: bool = False,
    follow_tnc_elements: bool = False,
    handle_signals: bool = False,
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
    an archive without). ``auto`` (with a key): the station runs each pass itself
    (:class:`~picodragon.ground.automation.PassAutomation`: dumps, listing, image download with
    gap requests, keep-alive, retries; it never deletes a file). ``follow_tnc``: when the TNC is a ``picodragon live`` twin that
    announces its clock, follow it (``clock`` until then; ``duration_s`` keeps counting clock
    seconds from the jump); ``follow_tnc_elements``: take its published element set too.
    ``handle_signals``: SIGINT and SIGTERM stop the run cleanly (main thread only). Returns the
    run's report.
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
    automation = None
    if auto and commands is not None:
        automation = PassAutomation(commands, files, spacecraft_callsign=spacecraft_callsign,
                                    delete_when_down=False)
        ground.add_listener(automation.on_decoded)
    tracker = PassTracker(element_set, station, downlink_hz, uplink_hz, rig=rig, rotator=rotator)
    schedule = Schedule(element_set, station)
    station_clock = StationClock(clock) if follow_tnc else None
    now_of: Callable[[], float] = station_clock if station_clock is not None else clock
    stop = stop or asyncio.Event()
    start = now_of()
    report = StationReport(station.name, start)
    end = [start + duration_s if duration_s is not None else float("inf")]
    client_box: list[KissTcpClient | None] = [None]
    removers = install_signal_handlers(stop, report) if handle_signals else []

    def done() -> bool:
        return stop.is_set() or now_of() >= end[0]

    def learn(hello: LiveAnnouncement) -> None:
        """Follow the twin's clock (and element set): re-anchor, and after a jump re-predict."""
        if station_clock is None:
            return
        first = not station_clock.following
        jump = station_clock.follow(hello.sim_unix_s, hello.speed)
        if first:  # the run's start and end move with the clock: --duration counts twin seconds
            end[0] += jump
            report.start_unix_s += jump
        report.clock = "twin"
        new_set = None
        if follow_tnc_elements and len(hello.tle) == 3:
            try:
                candidate = ElementSet.from_lines(hello.tle[1], hello.tle[2], hello.tle[0])
            except ElementSetError as exc:
                log.warning("the twin's element set is unusable (%s); keeping mine", exc)
            else:
                if candidate != schedule.element_set:
                    new_set = candidate
        if new_set is not None:
            tracker.element_set = new_set
        if first or new_set is not None or abs(jump) > 60.0:
            schedule.reset(new_set)
        if first:
            log.info("TNC is a picodragon live twin (%s over %s): following its clock, %s at %gx%s",
                     hello.spacecraft or "?", hello.station or "?", iso_z(hello.sim_unix_s, "seconds"),
                     hello.speed, ", and its element set" if new_set is not None else "")

    async def receive_loop() -> None:
        backoff = 1.0
        while not done():
            try:
                client = await KissTcpClient.connect(kiss_host, kiss_port, timeout=5.0)
            except (OSError, TimeoutError) as exc:
                report.last_error = f"TNC {kiss}: {exc or type(exc).__name__}"
                log.warning("%s; retrying in %.0f s", report.last_error, backoff)
                await _sleep_or_stop(stop, max(0.0, min(backoff, (end[0] - now_of()) / _rate())))
                backoff = min(backoff * 2, max_backoff_s)
                continue
            backoff = 1.0
            report.tnc_connections += 1
            log.info("TNC %s: connected%s", kiss, "" if report.tnc_connections == 1 else " again")
            client_box[0] = client
            try:
                while not done():
                    try:
                        frame = await client.receive(timeout=tick_s)
                    except TimeoutError:
                        continue
                    if frame.command != 0:
                        hello = parse_announcement(frame.command, bytes(frame.payload))
                        if hello is not None:
                            learn(hello)
                        continue
                    if rig is not None and tracker.tuned_downlink_hz is not None:
                        ground.tuned_hz = tracker.tuned_downlink_hz
                    now = now_of()
                    result = ground.receive(frame.payload, now)
                    if isinstance(result, Decoded):
                        log.info("%s frame %d: %s from %s", iso_z(now, "seconds"), ground.counts["frames"],
                                 result.name, result.source)
                    else:
                        log.info("%s frame %d rejected: %s", iso_z(now, "seconds"), ground.counts["frames"],
                                 getattr(result, "reason", result))
            except (EOFError, OSError, ConnectionError) as exc:
                report.last_error = f"TNC {kiss}: {exc}"
                log.warning("%s; reconnecting", report.last_error)
            finally:
                client_box[0] = None
                await client.close()

    def _rate() -> float:
        """Clock seconds per wall second: the control loop ticks that much faster."""
        return station_clock.speed if station_clock is not None and station_clock.speed > 1 else 1.0

    planned_done: set[tuple[str, float]] = set()

    async def control_loop() -> None:
        tracking: Pass | None = None
        in_pass = False
        pass_frames = 0
        seen_errors = 0
        next_state = [-float("inf")]
        next_console = [-float("inf")]
        if station_clock is not None:  # a live twin greets on connect: predict on its clock, not today's
            for _ in range(round(FOLLOW_WAIT_S / 0.1)):
                if station_clock.following or stop.is_set():
                    break
                await asyncio.sleep(0.1)
        while not done():
            now = now_of()
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
                                log.warning("%s plan: %s", iso_z(now, "seconds"), exc)
            if in_window:
                if tracking is not p:
                    tracking = p
                    tracker.set_pass(p)
                    report.passes_tracked += 1
                    report.passes.append(p.to_json())
                    log.info("%s preparing for the pass: AOS %s, max %.0f deg", iso_z(now, "seconds"),
                             iso_z(p.aos, "seconds"), p.max_elevation_deg)
                if not in_pass and p.aos.timestamp() <= now:
                    in_pass, pass_frames = True, ground.counts["frames"]
                    log.info("%s AOS over %s (LOS %s)", iso_z(now, "seconds"), station.name,
                             iso_z(p.los, "seconds"))
                point = None
                if rig is not None or rotator is not None:
                    point = await asyncio.to_thread(tracker.update, now)
                    log.debug("%s az %.1f el %.1f down %.0f Hz", iso_z(now, "seconds"), point.azimuth_deg,
                              point.elevation_deg, point.downlink_hz)
                    if in_pass and now >= next_state[0]:  # the rig's and rotator's state, each minute
                        next_state[0] = now + STATE_EVERY_S
                        log.info("%s %s", iso_z(now, "seconds"), hardware_state(tracker))
                if now >= next_console[0]:
                    next_console[0] = now + CONSOLE_EVERY_S
                    if point is None:
                        point = tracker.update(now)  # no rig or rotator: the look angles only
                    try:
                        archive.write_station_state(station.name, station_state(tracker, point, now,
                                                                                list(tail.lines)))
                    except Exception as exc:  # noqa: BLE001 - the console's state must not end a pass
                        log.warning("%s console state not written: %s", iso_z(now, "seconds"), exc)
                client = client_box[0]
                if commands is not None and p.aos.timestamp() <= now and client is not None:
                    await _uplink(commands, client, now, station_callsign, spacecraft_callsign, report)
            elif tracking is not None:
                if in_pass:
                    log.info("%s LOS over %s: %d frames this pass", iso_z(now, "seconds"), station.name,
                             ground.counts["frames"] - pass_frames)
                tracking, in_pass = None, False
                if rotator is not None:
                    await asyncio.to_thread(tracker.park)
            if tracker.errors != seen_errors:
                log.warning("%s rig/rotator: %d errors so far, last: %s (carrying on)", iso_z(now, "seconds"),
                            tracker.errors, tracker.last_error)
                seen_errors = tracker.errors
            if commands is not None:
                commands.refresh()  # commands queued meanwhile by the operator's console
                timed_out = commands.check_timeouts(now)
                if automation is not None:  # the station runs the pass itself (--auto)
                    automation.note_timed_out(timed_out)
                    automation.station_step(now, station.name,
                                            in_window and p is not None and p.aos.timestamp() <= now)
            await _sleep_or_stop(stop, tick_s / _rate())

    tail = LogTail()
    ground_log = logging.getLogger("picodragon.ground")
    ground_log.addHandler(tail)
    try:
        await check_hamlib(rig, rotator, rigctld, rotctld)
        await asyncio.gather(receive_loop(), control_loop())
    finally:
        ground_log.removeHandler(tail)
        for remove in removers:
            remove()
        for client in (rig, rotator):
            if client is not None:
                client.close()
        report.end_unix_s = now_of()
        report.frames = ground.counts["frames"]
        report.decoded = ground.counts["decoded"]
        report.rejected = ground.counts["rejected"]
        report.tracker_errors = tracker.errors
        used = schedule.element_set
        report.element_set = {
            "name": used.name, "epoch": iso_z(used.epoch.timestamp(), "seconds"),
            "age_days": round(age_days(used, report.end_unix_s), 2),
            "stale": is_stale(used, report.end_unix_s)}
        if tracker.last_error:
            report.last_error = report.last_error or tracker.last_error
        archive.close()
        log.info("%s summary: %s", iso_z(report.end_unix_s, "seconds"), report.summary())
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
            log.warning("%s uplink of %s #%d failed: %s", iso_z(now, "seconds"), record.name, record.id, exc)
            commands.send_failed(record, now, f"TNC write failed: {exc}")
            for later in prepared[i + 1 :]:
                commands.send_failed(later, now, "not tried: an earlier TNC write failed")
            return
        commands.mark_sent(record, now)
        report.commands_sent += 1
        log.info("%s sent %s #%d", iso_z(now, "seconds"), record.name, record.id)


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


def run_station_blocking(**kwargs) -> StationReport:
    """:func:`run_station` for synchronous callers (the CLI): runs its own event loop."""
    return asyncio.run(run_station(**kwargs))

"""The topology: every component instantiated and wired in one place, and the step loop.

:class:`FlightSoftware` is what the mission runner (or a real on-board computer's main loop)
drives: ``boot()`` once at power-up, then ``step()`` whenever the clock reaches the time the
previous ``step()`` returned, or earlier when a frame arrives on the uplink. Each step reads the
uplink, runs everything due and returns the next time it has work.

Rate groups: ``control`` (``control_period_s``, 10 s) samples and validates the sensors due,
runs fault protection and the watchdog; ``housekeeping`` (``housekeeping_interval_s``, 60 s)
stores HOUSEKEEPING and ADCS packets. Beacons, the deployment sequence and time-tagged
commands run on timers; the downlink's pacing is the time of its next free frame.

A reset, whichever its cause, is a new ``boot()``: every component is rebuilt from nothing but
the persistent parameters and the storage, exactly as after a power cycle, so the software that
runs after a reset is the software that runs after power-up.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterable
from typing import Any

from picodragon.dictionary.files import MAX_CHUNK_DATA
from picodragon.dictionary.packets import EPOCH_2000_UNIX
from picodragon.dictionary.telecommand import Reason
from picodragon.fsw.beacon import Beacon
from picodragon.fsw.commanding import Commanding
from picodragon.fsw.deployment import Deployment
from picodragon.fsw.downlink import Downlink
from picodragon.fsw.events import EventLog, Sequencer
from picodragon.fsw.filestore import LOG, FileStore
from picodragon.fsw.hal import Hal, SettableClock
from picodragon.fsw.housekeeping import Housekeeping
from picodragon.fsw.modes import LOW_POWER, SAFE, ModeManager, SoftwareWatchdog
from picodragon.fsw.params import FswConfig, MemoryStorage, PersistentParams, ResetCause
from picodragon.fsw.payload import Payload
from picodragon.fsw.scheduler import Component, Scheduler
from picodragon.fsw.sensors import SensorMonitor
from picodragon.fsw.transfer import FileTransfer, HistoryDump
from picodragon.link import ax25
from picodragon.link.errors import Reason as LinkReason

RECENT_BOOTS_KEPT = 8
#: a clock reading this much earlier than the previous step's is a jump back, not jitter
BACKWARD_JUMP_S = 1.0


class FlightSoftware:
    """The whole flight software over one HAL."""

    def __init__(self, hal: Hal, config: FswConfig) -> None:
        self.hal = hal
        self.config = config
        self.storage = hal.storage if hal.storage is not None else MemoryStorage()
        self.components: dict[str, Component] = {}
        self.booted = False
        self.resets = 0
        self._reset_requested: int | None = None
        self.callsign = ax25.Address(config.callsign, config.ssid)

    # --- life cycle ---------------------------------------------------------------------------

    def boot(self) -> None:
        """Start (or restart) from the persistent parameters alone."""
        now = self.hal.clock.now()
        self._reset_requested = None
        params = PersistentParams.load(self.storage)
        stored = self.storage.keys()
        defaulted = params.generation == 0 and any(k.startswith("params.") for k in stored)
        params.boot_count += 1
        params.reset_cause = (params.pending_reset_cause if params.pending_reset_cause is not None
                              else int(ResetCause.POWER_ON))
        params.pending_reset_cause = None
        if params.reset_cause != ResetCause.COMMANDED:  # the ground's resets are no boot loop
            params.recent_boots = (params.recent_boots + [now])[-RECENT_BOOTS_KEPT:]
        params.save(self.storage)
        self.params = params
        self.boot_time = now
        self._last_now = now
        self._build(now)
        self.downlink.load_queue(self.storage)
        self.events.emit(now, "BOOT", params.boot_count, params.reset_cause)
        if defaulted:
            self.events.emit(now, "PARAMS_DEFAULTED")
        self.modes.boot(now)
        self.commanding.boot(now)
        self.deployment.boot(now)
        self.booted = True

    def reset(self, cause: ResetCause) -> None:
        """A software reset: record the cause, keep the packets still queued for the downlink
        (the completion of a RESET_SOFTWARE among them), drop every component, boot again."""
        self.params.pending_reset_cause = int(cause)
        self.params.save(self.storage)
        self.downlink.save_queue(self.storage)
        self.resets += 1
        self.boot()

    def hard_reset(self, cause: ResetCause = ResetCause.POWER_ON) -> None:
        """A reset the software does not see coming (brown-out, hardware watchdog, power
        cycle): nothing in RAM is saved. ``cause`` is what the processor's reset-cause register
        would tell the next boot (POWER_ON for a brown-out, WATCHDOG for the hardware watchdog).
        Equivalent to a new FlightSoftware over the same devices, booted."""
        self.params = PersistentParams.load(self.storage)
        self.params.pending_reset_cause = int(cause) if cause != ResetCause.POWER_ON else None
        if cause != ResetCause.POWER_ON:
            self.params.save(self.storage)
        self.resets += 1
        self.boot()

    def step(self) -> float:
        """Run what is due now (uplink first); return the next time there is work.

        An exception that escapes every component's guard resets the software (cause
        EXCEPTION), as an unhandled fault resets a real on-board computer.
        """
        if not self.booted:
            self.boot()
        try:
            now = self._run()
        except Exception:
            self._reset_requested = int(ResetCause.EXCEPTION)
            now = self.hal.clock.now()
        if self._reset_requested is not None:
            self.reset(ResetCause(self._reset_requested))
            try:
                now = self._run()
            except Exception:  # failing again at once: leave it to the next step (and the
                now = self.hal.clock.now()  # boot-loop rule, should it keep failing)
                self._reset_requested = int(ResetCause.EXCEPTION)
        return max(now, min(self.scheduler.next_due(), self.downlink.next_wanted(now)))

    def _run(self) -> float:
        now = self.hal.clock.now()
        if now < self._last_now - BACKWARD_JUMP_S:  # the clock went back (an RTC upset, a
            offset = now - self._last_now          # set from outside): follow it, or the
            self._rebase(offset)                   # control loop would wait that long
            self.events.emit(now, "TIME_ADJUSTED", int(offset * 1000), 1)
        self._receive(now)
        now = self.hal.clock.now()  # again: a command may have corrected the clock
        self._last_now = now
        self.scheduler.run_due(now)
        self.downlink.service(now)
        return now

    # --- wiring -------------------------------------------------------------------------------

    def _build(self, now: float) -> None:
        cfg, hal, storage = self.config, self.hal, self.storage
        self.scheduler = Scheduler(report_failure=self._component_failed)
        self.scheduler.add_group("control", cfg.control_period_s, now)
        self.scheduler.add_group("housekeeping", cfg.housekeeping_interval_s, now)
        sequencer = Sequencer()

        self.events = EventLog(storage, sequencer, cfg.event_history_capacity)
        self.downlink = Downlink(
            hal.radio, self.callsign, ax25.Address(cfg.beacon_destination),
            cfg.downlink_bit_rate, cfg.downlink_duty,
        )
        self.sensors = SensorMonitor(hal, dict(cfg.sensor_periods_s))
        self.housekeeping = Housekeeping(self.sensors, storage, sequencer,
                                         cfg.hk_history_capacity, now)
        self.modes = ModeManager(self.sensors, hal.switches, cfg, self.params, self._save_params,
                                 self.events.emit)
        self.beacon = Beacon(
            self.scheduler, hal.cw, cfg.beacon_text, cfg.cw_wpm,
            self.params.beacon_interval_s or cfg.telemetry_beacon_interval_s,
            cfg.cw_beacon_interval_s, cfg.low_power_beacon_factor,
        )
        self.deployment = Deployment(self.scheduler, hal.antenna, self.params, self._save_params,
                                     cfg, self.events.emit)
        self.watchdog = SoftwareWatchdog(cfg.watchdog_stall_periods, hal.watchdog,
                                         self._request_reset, now)

        self.files = FileStore(storage, cfg.filestore_capacity_bytes)
        self.payload = Payload(hal, self.files, lambda: self.modes.mode, self.events.emit)
        self.transfer = FileTransfer(self.files, storage, sequencer,
                                     min(cfg.file_chunk_size, MAX_CHUNK_DATA), cfg.contact_timeout_s,
                                     self.events.emit)
        self.dump = HistoryDump()
        self.commanding = Commanding(cfg.auth_key, self.params, self._save_params, self.scheduler,
                                     storage, sequencer, self.events.emit, cfg.time_tag_capacity,
                                     cfg.replay_window, cfg.refusal_report_interval_s,
                                     cfg.refusal_answers_per_interval)

        # messages
        self.events.packets_out.connect(self.downlink.enqueue)
        self.beacon.packets_out.connect(self.downlink.enqueue)
        self.beacon.make_packet = self.housekeeping.packet
        self.modes.mode_out.connect(lambda change: self.beacon.set_mode(change.new, change.at))
        self.deployment.ready_out.connect(self._deployed)
        self.housekeeping.status = self._status
        self.commanding.responses_out.connect(self.downlink.enqueue)
        self.commanding.responses_out.connect(self.events.history.append)
        self.commanding.realtime_out.connect(self.downlink.enqueue)
        self.commanding.contact_out.connect(self.transfer.contact)
        self.transfer.allowed = lambda: self.modes.mode not in (LOW_POWER, SAFE)
        self.transfer.listing_out.connect(self.dump.queue.append)
        self.commanding.listing_out.connect(self.dump.queue.append)
        self.downlink.sources = [self.dump, self.transfer]
        self.commanding.handlers = self._handlers()
        self.commanding.completed_out.connect(self._command_completed)

        # schedule: the control rate group runs in this order
        self.scheduler.every("control", self.housekeeping, self.housekeeping.sample)
        self.scheduler.every("control", self.modes, self._control_with_sensor_events)
        self.scheduler.every("control", self.watchdog, self.watchdog.check)
        self.scheduler.every("housekeeping", self.housekeeping, self.housekeeping.record)
        self.watchdog.watch(self.housekeeping, cfg.control_period_s)
        self.watchdog.watch(self.modes, cfg.control_period_s)

        self.components = {c.name: c for c in (
            self.events, self.downlink, self.housekeeping, self.modes, self.beacon,
            self.deployment, self.watchdog, self.commanding, self.payload, self.transfer)}

    # --- command handlers: each returns 0 or a Reason code ------------------------------------

    def _handlers(self) -> dict[str, Any]:
        return {
            "NOOP": lambda now, a: 0,
            "SET_MODE": lambda now, a: self.modes.request(int(a["mode"]), now),
            "CAPTURE_IMAGE": self._capture,
            "SET_BEACON_INTERVAL": self._set_beacon_interval,
            "DUMP_HOUSEKEEPING": lambda now, a: self._dump(self.housekeeping.history, a),
            "DUMP_EVENTS": lambda now, a: self._dump(self.events.history, a),
            "LIST_FILES": self.transfer.list_files,
            "DOWNLINK_FILE": self.transfer.downlink_file,
            "REQUEST_CHUNKS": self.transfer.request_chunks,
            "DELETE_FILE": self.transfer.delete_file,
            "ABORT_TRANSFERS": lambda now, a: self.transfer.abort() or 0,
            "CLEAR_SENSOR_FLAGS": lambda now, a: self.sensors.clear() or 0,
            "RESET_SOFTWARE": self._commanded_reset,
            "CLEAR_TIME_TAGS": lambda now, a: self.commanding.clear_schedule() or 0,
            "SAVE_EVENT_LOG": self._save_event_log,
            "SAVE_HOUSEKEEPING_LOG": self._save_housekeeping_log,
            "LIST_TIME_TAGS": self.commanding.list_time_tags,
            "ADJUST_TIME": self._adjust_time,
        }

    def _capture(self, now: float, a: dict[str, float]) -> int:
        code = self.payload.capture(now)
        if code == 0:
            self.params.images_captured += 1
            self._save_params()
        return code

    def _set_beacon_interval(self, now: float, a: dict[str, float]) -> int:
        self.params.beacon_interval_s = float(a["interval_s"])
        self._save_params()
        self.beacon.set_interval(float(a["interval_s"]), now)
        return 0

    def _dump(self, history: Any, a: dict[str, float]) -> int:
        since = EPOCH_2000_UNIX + a["since"] if a["since"] else 0.0
        self.dump.load(history.packets(since), int(a["max_packets"]))
        return 0

    def _commanded_reset(self, now: float, a: dict[str, float]) -> int:
        self._reset_requested = int(ResetCause.COMMANDED)
        return 0

    def _adjust_time(self, now: float, a: dict[str, float]) -> int:
        clock = self.hal.clock
        if not isinstance(clock, SettableClock):
            return int(Reason.DEVICE_ERROR)
        offset = a["offset_ms"] / 1000.0
        try:
            clock.set_time(now + offset)
        except Exception:
            return int(Reason.DEVICE_ERROR)
        self._rebase(offset)
        self.events.emit(now + offset, "TIME_ADJUSTED", int(a["offset_ms"]), 0)
        return 0

    def _rebase(self, offset: float) -> None:
        """Move everything measured on the clock by ``offset`` (time tags stay in UTC)."""
        self.scheduler.rebase(offset)
        for component in self.components.values():
            component.rebase(offset)
        self.boot_time += offset
        self._last_now += offset
        self.params.recent_boots = [t + offset for t in self.params.recent_boots]
        self._save_params()

    def _save_event_log(self, now: float, a: dict[str, float]) -> int:
        return self._save_log(now, self.events.history.packets())

    def _save_housekeeping_log(self, now: float, a: dict[str, float]) -> int:
        since = EPOCH_2000_UNIX + a["since"] if a["since"] else 0.0
        packets = itertools.islice(self.housekeeping.history.packets(since), int(a["max_packets"]))
        return self._save_log(now, packets)

    def _save_log(self, now: float, packets: Iterable[bytes]) -> int:
        """A LOG file of stored packets (u16 length, packet, repeated): the file protocol then
        brings them down about four to a frame, and asks again for what a pass lost."""
        data = b"".join(len(p).to_bytes(2, "big") + p for p in packets)
        info = self.files.store(LOG, data, now)
        return 0 if info is not None else int(Reason.STORE_FULL)

    def _command_completed(self, now: float) -> None:
        self.params.commands_executed += 1
        self._save_params()

    def _deployed(self, now: float) -> None:
        if self.hal.switches is not None:
            with contextlib.suppress(Exception):
                self.hal.switches.set_load("radio", True)
        self.downlink.set_enabled(True)
        self.modes.deployed(now)
        self.beacon.set_mode(self.modes.mode, now)
        self.beacon.start(now)

    def _control_with_sensor_events(self, now: float) -> None:
        for channel in self.sensors.newly_flagged:
            self.events.emit(now, "SENSOR_FLAGGED", channel.bit, 1 if channel.reason == "range" else 2)
        for channel in self.sensors.newly_recovered:
            self.events.emit(now, "SENSOR_RECOVERED", channel.bit)
        self.sensors.newly_flagged, self.sensors.newly_recovered = [], []
        self.modes.control(now)

    def _status(self) -> dict[str, float]:
        return {
            "mode": self.modes.mode,
            "boot_count": self.params.boot_count,
            "reset_cause": self.params.reset_cause,
            "frames_sent": self.downlink.frames_sent,
            "commands_received": self.commanding.received,
            "commands_rejected": self.commanding.rejected,
            "antenna_deployed": int(self.params.antenna_deployed),
            "files_stored": len(self.files.ids()),
            "store_free_kb": self.files.free_bytes() / 1000.0,
            "time_tags_pending": len(self.commanding.schedule),
        }

    def _save_params(self) -> None:
        self.params.save(self.storage)

    def _component_failed(self, component: Component, exc: BaseException) -> None:
        now = self.hal.clock.now()
        if component is not self.events:
            self.events.emit(now, "COMPONENT_FAILURE", _component_id(component.name), component.failures)

    def _request_reset(self, component_name: str) -> None:
        now = self.hal.clock.now()
        self.events.emit(now, "WATCHDOG_RESET", _component_id(component_name))
        self._reset_requested = int(ResetCause.WATCHDOG)

    # --- uplink -------------------------------------------------------------------------------

    def _receive(self, now: float) -> None:
        while True:
            try:
                data = self.hal.radio.receive()
            except Exception:
                return
            if data is None:
                return
            frame = ax25.decode(data)
            if isinstance(frame, ax25.Frame):
                self._uplink(frame, now)
            else:  # counted and reported at a bounded rate, never answered
                too_long = frame.reason == LinkReason.TOO_LONG
                self.commanding.refuse(now, Reason.FRAME_TOO_LONG if too_long else Reason.BAD_FRAME,
                                       answer=False)

    def _uplink(self, frame: ax25.Frame, now: float) -> None:
        """A frame heard on the uplink: a telecommand when it is addressed to us from the
        ground station; anything else is counted as a refusal (see Commanding.refuse)."""
        if frame.destination != self.callsign:
            self.commanding.refuse(now, Reason.WRONG_DESTINATION, answer=False)
        elif frame.source.callsign != self.config.ground_callsign:
            self.commanding.refuse(now, Reason.WRONG_SOURCE, answer=False)
        else:
            self.commanding.handle(frame.info, now)

    # --- inspection ---------------------------------------------------------------------------

    CRITICAL_TIMERS = ("commanding.timetag", "deployment.silence", "deployment.burn",
                       "deployment.check")

    def next_critical_time(self) -> float:
        """The next time something must happen exactly then (a time-tagged command, a step of
        the deployment sequence); infinity when nothing is pending.

        ``step()`` asks for every control period; a runner that lets the software sleep through
        quiet stretches to save time must still wake it at this time, or time-tagged commands
        run late. (A long sleep also leaves a gap in the housekeeping history.)
        """
        times = [self.scheduler.pending(name) for name in self.CRITICAL_TIMERS]
        return min((t for t in times if t is not None), default=float("inf"))

    @property
    def mode(self) -> int:
        return self.modes.mode

    @property
    def images_captured(self) -> int:
        """Images stored since launch (a persistent counter)."""
        return self.params.images_captured

    @property
    def commands_executed(self) -> int:
        """Telecommands completed since launch, time-tagged ones when they ran (persistent)."""
        return self.params.commands_executed

    @property
    def commands_received(self) -> int:
        """Valid telecommands since this boot."""
        return self.commanding.received

    def state(self) -> dict[str, Any]:
        """Every component's state, by component name, plus the scheduler's."""
        out: dict[str, Any] = {name: c.state() for name, c in self.components.items()}
        out["scheduler"] = self.scheduler.state()
        out["files"] = self.files.state()
        out["params"] = {k: v for k, v in vars(self.params).items()}
        return out


COMPONENT_IDS = {"events": 1, "downlink": 2, "housekeeping": 3, "modes": 4, "beacon": 5,
                 "deployment": 6, "watchdog": 7, "commanding": 8, "payload": 9, "files": 10,
                 "transfer": 11}


def _component_id(name: str) -> int:
    return COMPONENT_IDS.get(name, 0)

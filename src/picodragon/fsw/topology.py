"""The topology: every component instantiated and wired in one place, and the step loop.

:class:`FlightSoftware` is what the mission runner (or a real on-board computer's main loop)
drives: ``boot()`` once at power-up, then ``step()`` whenever the clock reaches the time the
previous ``step()`` returned, or earlier when a frame arrives on the uplink. Each step reads the
uplink, runs everything due and returns the next time it has work.

The topology only builds and connects (F Prime's topology): each component declares its own
commands, rate-group work, events and housekeeping fields (:class:`~picodragon.fsw.scheduler.
Component`), and :meth:`FlightSoftware._build` registers the commands with the dispatcher, puts
the rate-group work on the scheduler and connects ports, the one way components are wired. The
same is done for a mission's own components (``extra_components``), so a team's part is wired
exactly as the reference ones are (docs/fsw.md, "Your own component").

Rate groups: ``control`` (``control_period_s``, 10 s) samples and validates the sensors due,
runs fault protection and the watchdog; ``housekeeping`` (``housekeeping_interval_s``, 60 s)
stores HOUSEKEEPING and ADCS packets. Beacons, the deployment sequence and time-tagged
commands run on timers; the downlink's pacing is the time of its next free frame.

A reset, whichever its cause, is a new ``boot()``: every component is rebuilt from nothing but
the persistent parameters and the storage, exactly as after a power cycle, so the software that
runs after a reset is the software that runs after power-up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from picodragon.dictionary.definitions import Dictionary
from picodragon.dictionary.files import MAX_CHUNK_DATA
from picodragon.dictionary.loader import core
from picodragon.dictionary.telecommand import Reason
from picodragon.fsw.beacon import Beacon
from picodragon.fsw.commanding import Commanding
from picodragon.fsw.deployment import Deployment
from picodragon.fsw.downlink import Downlink
from picodragon.fsw.events import EventLog, Sequencer
from picodragon.fsw.filestore import FileStore
from picodragon.fsw.hal import Hal
from picodragon.fsw.housekeeping import Housekeeping
from picodragon.fsw.modes import ModeManager, Modes, SoftwareWatchdog
from picodragon.fsw.params import FswConfig, MemoryStorage, PersistentParams, ResetCause
from picodragon.fsw.payload import Payload
from picodragon.fsw.scheduler import Component, Scheduler
from picodragon.fsw.sensors import SensorMonitor
from picodragon.fsw.system import System
from picodragon.fsw.transfer import FileTransfer, HistoryDump
from picodragon.link import ax25
from picodragon.link.errors import Reason as LinkReason

RECENT_BOOTS_KEPT = 8
#: a clock reading this much earlier than the previous step's is a jump back, not jitter
BACKWARD_JUMP_S = 1.0

REFERENCE_COMPONENTS = ("events", "downlink", "housekeeping", "modes", "beacon", "deployment",
                        "watchdog", "commanding", "payload", "transfer", "system")
"""The reference flight software's components, every one selected by default."""
ESSENTIAL_COMPONENTS = frozenset({"events", "downlink", "housekeeping", "modes", "deployment",
                                  "watchdog", "commanding", "system"})
"""Those no selection may leave out: without them nothing is commanded, sent or protected.
The others (``beacon``, ``payload``, ``transfer``) are parts a mission may drop; their commands
then fail FAILED (a dictionary command without a handler)."""


@dataclass(frozen=True)
class ComponentContext:
    """What a component may be built with: the flight software's resources, never another
    component (those it reaches only through its ports, connected by the topology)."""

    hal: Hal
    config: FswConfig
    dictionary: Dictionary
    modes: Modes
    scheduler: Scheduler
    storage: Any
    sequencer: Sequencer
    files: FileStore
    params: PersistentParams
    save_params: Callable[[], None]
    boot_time: float


ComponentFactory = Callable[[ComponentContext], Component]
"""A mission's own component: a Component subclass (or any callable) taking the context."""


class FlightSoftware:
    """The whole flight software over one HAL, speaking ``dictionary`` (the core one by
    default). ``components`` selects the reference components (all by default; see
    ``ESSENTIAL_COMPONENTS``); ``extra_components`` are a mission's own, built from the
    :class:`ComponentContext` and wired like the others. An unusable selection or a dictionary
    without the needed modes, packets or commands is refused here, with one clear ValueError
    line, before anything runs."""

    def __init__(self, hal: Hal, config: FswConfig, *, dictionary: Dictionary | None = None,
                 components: Iterable[str] | None = None,
                 extra_components: Iterable[ComponentFactory] = ()) -> None:
        self.hal = hal
        self.config = config
        self.dictionary = dictionary or core()
        self.modes_table = Modes.from_dictionary(self.dictionary)
        self.selected = _selection(components)
        self.extra_components = tuple(extra_components)
        _check_dictionary(self.dictionary, self.extra_components)
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
        first = (self.modes, self.commanding, self.deployment)
        for component in first + tuple(c for c in self.components.values() if c not in first):
            component.boot(now)
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
        """Build the selected components, then connect them (one way: ports and registrations)."""
        cfg, hal, storage, d = self.config, self.hal, self.storage, self.dictionary
        table, params, save = self.modes_table, self.params, self._save_params
        self.scheduler = Scheduler()
        self.scheduler.add_group("control", cfg.control_period_s, now)
        self.scheduler.add_group("housekeeping", cfg.housekeeping_interval_s, now)
        sequencer = Sequencer()
        self.files = FileStore(storage, cfg.filestore_capacity_bytes)
        self.sensors = SensorMonitor(hal, dict(cfg.sensor_periods_s))
        self.dump = HistoryDump()

        # instances
        self.events = EventLog(storage, sequencer, cfg.event_history_capacity, dictionary=d,
                               files=self.files)
        self.downlink = Downlink(hal.radio, self.callsign, ax25.Address(cfg.beacon_destination),
                                 cfg.downlink_bit_rate, cfg.downlink_duty, switches=hal.switches)
        self.housekeeping = Housekeeping(self.sensors, storage, sequencer, cfg.hk_history_capacity,
                                         now, dictionary=d, params=params, files=self.files)
        self.modes = ModeManager(self.sensors, hal.switches, cfg, params, save, table)
        self.beacon = Beacon(self.scheduler, hal.cw, cfg.beacon_text, cfg.cw_wpm,
                             cfg.telemetry_beacon_interval_s, cfg.cw_beacon_interval_s,
                             cfg.low_power_beacon_factor, modes=table, params=params,
                             save_params=save)
        self.deployment = Deployment(self.scheduler, hal.antenna, params, save, cfg)
        self.watchdog = SoftwareWatchdog(cfg.watchdog_stall_periods, hal.watchdog, now)
        self.commanding = Commanding(cfg.auth_key, params, save, self.scheduler, storage,
                                     sequencer, None, cfg.time_tag_capacity, cfg.replay_window,
                                     cfg.refusal_report_interval_s,
                                     cfg.refusal_answers_per_interval, dictionary=d)
        self.payload = Payload(hal, self.files, modes=table, params=params, save_params=save)
        self.transfer = FileTransfer(self.files, storage, sequencer,
                                     min(cfg.file_chunk_size, MAX_CHUNK_DATA),
                                     cfg.contact_timeout_s, dictionary=d, modes=table)
        self.system = System(hal.clock)
        built: dict[str, Component] = {
            "events": self.events, "downlink": self.downlink, "housekeeping": self.housekeeping,
            "modes": self.modes, "beacon": self.beacon, "deployment": self.deployment,
            "watchdog": self.watchdog, "commanding": self.commanding, "payload": self.payload,
            "transfer": self.transfer, "system": self.system}
        self.components = {name: c for name, c in built.items() if name in self.selected}
        context = ComponentContext(hal, cfg, d, table, self.scheduler, storage, sequencer,
                                   self.files, params, save, now)
        for factory in self.extra_components:
            component = factory(context)
            if component.name in self.components:
                raise ValueError(f"component name {component.name!r} is taken")
            self.components[component.name] = component

        # the same connections for every component, reference or the mission's own
        for component in self.components.values():
            component.events_out.connect(self.events.report)
            for command, handler in component.command_handlers().items():
                self.commanding.register(command, handler)
            if component is not self.housekeeping:
                self.housekeeping.status_in.connect(component.telemetry)
            if hasattr(component, "mode_changed"):
                self.modes.mode_out.connect(component.mode_changed)
            if component not in (self.events, self.beacon) and hasattr(component, "packets_out"):
                component.packets_out.connect(self.downlink.enqueue)
        self.scheduler.failures_out.connect(self.events.component_failed)

        # the reference components' particular messages
        self.events.packets_out.connect(self.downlink.enqueue)
        self.events.playback_out.connect(self.dump.play)
        self.housekeeping.playback_out.connect(self.dump.play)
        self.commanding.responses_out.connect(self.downlink.enqueue)
        self.commanding.responses_out.connect(self.events.keep)
        self.commanding.realtime_out.connect(self.downlink.enqueue)
        self.commanding.listing_out.connect(self.dump.enqueue)
        self.downlink.add_source(self.dump)
        self.deployment.ready_out.connect(self.downlink.ready)
        self.deployment.ready_out.connect(self.modes.deployed)
        self.watchdog.reset_out.connect(self._request_reset)
        self.system.reset_out.connect(self._request_reset)
        self.system.rebase_out.connect(self._rebase)
        if "beacon" in self.components:
            self.beacon.packets_out.connect(self.downlink.enqueue)
            self.beacon.packet_in.connect(self.housekeeping.packet)
            self.deployment.ready_out.connect(self.beacon.start)
        if "transfer" in self.components:
            self.commanding.contact_out.connect(self.transfer.contact)
            self.transfer.listing_out.connect(self.dump.enqueue)
            self.downlink.add_source(self.transfer)

        # schedule: each rate group runs its members in component order, the watchdog last,
        # and the watchdog watches every member at the period of its fastest group
        periods = {g.name: g.period_s for g in self.scheduler.groups}
        members = [c for c in self.components.values() if c is not self.watchdog]
        for component in (*members, self.watchdog):
            for group, method in component.rate_groups.items():
                if group not in periods:
                    raise ValueError(f"component {component.name}: no rate group {group!r} "
                                     f"(known: {', '.join(periods)})")
                self.scheduler.every(group, component, getattr(component, method))
        for component in members:
            if component.rate_groups:
                self.watchdog.watch(component, min(periods[g] for g in component.rate_groups))

    def _rebase(self, offset: float) -> None:
        """Move everything measured on the clock by ``offset`` (time tags stay in UTC)."""
        self.scheduler.rebase(offset)
        for component in self.components.values():
            component.rebase(offset)
        self.boot_time += offset
        self._last_now += offset
        self.params.recent_boots = [t + offset for t in self.params.recent_boots]
        self._save_params()

    def _save_params(self) -> None:
        self.params.save(self.storage)

    def _request_reset(self, cause: ResetCause) -> None:
        """A component asked for a reset: done at the end of the step."""
        self._reset_requested = int(cause)

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



def _selection(components: Iterable[str] | None) -> tuple[str, ...]:
    """The reference components selected; ValueError for an unknown or missing essential one."""
    if components is None:
        return REFERENCE_COMPONENTS
    chosen = tuple(dict.fromkeys(components))
    unknown = [c for c in chosen if c not in REFERENCE_COMPONENTS]
    if unknown:
        raise ValueError(f"no reference component {', '.join(map(repr, unknown))} "
                         f"(known: {', '.join(REFERENCE_COMPONENTS)})")
    missing = sorted(ESSENTIAL_COMPONENTS - set(chosen))
    if missing:
        raise ValueError(f"the flight software cannot run without {', '.join(missing)}")
    return chosen


_NEEDED_PACKETS = ("HOUSEKEEPING", "EVENT_REPORT", "COMMAND_RESPONSE", "ADCS", "FILE_ENTRY",
                   "TIME_TAG_ENTRY")


def _check_dictionary(dictionary: Dictionary, extras: Iterable[ComponentFactory]) -> None:
    """Refuse, before anything runs, a dictionary without the reference components' packets or
    without a command a mission's component class declares."""
    missing = [name for name in _NEEDED_PACKETS if not dictionary.has_packet(name)]
    if missing:
        raise ValueError(f"dictionary {dictionary.name} lacks the packets "
                         f"{', '.join(missing)} the flight software sends (extend the core)")
    for extra in extras:
        unknown = [c for c in getattr(extra, "commands", {}) if dictionary.command(c) is None]
        if unknown:
            raise ValueError(f"component {getattr(extra, 'name', extra)!r} handles "
                             f"{', '.join(unknown)}, which dictionary {dictionary.name} does "
                             f"not declare")

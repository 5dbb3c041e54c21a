"""The topology: every component instantiated and wired in one place, and the step loop.

:class:`FlightSoftware` is what the mission runner (or a real on-board computer's main loop)
drives: ``boot()`` once at power-up, then ``step()`` whenever the clock reaches the time the
previous ``step()`` returned, or earlier when a frame arrives on the uplink. Each step reads the
uplink, runs everything due and returns the next time it has work.

Rate groups: ``control`` (``control_period_s``, 10 s) samples and validates the sensors, runs
fault protection and the watchdog and checks the time-tagged commands; ``housekeeping``
(``housekeeping_interval_s``, 60 s) stores a HOUSEKEEPING packet. Beacons, the deployment
sequence and the downlink's pacing run on timers.

A reset, whichever its cause, is a new ``boot()``: every component is rebuilt from nothing but
the persistent parameters and the storage, exactly as after a power cycle, so the software that
runs after a reset is the software that runs after power-up.
"""

from __future__ import annotations

from typing import Any

from picodragon.fsw.beacon import Beacon
from picodragon.fsw.deployment import Deployment
from picodragon.fsw.downlink import Downlink
from picodragon.fsw.events import EventLog, Sequencer
from picodragon.fsw.hal import Hal
from picodragon.fsw.housekeeping import Housekeeping
from picodragon.fsw.modes import ModeManager, SoftwareWatchdog
from picodragon.fsw.params import FswConfig, MemoryStorage, PersistentParams, ResetCause
from picodragon.fsw.scheduler import Component, Scheduler
from picodragon.fsw.sensors import SensorMonitor
from picodragon.link import ax25

RECENT_BOOTS_KEPT = 8


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
        params.recent_boots = (params.recent_boots + [now])[-RECENT_BOOTS_KEPT:]
        params.save(self.storage)
        self.params = params
        self.boot_time = now
        self._build(now)
        self.events.emit(now, "BOOT", params.boot_count, params.reset_cause)
        if defaulted:
            self.events.emit(now, "PARAMS_DEFAULTED")
        self.modes.boot(now)
        self.deployment.boot(now)
        self.booted = True

    def reset(self, cause: ResetCause) -> None:
        """A software reset: record the cause, drop every component, boot again."""
        self.params.pending_reset_cause = int(cause)
        self.params.save(self.storage)
        self.resets += 1
        self.boot()

    def step(self) -> float:
        """Run what is due now (uplink first); return the next time there is work."""
        if not self.booted:
            self.boot()
        now = self.hal.clock.now()
        self._receive(now)
        self.scheduler.run_due(now)
        self.downlink.service(now)
        if self._reset_requested is not None:
            self.reset(ResetCause(self._reset_requested))
            now = self.hal.clock.now()
            self.scheduler.run_due(now)
            self.downlink.service(now)
        return max(now, min(self.scheduler.next_due(), self.downlink.next_wanted(now)))

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
        self.sensors = SensorMonitor(hal)
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

        # messages
        self.events.packets_out.connect(self.downlink.enqueue)
        self.beacon.packets_out.connect(self.downlink.enqueue)
        self.beacon.make_packet = self.housekeeping.packet
        self.modes.mode_out.connect(lambda m: self.beacon.set_mode(m[0], m[1]))
        self.deployment.ready_out.connect(self._deployed)
        self.housekeeping.status = self._status

        # schedule: the control rate group runs in this order
        self.scheduler.every("control", self.housekeeping, self.housekeeping.sample)
        self.scheduler.every("control", self.modes, self._control_with_sensor_events)
        self.scheduler.every("control", self.watchdog, self.watchdog.check)
        self.scheduler.every("housekeeping", self.housekeeping, self.housekeeping.record)
        self.watchdog.watch(self.housekeeping, cfg.control_period_s)
        self.watchdog.watch(self.modes, cfg.control_period_s)

        self.components = {c.name: c for c in (
            self.events, self.downlink, self.housekeeping, self.modes, self.beacon,
            self.deployment, self.watchdog)}

    def _deployed(self, now: float) -> None:
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
            "commands_received": 0,
            "commands_rejected": 0,
            "antenna_deployed": int(self.params.antenna_deployed),
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
            if isinstance(frame, ax25.Frame) and frame.destination == self.callsign:
                self._uplink(frame, now)

    def _uplink(self, frame: ax25.Frame, now: float) -> None:
        """A frame addressed to us (first cut: nothing is commanded yet)."""

    # --- inspection ---------------------------------------------------------------------------

    @property
    def mode(self) -> int:
        return self.modes.mode

    def state(self) -> dict[str, Any]:
        """Every component's state, by component name, plus the scheduler's."""
        out: dict[str, Any] = {name: c.state() for name, c in self.components.items()}
        out["scheduler"] = self.scheduler.state()
        out["params"] = {k: v for k, v in vars(self.params).items()}
        return out


COMPONENT_IDS = {"events": 1, "downlink": 2, "housekeeping": 3, "modes": 4, "beacon": 5,
                 "deployment": 6, "watchdog": 7, "commanding": 8, "payload": 9, "files": 10,
                 "transfer": 11}


def _component_id(name: str) -> int:
    return COMPONENT_IDS.get(name, 0)

"""Beacons: the CW beacon and the AX.25 telemetry beacon (each on the frequency the mission's
radio uses; the flight software sees only the HAL's devices, not frequencies).

The telemetry beacon is a HOUSEKEEPING packet in a UI frame to ``CQ`` every
``telemetry_beacon_interval_s`` (30 s by default; commandable); the CW beacon keys the mission's
text (``FswConfig.beacon_text``, e.g. the spacecraft's name and callsign) every
``cw_beacon_interval_s`` (120 s by default). Both start only when the deployment sequence
enables the transmitter. By mode:

| mode | telemetry beacon | CW beacon |
|---|---|---|
| BOOT | off (RF silence, then until the antenna is out) | off |
| DETUMBLE, NOMINAL, IMAGING | every interval | every CW interval |
| LOW_POWER, SAFE | every interval x ``low_power_beacon_factor`` | every CW interval (it costs little and lets anyone find the spacecraft) |
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from picodragon.fsw.hal import CwBeacon
from picodragon.fsw.modes import REFERENCE, ModeChanged, Modes
from picodragon.fsw.params import PersistentParams
from picodragon.fsw.scheduler import Component, Port, PullPort, Scheduler


class Beacon(Component):
    """Schedules both beacons from the mode and the commanded interval.

    The telemetry beacon's packet is asked of ``packet_in`` (the housekeeping's fresh packet);
    the commanded interval is kept in the persistent parameters, so it survives resets.
    """

    name = "beacon"
    component_id = 5
    commands = {"SET_BEACON_INTERVAL": "set_beacon_interval"}

    def __init__(self, scheduler: Scheduler, cw: CwBeacon | None, text: str, wpm: float,
                 telemetry_interval_s: float, cw_interval_s: float, slow_factor: float, *,
                 modes: Modes = REFERENCE, params: PersistentParams | None = None,
                 save_params: Callable[[], None] = lambda: None) -> None:
        super().__init__()
        self.scheduler = scheduler
        self.cw = cw
        self.text = text
        self.wpm = wpm
        self.params = params if params is not None else PersistentParams()
        self.save_params = save_params
        self.telemetry_interval_s = self.params.beacon_interval_s or telemetry_interval_s
        self.cw_interval_s = cw_interval_s
        self.slow_factor = slow_factor
        self.table = modes
        self.packets_out: Port[bytes] = Port("beacon.packets_out")
        self.packet_in: PullPort[bytes] = PullPort("beacon.packet_in")
        """the telemetry beacon's packet, asked with the time (the housekeeping's)"""
        self.mode = modes.boot
        self.active = False
        self.last_telemetry = 0.0
        self.telemetry_sent = 0
        self.cw_sent = 0
        if cw is not None:
            with contextlib.suppress(Exception):
                cw.set_enabled(False)

    def interval(self) -> float:
        factor = self.slow_factor if self.mode in self.table.reduced else 1.0
        return self.telemetry_interval_s * factor

    def start(self, now: float) -> None:
        """Begin beaconing (the transmitter is on and the antenna out)."""
        self.active = True
        if self.cw is not None:
            with contextlib.suppress(Exception):
                self.cw.set_enabled(True)
        self._telemetry(now)
        if self.cw is not None:
            self._cw(now)

    def set_mode(self, mode: int, now: float) -> None:
        self.mode = mode
        if self.active:  # the new interval counts from the last beacon
            due = max(now, self.last_telemetry + self.interval())
            self.scheduler.at("beacon.telemetry", due, self._telemetry, self)

    def mode_changed(self, change: ModeChanged) -> None:
        """The mode manager's message: the interval follows the new mode."""
        self.set_mode(change.new, change.at)

    def set_beacon_interval(self, now: float, arguments: dict[str, float]) -> int:
        """SET_BEACON_INTERVAL: kept in the persistent parameters, applied at once."""
        self.params.beacon_interval_s = float(arguments["interval_s"])
        self.save_params()
        self.set_interval(float(arguments["interval_s"]), now)
        return 0

    def set_interval(self, interval_s: float, now: float) -> None:
        self.telemetry_interval_s = interval_s
        self.set_mode(self.mode, now)

    def rebase(self, offset_s: float) -> None:
        super().rebase(offset_s)
        self.last_telemetry += offset_s

    def _telemetry(self, now: float) -> None:
        self.last_telemetry = now
        self.scheduler.at("beacon.telemetry", now + self.interval(), self._telemetry, self)
        for packet in self.packet_in.ask(now):
            self.packets_out.send(packet)
        self.telemetry_sent += 1

    def _cw(self, now: float) -> None:
        self.scheduler.at("beacon.cw", now + self.cw_interval_s, self._cw, self)
        assert self.cw is not None
        try:
            self.cw.send(self.text, self.wpm)
        except Exception:  # a silent CW transmitter must not stop the telemetry beacon
            self.failures += 1
            return
        self.cw_sent += 1

    def state(self) -> dict[str, Any]:
        return super().state() | {
            "active": self.active, "interval_s": self.interval(),
            "telemetry_sent": self.telemetry_sent, "cw_sent": self.cw_sent,
        }

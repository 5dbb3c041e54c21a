"""Modes and fault protection, and the software watchdog.

Modes (the dictionary's MODES) and their rules, checked every control period on validated
sensor values (a flagged sensor reads NaN and is left out of every rule):

| mode | entered | left | loads |
|---|---|---|---|
| BOOT (0) | at every boot | when the deployment sequence is done: DETUMBLE | camera off |
| DETUMBLE (1) | after deployment | body rate under ``detumble_rate_rad_s`` for 3 samples, or ``detumble_timeout_s``, or no gyro: NOMINAL | camera off, no imaging |
| NOMINAL (2) | from DETUMBLE, LOW_POWER (recovered), IMAGING (done) or by command | by the rules below | camera on only while capturing |
| IMAGING (3) | by command (SET_MODE 3), from NOMINAL | after ``IMAGING_TIMEOUT_S`` or by command: NOMINAL | camera kept on |
| LOW_POWER (4) | battery voltage under ``low_power_enter_v`` or state of charge under ``low_power_enter_soc`` (either valid reading suffices) | both valid readings above the exit thresholds (hysteresis): NOMINAL | camera off, no imaging; slower beacon; no file downlink |
| SAFE (5) | an internal temperature (on-board computer, battery) out of ``safe_temperature_low_c..high_c``; a boot loop (``boot_loop_resets`` boots within ``boot_loop_window_s``); or by command | by ground command only (latched in the persistent parameters, so it survives resets) | as LOW_POWER |

Independently of the mode, the battery heater is switched on under ``battery_heater_on_c`` and
off over ``battery_heater_off_c``. LOW_POWER is checked in every mode but SAFE and BOOT.

The watchdog: each watched component must complete its scheduled work at least once every
``watchdog_stall_periods`` of its period. If one does not (it raised every time, or a fault
hook hung it), the watchdog records the cause and asks for a software reset; while all are
alive it kicks the hardware watchdog, so a hang of the scheduler itself resets the computer.
"""

from __future__ import annotations

import contextlib
import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from picodragon.fsw.hal import PowerSwitches
from picodragon.fsw.params import FswConfig, PersistentParams
from picodragon.fsw.scheduler import Component, Port
from picodragon.fsw.sensors import SensorMonitor

BOOT, DETUMBLE, NOMINAL, IMAGING, LOW_POWER, SAFE = range(6)
IMAGING_TIMEOUT_S = 600.0
#: temperature sensor locations (substrings) whose limits protect the spacecraft
INTERNAL_LOCATIONS = ("obc", "batt")

#: load switch states by mode (names as in the HAL's PowerSwitches)
LOADS = {
    BOOT: {"camera": False},
    DETUMBLE: {"camera": False},
    NOMINAL: {"camera": False},
    IMAGING: {"camera": True},
    LOW_POWER: {"camera": False},
    SAFE: {"camera": False},
}


@dataclass(frozen=True)
class ModeChanged:
    """The message the mode manager sends on every transition."""

    old: int
    new: int
    at: float


class ModeManager(Component):
    """Holds the mode and applies the fault protection rules."""

    name = "modes"

    def __init__(self, sensors: SensorMonitor, switches: PowerSwitches | None, config: FswConfig,
                 params: PersistentParams, save_params: Callable[[], None],
                 emit: Callable[..., None]) -> None:
        super().__init__()
        self.sensors = sensors
        self.switches = switches
        self.config = config
        self.params = params
        self.save_params = save_params
        self.emit = emit
        self.mode_out: Port[ModeChanged] = Port("modes.mode_out")
        self.mode = BOOT
        self.entered_at = 0.0
        self.calm_samples = 0
        self.heater_on = False
        self.transitions: deque[tuple[float, int, int]] = deque(maxlen=256)

    # --- entry points -------------------------------------------------------------------------

    def boot(self, now: float) -> None:
        self.entered_at = now
        self._apply_loads()
        recent = [t for t in self.params.recent_boots if now - t < self.config.boot_loop_window_s]
        if len(recent) >= self.config.boot_loop_resets and not self.params.safe_latched:
            self.emit(now, "BOOT_LOOP", len(recent), int(self.config.boot_loop_window_s))
            self.params.safe_latched = True
            self.save_params()

    def deployed(self, now: float) -> None:
        """The deployment sequence is over: leave BOOT."""
        if self.params.safe_latched:
            self._set(SAFE, now)
        else:
            self._set(DETUMBLE, now)

    def request(self, mode: int, now: float) -> int:
        """A commanded mode change; 0 when done, else a reason code (see telecommand.Reason)."""
        from picodragon.dictionary.telecommand import Reason

        if self.mode == BOOT:
            return int(Reason.WRONG_MODE)
        if mode in (NOMINAL, IMAGING, DETUMBLE) and self._power_low():
            return int(Reason.POWER_LOW)
        if self.params.safe_latched:
            self.params.safe_latched = False
            self.save_params()
        self._set(mode, now)
        return 0

    # --- the control rate ---------------------------------------------------------------------

    def control(self, now: float) -> None:
        self._thermal(now)
        if self.mode in (BOOT, SAFE):
            return
        if self._power_low():
            if self.mode != LOW_POWER:
                volts = self.sensors.value("battery_voltage_v")
                self.emit(now, "LOW_BATTERY", int(volts * 1000) if math.isfinite(volts) else -1)
                self._set(LOW_POWER, now)
            return
        if self.mode == LOW_POWER:
            if self._power_recovered():
                volts = self.sensors.value("battery_voltage_v")
                self.emit(now, "BATTERY_RECOVERED", int(volts * 1000) if math.isfinite(volts) else -1)
                self._set(NOMINAL, now)
            return
        if self.mode == DETUMBLE:
            self._detumble(now)
        elif self.mode == IMAGING and now - self.entered_at >= IMAGING_TIMEOUT_S:
            self._set(NOMINAL, now)

    def _power_low(self) -> bool:
        volts = self.sensors.value("battery_voltage_v")
        soc = self.sensors.value("battery_soc")
        return (math.isfinite(volts) and volts < self.config.low_power_enter_v) or (
            math.isfinite(soc) and soc < self.config.low_power_enter_soc
        )

    def _power_recovered(self) -> bool:
        volts = self.sensors.value("battery_voltage_v")
        soc = self.sensors.value("battery_soc")
        if not math.isfinite(volts) and not math.isfinite(soc):
            return False  # nothing to judge by: stay careful
        return (not math.isfinite(volts) or volts > self.config.low_power_exit_v) and (
            not math.isfinite(soc) or soc > self.config.low_power_exit_soc
        )

    def _thermal(self, now: float) -> None:
        for name, channel in self.sensors.channels.items():
            if not name.startswith("temperature_c:") or channel.flagged:
                continue
            if not any(part in name for part in INTERNAL_LOCATIONS):
                continue  # outer panels swing far wider than the electronics inside
            t = channel.value
            in_range = self.config.safe_temperature_low_c <= t <= self.config.safe_temperature_high_c
            if not in_range and self.mode not in (SAFE, BOOT):
                self.emit(now, "TEMPERATURE_ALARM", int(t * 100), channel.bit)
                self.params.safe_latched = True
                self.save_params()
                self._set(SAFE, now)
        battery = self.sensors.temperature("batt")
        if math.isfinite(battery) and self.switches is not None:
            if not self.heater_on and battery < self.config.battery_heater_on_c:
                self.heater_on = True
            elif self.heater_on and battery > self.config.battery_heater_off_c:
                self.heater_on = False
            else:
                return
            with contextlib.suppress(Exception):
                self.switches.set_load("heater", self.heater_on)
            self.emit(now, "HEATER", int(self.heater_on))

    def _detumble(self, now: float) -> None:
        rates = self.sensors.vectors.get("gyro_rad_s")
        if rates is None or not all(math.isfinite(r) for r in rates):
            if now - self.entered_at >= self.config.detumble_timeout_s or rates is None:
                self._set(NOMINAL, now)
            return
        if math.sqrt(sum(r * r for r in rates)) < self.config.detumble_rate_rad_s:
            self.calm_samples += 1
        else:
            self.calm_samples = 0
        if self.calm_samples >= 3 or now - self.entered_at >= self.config.detumble_timeout_s:
            self._set(NOMINAL, now)

    def rebase(self, offset_s: float) -> None:
        super().rebase(offset_s)
        self.entered_at += offset_s

    def _set(self, mode: int, now: float) -> None:
        if mode == self.mode:
            return
        old, self.mode, self.entered_at, self.calm_samples = self.mode, mode, now, 0
        self.transitions.append((now, old, mode))
        self._apply_loads()
        self.emit(now, "MODE_CHANGE", old, mode)
        self.mode_out.send(ModeChanged(old, mode, now))

    def _apply_loads(self) -> None:
        if self.switches is None:
            return
        for load, on in LOADS[self.mode].items():
            # a switch that fails to answer must not stop the mode change
            with contextlib.suppress(Exception):
                self.switches.set_load(load, on)

    def state(self) -> dict[str, Any]:
        return super().state() | {
            "mode": self.mode, "entered_at": self.entered_at, "heater_on": self.heater_on,
            "safe_latched": self.params.safe_latched,
        }


class SoftwareWatchdog(Component):
    """Watches components' heartbeats; asks for a reset when one stalls."""

    name = "watchdog"

    def __init__(self, stall_periods: float, hardware: Any, request_reset: Callable[[str], None],
                 boot_time: float) -> None:
        super().__init__()
        self.stall_periods = stall_periods
        self.hardware = hardware
        self.request_reset = request_reset
        self.boot_time = boot_time
        self.watched: list[tuple[Component, float]] = []
        self.kicks = 0

    def rebase(self, offset_s: float) -> None:
        super().rebase(offset_s)
        self.boot_time += offset_s

    def watch(self, component: Component, period_s: float) -> None:
        self.watched.append((component, period_s))

    def check(self, now: float) -> None:
        for component, period in self.watched:
            last = component.last_heartbeat if component.last_heartbeat is not None else self.boot_time
            if now - last > self.stall_periods * period:
                self.request_reset(component.name)
                return
        if self.hardware is not None:
            with contextlib.suppress(Exception):
                self.hardware.kick()
                self.kicks += 1

    def state(self) -> dict[str, Any]:
        return super().state() | {"watched": [c.name for c, _ in self.watched], "kicks": self.kicks}

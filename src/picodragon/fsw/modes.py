"""Modes and fault protection, and the software watchdog.

The modes are the dictionary's ``modes`` enumeration, the one source of their numbers:
:class:`Modes` reads names -> numbers from the mission's dictionary and refuses, when the
flight software is built, a dictionary that lacks one of the six modes the rules below need
(one ``ModeTableError`` line naming them). The rules live here, over names; the numbers on the
wire are the dictionary's. Checked every control period on validated sensor values (a flagged
sensor reads NaN and is left out of every rule):

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

Charge inhibit: when the power system reports its charger off because the battery is too cold
(``PowerReading.charge_inhibited``; Li-ion cells must not be charged below about 0 degC), the
software says so once (CHARGE_INHIBITED, with the battery's temperature) and switches the battery
heater on whatever the thermostat reads, so that the battery warms up and the array's energy can
be stored again; the heater stays on until the charger is back (CHARGE_RESUMED) and the
thermostat's off threshold is passed. The mode does not change: the battery still powers the
bus, and LOW_POWER follows from its voltage and state of charge as always.

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
from dataclasses import dataclass, field
from typing import Any

from picodragon.dictionary.definitions import Dictionary
from picodragon.dictionary.loader import core
from picodragon.dictionary.telecommand import Reason
from picodragon.fsw.hal import PowerSwitches
from picodragon.fsw.params import FswConfig, PersistentParams, ResetCause
from picodragon.fsw.scheduler import Component, Port
from picodragon.fsw.sensors import Channel, SensorMonitor

REQUIRED_MODES = ("BOOT", "DETUMBLE", "NOMINAL", "IMAGING", "LOW_POWER", "SAFE")
"""The modes the rules of this module need, by their names in the dictionary's ``modes``."""
IMAGING_TIMEOUT_S = 600.0
#: temperature sensor locations (substrings) whose limits protect the spacecraft
INTERNAL_LOCATIONS = ("obc", "batt")


class ModeTableError(ValueError):
    """A dictionary whose ``modes`` enumeration lacks a mode the flight software needs."""


@dataclass(frozen=True)
class Modes:
    """The mode numbers of one dictionary, by the names the rules use, and the rules' sets."""

    boot: int
    detumble: int
    nominal: int
    imaging: int
    low_power: int
    safe: int
    names: dict[int, str] = field(default_factory=dict, compare=False)

    @classmethod
    def from_dictionary(cls, dictionary: Dictionary) -> Modes:
        """Read the numbers from ``dictionary``'s ``modes``; ModeTableError when one is missing."""
        table = dictionary.modes
        numbers = {name: number for number, name in table.items()}
        missing = [name for name in REQUIRED_MODES if name not in numbers]
        if missing:
            raise ModeTableError(
                f"dictionary {dictionary.name}: enums.modes lacks {', '.join(missing)} "
                f"(the flight software's modes are {', '.join(REQUIRED_MODES)})")
        return cls(*(numbers[name] for name in REQUIRED_MODES), names=dict(table))

    @property
    def reduced(self) -> frozenset[int]:
        """LOW_POWER and SAFE: slower beacon, no imaging, no file downlink."""
        return frozenset({self.low_power, self.safe})

    @property
    def capture(self) -> frozenset[int]:
        """Modes in which the camera may capture (NOMINAL, IMAGING)."""
        return frozenset({self.nominal, self.imaging})

    def loads(self, mode: int) -> dict[str, bool]:
        """Load switch states in ``mode`` (names as in the HAL's PowerSwitches): the camera is
        kept on in IMAGING only."""
        return {"camera": mode == self.imaging}


REFERENCE = Modes.from_dictionary(core())
"""The core dictionary's modes (what tests and old callers name; the flight software itself
uses the Modes of the dictionary it is built with)."""
BOOT, DETUMBLE, NOMINAL, IMAGING, LOW_POWER, SAFE = (
    REFERENCE.boot, REFERENCE.detumble, REFERENCE.nominal, REFERENCE.imaging,
    REFERENCE.low_power, REFERENCE.safe)


@dataclass(frozen=True)
class ModeChanged:
    """The message the mode manager sends on every transition."""

    old: int
    new: int
    at: float


class ModeManager(Component):
    """Holds the mode and applies the fault protection rules."""

    name = "modes"
    component_id = 4
    commands = {"SET_MODE": "set_mode"}
    rate_groups = {"control": "control"}

    def __init__(self, sensors: SensorMonitor, switches: PowerSwitches | None, config: FswConfig,
                 params: PersistentParams, save_params: Callable[[], None],
                 modes: Modes = REFERENCE) -> None:
        super().__init__()
        self.sensors = sensors
        self.switches = switches
        self.config = config
        self.params = params
        self.save_params = save_params
        self.table = modes
        self.mode_out: Port[ModeChanged] = Port("modes.mode_out")
        self.mode = modes.boot
        self.entered_at = 0.0
        self.calm_samples = 0
        self.heater_on = False
        self.charge_inhibited = False
        """the power system's charger was last read off (battery too cold to charge)"""
        self.transitions: deque[tuple[float, int, int]] = deque(maxlen=256)
        self._internal: tuple[Channel, ...] | None = None
        """the internal temperature channels the thermal rule watches (found at first use)"""

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
            self._set(self.table.safe, now)
        else:
            self._set(self.table.detumble, now)

    def request(self, mode: int, now: float) -> int:
        """A commanded mode change; 0 when done, else a reason code (see telecommand.Reason)."""
        if self.mode == self.table.boot:
            return int(Reason.WRONG_MODE)
        if mode in (self.table.nominal, self.table.imaging, self.table.detumble) and self._power_low():
            return int(Reason.POWER_LOW)
        if self.params.safe_latched:
            self.params.safe_latched = False
            self.save_params()
        self._set(mode, now)
        return 0

    # --- the control rate ---------------------------------------------------------------------

    def set_mode(self, now: float, arguments: dict[str, float]) -> int:
        """SET_MODE: the commanded mode change (see :meth:`request`)."""
        return self.request(int(arguments["mode"]), now)

    def telemetry(self) -> dict[str, float]:
        return {"mode": self.mode}

    def control(self, now: float) -> None:
        """Control rate: report sensors newly flagged or recovered, then apply the rules."""
        flagged, recovered = self.sensors.take_changes()
        for channel in flagged:
            self.emit(now, "SENSOR_FLAGGED", channel.bit, 1 if channel.reason == "range" else 2)
        for channel in recovered:
            self.emit(now, "SENSOR_RECOVERED", channel.bit)
        self._thermal(now)
        if self.mode in (self.table.boot, self.table.safe):
            return
        if self._power_low():
            if self.mode != self.table.low_power:
                volts = self.sensors.value("battery_voltage_v")
                self.emit(now, "LOW_BATTERY", int(volts * 1000) if math.isfinite(volts) else -1)
                self._set(self.table.low_power, now)
            return
        if self.mode == self.table.low_power:
            if self._power_recovered():
                volts = self.sensors.value("battery_voltage_v")
                self.emit(now, "BATTERY_RECOVERED", int(volts * 1000) if math.isfinite(volts) else -1)
                self._set(self.table.nominal, now)
            return
        if self.mode == self.table.detumble:
            self._detumble(now)
        elif self.mode == self.table.imaging and now - self.entered_at >= IMAGING_TIMEOUT_S:
            self._set(self.table.nominal, now)

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
        if self._internal is None:  # outer panels swing far wider than the electronics inside
            self._internal = self.sensors.temperature_channels(*INTERNAL_LOCATIONS)
        low, high = self.config.safe_temperature_low_c, self.config.safe_temperature_high_c
        for channel in self._internal:
            if channel.flagged:
                continue
            t = channel.value
            in_range = low <= t <= high
            if not in_range and self.mode not in (self.table.safe, self.table.boot):
                self.emit(now, "TEMPERATURE_ALARM", int(t * 100), channel.bit)
                self.params.safe_latched = True
                self.save_params()
                self._set(self.table.safe, now)
        battery = self.sensors.temperature("batt")
        centi = int(battery * 100) if math.isfinite(battery) else -32768
        inhibited = self.sensors.charge_inhibited
        if inhibited is not None and inhibited != self.charge_inhibited:
            self.charge_inhibited = inhibited
            self.emit(now, "CHARGE_INHIBITED" if inhibited else "CHARGE_RESUMED", centi)
        if self.switches is None:
            return
        if self.charge_inhibited:
            if self.heater_on:
                return
            self.heater_on = True  # warm the battery so that it can take charge again
        elif math.isfinite(battery):
            if not self.heater_on and battery < self.config.battery_heater_on_c:
                self.heater_on = True
            elif self.heater_on and battery > self.config.battery_heater_off_c:
                self.heater_on = False
            else:
                return
        else:
            return
        with contextlib.suppress(Exception):
            self.switches.set_load("heater", self.heater_on)
        self.emit(now, "HEATER", int(self.heater_on))

    def _detumble(self, now: float) -> None:
        rates = self.sensors.vectors.get("gyro_rad_s")
        if rates is None or not all(math.isfinite(r) for r in rates):
            if now - self.entered_at >= self.config.detumble_timeout_s or rates is None:
                self._set(self.table.nominal, now)
            return
        if math.sqrt(sum(r * r for r in rates)) < self.config.detumble_rate_rad_s:
            self.calm_samples += 1
        else:
            self.calm_samples = 0
        if self.calm_samples >= 3 or now - self.entered_at >= self.config.detumble_timeout_s:
            self._set(self.table.nominal, now)

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
        for load, on in self.table.loads(self.mode).items():
            # a switch that fails to answer must not stop the mode change
            with contextlib.suppress(Exception):
                self.switches.set_load(load, on)

    def state(self) -> dict[str, Any]:
        return super().state() | {
            "mode": self.mode, "entered_at": self.entered_at, "heater_on": self.heater_on,
            "charge_inhibited": self.charge_inhibited,
            "safe_latched": self.params.safe_latched,
        }


class SoftwareWatchdog(Component):
    """Watches components' heartbeats; asks for a reset when one stalls."""

    name = "watchdog"
    component_id = 7
    rate_groups = {"control": "check"}

    def __init__(self, stall_periods: float, hardware: Any, boot_time: float) -> None:
        super().__init__()
        self.stall_periods = stall_periods
        self.hardware = hardware
        self.reset_out: Port[ResetCause] = Port("watchdog.reset_out")
        """asks for a software reset (WATCHDOG) when a watched component stalls"""
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
                self.emit(now, "WATCHDOG_RESET", component.component_id)
                self.reset_out.send(ResetCause.WATCHDOG)
                return
        if self.hardware is not None:
            with contextlib.suppress(Exception):
                self.hardware.kick()
                self.kicks += 1

    def state(self) -> dict[str, Any]:
        return super().state() | {"watched": [c.name for c, _ in self.watched], "kicks": self.kicks}

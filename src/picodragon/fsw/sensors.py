"""Sensor sampling with validation: out-of-range and stuck sensors are flagged and ignored.

Every channel (a power reading, one temperature, one vector sensor) is checked on each sample:

- **out of range**: NaN, or outside the physically plausible range of that quantity (a battery
  at 20 V, a board at 300 degC): flagged at once;
- **stuck**: the exact same reading ``stuck_samples`` times running. A live ADC always shows
  some noise in its last bits, so an unchanging value means a dead converter or bus. Channels
  that legitimately sit still (solar power is exactly zero in eclipse, the state of charge of a
  fuel gauge) are not checked for this.

Each group of sensors is read on its own schedule (``DEFAULT_PERIODS_S``, set from
``FswConfig.sensor_periods_s``), at the control rate group's resolution.

A flagged channel reads as NaN to the rest of the software (fault protection then relies on
the others) and in telemetry (the "no value" code), and its bit is set in ``flags``. It is
cleared after ``recover_samples`` good, changing readings in a row, or by ground command.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from picodragon.fsw.hal import Hal


@dataclass
class Channel:
    """One validated quantity with its plausible range and its health."""

    name: str
    bit: int
    low: float
    high: float
    check_stuck: bool = True
    last_raw: float | None = None
    repeats: int = 0
    good_run: int = 0
    flagged: bool = False
    reason: str = ""
    value: float = float("nan")


#: fixed channel bits (temperatures follow from bit 8 in HAL order)
BASE_CHANNELS = (
    ("battery_voltage_v", 0, 4.0, 9.5, True),
    ("battery_current_a", 1, -6.0, 6.0, False),
    ("battery_soc", 2, 0.0, 1.0, False),
    ("solar_power_w", 3, 0.0, 20.0, False),
    ("bus_power_w", 4, 0.0, 20.0, False),
    ("magnetometer_t", 5, -1e-3, 1e-3, True),
    ("gyro_rad_s", 6, -20.0, 20.0, True),
)
TEMPERATURE_BIT0 = 8
#: how often each group of sensors is read (a sensor is read at the first control period on
#: or after it is due): the power system and the attitude sensors change fast, temperatures
#: slowly (time constants of many minutes)
DEFAULT_PERIODS_S = {"power": 10.0, "attitude": 10.0, "temperature": 30.0}
#: temperatures beyond this many (bits 8..31 of the flag word) are not read
MAX_TEMPERATURES = 24
#: the power system's channels, in the order a reading is judged
POWER_CHANNELS = ("battery_voltage_v", "battery_current_a", "battery_soc", "solar_power_w",
                  "bus_power_w")
NAN = float("nan")
NAN3 = (NAN, NAN, NAN)


def _largest(vec: tuple[float, ...]) -> float:
    """The axis of largest magnitude, a non-finite one first (the first such when several):
    the one value the range check must see."""
    worst, worst_key = NAN, -1.0
    for x in vec:
        key = abs(x) if math.isfinite(x) else math.inf
        if key > worst_key:
            worst, worst_key = x, key
    return worst


class SensorMonitor:
    """Reads the HAL's sensors, validates each channel and keeps the validated values."""

    def __init__(self, hal: Hal, periods_s: dict[str, float] | None = None,
                 stuck_samples: int = 30, recover_samples: int = 3) -> None:
        self.hal = hal
        self.periods_s = dict(DEFAULT_PERIODS_S, **(periods_s or {}))
        self.next_due = dict.fromkeys(self.periods_s, -math.inf)
        self.stuck_samples = stuck_samples
        self.recover_samples = recover_samples
        self.channels: dict[str, Channel] = {
            name: Channel(name, bit, lo, hi, stuck) for name, bit, lo, hi, stuck in BASE_CHANNELS
        }
        self.temperature_names: list[str] = []
        for i, sensor in enumerate(hal.temperatures[:MAX_TEMPERATURES]):
            name = f"temperature_c:{sensor.location}"
            if name in self.channels:  # two sensors at one place: tell them apart
                name = f"{name}#{i}"
            self.temperature_names.append(name)
            self.channels[name] = Channel(name, TEMPERATURE_BIT0 + i, -80.0, 150.0, True)
        self.vectors: dict[str, tuple[float, float, float]] = {}
        self.charge_inhibited: bool | None = None
        """the power system's charger is off (battery too cold); None: no reading yet, or the
        reading failed"""
        self.charge_phase: int | None = None
        """the charger's phase as the power system reports it (``hal.PowerReading``); None:
        not reported, no reading yet, or the reading failed"""
        self.newly_flagged: list[Channel] = []
        self.newly_recovered: list[Channel] = []
        self._power_channels = tuple(self.channels[name] for name in POWER_CHANNELS)
        self._temperature_reads = tuple(
            (self.channels[name], sensor)
            for name, sensor in zip(self.temperature_names, hal.temperatures, strict=False))
        self._by_location: dict[str, tuple[Channel, ...]] = {}
        """the temperature channels whose location contains a part, by part (``temperature``
        asks for the same two every control period; the channels are fixed once built)"""

    @property
    def flags(self) -> int:
        """Bit mask of the flagged channels (bits as in BASE_CHANNELS, temperatures from 8)."""
        return sum(1 << c.bit for c in self.channels.values() if c.flagged)

    def value(self, name: str) -> float:
        """The validated value of a channel, NaN when flagged or never read."""
        channel = self.channels.get(name)
        return float("nan") if channel is None or channel.flagged else channel.value

    def temperature(self, location_part: str) -> float:
        """The validated temperature of the first sensor whose location contains ``location_part``."""
        found = self._by_location.get(location_part)
        if found is None:
            found = self._by_location[location_part] = self.temperature_channels(location_part)
        for channel in found:
            if not channel.flagged:
                return channel.value
        return NAN

    def temperature_channels(self, *location_parts: str) -> tuple[Channel, ...]:
        """The temperature channels whose location contains one of ``location_parts``, in
        channel order."""
        return tuple(channel for name, channel in self.channels.items()
                     if name.startswith("temperature_c:")
                     and any(part in name[14:] for part in location_parts))

    def temperatures(self) -> list[float]:
        return [c.value for n, c in self.channels.items()
                if n.startswith("temperature_c:") and not c.flagged and math.isfinite(c.value)]

    def sample(self, now: float | None = None) -> None:
        """Read every sensor due at ``now`` (all of them when None) and judge its health."""
        self.newly_flagged, self.newly_recovered = [], []
        if now is None:
            due: Any = self.periods_s
        else:
            next_due = self.next_due
            due = [group for group, at in next_due.items() if at <= now]
            for group in due:
                next_due[group] = now + self.periods_s[group]
        if "power" in due:
            self._power()
        if "temperature" in due:
            update = self._update
            for channel, sensor in self._temperature_reads:
                try:
                    raw = float(sensor.read_c())
                except Exception:
                    raw = NAN
                update(channel, raw)
        if "attitude" in due:
            self._vector("magnetometer_t", self.hal.magnetometer, "read_t")
            self._vector("gyro_rad_s", self.hal.gyro, "read_rad_s")

    def _power(self) -> None:
        try:
            reading = self.hal.power.read()
            power: tuple[float, ...] = (
                reading.battery_voltage_v, reading.battery_current_a, reading.battery_soc,
                reading.solar_power_w, reading.bus_power_w)
            self.charge_inhibited = bool(getattr(reading, "charge_inhibited", False))
            phase = getattr(reading, "charge_phase", None)
            self.charge_phase = int(phase) if phase is not None and 0 <= int(phase) <= 3 else None
        except Exception:  # a bus error reads as "no value" on every power channel
            power = (NAN,) * len(POWER_CHANNELS)
            self.charge_inhibited = None
            self.charge_phase = None
        update = self._update
        for channel, raw in zip(self._power_channels, power, strict=True):
            update(channel, raw)

    def _vector(self, name: str, device: Any, method: str) -> None:
        if device is None:
            return
        try:
            vec = tuple(map(float, getattr(device, method)()))
            if len(vec) != 3:
                raise ValueError("not a 3-vector")
        except Exception:
            vec = NAN3
        channel = self.channels[name]
        # range-check every axis; stuck-check the vector as a whole
        self._update(channel, _largest(vec), stuck_key=vec)
        self.vectors[name] = vec if not channel.flagged else NAN3

    def _update(self, channel: Channel, raw: float, stuck_key: Any = None) -> None:
        key = raw if stuck_key is None else stuck_key
        bad = ""
        if not math.isfinite(raw) or not channel.low <= raw <= channel.high:
            bad = "range"
        elif channel.check_stuck:
            channel.repeats = channel.repeats + 1 if key == channel.last_raw else 0
            if channel.repeats + 1 >= self.stuck_samples:
                bad = "stuck"
        changed = key != channel.last_raw
        channel.last_raw = key
        channel.value = raw
        if bad:
            channel.good_run = 0
            if not channel.flagged:
                channel.flagged, channel.reason = True, bad
                self.newly_flagged.append(channel)
        elif channel.flagged:
            channel.good_run = channel.good_run + 1 if (changed or not channel.check_stuck) else 0
            if channel.good_run >= self.recover_samples:
                channel.flagged, channel.reason, channel.good_run = False, "", 0
                self.newly_recovered.append(channel)

    def take_changes(self) -> tuple[list[Channel], list[Channel]]:
        """The channels flagged and recovered by the samples since the last call (each told
        once: the lists are emptied)."""
        changes = (self.newly_flagged, self.newly_recovered)
        self.newly_flagged, self.newly_recovered = [], []
        return changes

    def rebase(self, offset_s: float) -> None:
        """The clock was corrected by ``offset_s``: each group's next reading moves with it."""
        self.next_due = {group: t + offset_s for group, t in self.next_due.items()}

    def clear(self) -> None:
        """Forget every flag (ground command): each channel is judged afresh."""
        for channel in self.channels.values():
            channel.flagged, channel.reason, channel.repeats, channel.good_run = False, "", 0, 0

    def state(self) -> dict[str, Any]:
        return {
            "flags": self.flags,
            "flagged": {n: c.reason for n, c in self.channels.items() if c.flagged},
            "values": {n: c.value for n, c in self.channels.items()},
        }

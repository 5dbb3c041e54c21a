"""Device models the flight software drives through the HAL (``picodragon.fsw.hal``).

They satisfy the HAL protocols structurally and do not import them (physics knows nothing of
software). Each device reads the ``state.SpacecraftState`` the twin publishes at its current time
and spends energy through the ``state.ElectricalBus``; no device holds the twin, and nothing here
advances time. Sensors add noise, bias and quantisation from their own seeded random generator, and all
carry a fault API: ``inject_fault(kind, **params)`` with kind one of 'stuck', 'bias_jump', 'dead',
'noisy', and ``clear_fault()``.

Protocol shapes offered (for the HAL owner to adopt):

- Clock.now() -> float Unix s
- Radio.transmit(bytes), receive() -> bytes | None, set_enabled(bool); twin side:
  drain_outbox() -> list[(unix_s, frame)], deliver_uplink(bytes)
- PowerSensor.read() -> PowerReading (same fields as hal.PowerReading)
- TemperatureSensor.location, read_c() -> float (NaN when dead)
- PowerSwitches.set_load(name, on), is_on(name), loads() -> list[str]
- Storage.read/write/delete/keys (capacity-limited flash; write raises OSError when full)
- Magnetometer.read_t() -> (x, y, z) tesla, body frame (NaNs when dead)
- Gyro.read_rad_s() -> (x, y, z) rad/s, body frame
- PositionSource.read() -> PositionFix | None (GNSS-like fix)
- AttitudeSource.read_quaternion() -> (w, x, y, z) body -> TEME | None
- SunSensors.read_a() -> (6,) short-circuit currents of the face panels, A (+X,-X,+Y,-Y,+Z,-Z)
- Camera.capture() -> bytes (JPEG) | None when unpowered; last_metadata: dict
- CwBeacon.send(text, wpm), set_enabled(bool); twin side drain_outbox() -> [(unix_s, text, wpm)]
- AntennaDeployer.burn(duration_s), switch_closed() -> bool; twin side .deployed
- Watchdog.kick(); twin side expired() -> bool
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from picodragon.physics.state import ElectricalBus, SpacecraftState

FAULT_KINDS = ("stuck", "bias_jump", "dead", "noisy")


@dataclass(frozen=True)
class PowerReading:
    """Same fields as ``picodragon.fsw.hal.PowerReading``."""

    battery_voltage_v: float
    battery_current_a: float
    battery_soc: float
    solar_power_w: float
    bus_power_w: float
    charge_inhibited: bool = False
    """the charger is off: the battery is below its charge temperature limit"""
    charge_phase: int = 0
    """0 discharging, 1 constant current, 2 constant voltage, 3 inhibited (``power.CHARGE_PHASES``)"""


class FaultInjectable:
    """Fault API shared by sensors: stuck at last value, bias jump, dead (NaN), extra noise."""

    def __init__(self) -> None:
        self.fault: str | None = None
        self.fault_params: dict = {}
        self._last = None

    def inject_fault(self, kind: str, **params) -> None:
        """kind: 'stuck' | 'bias_jump' (bias=...) | 'dead' | 'noisy' (sigma=...)."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault '{kind}' (one of {', '.join(FAULT_KINDS)})")
        self.fault = kind
        self.fault_params = dict(params)

    def clear_fault(self) -> None:
        self.fault = None
        self.fault_params = {}

    def _apply(self, value, rng: np.random.Generator, quantum: float):
        value = np.asarray(value, dtype=float)
        if self.fault == "dead":
            return np.full_like(value, np.nan)
        if self.fault == "stuck" and self._last is not None:
            return self._last
        if self.fault == "bias_jump":
            value = value + self.fault_params.get("bias", 1.0)
        if self.fault == "noisy":
            value = value + rng.normal(0.0, self.fault_params.get("sigma", 1.0), value.shape)
        if quantum > 0:
            value = np.round(value / quantum) * quantum
        self._last = value
        return value


class ClockDevice:
    """The on-board RTC: the twin's time plus an offset and a drift (ppm) of a quartz RTC."""

    def __init__(self, state: SpacecraftState, offset_s: float = 0.0, drift_ppm: float = 0.0) -> None:
        self._state = state
        self.offset_s = offset_s
        self.drift_ppm = drift_ppm

    def now(self) -> float:
        t = self._state.time
        return t + self.offset_s + self.drift_ppm * 1e-6 * (t - self._state.start_unix)

    def set_time(self, unix_s: float) -> None:
        """What a time-set command does to the RTC."""
        t = self._state.time
        self.offset_s = unix_s - t - self.drift_ppm * 1e-6 * (t - self._state.start_unix)


class RadioDevice:
    """The UHF transceiver as a byte pipe of whole AX.25 frames.

    transmit() records (start time, frame) in the outbox when the transmitter is enabled and its
    load switch ('radio') is on; frames are serialised at the bit rate, so a frame queued while
    another is still on the air starts when that one ends. Each frame keys the bus's transmitter
    from its start for its air time (``ElectricalBus.key``), which the twin charges to the
    battery in the steps that time falls in. HDLC overhead (flags, FCS, bit stuffing) is
    approximated by 4 bytes plus 20 flag bytes of TX delay per frame (1U AFSK practice:
    assumption).
    """

    OVERHEAD_BYTES = 24

    def __init__(self, state: SpacecraftState, switches: PowerSwitchesDevice, bus: ElectricalBus,
                 bit_rate: float) -> None:
        self._state = state
        self._switches = switches
        self.bus = bus
        self.bit_rate = bit_rate
        self.enabled = True
        self._outbox: list[tuple[float, bytes]] = []
        self._inbox: deque[bytes] = deque()
        self._busy_until = -np.inf
        self.frames_sent = 0
        self.frames_dropped = 0
        self.keyed_s_total = 0.0
        """seconds this radio's frames have been on the air"""

    @property
    def transmit_load_w(self) -> float:
        return self.bus.transmit_load_w

    def assume_keying(self, duty: float, t0: float, t1: float) -> None:
        """The transmitter keys at duty (0..1) from t0 to t1: the mission's estimate of the
        software's transmissions over a span it does not run the software through."""
        self.bus.key(t0, t1 - t0, duty)

    def air_time_s(self, frame: bytes) -> float:
        return (len(frame) + self.OVERHEAD_BYTES) * 8.0 / self.bit_rate

    def transmit(self, frame: bytes) -> None:
        frame = bytes(frame)
        if not self.enabled or not self._switches.is_on("radio") or self._state.brownout:
            self.frames_dropped += 1
            return
        start = max(self._state.time, self._busy_until)
        air = self.air_time_s(frame)
        self._busy_until = start + air
        self._outbox.append((start, frame))
        self.frames_sent += 1
        self.bus.key(start, air)
        self.keyed_s_total += air

    def receive(self) -> bytes | None:
        return self._inbox.popleft() if self._inbox else None

    def set_enabled(self, enabled: bool) -> None:
        self.enabled = bool(enabled)

    def drain_outbox(self) -> list[tuple[float, bytes]]:
        """Frames radiated since the last call, as (Unix s at key-up, frame); for the mission."""
        out, self._outbox = self._outbox, []
        return out

    def deliver_uplink(self, frame: bytes) -> None:
        """A frame the receiver decoded (the link decided it arrived); receive() returns it."""
        if not self._state.brownout:
            self._inbox.append(bytes(frame))


_POWER_SIGMAS = np.array([0.005, 0.002, 0.01, 0.01])
"""Noise of the EPS telemetry (1 sigma): battery V, battery A, solar W, bus W."""
_POWER_QUANTA = np.array([0.01, 0.001, 0.001, 0.001, 0.001])
"""Steps of the EPS telemetry: battery V, A, state of charge, solar W, bus W."""
_POWER_SIGMA_FLOATS = tuple(_POWER_SIGMAS.tolist())
_POWER_QUANTUM_FLOATS = tuple(_POWER_QUANTA.tolist())


class PowerSensorDevice(FaultInjectable):
    """EPS telemetry: battery V (10 mV steps), I (1 mA steps), fuel-gauge SoC, solar and bus power.

    Noise: 5 mV, 2 mA, 10 mW (1 sigma; typical 1U EPS ADCs: assumption).
    """

    def __init__(self, state: SpacecraftState, rng: np.random.Generator) -> None:
        super().__init__()
        self._state = state
        self._rng = rng

    def read(self) -> PowerReading:
        s = self._state
        rng = self._rng
        # the four noises in one draw: the same numbers, in the same order, as four scalar
        # rng.normal(0, sigma) (which is 0 + sigma x a standard normal draw)
        z_v, z_i, z_s, z_b = rng.standard_normal(4).tolist()
        sv, si, ss, sb = _POWER_SIGMA_FLOATS
        raw = (s.battery_voltage_v + (0.0 + sv * z_v), s.battery_current_a + (0.0 + si * z_i),
               s.battery_soc, max(0.0, s.solar_power_w + (0.0 + ss * z_s)),
               s.bus_power_w + (0.0 + sb * z_b))
        if self.fault is None:  # what _apply does without a fault, without its checks
            self._last = raw
            v = [_quantised(x, q) for x, q in zip(raw, _POWER_QUANTUM_FLOATS, strict=True)]
        else:
            if isinstance(self._last, tuple):  # kept by a read without a fault
                self._last = np.array(self._last)
            v = self._apply(np.array(raw), rng, 0.0)
            v = (np.rint(v / _POWER_QUANTA) * _POWER_QUANTA).tolist()  # np.round to 0 decimals is rint
        return PowerReading(*v, charge_inhibited=bool(s.charge_inhibited),
                            charge_phase=int(s.charge_phase))


def _quantised(x: float, quantum: float) -> float:
    """np.rint(x / quantum) * quantum of a Python float, in Python (a telemetry read is a handful
    of numbers, where numpy's per-call cost is most of the work): round() rounds half to even to
    an exact integer, copysign keeps a zero's sign, NaN and infinities pass as they are; so the
    same bits (tests/physics/test_sensors.py)."""
    y = x / quantum
    return (math.copysign(round(y), y) if math.isfinite(y) else y) * quantum


class TemperatureSensorDevice(FaultInjectable):
    """A thermistor on a thermal node: 0.3 K noise, 0.1 K steps, a fixed bias drawn at build (0.5 K 1 sigma).

    Typical NTC thermistor with a 12-bit ADC (assumption).
    """

    def __init__(self, state: SpacecraftState, node: int, location: str, rng: np.random.Generator) -> None:
        super().__init__()
        self._state = state
        self._node = node
        self._location = location
        self._rng = rng
        self.bias_c = float(rng.normal(0.0, 0.5))

    @property
    def location(self) -> str:
        return self._location

    def read_c(self) -> float:
        # rng.normal(0, 0.3) is 0 + 0.3 x a standard normal draw: the same number, drawn faster
        t = (float(self._state.temperatures_c[self._node]) + self.bias_c
             + (0.0 + 0.3 * self._rng.standard_normal()))
        if self.fault is None:  # what _apply does without a fault (0.1 K steps), on the scalar
            self._last = value = _quantised(t, 0.1)
            return value
        return float(self._apply(t, self._rng, 0.1))


class PowerSwitchesDevice:
    """Load switches of the EPS by name; unknown names raise ValueError listing the known ones.

    With the twin's ``state`` it also keeps each load's time switched on (``on_seconds``): the
    device's own count, from the moments its switches changed, against which the twin's energy
    books are checked (tests/physics/test_state.py, tests/mission/test_operations.py).
    """

    def __init__(self, loads_w: dict[str, float], initially_on: dict[str, bool],
                 state: SpacecraftState | None = None) -> None:
        self.loads_w = MappingProxyType(dict(loads_w))
        """W of each load (read-only: ``switched_power_w`` keeps their sum)"""
        self._on = {name: bool(initially_on.get(name, False)) for name in loads_w}
        self._state = state
        self._on_s = dict.fromkeys(loads_w, 0.0)
        self._since = state.time if state is not None else 0.0
        self._switched_w = self._sum_on()

    def _check(self, name: str) -> None:
        if name not in self._on:
            raise ValueError(f"unknown load '{name}' (known: {', '.join(sorted(self._on))})")

    def _tally(self) -> None:
        if self._state is None:
            return
        now = self._state.time
        for name, on in self._on.items():
            if on:
                self._on_s[name] += now - self._since
        self._since = now

    def on_seconds(self) -> dict[str, float]:
        """Seconds each load has been switched on since the twin started (needs the state)."""
        self._tally()
        return dict(self._on_s)

    def set_load(self, name: str, on: bool) -> None:
        self._check(name)
        self._tally()
        self._on[name] = bool(on)
        self._switched_w = self._sum_on()

    def is_on(self, name: str) -> bool:
        self._check(name)
        return self._on[name]

    def loads(self) -> list[str]:
        return sorted(self._on)

    def switched_power_w(self) -> float:
        """W of the loads switched on: the sum kept since the last switching (the twin asks at
        every step, the switches change a few times an orbit)."""
        return self._switched_w

    def on_w(self, name: str) -> float:
        """W of one load if it is on, else 0."""
        on = self._on.get(name)
        if on is None:
            self._check(name)
        return self.loads_w[name] if on else 0.0

    def _sum_on(self) -> float:
        return sum(w for name, w in self.loads_w.items() if self._on[name])


class StorageDevice:
    """Flash storage of named blobs that survives resets; capacity 16 MiB (typical 1U OBC flash: assumption)."""

    def __init__(self, capacity_bytes: int = 16 * 1024 * 1024) -> None:
        self.capacity_bytes = capacity_bytes
        self._blobs: dict[str, bytes] = {}
        self._used = 0
        """bytes held, kept up to date on every write and delete (summing every blob on each
        write made a write cost grow with what the flash holds)"""

    def used_bytes(self) -> int:
        return self._used

    def read(self, key: str) -> bytes | None:
        return self._blobs.get(key)

    def write(self, key: str, data: bytes) -> None:
        data = bytes(data)
        used = self._used - len(self._blobs.get(key, b""))
        if used + len(data) > self.capacity_bytes:
            raise OSError(f"flash full: {used + len(data)} > {self.capacity_bytes} bytes")
        self._blobs[key] = data
        self._used = used + len(data)

    def delete(self, key: str) -> None:
        self._used -= len(self._blobs.pop(key, b""))

    def keys(self) -> list[str]:
        return sorted(self._blobs)


MORSE_UNITS_PER_CHARACTER = 10.0
"""Mean Morse length of a character with its gaps, in dot units ('PARIS ' = 50 units)."""

MORSE_KEY_DOWN_FRACTION = 0.45
"""Share of a Morse message's time with the carrier keyed (dots, dashes vs gaps: about 22 of
50 units of 'PARIS ')."""


class CwBeaconDevice:
    """The CW beacon transmitter: keys text in Morse on the bus's transmitter.

    Duration = characters x 10 units x 1.2 / wpm s; the carrier is keyed 45 % of that time at the
    configured transmit load (named assumptions): a keying segment of duty 0.45 over the message. Sent messages wait in an outbox for the
    mission: ``drain_outbox() -> list[(unix_s, text, wpm)]``.
    """

    def __init__(self, state: SpacecraftState, switches: PowerSwitchesDevice, bus: ElectricalBus) -> None:
        self._state = state
        self._switches = switches
        self.bus = bus
        self.enabled = True
        self._outbox: list[tuple[float, str, float]] = []
        self._busy_until = -np.inf
        self.keyed_s_total = 0.0

    def duration_s(self, text: str, wpm: float) -> float:
        return len(text) * MORSE_UNITS_PER_CHARACTER * 1.2 / wpm

    def send(self, text: str, wpm: float) -> None:
        state = self._state
        if not self.enabled or wpm <= 0 or state.brownout or not self._switches.is_on("radio"):
            return
        start = max(state.time, self._busy_until)
        duration = self.duration_s(text, wpm)
        self._busy_until = start + duration
        self._outbox.append((start, str(text), float(wpm)))
        self.keyed_s_total += MORSE_KEY_DOWN_FRACTION * duration
        self.bus.key(start, duration, MORSE_KEY_DOWN_FRACTION)

    def set_enabled(self, enabled: bool) -> None:
        self.enabled = bool(enabled)

    def drain_outbox(self) -> list[tuple[float, str, float]]:
        out, self._outbox = self._outbox, []
        return out


class AntennaDeployerDevice:
    """The antenna release: a burn wire (2 W) that frees the stowed elements after 5 s of heat.

    Until deployed the deployment switch stays closed; ``deployed`` tells the mission (link
    budget) whether the antenna is out. Burn power and the 5 s needed are 1U assumptions (typical
    nichrome burn wires: 1-3 W for a few seconds); a burn in brown-out does nothing.
    """

    burn_power_w = 2.0
    burn_needed_s = 5.0

    def __init__(self, state: SpacecraftState, bus: ElectricalBus) -> None:
        self._state = state
        self._bus = bus
        self.burned_s = 0.0
        self.deployed = False
        self.deployed_at: float | None = None

    def burn(self, duration_s: float) -> None:
        if self._state.brownout or duration_s <= 0:
            return
        self._bus.pulse(duration_s * self.burn_power_w)
        self.burned_s += duration_s
        if not self.deployed and self.burned_s >= self.burn_needed_s:
            self.deployed = True
            self.deployed_at = self._state.time

    def switch_closed(self) -> bool:
        return not self.deployed


class WatchdogDevice:
    """The hardware watchdog: ``expired()`` once ``timeout_s`` (60 s, assumption) pass without a kick.

    Physics does not reset software: the mission asks ``expired()`` and reboots the flight
    software, then the watchdog restarts from that moment (``kick``).
    """

    def __init__(self, state: SpacecraftState, timeout_s: float = 60.0) -> None:
        self._state = state
        self.timeout_s = timeout_s
        self.last_kick = state.time
        self.kicks = 0

    def kick(self) -> None:
        self.last_kick = self._state.time
        self.kicks += 1

    def expired(self) -> bool:
        return self._state.time - self.last_kick > self.timeout_s


@dataclass(frozen=True)
class PositionFix:
    """Same fields as ``picodragon.fsw.hal.PositionFix``."""

    latitude_deg: float
    longitude_deg: float
    altitude_m: float

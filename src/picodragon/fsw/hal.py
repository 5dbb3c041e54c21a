"""The hardware abstraction layer: what the flight software may ask of the spacecraft.

Each device is a ``typing.Protocol``. The twin's device models (``picodragon.physics.devices``)
satisfy them structurally without importing this module; a driver for the real on-board
computer would do the same. The flight software sees nothing else of the world.

Units: seconds, volts, amperes, watts, degrees Celsius; time is UTC seconds since the Unix
epoch as the on-board clock reads it.

Required devices: the clock, the radio (the AX.25 telemetry downlink, typically in the
435-438 MHz amateur-satellite band, and the uplink receiver), the power sensor and the
temperature sensors. Every other device is optional (None: not fitted) and the software
adapts: no antenna deployer, no burn; no CW beacon (a separate transmitter), no CW; no gyro,
no detumble wait; no position or attitude source, images stored with those unknown. Any sensor or actuator method may raise: the software
treats an exception as "no value" or "the action failed" and carries on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@runtime_checkable
class Clock(Protocol):
    """The on-board real-time clock."""

    def now(self) -> float:
        """UTC seconds since 1970-01-01 as the clock reads it."""
        ...


@runtime_checkable
class SettableClock(Clock, Protocol):
    """A real-time clock the software may correct (ADJUST_TIME)."""

    def set_time(self, unix_s: float) -> None:
        """Set the clock so that now() reads ``unix_s`` at this instant."""
        ...


@runtime_checkable
class Radio(Protocol):
    """The UHF transceiver, seen as a byte pipe of whole AX.25 frames (no FCS, as in KISS)."""

    def transmit(self, frame: bytes) -> None:
        """Queue one AX.25 frame for transmission on the downlink frequency."""
        ...

    def receive(self) -> bytes | None:
        """The oldest frame received on the uplink and not yet read, or None."""
        ...

    def set_enabled(self, enabled: bool) -> None:
        """Key the transmitter on or off (off: transmit() drops frames, nothing radiates)."""
        ...


@dataclass(frozen=True)
class PowerReading:
    battery_voltage_v: float
    battery_current_a: float
    """positive while charging"""
    battery_soc: float
    """state of charge, 0..1, as the fuel gauge estimates it"""
    solar_power_w: float
    bus_power_w: float
    charge_inhibited: bool = False
    """the charger is off because the battery is too cold to charge (Li-ion cells must not be
    charged below about 0 degC: lithium plating); a power system without the flag reads False"""
    charge_phase: int | None = None
    """the charger's regulation: 0 discharging (the loads take more than the array gives),
    1 constant current, 2 constant voltage (held at the cell limit, the current tapering),
    3 inhibited; None when the power system does not say (numbers as the dictionary's
    HOUSEKEEPING.charge_phase)"""


@runtime_checkable
class PowerSensor(Protocol):
    """The electrical power system's telemetry."""

    def read(self) -> PowerReading: ...


@runtime_checkable
class TemperatureSensor(Protocol):
    """One temperature sensor (thermistor or IC) at a named location."""

    @property
    def location(self) -> str: ...

    def read_c(self) -> float:
        """Temperature in degrees Celsius; NaN when the sensor does not answer."""
        ...


@runtime_checkable
class PowerSwitches(Protocol):
    """Load switches of the electrical power system, by load name."""

    def set_load(self, name: str, on: bool) -> None: ...

    def is_on(self, name: str) -> bool: ...


@runtime_checkable
class Storage(Protocol):
    """Non-volatile storage that survives a reset: small named blobs (parameters, files)."""

    def read(self, key: str) -> bytes | None: ...

    def write(self, key: str, data: bytes) -> None: ...

    def delete(self, key: str) -> None: ...

    def keys(self) -> list[str]: ...


# --- devices added for the payload, attitude sensing, deployment and fault protection ---------


@runtime_checkable
class Camera(Protocol):
    """The camera (e.g. a 640 x 480 CMOS sensor), powered through the ``camera`` load switch."""

    def capture(self) -> bytes | None:
        """One JPEG image as taken now; None when the camera does not answer (unpowered, fault)."""
        ...


@runtime_checkable
class Magnetometer(Protocol):
    """A three-axis magnetometer in the body frame."""

    def read_t(self) -> tuple[float, float, float]:
        """Magnetic flux density in tesla (body x, y, z); NaNs when the sensor does not answer."""
        ...


@runtime_checkable
class Gyro(Protocol):
    """A three-axis rate gyro in the body frame."""

    def read_rad_s(self) -> tuple[float, float, float]:
        """Angular rate in rad/s (body x, y, z); NaNs when the sensor does not answer."""
        ...


@dataclass(frozen=True)
class PositionFix:
    """Where the spacecraft is, as a GNSS receiver (or an on-board propagator) says."""

    latitude_deg: float
    longitude_deg: float
    altitude_m: float


@runtime_checkable
class PositionSource(Protocol):
    """A position source: GNSS receiver or the on-board orbit propagator's driver."""

    def read(self) -> PositionFix | None:
        """The current fix, None without one."""
        ...


@runtime_checkable
class AttitudeSource(Protocol):
    """The attitude determination's estimate of the body attitude."""

    def read_quaternion(self) -> tuple[float, float, float, float] | None:
        """Body-to-inertial quaternion (w, x, y, z), ECI (the twin gives TEME); None without an
        estimate (e.g. while tumbling too fast to determine it)."""
        ...


@runtime_checkable
class CwBeacon(Protocol):
    """The CW beacon transmitter (often apart from the packet radio): keys text in Morse code."""

    def send(self, text: str, wpm: float) -> None:
        """Key ``text`` in Morse at ``wpm`` words a minute (dropped while disabled)."""
        ...

    def set_enabled(self, enabled: bool) -> None:
        """Allow or forbid keying (RF silence, low power)."""
        ...


@runtime_checkable
class AntennaDeployer(Protocol):
    """The antenna release: a burn wire cutting the line that holds the elements stowed."""

    def burn(self, duration_s: float) -> None:
        """Heat the burn wire for ``duration_s`` seconds."""
        ...

    def switch_closed(self) -> bool:
        """The deployment switch: closed while the antenna is still stowed."""
        ...


@runtime_checkable
class Watchdog(Protocol):
    """The hardware watchdog: resets the computer unless kicked within its timeout."""

    def kick(self) -> None: ...


@dataclass
class Hal:
    """Everything the flight software is given at boot; optional devices may be None (not fitted).

    Load switch names the flight software uses (as the twin's EPS names them): ``radio`` (the
    transmitter chain), ``camera``, ``heater`` (battery heater); the software tolerates a switch
    device that refuses a name it does not have.
    """

    clock: Clock
    radio: Radio
    power: PowerSensor
    temperatures: list[TemperatureSensor]
    switches: PowerSwitches | None = None
    storage: Storage | None = None
    camera: Camera | None = None
    magnetometer: Magnetometer | None = None
    gyro: Gyro | None = None
    position: PositionSource | None = None
    attitude: AttitudeSource | None = None
    cw: CwBeacon | None = None
    antenna: AntennaDeployer | None = None
    watchdog: Watchdog | None = None

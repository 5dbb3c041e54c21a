"""The hardware abstraction layer: what the flight software may ask of the spacecraft.

Each device is a ``typing.Protocol``. The twin's device models (``picodragon.physics.devices``)
satisfy them structurally without importing this module; a driver for the real on-board
computer would do the same. The flight software sees nothing else of the world.

Units: seconds, volts, amperes, watts, degrees Celsius; time is UTC seconds since the Unix
epoch as the on-board clock reads it.
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


@dataclass
class Hal:
    """Everything the flight software is given at boot; optional devices may be None."""

    clock: Clock
    radio: Radio
    power: PowerSensor
    temperatures: list[TemperatureSensor]
    switches: PowerSwitches | None = None
    storage: Storage | None = None

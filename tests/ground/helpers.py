"""Frames as the spacecraft sends them: dictionary packets in AX.25 UI frames (link room)."""

from __future__ import annotations

import functools

from picodragon.config.mission import load_mission
from picodragon.dictionary import Dictionary, pack_telemetry
from picodragon.link import ax25

SPACECRAFT = ax25.Address("XV9PID")
GROUND = ax25.Address("CQ")

HK_VALUES = {
    "mode": 2,
    "boot_count": 3,
    "uptime_s": 1234,
    "battery_voltage_v": 7.9,
    "battery_current_a": 0.25,
    "battery_soc_pct": 80.0,
    "solar_power_w": 1.5,
    "bus_power_w": 0.9,
    "obc_temperature_c": 21.5,
    "battery_temperature_c": 18.25,
    "frames_sent": 99,
    "commands_received": 4,
    "commands_rejected": 0,
}


@functools.cache
def reference_dictionary() -> Dictionary:
    """The reference mission's dictionary: the core one with Pico Dragon's alarm limits."""
    return load_mission().dictionary


def frame_of(packet: bytes) -> bytes:
    return ax25.encode(ax25.Frame(GROUND, SPACECRAFT, info=packet))


def hk_frame(unix_s: float, sequence: int = 0, **values: float) -> bytes:
    return frame_of(pack_telemetry("HOUSEKEEPING", {**HK_VALUES, **values}, unix_s, sequence))

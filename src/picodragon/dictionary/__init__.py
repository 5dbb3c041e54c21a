"""The spacecraft dictionary: one declaration of telemetry, commands and events for both
flight software and ground."""

from picodragon.dictionary.model import Command, Event, Field, Limits, Packet, Severity
from picodragon.dictionary.packets import (
    Rejection,
    SpacePacket,
    TelemetryPacket,
    decode_telemetry,
    pack_telemetry,
    parse_space_packet,
    space_packet,
)
from picodragon.dictionary.spacecraft import COMMANDS, EVENTS, MODES, TELEMETRY_PACKETS

__all__ = [
    "COMMANDS",
    "EVENTS",
    "MODES",
    "TELEMETRY_PACKETS",
    "Command",
    "Event",
    "Field",
    "Limits",
    "Packet",
    "Rejection",
    "Severity",
    "SpacePacket",
    "TelemetryPacket",
    "decode_telemetry",
    "pack_telemetry",
    "parse_space_packet",
    "space_packet",
]

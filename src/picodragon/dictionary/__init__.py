"""The spacecraft dictionary: one declaration of telemetry, commands and events for both
flight software and ground."""

from picodragon.dictionary.definitions import Dictionary, DictionaryError
from picodragon.dictionary.loader import core, load_dictionary
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
    "Dictionary",
    "DictionaryError",
    "Event",
    "Field",
    "Limits",
    "Packet",
    "Rejection",
    "Severity",
    "SpacePacket",
    "TelemetryPacket",
    "core",
    "decode_telemetry",
    "pack_telemetry",
    "load_dictionary",
    "parse_space_packet",
    "space_packet",
]

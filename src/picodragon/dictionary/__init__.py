"""The spacecraft dictionary: one declaration of telemetry, commands and events for both
flight software and ground.

A mission's dictionary is a ``Dictionary`` object loaded from its files (``load_dictionary``;
``core()`` is the packaged core dictionary every mission extends) and handed to each room; no
module-level list of a mission's packets, commands or events is exported."""

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

__all__ = [
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

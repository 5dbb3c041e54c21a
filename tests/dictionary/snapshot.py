"""A dictionary as plain JSON data, to freeze the reference mission's wire identity.

``tests/dictionary/data/reference_dictionary.json`` was written once with ``describe`` from the
declarations the flight software and ground used before the dictionary became files (the old
``picodragon.dictionary.spacecraft`` module); ``test_loader`` compares the packaged files with it
item by item, so an APID, opcode, event id, field order, wire type, scale or limit cannot change
without that file changing in the same commit. Enumerations are lists of ``[code, name]`` pairs
because JSON keys are strings.
"""

from __future__ import annotations

from typing import Any

from picodragon.dictionary import Command, Dictionary, Event, Field, Packet


def _enum(values: dict[int, str] | None) -> list[list[Any]] | None:
    return None if values is None else [[code, name] for code, name in sorted(values.items())]


def describe_field(field: Field) -> dict[str, Any]:
    limits = field.limits
    return {
        "name": field.name,
        "wire": field.wire,
        "unit": field.unit,
        "description": field.description,
        "scale": field.scale,
        "offset": field.offset,
        "limits": None if limits is None else {
            "warning_low": limits.warning_low, "warning_high": limits.warning_high,
            "critical_low": limits.critical_low, "critical_high": limits.critical_high,
        },
        "minimum": field.minimum,
        "maximum": field.maximum,
        "enum": _enum(field.enum),
    }


def describe_packet(packet: Packet) -> dict[str, Any]:
    return {"name": packet.name, "apid": packet.apid, "description": packet.description,
            "fields": [describe_field(f) for f in packet.fields]}


def describe_command(command: Command) -> dict[str, Any]:
    return {"name": command.name, "opcode": command.opcode, "description": command.description,
            "hazardous": command.hazardous,
            "arguments": [describe_field(a) for a in command.arguments]}


def describe_event(event: Event) -> dict[str, Any]:
    return {"name": event.name, "id": event.event_id, "severity": event.severity.name,
            "template": event.template, "arguments": [describe_field(a) for a in event.arguments]}


def describe(dictionary: Dictionary) -> dict[str, Any]:
    """Every wire-relevant property of ``dictionary`` as JSON-ready data."""
    return {
        "telemetry": [describe_packet(p) for p in dictionary.telemetry],
        "chunk_header": (None if dictionary.chunk_header is None
                         else describe_packet(dictionary.chunk_header)),
        "commands": [describe_command(c) for c in dictionary.commands],
        "events": [describe_event(e) for e in dictionary.events],
        "modes": _enum(dictionary.modes),
    }

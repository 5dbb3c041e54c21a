"""Telemetry points as mission control shows them: unit, description, limits and enumeration
from the mission's dictionary, and a value's limit state by the dictionary's own check
(:meth:`picodragon.dictionary.Limits.check`, the one the ground's alarms use)."""

from __future__ import annotations

from typing import Any

from picodragon.dictionary import Dictionary, Field, Severity, core
from picodragon.web.commanding import utc_epoch

#: a limit check's outcome as the status page names it
STATE = {Severity.INFO: "ok", Severity.WARNING: "warning", Severity.CRITICAL: "critical"}


def field_of(name: str, dictionary: Dictionary | None = None) -> Field | None:
    """The dictionary's declaration of a point ``PACKET.field``, or None when it declares none."""
    d = dictionary if dictionary is not None else core()
    packet_name, _, field_name = name.partition(".")
    try:
        packet = d.packet(packet_name)
    except (KeyError, ValueError, LookupError):
        return None
    return next((f for f in packet.fields if f.name == field_name), None)


def point_info(name: str, dictionary: Dictionary | None = None) -> dict[str, Any]:
    """A point's unit, description, limits and enumeration from the dictionary (if declared),
    and for a UTC time (``commanding.utc_epoch``) ``utc_epoch_unix_s``: the Unix time of its zero."""
    f = field_of(name, dictionary)
    info: dict[str, Any] = {"name": name, "unit": "", "description": "", "limits": None, "enum": None}
    if f is None:
        return info
    info["unit"] = f.unit
    info["description"] = f.description
    if f.limits is not None:
        lim = f.limits
        info["limits"] = {"warning_low": lim.warning_low, "warning_high": lim.warning_high,
                          "critical_low": lim.critical_low, "critical_high": lim.critical_high}
    if f.enum:
        info["enum"] = {str(k): v for k, v in f.enum.items()}
    epoch = utc_epoch(f)
    if epoch is not None:  # a UTC time: the page plots it on a time axis, never as raw seconds
        info["utc_epoch_unix_s"] = epoch
    return info


def limit_state(value: float | None, field: Field | None) -> str:
    """``none`` (no value or no limits), else ``ok``, ``warning`` or ``critical``."""
    if value is None or field is None or field.limits is None:
        return "none"
    return STATE[field.limits.check(value)]

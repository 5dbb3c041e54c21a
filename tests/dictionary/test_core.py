"""The core dictionary: identities are unique and every packet round-trips."""

from __future__ import annotations

import math

from picodragon.dictionary import core
from picodragon.dictionary.packets import decode_telemetry, pack_telemetry


def test_identities_are_unique():
    dictionary = core()
    assert len({p.apid for p in dictionary.telemetry}) == len(dictionary.telemetry)
    assert len({c.opcode for c in dictionary.commands}) == len(dictionary.commands)
    assert len({c.name for c in dictionary.commands}) == len(dictionary.commands)
    assert len({e.event_id for e in dictionary.events}) == len(dictionary.events)
    assert len({e.name for e in dictionary.events}) == len(dictionary.events)


def test_every_packet_round_trips_through_the_dictionary():
    for packet in core().telemetry:
        values = {}
        for f in packet.fields:
            lo, hi = f.raw_range()
            raw = 1 if not f.is_float else 1.5
            values[f.name] = f.from_raw(min(max(raw, lo), hi))
        data = pack_telemetry(packet, values, 1_400_000_000.25, 7)
        decoded = decode_telemetry(data)
        assert decoded.name == packet.name
        assert decoded.sequence == 7
        assert abs(decoded.unix_s - 1_400_000_000.25) < 1e-4
        for name, value in values.items():
            assert math.isclose(decoded.values[name], value, rel_tol=1e-6, abs_tol=1e-9), name


def test_housekeeping_keeps_the_first_cut_fields_in_order():
    names = [f.name for f in core().packet("HOUSEKEEPING").fields]
    assert names[:13] == [
        "mode", "boot_count", "uptime_s", "battery_voltage_v", "battery_current_a",
        "battery_soc_pct", "solar_power_w", "bus_power_w", "obc_temperature_c",
        "battery_temperature_c", "frames_sent", "commands_received", "commands_rejected",
    ]

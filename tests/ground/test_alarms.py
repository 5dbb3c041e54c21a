"""Alarms from the dictionary limits: raised, escalated, cleared, stored, rebuilt.

The limits are the reference mission's (the core dictionary sets none).
"""

from __future__ import annotations

from picodragon.dictionary import Severity
from picodragon.ground.alarms import AlarmMonitor
from picodragon.ground.archive import open_archive
from picodragon.ground.station import GroundStation
from tests.ground.helpers import hk_frame, reference_dictionary

T = 1.4e9


def test_raise_escalate_clear(archive):
    alarms = AlarmMonitor(archive, dictionary=reference_dictionary())
    station = GroundStation("Hanoi", archive, 437e6)
    station.add_listener(alarms.on_decoded)
    station.receive(hk_frame(T, 1, battery_voltage_v=7.5), T)
    assert alarms.active == {}
    station.receive(hk_frame(T + 10, 2, battery_voltage_v=6.5), T + 10)
    (alarm,) = alarms.active.values()
    assert alarm.point == "HOUSEKEEPING.battery_voltage_v" and alarm.severity == Severity.WARNING
    assert "below warning limit 6.6" in alarm.detail
    station.receive(hk_frame(T + 20, 3, battery_voltage_v=6.0), T + 20)
    assert alarms.active["HOUSEKEEPING.battery_voltage_v"].severity == Severity.CRITICAL
    station.receive(hk_frame(T + 30, 4, battery_voltage_v=7.4), T + 30)
    assert alarms.active == {}
    states = [(r["state"], r["severity"]) for r in alarms.history()]
    assert states == [("raised", 2), ("raised", 3), ("cleared", 1)]
    assert [e["name"] for e in archive.events()].count("ALARM_RAISED") == 2


def test_old_packets_do_not_move_the_state(archive):
    alarms = AlarmMonitor(archive, dictionary=reference_dictionary())
    alarms.check("HOUSEKEEPING", {"obc_temperature_c": 25.0}, T + 100)
    # a dump of older housekeeping with a hot value: history, not an alarm now
    assert alarms.check("HOUSEKEEPING", {"obc_temperature_c": 90.0}, T + 50) == []
    assert alarms.check("HOUSEKEEPING", {"obc_temperature_c": float("nan")}, T + 200) == []
    assert alarms.active == {}


def test_active_alarms_rebuilt_at_start(archive_url):
    archive = open_archive(archive_url, dictionary=reference_dictionary())
    AlarmMonitor(archive).check(
        "HOUSEKEEPING", {"battery_temperature_c": 60.0, "battery_soc_pct": 50}, T
    )
    archive.close()
    archive = open_archive(archive_url)  # the archive remembers the mission's dictionary
    alarms = AlarmMonitor(archive)
    assert set(alarms.active) == {"HOUSEKEEPING.battery_temperature_c"}
    assert alarms.check("HOUSEKEEPING", {"battery_temperature_c": 20.0}, T + 1) == [
        ("HOUSEKEEPING.battery_temperature_c", Severity.INFO)
    ]
    archive.close()

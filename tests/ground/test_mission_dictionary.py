"""The ground works with a mission's own dictionary: a packet, an event, a command, a file kind
and limits the core dictionary does not have are decoded, archived, alarmed on and commanded."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from picodragon.dictionary import Severity, load_dictionary, pack_telemetry, space_packet
from picodragon.dictionary.telecommand import decode_telecommand
from picodragon.ground.alarms import AlarmMonitor
from picodragon.ground.archive import open_archive
from picodragon.ground.commanding import CommandError, CommandQueue, command_name
from picodragon.ground.decoder import decode, decoder_for
from picodragon.ground.files import FileAssembler
from picodragon.ground.planner import Allocation, Contact, Request
from picodragon.ground.station import GroundStation, Rejection
from picodragon.link import auth
from tests.ground.helpers import frame_of, hk_frame

T = 1.4e9
KEY = bytes(range(32))

MISSION = """
name = "testsat"
extends = "core"

[enums.file_kinds]
0 = "UNKNOWN"
1 = "IMAGE"
2 = "LOG"
3 = "SPECTRUM"

[[packets]]
name = "RADIATION"
apid = 0x030
description = "Dosimeter readings"
fields = [
  { name = "dose_rate", type = "u16", unit = "count", description = "counts a second" },
  { name = "board_temperature_c", type = "i16", unit = "degC", scale = 0.01, description = "dosimeter board", limits = { warning_high = 50.0, critical_high = 70.0 } },
]

[[commands]]
name = "SET_DOSIMETER_GAIN"
opcode = 0x0040
description = "Dosimeter gain"
arguments = [ { name = "gain", type = "u8", min = 1, max = 8, description = "gain step" } ]

[[events]]
name = "DOSE_SPIKE"
id = 64
severity = "WARNING"
message = "dose rate {arg0} counts/s"

[limits.HOUSEKEEPING]
battery_voltage_v = { warning_low = 3.5, critical_low = 3.3 }
"""


@pytest.fixture(scope="module")
def mission(tmp_path_factory) -> object:
    path = Path(tmp_path_factory.mktemp("mission")) / "dictionary.toml"
    path.write_text(MISSION, encoding="utf-8")
    return load_dictionary(path)


def radiation_frame(mission, unix_s: float, sequence: int, dose: float, temperature: float) -> bytes:
    values = {"dose_rate": dose, "board_temperature_c": temperature}
    return frame_of(pack_telemetry(mission.packet("RADIATION"), values, unix_s, sequence))


def test_decoder_knows_the_missions_packet_and_the_core_does_not(mission):
    data = pack_telemetry(mission.packet("RADIATION"), {"dose_rate": 12, "board_temperature_c": 21.5}, T, 3)
    got = decode(data, mission)
    assert got.name == "RADIATION" and got.apid == 0x030 and got.sequence == 3
    assert got.values == {"dose_rate": 12.0, "board_temperature_c": 21.5}
    assert decode(data).reason == "unknown APID 0x030"  # the core dictionary's decoder
    short = space_packet(0x030, 1, T, b"\x00" * 3)
    assert decode(short, mission).reason == "RADIATION needs 4 bytes, got 3"
    assert decoder_for(mission) is decoder_for(mission)  # compiled once per dictionary


def test_station_decodes_archives_and_alarms_on_the_missions_packet(archive, mission):
    station = GroundStation("Toulouse", archive, 437e6, dictionary=mission)
    alarms = AlarmMonitor(archive, dictionary=mission)
    station.add_listener(alarms.on_decoded)
    out = station.receive(radiation_frame(mission, T, 1, 40, 30.0), T + 1)
    assert out.name == "RADIATION" and out.values["dose_rate"] == 40
    assert alarms.active == {}
    station.receive(radiation_frame(mission, T + 10, 2, 41, 55.0), T + 11)
    (alarm,) = alarms.active.values()
    assert alarm.point == "RADIATION.board_temperature_c" and alarm.severity == Severity.WARNING
    assert "above warning limit 50" in alarm.detail
    station.receive(radiation_frame(mission, T + 20, 3, 42, 75.0), T + 21)
    assert alarms.active["RADIATION.board_temperature_c"].severity == Severity.CRITICAL
    times, temps = archive.points("RADIATION.board_temperature_c")
    assert list(times) == [T, T + 10, T + 20] and list(temps) == [30.0, 55.0, 75.0]
    # the mission's limits replace nothing of the core's packets but add its own thresholds
    station.receive(hk_frame(T + 30, 4, battery_voltage_v=3.4), T + 31)
    assert alarms.active["HOUSEKEEPING.battery_voltage_v"].severity == Severity.WARNING


def test_a_core_station_rejects_the_missions_packet(archive, mission):
    station = GroundStation("Hanoi", archive, 437e6)  # the archive holds no dictionary: core
    out = station.receive(radiation_frame(mission, T, 1, 40, 30.0), T + 1)
    assert isinstance(out, Rejection) and out.stage == "packet" and "0x030" in out.reason


def test_the_missions_events_are_named_from_its_dictionary(archive, mission):
    station = GroundStation("Toulouse", archive, 437e6, dictionary=mission)
    values = {"event_id": 64, "severity": 2, "arg0": 900, "arg1": 0}
    station.receive(frame_of(pack_telemetry(mission.packet("EVENT_REPORT"), values, T, 1)), T)
    (event,) = archive.events()
    assert (event["name"], event["severity"], event["message"]) == ("DOSE_SPIKE", 2, "dose rate 900 counts/s")


def test_commands_come_from_the_missions_dictionary(archive, mission):
    q = CommandQueue(archive, KEY, dictionary=mission)
    c = q.queue("SET_DOSIMETER_GAIN", {"gain": 4}, now=T)
    assert c.opcode == 0x0040
    with pytest.raises(CommandError, match="gain=9.0 above 8"):
        q.queue("SET_DOSIMETER_GAIN", {"gain": 9}, now=T)
    q.release(c.id, T)
    (prepared,) = q.prepare_uplink(T + 1)
    tc = decode_telecommand(prepared.packet, auth.CommandVerifier({0: KEY}))
    assert tc.opcode == 0x0040
    with pytest.raises(CommandError, match="no command 'SET_DOSIMETER_GAIN'"):
        CommandQueue(archive, KEY).queue("SET_DOSIMETER_GAIN", {"gain": 4}, now=T)
    assert command_name(0x0040, mission) == "SET_DOSIMETER_GAIN"
    assert command_name(0x0040) == "opcode 64"


def test_file_kinds_come_from_the_missions_dictionary(archive, mission):
    files = FileAssembler(archive, dictionary=mission)
    state = files.on_entry(
        {"file_id": 5, "size_bytes": 100, "crc32": 1, "chunk_size": 100, "chunk_count": 1, "kind": 3},
        T,
    )
    assert state.kind == "SPECTRUM"
    assert FileAssembler(archive).on_entry(
        {"file_id": 6, "size_bytes": 100, "crc32": 1, "chunk_size": 100, "chunk_count": 1, "kind": 3},
        T,
    ).kind == "UNKNOWN"


def test_the_archive_remembers_the_dictionary_for_every_room(archive_url, mission):
    archive = open_archive(archive_url, dictionary=mission)
    archive.close()
    archive = open_archive(archive_url)  # no dictionary named: the archive's own
    station = GroundStation("Toulouse", archive, 437e6)
    alarms = AlarmMonitor(archive)
    station.add_listener(alarms.on_decoded)
    station.receive(radiation_frame(mission, T, 1, 40, 80.0), T + 1)
    assert set(alarms.active) == {"RADIATION.board_temperature_c"}
    assert CommandQueue(archive, KEY).queue("SET_DOSIMETER_GAIN", {"gain": 2}, now=T).opcode == 0x40
    archive.close()


def test_a_dump_is_sized_by_the_missions_housekeeping(mission):
    contact = Contact("sat", [], "prime", 0.0, 600.0, 600.0, 10_000, 60.0)
    request = Request("telemetry_dump", "sat", volume_bytes=10_000)
    contact.allocations.append(Allocation(request, 10_000))
    (name, arguments), = contact.actions(mission)
    per_packet = mission.packet("HOUSEKEEPING").size + 28
    assert name == "DUMP_HOUSEKEEPING" and arguments["max_packets"] == 10_000 // per_packet
    assert not math.isnan(arguments["since"])

"""A mission's dictionary from files: the packaged ones load, bad ones give one line each."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from picodragon.dictionary import packets
from picodragon.dictionary.definitions import MAX_PACKET_DATA, Dictionary, DictionaryError
from picodragon.dictionary.loader import load_dictionary
from tests.dictionary.snapshot import describe

MISSIONS = Path(__file__).parents[2] / "src" / "picodragon" / "missions"
DATA = Path(__file__).parent / "data"


def write(tmp_path: Path, text: str, name: str = "dictionary.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_core_loads_and_keeps_the_reference_items() -> None:
    core = load_dictionary()
    assert core.name == "core"
    assert core.packet("HOUSEKEEPING").apid == 0x010
    assert core.command("SET_MODE").arguments[0].enum == core.modes
    assert core.chunk_header is not None and core.chunk_header.name == "FILE_CHUNK"
    # the core sets no alarm limits: a mission's hardware decides them
    assert all(f.limits is None for p in core.telemetry for f in p.fields)


def test_frame_size_bound_matches_the_packet_header() -> None:
    assert MAX_PACKET_DATA == 256 - packets.HEADER_SIZE


def test_mission_dictionary_adds_limits_to_the_core() -> None:
    mission = load_dictionary(MISSIONS / "picodragon" / "dictionary.toml")
    field = {f.name: f for f in mission.packet("HOUSEKEEPING").fields}["battery_voltage_v"]
    assert field.limits is not None and field.limits.warning_high == 8.4


def test_mission_extends_core_with_its_own_items(tmp_path: Path) -> None:
    path = write(tmp_path, """
extends = "core"
name = "cubesat-3u"
[enums.payload_state]
0 = "OFF"
1 = "ON"
[[packets]]
name = "PAYLOAD"
apid = 0x100
fields = [
  { name = "state", type = "u8", enum = "payload_state" },
  { name = "counts", type = "u32", unit = "count" },
  { name = "temperature_c", type = "i16", unit = "degC", scale = 0.01, limits = { warning_high = 50.0 } },
]
[[commands]]
name = "PAYLOAD_POWER"
opcode = 0x0100
hazardous = true
arguments = [ { name = "on", type = "u8", min = 0, max = 1 } ]
[[events]]
name = "PAYLOAD_FAULT"
id = 200
severity = "WARNING"
message = "payload fault {arg0}"
""")
    mission = load_dictionary(path)
    assert isinstance(mission, Dictionary)
    assert mission.name == "cubesat-3u"
    assert mission.packet_by_apid(0x100).name == "PAYLOAD"
    assert mission.command("PAYLOAD_POWER").hazardous
    assert mission.command_by_opcode(0x0001).name == "NOOP"  # from the core
    assert mission.event_by_id(200).name == "PAYLOAD_FAULT"
    assert mission.enums["payload_state"] == {0: "OFF", 1: "ON"}


def test_yaml_is_read_too(tmp_path: Path) -> None:
    path = write(tmp_path, """
extends: core
packets:
  - name: RADIATION
    apid: 0x120
    fields:
      - {name: dose_gy, type: f32, unit: ""}
""", "dictionary.yaml")
    assert load_dictionary(path).packet("RADIATION").fields[0].name == "dose_gy"


BAD = [
    # (text, what the one line must name)
    ('[[packets]\nname = "X"', "not valid TOML"),
    ('extends = "core"\n[[packets]]\nname = "WIDE"\napid = 0x101\nfields = [\n'
     + "".join(f'  {{ name = "f{i}", type = "f64" }},\n' for i in range(31)) + "]\n",
     "wider than"),
    ('extends = "core"\n[[packets]]\nname = "TWIN"\napid = 0x010\nfields = []\n',
     "duplicate APID 0x010"),
    ('extends = "core"\n[[commands]]\nname = "AGAIN"\nopcode = 0x0001\n', "duplicate opcode 0x0001"),
    ('[[packets]]\nname = "P"\napid = 0x101\nfields = [\n'
     '  { name = "v", type = "u8", limits = { warning_high = 300.0 } },\n]\n',
     "warning_high 300 is outside"),
    ('[[packets]]\nname = "P"\napid = 0x101\nfields = [\n  { name = "v", type = "u8", unit = "degc" },\n]\n',
     "unknown unit 'degc'"),
    ('[[packets]]\nname = "P"\napid = 0x101\nfields = [\n  { name = "v", type = "u9" },\n]\n',
     "unknown type 'u9'"),
    ('[[events]]\nname = "E"\nid = 1\nseverity = "LOUD"\n', "severity must be one of"),
    ('extends = "core"\n[limits.HOUSEKEEPING]\nnot_a_field = { warning_low = 1.0 }\n',
     "has no such field"),
]


@pytest.mark.parametrize(("text", "expected"), BAD, ids=[b[1] for b in BAD])
def test_bad_dictionary_gives_one_line_naming_file_and_line(tmp_path: Path, text: str,
                                                           expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(DictionaryError) as info:
        load_dictionary(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    assert expected in message


def test_every_problem_is_reported_not_only_the_first(tmp_path: Path) -> None:
    path = write(tmp_path, '[[packets]]\nname = "P"\napid = 0x101\nfields = [\n'
                 '  { name = "a", type = "u9" },\n  { name = "b", type = "u8", unit = "parsec" },\n]\n')
    with pytest.raises(DictionaryError) as info:
        load_dictionary(path)
    message = str(info.value)
    assert f"{path}:5:" in message and "unknown type 'u9'" in message
    assert "line 6: packet P, field b: unknown unit 'parsec'" in message


def test_the_line_of_the_bad_field_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, '[[packets]]\nname = "P"\napid = 0x101\nfields = [\n'
                 '  { name = "ok", type = "u8" },\n  { name = "bad", type = "i8", min = -500 },\n]\n')
    with pytest.raises(DictionaryError, match=r"dictionary.toml:6: packet P, field bad: min -500"):
        load_dictionary(path)


def test_extends_loop_is_refused(tmp_path: Path) -> None:
    write(tmp_path, 'extends = "b.toml"\n', "a.toml")
    write(tmp_path, 'extends = "a.toml"\n', "b.toml")
    with pytest.raises(DictionaryError, match="loop"):
        load_dictionary(tmp_path / "a.toml")


def test_missing_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(DictionaryError, match="not found"):
        load_dictionary(tmp_path / "nope.toml")


def _snapshot() -> dict:
    return json.loads((DATA / "reference_dictionary.json").read_text(encoding="utf-8"))


def _by_name(items: list[dict]) -> dict[str, dict]:
    return {item["name"]: item for item in items}


def test_reference_mission_keeps_its_frozen_wire_identity() -> None:
    """The packaged reference dictionary equals the snapshot taken from the declarations the
    rooms flew with before dictionaries were files: same items in the same order, and each
    item's APID, opcode or id, field order, wire types, scales, offsets, limits and enums."""
    frozen = _snapshot()
    now = describe(load_dictionary(MISSIONS / "picodragon" / "dictionary.toml"))
    for section in ("telemetry", "commands", "events"):
        assert [i["name"] for i in now[section]] == [i["name"] for i in frozen[section]], section
        current = _by_name(now[section])
        for name, expected in _by_name(frozen[section]).items():
            assert current[name] == expected, f"{section} {name} drifted from the snapshot"
    assert now["chunk_header"] == frozen["chunk_header"]
    assert now["modes"] == frozen["modes"]
    assert now == frozen  # nothing added outside the sections above either


def test_core_is_the_reference_dictionary_without_its_limits() -> None:
    """The core holds the same wire identity as the reference mission; only the alarm limits
    are the mission's own."""
    frozen = _snapshot()
    for packet in frozen["telemetry"]:
        for field in packet["fields"]:
            field["limits"] = None
    assert describe(load_dictionary()) == frozen


def test_the_snapshot_catches_a_drift() -> None:
    """A renumbered opcode or a rescaled field is seen (the comparison is not vacuous)."""
    from dataclasses import replace

    mission = load_dictionary(MISSIONS / "picodragon" / "dictionary.toml")
    housekeeping = mission.packet("HOUSEKEEPING")
    fields = tuple(replace(f, scale=0.01) if f.name == "battery_voltage_v" else f
                   for f in housekeeping.fields)
    drifted = replace(mission, telemetry=(replace(housekeeping, fields=fields),)
                      + mission.telemetry[1:])
    assert describe(drifted)["telemetry"] != _snapshot()["telemetry"]
    renumbered = replace(mission, commands=(replace(mission.commands[0], opcode=0x7F00),)
                         + mission.commands[1:])
    assert describe(renumbered)["commands"] != _snapshot()["commands"]


def test_a_dictionary_pickles_for_dask_workers() -> None:
    import pickle

    mission = load_dictionary(MISSIONS / "picodragon" / "dictionary.toml")
    again = pickle.loads(pickle.dumps(mission))
    assert again == mission
    assert again.packet("HOUSEKEEPING").struct.size == mission.packet("HOUSEKEEPING").size
    assert again.command("SET_MODE").struct.format == mission.command("SET_MODE").struct.format

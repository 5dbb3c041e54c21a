"""XTCE import: our export comes back as the identical Dictionary; other tools' XTCE (the files
space-packet-parser's own tests use, a space system built with Yamcs pymdb) imports to the
packets those tools see; bad XTCE is one DictionaryError line naming the file and element."""

from __future__ import annotations

import io
import math
import re
from pathlib import Path

import pytest

from picodragon.dictionary.definitions import DictionaryError
from picodragon.dictionary.loader import load_dictionary
from picodragon.dictionary.xtce import to_xtce, write_xtce
from picodragon.dictionary.xtce_import import load_xtce, load_xtce_partial
from tests.conftest import require_service

REFERENCE = Path(__file__).parents[2] / "src/picodragon/missions/picodragon/dictionary.toml"
PEERS = Path(__file__).parents[2] / ".venv/share/peers/xtce"


@pytest.fixture(scope="module")
def reference():
    return load_dictionary(REFERENCE)


def test_the_reference_dictionary_round_trips(tmp_path, reference):
    path = tmp_path / "picodragon.xml"
    write_xtce(str(path), reference)
    assert load_xtce(path) == reference


def test_the_core_dictionary_round_trips(tmp_path):
    core = load_dictionary()
    path = tmp_path / "core.xml"
    path.write_text(to_xtce(core))
    imported = load_xtce(path)
    assert imported == core
    assert imported.chunk_header == core.chunk_header
    assert imported.command("SET_MODE").arguments[0].minimum == 1


def test_hazardous_commands_and_float_calibrations_round_trip(tmp_path, reference):
    from dataclasses import replace

    from picodragon.dictionary.model import Field, Packet

    commands = tuple(replace(c, hazardous=c.name == "RESET_SOFTWARE") for c in reference.commands)
    extra = Packet("EXTRA", 0x040, "a float with a calibration, a ranged parameter",
                   (Field("t", "f32", "degC", "", scale=0.5, offset=-3.0),
                    Field("n", "u8", "", "", minimum=1, maximum=9)))
    changed = replace(reference, commands=commands, telemetry=(*reference.telemetry, extra))
    path = tmp_path / "changed.xml"
    path.write_text(to_xtce(changed))
    assert load_xtce(path) == changed


def one_line_error(path: Path) -> str:
    with pytest.raises(DictionaryError) as caught:
        load_xtce(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    return message


def test_not_xml(tmp_path):
    path = tmp_path / "bad.xml"
    path.write_text("<SpaceSystem name='x'><Telemetry")
    assert "not well-formed XML" in one_line_error(path)


def test_wrong_namespace(tmp_path):
    path = tmp_path / "bad.xml"
    path.write_text('<x:SpaceSystem xmlns:x="http://example.org/not-xtce" name="a"/>')
    message = one_line_error(path)
    assert "namespace 'http://example.org/not-xtce'" in message


def test_a_doctype_is_refused_before_any_entity_expands(tmp_path):
    path = tmp_path / "bomb.xml"
    path.write_text('<?xml version="1.0"?><!DOCTYPE a [<!ENTITY a "aaaaaaaa">'
                    '<!ENTITY b "&a;&a;&a;&a;&a;&a;">]><SpaceSystem name="&b;"/>')
    assert "DOCTYPE" in one_line_error(path)


def test_unsupported_constructs_are_all_listed_in_one_line(tmp_path, reference):
    text = to_xtce(reference)
    text = text.replace('<xtce:IntegerDataEncoding sizeInBits="32" encoding="unsigned" />',
                        '<xtce:IntegerDataEncoding sizeInBits="32" encoding="BCD" />')
    text = text.replace('<xtce:FloatDataEncoding sizeInBits="32" encoding="IEEE754_1985" />',
                        '<xtce:StringDataEncoding />', 1)
    path = tmp_path / "unsupported.xml"
    path.write_text(text)
    message = one_line_error(path)
    assert re.match(rf"{re.escape(str(path))}: Parameter '\w+' \(line \d+\): integer encoding "
                    r"BCD not supported \(and \d+ more: ", message), message
    assert "StringDataEncoding in the encoding not supported" in message or "more" in message
    dictionary, skipped = load_xtce_partial(path)
    assert len(skipped) > 2
    assert 0 < len(dictionary.telemetry) < len(reference.telemetry)


def test_an_apid_collision_names_both_containers(tmp_path, reference):
    text = to_xtce(reference).replace('parameterRef="PKT_APID" value="18"',
                                      'parameterRef="PKT_APID" value="17"')
    path = tmp_path / "collision.xml"
    path.write_text(text)
    message = one_line_error(path)
    assert "duplicate APID 0x011: EVENT_REPORT and COMMAND_RESPONSE" in message
    assert re.search(r"item 'COMMAND_RESPONSE' \(line \d+\)", message)


def test_a_missing_file_is_a_dictionary_error(tmp_path):
    with pytest.raises(DictionaryError, match="cannot read XTCE file"):
        load_xtce(tmp_path / "absent.xml")


# -- other projects' XTCE ----------------------------------------------------------------------
def peer_file(relative: str) -> Path:
    path = PEERS / relative
    if not path.exists():
        require_service(f"{path} is absent (run `make xtce-peers`)")
    return path


spp = pytest.importorskip("space_packet_parser")


def spp_parameters(path: Path) -> dict:
    definition = spp.XtcePacketDefinition.from_xtce(path)
    return definition


def test_jpss_geolocation_matches_space_packet_parser(tmp_path):
    path = peer_file("jpss/jpss1_geolocation_xtce_v1.xml")
    dictionary = load_xtce(path)
    packet = dictionary.packet("JPSS_ATT_EPHEM")
    assert packet.apid == 11
    names = [f.name for f in packet.fields]
    assert names[:4] == ["DOY", "MSEC", "USEC", "ADAESCID"]
    assert [f.wire for f in packet.fields][:4] == ["u16", "u32", "u16", "u8"]
    assert packet.fields[-1].wire == "f32"
    # the sample packets decode with our struct to the values space-packet-parser reads
    definition = spp.XtcePacketDefinition.from_xtce(path)
    sample = path.parent / "J01_G011_LZ_2021-04-09T00-00-00Z_V01.DAT1"
    if not sample.exists():
        require_service(f"{sample} is absent (run `make xtce-peers`)")
    data = sample.read_bytes()
    seen = 0
    offset = 0
    while offset + 6 <= len(data) and seen < 50:
        length = int.from_bytes(data[offset + 4:offset + 6], "big") + 7
        raw = data[offset:offset + length]
        theirs = definition.parse_bytes(raw)
        ours = packet.struct.unpack_from(raw, 6)
        for field, value in zip(packet.fields, ours, strict=True):
            assert math.isclose(field.from_raw(value), float(theirs[field.name]),
                                rel_tol=1e-6, abs_tol=1e-9), field.name
        offset += length
        seen += 1
    assert seen == 50


def test_ctim_imports_what_it_can_and_lists_the_rest():
    path = peer_file("ctim/ctim_xtce_v1.xml")
    with pytest.raises(DictionaryError) as caught:
        load_xtce(path)
    assert "1-bit integer not supported" in str(caught.value)
    dictionary, skipped = load_xtce_partial(path)
    assert dictionary.telemetry and skipped
    definition = spp.XtcePacketDefinition.from_xtce(path)
    for packet in dictionary.telemetry:
        theirs = definition.containers[packet.name]
        entries = [e.name for e in theirs.entry_list]
        assert [f.name for f in packet.fields] == [e.removeprefix(f"{packet.name}_")
                                                   for e in entries], packet.name


@pytest.mark.parametrize("relative", ["test_xtce.xml", "test_xtce_default_namespace.xml",
                                      "test_xtce_no_namespace.xml"])
def test_space_packet_parser_test_files(relative):
    dictionary = load_xtce(peer_file(relative))
    assert [p.apid for p in dictionary.telemetry] == [11]


# -- a Yamcs user's space system -----------------------------------------------------------------
def yamcs_system():
    pymdb = pytest.importorskip("yamcs.pymdb")
    system = pymdb.System("Cube")
    version = pymdb.IntegerParameter(system, "ccsds_version", signed=False, encoding=pymdb.uint3_t)
    kind = pymdb.IntegerParameter(system, "ccsds_type", signed=False, encoding=pymdb.uint1_t)
    shf = pymdb.IntegerParameter(system, "ccsds_shf", signed=False, encoding=pymdb.uint1_t)
    apid = pymdb.IntegerParameter(system, "ccsds_apid", signed=False, encoding=pymdb.uint11_t)
    flags = pymdb.IntegerParameter(system, "ccsds_flags", signed=False, encoding=pymdb.uint2_t)
    seq = pymdb.IntegerParameter(system, "ccsds_seq", signed=False, encoding=pymdb.uint14_t)
    length = pymdb.IntegerParameter(system, "ccsds_length", signed=False, encoding=pymdb.uint16_t)
    header = pymdb.Container(system, "ccsds_header", abstract=True, entries=[
        pymdb.ParameterEntry(p) for p in (version, kind, shf, apid, flags, seq, length)])
    temperature = pymdb.FloatParameter(
        system, "temperature", units="degC", encoding=pymdb.uint16_t,
        calibrator=pymdb.Polynomial([-40.0, 0.01]),
        alarm=pymdb.ThresholdAlarm(warning_high=60.0, critical_high=80.0))
    count = pymdb.IntegerParameter(system, "count", signed=True, encoding=pymdb.int32_t)
    voltage = pymdb.FloatParameter(system, "voltage", units="V", encoding=pymdb.float32_t)
    mode = pymdb.EnumeratedParameter(system, "mode", choices=[(0, "SAFE"), (1, "NOMINAL")],
                                     encoding=pymdb.uint8_t)
    heater = pymdb.BooleanParameter(system, "heater", encoding=pymdb.uint8_t)
    pymdb.Container(system, "status", base=header, condition=pymdb.eq(apid, 100), entries=[
        pymdb.ParameterEntry(p) for p in (temperature, count, voltage, mode, heater)])
    rate = pymdb.IntegerArgument("rate", signed=False, encoding=pymdb.uint16_t, minimum=1,
                                 maximum=600)
    pymdb.Command(system, "SET_RATE", arguments=[rate],
        entries=[pymdb.FixedValueEntry(b"\x18\x00\xc0\x00\x00\x00", bits=48),
                 pymdb.FixedValueEntry(b"\x00" * 6, bits=48),
                 pymdb.FixedValueEntry(b"\x00\x21", name="opcode", bits=16),
                 pymdb.ArgumentEntry(rate)])
    return system


def test_a_yamcs_pymdb_space_system_imports(tmp_path):
    system = yamcs_system()
    path = tmp_path / "cube.xml"
    out = io.StringIO()
    system.dump(out)
    path.write_text(out.getvalue())
    dictionary = load_xtce(path)
    status = dictionary.packet("status")
    assert status.apid == 100
    fields = {f.name: f for f in status.fields}
    assert [f.wire for f in status.fields] == ["u16", "i32", "f32", "u8", "u8"]
    assert (fields["temperature"].scale, fields["temperature"].offset) == (0.01, -40.0)
    assert fields["temperature"].unit == "degC"
    assert fields["temperature"].limits.critical_high == 80.0
    assert fields["mode"].enum == {0: "SAFE", 1: "NOMINAL"}
    assert set(fields["heater"].enum) == {0, 1}
    command = dictionary.command("SET_RATE")
    assert command.opcode == 0x21
    assert (command.arguments[0].minimum, command.arguments[0].maximum) == (1, 600)

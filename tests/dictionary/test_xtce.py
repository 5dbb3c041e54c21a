"""The XTCE export loads in space-packet-parser, validates against the XTCE 1.2 schema, and
decodes every packet to the same values as the dictionary's own decoder."""

from __future__ import annotations

import io
import math
from pathlib import Path

import pytest

from picodragon.dictionary import core
from picodragon.dictionary.files import pack_file_chunk
from picodragon.dictionary.packets import decode_telemetry, pack_telemetry
from picodragon.dictionary.xtce import _enum_override, to_xtce

spp = pytest.importorskip("space_packet_parser")

COMMANDS, EVENTS, TELEMETRY_PACKETS = core().commands, core().events, core().telemetry
"""The core dictionary's items: what ``to_xtce()`` exports by default."""


@pytest.fixture(scope="module")
def definition():
    return spp.XtcePacketDefinition.from_xtce(io.BytesIO(to_xtce().encode()))


def test_validates_against_the_xtce_schema(tmp_path):
    path = tmp_path / "picodragon.xml"
    path.write_text(to_xtce())
    xsd = Path(spp.__file__).parent / "xtce" / "schemas" / "SpaceSystem.xsd"
    result = spp.validate_xtce(path, level="all", local_xsd=xsd, allow_schema_download=False,
                               raise_on_error=False, print_results=False)
    assert result.valid, result


def sample_values(packet):
    values = {}
    for i, f in enumerate(packet.fields):
        enum = _enum_override(packet.name, f.name) or f.enum
        if enum:
            values[f.name] = sorted(enum)[-1]
        elif f.is_float:
            values[f.name] = 1.25 * (i + 1)
        else:
            lo, hi = f.raw_range()
            values[f.name] = f.from_raw(min(hi, 100 + i))
    return values


@pytest.mark.parametrize("packet", TELEMETRY_PACKETS, ids=lambda p: p.name)
def test_every_packet_decodes_as_the_dictionary_decodes_it(definition, packet):
    data = pack_telemetry(packet, sample_values(packet), 1_400_000_000.5, 9)
    ours = decode_telemetry(data)
    theirs = definition.parse_bytes(data)
    assert theirs["PKT_APID"] == packet.apid
    assert theirs["SRC_SEQ_CTR"] == 9
    for f in packet.fields:
        value = theirs[f"{packet.name}_{f.name}"]
        raw = getattr(value, "raw_value", value)
        if not isinstance(value, str):
            assert math.isclose(float(value), ours.values[f.name], rel_tol=1e-6, abs_tol=1e-9), f.name
        else:
            assert raw == ours.values[f.name], f.name


def test_file_chunk_data_is_sized_by_its_length_field(definition):
    data = pack_file_chunk(3, 7, 20, b"\x01\x02\x03hello", 1_400_000_000.0, 1)
    parsed = definition.parse_bytes(data)
    assert parsed["FILE_CHUNK_chunk"] == 7
    assert bytes(parsed["FILE_CHUNK_data"]) == b"\x01\x02\x03hello"


def test_events_commands_and_reasons_are_named(definition):
    text = to_xtce()
    for event in EVENTS:
        assert f'label="{event.name}"' in text
    for command in COMMANDS:
        assert f'<xtce:MetaCommand name="{command.name}"' in text
    packet = next(p for p in TELEMETRY_PACKETS if p.name == "EVENT_REPORT")
    data = pack_telemetry(packet, {"event_id": 2, "severity": 1, "arg0": 1800, "arg1": 0}, 1.4e9, 0)
    assert definition.parse_bytes(data)["EVENT_REPORT_event_id"] == "RF_SILENCE_OVER"


def test_command_containers_are_as_long_as_the_packed_telecommands():
    import xml.etree.ElementTree as ET

    from picodragon.dictionary.telecommand import pack_telecommand
    from picodragon.dictionary.xtce import NS

    root = ET.fromstring(to_xtce().encode())
    ns = {"x": NS}
    sizes = {}
    for t in root.iterfind(".//x:ArgumentTypeSet/*", ns):
        encoding = t.find("x:IntegerDataEncoding", ns)
        if encoding is None:
            encoding = t.find("x:FloatDataEncoding", ns)
        sizes[t.get("name")] = int(encoding.get("sizeInBits"))
    for command in COMMANDS:
        meta = root.find(f".//x:MetaCommand[@name='{command.name}']", ns)
        types = {a.get("name"): a.get("argumentTypeRef") for a in meta.iterfind(".//x:Argument", ns)}
        bits = 0
        for entry in meta.find(".//x:EntryList", ns):
            if entry.tag.endswith("FixedValueEntry"):
                bits += int(entry.get("sizeInBits"))
            else:
                bits += sizes[types[entry.get("argumentRef")]]
        args = {a.name: (a.minimum or (min(a.enum) if a.enum else 0)) for a in command.arguments}
        assert bits == 8 * len(pack_telecommand(command, args)), command.name

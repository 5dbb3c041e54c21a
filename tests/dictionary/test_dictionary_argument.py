"""Packing and decoding with a mission's own Dictionary object (not only the core one)."""

from __future__ import annotations

from pathlib import Path

import pytest

from picodragon.dictionary import core, load_dictionary
from picodragon.dictionary.files import (
    _CHUNK,
    FileChunk,
    chunk_apid,
    decode_downlink,
    decode_file_chunk,
    pack_file_chunk,
)
from picodragon.dictionary.packets import (
    Rejection,
    TelemetryPacket,
    decode_telemetry,
    pack_telemetry,
)
from picodragon.dictionary.telecommand import (
    CommandRejection,
    Reason,
    Telecommand,
    decode_telecommand,
    encode_telecommand,
    pack_telecommand,
)
from picodragon.link.auth import CommandSigner, CommandVerifier

MISSION = Path(__file__).parents[1] / "fsw" / "data" / "counter.toml"
KEY = bytes(range(32))
T = 1_400_000_000.0


@pytest.fixture(scope="module")
def mission():
    return load_dictionary(MISSION)


def test_a_mission_packet_packs_and_decodes_with_its_dictionary_only(mission):
    data = pack_telemetry("COUNTER", {"count": 7, "step": 2}, T, 3, dictionary=mission)
    decoded = decode_telemetry(data, mission)
    assert isinstance(decoded, TelemetryPacket)
    assert decoded.name == "COUNTER" and decoded.values == {"count": 7.0, "step": 2.0}
    assert decode_telemetry(data).reason == "unknown APID 0x040"  # the core has no COUNTER
    with pytest.raises(KeyError, match="COUNTER"):
        pack_telemetry("COUNTER", {}, T, 0)


def test_a_mission_command_round_trips_with_its_dictionary_only(mission):
    data = encode_telecommand("COUNT_PULSES", {"pulses": 5}, CommandSigner(KEY, counter=1),
                              dictionary=mission)
    tc = decode_telecommand(data, CommandVerifier({0: KEY}), mission)
    assert isinstance(tc, Telecommand) and tc.name == "COUNT_PULSES" and tc.arguments == {"pulses": 5}
    refused = decode_telecommand(data, CommandVerifier({0: KEY}))
    assert isinstance(refused, CommandRejection) and refused.reason == Reason.UNKNOWN_OPCODE
    with pytest.raises(KeyError, match="COUNT_PULSES"):
        pack_telecommand("COUNT_PULSES", {"pulses": 5})


def test_file_chunks_follow_the_dictionarys_chunk_header(mission):
    assert chunk_apid(mission) == chunk_apid() == core().chunk_header.apid
    data = pack_file_chunk(1, 0, 2, b"abc", T, 0, dictionary=mission)
    assert isinstance(decode_file_chunk(data, mission), FileChunk)
    assert isinstance(decode_downlink(data, mission), FileChunk)
    # the header's fixed layout is the one the core dictionary declares
    assert core().chunk_header.size == _CHUNK.size
    assert [f.wire for f in core().chunk_header.fields] == ["u16"] * 4


def test_the_chunk_header_is_not_a_fixed_telemetry_packet():
    data = pack_file_chunk(1, 0, 1, b"", T, 0)  # header only: the size of a FILE_CHUNK "packet"
    assert isinstance(decode_telemetry(data), Rejection)


def test_a_dictionary_without_file_transfer_refuses_chunks():
    bare = type(core())("bare", core().telemetry, core().commands, core().events, core().enums)
    assert chunk_apid(bare) is None
    with pytest.raises(ValueError, match="no file-chunk header"):
        pack_file_chunk(1, 0, 1, b"x", T, 0, dictionary=bare)
    assert isinstance(decode_file_chunk(pack_file_chunk(1, 0, 1, b"x", T, 0), bare), Rejection)

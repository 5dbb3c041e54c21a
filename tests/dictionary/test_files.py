"""File transfer packets: chunk round trip, missing-chunk requests, garbage rejected."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from picodragon.dictionary import core
from picodragon.dictionary.files import (
    MAX_CHUNK_DATA,
    FileChunk,
    chunk_count,
    decode_file_chunk,
    missing_chunk_requests,
    pack_file_chunk,
    requested_chunks,
)
from picodragon.dictionary.packets import Rejection


def test_chunk_round_trips_and_fits_an_ax25_frame():
    data = bytes(range(200))
    packet = pack_file_chunk(12, 3, 9, data, 1_400_000_000.0, 77)
    assert len(packet) <= 256
    chunk = decode_file_chunk(packet)
    assert isinstance(chunk, FileChunk)
    assert (chunk.file_id, chunk.chunk, chunk.chunk_count, chunk.data) == (12, 3, 9, data)
    assert len(pack_file_chunk(1, 0, 1, bytes(MAX_CHUNK_DATA), 0.0 + 1e9, 0)) == 256


def test_chunk_count():
    assert chunk_count(0, 200) == 1
    assert chunk_count(200, 200) == 1
    assert chunk_count(201, 200) == 2


@settings(max_examples=200, deadline=None)
@given(st.sets(st.integers(min_value=0, max_value=2000), max_size=300))
def test_requests_ask_for_exactly_the_missing_chunks(missing):
    requests = missing_chunk_requests(4, missing)
    asked = []
    for r in requests:
        assert r["file_id"] == 4
        asked += requested_chunks(r["first_chunk"], [r[f"mask{k}"] for k in range(4)])
    assert sorted(asked) == sorted(missing)
    command = core().command("REQUEST_CHUNKS")
    assert all(set(r) == {a.name for a in command.arguments} for r in requests)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=64))
def test_garbage_is_a_rejection(data):
    assert isinstance(decode_file_chunk(data), Rejection)


def test_decode_downlink_sorts_chunks_from_telemetry():
    from picodragon.dictionary.files import decode_downlink
    from picodragon.dictionary.packets import TelemetryPacket, pack_telemetry

    assert isinstance(decode_downlink(pack_file_chunk(1, 0, 1, b"x", 1e9, 0)), FileChunk)
    assert isinstance(decode_downlink(pack_telemetry(core().packet("HOUSEKEEPING"), {}, 1e9, 0)), TelemetryPacket)
    assert isinstance(decode_downlink(b"\x00"), Rejection)

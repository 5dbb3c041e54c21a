"""Hostile file metadata and chunks: bounded by the format, built from what arrived (finding 2).

FILE_ENTRY and FILE_CHUNK packets come over an unauthenticated downlink. Before the fix one
spoofed entry (chunk size 65,535, 65,535 chunks) plus one viewer's image request built a file of
about 4.3 GB, and one spoofed chunk numbered 65,534 made the ground zero-fill 15 MB. Here:

- regression tests: a spoofed entry outside the format's bounds is refused with a recorded
  reason and changes nothing; assembling and serving (``FileAssembler.assemble``, the web's
  ``Queries.file_bytes``) a file whose chunks claim far more than arrived allocates little
  (tracemalloc's peak, not a timing);
- properties (``@hostile``, 3,000 cases each by default): ``decode_file_chunk`` and FILE_ENTRY
  decoding never raise on arbitrary or mutated bytes; a ``FileAssembler`` fed arbitrary entry
  and chunk sequences never raises, keeps its state consistent, and what it builds stays
  bounded by the bytes fed plus the (bounded) size of an accepted entry.
"""

from __future__ import annotations

import random
import tracemalloc
import zlib
from contextlib import contextmanager

import pytest
from hypothesis import given
from hypothesis import strategies as st

from picodragon.dictionary import pack_telemetry
from picodragon.dictionary.files import (
    MAX_CHUNK_DATA,
    FileChunk,
    chunk_count,
    decode_downlink,
    decode_file_chunk,
    pack_file_chunk,
)
from picodragon.dictionary.packets import Rejection, TelemetryPacket, decode_telemetry
from picodragon.ground.archive import open_archive
from picodragon.ground.files import MAX_CHUNK_COUNT, MAX_FILE_BYTES, FileAssembler, FileRejection
from picodragon.ground.station import GroundStation
from picodragon.link import ax25
from picodragon.web.db import Database
from picodragon.web.queries import Queries
from tests.hostile.fuzz import hostile

T = 1.4e9
#: what "nothing large" means for a file of a few hundred bytes received
SMALL_PEAK = 1_000_000


def frame(packet: bytes) -> bytes:
    return ax25.encode(ax25.Frame(ax25.Address("CQ"), ax25.Address("XV9PID"), info=packet))


def entry_packet(file_id: int, size: int, chunk_size: int, count: int, crc: int = 0) -> bytes:
    values = {"index": 0, "count": 1, "file_id": file_id, "kind": 1, "size_bytes": size,
              "crc32": crc, "chunk_size": chunk_size, "chunk_count": count, "valid": 1,
              "created_unix": T}
    return pack_telemetry("FILE_ENTRY", values, T, 0)


def peak_of(func, *args):
    """What ``func(*args)`` returns and the peak of the memory it allocated meanwhile."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        out = func(*args)
        return out, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.fixture
def ground(tmp_path):
    path = tmp_path / "archive.sqlite"
    archive = open_archive(str(path))
    files = FileAssembler(archive)
    station = GroundStation("Hanoi", archive, 437.365e6)
    station.add_listener(files.on_decoded)
    yield files, station, path
    archive.close()


# -- regressions (each failed on 825d84b) --------------------------------------------------------
def test_spoofed_entry_with_huge_sizes_is_rejected_and_serving_allocates_nothing_large(ground):
    files, station, path = ground
    station.receive(frame(entry_packet(9, 0xFFFFFFFF, 0xFFFF, 0xFFFF)), T)
    # refused, with the reason recorded, and nothing of it kept
    rejected = [e for e in files.archive.events() if e["name"] == "FILE_ENTRY_REJECTED"]
    assert rejected and "chunk size 65535" in rejected[0]["message"]
    state = files.files.get(9)
    assert state is None or (state.size is None and state.chunk_size is None)
    # a chunk claiming the last of 65,535 chunks, then the image requested twice
    station.receive(frame(pack_file_chunk(9, 0xFFFE, 0xFFFF, b"x" * 100, T, 1)), T)
    data, peak = peak_of(files.assemble, 9)
    assert len(data) <= 100 and peak < SMALL_PEAK
    files.archive.flush()
    got, peak = peak_of(Queries(Database(str(path))).file_bytes, 9)
    assert got is not None and len(got[0]) <= 100 and peak < 8 * SMALL_PEAK


def test_entries_outside_the_format_or_the_store_are_refused(ground):
    files, _, _ = ground
    too_big = MAX_CHUNK_DATA * 0xFFFF
    cases = [
        (1, 1000, MAX_CHUNK_DATA + 1, 5),  # a chunk larger than a frame carries
        (2, 1000, 200, 6),  # a count the size and chunk size do not give
        (3, 1000, 0, 1),  # no chunk size
        (4, 0xFFFFFFFF, 200, 0xFFFF),  # more than 65,535 chunks hold
    ]
    for file_id, size, chunk_size, count in cases:
        values = decode_telemetry(entry_packet(file_id, size, chunk_size, count)).values
        assert isinstance(files.on_entry(values, T), FileRejection)
        assert file_id not in files.files
    # a store of 2 MB (the flight software's default) cannot hold a 15 MB file
    small = FileAssembler(files.archive, max_file_bytes=2_000_000)
    values = decode_telemetry(entry_packet(5, too_big, MAX_CHUNK_DATA, 0xFFFF)).values
    assert isinstance(small.on_entry(values, T), FileRejection)
    assert files.rejected["ENTRY"] == len(cases) and small.rejected["ENTRY"] == 1
    # inside the bounds all is as before
    assert not isinstance(files.on_entry(decode_telemetry(entry_packet(6, 1000, 200, 5)).values, T),
                          FileRejection)


def test_chunks_numbered_far_beyond_what_arrived_build_only_what_arrived(ground):
    """No entry: a chunk 0 and a chunk 65,534 are 472 bytes, not 15 MB of zeros."""
    files, station, path = ground
    station.receive(frame(pack_file_chunk(4, 0, 0xFFFF, b"a" * MAX_CHUNK_DATA, T, 1)), T)
    station.receive(frame(pack_file_chunk(4, 0xFFFE, 0xFFFF, b"b" * MAX_CHUNK_DATA, T, 2)), T)
    data, peak = peak_of(files.assemble, 4)
    assert data == b"a" * MAX_CHUNK_DATA and peak < SMALL_PEAK
    files.archive.flush()
    got, peak = peak_of(Queries(Database(str(path))).file_bytes, 4)
    # what remains of the peak is the missing-chunk list of a 65,535-chunk file (the format's
    # most) the page shows; the bytes are only what arrived
    assert got is not None and got[0] == b"a" * MAX_CHUNK_DATA and peak < 8 * SMALL_PEAK


def test_a_chunk_contradicting_the_entry_is_refused_and_recorded(ground):
    files, station, _ = ground
    data = bytes(range(256)) * 4
    station.receive(frame(entry_packet(3, len(data), 200, chunk_count(len(data), 200), zlib.crc32(data))), T)
    station.receive(frame(pack_file_chunk(3, 1, 99, data[200:400], T, 1)), T)  # another count
    station.receive(frame(pack_file_chunk(3, 2, 6, data[400:450], T, 2)), T)  # a short chunk
    assert files.files[3].chunk_count == 6 and not files.files[3].chunks
    names = [e["name"] for e in files.archive.events()]
    assert names.count("FILE_CHUNK_REJECTED") == 2
    for n in range(6):
        station.receive(frame(pack_file_chunk(3, n, 6, data[n * 200 : (n + 1) * 200], T, 3 + n)), T)
    assert files.files[3].crc_ok is True and files.assemble(3) == data


# -- properties ---------------------------------------------------------------------------------
def _valid_chunk_packet(file_id: int, chunk: int, count: int, data: bytes) -> bytes:
    return pack_file_chunk(file_id, chunk % count, count, data, T, 7)


def _mutate(packet: bytes, seed: int) -> bytes:
    """``packet`` with a few bytes overwritten, inserted or cut, as ``seed`` says."""
    rng = random.Random(seed)
    out = bytearray(packet)
    for _ in range(rng.randrange(1, 6)):
        what, at = rng.randrange(4), rng.randrange(len(out) + 1)
        if what == 0 and out:
            out[at % len(out)] = rng.randrange(256)
        elif what == 1:
            out[at:at] = rng.randbytes(rng.randrange(1, 4))
        elif what == 2:
            del out[at:]
        else:
            del out[at : at + rng.randrange(1, 8)]
    return bytes(out)


@hostile
@given(st.binary(max_size=400))
def test_decode_file_chunk_never_raises_on_arbitrary_bytes(raw):
    out = decode_file_chunk(raw)
    assert isinstance(out, FileChunk | Rejection)
    if isinstance(out, FileChunk):
        assert out.chunk < out.chunk_count and len(out.data) <= len(raw)


@hostile
@given(st.integers(0, 2**64))
def test_decode_file_chunk_never_raises_on_mutated_chunks(seed):
    rng = random.Random(seed)
    data = rng.randbytes(rng.randrange(MAX_CHUNK_DATA + 1))
    packet = _valid_chunk_packet(rng.randrange(0x10000), rng.randrange(0x10000), rng.randrange(1, 0x10000), data)
    raw = _mutate(packet, seed)
    assert isinstance(decode_file_chunk(raw), FileChunk | Rejection)
    assert isinstance(decode_downlink(raw), FileChunk | TelemetryPacket | Rejection)


@hostile
@given(st.integers(0, 2**64))
def test_file_entry_decoding_never_raises_on_mutated_entries(seed):
    rng = random.Random(seed)
    packet = entry_packet(rng.randrange(0x10000), rng.randrange(2**32), rng.randrange(0x10000), rng.randrange(0x10000))
    raw = _mutate(packet, seed)
    assert isinstance(decode_telemetry(raw), TelemetryPacket | Rejection)
    assert isinstance(decode_downlink(raw), FileChunk | TelemetryPacket | Rejection)


def _step(seed: int) -> tuple:
    """One hostile input for the assembler: a directory entry or a chunk, plausible or wild."""
    rng = random.Random(seed)
    fid = rng.randrange(4)
    wild = rng.random() < 0.3
    if rng.random() < 0.3:
        size = rng.randrange(2**32) if wild else rng.randrange(3000)
        cs = rng.randrange(0x10000) if wild else rng.randrange(1, MAX_CHUNK_DATA + 1)
        count = rng.randrange(0x10000) if rng.random() < 0.3 else chunk_count(size, max(cs, 1))
        return ("entry", fid, size, cs, count, rng.randrange(2**32))
    count = rng.randrange(1, 0x10000) if wild else rng.randrange(1, 20)
    n = rng.randrange(count)
    data = rng.randbytes(rng.randrange(MAX_CHUNK_DATA + 20) if wild else rng.choice((200, rng.randrange(201))))
    return ("chunk", fid, n, count, data)


#: the store the property's assembler is told of: entries claiming more are refused
STORE = 64_000


class MemoryArchive:
    """The few archive calls FileAssembler makes, in memory (the property runs thousands of cases;
    the SQLite and PostgreSQL paths are the regression tests' and tests/ground's)."""

    def __init__(self) -> None:
        self.tables: dict[str, list[dict]] = {"files": [], "file_chunks": [], "events": []}

    @contextmanager
    def batch(self):
        yield self

    def dictionary(self):
        """The dictionary an archive remembers: the core one here."""
        from picodragon.dictionary import core

        return core()

    def flush(self) -> None:
        """Nothing pending: every write lands at once."""

    def select(self, table: str, where: dict | None = None, order: str = "") -> list[dict]:
        return [dict(r) for r in self.tables[table] if not where or all(r[k] == v for k, v in where.items())]

    def insert(self, table: str, row: dict) -> None:
        self.tables[table].append(dict(row))

    def update(self, table: str, key: dict, values: dict) -> None:
        for r in self.tables[table]:
            if all(r.get(k) == v for k, v in key.items()):
                r.update(values)

    def delete(self, table: str, key: dict) -> None:
        self.tables[table] = [r for r in self.tables[table] if not all(r.get(k) == v for k, v in key.items())]

    def store_event(self, unix_s, name, severity, message, source="ground", frame_id=None) -> None:
        self.tables["events"].append({"name": name, "message": message})


@hostile
@given(st.lists(st.integers(0, 2**64), max_size=25))
def test_file_assembler_never_raises_and_builds_only_what_arrived(seeds):
    archive = MemoryArchive()
    steps = [_step(seed) for seed in seeds]
    files = FileAssembler(archive, max_file_bytes=STORE)
    fed = 0
    for step in steps:
        if step[0] == "entry":
            _, fid, size, cs, count, crc = step
            values = {"file_id": fid, "kind": 1, "size_bytes": size, "crc32": crc,
                      "chunk_size": cs, "chunk_count": count}
            out = files.on_entry(values, T)
            fed += 32
        else:
            _, fid, n, count, data = step
            out = files.on_chunk(FileChunk(fid, n, count, data, 0, T), T)
            fed += 8 + len(data)
        assert out is not None
    for fid, state in files.files.items():
        assert state.held == sum(len(d) for d in state.chunks.values()) <= fed
        assert all(len(d) <= MAX_CHUNK_DATA and 0 <= n < MAX_CHUNK_COUNT for n, d in state.chunks.items())
        if state.listed:
            assert state.size is not None and state.size <= STORE
        data, peak = peak_of(files.assemble, fid)
        bound = state.size if state.listed else state.held
        assert len(data) <= bound
        assert peak <= 3 * bound + 64_000
    # a restart rebuilds the same files from what was archived
    again = FileAssembler(archive, max_file_bytes=STORE)
    assert {f: s.chunks for f, s in again.files.items()} == {f: s.chunks for f, s in files.files.items()}
    assert MAX_FILE_BYTES == MAX_CHUNK_COUNT * MAX_CHUNK_DATA

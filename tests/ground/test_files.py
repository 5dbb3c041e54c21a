"""File reassembly: chunks in any order, duplicates, missing-chunk requests, CRC, restarts."""

from __future__ import annotations

import io
import random
import zlib

import pytest
from PIL import Image

from picodragon.dictionary import pack_telemetry
from picodragon.dictionary.files import chunk_count, pack_file_chunk, requested_chunks
from picodragon.ground.archive import open_archive
from picodragon.ground.files import FileAssembler
from picodragon.ground.station import Decoded, GroundStation
from tests.ground.helpers import frame_of

CHUNK = 200


def jpeg(seed: int = 1) -> bytes:
    rng = random.Random(seed)
    image = Image.new("RGB", (160, 120))
    image.putdata([(rng.randrange(256), x % 256, 80) for x in range(160 * 120)])
    out = io.BytesIO()
    image.save(out, "JPEG", quality=60)
    return out.getvalue()


def entry_frame(file_id: int, data: bytes, t: float = 1.4e9) -> bytes:
    values = {
        "index": 0,
        "count": 1,
        "file_id": file_id,
        "kind": 1,
        "size_bytes": len(data),
        "crc32": zlib.crc32(data),
        "chunk_size": CHUNK,
        "chunk_count": chunk_count(len(data), CHUNK),
        "valid": 1,
        "created_unix": 1.4e9,
    }
    return frame_of(pack_telemetry("FILE_ENTRY", values, t, 0))


def chunk_frames(file_id: int, data: bytes, t: float = 1.4e9) -> list[bytes]:
    n = chunk_count(len(data), CHUNK)
    return [
        frame_of(pack_file_chunk(file_id, i, n, data[i * CHUNK : (i + 1) * CHUNK], t + i, i))
        for i in range(n)
    ]


@pytest.fixture
def ground(archive):
    files = FileAssembler(archive)
    stations = [GroundStation(n, archive, 437.365e6) for n in ("Hanoi", "Tokyo")]
    for st in stations:
        st.add_listener(files.on_decoded)
    return files, stations


def test_chunks_in_any_order_with_gaps_then_complete(ground):
    files, (hanoi, tokyo) = ground
    data = jpeg()
    frames = chunk_frames(7, data)
    n = len(frames)
    assert n > 10
    hanoi.receive(entry_frame(7, data), 1.0)
    order = list(range(n))
    random.Random(2).shuffle(order)
    lost = set(order[:4]) - {0, 1, 2}
    for i in order:
        if i not in lost:
            out = hanoi.receive(frames[i], 2.0)
            assert isinstance(out, Decoded) and out.chunk.chunk == i
            tokyo.receive(frames[i], 2.0)  # duplicates from a second station
    assert files.missing(7) == sorted(lost)
    (request,) = files.requests(7)
    masks = [request[f"mask{k}"] for k in range(4)]
    assert requested_chunks(request["first_chunk"], masks) == sorted(lost)
    state = files.files[7]
    assert not state.complete and state.crc_ok is None
    # the image grows: what is there already decodes
    assert len(files.partial(7)) >= (max(set(range(n)) - lost)) * CHUNK
    for i in sorted(lost):
        tokyo.receive(frames[i], 3.0)
    assert state.complete and state.crc_ok is True
    assert files.assemble(7) == data
    assert any(e["name"] == "FILE_COMPLETE" for e in files.archive.events())


def test_partial_image_shows_the_top_rows(ground):
    files, (hanoi, _) = ground
    data = jpeg(3)
    frames = chunk_frames(8, data)
    hanoi.receive(entry_frame(8, data), 1.0)
    for f in frames[: len(frames) // 2]:
        hanoi.receive(f, 2.0)
    image = files.partial_image(8)
    assert image is not None and image.size == (160, 120)


def test_corrupt_chunk_fails_the_crc_and_refetch_recovers(ground):
    files, (hanoi, _) = ground
    data = jpeg(4)
    bad = bytearray(data)
    bad[CHUNK + 5] ^= 0xFF
    hanoi.receive(entry_frame(9, data), 1.0)
    for f in chunk_frames(9, bytes(bad)):
        hanoi.receive(f, 2.0)
    assert files.files[9].complete and files.files[9].crc_ok is False
    assert any(e["name"] == "FILE_CORRUPT" for e in files.archive.events())
    requests = files.refetch(9, 3.0)
    assert (
        sum(bin(r[f"mask{k}"]).count("1") for r in requests for k in range(4))
        == files.files[9].chunk_count
    )
    for f in chunk_frames(9, data):
        hanoi.receive(f, 4.0)
    assert files.files[9].crc_ok is True


def test_chunks_before_the_directory_entry(ground):
    files, (hanoi, _) = ground
    data = jpeg(5)
    for f in chunk_frames(10, data):
        hanoi.receive(f, 1.0)
    assert files.files[10].complete and files.files[10].crc_ok is None  # no CRC known yet
    hanoi.receive(entry_frame(10, data), 2.0)
    assert files.files[10].crc_ok is True


def test_state_survives_a_restart(archive_url):
    archive = open_archive(archive_url)
    files = FileAssembler(archive)
    station = GroundStation("Hanoi", archive, 437e6)
    station.add_listener(files.on_decoded)
    data = jpeg(6)
    frames = chunk_frames(11, data)
    station.receive(entry_frame(11, data), 1.0)
    for f in frames[:-2]:
        station.receive(f, 2.0)
    archive.close()
    archive = open_archive(archive_url)
    files = FileAssembler(archive)
    assert files.missing(11) == [len(frames) - 2, len(frames) - 1]
    station = GroundStation("Hanoi", archive, 437e6)
    station.add_listener(files.on_decoded)
    for f in frames[-2:]:
        station.receive(f, 3.0)
    assert files.files[11].crc_ok is True and files.assemble(11) == data
    archive.close()

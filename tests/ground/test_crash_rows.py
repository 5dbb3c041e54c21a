"""A frame and every row decoded from it are one transaction, even outside a batch (kill -9).

Hardening issue 11, finding 10: ``GroundStation.receive`` used to commit the frame, then its
telemetry row, then its event, each on its own, so a station killed between two of those commits
left a frame in the archive without what it said (9 of 30 kills on SQLite, 10 of 20 on
PostgreSQL). Here a forked child ingests frames one at a time, outside any batch, through a
station with a file assembler listening, and acknowledges each frame on a pipe once ``receive``
has returned (the commit is done then). The parent kills it with SIGKILL after a random 50 to
400 ms, 40 times per backend, and after each kill checks that

- every acknowledged frame is stored,
- every stored frame has every row decoded from it: its telemetry row (housekeeping, event
  report), its event, its file chunk,
- SQLite's ``PRAGMA integrity_check`` says ``ok``.

The child is forked from the test process (already importing picodragon), so a round costs
the kill delay and not an interpreter start; every wait is bounded by a timeout.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import sqlite3
import time
from multiprocessing.connection import Connection

import pytest

from picodragon.dictionary import pack_telemetry
from picodragon.dictionary.files import FileChunk, decode_downlink, pack_file_chunk
from picodragon.dictionary.packets import TelemetryPacket
from picodragon.ground.archive import frame_id, open_archive
from picodragon.ground.files import FileAssembler
from picodragon.ground.station import GroundStation
from picodragon.link import ax25
from tests.ground.conftest import open_pg

T0 = 1.4e9
ROUNDS = 40  # a kill lands between two commits of the old code a few times in a hundred
FRAMES_PER_ROUND = 100_000  # far more than 400 ms can ingest: the kill always comes first
CHUNKS_PER_FILE = 1000


def numbered_frame(n: int) -> bytes:
    """Frame ``n``: housekeeping, an event report or a file chunk, in turn, all distinct."""
    kind = n % 3
    if kind == 0:
        packet = pack_telemetry("HOUSEKEEPING", {"uptime_s": n, "frames_sent": n}, T0 + n, n & 0x3FFF)
    elif kind == 1:
        values = {"event_id": 1, "severity": 1, "arg0": n, "arg1": 0}
        packet = pack_telemetry("EVENT_REPORT", values, T0 + n, n & 0x3FFF)
    else:
        k = n // 3
        file_id, chunk = 1 + k // CHUNKS_PER_FILE, k % CHUNKS_PER_FILE
        data = n.to_bytes(8, "big") * 4
        packet = pack_file_chunk(file_id, chunk, CHUNKS_PER_FILE, data, T0 + n, n & 0x3FFF)
    return ax25.encode(ax25.Frame(ax25.Address("CQ"), ax25.Address("XV9PID"), info=packet))


def _ingest(url: str, first: int, ack: Connection) -> None:
    """The forked station: ingest frames ``first`` onwards, one commit each, ack each one."""
    archive = open_archive(url)
    station = GroundStation("crash-rows", archive, 437.365e6)
    station.add_listener(FileAssembler(archive).on_decoded)
    ack.send(("ready", first))
    for n in range(first, first + FRAMES_PER_ROUND):
        station.receive(numbered_frame(n), T0 + n)
        ack.send(("ack", n))
    archive.close()


def _run_and_kill(url: str, first: int, delay_s: float) -> list[int]:
    """Fork the station, kill it ``delay_s`` after it is ready; the frame numbers it acked."""
    ctx = multiprocessing.get_context("fork")
    receiver, sender = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_ingest, args=(url, first, sender), daemon=True)
    child.start()
    sender.close()
    acked: list[int] = []

    def take() -> bool:
        try:
            tag, n = receiver.recv()
        except Exception:  # noqa: BLE001 - a message cut by the kill: the pipe ends there
            return False
        if tag == "ack":
            acked.append(n)
        return True

    try:
        assert receiver.poll(30), "the ingest child never got ready"
        assert receiver.recv() == ("ready", first)
        # read the acks as they come (a full pipe would block the child) until the kill
        deadline = time.monotonic() + delay_s
        for _ in range(FRAMES_PER_ROUND):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            if receiver.poll(min(left, 0.05)) and not take():
                break
    finally:
        if child.pid is not None and child.exitcode is None:
            os.kill(child.pid, signal.SIGKILL)
        child.join(30)
    for _ in range(FRAMES_PER_ROUND + 1):  # bounded: what was sent before the kill
        if not receiver.poll(0) or not take():
            break
    receiver.close()
    return acked


def _check(url: str, first: int, acked: list[int]) -> int:
    """Every acked frame stored; every frame of this round with all its rows. Frames stored."""
    archive = open_archive(url)
    try:
        stored = {r.id: r.raw for r in archive.frames(T0 + first, limit=10**7)}
        missing = [n for n in acked if frame_id(numbered_frame(n)) not in stored]
        assert not missing, f"acknowledged frames lost: {missing[:5]}"
        rows = archive._rows(f"SELECT seq, id FROM frames WHERE first_unix_s >= {archive.placeholder}", (T0 + first,))
        seq_of = {int(i): int(s) for s, i in rows}
        archive._reload_catalog()
        tables = archive._catalog
        hk, ev_tm = (
            {int(r[0]) for r in archive._rows(f"SELECT frame_seq FROM {tables[p][0]}")} if p in tables else set()
            for p in ("HOUSEKEEPING", "EVENT_REPORT")
        )
        events = {int(r[0]) for r in archive._rows("SELECT frame_id FROM events WHERE frame_id IS NOT NULL")}
        chunks = {(int(f), int(c)) for f, c in archive._rows("SELECT file_id, chunk_index FROM file_chunks")}
        for fid, raw in stored.items():
            frame = ax25.decode(raw)
            packet = decode_downlink(frame.info)
            seq = seq_of[fid]
            if isinstance(packet, FileChunk):
                assert (packet.file_id, packet.chunk) in chunks, f"frame {fid} without its chunk"
            else:
                assert isinstance(packet, TelemetryPacket)
                if packet.name == "HOUSEKEEPING":
                    assert seq in hk, f"frame {fid} without its housekeeping row"
                else:
                    assert seq in ev_tm, f"frame {fid} without its event report row"
                    assert fid in events, f"frame {fid} without its event"
        if archive.backend == "sqlite":
            db = sqlite3.connect(url)
            try:
                assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            finally:
                db.close()
        return len(stored)
    finally:
        archive.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.peers)])
def crash_url(request, tmp_path):
    """An archive location on each backend (a fresh PostgreSQL schema, dropped afterwards)."""
    if request.param == "sqlite":
        yield str(tmp_path / "crash-rows.sqlite")
        return
    archive, url = open_pg()
    archive.close()
    yield url
    cleanup = open_archive(url)
    cleanup.drop_schema()
    cleanup.close()


def test_kill_minus_nine_never_keeps_a_frame_without_its_rows(crash_url):
    rng = random.Random(11)
    first = 0
    stored = 0
    for _ in range(ROUNDS):
        acked = _run_and_kill(crash_url, first, rng.uniform(0.05, 0.4))
        stored = _check(crash_url, first, acked)
        # the next round's frames are new ones (the archive keeps the earlier rounds')
        first += FRAMES_PER_ROUND
    assert stored > 0

"""A command queue that is its archive's only commander reads nothing back, and records the same
lifecycle as one that shares its archive; a file's summary row is written only when it changes."""

from __future__ import annotations

import zlib

from picodragon.dictionary.telecommand import Stage as Response
from picodragon.ground.archive import open_archive
from picodragon.ground.commanding import CommandQueue, Stage
from picodragon.ground.files import FileAssembler
from tests.ground.test_files import CHUNK, chunk_frames, entry_frame, jpeg

KEY = bytes(range(32))
T0 = 1.4e9


def _session(queue: CommandQueue) -> None:
    """Queue, release, sign, send and verify a few commands, one cancelled, one time-tagged."""
    a = queue.queue("SET_MODE", {"mode": 3}, now=T0)
    b = queue.queue("NOOP", now=T0 + 0.5)
    c = queue.queue("CAPTURE_IMAGE", {"at_time": 0}, now=T0 + 1, execute_at=T0 + 2000)
    queue.cancel(b.id, T0 + 1.5)
    queue.release(a.id, T0 + 2)
    queue.release(c.id, T0 + 2)
    assert queue.uplink(T0 + 3, limit=1) == [a]
    assert queue.uplink(T0 + 4) == [c]
    for record, stage, t in ((a, Response.ACCEPTED, 5), (a, Response.COMPLETED, 6), (c, Response.SCHEDULED, 7)):
        queue.on_response({"counter": record.counter, "opcode": record.opcode, "stage": int(stage),
                           "code": 0}, T0 + t)
    queue.check_timeouts(T0 + 1e6)


def _on_record(archive) -> tuple[list, list]:
    commands = archive.select("commands", order="id")
    stages = [(r["command_id"], r["stage"], r["unix_s"], r["detail"])
              for r in archive.select("command_stages", order="command_id, unix_s")]
    return commands, sorted(stages)


class _Counting:
    """An archive whose reads are counted."""

    def __init__(self, archive) -> None:
        self._archive = archive
        self.reads = 0

    def __getattr__(self, name):
        if name in ("select", "maximum"):
            self.reads += 1
        return getattr(self._archive, name)


def test_a_sole_writer_records_the_same_lifecycle_and_reads_nothing_back(tmp_path):
    records = []
    for sole, hold in ((False, False), (True, False), (True, True), (False, True)):
        archive = open_archive(str(tmp_path / f"sole-{sole}-{hold}.sqlite"))
        counting = _Counting(archive)
        queue = CommandQueue(counting, KEY, ack_timeout_s=30.0, completion_timeout_s=600.0, sole_writer=sole)
        loaded = counting.reads
        with archive.batch():
            if hold:
                with queue.holding():
                    _session(queue)
            else:
                _session(queue)
        records.append(_on_record(archive))
        if sole:
            assert counting.reads == loaded  # queue, cancel, sign, send, verify: no read
        else:
            assert counting.reads > loaded
        stages = {r.id: [s for s, _, _ in r.stages] for r in queue.history()}
        assert stages == {1: [Stage.QUEUED, Stage.RELEASED, Stage.SENT, Stage.ACKNOWLEDGED, Stage.COMPLETED],
                          2: [Stage.QUEUED, Stage.CANCELLED],
                          3: [Stage.QUEUED, Stage.RELEASED, Stage.SENT, Stage.ACKNOWLEDGED, Stage.SCHEDULED,
                              Stage.TIMED_OUT]}
        archive.close()
    assert records[0] == records[1] == records[2] == records[3]


def test_held_rows_are_written_once_when_sent_and_at_the_blocks_end(tmp_path):
    archive = open_archive(str(tmp_path / "held.sqlite"))
    queue = CommandQueue(archive, KEY, sole_writer=True)
    updates = []
    update = archive.update
    archive.update = lambda table, key, values: (updates.append(table), update(table, key, values))
    with queue.holding():
        with queue.holding():  # nested: written when the outer block ends
            a = queue.queue("NOOP", now=T0)
            b = queue.queue("SET_MODE", {"mode": 2}, now=T0)
            queue.release(a.id, T0)
            queue.uplink(T0 + 1)
        assert [r["id"] for r in archive.select("commands")] == [a.id]  # sent: written; b held
    rows = {r["id"]: r for r in archive.select("commands")}
    assert updates == [] and set(rows) == {a.id, b.id}
    assert (rows[a.id]["counter"], bytes(rows[a.id]["raw"])) == (a.counter, a.packet)
    assert rows[b.id]["counter"] is None and rows[b.id]["raw"] is None
    queue.release(b.id, T0 + 2)  # sent outside a block: its row is updated
    queue.uplink(T0 + 3)
    assert updates == ["commands"] and archive.select("commands", {"id": b.id})[0]["counter"] == b.counter
    archive.close()


def test_a_sole_writer_continues_the_archives_ids_and_counters(tmp_path):
    url = str(tmp_path / "restart.sqlite")
    archive = open_archive(url)
    first = CommandQueue(archive, KEY)
    a = first.queue("NOOP", now=1.0)
    first.release(a.id, 1.0)
    first.uplink(2.0)
    archive.close()
    archive = open_archive(url)
    queue = CommandQueue(archive, KEY, sole_writer=True)
    b = queue.queue("NOOP", now=3.0)
    queue.release(b.id, 3.0)
    queue.uplink(4.0)
    assert (b.id, b.counter) == (a.id + 1, a.counter + 1)
    archive.close()


def test_a_files_summary_is_written_only_when_it_changes(tmp_path):
    archive = open_archive(str(tmp_path / "files.sqlite"))
    files = FileAssembler(archive)
    updates = []
    update = archive.update
    archive.update = lambda table, key, values: (updates.append(values), update(table, key, values))
    from picodragon.ground.station import GroundStation

    station = GroundStation("Hanoi", archive, 437.365e6)
    station.add_listener(files.on_decoded)
    data = jpeg(3)
    chunks = chunk_frames(7, data)
    assert len(chunks) > 3
    station.receive(entry_frame(7, data), 1.4e9)
    for i, frame in enumerate(chunks):
        station.receive(frame, 1.4e9 + 1 + i)
    station.receive(chunks[0], 1.4e9 + 100)  # a repeat changes nothing
    # the entry, then the last chunk (complete, CRC good): the chunks between change nothing
    assert len(updates) == 2 and updates[-1]["crc_ok"] == 1
    (row,) = archive.select("files")
    assert (row["size"], row["chunk_size"], row["crc32"], row["crc_ok"]) == (len(data), CHUNK, zlib.crc32(data), 1)
    archive.close()
    again = FileAssembler(open_archive(str(tmp_path / "files.sqlite")))
    assert again.files[7].crc_ok and again.assemble(7) == data


def test_pending_follows_every_stage_added(tmp_path):
    archive = open_archive(str(tmp_path / "pending.sqlite"))
    queue = CommandQueue(archive, KEY)
    a, b = queue.queue("NOOP", now=T0), queue.queue("NOOP", now=T0)
    assert queue.pending(Stage.RELEASED) == [] and queue.pending(Stage.QUEUED) == [a, b]
    queue.release(b.id, T0 + 1)
    assert queue.pending(Stage.RELEASED) == [b] and queue.pending(Stage.QUEUED) == [a]
    queue.pending(Stage.RELEASED).clear()  # the caller's list, not the one kept
    queue.release(a.id, T0 + 2)
    assert queue.pending(Stage.RELEASED) == [a, b]
    queue.cancel(a.id, T0 + 3)
    assert queue.pending(Stage.RELEASED) == [b] and queue.pending(Stage.CANCELLED) == [a]
    assert queue.uplink(T0 + 4) == [b] and queue.pending(Stage.RELEASED) == []
    other = CommandQueue(archive, KEY)  # another console queues and releases one
    c = other.queue("NOOP", now=T0 + 5)
    other.release(c.id, T0 + 5)
    queue.refresh()
    assert [r.id for r in queue.pending(Stage.RELEASED)] == [c.id]
    archive.close()

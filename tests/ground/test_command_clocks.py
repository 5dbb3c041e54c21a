"""One clock story for commands: each stage is stamped by the clock of whoever acted, and a
command's history reads in lifecycle order even when those clocks are years apart (a command
queued from the command line in UTC, sent by a station rehearsing on the twin's 2013 clock)."""

from __future__ import annotations

from picodragon.ground.archive import open_archive
from picodragon.ground.archive.pool import Database
from picodragon.ground.archive.reader import Reader
from picodragon.ground.commanding import CommandQueue

KEY = bytes(range(32))
TODAY = 1_796_000_000.0  # 2026-11: the operator's wall clock
TWIN = 1_384_918_000.0  # 2013-11-20: the rehearsing station's clock


def test_a_history_stamped_by_two_clocks_reads_in_lifecycle_order(tmp_path):
    db = str(tmp_path / "st.sqlite")
    with open_archive(db) as archive:
        queue = CommandQueue(archive, KEY)
        record = queue.queue("NOOP", now=TODAY)  # `picodragon command`: UTC
        queue.release(record.id, TODAY)
        (prepared,) = queue.prepare_uplink(TWIN)  # the station: the twin's clock
        queue.mark_sent(prepared, TWIN)
    reader = Reader(Database(db))
    (command,) = reader.commands()
    assert [s["stage"] for s in command["stages"]] == ["queued", "released", "sent"]
    assert [s["unix_s"] for s in command["stages"]] == [TODAY, TODAY, TWIN]  # each actor's own stamp
    assert command["stage"] == "sent"

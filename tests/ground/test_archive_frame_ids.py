"""The SQLite archive's two-tier index of frames by content address (archive/frame_ids.py):
frames stay unique and findable through merges, across two writers of one file, and in an
archive written by the schema before it (``frames.id UNIQUE``, no id tables)."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from picodragon.ground.archive import frame_id, frame_ids, open_archive
from picodragon.ground.archive.base import SCHEMA, UNIQUE
from picodragon.ground.archive.pool import Database
from picodragon.ground.archive.reader import Reader

#: the frames table as archives wrote it before frame_ids.py: the content address unique
OLD_FRAMES = (
    "CREATE TABLE frames (seq INTEGER PRIMARY KEY, id BIGINT NOT NULL UNIQUE, raw BLOB NOT NULL, "
    "first_unix_s REAL NOT NULL, first_station TEXT NOT NULL, frequency_hz REAL, rejection TEXT)"
)


def _raws(n: int, tag: bytes = b"f") -> list[bytes]:
    return [tag + i.to_bytes(4, "big") for i in range(n)]


def _id_rows(path: str) -> tuple[int, int, int]:
    """(frames rows, distinct frame ids, id -> seq entries over both tiers) of an archive file."""
    with sqlite3.connect(path) as db:
        rows, distinct = db.execute("SELECT COUNT(*), COUNT(DISTINCT id) FROM frames").fetchone()
        indexed = sum(db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in frame_ids.TABLES)
    return rows, distinct, indexed


@pytest.fixture
def small_tiers(monkeypatch):
    """Merge after a few frames, so a short test crosses many merges."""
    monkeypatch.setattr(frame_ids, "RECENT_MIN", 10)
    monkeypatch.setattr(frame_ids, "MAIN_PER_RECENT", 2)


def test_frames_stay_unique_and_findable_across_merges(tmp_path, small_tiers):
    path = str(tmp_path / "a.sqlite")
    archive = open_archive(path)
    raws = _raws(300)
    for lo in range(0, 300, 7):
        with archive.batch():
            for raw in raws[lo : lo + 7] + raws[max(0, lo - 20) : lo - 10]:  # new ones, some again
                archive.store_frame(raw, "A", 1.0 + lo, 1.0)
    assert archive.count_frames() == 300
    with sqlite3.connect(path) as db:
        main = db.execute("SELECT COUNT(*) FROM frame_ids").fetchone()[0]
        recent = db.execute("SELECT COUNT(*) FROM frame_ids_recent").fetchone()[0]
        pairs = dict(db.execute("SELECT id, seq FROM frames"))
    assert main > 0 and recent < main  # merged, several times
    assert _id_rows(path) == (300, 300, 300)
    assert archive._frame_seqs({frame_id(r) for r in raws}) == pairs
    reader = Reader(Database(path))
    for raw in (raws[0], raws[-1]):  # one in the main tier, one recent
        found = reader.frame(frame_id(raw))
        assert found is not None and found["raw"] == raw and found["seq"] == pairs[frame_id(raw)]
    assert reader.frame(frame_id(b"never heard")) is None
    archive.close()


def test_two_writers_of_one_file_store_a_frame_once(tmp_path, small_tiers):
    path = str(tmp_path / "a.sqlite")
    first, second = open_archive(path), open_archive(path)
    raws = _raws(400)

    def write(archive, station: str) -> None:
        for lo in range(0, len(raws), 25):
            with archive.batch():
                for raw in raws[lo : lo + 25]:
                    archive.store_frame(raw, station, 1.0, 1.0)

    threads = [threading.Thread(target=write, args=(a, s)) for a, s in ((first, "A"), (second, "B"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert _id_rows(path) == (400, 400, 400)
    assert first.count_receptions() == 800  # every frame heard by both stations
    first.close()
    second.close()


def test_a_writer_learns_the_frames_another_stored_since_its_last_transaction(tmp_path, small_tiers):
    """Writer B has written before (its filter of seen ids is built); A then stores frames and
    merges them into the main tier; B hearing the same frames must find them, not add them."""
    path = str(tmp_path / "a.sqlite")
    first, second = open_archive(path), open_archive(path)
    with second.batch():
        second.store_frame(b"B's own", "B", 1.0, 1.0)
    raws = _raws(60)
    for lo in range(0, 60, 6):
        with first.batch():
            for raw in raws[lo : lo + 6]:
                first.store_frame(raw, "A", 2.0, 1.0)
    with second.batch():
        for raw in raws:
            second.store_frame(raw, "B", 3.0, 1.0)
    assert _id_rows(path) == (61, 61, 61)
    assert second.count_receptions() == 121
    first.close()
    second.close()


def test_an_archive_of_the_old_schema_opens_and_works(tmp_path):
    path = str(tmp_path / "old.sqlite")
    old = _raws(50, b"old")
    with sqlite3.connect(path) as db:  # the archive as the schema before frame_ids.py wrote it
        db.execute(OLD_FRAMES)
        for table, columns in SCHEMA.items():
            if table not in ("frames", "archive_meta"):
                cols = ", ".join(f"{n} {d.replace('SERIAL', 'INTEGER PRIMARY KEY').replace('DOUBLE', 'REAL')}"
                                 for n, d in columns)
                unique = f", UNIQUE ({', '.join(UNIQUE[table])})" if table in UNIQUE else ""
                db.execute(f"CREATE TABLE {table} ({cols}{unique})")
        db.executemany("INSERT INTO frames (seq, id, raw, first_unix_s, first_station) VALUES (?, ?, ?, 1.0, 'A')",
                       [(k + 1, frame_id(raw), raw) for k, raw in enumerate(old)])
        db.executemany("INSERT INTO receptions (frame_seq, station, unix_s) VALUES (?, 'A', 1.0)",
                       [(k + 1,) for k in range(len(old))])
    archive = open_archive(path)
    assert _id_rows(path) == (50, 50, 50)  # the id tables filled from frames on opening
    with archive.batch():
        for raw in old[:5] + _raws(20, b"new"):  # archived before, and new
            archive.store_frame(raw, "B", 2.0, 1.0)
    assert _id_rows(path) == (70, 70, 70)
    assert archive.count_receptions() == 50 + 25
    with sqlite3.connect(path) as db:  # the old unique index is kept
        assert db.execute("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'frames' "
                          "AND name LIKE 'sqlite_autoindex%'").fetchone()[0] == 1
    archive.close()
    again = open_archive(path)  # filled once: a second opening adds nothing
    assert _id_rows(path) == (70, 70, 70)
    reader = Reader(Database(path))
    assert reader.frame(frame_id(old[3]))["receptions"] == [
        {"station": "A", "unix_s": 1.0, "frequency_hz": None}, {"station": "B", "unix_s": 2.0, "frequency_hz": 1.0}]
    assert reader.frame(frame_id(b"new" + (7).to_bytes(4, "big")))["first_station"] == "B"
    again.close()


def test_a_new_archive_keeps_no_index_on_frame_ids(tmp_path):
    path = str(tmp_path / "a.sqlite")
    open_archive(path).close()
    with sqlite3.connect(path) as db:
        indexes = [r[0] for r in db.execute("SELECT sql FROM sqlite_master WHERE tbl_name = 'frames' "
                                              "AND type = 'index'")]
        ddl = db.execute("SELECT sql FROM sqlite_master WHERE name = 'frames'").fetchone()[0]
    assert "UNIQUE" not in ddl and all("(id)" not in (s or "") for s in indexes)

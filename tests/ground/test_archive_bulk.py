"""The archive's batch writer: frames new to the archive and frames it already holds, mixed
and repeated within one batch, on both backends; on PostgreSQL, the fast path's fallback when
another writer stores the same frame at the same moment (see archive/postgres.py)."""

from __future__ import annotations

import uuid

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from picodragon.ground.archive import frame_id, open_archive
from tests.ground.conftest import open_pg


def _seqs_by_id(archive) -> dict[int, int]:
    return {int(r["id"]): int(r["seq"]) for r in archive.select("frames")}


def test_a_batch_mixing_new_old_and_repeated_frames(archive):
    archive.store_frame(b"old", "A", 1.0, 1.0)
    archive.store_points(frame_id(b"old"), "HK", 1.0, {"x": 1.0})
    with archive.batch():
        for station, t in (("B", 2.0), ("A", 1.0)):  # one new hearing of "old", one repeated
            fid = archive.store_frame(b"old", station, t, 1.0)
            archive.store_points(fid, "HK", 1.0, {"x": 99.0})  # not a second row
        for i in range(5):
            fid = archive.store_frame(b"new%d" % i, "A", 10.0 + i, 1.0)
            archive.store_points(fid, "HK", 10.0 + i, {"x": float(i)})
        # a new frame heard by two stations, and by one of them twice, in the same batch
        for station, t in (("C", 20.0), ("D", 20.5), ("C", 20.0)):
            fid = archive.store_frame(b"twice", station, t, 2.0)
            archive.store_points(fid, "HK", 20.0, {"x": 7.0 if station == "C" else -7.0})
    assert archive.count_frames() == 7
    assert archive.count_receptions() == 1 + 1 + 5 + 2
    t, x = archive.points("HK.x")
    assert list(t) == [1.0, 10.0, 11.0, 12.0, 13.0, 14.0, 20.0]
    # each frame keeps its first values: the later copies (99, -7) are duplicates
    np.testing.assert_array_equal(x, [1.0, 0.0, 1.0, 2.0, 3.0, 4.0, 7.0])
    (twice,) = [f for f in archive.frames() if f.raw == b"twice"]
    assert [(r.station, r.unix_s) for r in twice.receptions] == [("C", 20.0), ("D", 20.5)]
    assert archive.select("frames", {"id": frame_id(b"twice")})[0]["first_station"] == "C"


def test_frames_take_seq_in_arrival_order(archive):
    raws = [bytes([7, i]) for i in range(200)]
    with archive.batch():
        for i, raw in enumerate(raws):
            archive.store_frame(raw, "A", 100.0 - i, 1.0)  # times run backwards: order is arrival
    seqs = _seqs_by_id(archive)
    ordered = [seqs[frame_id(raw)] for raw in raws]
    assert ordered == sorted(ordered) and len(set(ordered)) == len(raws)


def test_a_failed_batch_leaves_nothing_and_the_next_one_works(archive):
    try:
        with archive.batch():
            fid = archive.store_frame(b"lost", "A", 1.0, 1.0)
            archive.store_points(fid, "HK", 1.0, {"x": 1.0})
            raise RuntimeError("station died")
    except RuntimeError:
        pass
    assert archive.count_frames() == 0 and archive.count_receptions() == 0
    with archive.batch():
        fid = archive.store_frame(b"lost", "A", 1.0, 1.0)
        archive.store_points(fid, "HK", 1.0, {"x": 2.0})
    assert archive.count_frames() == 1 and list(archive.points("HK.x")[1]) == [2.0]


def test_postgres_frames_stored_by_another_writer_meanwhile_take_the_general_path():
    """A writer storing the same frame between the look-up and the copy: no error, no loss."""
    ours, url = open_pg()
    setup = ours.store_frame(b"setup", "Ours", 0.0, 1.0)  # the packet's table exists, committed
    ours.store_points(setup, "HK", 0.0, {"x": 0.0})
    other = open_archive(url)
    try:
        raced = b"heard by two stations at once"
        drawn = ours._next_frame_seqs

        def race(n: int) -> list[int]:  # the other station commits the frame right then
            other.store_frame(raced, "Other", 5.0, 1.0)
            other.store_points(frame_id(raced), "HK", 5.0, {"x": -1.0})
            return drawn(n)

        general: list[str] = []  # tables written by the general (staged) path
        bulk = ours._bulk

        def spy(table, columns, rows):
            general.append(table)
            return bulk(table, columns, rows)

        ours._bulk = spy
        ours._next_frame_seqs = race
        ours._guess_fresh = False  # as after a batch that met an archived frame: look up first
        with ours.batch():
            ours.store_event(1.0, "BEFORE", 1, "written earlier in the same transaction")
            for raw, t in ((b"first", 1.0), (raced, 5.5), (b"last", 9.0)):
                fid = ours.store_frame(raw, "Ours", t, 1.0)
                ours.store_points(fid, "HK", t, {"x": t})
        ours._next_frame_seqs = drawn
        assert "frames" in general  # the copy clashed and the frames took the general path
        assert ours.count_frames() == 4
        assert ours.count_receptions() == 5  # the raced frame: both stations' hearings
        t, x = ours.points("HK.x")
        assert list(t) == [0.0, 1.0, 5.0, 9.0] and list(x) == [0.0, 1.0, -1.0, 9.0]
        assert [e["name"] for e in ours.events()] == ["BEFORE"]
        # the next batch takes the fast path again
        general.clear()
        with ours.batch():
            fid = ours.store_frame(b"after", "Ours", 10.0, 1.0)
            ours.store_points(fid, "HK", 10.0, {"x": 10.0})
        assert general == []
        assert ours.count_frames() == 5 and ours.count_points() == 5
    finally:
        other.close()
        ours.drop_schema()
        ours.close()


def test_postgres_a_batch_meeting_an_archived_frame_copies_the_others_straight():
    """The frames are copied before any look-up; one archived before makes that copy clash,
    and then only the archived one takes the general path's rows; the next batch looks up
    first, and the one after, having met none, copies first again."""
    ours, _ = open_pg()
    try:
        ours.store_frame(b"old", "A", 0.0, 1.0)
        general: list[str] = []
        bulk = ours._bulk

        def spy(table, columns, rows):
            general.append(table)
            return bulk(table, columns, rows)

        ours._bulk = spy
        with ours.batch():
            for raw, t in ((b"new 1", 1.0), (b"old", 2.0), (b"new 2", 3.0)):
                ours.store_frame(raw, "B", t, 1.0)
        assert general == ["receptions"]  # the old frame's second hearing; no frame staged
        assert not ours._guess_fresh
        assert ours.count_frames() == 3 and ours.count_receptions() == 4
        with ours.batch():
            ours.store_frame(b"new 3", "B", 4.0, 1.0)
        assert ours._guess_fresh and general == ["receptions"]
        assert [r.first_unix_s for r in ours.frames()] == [0.0, 1.0, 3.0, 4.0]
    finally:
        ours.drop_schema()
        ours.close()


#: a batch: (which of a few frame contents, which station, reception time) per hearing
HEARINGS = st.lists(
    st.lists(st.tuples(st.integers(0, 5), st.sampled_from("AB"), st.sampled_from([1.0, 2.0])),
             max_size=12),
    min_size=1, max_size=4,
)


def _check_against_model(archive, batches) -> None:
    """Store ``batches`` and compare with what a set-based model of the archive holds."""
    receptions: set[tuple[int, str, float]] = set()
    first_value: dict[int, float] = {}
    for batch in batches:
        with archive.batch():
            for k, station, t in batch:
                fid = archive.store_frame(b"content %d" % k, station, t, 1.0)
                archive.store_points(fid, "HK", 10.0 * k, {"x": t})
                receptions.add((k, station, t))
                first_value.setdefault(k, t)
    assert archive.count_frames() == len(first_value)
    assert archive.count_receptions() == len(receptions)
    packets = archive.packets("HK") if first_value else {"frame_id": [], "x": []}
    by_frame = dict(zip((int(i) for i in packets["frame_id"]), packets["x"], strict=True))
    assert by_frame == {frame_id(b"content %d" % k): v for k, v in first_value.items()}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=HEARINGS)
def test_any_sequence_of_batches_stores_what_a_model_says_sqlite(tmp_path, batches):
    archive = open_archive(str(tmp_path / f"{uuid.uuid4().hex}.sqlite"))
    try:
        _check_against_model(archive, batches)
    finally:
        archive.close()


@settings(max_examples=25, deadline=None)
@given(batches=HEARINGS)
def test_any_sequence_of_batches_stores_what_a_model_says_postgres(batches):
    archive, _ = open_pg()
    try:
        _check_against_model(archive, batches)
    finally:
        archive.drop_schema()
        archive.close()


@settings(max_examples=15, deadline=None)
@given(batches=HEARINGS)
def test_postgres_spilling_to_the_writer_thread_stores_what_a_model_says(batches):
    """Spills every two frames: rows of one batch written in many pieces, in order."""
    archive, _ = open_pg()
    archive._spill_frames = 2
    try:
        _check_against_model(archive, batches)
    finally:
        archive.drop_schema()
        archive.close()


def test_postgres_a_failing_spill_rolls_the_batch_back():
    archive, _ = open_pg()
    archive._spill_frames = 2
    try:
        first = archive.store_frame(b"committed", "A", 0.0, 1.0)
        archive.store_points(first, "HK", 0.0, {"x": 0.0})
        # the writer's error, raised in this thread
        with pytest.raises(TypeError, match="real number"), archive.batch():
            for i in range(6):
                fid = archive.store_frame(b"f%d" % i, "A", float(i), 1.0)
                # a value the binary COPY refuses, in the first spill's rows
                archive.store_points(fid, "HK", float(i), {"x": "not a number" if i == 0 else 1.0})
        assert archive.count_frames() == 1 and archive.count_points() == 1
        with archive.batch():  # the archive goes on
            for i in range(5):
                fid = archive.store_frame(b"g%d" % i, "A", float(i), 1.0)
                archive.store_points(fid, "HK", float(i), {"x": 2.0})
        assert archive.count_frames() == 6 and archive.count_points() == 6
    finally:
        archive.drop_schema()
        archive.close()


def test_a_read_inside_a_batch_sees_the_batch_and_a_flush_keeps_it_open(archive_url):
    """The mission runner holds one batch over a run and commits it at progress points: its
    operator reads inside the batch and must see what the ground wrote, and another connection
    must see only what was committed."""
    archive = open_archive(archive_url)
    other = open_archive(archive_url)
    try:
        with archive.batch():
            fid = archive.store_frame(b"first", "A", 1.0, 1.0)
            archive.store_points(fid, "HK", 1.0, {"x": 1.0})
            assert archive.count_frames() == 1  # this connection: its own writes
            assert list(archive.points("HK.x")[1]) == [1.0]
            assert other.count_frames() == 0  # another: nothing committed yet
            archive.flush()  # a progress point: committed, the batch goes on
            assert other.count_frames() == 1
            archive.store_frame(b"second", "A", 2.0, 1.0)
            assert archive.count_frames() == 2
            assert other.count_frames() == 1
        assert other.count_frames() == 2
    finally:
        archive.close()
        other.close()

"""The archive, the same tests on SQLite and on PostgreSQL."""

from __future__ import annotations

import numpy as np
import pytest

from picodragon.ground.archive import ArchiveError, frame_id, open_archive


def test_frame_stored_once_with_every_receiver(archive):
    raw = b"\x01\x02same transmission"
    ids = {
        archive.store_frame(raw, name, 1000.0 + i * 0.01, 437.365e6 + i)
        for i, name in enumerate(["Hanoi", "Tokyo", "Kitakyushu"])
    }
    assert ids == {frame_id(raw)}
    assert archive.count_frames() == 1
    assert archive.count_receptions() == 3
    (record,) = archive.frames()
    assert record.raw == raw
    assert [r.station for r in record.receptions] == ["Hanoi", "Tokyo", "Kitakyushu"]
    # the very same reception reported twice is not a new reception
    archive.store_frame(raw, "Tokyo", 1000.01, 437.365e6 + 1)
    assert archive.count_receptions() == 3


def test_points_round_trip_and_time_window(archive):
    with archive.batch():
        for i in range(100):
            fid = archive.store_frame(bytes([i, 1, 2, 3]), "Hanoi", 100.0 + i, 437e6)
            archive.store_points(
                fid, "HOUSEKEEPING", 100.0 + i, {"battery_voltage_v": 7.0 + i / 100, "mode": 2}
            )
    assert archive.count_frames() == 100
    assert archive.count_points() == 200
    t, v = archive.points("battery_voltage_v", 110.0, 119.0)
    assert list(t) == [110.0 + i for i in range(10)]
    np.testing.assert_allclose(v, [7.1 + i / 100 for i in range(10)])
    t2, v2 = archive.points("HOUSEKEEPING.mode")
    assert len(t2) == 100 and set(v2) == {2.0}


def test_points_of_a_duplicate_frame_stored_once(archive):
    for station in ("A", "B", "C"):
        fid = archive.store_frame(b"dup", station, 5.0, 1.0)
        archive.store_points(fid, "HOUSEKEEPING", 5.0, {"mode": 1.0})
    assert archive.count_points() == 1


def test_new_fields_extend_a_packet_table(archive):
    fid = archive.store_frame(b"a", "A", 1.0, 1.0)
    archive.store_points(fid, "TEST_PACKET", 1.0, {"x": 1.0})
    fid = archive.store_frame(b"b", "A", 2.0, 1.0)
    archive.store_points(fid, "TEST_PACKET", 2.0, {"x": 2.0, "y": 3.0})
    t, y = archive.points("TEST_PACKET.y")
    assert list(t) == [1.0, 2.0]
    assert np.isnan(y[0]) and y[1] == 3.0


def test_unknown_point_and_bad_names_are_clear_errors(archive):
    with pytest.raises(ArchiveError, match="no telemetry point"):
        archive.points("nothing_here")
    with pytest.raises(ArchiveError):
        archive.store_points(1, "bad name; drop table", 0.0, {"x": 1})
    with pytest.raises(ArchiveError):
        archive.store_points(1, "OK", 0.0, {"x; drop": 1})


def test_batch_is_atomic(archive):
    with pytest.raises(RuntimeError), archive.batch():
        archive.store_frame(b"lost", "A", 1.0, 1.0)
        raise RuntimeError("crash inside the batch")
    assert archive.count_frames() == 0
    with archive.batch():
        archive.store_frame(b"kept", "A", 1.0, 1.0)
    assert archive.count_frames() == 1


def test_rejected_frames_keep_their_reason(archive):
    archive.store_frame(b"\x00garbage", "A", 3.0, 1.0, rejection="ax25: too_short")
    (record,) = archive.frames()
    assert record.rejection == "ax25: too_short"


def test_events_stored_once_per_frame(archive):
    for _ in range(2):
        archive.store_event(10.0, "BOOT", 1, "boot number 1", "spacecraft", frame_id=42)
    archive.store_event(11.0, "ALARM", 2, "ground event")
    events = archive.events()
    assert [e["name"] for e in events] == ["BOOT", "ALARM"]


def test_reopen_sees_everything(archive_url):
    a = open_archive(archive_url)
    fid = a.store_frame(b"persist", "A", 1.0, 2.0)
    a.store_points(fid, "HOUSEKEEPING", 1.0, {"mode": 3.0})
    a.close()
    b = open_archive(archive_url)
    assert b.count_frames() == 1
    assert b.point_names() == ["HOUSEKEEPING.mode"]
    assert list(b.points("mode")[1]) == [3.0]
    b.close()


def test_reset_starts_empty(archive_url):
    a = open_archive(archive_url)
    fid = a.store_frame(b"old", "A", 1.0, 1.0)
    a.store_points(fid, "HOUSEKEEPING", 1.0, {"mode": 1.0})
    a.close()
    b = open_archive(archive_url, reset=True)
    assert b.count_frames() == 0 and b.count_points() == 0 and b.point_names() == []
    b.close()


def test_a_reader_sees_packets_another_process_added(archive_url):
    reader = open_archive(archive_url)
    writer = open_archive(archive_url)
    fid = writer.store_frame(b"new packet", "A", 1.0, 1.0)
    writer.store_points(fid, "LATER_PACKET", 1.0, {"x": 4.0})
    assert reader.point_names() == ["LATER_PACKET.x"]
    assert list(reader.points("x")[1]) == [4.0] and reader.count_points() == 1
    writer.close()
    reader.close()


def test_field_named_like_an_sql_keyword(archive):
    fid = archive.store_frame(b"entry", "A", 1.0, 1.0)
    archive.store_points(fid, "FILE_ENTRY", 1.0, {"index": 2.0, "count": 3.0})
    assert list(archive.points("FILE_ENTRY.index")[1]) == [2.0]
    columns = archive.packets("FILE_ENTRY")
    assert list(columns["index"]) == [2.0] and list(columns["frame_id"]) == [fid]

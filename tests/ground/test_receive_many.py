"""``GroundStation.receive_many`` gives what ``receive`` gives frame by frame: the same results,
counts, listener calls and archive content (frames in arrival order, receptions, telemetry rows,
events, file chunks, rejections), on both backends, for mixed input (hypothesis): housekeeping
and other packets, events, file chunks, garbage, another source, packets stamped before the
mission or in the future, bad reception times, oversized frames, repeats, things not bytes."""

from __future__ import annotations

import math
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from picodragon.dictionary import pack_telemetry
from picodragon.dictionary.files import pack_file_chunk
from picodragon.dictionary.loader import core
from picodragon.ground.archive import open_archive
from picodragon.ground.files import FileAssembler
from picodragon.ground.station import Decoded, GroundStation
from picodragon.link import ax25
from tests.ground.conftest import open_pg
from tests.ground.helpers import GROUND, frame_of, hk_frame

T0 = 1.4e9  # the mission's start in these tests

_PACKETS = [p for p in core().telemetry if p.name != "EVENT_REPORT"]


def _values(packet, draw_floats):
    return {f.name: draw_floats for f in packet.fields}


@st.composite
def _item(draw) -> tuple[object, object]:
    """One (frame, reception time) of some kind."""
    kind = draw(st.sampled_from([
        "hk", "hk", "hk", "packet", "packet", "event", "chunk", "garbage", "source", "future",
        "early", "bad_time", "long", "bytearray", "not_bytes", "short",
    ]))
    t = T0 + draw(st.floats(0, 1e6, allow_nan=False))
    sequence = draw(st.integers(0, 0x3FFF))
    if kind == "hk":
        volts = draw(st.one_of(st.just(math.nan), st.floats(-10, 70, allow_nan=False)))
        return hk_frame(t, sequence, battery_voltage_v=volts, battery_current_a=volts), t + 0.5
    if kind == "packet":
        packet = draw(st.sampled_from(_PACKETS))
        value = draw(st.one_of(st.just(math.nan), st.floats(-1e4, 1e4, allow_nan=False)))
        return frame_of(pack_telemetry(packet, _values(packet, value), t, sequence)), t + 1.0
    if kind == "event":
        event = {"event_id": draw(st.integers(0, 40)), "severity": 1, "arg0": 1, "arg1": 2}
        return frame_of(pack_telemetry("EVENT_REPORT", event, t, sequence)), t + 0.5
    if kind == "chunk":
        count = draw(st.integers(1, 3))
        index = draw(st.integers(0, count - 1))
        data = draw(st.binary(min_size=1, max_size=32))
        return frame_of(pack_file_chunk(7, index, count, data, t, sequence)), t + 0.5
    if kind == "garbage":
        return draw(st.binary(max_size=80)), t
    if kind == "source":
        packet = pack_telemetry("HOUSEKEEPING", {}, t, sequence)
        return ax25.encode(ax25.Frame(GROUND, ax25.Address("N0CALL"), info=packet)), t + 0.5
    if kind == "future":
        return hk_frame(t + 3600, sequence), t
    if kind == "early":
        return hk_frame(T0 - 3 * 86400, sequence), t
    if kind == "bad_time":
        return hk_frame(t, sequence), draw(st.sampled_from([math.nan, math.inf, "soon", None]))
    if kind == "long":
        return hk_frame(t, sequence) * 20, t
    if kind == "bytearray":
        return bytearray(hk_frame(t, sequence)), t + 0.5
    if kind == "short":
        return hk_frame(t, sequence)[:20], t
    return draw(st.sampled_from([None, 5, 2.5])), t


@st.composite
def _inputs(draw) -> list[tuple[object, object]]:
    items = draw(st.lists(_item(), max_size=40))
    for _ in range(draw(st.integers(0, 4))):  # repeats: the same bytes again, maybe later
        if items:
            frame, t = items[draw(st.integers(0, len(items) - 1))]
            at = draw(st.integers(0, len(items)))
            again = t + 1.0 if isinstance(t, float) and draw(st.booleans()) else t
            items.insert(at, (frame, again))
    return items


def _plain(value):
    """A value compared NaN-aware (NaN and NULL both None), arrays as lists."""
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, memoryview):
        return bytes(value)
    return value


def _result(r) -> tuple:
    if isinstance(r, Decoded):
        p = r.packet
        return ("decoded", r.frame_id, r.station, r.received_unix_s, r.source, r.destination,
                p.name, p.apid, p.sequence, p.unix_s,
                tuple((k, _plain(v)) for k, v in p.values.items()), r.chunk)
    return ("rejected", r.frame_id, r.station, r.stage, r.reason, r.values)


def _content(archive) -> dict:
    """Everything archived, with frame references as content addresses and order as rank."""
    frames = archive.select("frames", order="seq")
    by_seq = {row["seq"]: row["id"] for row in frames}
    out = {
        "frames": [tuple(_plain(row[c]) for c in ("id", "raw", "first_unix_s", "first_station",
                                                   "frequency_hz", "rejection")) for row in frames],
        "receptions": sorted((by_seq[r["frame_seq"]], r["station"], r["unix_s"], r["frequency_hz"])
                             for r in archive.select("receptions")),
        "events": [tuple(_plain(v) for v in e.values()) for e in archive.events()],
    }
    for table in ("files", "file_chunks", "command_stages", "alarms"):
        out[table] = sorted((tuple(_plain(v) for v in row.values()) for row in archive.select(table)),
                            key=repr)
    for packet, count in archive.packet_counts().items():
        if count:
            columns = archive.packets(packet)
            rows = zip(*(_plain(c) for c in columns.values()), strict=True)
            out["tm_" + packet] = sorted(rows, key=repr)
    return out


@contextmanager
def _two_archives(backend: str):
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="pd-receive-many-") as d:
            one, many = open_archive(str(Path(d) / "one.sqlite")), open_archive(str(Path(d) / "many.sqlite"))
            try:
                yield one, many
            finally:
                one.close()
                many.close()
        return
    (one, _), (many, _) = open_pg(), open_pg()
    try:
        yield one, many
    finally:
        for archive in (one, many):
            archive.drop_schema()
            archive.close()


def _station(archive, calls: list) -> GroundStation:
    station = GroundStation("VNSC Hanoi", archive, 437.365e6, ["XV9PID"], T0)
    station.add_listener(FileAssembler(archive).on_decoded)
    station.add_listener(lambda d: calls.append((d.frame_id, d.name, d.received_unix_s)))
    return station


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=_inputs())
def test_receive_many_archives_what_receive_does(backend, items):
    with _two_archives(backend) as (one, many):
        calls_one: list = []
        calls_many: list = []
        station_one, station_many = _station(one, calls_one), _station(many, calls_many)
        results_one = [station_one.receive(frame, t) for frame, t in items]
        results_many = station_many.receive_many([f for f, _ in items], [t for _, t in items])
        assert [_result(r) for r in results_many] == [_result(r) for r in results_one]
        assert station_many.counts == station_one.counts
        assert calls_many == calls_one
        assert _content(many) == _content(one)


def test_receive_many_keeps_a_recording_in_arrival_order_in_one_transaction(tmp_path):
    """A recording of housekeeping is decoded and archived in arrival order, and a reader on
    another connection sees none of it until the whole call has committed."""
    path = str(tmp_path / "a.sqlite")
    archive = open_archive(path)
    station = GroundStation("VNSC Hanoi", archive, 437.365e6, ["XV9PID"], T0)
    frames = [hk_frame(T0 + 10 * i, i, uptime_s=i) for i in range(300)]
    seen_during: list[int] = []
    reader = open_archive(path)
    station.add_listener(lambda d: seen_during.append(reader.count_frames()) if d.values["uptime_s"] == 299 else None)
    results = station.receive_many(frames, [T0 + 10 * i + 0.5 for i in range(300)])
    assert all(isinstance(r, Decoded) for r in results)
    assert [r.values["uptime_s"] for r in results] == list(range(300))
    assert [row["raw"] for row in archive.select("frames", order="seq")] == frames
    assert seen_during == [0] and reader.count_frames() == 300
    reader.close()
    archive.close()


def test_receive_many_wants_a_time_per_frame(tmp_path):
    archive = open_archive(str(tmp_path / "a.sqlite"))
    with pytest.raises(ValueError, match="2 frames but 1 times"):
        GroundStation("A", archive, 1e6).receive_many([b"x", b"y"], [1.0])
    archive.close()

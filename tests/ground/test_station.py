"""The receive chain: frames from the link room, decoded with the dictionary, archived."""

from __future__ import annotations

import pytest

from picodragon.dictionary import pack_telemetry
from picodragon.ground.archive import open_archive
from picodragon.ground.station import Decoded, GroundStation, Rejection
from tests.ground.helpers import frame_of, hk_frame


@pytest.fixture
def station(tmp_path):
    archive = open_archive(str(tmp_path / "a.sqlite"))
    yield GroundStation("VNSC Hanoi", archive, 437.365e6)
    archive.close()


def test_housekeeping_decoded_and_archived(station):
    out = station.receive(hk_frame(1.4e9, 7, battery_voltage_v=7.5), 1.4e9 + 0.2)
    assert isinstance(out, Decoded)
    assert out.name == "HOUSEKEEPING"
    assert out.source == "XV9PID"
    assert out.values["battery_voltage_v"] == pytest.approx(7.5)
    assert station.archive.count_frames() == 1
    assert station.archive.count_points() == len(out.values)
    t, v = station.archive.points("battery_voltage_v")
    assert t[0] == pytest.approx(1.4e9, abs=1e-4) and v[0] == pytest.approx(7.5)


@pytest.mark.parametrize(
    "garbage, stage",
    [
        (b"", "ax25"),
        (b"\xff" * 40, "ax25"),
        (frame_of(b"PICO DRAGON VIETNAM"), "packet"),
        (frame_of(b"\x08\x10\xc0\x00\x00\x05abcdef"), "packet"),
    ],
)
def test_garbage_is_a_rejection_and_still_archived(station, garbage, stage):
    out = station.receive(garbage, 5.0)
    assert isinstance(out, Rejection)
    assert out.stage == stage
    (record,) = station.archive.frames()
    assert record.raw == garbage
    assert record.rejection.startswith(stage)


def test_not_bytes_never_raises(station):
    assert isinstance(station.receive(None, 1.0), Rejection)  # type: ignore[arg-type]


def test_event_report_becomes_an_event(station):
    packet = pack_telemetry(
        "EVENT_REPORT", {"event_id": 3, "severity": 1, "arg0": 1, "arg1": 2}, 1.4e9, 1
    )
    out = station.receive(frame_of(packet), 1.4e9 + 1)
    assert isinstance(out, Decoded)
    (event,) = station.archive.events()
    assert event["name"] == "MODE_CHANGE" and event["message"] == "mode 1 -> 2"
    assert event["source"] == "spacecraft"


def test_three_stations_one_frame(tmp_path):
    archive = open_archive(str(tmp_path / "net.sqlite"))
    frame = hk_frame(1.4e9, 1)
    outs = [
        GroundStation(name, archive, 437.365e6).receive(frame, 1.4e9 + 0.1 + i)
        for i, name in enumerate(("Hanoi", "Tokyo", "Kitakyushu"))
    ]
    assert archive.count_frames() == 1
    assert archive.count_receptions() == 3
    assert archive.count_points() == len(outs[0].values)
    archive.close()


def test_failing_listener_does_not_stop_reception(station):
    def broken(_decoded):
        raise ValueError("listener bug")

    station.add_listener(broken)
    assert isinstance(station.receive(hk_frame(1.4e9), 1.4e9), Decoded)


def test_remembered_header_gives_the_same_answers_as_the_link_decoder(station):
    """The address memo must not change any outcome: digipeaters, long info, other headers."""
    from picodragon.link import ax25
    from tests.ground.helpers import GROUND, SPACECRAFT

    good = hk_frame(1.4e9, 1)
    assert isinstance(station.receive(good, 1.4e9), Decoded)
    too_long = good[:16] + b"\x00" * (ax25.MAX_INFO + 1)
    out = station.receive(too_long, 1.4e9)
    assert isinstance(out, Rejection) and out.stage == "ax25"
    via = ax25.encode(ax25.Frame(GROUND, SPACECRAFT, (ax25.Address("WIDE1", 1),), info=good[16:]))
    out = station.receive(via, 1.4e9)
    assert isinstance(out, Decoded) and out.source == "XV9PID"
    short = good[:16]
    out = station.receive(short, 1.4e9)
    assert isinstance(out, Rejection) and out.stage == "packet"


def test_never_raises_on_mutated_frames(tmp_path):
    """Random corruption of valid frames of every kind: always Decoded or Rejection, archived."""
    import random

    from picodragon.dictionary.files import pack_file_chunk

    archive = open_archive(str(tmp_path / "fuzz.sqlite"))
    station = GroundStation("fuzz", archive, 437e6)
    rng = random.Random(11)
    seeds = [
        hk_frame(1.4e9, 1),
        frame_of(
            pack_telemetry("EVENT_REPORT", {"event_id": 1, "severity": 1, "arg0": 5}, 1.4e9, 2)
        ),
        frame_of(pack_file_chunk(3, 1, 4, b"abc" * 20, 1.4e9, 3)),
    ]
    with archive.batch():
        for i in range(3000):
            data = bytearray(rng.choice(seeds))
            for _ in range(rng.randint(1, 4)):
                op = rng.random()
                if op < 0.5 and data:
                    data[rng.randrange(len(data))] = rng.randrange(256)
                elif op < 0.75:
                    del data[rng.randrange(len(data) + 1) :]
                else:
                    data += bytes(rng.randrange(256) for _ in range(rng.randint(1, 9)))
            out = station.receive(bytes(data), 1.4e9 + i)
            assert isinstance(out, Decoded | Rejection)
    assert station.counts["frames"] == 3000
    assert archive.count_receptions() == 3000
    archive.close()

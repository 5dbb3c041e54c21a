"""The command lifecycle, verified by COMMAND_RESPONSE packets, on both archive backends."""

from __future__ import annotations

import pytest

from picodragon.dictionary import pack_telemetry
from picodragon.dictionary.telecommand import Reason, decode_telecommand
from picodragon.dictionary.telecommand import Stage as Response
from picodragon.ground.archive import open_archive
from picodragon.ground.commanding import CommandError, CommandQueue, Stage
from picodragon.ground.station import GroundStation
from picodragon.link import auth, ax25
from tests.ground.helpers import frame_of

KEY = bytes(range(32))


def response(record, stage, code=0):
    return {
        "counter": record.counter,
        "opcode": record.opcode,
        "stage": int(stage),
        "code": int(code),
    }


def stages(record):
    return [s for s, _, _ in record.stages]


def test_happy_path_through_every_stage(archive):
    q = CommandQueue(archive, KEY)
    c = q.queue("SET_MODE", {"mode": 3}, now=100.0)
    q.release(c.id, 101.0)
    (sent,) = q.uplink(102.0)
    assert sent is c
    q.on_response(response(c, Response.ACCEPTED), 103.0)
    q.on_response(response(c, Response.COMPLETED), 104.0)
    assert stages(c) == [
        Stage.QUEUED,
        Stage.RELEASED,
        Stage.SENT,
        Stage.ACKNOWLEDGED,
        Stage.COMPLETED,
    ]
    assert c.final and q.check_timeouts(1e9) == []


def test_packets_are_what_the_spacecraft_accepts(archive):
    q = CommandQueue(archive, KEY)
    verifier = auth.CommandVerifier({0: KEY})
    a = q.queue("NOOP", now=1.0)
    b = q.queue("SET_BEACON_INTERVAL", {"interval_s": 60}, now=2.0)
    assert (a.counter, b.counter, a.packet) == (None, None, None)  # signed only for the uplink
    q.release_all(3.0)
    assert q.uplink(4.0) == [a, b]
    assert (a.counter, b.counter) == (1, 2)
    tc = decode_telecommand(b.packet, verifier)
    assert tc.name == "SET_BEACON_INTERVAL" and tc.arguments == {"interval_s": 60.0}
    # a replay of the same bytes is refused on board
    assert decode_telecommand(b.packet, verifier).reason == Reason.REPLAYED


def test_bad_commands_are_refused_before_queueing(archive):
    q = CommandQueue(archive, KEY)
    with pytest.raises(CommandError, match="no command"):
        q.queue("SELF_DESTRUCT")
    with pytest.raises(CommandError, match="interval_s"):
        q.queue("SET_BEACON_INTERVAL", {"interval_s": 1})
    assert q.history() == []


def test_rejection_and_failure_carry_the_reason(archive):
    q = CommandQueue(archive, KEY)
    a, b = q.queue("NOOP"), q.queue("CAPTURE_IMAGE", {"at_time": 0})
    q.release_all(0.0)
    q.uplink(1.0)
    q.on_response(response(a, Response.REJECTED, Reason.BAD_TAG), 2.0)
    q.on_response(response(b, Response.ACCEPTED), 2.0)
    q.on_response(response(b, Response.FAILED, Reason.DEVICE_ERROR), 3.0)
    assert a.stage == Stage.FAILED and "BAD_TAG" in a.stages[-1][2]
    assert b.stage == Stage.FAILED and b.stages[-1][2] == "DEVICE_ERROR"


def test_timeouts_are_their_own_outcome_and_final(archive):
    q = CommandQueue(archive, KEY, ack_timeout_s=30, completion_timeout_s=100)
    a, b = q.queue("NOOP"), q.queue("LIST_FILES")
    q.release_all(0.0)
    q.uplink(10.0)
    q.on_response(response(b, Response.ACCEPTED), 12.0)
    assert q.check_timeouts(39.0) == []
    assert q.check_timeouts(41.0) == [a]
    assert q.check_timeouts(111.0) == []
    assert q.check_timeouts(113.0) == [b]
    assert a.stage == b.stage == Stage.TIMED_OUT
    # a late completion does not overturn the outcome; it is logged
    q.on_response(response(b, Response.COMPLETED), 200.0)
    assert b.stage == Stage.TIMED_OUT
    assert any(e["name"] == "LATE_RESPONSE" for e in archive.events())


def test_time_tagged_command_completes_after_its_time(archive):
    t0 = 1.4e9  # a time tag the telecommand can carry (after 2000-01-01)
    q = CommandQueue(archive, KEY, completion_timeout_s=60)
    c = q.queue("CAPTURE_IMAGE", {"at_time": 0}, execute_at=t0 + 5000.0)
    q.release_all(t0)
    q.uplink(t0 + 10.0)
    q.on_response(response(c, Response.SCHEDULED), t0 + 11.0)
    assert c.stage == Stage.SCHEDULED
    assert q.check_timeouts(t0 + 5050.0) == []  # the window opens at the execution time
    q.on_response(response(c, Response.COMPLETED), t0 + 5001.0)
    assert c.stage == Stage.COMPLETED


def test_completion_implies_a_lost_acknowledgement(archive):
    q = CommandQueue(archive, KEY)
    c = q.queue("NOOP")
    q.release_all(0.0)
    q.uplink(1.0)
    q.on_response(response(c, Response.COMPLETED), 2.0)
    assert stages(c)[-2:] == [Stage.ACKNOWLEDGED, Stage.COMPLETED]


def test_cancel_only_before_sending(archive):
    q = CommandQueue(archive, KEY)
    a, b = q.queue("NOOP"), q.queue("NOOP")
    q.cancel(a.id, 1.0)
    q.release(b.id, 1.0)
    q.uplink(2.0)
    with pytest.raises(CommandError, match="too late"):
        q.cancel(b.id, 3.0)
    assert a.stage == Stage.CANCELLED


def test_history_and_counter_survive_a_restart(archive_url):
    archive = open_archive(archive_url)
    q = CommandQueue(archive, KEY)
    c = q.queue("SET_MODE", {"mode": 2}, now=1.0)
    q.release_all(2.0)
    q.uplink(3.0)
    archive.close()
    archive = open_archive(archive_url)
    q2 = CommandQueue(archive, KEY)
    (again,) = q2.history()
    assert again.packet == c.packet and stages(again) == [Stage.QUEUED, Stage.RELEASED, Stage.SENT]
    d = q2.queue("NOOP")
    assert d.id == c.id + 1 and d.counter is None
    q2.release(d.id, 3.5)
    q2.uplink(3.6)
    assert d.counter == c.counter + 1
    q2.on_response(response(again, Response.COMPLETED), 4.0)
    assert again.stage == Stage.COMPLETED
    archive.close()


def test_responses_through_the_station_duplicates_included(archive):
    q = CommandQueue(archive, KEY)
    c = q.queue("NOOP")
    q.release_all(0.0)
    (frame,) = q.uplink_frames(1.0, "VNSC", "XV9PID")
    decoded = ax25.decode(frame)
    assert decoded.destination == ax25.Address("XV9PID") and decoded.info == c.packet
    stations = [GroundStation(n, archive, 437.365e6) for n in ("Hanoi", "Tokyo")]
    for st in stations:
        st.add_listener(q.on_decoded)
    for stage, t in ((Response.ACCEPTED, 5.0), (Response.COMPLETED, 6.0)):
        packet = pack_telemetry("COMMAND_RESPONSE", response(c, stage), t, 1)
        for st in stations:  # both hear it
            st.receive(frame_of(packet), t)
    assert stages(c) == [
        Stage.QUEUED,
        Stage.RELEASED,
        Stage.SENT,
        Stage.ACKNOWLEDGED,
        Stage.COMPLETED,
    ]
    rows = archive.select("command_stages", {"command_id": c.id})
    assert len(rows) == 5


def test_a_command_frame_is_the_encoded_ui_frame():
    """CommandQueue.frame keeps each address pair's header octets: the frame is still exactly
    ax25.encode of the UI frame with the packet as its information field."""
    from picodragon.ground.commanding import CommandRecord

    for source, destination in (("GROUND", "PICO"), ("gs1-3", "SAT1-1"), ("W1AW*", "cq"),
                                ("GROUND", "PICO")):
        for packet in (b"", bytes(range(40)), bytearray(b"tc")):
            record = CommandRecord(1, "NOOP", 0, {}, 1, 0, None, 0.0, packet)
            expected = ax25.encode(ax25.Frame(ax25.Address.parse(destination),
                                              ax25.Address.parse(source), info=packet))
            assert CommandQueue.frame(record, source, destination) == expected

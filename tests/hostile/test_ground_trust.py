"""The ground's trust in the downlink and the command lifecycle (hardening issue 11, findings
5, 6, 14 and 15): regression tests that failed on 825d84b, and hostile properties.

The downlink is unauthenticated: whatever arrives is evidence to record, never an order. These
tests feed forged, future-stamped and mutated frames to a station built for the mission and
check that nothing of them becomes ground state (telemetry, alarms, a command's stage), that
each is archived with its reason, and that no input raises.
"""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given
from hypothesis import strategies as st

from picodragon.dictionary import pack_telemetry
from picodragon.dictionary.telecommand import Stage as Response
from picodragon.dictionary.telecommand import decode_telecommand
from picodragon.ground.alarms import AlarmMonitor
from picodragon.ground.archive import open_archive
from picodragon.ground.commanding import CommandQueue, Stage
from picodragon.ground.station import Decoded, GroundStation, Rejection
from picodragon.link import auth, ax25
from tests.ground import conftest as ground_fixtures
from tests.ground.helpers import hk_frame, reference_dictionary
from tests.hostile.fuzz import hostile

#: the ground tests' archive on both backends (SQLite, PostgreSQL)
archive_url = ground_fixtures.archive_url
archive = ground_fixtures.archive

KEY = bytes(range(64, 96))
SPACECRAFT = "XV9PID"
#: 2013-11-21, the mission's deployment, and a day of it
START = 1384992000.0
T = START + 3600.0


def frame(packet: bytes, source: str = SPACECRAFT) -> bytes:
    return ax25.encode(ax25.Frame(ax25.Address("CQ"), ax25.Address.parse(source), info=packet))


def response(record, stage: int, t: float, code: int = 0, source: str = SPACECRAFT) -> bytes:
    values = {"counter": record.counter or 0, "opcode": record.opcode, "stage": stage, "code": code}
    return frame(pack_telemetry("COMMAND_RESPONSE", values, t, 1), source)


def mission_station(archive, name: str = "Hanoi") -> GroundStation:
    return GroundStation(name, archive, 437.365e6, spacecraft_callsigns=[SPACECRAFT],
                         mission_start_unix_s=START)


def signed_bytes_on_record(archive, command_id: int) -> bytes | None:
    (row,) = archive.select("commands", {"id": command_id})
    return row["raw"]


# -- finding 5: cancelling revokes -------------------------------------------------------------
def test_a_cancelled_command_has_no_valid_packet_on_record(archive):
    q = CommandQueue(archive, KEY)
    cancelled = q.queue("SET_MODE", {"mode": 3}, now=T)
    released = q.queue("NOOP", now=T)
    q.release(cancelled.id, T + 1)
    q.release(released.id, T + 1)
    q.cancel(cancelled.id, T + 2)
    q.uplink(T + 3)
    verifier = auth.CommandVerifier({0: KEY})  # what the spacecraft holds
    raw = signed_bytes_on_record(archive, cancelled.id)
    assert raw is None or verifier.verify(raw).__class__ is not auth.Verified
    assert cancelled.counter is None and cancelled.stage == Stage.CANCELLED
    # a restarted queue reads no packet for it either
    (again,) = [c for c in CommandQueue(archive, KEY).history() if c.id == cancelled.id]
    assert again.packet is None
    # the released one went out signed, and the spacecraft accepts it
    tc = decode_telecommand(signed_bytes_on_record(archive, released.id), verifier)
    assert tc.name == "NOOP" and tc.counter == released.counter == 1


def test_command_ids_are_stable_from_queueing(archive):
    q = CommandQueue(archive, KEY)
    a = q.queue("NOOP", now=T)
    ident = a.id
    q.release(a.id, T)
    q.uplink(T + 1)
    assert a.id == ident and q.commands[ident] is a and a.counter == 1


# -- finding 6: forged downlink ----------------------------------------------------------------
def test_a_forged_source_does_not_complete_a_command(archive):
    q = CommandQueue(archive, KEY)
    c = q.queue("NOOP", now=T)
    q.release(c.id, T)
    q.uplink(T + 1)
    station = mission_station(archive)
    station.add_listener(q.on_decoded)
    out = station.receive(response(c, Response.COMPLETED, T + 2, source="N0CALL"), T + 2)
    assert isinstance(out, Rejection) and out.stage == "source"
    assert c.stage == Stage.SENT
    (stored,) = [f for f in archive.frames() if f.id == out.frame_id]
    assert stored.rejection.startswith("source: N0CALL")
    assert isinstance(station.receive(response(c, Response.COMPLETED, T + 3), T + 3), Decoded)
    assert c.stage == Stage.COMPLETED


def test_a_response_for_a_command_never_sent_moves_nothing(archive):
    q = CommandQueue(archive, KEY)
    queued = q.queue("NOOP", now=T)
    released = q.queue("NOOP", now=T)
    q.release(released.id, T)
    station = mission_station(archive)
    station.add_listener(q.on_decoded)
    for counter in range(0, 4):  # whatever counter a forger guesses
        values = {"counter": counter, "opcode": queued.opcode, "stage": 1, "code": 0}
        station.receive(frame(pack_telemetry("COMMAND_RESPONSE", values, T + 1, 1)), T + 1)
    assert queued.stage == Stage.QUEUED and released.stage == Stage.RELEASED
    assert any(e["name"] == "UNKNOWN_RESPONSE" for e in archive.events())


def test_a_response_must_await_its_stage(archive):
    q = CommandQueue(archive, KEY)
    c = q.queue("NOOP", now=T)
    q.release(c.id, T)
    q.uplink(T + 1)
    q.on_response({"counter": c.counter, "opcode": c.opcode, "stage": 0, "code": 0}, T + 2)
    assert c.stage == Stage.ACKNOWLEDGED
    # a REJECTED after the acknowledgement is not what an acknowledged command awaits
    assert q.on_response({"counter": c.counter, "opcode": c.opcode, "stage": 3, "code": 5}, T + 3) is None
    assert c.stage == Stage.ACKNOWLEDGED
    assert any(e["name"] == "RESPONSE_REJECTED" for e in archive.events())


def test_a_future_stamped_packet_holds_neither_alarms_nor_latest(archive_url):
    archive = open_archive(archive_url, dictionary=reference_dictionary())  # with its limits
    alarms = AlarmMonitor(archive)
    station = mission_station(archive)
    station.add_listener(alarms.on_decoded)
    year_2103 = 4_200_000_000.0
    out = station.receive(hk_frame(year_2103, 1, battery_voltage_v=5.0, obc_temperature_c=95.0), T)
    assert isinstance(out, Rejection) and out.stage == "time"
    for i in range(50):
        station.receive(hk_frame(T + 10 * i, i), T + 10 * i + 0.2)
    assert alarms.active == {}
    times, _ = archive.points("HOUSEKEEPING.battery_voltage_v")
    assert times.max() < T + 1000  # the newest housekeeping is the last healthy one
    archive.close()
    archive = open_archive(archive_url)
    assert AlarmMonitor(archive).active == {}
    assert any(f.rejection and f.rejection.startswith("time:") for f in archive.frames())
    archive.close()


def test_a_packet_from_before_the_mission_is_rejected(archive):
    station = mission_station(archive)
    out = station.receive(hk_frame(START - 30 * 86400, 1), T)
    assert isinstance(out, Rejection) and out.stage == "time" and "before the mission" in out.reason


def test_alarm_monitor_ignores_future_stamps_even_from_a_permissive_station(archive):
    alarms = AlarmMonitor(archive, dictionary=reference_dictionary())
    station = GroundStation("anywhere", archive, 437e6)  # no mission configured: permissive
    station.add_listener(alarms.on_decoded)
    station.receive(hk_frame(4_200_000_000.0, 1, battery_voltage_v=5.0), T)
    station.receive(hk_frame(T + 10, 2), T + 10)
    assert alarms.active == {}


# -- finding 14: unknown stage -----------------------------------------------------------------
def test_an_unknown_response_stage_is_a_recorded_rejection(archive):
    q = CommandQueue(archive, KEY)
    c = q.queue("NOOP", now=T)
    q.release(c.id, T)
    q.uplink(T + 1)
    for stage in (5, 200, 255):
        values = {"counter": c.counter, "opcode": c.opcode, "stage": stage, "code": 0}
        assert q.on_response(values, T + 2) is None
    for bad in ({}, {"counter": float("nan"), "opcode": 1, "stage": 0, "code": 0}, None):
        assert q.on_response(bad, T + 2) is None  # type: ignore[arg-type]
    assert c.stage == Stage.SENT
    assert sum(e["name"] == "RESPONSE_REJECTED" for e in archive.events()) >= 3


# -- finding 15: sent only after the write -----------------------------------------------------
class _FailingTnc:
    def __init__(self) -> None:
        self.written: list[bytes] = []
        self.fail = True

    async def send(self, payload: bytes) -> None:
        if self.fail:
            raise ConnectionResetError("TNC went away")
        self.written.append(payload)


def test_a_failed_tnc_write_leaves_the_command_released(archive):
    from picodragon.ground.operations import StationReport, _uplink

    q = CommandQueue(archive, KEY)
    c = q.queue("NOOP", now=T)
    q.release(c.id, T)
    tnc = _FailingTnc()
    report = StationReport("Hanoi", T)
    asyncio.run(_uplink(q, tnc, T + 1, "VNSC", SPACECRAFT, report))  # type: ignore[arg-type]
    assert c.stage == Stage.RELEASED and report.commands_sent == 0 and "uplink" in report.last_error
    assert signed_bytes_on_record(archive, c.id) is None and c.packet is None
    tnc.fail = False
    asyncio.run(_uplink(q, tnc, T + 2, "VNSC", SPACECRAFT, report))  # type: ignore[arg-type]
    assert c.stage == Stage.SENT and report.commands_sent == 1
    (written,) = tnc.written
    assert ax25.decode(written).info == c.packet == signed_bytes_on_record(archive, c.id)


# -- hostile properties -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def trust_ground():
    """One archive, a queue with a command at every open stage, a station built for the mission."""
    archive = open_archive(":memory:")  # thousands of frames: no disk in the loop
    q = CommandQueue(archive, KEY)
    queued = q.queue("NOOP", now=T)
    released = q.queue("LIST_FILES", now=T)
    sent = q.queue("SET_MODE", {"mode": 2}, now=T)
    acked = q.queue("SET_BEACON_INTERVAL", {"interval_s": 60}, now=T)
    q.release(sent.id, T)
    q.release(acked.id, T)
    q.uplink(T)  # sent (counter 1) and acked (counter 2)
    q.release(released.id, T)
    q.on_response({"counter": acked.counter, "opcode": acked.opcode, "stage": 0, "code": 0}, T)
    station = mission_station(archive)
    station.add_listener(q.on_decoded)
    yield archive, q, station, (queued, released, sent, acked)
    archive.close()


def _snapshot(records) -> list[tuple[int, Stage]]:
    return [(r.id, r.stage) for r in records]


_SOURCES = st.sampled_from(["N0CALL", "XV9PIE", "XV9PID-1", "CQ", "A", "ZZZZZZ-15"])
_VALUES = st.fixed_dictionaries({  # often near the real counters, opcodes and stages
    "counter": st.one_of(st.integers(0, 3), st.integers(0, 2**32 - 1)),
    "opcode": st.one_of(st.integers(1, 6), st.integers(0, 2**16 - 1)),
    "stage": st.one_of(st.integers(0, 5), st.integers(0, 255)),
    "code": st.integers(0, 2**16 - 1),
})


@hostile
@given(source=_SOURCES, values=_VALUES, stamp=st.floats(START - 1e6, T + 1e6))
def test_forged_sources_are_always_rejected(trust_ground, source, values, stamp):
    archive, q, station, records = trust_ground
    before = _snapshot(records)
    out = station.receive(frame(pack_telemetry("COMMAND_RESPONSE", values, stamp, 1), source), T + 5)
    assert isinstance(out, Rejection) and out.stage == "source"
    assert _snapshot(records) == before


@hostile
@given(data=st.binary(max_size=400), cut=st.integers(0, 400), flips=st.lists(
    st.tuples(st.integers(0, 399), st.integers(1, 255)), max_size=6), values=_VALUES,
    received=st.floats(allow_nan=True, allow_infinity=True))
def test_mutated_frames_never_raise_nor_move_a_command_without_its_counter(
    trust_ground, data, cut, flips, values, received
):
    archive, q, station, records = trust_ground
    base = bytearray(frame(pack_telemetry("COMMAND_RESPONSE", values, T + 1, 1)))
    for at, mask in flips:  # mutate a real response, or take random bytes
        base[at % len(base)] ^= mask
    raw = bytes(base[: max(cut, 16)]) if cut % 2 else data
    before = _snapshot(records)
    counters = {r.counter for r in records if r.counter is not None}
    out = station.receive(raw, received)
    assert isinstance(out, Decoded | Rejection)
    after = _snapshot(records)
    if after != before:  # only a response naming a sent command's counter moves it
        assert isinstance(out, Decoded) and int(out.values["counter"]) in counters
        moved = [r for r, b in zip(records, before, strict=True) if r.stage != b[1]]
        assert all(r.counter == int(out.values["counter"]) for r in moved)
        for r in moved:  # put it back for the next case: the property is per frame
            r.stages[:] = [s for s in r.stages if s[0] in (Stage.QUEUED, Stage.RELEASED, Stage.SENT)]
            if r is records[3]:
                r.stages.append((Stage.ACKNOWLEDGED, T, ""))
            q._open.add(r.id)
    assert records[0].stage == Stage.QUEUED and records[1].stage == Stage.RELEASED

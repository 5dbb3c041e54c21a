"""Store and forward: the packet history keeps the newest packets, in order, intact ones only."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from picodragon.dictionary import core
from picodragon.dictionary.packets import pack_telemetry
from picodragon.fsw.history import SEGMENT, PacketHistory, packet_time
from tests.fsw.fakes import FlashStorage

T = 1_400_000_000.0
EVENT_REPORT = core().packet("EVENT_REPORT")


def packet(i: int) -> bytes:
    return pack_telemetry(EVENT_REPORT, {"event_id": 1, "severity": 1, "arg0": i, "arg1": 0},
                          T + i, i)


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=0, max_value=400), st.integers(min_value=1, max_value=200))
def test_keeps_the_newest_packets_in_order_and_survives_a_reboot(n, capacity):
    storage = FlashStorage()
    history = PacketHistory(storage, "hk", capacity)
    for i in range(n):
        history.append(packet(i))
    kept = [packet_time(p) - T for p in PacketHistory(storage, "hk", capacity).packets()]
    assert kept == sorted(kept) and (not kept or kept[-1] == n - 1)
    assert min(n, capacity) <= len(kept) <= capacity + 2 * SEGMENT
    assert kept == list(range(n - len(kept), n))


def test_since_filters_by_time_stamp():
    history = PacketHistory(FlashStorage(), "hk", 100)
    for i in range(50):
        history.append(packet(i))
    assert [packet_time(p) - T for p in history.packets(since_unix=T + 45)] == [45, 46, 47, 48, 49]


def test_a_corrupted_segment_is_dropped_not_sent():
    storage = FlashStorage()
    history = PacketHistory(storage, "hk", 200)
    for i in range(3 * SEGMENT):
        history.append(packet(i))
    storage.flip_bit("hk.1")
    kept = [packet_time(p) - T for p in history.packets()]
    assert kept == list(range(SEGMENT)) + list(range(2 * SEGMENT, 3 * SEGMENT))

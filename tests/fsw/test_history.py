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


class CountingStorage(FlashStorage):
    """Flash that counts its reads, to see which segments a playback opened."""

    def __init__(self) -> None:
        super().__init__()
        self.reads: list[str] = []

    def read(self, key: str) -> bytes | None:
        self.reads.append(key)
        return super().read(key)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=5000), min_size=0, max_size=150),
       st.integers(min_value=-10, max_value=5010), st.booleans(), st.booleans())
def test_since_is_the_same_filter_whether_segments_are_skipped_or_read(offsets, since, reboot, ranked):
    """Time stamps in any order (a clock set back), a reboot or none, plain or ranked: the
    playback equals filtering every stored packet by its time stamp."""
    storage = FlashStorage()
    rank = (lambda p: packet_time(p) % 3) if ranked else None
    history = PacketHistory(storage, "ev", 80, rank=rank)
    for i, offset in enumerate(offsets):
        history.append(pack_telemetry(EVENT_REPORT, {"event_id": 1, "severity": 1, "arg0": i, "arg1": 0},
                                      T + offset, i))
    if reboot:
        history = PacketHistory(storage, "ev", 80, rank=rank)
        list(history.packets())
    every = list(history.packets())
    assert list(history.packets(since_unix=T + since)) == [p for p in every if packet_time(p) >= T + since]


def test_a_playback_of_recent_packets_opens_only_the_recent_segments():
    storage = CountingStorage()
    history = PacketHistory(storage, "hk", 10 * SEGMENT)
    for i in range(8 * SEGMENT):
        history.append(packet(i))
    storage.reads.clear()
    recent = [packet_time(p) - T for p in history.packets(since_unix=T + 8 * SEGMENT - 3)]
    assert recent == [8 * SEGMENT - 3, 8 * SEGMENT - 2, 8 * SEGMENT - 1]
    assert storage.reads == [f"hk.{history.segments[-1]}"]

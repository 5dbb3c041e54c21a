"""Store and forward: a bounded history of packed telemetry packets in non-volatile storage.

Packets are kept in segments of up to ``SEGMENT`` packets, one storage blob each, so appending
rewrites one small blob rather than the whole history and the oldest segment is dropped whole
when the capacity is reached. Each segment carries a CRC32: a segment corrupted by a flash bit
flip is dropped on read rather than sent as garbage. Each packet keeps its own CUC time stamp,
so the ground files a dumped packet at the time it was taken.

A history given a ``rank`` (the event log's: an event's severity) never evicts a packet of a
higher rank to make room for one of a lower: when it holds a segment more than its capacity,
it drops the oldest packets of the lowest rank present until it is back at its capacity, and
rewrites only the segments that lost packets (a burst of INFO events cannot push a CRITICAL
one out; an append costs one segment write, an eviction at most one write per segment, once
every ``SEGMENT`` appends).
"""

from __future__ import annotations

import contextlib
import struct
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from picodragon.dictionary.packets import PRIMARY, SECONDARY, cuc_to_unix
from picodragon.fsw.hal import Storage

SEGMENT = 32
_LEN = struct.Struct(">H")


@dataclass(frozen=True)
class Playback:
    """Stored packets to play back on the downlink, at most ``max_packets`` of them."""

    packets: Iterable[bytes]
    max_packets: int


class PacketHistory:
    """A ring of at least ``capacity`` packets (up to a segment more) under storage keys
    ``<prefix>.<segment number>``."""

    def __init__(self, storage: Storage, prefix: str, capacity: int,
                 rank: Callable[[bytes], int] | None = None) -> None:
        self.storage = storage
        self.prefix = prefix
        self.capacity = max(1, capacity)
        self.rank = rank
        """None: a plain ring (oldest segment dropped whole); else eviction by rank, then age"""
        # one segment more than the capacity needs: when a new segment starts and the oldest
        # is dropped, at least ``capacity`` packets remain
        self.max_segments = -(-capacity // SEGMENT) + 1
        stored = storage.keys()
        numbers = sorted(
            int(k.rsplit(".", 1)[1]) for k in stored
            if k.startswith(prefix + ".") and k.rsplit(".", 1)[1].isdigit()
        )
        self.segments: list[int] = numbers
        self._newest: dict[int, float] = {}
        """the newest time stamp in each segment as last written (RAM only, rebuilt after a
        reset as segments are read): a playback skips older segments without reading them, so
        its cost does not grow with the history held"""
        self._tail: list[bytes] = self._read(numbers[-1]) if numbers else []
        self._tail_body: tuple = (None, -1, -1, b"", 0)
        """the tail segment as last written: (its list, its length, its number, body, CRC-32)"""
        self._ranks: dict[int, list[int]] = {}
        """ranked history only: the rank of each packet of each segment, in order"""
        if rank is not None:
            for number in numbers:
                self._ranks[number] = [rank(p) for p in self._read(number)]

    def _key(self, number: int) -> str:
        return f"{self.prefix}.{number}"

    def _read(self, number: int) -> list[bytes]:
        blob = self.storage.read(self._key(number))
        if blob is None or len(blob) < 4 or zlib.crc32(blob[4:]) != int.from_bytes(blob[:4], "big"):
            return []
        packets, offset, body = [], 4, blob
        while offset + 2 <= len(body):
            (n,) = _LEN.unpack_from(body, offset)
            packets.append(bytes(body[offset + 2 : offset + 2 + n]))
            offset += 2 + n
        return packets

    def _write(self, number: int, packets: list[bytes], newest: float | None = None) -> None:
        self._newest[number] = max(map(packet_time, packets), default=-1.0) if newest is None else newest
        cached = self._tail_body
        if (packets is self._tail and cached[0] is packets and cached[1] == len(packets) - 1
                and cached[2] == number):
            # the tail grew by one packet since its last write: the same body and CRC-32,
            # from the previous ones and the new packet alone (zlib.crc32 continues a CRC)
            piece = _LEN.pack(len(packets[-1])) + packets[-1]
            body, crc = cached[3] + piece, zlib.crc32(piece, cached[4])
        else:
            body = b"".join(_LEN.pack(len(p)) + p for p in packets)
            crc = zlib.crc32(body)
        if packets is self._tail:
            self._tail_body = (packets, len(packets), number, body, crc)
        with contextlib.suppress(OSError):  # a full flash loses history, not the software
            self.storage.write(self._key(number), crc.to_bytes(4, "big") + body)

    def append(self, packet: bytes) -> None:
        if self.rank is not None:
            self._append_ranked(packet, self.rank(packet))
            return
        if not self.segments or len(self._tail) >= SEGMENT:
            self.segments.append(self.segments[-1] + 1 if self.segments else 0)
            self._tail = []
            while len(self.segments) > self.max_segments:
                dropped = self.segments.pop(0)
                self.storage.delete(self._key(dropped))
                self._newest.pop(dropped, None)
        self._tail.append(packet)
        self._write(self.segments[-1], self._tail, self._grown(packet))

    def _grown(self, packet: bytes) -> float:
        """The tail segment's newest time stamp once ``packet`` is appended to it."""
        newest = self._newest.get(self.segments[-1]) if len(self._tail) > 1 else -1.0
        return max(newest if newest is not None else max(map(packet_time, self._tail[:-1])),
                   packet_time(packet))

    def _append_ranked(self, packet: bytes, rank: int) -> None:
        if not self.segments or len(self._tail) >= SEGMENT:
            self.segments.append(self.segments[-1] + 1 if self.segments else 0)
            self._tail = []
            self._ranks[self.segments[-1]] = []
        self._tail.append(packet)
        self._ranks[self.segments[-1]].append(rank)
        self._write(self.segments[-1], self._tail, self._grown(packet))
        if len(self) > self.capacity + SEGMENT:
            self._evict()

    def _evict(self) -> None:
        """Back to ``capacity`` packets: the oldest of the lowest rank go first."""
        order = [(rank, position, number, index)
                 for position, (number, index, rank) in enumerate(
                     (n, i, r) for n in self.segments for i, r in enumerate(self._ranks[n]))]
        excess = len(order) - self.capacity
        victims: dict[int, set[int]] = {}
        for _, _, number, index in sorted(order)[:excess]:
            victims.setdefault(number, set()).add(index)
        for number, indices in victims.items():
            packets = self._tail if number == self.segments[-1] else self._read(number)
            if len(packets) != len(self._ranks[number]):  # unreadable (a bit flip): gone anyway
                packets = [b""] * len(self._ranks[number])
            kept = [(p, r) for i, (p, r) in enumerate(zip(packets, self._ranks[number], strict=True))
                    if i not in indices and p]
            self._ranks[number] = [r for _, r in kept]
            if number == self.segments[-1]:
                self._tail = [p for p, _ in kept]
                self._write(number, self._tail)
            elif kept:
                self._write(number, [p for p, _ in kept])
            else:
                self.storage.delete(self._key(number))
                self.segments.remove(number)
                del self._ranks[number]
        if len(self.segments) > self.max_segments + 1:
            self._compact()

    def _compact(self) -> None:
        """Repack the segments before the tail into full ones (kept in order, oldest numbers
        first), when evictions left too many part-filled segments behind."""
        older = self.segments[:-1]
        packets: list[bytes] = []
        ranks: list[int] = []
        for number in older:
            read = self._read(number)
            if len(read) == len(self._ranks[number]):
                packets += read
                ranks += self._ranks[number]
        kept_numbers = older[: -(-len(packets) // SEGMENT)]
        for k, number in enumerate(kept_numbers):
            self._write(number, packets[k * SEGMENT : (k + 1) * SEGMENT])
            self._ranks[number] = ranks[k * SEGMENT : (k + 1) * SEGMENT]
        for number in older[len(kept_numbers) :]:
            self.storage.delete(self._key(number))
            del self._ranks[number]
        self.segments = kept_numbers + self.segments[-1:]

    def __len__(self) -> int:
        if self.rank is not None:
            return sum(len(r) for r in self._ranks.values())
        return max(0, len(self.segments) - 1) * SEGMENT + len(self._tail)

    def packets(self, since_unix: float = 0.0) -> Iterator[bytes]:
        """Stored packets time-stamped at or after ``since_unix``, oldest first (intact ones only)."""
        for number in list(self.segments):
            newest = self._newest.get(number)
            if newest is not None and newest < since_unix:
                continue  # nothing in it is new enough: not read at all
            packets = self._read(number)
            if newest is None and packets:
                self._newest[number] = max(map(packet_time, packets))
            for packet in packets:
                if packet_time(packet) >= since_unix:
                    yield packet


def packet_time(packet: bytes) -> float:
    """The CUC time stamp of a packed space packet (-1 when too short to have one)."""
    if len(packet) < PRIMARY.size + SECONDARY.size:
        return -1.0
    seconds, fraction = SECONDARY.unpack_from(packet, PRIMARY.size)
    return cuc_to_unix(seconds, fraction)

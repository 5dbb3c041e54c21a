"""Store and forward: a bounded history of packed telemetry packets in non-volatile storage.

Packets are kept in segments of up to ``SEGMENT`` packets, one storage blob each, so appending
rewrites one small blob rather than the whole history and the oldest segment is dropped whole
when the capacity is reached. Each segment carries a CRC32: a segment corrupted by a flash bit
flip is dropped on read rather than sent as garbage. Each packet keeps its own CUC time stamp,
so the ground files a dumped packet at the time it was taken.
"""

from __future__ import annotations

import contextlib
import struct
import zlib
from collections.abc import Iterator

from picodragon.dictionary.packets import PRIMARY, SECONDARY, cuc_to_unix
from picodragon.fsw.hal import Storage

SEGMENT = 32
_LEN = struct.Struct(">H")


class PacketHistory:
    """A ring of at least ``capacity`` packets (up to a segment more) under storage keys
    ``<prefix>.<segment number>``."""

    def __init__(self, storage: Storage, prefix: str, capacity: int) -> None:
        self.storage = storage
        self.prefix = prefix
        # one segment more than the capacity needs: when a new segment starts and the oldest
        # is dropped, at least ``capacity`` packets remain
        self.max_segments = -(-capacity // SEGMENT) + 1
        stored = storage.keys()
        numbers = sorted(
            int(k.rsplit(".", 1)[1]) for k in stored
            if k.startswith(prefix + ".") and k.rsplit(".", 1)[1].isdigit()
        )
        self.segments: list[int] = numbers
        self._tail: list[bytes] = self._read(numbers[-1]) if numbers else []

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

    def _write(self, number: int, packets: list[bytes]) -> None:
        body = b"".join(_LEN.pack(len(p)) + p for p in packets)
        with contextlib.suppress(OSError):  # a full flash loses history, not the software
            self.storage.write(self._key(number), zlib.crc32(body).to_bytes(4, "big") + body)

    def append(self, packet: bytes) -> None:
        if not self.segments or len(self._tail) >= SEGMENT:
            self.segments.append(self.segments[-1] + 1 if self.segments else 0)
            self._tail = []
            while len(self.segments) > self.max_segments:
                self.storage.delete(self._key(self.segments.pop(0)))
        self._tail.append(packet)
        self._write(self.segments[-1], self._tail)

    def __len__(self) -> int:
        return max(0, len(self.segments) - 1) * SEGMENT + len(self._tail)

    def packets(self, since_unix: float = 0.0) -> Iterator[bytes]:
        """Stored packets time-stamped at or after ``since_unix``, oldest first (intact ones only)."""
        for number in list(self.segments):
            for packet in self._read(number):
                if packet_time(packet) >= since_unix:
                    yield packet


def packet_time(packet: bytes) -> float:
    """The CUC time stamp of a packed space packet (-1 when too short to have one)."""
    if len(packet) < PRIMARY.size + SECONDARY.size:
        return -1.0
    seconds, fraction = SECONDARY.unpack_from(packet, PRIMARY.size)
    return cuc_to_unix(seconds, fraction)

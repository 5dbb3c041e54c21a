"""The downlink: space packets into AX.25 UI frames, paced to what the link can carry.

One component owns the transmitter. It sends, in this order of priority: the real-time queue
(beacons, events, command responses), then whatever the pull sources offer (a housekeeping dump,
a file transfer), one frame at a time. Each frame books its air time on the link
(``(frame + FCS + flags) * 8 / bit rate``, stretched by the allowed duty cycle), so a file
transfer never queues more than the radio can send and a late real-time packet waits at most
one frame. Sources are pulled only when a frame can go out, so a source that persists its
progress (the file transfer) records exactly what was transmitted.

The transmitter stays off (``radio.set_enabled(False)``) until the deployment sequence enables
it; packets queued meanwhile wait in a bounded queue (oldest dropped first). A software reset
keeps the queue (it is written to storage just before and read back at boot).
"""

from __future__ import annotations

import contextlib
import zlib
from collections import deque
from typing import Any, Protocol

from picodragon.fsw.hal import PowerSwitches, Radio, Storage
from picodragon.fsw.scheduler import Component
from picodragon.link import ax25

#: octets on air around the AX.25 frame: FCS (2) and opening/closing flags with some preamble
FRAME_OVERHEAD = 2 + 8
#: bit stuffing adds up to 1 bit in 6; 5% is typical of packed binary data
STUFFING = 1.05
#: transmitter key-up delay per frame (TXDELAY), seconds
TX_DELAY_S = 0.1
QUEUE_KEY = "downlink.queue"


class PacketSource(Protocol):
    """A low-priority producer the downlink pulls from when the link is free."""

    def has_packet(self, now: float) -> bool: ...

    def next_packet(self, now: float) -> bytes | None: ...


class Downlink(Component):
    """Frames and paces everything the spacecraft sends."""

    name = "downlink"
    component_id = 2

    def __init__(self, radio: Radio, source: ax25.Address, destination: ax25.Address,
                 bit_rate: float, duty: float, realtime_capacity: int = 64, *,
                 switches: PowerSwitches | None = None) -> None:
        super().__init__()
        self.radio = radio
        self.switches = switches
        self.source = source
        self.destination = destination
        self.bit_rate = bit_rate
        self.duty = duty
        self.realtime: deque[bytes] = deque(maxlen=realtime_capacity)
        self.sources: list[PacketSource] = []
        self.frames_sent = 0
        self.bytes_sent = 0
        self.dropped = 0
        self.next_free = 0.0
        self._header_cache: tuple[tuple[ax25.Address, ax25.Address], bytes] | None = None
        self.set_enabled(False)

    def set_enabled(self, enabled: bool) -> None:
        """Switch the transmitter on or off; off, nothing radiates and nothing is pulled."""
        self.enabled = enabled
        with contextlib.suppress(Exception):  # the radio's own default is to stay silent
            self.radio.set_enabled(enabled)

    def add_source(self, source: PacketSource) -> None:
        """Pull from ``source`` when the real-time queue is empty (after the earlier ones)."""
        self.sources.append(source)

    def ready(self, now: float) -> None:
        """The deployment sequence is over: power the radio and start transmitting."""
        if self.switches is not None:
            with contextlib.suppress(Exception):
                self.switches.set_load("radio", True)
        self.set_enabled(True)

    def telemetry(self) -> dict[str, float]:
        return {"frames_sent": self.frames_sent}

    def enqueue(self, packet: bytes) -> None:
        """Queue one real-time packet (dropping the oldest when the queue is full)."""
        if len(self.realtime) == self.realtime.maxlen:
            self.dropped += 1
        self.realtime.append(packet)

    def save_queue(self, storage: Storage) -> None:
        """Keep the real-time queue across a software reset (a power cut loses it)."""
        body = b"".join(len(p).to_bytes(2, "big") + p for p in self.realtime)
        with contextlib.suppress(OSError):
            storage.write(QUEUE_KEY, zlib.crc32(body).to_bytes(4, "big") + body)

    def load_queue(self, storage: Storage) -> None:
        """Queue again what :meth:`save_queue` kept (once: the record is deleted)."""
        blob = storage.read(QUEUE_KEY)
        storage.delete(QUEUE_KEY)
        if blob is None or len(blob) < 4 or zlib.crc32(blob[4:]) != int.from_bytes(blob[:4], "big"):
            return
        offset = 4
        while offset + 2 <= len(blob):
            n = int.from_bytes(blob[offset : offset + 2], "big")
            self.enqueue(bytes(blob[offset + 2 : offset + 2 + n]))
            offset += 2 + n

    def rebase(self, offset_s: float) -> None:
        super().rebase(offset_s)
        self.next_free += offset_s

    def airtime_s(self, frame_len: int) -> float:
        return TX_DELAY_S + (frame_len + FRAME_OVERHEAD) * 8 * STUFFING / self.bit_rate

    def _has_work(self, now: float) -> bool:
        return bool(self.realtime) or any(s.has_packet(now) for s in self.sources)

    def service(self, now: float) -> None:
        """Send every frame the link has room for at ``now``."""
        if not self.enabled:
            return
        while self.next_free <= now:
            packet = self.realtime.popleft() if self.realtime else None
            if packet is None:
                for source in self.sources:
                    if source.has_packet(now):
                        packet = source.next_packet(now)
                        if packet is not None:
                            break
            if packet is None:
                return
            self._send(packet, now)

    def _header(self) -> bytes:
        """The octets every frame starts with (addresses, control, PID), encoded once for the
        addresses in use: an AX.25 UI frame without FCS is this header and its information."""
        key = (self.destination, self.source)
        cached = self._header_cache
        if cached is None or cached[0][0] is not key[0] or cached[0][1] is not key[1]:
            cached = self._header_cache = (key, ax25.encode(ax25.Frame(*key)))
        return cached[1]

    def _send(self, packet: bytes, now: float) -> None:
        frame = self._header() + packet
        try:
            self.radio.transmit(frame)
        except Exception:  # a radio fault loses this frame, not the software
            self.dropped += 1
        self.frames_sent += 1
        self.bytes_sent += len(frame)
        self.next_free = max(self.next_free, now) + self.airtime_s(len(frame)) / self.duty

    def next_wanted(self, now: float) -> float:
        """When the downlink next wants to run (infinity when it has nothing to send)."""
        if not self.enabled or not self._has_work(now):
            return float("inf")
        return max(self.next_free, now)

    def state(self) -> dict[str, Any]:
        return super().state() | {
            "enabled": self.enabled, "queued": len(self.realtime), "frames_sent": self.frames_sent,
            "bytes_sent": self.bytes_sent, "dropped": self.dropped, "next_free": self.next_free,
        }

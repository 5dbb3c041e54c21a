"""KISS framing between a host and a TNC (Chepponis and Karn, "The KISS TNC", ARRL CNC 1987).

A frame is ``FEND type data FEND``. The type octet carries the port in its high nibble and the
command in its low nibble (0 data, 1 TXDELAY, 2 P, 3 SLOTTIME, 4 TXTAIL, 5 FULLDUPLEX,
6 SETHARDWARE; 0xFF alone is RETURN). Inside a frame FEND is sent as ``FESC TFEND`` and FESC as
``FESC TFESC``; the type octet is escaped too (port 12 data would otherwise be a bare FEND).

:class:`KissDecoder` takes a byte stream in arbitrary chunks. It never raises, whatever the
bytes: a frame with an invalid escape loses the stray FESC and keeps the octet after it (what
most TNCs do); a frame with nothing left once unescaped (``FEND FESC FEND``: no type octet) and
an over-long frame are dropped, counted in ``dropped`` and, by reason, in ``rejected``. An
over-long frame is never buffered beyond about twice ``max_frame`` octets, so a stream of garbage
without FENDs costs bounded memory. The frames found do not depend on how the stream is chunked.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from picodragon.link.errors import Reason

__all__ = [
    "DATA",
    "FEND",
    "FESC",
    "TFEND",
    "TFESC",
    "KissDecoder",
    "KissFrame",
    "encode",
    "escape",
]

FEND = 0xC0
FESC = 0xDB
TFEND = 0xDC
TFESC = 0xDD
DATA = 0x00
TX_DELAY = 0x01
PERSISTENCE = 0x02
SLOT_TIME = 0x03
TX_TAIL = 0x04
FULL_DUPLEX = 0x05
SET_HARDWARE = 0x06
RETURN = 0xFF


@dataclass(frozen=True, slots=True)
class KissFrame:
    """One KISS frame: TNC port (0-15), command (0-15; 0 data) and the unescaped payload."""

    port: int
    command: int
    payload: bytes


def escape(data: bytes) -> bytes:
    """Apply KISS transparency: FESC -> FESC TFESC first, then FEND -> FESC TFEND."""
    return bytes(data).replace(b"\xdb", b"\xdb\xdd").replace(b"\xc0", b"\xdb\xdc")


def encode(payload: bytes, port: int = 0, command: int = DATA) -> bytes:
    """One KISS frame ``FEND type escaped-payload FEND``; ValueError on a bad port or command."""
    if not 0 <= port <= 15:
        raise ValueError(f"KISS port must be 0 to 15, got {port}")
    if not 0 <= command <= 15:
        raise ValueError(f"KISS command must be 0 to 15, got {command}")
    type_octet = bytes(((port << 4) | command,))
    return b"\xc0" + escape(type_octet + bytes(payload)) + b"\xc0"


class KissDecoder:
    """Streaming KISS decoder: ``feed`` any chunk, get the frames it completed.

    ``max_frame`` bounds a frame's payload (octets, unescaped). ``dropped`` counts every frame
    refused and ``rejected`` the same by :class:`~picodragon.link.errors.Reason`
    (``TOO_LONG``; ``BAD_ESCAPE`` for a frame whose only content was a lone FESC), so a server
    loop can report what garbage its TNC sent without ever seeing an exception.
    """

    def __init__(self, max_frame: int = 65536) -> None:
        self.max_frame = max_frame
        self.dropped = 0
        self.rejected: Counter[Reason] = Counter()
        self._buffer = bytearray()
        self._synced = False  # octets before the first FEND belong to no frame
        self._overflow = False

    def feed(self, chunk: bytes) -> list[KissFrame]:
        """Consume ``chunk``; return every frame closed by a FEND in it (empty frames skipped)."""
        frames: list[KissFrame] = []
        start = 0
        data = bytes(chunk)
        while start < len(data):
            end = data.find(b"\xc0", start)
            if end < 0:
                self._take(data[start:])
                break
            self._take(data[start:end])
            self._close(frames)
            start = end + 1
        return frames

    def _take(self, piece: bytes) -> None:
        if self._overflow or not piece or not self._synced:
            return
        if len(self._buffer) + len(piece) > 2 * self.max_frame + 2:
            self._overflow = True
            self._buffer.clear()
            return
        self._buffer += piece

    def _close(self, frames: list[KissFrame]) -> None:
        self._synced = True
        raw = bytes(self._buffer)
        self._buffer.clear()
        if self._overflow:
            self._overflow = False
            self._reject(Reason.TOO_LONG)
            return
        if not raw:
            return
        body = _unescape(raw)
        if not body:  # only lone FESCs: no type octet survives (a TNC drops such a frame)
            self._reject(Reason.BAD_ESCAPE)
            return
        if len(body) - 1 > self.max_frame:
            self._reject(Reason.TOO_LONG)
            return
        type_octet = body[0]
        frames.append(KissFrame(type_octet >> 4, type_octet & 0x0F, body[1:]))


    def _reject(self, reason: Reason) -> None:
        self.dropped += 1
        self.rejected[reason] += 1


def _unescape(raw: bytes) -> bytes:
    """KISS transparency undone; an invalid or trailing FESC is dropped (see the module doc)."""
    if 0xDB not in raw:
        return raw
    quick = raw.replace(b"\xdb\xdc", b"\xc0")
    if b"\xdb" not in quick.replace(b"\xdb\xdd", b""):  # only valid escapes: done in C
        return quick.replace(b"\xdb\xdd", b"\xdb")
    out = bytearray()
    i = 0
    n = len(raw)
    while i < n:
        b = raw[i]
        if b == FESC and i + 1 < n:
            nxt = raw[i + 1]
            if nxt == TFEND:
                out.append(FEND)
                i += 2
                continue
            if nxt == TFESC:
                out.append(FESC)
                i += 2
                continue
            i += 1  # invalid escape: drop the FESC, keep what follows
            continue
        if b == FESC:  # trailing lone FESC
            i += 1
            continue
        out.append(b)
        i += 1
    return bytes(out)

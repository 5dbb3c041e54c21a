"""Telemetry decoding for the ground's hot path, generated from the dictionary at import time.

``picodragon.dictionary.decode_telemetry`` is the reference: it walks each field's declaration
for every packet. A station ingesting tens of thousands of frames a second cannot afford that,
so this module compiles each packet's declaration once into flat tables (struct, names, scales,
offsets, the "no value" code of signed integers) and decodes with those. The result is the same
``TelemetryPacket`` or ``Rejection`` the dictionary gives, value for value, which
tests/ground/test_decoder.py checks on every packet and on random bytes; anything the fast path
does not recognise goes to the reference decoder, so the two cannot disagree on a rejection.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass

from picodragon.dictionary import (
    TELEMETRY_PACKETS,
    Packet,
    Rejection,
    TelemetryPacket,
    decode_telemetry,
)
from picodragon.dictionary.packets import EPOCH_2000_UNIX

_HEADER = struct.Struct(">HHHIH")
_HEADER_SIZE = _HEADER.size
_NAN = math.nan


@dataclass(frozen=True)
class _Compiled:
    packet: Packet
    names: tuple[str, ...]
    struct: struct.Struct
    #: (scale, offset, no-value code or None) per field
    conversions: tuple[tuple[float, float, int | None], ...]
    identity: bool


def _compile(packet: Packet) -> _Compiled:
    conversions = []
    for f in packet.fields:
        nan_code = None
        if not f.is_float and f.wire.startswith("i"):
            nan_code = int(f.raw_range()[0])
        conversions.append((float(f.scale), float(f.offset), nan_code))
    identity = all(c == (1.0, 0.0, None) for c in conversions)
    return _Compiled(
        packet,
        tuple(f.name for f in packet.fields),
        struct.Struct(">" + "".join(f.code for f in packet.fields)),
        tuple(conversions),
        identity,
    )


_BY_APID: dict[int, _Compiled] = {p.apid: _compile(p) for p in TELEMETRY_PACKETS}


def decode(data: bytes) -> TelemetryPacket | Rejection:
    """One telemetry packet from its bytes, as ``dictionary.decode_telemetry`` would give it."""
    if len(data) >= _HEADER_SIZE:
        word0, word1, length, seconds, fraction = _HEADER.unpack_from(data)
        compiled = _BY_APID.get(word0 & 0x7FF)
        if (
            compiled is not None
            and word0 >> 11 == 1  # version 0, telemetry, secondary header present
            and len(data) == 7 + length
            and len(data) - _HEADER_SIZE == compiled.struct.size
        ):
            raw = compiled.struct.unpack_from(data, _HEADER_SIZE)
            if compiled.identity:
                values = dict(zip(compiled.names, map(float, raw), strict=True))
            else:
                values = {
                    name: _NAN if r == code else r * scale + offset
                    for name, r, (scale, offset, code) in zip(
                        compiled.names, raw, compiled.conversions, strict=True
                    )
                }
            unix_s = EPOCH_2000_UNIX + seconds + fraction / 65536
            return TelemetryPacket(
                compiled.packet.name, word0 & 0x7FF, word1 & 0x3FFF, unix_s, values
            )
    return decode_telemetry(data)

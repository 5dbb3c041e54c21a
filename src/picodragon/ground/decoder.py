"""Telemetry decoding for the ground's hot path, compiled once from a mission's dictionary.

``picodragon.dictionary.decode_telemetry`` is the reference: it walks each field's declaration
for every packet. A station ingesting tens of thousands of frames a second cannot afford that,
so a :class:`TelemetryDecoder` compiles each packet's declaration of its ``Dictionary`` once
into flat tables (struct, names, scales, offsets, the "no value" code of signed integers) and
decodes with those. The result is the same ``TelemetryPacket`` or ``Rejection`` the reference
gives, value for value and reason for reason, which tests/ground/test_decoder.py checks on every
packet and on random bytes. Bytes the fast path does not take (short, not telemetry, an APID
the dictionary lacks, a wrong length) go through the space-packet parser and the reference's
checks in the same order, against this decoder's dictionary, so a mission's own packets are
known here whatever the dictionary module's defaults are.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable
from dataclasses import dataclass

from picodragon.dictionary import Dictionary, Packet, Rejection, TelemetryPacket, parse_space_packet
from picodragon.dictionary.loader import core
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
    #: the packet's values by name from its bytes (header included): :func:`_values_function`
    values: Callable[[bytes], dict[str, float]]


def _compile(packet: Packet) -> _Compiled:
    conversions = []
    for f in packet.fields:
        nan_code = None
        if not f.is_float and f.wire.startswith("i"):
            nan_code = int(f.raw_range()[0])
        conversions.append((float(f.scale), float(f.offset), nan_code))
    identity = all(c == (1.0, 0.0, None) for c in conversions)
    names = tuple(f.name for f in packet.fields)
    layout = struct.Struct(">" + "".join(f.code for f in packet.fields))
    return _Compiled(packet, names, layout, tuple(conversions), identity,
                     _values_function(names, layout, tuple(conversions), identity))


def _values_function(names: tuple[str, ...], layout: struct.Struct,
                     conversions: tuple[tuple[float, float, int | None], ...],
                     identity: bool) -> Callable[[bytes], dict[str, float]]:
    """A function giving a packet's values by name from its bytes, written for this packet.

    One dict display with each field's conversion spelled out (``r * scale + offset``, the "no
    value" code to NaN, ``float(r)`` for a packet without conversions: the same operations in
    the same order as the table-driven loop, so the same bits) instead of a loop over the
    tables: about half the cost of a frame's decoding. Names appear as ``repr`` strings and
    numbers as ``repr`` literals (exact for finite floats); a conversion with a non-finite
    number, which no literal spells, keeps the loop.
    """
    unpack = layout.unpack_from
    numbers = [x for scale, offset, _ in conversions for x in (scale, offset)]
    if not all(math.isfinite(x) for x in numbers):
        def loop(data: bytes) -> dict[str, float]:
            return {name: _NAN if r == code else r * scale + offset
                    for name, r, (scale, offset, code) in zip(names, unpack(data, _HEADER_SIZE),
                                                              conversions, strict=True)}
        return loop
    terms = []
    for i, (name, (scale, offset, code)) in enumerate(zip(names, conversions, strict=True)):
        value = f"float(r{i})" if identity else f"r{i} * {scale!r} + {offset!r}"
        if code is not None and not identity:
            value = f"_NAN if r{i} == {int(code)!r} else {value}"
        terms.append(f"{name!r}: {value}")
    raws = "".join(f"r{i}, " for i in range(len(names)))
    source = (f"def values(data):\n"
              f"    {raws or '_'} = unpack(data, {_HEADER_SIZE})\n" if names else "def values(data):\n")
    source += f"    return {{{', '.join(terms)}}}\n"
    scope: dict = {"unpack": unpack, "_NAN": _NAN}
    exec(compile(source, f"<values of {len(names)} fields>", "exec"), scope)  # noqa: S102
    return scope["values"]


class TelemetryDecoder:
    """Decodes the fixed-size telemetry packets of one ``Dictionary`` (never raises)."""

    def __init__(self, dictionary: Dictionary) -> None:
        self.dictionary = dictionary
        self._by_apid: dict[int, _Compiled] = {p.apid: _compile(p) for p in dictionary.telemetry}

    def decode(self, data: bytes) -> TelemetryPacket | Rejection:
        """One telemetry packet from its bytes, or why not."""
        if len(data) >= _HEADER_SIZE:
            word0, word1, length, seconds, fraction = _HEADER.unpack_from(data)
            compiled = self._by_apid.get(word0 & 0x7FF)
            if (
                compiled is not None
                and word0 >> 11 == 1  # version 0, telemetry, secondary header present
                and len(data) == 7 + length
                and len(data) - _HEADER_SIZE == compiled.struct.size
            ):
                unix_s = EPOCH_2000_UNIX + seconds + fraction / 65536
                return TelemetryPacket(
                    compiled.packet.name, word0 & 0x7FF, word1 & 0x3FFF, unix_s, compiled.values(data)
                )
        return self._slow(data)

    def _slow(self, data: bytes) -> TelemetryPacket | Rejection:
        """The reference decoder's checks and reasons, in its order, on this dictionary."""
        sp = parse_space_packet(data)
        if isinstance(sp, Rejection):
            return sp
        if sp.telecommand:
            return Rejection("a telecommand, not telemetry")
        compiled = self._by_apid.get(sp.apid)
        if compiled is None:
            return Rejection(f"unknown APID 0x{sp.apid:03x}")
        packet = compiled.packet
        if len(sp.payload) != packet.size:
            return Rejection(f"{packet.name} needs {packet.size} bytes, got {len(sp.payload)}")
        # a well-formed packet the fast path passed over: none today (it takes every one), but
        # decode it with the same tables rather than trust that
        raw = compiled.struct.unpack(sp.payload)
        values = {
            name: _NAN if r == code else r * scale + offset
            for name, r, (scale, offset, code) in zip(
                compiled.names, raw, compiled.conversions, strict=True
            )
        }
        return TelemetryPacket(packet.name, sp.apid, sp.sequence, sp.unix_s, values)


_DECODERS: dict[int, tuple[Dictionary, TelemetryDecoder]] = {}


def decoder_for(dictionary: Dictionary | None = None) -> TelemetryDecoder:
    """The compiled decoder of ``dictionary`` (the core one by default), built once per object."""
    dictionary = core() if dictionary is None else dictionary
    known = _DECODERS.get(id(dictionary))
    if known is not None and known[0] is dictionary:
        return known[1]
    if len(_DECODERS) >= 64:  # a process rarely holds more than a few dictionaries
        _DECODERS.clear()
    decoder = TelemetryDecoder(dictionary)
    _DECODERS[id(dictionary)] = (dictionary, decoder)
    return decoder


def decode(data: bytes, dictionary: Dictionary | None = None) -> TelemetryPacket | Rejection:
    """One telemetry packet of ``dictionary`` (the core one by default) from its bytes."""
    return decoder_for(dictionary).decode(data)

"""The ground's compiled telemetry decoder agrees with the dictionary's reference decoder."""

from __future__ import annotations

import math
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from picodragon.dictionary import core, decode_telemetry, pack_telemetry
from picodragon.ground.decoder import decode

TELEMETRY_PACKETS = core().telemetry


def same(a, b) -> bool:
    if type(a) is not type(b):
        return False
    if not hasattr(a, "values"):
        return a == b
    if (a.name, a.apid, a.sequence, a.unix_s) != (b.name, b.apid, b.sequence, b.unix_s):
        return False
    if a.values.keys() != b.values.keys():
        return False
    return all(
        (math.isnan(x) and math.isnan(y)) or x == y
        for x, y in ((a.values[k], b.values[k]) for k in a.values)
    )


def random_values(packet, rng):
    out = {}
    for f in packet.fields:
        lo, hi = f.raw_range()
        lo, hi = max(lo, -1e6), min(hi, 1e6)
        out[f.name] = f.from_raw(rng.uniform(lo, hi)) if rng.random() > 0.1 else float("nan")
    return out


def test_every_packet_decodes_like_the_dictionary():
    rng = random.Random(7)
    for packet in TELEMETRY_PACKETS:
        for i in range(200):
            data = pack_telemetry(packet, random_values(packet, rng), 4e8 + i * 3.3, i)
            assert same(decode(data), decode_telemetry(data)), packet.name


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=80))
def test_random_bytes_decode_like_the_dictionary(data):
    assert same(decode(data), decode_telemetry(data))


@settings(max_examples=300, deadline=None)
@given(st.integers(0, len(TELEMETRY_PACKETS) - 1), st.integers(0, 40), st.integers(0, 255))
def test_corrupted_packets_decode_like_the_dictionary(which, position, value):
    packet = TELEMETRY_PACKETS[which]
    data = bytearray(pack_telemetry(packet, {}, 5e8, 1))
    if position < len(data):
        data[position] = value
    assert same(decode(bytes(data)), decode_telemetry(bytes(data)))


@given(st.integers(-128, 127), st.integers(-32768, 32767),
       st.floats(width=32, allow_nan=False), st.sampled_from([0.5, 1.0, math.inf]))
def test_written_values_function_gives_the_loops_bits(a, b, c, scale):
    """The function written for a packet gives the table-driven loop's values bit for bit
    (-0.0 and the "no value" code included), and a non-finite conversion keeps the loop."""
    import struct

    from picodragon.ground.decoder import _HEADER_SIZE, _values_function

    layout = struct.Struct(">bhf")
    conversions = ((scale, -0.0, -128), (1.0, 0.0, None), (1.0, 0.0, None))
    names = ("a", "b", "c")
    data = bytes(_HEADER_SIZE) + layout.pack(a, b, c)
    got = _values_function(names, layout, conversions, identity=False)(data)
    want = {n: math.nan if r == code else r * s + o
            for n, r, (s, o, code) in zip(names, layout.unpack_from(data, _HEADER_SIZE), conversions, strict=True)}
    assert list(got) == list(want)
    assert [struct.pack(">d", v) for v in got.values()] == [struct.pack(">d", v) for v in want.values()]
    identity = _values_function(names, layout, ((1.0, 0.0, None),) * 3, identity=True)(data)
    assert [struct.pack(">d", v) for v in identity.values()] == \
        [struct.pack(">d", float(r)) for r in layout.unpack_from(data, _HEADER_SIZE)]

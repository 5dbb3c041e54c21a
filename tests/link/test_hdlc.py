"""HDLC: bit order, stuffing, NRZI, deframing."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from picodragon.link import hdlc
from picodragon.link.fcs import append_fcs


def test_bit_order_lsb_first() -> None:
    assert hdlc.octets_to_bits(b"\x01\x7e").tolist() == [1, 0, 0, 0, 0, 0, 0, 0] + [
        0,
        1,
        1,
        1,
        1,
        1,
        1,
        0,
    ]


def test_stuffing_vectors() -> None:
    assert hdlc.stuff(np.array([1] * 5)).tolist() == [1] * 5 + [0]
    assert hdlc.stuff(np.array([1] * 11)).tolist() == [1] * 5 + [0] + [1] * 5 + [0] + [1]
    assert hdlc.stuff(np.array([0, 1, 1, 1, 1, 0])).tolist() == [0, 1, 1, 1, 1, 0]
    assert hdlc.destuff(np.array([1] * 6)) is None


def test_nrzi_vectors() -> None:
    assert hdlc.nrzi_encode(np.array([0, 0, 1, 1, 0]), level=1).tolist() == [0, 1, 1, 1, 0]
    assert hdlc.nrzi_decode(np.array([0, 1, 1, 1, 0]), level=1).tolist() == [0, 0, 1, 1, 0]


@given(st.binary(max_size=200))
def test_stuff_round_trip(data: bytes) -> None:
    bits = hdlc.octets_to_bits(data)
    stuffed = hdlc.stuff(bits)
    runs = "".join(map(str, stuffed.tolist()))
    assert "111111" not in runs
    assert hdlc.destuff(stuffed).tolist() == bits.tolist()


@given(st.lists(st.binary(min_size=16, max_size=120), min_size=1, max_size=4))
def test_frames_round_trip(frames: list[bytes]) -> None:
    bits = np.concatenate([hdlc.encode(f, preamble_flags=2) for f in frames])
    line = hdlc.nrzi_encode(bits)
    assert hdlc.frames_from_bits(hdlc.nrzi_decode(line)) == frames
    assert hdlc.deframe(bits) == [append_fcs(f) for f in frames]


@given(st.binary(max_size=500))
def test_random_bits_never_raise(data: bytes) -> None:
    bits = hdlc.octets_to_bits(data)
    for frame in hdlc.frames_from_bits(bits):
        assert isinstance(frame, bytes)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.binary(min_size=16, max_size=200), min_size=1, max_size=4))
def test_compiled_deframer_agrees(frames: list[bytes]) -> None:
    """The demodulator's compiled deframer finds what this module finds, FCS and all."""
    from picodragon.link import _kernels

    bits = np.concatenate([hdlc.encode(f, preamble_flags=3) for f in frames])
    levels = hdlc.nrzi_encode(bits).astype(np.float32) * 2 - 1
    soft = np.repeat(levels, 8)  # 8 samples a bit, clean
    octets, starts, lengths, _, residues, _, count = _kernels.pll_hdlc(
        soft, 1 / 8, 0.25, 0.5, _kernels.CRC_TABLE
    )
    found = [octets[starts[k] : starts[k] + lengths[k]].tobytes() for k in range(count)]
    assert found == hdlc.deframe(bits) == [append_fcs(f) for f in frames]
    assert all(r == 0xF0B8 for r in residues[:count])

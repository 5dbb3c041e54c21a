"""Hostile input to the link room's bit and sample decoders: HDLC and AFSK (issue 11).

Promises kept on every case: the HDLC deframer never raises on any bit array (random, or valid
transmissions with bits flipped, inserted and deleted), and every frame it hands on has a good
FCS; the AFSK demodulator returns frames for any short audio (NaN, Inf and huge values
included) at the rates it accepts, and any other rate is a ValueError at construction.

HDLC and the rate check run the suite's case count (``@hostile``: 3,000 by default); the AFSK
demodulator a tenth of it (at least 50), as each case runs 19 demodulators (tens of ms).
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from picodragon.link import ax25, hdlc
from picodragon.link.demod import AfskDemodulator, check_sample_rate, minimum_sample_rate
from picodragon.link.fcs import check_fcs
from tests.hostile.fuzz import FUZZ_EXAMPLES, hostile
from tests.hostile.test_link import FRAMES

_any_float = st.floats(allow_nan=True, allow_infinity=True, width=64)

# --- HDLC --------------------------------------------------------------------------------------


def _check_hdlc(bits: np.ndarray) -> None:
    for candidate in hdlc.deframe(bits):
        assert len(candidate) >= hdlc.MIN_FRAME_OCTETS
    for frame in hdlc.frames_from_bits(bits):
        assert isinstance(check_fcs(ax25.append_fcs(frame)), bytes)
    levels = hdlc.nrzi_encode(bits)
    assert np.array_equal(hdlc.nrzi_decode(levels), bits)
    hdlc.destuff(bits)


@hostile
@given(st.binary(max_size=600))
def test_hdlc_arbitrary_bits(data: bytes) -> None:
    _check_hdlc(np.unpackbits(np.frombuffer(data, dtype=np.uint8)))


@hostile
@given(
    st.lists(FRAMES, min_size=1, max_size=2),
    st.lists(st.tuples(st.integers(0, 3), st.integers(0, 100_000)), max_size=8),
)
def test_hdlc_mutated_bitstreams(frames: list[ax25.Frame], edits: list[tuple[int, int]]) -> None:
    sent = [ax25.encode(f) for f in frames]
    bits = np.concatenate([hdlc.encode(f, preamble_flags=2) for f in sent]).astype(np.uint8)
    if not edits:
        assert hdlc.frames_from_bits(bits) == sent
    for kind, where in edits:  # 0-1 flip, 2 insert a bit, 3 delete one
        i = where % len(bits)
        if kind <= 1:
            bits[i] ^= 1
        elif kind == 2:
            bits = np.insert(bits, i, where & 1)
        elif len(bits) > 1:
            bits = np.delete(bits, i)
    _check_hdlc(bits)


# --- AFSK --------------------------------------------------------------------------------------

_DEMODULATORS = {rate: AfskDemodulator(rate, fix=True) for rate in (8000, 11025, 22050)}


@settings(hostile, max_examples=max(50, FUZZ_EXAMPLES // 10))
@given(
    st.sampled_from(sorted(_DEMODULATORS)),
    hnp.arrays(np.float32, st.integers(0, 3000), elements=st.floats(width=32, allow_nan=True)),
)
def test_afsk_short_random_audio(rate: int, samples: np.ndarray) -> None:
    for frame in _DEMODULATORS[rate].demodulate(samples):
        assert isinstance(frame.data, bytes) and frame.end_sample >= 0


@hostile
@given(st.one_of(st.integers(-(2**40), 2**40), _any_float, st.sampled_from([6160, 6161, 10**6])))
def test_afsk_rate_checked_at_the_boundary(rate: float) -> None:
    low = minimum_sample_rate()
    try:
        checked = check_sample_rate(rate)
    except ValueError as exc:
        assert "sample rate" in str(exc)
        assert not (math.isfinite(rate) and low <= rate <= 10**6)
        return
    assert low <= checked <= 10**6



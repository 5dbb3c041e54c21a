"""Hostile input to the G3RUH demodulator and the lenient AX.25 decode (issue 17).

Each property runs with the standing suite's case count (``@hostile``). Promises kept on every
case: the demodulator returns a list of frames with a good FCS (never raises) for any floats
(NaN, Inf, huge, tiny) at any rate it accepts; a rate it cannot use is a ValueError at
construction; the lenient AX.25 decode never raises, and what it accepts re-encodes to the very
octets it was given.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from picodragon.link import ax25, g3ruh
from picodragon.link.demod import DecodedFrame
from picodragon.link.errors import Rejection
from tests.hostile.fuzz import hostile

_DEMODULATORS: dict[tuple[int, float], g3ruh.G3ruhDemodulator] = {}


def _demodulator(rate: int, baud: float) -> g3ruh.G3ruhDemodulator:
    key = (rate, baud)
    if key not in _DEMODULATORS:
        _DEMODULATORS[key] = g3ruh.G3ruhDemodulator(rate, baud)
    return _DEMODULATORS[key]


@hostile
@given(
    audio=hnp.arrays(np.float32, st.integers(0, 3000), elements=st.floats(width=32)),
    rate=st.sampled_from([22050, 44100, 48000, 96000]),
    baud=st.sampled_from(g3ruh.BAUD_RATES),
)
def test_any_audio_gives_a_list(audio: np.ndarray, rate: int, baud: float) -> None:
    found = _demodulator(rate, baud).demodulate(audio)
    assert isinstance(found, list) and all(isinstance(f, DecodedFrame) for f in found)


@hostile
@given(rate=st.one_of(st.integers(-(10**9), 10**9), st.floats(allow_nan=True)))
def test_rate_checked_at_the_boundary(rate: float) -> None:
    try:
        g3ruh.check_sample_rate(rate, 9600.0)
    except ValueError as exc:
        assert "\n" not in str(exc)
        return
    assert 21120 <= rate <= 1_000_000


@hostile
@given(data=st.binary(max_size=120))
def test_lenient_decode_never_raises(data: bytes) -> None:
    frame = ax25.decode(data, strict=False)
    if isinstance(frame, ax25.Frame):
        assert ax25.encode(frame) == data
        strict = ax25.decode(data)
        assert isinstance(strict, Rejection) == bool(frame.oddities)
    else:
        assert isinstance(ax25.decode(data), Rejection)


@pytest.mark.parametrize("scale", [1e-30, 1e30, 1e38])
def test_a_frame_at_any_scale(scale: float) -> None:
    frame = ax25.encode(ax25.Frame(ax25.Address("CQ"), ax25.Address("XV9PID"), info=b"scale"))
    audio = g3ruh.modulate([frame], sample_rate=48000) / np.float32(0.5) * np.float32(scale)
    found = _demodulator(48000, 9600.0).demodulate(audio.astype(np.float32))
    assert [f.data for f in found] == [frame]

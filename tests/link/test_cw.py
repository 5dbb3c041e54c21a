"""CW beacon: Morse table, keying timing, audio round trips at several speeds and in noise."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from picodragon.link import cw

BEACON = "PICO DRAGON VIETNAM XV9PID"


def test_morse_and_timing() -> None:
    assert cw.to_morse("SOS") == "... --- ..."
    assert cw.to_morse("pico dragon") == ".--. .. -.-. --- / -.. .-. .- --. --- -."
    # PARIS is 50 units with its trailing word gap of 7: 43 without
    assert len(cw.keying("PARIS")) == 43
    with pytest.raises(ValueError):
        cw.to_morse("#")


def test_audio_length_follows_wpm() -> None:
    audio = cw.key_audio("PARIS", wpm=20, sample_rate=8000, lead_s=0.0)
    assert len(audio) == pytest.approx((43 + 2) * 0.06 * 8000, abs=2)


@pytest.mark.parametrize("wpm", [8, 12, 20, 30])
@pytest.mark.parametrize("tone", [600.0, 800.0, 1000.0])
def test_round_trip(wpm: int, tone: float) -> None:
    audio = cw.key_audio(BEACON, wpm=wpm, tone_hz=tone, sample_rate=11025)
    assert cw.decode_audio(audio, 11025) == BEACON


def test_noise() -> None:
    rng = np.random.default_rng(2)
    audio = cw.key_audio(BEACON, wpm=15)
    noisy = audio + rng.normal(0, 0.3, len(audio)).astype(np.float32)
    assert cw.decode_audio(noisy, 8000) == BEACON
    assert cw.decode_audio(noisy, 8000, tone_hz=800.0) == BEACON


def test_nothing_to_decode() -> None:
    assert cw.decode_audio(np.zeros(8000), 8000) == ""
    assert cw.decode_audio(np.zeros(10), 8000) == ""
    assert cw.decode_runs([]) == ""


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.floats(0.001, 5.0)), max_size=60))
def test_random_runs_never_raise(runs: list[tuple[bool, float]]) -> None:
    assert isinstance(cw.decode_runs(runs), str)


@settings(max_examples=20, deadline=None)
@given(arrays(np.float32, st.integers(0, 20000), elements=st.floats(-1, 1, width=32)))
def test_random_audio_never_raises(samples: np.ndarray) -> None:
    assert isinstance(cw.decode_audio(samples, 8000), str)

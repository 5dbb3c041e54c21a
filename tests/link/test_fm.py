"""Narrow-band FM: a clean round trip, the threshold, and the channel's FM mode."""

from __future__ import annotations

import numpy as np
import pytest

from picodragon.link import afsk, ax25, fm
from picodragon.link.channel import Channel
from picodragon.link.demod import AfskDemodulator

FRAME = ax25.encode(ax25.Frame(ax25.Address("CQ"), ax25.Address("XV9PID"), info=b"x" * 100))


def test_clean_round_trip_returns_the_audio() -> None:
    rate = 48000
    t = np.arange(rate // 10) / rate
    audio = 0.8 * np.sin(2 * np.pi * 1000 * t)
    back = fm.fm_demodulate(fm.fm_modulate(audio, rate), rate)[1000:]  # past the IF start-up
    assert np.sqrt(np.mean(back**2)) == pytest.approx(0.8 / np.sqrt(2), rel=0.02)
    spectrum = np.abs(np.fft.rfft(back))
    assert np.fft.rfftfreq(len(back), 1 / rate)[np.argmax(spectrum)] == pytest.approx(1000, abs=15)


def test_offset_is_a_dc_shift() -> None:
    rate = 48000
    audio = np.zeros(4800)
    back = fm.fm_demodulate(fm.fm_modulate(audio, rate, offset_hz=600.0), rate)
    assert np.mean(back[1000:]) == pytest.approx(600.0 / 3000.0, abs=1e-3)


def test_threshold() -> None:
    rate = 22050
    audio = afsk.modulate([FRAME] * 3, rate, amplitude=1.0)
    rng = np.random.default_rng(3)
    demod = AfskDemodulator(rate)
    strong = demod.demodulate(fm.fm_link(audio, rate, 24.0, 1200.0, rng))
    weak = demod.demodulate(fm.fm_link(audio, rate, 12.0, 1200.0, rng))
    assert [f.data for f in strong] == [FRAME] * 3
    assert weak == []
    with pytest.raises(ValueError):
        fm.fm_link(audio, 8000, 20.0, 1200.0, rng)


def test_channel_fm_mode() -> None:
    with pytest.raises(ValueError):
        Channel(seed=1, fm=True)
    link = Channel(seed=1, audio=True, fm=True)
    assert link.transmit_eb_n0(FRAME, 25.0) == FRAME
    assert link.transmit_eb_n0(FRAME, 12.0) is None
    assert link.transmit(FRAME, 1e-6) == FRAME
    assert link.transmit(FRAME, 0.3) is None
    runs = [
        [Channel(seed=5, audio=True, fm=True).transmit_eb_n0(FRAME, 19.0) for _ in range(3)]
        for _ in range(2)
    ]
    assert runs[0] == runs[1]


def test_bits_mode_uses_the_budget_model() -> None:
    link = Channel(seed=1)
    assert link.transmit_eb_n0(FRAME, 30.0) == FRAME
    assert link.transmit_eb_n0(FRAME, 10.0) is None

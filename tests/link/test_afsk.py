"""AFSK modem: round trips at several rates, impairments, fixing, noise and garbage."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from picodragon.link import afsk, ax25
from picodragon.link.demod import AfskDemodulator, Variant, fix_frame
from picodragon.link.fcs import append_fcs, check_fcs


def frames(n: int = 4) -> list[bytes]:
    return [
        ax25.encode(
            ax25.Frame(
                ax25.Address("CQ"), ax25.Address("XV9PID", i), info=bytes([65 + i]) * (20 * i + 1)
            )
        )
        for i in range(n)
    ]


@pytest.mark.parametrize("rate", [8000, 11025, 22050, 44100, 48000])
def test_round_trip(rate: int) -> None:
    sent = frames()
    got = AfskDemodulator(rate).demodulate(afsk.modulate(sent, rate))
    assert [f.data for f in got] == sent
    assert all(not f.fixed and f.votes >= 1 for f in got)


def test_phase_continuous() -> None:
    rate = 44100
    audio = afsk.modulate(frames(1), rate, amplitude=1.0, lead_silence_s=0, tail_silence_s=0)
    # a sine of at most 2200 Hz moves at most 2 pi 2200 / rate per sample: no phase jumps
    assert np.max(np.abs(np.diff(audio))) <= 2 * np.pi * 2200 / rate * 1.001


def test_emphasis_round_trip() -> None:
    rate = 22050
    sent = frames()
    audio = afsk.deemphasis(afsk.modulate(sent, rate, emphasis=True), rate)
    assert [f.data for f in AfskDemodulator(rate).demodulate(audio)] == sent
    twisted = afsk.modulate(sent, rate, emphasis=True)  # heard without de-emphasis
    assert [f.data for f in AfskDemodulator(rate).demodulate(twisted)] == sent


def test_emphasis_gain() -> None:
    rate = 48000
    t = np.arange(rate) / rate
    gains = []
    for f in (1200, 2200):
        y = afsk.preemphasis(np.sin(2 * np.pi * f * t).astype(np.float32), rate)
        gains.append(np.sqrt(2 * np.mean(y[rate // 2 :] ** 2)))
    assert 20 * np.log10(gains[1] / gains[0]) == pytest.approx(4.9, abs=0.6)


@pytest.mark.parametrize(
    ("mark", "space", "baud"),
    [(1150, 2150, 1200), (1250, 2250, 1200), (1200, 2200, 1218), (1200, 2200, 1182)],
)
def test_offset_and_drift(mark: float, space: float, baud: float) -> None:
    sent = frames()
    audio = afsk.modulate(sent, 22050, baud=baud, mark_hz=mark, space_hz=space)
    assert [f.data for f in AfskDemodulator(22050).demodulate(audio)] == sent


def test_decodes_in_noise_and_fix_helps() -> None:
    rng = np.random.default_rng(5)
    sent = frames(8)
    audio = afsk.modulate(sent, 22050, amplitude=0.5)
    plain, fixing = 0, 0
    for _ in range(3):
        noisy = audio + rng.normal(0, 0.37, len(audio)).astype(np.float32)
        a = AfskDemodulator(22050).demodulate(noisy)
        b = AfskDemodulator(22050, fix=True).demodulate(noisy)
        assert {f.data for f in a} <= set(sent)
        assert {f.data for f in b} <= set(sent)
        plain, fixing = plain + len(a), fixing + len(b)
    assert 0 < plain < fixing


def test_no_frames_from_noise() -> None:
    rng = np.random.default_rng(1)
    noise = rng.normal(0, 0.3, 22050 * 20).astype(np.float32)
    assert AfskDemodulator(22050, fix=True).demodulate(noise) == []


@settings(max_examples=30, deadline=None)
@given(arrays(np.float32, st.integers(0, 3000), elements=st.floats(-1, 1, width=32)))
def test_garbage_samples_never_raise(samples: np.ndarray) -> None:
    assert isinstance(AfskDemodulator(8000, fix=True).demodulate(samples), list)


@given(st.binary(min_size=16, max_size=300), st.data())
def test_fix_one_bit_or_one_line_bit(data: bytes, draw: st.DataObject) -> None:
    good = append_fcs(data)
    width = draw.draw(st.sampled_from([1, 2]))
    bit = draw.draw(st.integers(0, 8 * len(good) - width))
    bad = bytearray(good)
    for j in range(width):
        bad[(bit + j) // 8] ^= 1 << ((bit + j) % 8)
    crc = 0xFFFF
    for byte in bad:  # residue of the damaged frame, as the kernel computes it
        for k in range(8):
            crc = (crc >> 1) ^ 0x8408 if (crc ^ (byte >> k)) & 1 else crc >> 1
    fixed = fix_frame(bytes(bad), crc)
    assert fixed is not None and check_fcs(fixed) == data


def test_variant_options() -> None:
    sent = frames(2)
    audio = afsk.modulate(sent, 11025)
    for variant in (Variant("hann", 2.0, True, "agc"), Variant("boxcar", 1.0, False, 1.5)):
        got = AfskDemodulator(11025, variants=(variant,)).demodulate(audio)
        assert [f.data for f in got] == sent
    with pytest.raises(ValueError):
        AfskDemodulator(11025, internal_rate=4000)


@pytest.mark.parametrize("chunk", [441, 4410, 30000])
def test_streaming_matches_whole_buffer(chunk: int) -> None:
    from picodragon.link.demod import StreamingDemodulator

    rate = 22050
    sent = frames(6)
    burst = afsk.modulate(sent[:3], rate)
    audio = np.concatenate([burst, np.zeros(rate // 3, np.float32), afsk.modulate(sent[3:], rate)])
    stream = StreamingDemodulator(rate, block_s=0.5)
    got = []
    for i in range(0, len(audio), chunk):
        got += stream.feed(audio[i : i + chunk])
    got += stream.flush()
    whole = AfskDemodulator(rate).demodulate(audio)
    assert [f.data for f in got] == sent
    assert [f.end_sample for f in got] == pytest.approx([f.end_sample for f in whole], abs=5)


@settings(max_examples=15, deadline=None)
@given(
    st.lists(st.binary(min_size=16, max_size=330), min_size=1, max_size=3),
    st.sampled_from([8000, 11025, 22050, 48000]),
)
def test_any_octets_round_trip(payloads: list[bytes], rate: int) -> None:
    """The modem carries any octets (not only AX.25): stuffing, flags and FCS are its job."""
    got = AfskDemodulator(rate).demodulate(afsk.modulate(payloads, rate))
    assert [f.data for f in got] == payloads


def test_non_finite_samples() -> None:
    sent = frames(2)
    audio = afsk.modulate(sent, 11025)
    audio[:100] = np.nan
    audio[-50:] = np.inf
    assert [f.data for f in AfskDemodulator(11025).demodulate(audio)] == sent


def test_identical_demodulators_are_one_witness() -> None:
    """A hard fix needs two different damaged copies: a duplicated demodulator adds nothing."""
    rng = np.random.default_rng(11)
    rate = 22050
    audio = afsk.modulate(frames(8), rate, amplitude=0.5)
    v = Variant("boxcar", 1.375, False, 1.0)
    for _ in range(3):
        noisy = audio + rng.normal(0, 0.4, len(audio)).astype(np.float32)
        one = AfskDemodulator(rate, variants=(v,), fix=True).demodulate(noisy)
        two = AfskDemodulator(rate, variants=(v, v), fix=True).demodulate(noisy)
        assert [f.data for f in two] == [f.data for f in one]


def test_fast_variants() -> None:
    from picodragon.link.demod import FAST_VARIANTS

    sent = frames(3)
    audio = afsk.modulate(sent, 22050)
    assert [
        f.data for f in AfskDemodulator(22050, variants=FAST_VARIANTS).demodulate(audio)
    ] == sent


def test_hf_300_baud() -> None:
    """The same modem at 300 bit/s with 1600/1800 Hz tones (HF packet), as gen_packets -B 300."""
    sent = frames(2)
    kw = {"baud": 300.0, "mark_hz": 1600.0, "space_hz": 1800.0}
    audio = afsk.modulate(sent, 11025, **kw)
    assert [f.data for f in AfskDemodulator(11025, **kw).demodulate(audio)] == sent

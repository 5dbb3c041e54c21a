"""G3RUH FSK: the scrambler against its polynomial, round trips, rate checks, the modem files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile

from picodragon.link import _kernels, ax25, g3ruh, hdlc
from picodragon.link.modem_files import demodulate_file, modulate_file
from picodragon.link.wavio import read_wav, write_wav


def _frames(n: int = 4) -> list[bytes]:
    return [
        ax25.encode(
            ax25.Frame(
                ax25.Address("CQ"),
                ax25.Address("XV9PID", i),
                info=f"PICO DRAGON G3RUH {i:03d} ".encode() + bytes(range(40 * i)),
            )
        )
        for i in range(n)
    ]


def _scramble_by_polynomial(bits: np.ndarray) -> np.ndarray:
    """The definition, bit by bit: out[n] = in[n] + out[n-12] + out[n-17] over GF(2)."""
    out: list[int] = []
    for n, b in enumerate(bits):
        a12 = out[n - 12] if n >= 12 else 0
        a17 = out[n - 17] if n >= 17 else 0
        out.append(int(b) ^ a12 ^ a17)
    return np.array(out, dtype=np.uint8)


def test_scrambler_is_the_polynomial() -> None:
    bits = np.random.default_rng(1).integers(0, 2, 500).astype(np.uint8)
    assert np.array_equal(g3ruh.scramble(bits), _scramble_by_polynomial(bits))
    # an impulse shows the taps: out[0] = 1, then 1 at 12 and at 17 (and their echoes)
    impulse = np.zeros(40, dtype=np.uint8)
    impulse[0] = 1
    assert list(np.flatnonzero(g3ruh.scramble(impulse))[:4]) == [0, 12, 17, 24]


def test_descrambler_inverts_and_resynchronises() -> None:
    bits = np.random.default_rng(2).integers(0, 2, 300).astype(np.uint8)
    assert np.array_equal(g3ruh.descramble(g3ruh.scramble(bits)), bits)
    line = g3ruh.scramble(bits)
    line[100] ^= 1  # one line error spoils exactly three bits: at 100, 112, 117
    wrong = np.flatnonzero(g3ruh.descramble(line) != bits)
    assert list(wrong) == [100, 112, 117]
    # starting late (the receiver joins mid-stream): right after 17 bits
    late = g3ruh.descramble(g3ruh.scramble(bits)[50:])
    assert np.array_equal(late[17:], bits[67:])


def test_descrambler_is_polarity_blind_after_nrzi() -> None:
    bits = hdlc.encode(_frames(1)[0], preamble_flags=4)
    line = g3ruh.scramble(hdlc.nrzi_encode(bits))
    inverted = 1 - line
    decoded = hdlc.nrzi_decode(g3ruh.descramble(inverted))
    assert np.array_equal(decoded[20:], bits[20:])


def test_kernel_descrambles_at_one_sample_a_bit() -> None:
    bits = hdlc.encode(_frames(1)[0], preamble_flags=8)
    levels = g3ruh.scramble(hdlc.nrzi_encode(bits))
    d = np.repeat(np.where(levels == 1, 1.0, -1.0), 4).astype(np.float32)
    octets, starts, lengths, _, residues, _, count = _kernels.pll_hdlc(
        d, 0.25, 0.25, 0.5, _kernels.CRC_TABLE, True
    )
    assert count == 1 and residues[0] == 0xF0B8
    assert octets[starts[0] : starts[0] + lengths[0] - 2].tobytes() == _frames(1)[0]


@pytest.mark.parametrize(
    ("baud", "rate"),
    [
        (9600.0, 48000),
        (9600.0, 44100),
        (9600.0, 22050),
        (4800.0, 48000),
        (4800.0, 11025),
        (9600.0, 96000),
    ],
)
def test_round_trip(baud: float, rate: int) -> None:
    frames = _frames()
    audio = g3ruh.modulate(frames, sample_rate=rate, baud=baud)
    found = g3ruh.G3ruhDemodulator(rate, baud).demodulate(audio)
    assert [f.data for f in found] == frames
    assert all(0 < f.end_sample <= len(audio) for f in found)


def test_round_trip_inverted_offset_and_noise() -> None:
    """A discriminator may invert the signal and add an offset (frequency error): no matter."""
    frames = _frames()
    audio = g3ruh.modulate(frames, sample_rate=48000)
    rng = np.random.default_rng(3)
    bent = -audio + 0.2 + rng.normal(0, 0.08, len(audio)).astype(np.float32)
    found = g3ruh.G3ruhDemodulator(48000).demodulate(bent)
    assert [f.data for f in found] == frames


def test_wrong_rate_finds_nothing() -> None:
    audio = g3ruh.modulate(_frames(), sample_rate=48000, baud=9600.0)
    assert g3ruh.G3ruhDemodulator(48000, 4800.0).demodulate(audio) == []


def test_minimum_rates() -> None:
    assert g3ruh.minimum_sample_rate(9600) == 21120
    assert g3ruh.minimum_sample_rate(4800) == 10560
    assert g3ruh.check_sample_rate(21120, 9600) == 21120
    for bad in (21119, 8000, 0, -1, float("nan"), float("inf"), 2_000_000):
        with pytest.raises(ValueError, match="cannot carry G3RUH"):
            g3ruh.check_sample_rate(bad, 9600)
    with pytest.raises(ValueError):
        g3ruh.G3ruhDemodulator(8000, 9600)
    with pytest.raises(ValueError):
        g3ruh.G3ruhDemodulator(48000, 10.0)


def test_short_and_bad_audio_give_nothing() -> None:
    d = g3ruh.G3ruhDemodulator(48000)
    assert d.demodulate(np.zeros(0)) == []
    assert d.demodulate(np.zeros((10, 2))) == []
    assert d.demodulate(np.full(5000, np.nan)) == []


def _write_frames(tmp_path: Path) -> Path:
    src = tmp_path / "frames.txt"
    src.write_text("".join(f.hex() + "\n" for f in _frames()))
    return src


@pytest.mark.parametrize("mode", ["g3ruh9600", "g3ruh4800"])
def test_modem_files_round_trip(tmp_path: Path, mode: str) -> None:
    wav = tmp_path / "out.wav"
    assert modulate_file(_write_frames(tmp_path), wav, sample_rate=48000, mode=mode) == 4
    assert [r["hex"] for r in demodulate_file(wav, mode=mode)] == [f.hex() for f in _frames()]
    auto = demodulate_file(wav, mode="auto")
    assert [(r["hex"], r["mode"]) for r in auto] == [(f.hex(), mode) for f in _frames()]
    assert demodulate_file(wav) == []  # afsk1200, the default, hears nothing here


def test_modem_files_rate_and_mode_errors(tmp_path: Path) -> None:
    src = _write_frames(tmp_path)
    out = tmp_path / "out.wav"
    with pytest.raises(ValueError, match="cannot carry G3RUH FSK at 9600"):
        modulate_file(src, out, sample_rate=8000, mode="g3ruh9600")
    with pytest.raises(ValueError, match="unknown modem mode"):
        modulate_file(src, out, mode="psk31")
    assert not out.exists()
    low = tmp_path / "low.wav"
    write_wav(low, np.zeros(8000), 8000)
    with pytest.raises(ValueError, match=r"low.wav: sample rate 8000 Hz cannot carry G3RUH"):
        demodulate_file(low, mode="g3ruh9600")
    assert demodulate_file(low, mode="auto") == []  # only AFSK fits 8 kHz, and finds nothing
    very_low = tmp_path / "very_low.wav"
    write_wav(very_low, np.zeros(4000), 4000)
    with pytest.raises(ValueError, match="cannot carry AFSK"):
        demodulate_file(very_low, mode="auto")


@pytest.mark.parametrize(
    ("fmt", "subtype", "rate"),
    [("OGG", "VORBIS", 48000), ("FLAC", "PCM_16", 44100), ("WAV", "FLOAT", 48000)],
)
def test_other_audio_files(tmp_path: Path, fmt: str, subtype: str, rate: int) -> None:
    """SatNOGS's OGG, FLAC, 32-bit float WAV: read through libsndfile (or our WAV reader)."""
    audio = g3ruh.modulate(_frames(), sample_rate=rate)
    path = tmp_path / f"x.{fmt.lower()}"
    soundfile.write(
        str(path),
        np.stack([audio, np.zeros_like(audio)], axis=1),
        rate,
        format=fmt,
        subtype=subtype,
    )
    got = demodulate_file(path, mode="g3ruh9600")
    assert [r["hex"] for r in got] == [f.hex() for f in _frames()]


def test_not_audio_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("not audio\n")
    with pytest.raises(ValueError, match="not an audio file") as info:
        demodulate_file(path, mode="auto")
    assert "\n" not in str(info.value)


def test_float_wav_matches_pcm(tmp_path: Path) -> None:
    audio = g3ruh.modulate(_frames(1), sample_rate=48000)
    pcm = tmp_path / "pcm.wav"
    write_wav(pcm, audio, 48000)
    samples, rate = read_wav(pcm)
    assert rate == 48000 and json.dumps(demodulate_file(pcm, mode="g3ruh9600"))

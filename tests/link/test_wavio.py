"""WAV in and out: round trip, chunked reading, stereo and 8-bit files."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from picodragon.link.wavio import iter_wav, read_wav, wav_rate, write_wav


def test_round_trip_and_chunks(tmp_path: Path) -> None:
    x = np.sin(np.arange(10000) / 7).astype(np.float32) * 0.5
    path = tmp_path / "a.wav"
    write_wav(path, x, 8000)
    y, rate = read_wav(path)
    assert rate == wav_rate(path) == 8000
    assert np.max(np.abs(y - x)) < 1 / 32768 + 1e-6
    chunks = list(iter_wav(path, chunk_s=0.3))
    assert len(chunks) == 5 and np.array_equal(np.concatenate(chunks), y)


@pytest.mark.parametrize("width", [1, 2, 4])
def test_stereo_and_widths(tmp_path: Path, width: int) -> None:
    left = np.array([0.5, -0.5, 0.25])
    right = np.array([-0.25, 0.0, 0.75])
    scale = {1: 127, 2: 32767, 4: 2**31 - 1}[width]
    inter = np.stack([left, right], axis=1).ravel() * scale
    dtype = {1: np.uint8, 2: "<i2", 4: "<i4"}[width]
    if width == 1:
        inter = inter + 128
    path = tmp_path / "s.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(width)
        w.setframerate(11025)
        w.writeframes(np.round(inter).astype(dtype).tobytes())
    for channel, expected in ((0, left), (1, right)):
        got, _ = read_wav(path, channel=channel)
        assert got == pytest.approx(expected, abs=0.01)
    with pytest.raises(ValueError):
        read_wav(path, channel=2)

"""WAV files in and out (PCM 8, 16 or 32 bit, any channel count), with the standard library.

Samples are returned as float32 in [-1, 1); a multi-channel file gives the channel asked for.
"""

from __future__ import annotations

import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np


def read_wav(path: str | Path, channel: int = 0) -> tuple[np.ndarray, int]:
    """``(samples, sample_rate_hz)`` of one channel of a PCM WAV file."""
    with wave.open(str(path), "rb") as w:
        width, channels, rate = w.getsampwidth(), w.getnchannels(), w.getframerate()
        raw = w.readframes(w.getnframes())
    return _convert(raw, width, channels, channel, path), rate


def wav_rate(path: str | Path) -> int:
    """The sample rate of a WAV file, Hz."""
    with wave.open(str(path), "rb") as w:
        return w.getframerate()


def iter_wav(path: str | Path, chunk_s: float = 30.0, channel: int = 0) -> Iterator[np.ndarray]:
    """One channel of a PCM WAV file in float32 pieces of ``chunk_s`` seconds: long
    recordings never sit in memory whole."""
    with wave.open(str(path), "rb") as w:
        width, channels, rate = w.getsampwidth(), w.getnchannels(), w.getframerate()
        frames = max(1, int(chunk_s * rate))
        while raw := w.readframes(frames):
            yield _convert(raw, width, channels, channel, path)


def _convert(raw: bytes, width: int, channels: int, channel: int, path: str | Path) -> np.ndarray:
    raw = raw[: len(raw) - len(raw) % (width * channels)]
    if width == 1:
        data = (np.frombuffer(raw, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
    elif width == 2:
        data = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    elif width == 4:
        data = (np.frombuffer(raw, dtype="<i4").astype(np.float64) / 2**31).astype(np.float32)
    else:
        raise ValueError(f"{path}: unsupported sample width of {width} bytes")
    if not 0 <= channel < channels:
        raise ValueError(f"{path}: no channel {channel} in {channels}")
    return data[channel::channels].copy()


def write_wav(path: str | Path, samples: np.ndarray, sample_rate: int) -> None:
    """Write mono 16-bit PCM; samples in [-1, 1] are clipped to that range."""
    pcm = np.clip(np.asarray(samples, dtype=np.float64), -1.0, 32767 / 32768) * 32768.0
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(int(sample_rate))
        w.writeframes(np.round(pcm).astype("<i2").tobytes())

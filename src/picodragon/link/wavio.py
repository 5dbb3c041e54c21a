"""WAV files in and out (PCM 8, 16, 24 or 32 bit, or 32/64-bit float; any channel count).

Samples are returned as float32 in [-1, 1) (float files as they are); a multi-channel file
gives the channel asked for.

A WAV file comes from outside, so its header is not trusted. The reader walks the RIFF chunks
itself (Microsoft/IBM "Multimedia Programming Interface and Data Specifications 1.0", 1991, for
RIFF, ``fmt `` and ``data``; WAVE_FORMAT_EXTENSIBLE from Microsoft's KSDATAFORMAT notes) and
refuses with one ``ValueError`` line naming the file anything it cannot read: not RIFF/WAVE, a
truncated or missing ``fmt `` chunk, no ``data`` chunk, zero channels, a sample rate of 0, a
block size that does not match the sample width, an unsupported encoding. Sizes claimed by the
header never decide how much memory is allocated: a ``data`` chunk claiming more than the file
holds is read as far as the file goes (a recording cut short), and no read is larger than what
is actually on disk (and, for :func:`iter_wav`, than ``MAX_CHUNK_BYTES``). What the sample rate
must be for a given use (the modem's minimum, say) is that user's check, not this reader's.
"""

from __future__ import annotations

import os
import struct
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

__all__ = ["MAX_CHUNK_BYTES", "WavInfo", "iter_wav", "read_wav", "wav_info", "wav_rate", "write_wav"]

MAX_CHUNK_BYTES = 64 << 20
"""Largest single read of :func:`iter_wav`, octets: a header with an absurd rate cannot make
one 30 s piece huge."""

_PCM = 0x0001
_FLOAT = 0x0003
_EXTENSIBLE = 0xFFFE
_MAX_CHUNKS = 10_000  # a file of tiny junk chunks is refused rather than walked forever


@dataclass(frozen=True, slots=True)
class WavInfo:
    """What the header says, checked: encoding (``"pcm"`` or ``"float"``), sample width
    (octets), channels, rate (Hz), and where the sample data lies (``offset``, ``size``:
    octets actually present in the file, whole frames only)."""

    encoding: str
    width: int
    channels: int
    rate: int
    offset: int
    size: int

    @property
    def frames(self) -> int:
        """Sample frames (one sample per channel) in the file."""
        return self.size // (self.width * self.channels)


def wav_info(path: str | Path) -> WavInfo:
    """The checked header of a WAV file; ValueError (one line, naming the file) if unreadable."""
    try:
        with open(path, "rb") as f:
            return _parse(f, os.fstat(f.fileno()).st_size, path)
    except OSError as exc:
        raise ValueError(f"{path}: cannot read WAV: {exc.strerror or exc}") from None


def _parse(f: BinaryIO, file_size: int, path: str | Path) -> WavInfo:
    head = f.read(12)
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        raise ValueError(f"{path}: not a WAV file (no RIFF/WAVE header)")
    fmt: tuple[str, int, int, int] | None = None
    pos = 12
    for _ in range(_MAX_CHUNKS):
        f.seek(pos)
        header = f.read(8)
        if len(header) < 8:
            break
        chunk_id, size = header[:4], struct.unpack("<I", header[4:])[0]
        body_at = pos + 8
        if chunk_id == b"fmt ":
            fmt = _fmt(f.read(min(size, 40)), size, path)
        elif chunk_id == b"data":
            if fmt is None:
                raise ValueError(f"{path}: data chunk before the fmt chunk")
            encoding, width, channels, rate = fmt
            present = max(0, min(size, file_size - body_at))
            present -= present % (width * channels)
            return WavInfo(encoding, width, channels, rate, body_at, present)
        pos = body_at + size + (size & 1)  # chunks are padded to an even length
        if pos >= file_size:
            break
    else:
        raise ValueError(f"{path}: more than {_MAX_CHUNKS} chunks before the data")
    if fmt is None:
        raise ValueError(f"{path}: not a WAV file (no fmt chunk)")
    raise ValueError(f"{path}: no data chunk")


def _fmt(body: bytes, size: int, path: str | Path) -> tuple[str, int, int, int]:
    """Check a ``fmt `` chunk: ``(encoding, width, channels, rate)`` or ValueError."""
    if size < 16 or len(body) < 16:
        raise ValueError(f"{path}: fmt chunk too short ({min(size, len(body))} octets, needs 16)")
    tag, channels, rate, _, block, bits = struct.unpack("<HHIIHH", body[:16])
    if tag == _EXTENSIBLE:
        if len(body) < 26:
            raise ValueError(f"{path}: extensible fmt chunk too short")
        tag = struct.unpack("<H", body[24:26])[0]  # first two octets of the sub-format GUID
    if channels == 0:
        raise ValueError(f"{path}: 0 channels")
    if rate == 0:
        raise ValueError(f"{path}: sample rate of 0 Hz")
    width = block // channels if block % channels == 0 else 0
    if tag == _PCM and width in (1, 2, 3, 4) and bits <= 8 * width:
        return "pcm", width, channels, rate
    if tag == _FLOAT and width in (4, 8) and bits == 8 * width:
        return "float", width, channels, rate
    raise ValueError(
        f"{path}: unsupported WAV encoding (format {tag:#06x}, {bits} bits, "
        f"{block}-octet frames of {channels} channels)"
    )


def read_wav(path: str | Path, channel: int = 0) -> tuple[np.ndarray, int]:
    """``(samples, sample_rate_hz)`` of one channel of a WAV file; ValueError if unreadable."""
    info = wav_info(path)
    _check_channel(info, channel, path)
    with open(path, "rb") as f:
        f.seek(info.offset)
        raw = f.read(info.size)
    return _convert(raw, info, channel), info.rate


def wav_rate(path: str | Path) -> int:
    """The sample rate of a WAV file, Hz; ValueError if unreadable."""
    return wav_info(path).rate


def iter_wav(path: str | Path, chunk_s: float = 30.0, channel: int = 0) -> Iterator[np.ndarray]:
    """One channel of a WAV file in float32 pieces of ``chunk_s`` seconds (fewer if that would
    pass ``MAX_CHUNK_BYTES``): long recordings never sit in memory whole."""
    info = wav_info(path)
    _check_channel(info, channel, path)
    frame_bytes = info.width * info.channels
    frames = max(1, min(int(chunk_s * info.rate), MAX_CHUNK_BYTES // frame_bytes))
    with open(path, "rb") as f:
        f.seek(info.offset)
        left = info.size
        while left > 0 and (raw := f.read(min(left, frames * frame_bytes))):
            left -= len(raw)
            yield _convert(raw, info, channel)


def _check_channel(info: WavInfo, channel: int, path: str | Path) -> None:
    if not 0 <= channel < info.channels:
        raise ValueError(f"{path}: no channel {channel} in {info.channels}")


def _convert(raw: bytes, info: WavInfo, channel: int) -> np.ndarray:
    raw = raw[: len(raw) - len(raw) % (info.width * info.channels)]
    width = info.width
    if info.encoding == "float":
        data = np.frombuffer(raw, dtype="<f4" if width == 4 else "<f8").astype(np.float32)
    elif width == 1:
        data = (np.frombuffer(raw, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
    elif width == 2:
        data = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    elif width == 3:  # 24-bit: sign-extend each little-endian triple through the top of an int32
        triples = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        value = (triples[:, 0] << 8) | (triples[:, 1] << 16) | (triples[:, 2] << 24)
        data = (value.astype(np.float64) / 2**31).astype(np.float32)
    else:
        data = (np.frombuffer(raw, dtype="<i4").astype(np.float64) / 2**31).astype(np.float32)
    return data[channel :: info.channels].copy()


def write_wav(path: str | Path, samples: np.ndarray, sample_rate: int) -> None:
    """Write mono 16-bit PCM; samples in [-1, 1] are clipped to that range."""
    pcm = np.clip(np.asarray(samples, dtype=np.float64), -1.0, 32767 / 32768) * 32768.0
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(int(sample_rate))
        w.writeframes(np.round(pcm).astype("<i2").tobytes())

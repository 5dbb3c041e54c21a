"""Audio files of any kind a station has, read as float32 mono pieces.

WAV (PCM or float, any channel count) goes through our own RIFF reader
(:mod:`picodragon.link.wavio`), which trusts nothing in the header. Everything else (the OGG
Vorbis SatNOGS publishes its observations' audio as, FLAC, AIFF, and the rest libsndfile reads)
goes through libsndfile, by the ``soundfile`` package (whose wheels carry libsndfile 1.2). The
sample rate is the file's: the demodulators resample to their own internal rates.

Anything that cannot be read is one ``ValueError`` line naming the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from picodragon.link.wavio import MAX_CHUNK_BYTES, iter_wav, wav_info

__all__ = ["audio_rate", "iter_audio", "read_audio"]

_BLOCK_FRAMES_MAX = MAX_CHUNK_BYTES // 8  # float32 stereo frames in one piece at most


def _is_wav(path: str | Path) -> bool:
    try:
        with open(path, "rb") as f:
            head = f.read(12)
    except OSError as exc:
        raise ValueError(f"{path}: cannot read audio: {exc.strerror or exc}") from None
    return head[:4] == b"RIFF" and head[8:12] == b"WAVE"


def _soundfile_info(path: str | Path) -> tuple[int, int, str]:
    """(rate, channels, format name) by libsndfile, or ValueError."""
    import soundfile

    try:
        info = soundfile.info(str(path))
    except (
        RuntimeError,
        TypeError,
        ValueError,
        OSError,
    ) as exc:  # LibsndfileError is a RuntimeError
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ValueError(
            f"{path}: not an audio file we can read (WAV, FLAC, OGG and the other formats "
            f"of libsndfile): {reason}"
        ) from None
    if info.samplerate <= 0 or info.channels <= 0:
        raise ValueError(
            f"{path}: {info.format} file with {info.channels} channels at {info.samplerate} Hz"
        )
    return int(info.samplerate), int(info.channels), str(info.format)


def audio_rate(path: str | Path) -> int:
    """The sample rate of an audio file, Hz, from its header; ValueError if unreadable."""
    if _is_wav(path):
        return wav_info(path).rate
    return _soundfile_info(path)[0]


def iter_audio(path: str | Path, chunk_s: float = 30.0) -> Iterator[np.ndarray]:
    """The first channel of an audio file in float32 pieces of ``chunk_s`` seconds (bounded
    in memory whatever the header claims); ValueError if unreadable."""
    if _is_wav(path):
        yield from iter_wav(path, chunk_s=chunk_s)
        return
    import soundfile

    rate, _, _ = _soundfile_info(path)
    block = max(1, min(int(chunk_s * rate), _BLOCK_FRAMES_MAX))
    try:
        for piece in soundfile.blocks(str(path), blocksize=block, dtype="float32", always_2d=True):
            yield np.ascontiguousarray(piece[:, 0])
    except (RuntimeError, TypeError, ValueError) as exc:
        raise ValueError(
            f"{path}: damaged audio: {str(exc).splitlines()[0] if str(exc) else exc!r}"
        ) from None


def read_audio(path: str | Path) -> tuple[np.ndarray, int]:
    """``(samples, rate_hz)`` of the first channel of an audio file; ValueError if unreadable."""
    rate = audio_rate(path)
    pieces = list(iter_audio(path))
    return (np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.float32)), rate

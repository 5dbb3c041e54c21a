"""File faces of the modem, for the ``picodragon modem mod|demod`` verbs.

``modulate_file`` reads frames (AX.25 octets without FCS) from a KISS stream (the file starts
with FEND, 0xC0) or from text with one frame in hex a line (blank lines and ``#`` comments
skipped), and writes one AFSK transmission as a 16-bit mono WAV. ``demodulate_file`` returns
one dict a frame: ``hex`` (AX.25 octets without FCS), ``source``, ``destination``, ``info``
(Latin-1 text, lossless), plus ``time_s`` (end of the frame in the file) and ``fixed``.
Bad input raises ``ValueError`` with one clear line; nothing is written then.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from picodragon.link import afsk, ax25, kiss
from picodragon.link.demod import (
    DEFAULT_VARIANTS,
    FAST_VARIANTS,
    StreamingDemodulator,
    check_sample_rate,
)
from picodragon.link.wavio import iter_wav, wav_rate, write_wav

__all__ = ["demodulate_file", "frame_record", "modulate_file", "read_frames"]


def read_frames(in_path: str | Path) -> list[bytes]:
    """Frames from a KISS stream or a hex-per-line text file; ValueError if neither."""
    raw = Path(in_path).read_bytes()
    if raw[:1] == b"\xc0":
        decoder = kiss.KissDecoder()
        frames = [f.payload for f in decoder.feed(raw) if f.command == kiss.DATA and f.payload]
        if not frames:
            raise ValueError(f"{in_path}: no KISS data frames found")
        return frames
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        raise ValueError(f"{in_path}: neither a KISS stream nor hex text") from None
    frames = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.split("#", 1)[0].strip().replace(" ", "")
        if not line:
            continue
        try:
            frames.append(bytes.fromhex(line))
        except ValueError:
            raise ValueError(f"{in_path}:{number}: not a hex frame: {line[:40]!r}") from None
    if not frames:
        raise ValueError(f"{in_path}: no frames found")
    return frames


def modulate_file(
    in_path: str | Path, out_path: str | Path, sample_rate: int = 44100, emphasis: bool = False
) -> int:
    """Write the frames of ``in_path`` as AFSK 1200 audio to ``out_path``; the frame count."""
    if not 8000 <= sample_rate <= 192000:
        raise ValueError(f"sample rate must be 8000 to 192000 Hz, got {sample_rate}")
    frames = read_frames(in_path)
    audio = afsk.modulate(frames, sample_rate=sample_rate, emphasis=emphasis)
    out = Path(out_path)
    fd, tmp = tempfile.mkstemp(dir=out.parent if str(out.parent) else ".", suffix=".wav.part")
    os.close(fd)
    try:
        write_wav(tmp, audio, sample_rate)
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return len(frames)


def frame_record(data: bytes) -> dict[str, object]:
    """The JSON record of one received frame (``source`` etc. ``None`` if not AX.25 UI)."""
    frame = ax25.decode(data)
    if isinstance(frame, ax25.Frame):
        return {
            "hex": data.hex(),
            "source": str(frame.source),
            "destination": str(frame.destination),
            "info": frame.info.decode("latin-1"),
        }
    return {"hex": data.hex(), "source": None, "destination": None, "info": None}


def demodulate_file(
    wav_path: str | Path, fix: bool = False, fast: bool = False
) -> list[dict[str, object]]:
    """Frames found in a WAV file, in order; ValueError (one line) if the file cannot be read
    or its sample rate cannot carry AFSK 1200 (checked from the header, before any audio is
    read: see :func:`~picodragon.link.demod.minimum_sample_rate`).

    ``fix`` turns on FCS-checked repair; ``fast`` uses the five-variant demodulator (about
    1.7 times faster). The file is read and demodulated 30 s at a time, so memory stays
    bounded on long files.
    """
    found_frames = []
    rate = wav_rate(wav_path)
    try:
        check_sample_rate(rate)
    except ValueError as exc:
        raise ValueError(f"{wav_path}: {exc}") from None
    try:
        variants = FAST_VARIANTS if fast else DEFAULT_VARIANTS
        stream = StreamingDemodulator(rate, block_s=30.0, fix=fix, variants=variants)
        for chunk in iter_wav(wav_path, chunk_s=30.0):
            found_frames += stream.feed(chunk)
        found_frames += stream.flush()
    except OSError as exc:  # the file went away or failed while being read
        raise ValueError(f"{wav_path}: cannot read WAV: {exc}") from None
    records = []
    for found in found_frames:
        record = frame_record(found.data)
        record["time_s"] = round(found.end_sample / rate, 4)
        record["fixed"] = found.fixed
        records.append(record)
    return records

"""File faces of the modems, for the ``picodragon modem mod|demod`` verbs.

Modes (``MODES``): ``afsk1200`` (Bell 202 AFSK, the default), ``g3ruh9600`` and ``g3ruh4800``
(G3RUH scrambled FSK, :mod:`picodragon.link.g3ruh`); ``demodulate_file`` also takes ``auto``,
which tries every mode the file's sample rate can carry.

``modulate_file`` reads frames (AX.25 octets without FCS) from a KISS stream (the file starts
with FEND, 0xC0) or from text with one frame in hex a line (blank lines and ``#`` comments
skipped), and writes one transmission as a 16-bit mono WAV. ``demodulate_file`` reads WAV, or
any other audio libsndfile reads (OGG, FLAC: :mod:`picodragon.link.audio`), and returns one
dict a frame: ``hex`` (AX.25 octets without FCS), ``source``, ``destination``, ``info``
(Latin-1 text, lossless), plus ``time_s`` (end of the frame in the file) and ``fixed``. A frame
whose FCS is good but whose addresses bend AX.25 (AO-27's SSID octets without the reserved
bits) is shown with its addresses as they are, plus ``oddities`` (a list of phrases; the key is
there only then). In ``auto`` each record also says its ``mode``.
Bad input raises ``ValueError`` with one clear line; nothing is written then.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from picodragon.link import afsk, ax25, g3ruh, kiss
from picodragon.link.audio import audio_rate, iter_audio
from picodragon.link.demod import (
    DEFAULT_VARIANTS,
    FAST_VARIANTS,
    DecodedFrame,
    StreamingDemodulator,
    check_sample_rate,
)
from picodragon.link.wavio import write_wav

__all__ = [
    "MODES",
    "demodulate_file",
    "demodulate_stream",
    "frame_record",
    "modulate_file",
    "read_frames",
]

MODES: dict[str, float] = {"afsk1200": 1200.0, "g3ruh9600": 9600.0, "g3ruh4800": 4800.0}
"""The modem modes and their bit rates, bit/s."""


def _check_mode(mode: str, auto: bool = False) -> None:
    if mode not in MODES and not (auto and mode == "auto"):
        names = ", ".join([*MODES, *(["auto"] if auto else [])])
        raise ValueError(f"unknown modem mode {mode!r}: one of {names}")


def check_rate(sample_rate: float, mode: str) -> int:
    """``sample_rate`` as an int if it can carry ``mode``, else ValueError (one line)."""
    _check_mode(mode)
    if mode == "afsk1200":
        return check_sample_rate(sample_rate)
    return g3ruh.check_sample_rate(sample_rate, MODES[mode])


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
    in_path: str | Path,
    out_path: str | Path,
    sample_rate: int = 44100,
    emphasis: bool = False,
    mode: str = "afsk1200",
) -> int:
    """Write the frames of ``in_path`` as ``mode`` audio to ``out_path``; the frame count.
    ``emphasis`` (pre-emphasis into an FM transmitter) applies to AFSK only: G3RUH goes into
    the transmitter's modulator directly."""
    if not 8000 <= sample_rate <= 192000:
        raise ValueError(f"sample rate must be 8000 to 192000 Hz, got {sample_rate}")
    check_rate(sample_rate, mode)
    frames = read_frames(in_path)
    if mode == "afsk1200":
        audio = afsk.modulate(frames, sample_rate=sample_rate, emphasis=emphasis)
    else:
        audio = g3ruh.modulate(frames, sample_rate=sample_rate, baud=MODES[mode])
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
    """The JSON record of one received frame (``source`` etc. ``None`` if not AX.25 UI;
    ``oddities`` only if the addresses bend AX.25)."""
    frame = ax25.decode(data, strict=False)
    if isinstance(frame, ax25.Frame):
        record: dict[str, object] = {
            "hex": data.hex(),
            "source": str(frame.source),
            "destination": str(frame.destination),
            "info": frame.info.decode("latin-1"),
        }
        if frame.oddities:
            record["oddities"] = list(frame.oddities)
        return record
    return {"hex": data.hex(), "source": None, "destination": None, "info": None}


def demodulate_file(
    wav_path: str | Path, fix: bool = False, fast: bool = False, mode: str = "afsk1200"
) -> list[dict[str, object]]:
    """Frames found in an audio file, in order; ValueError (one line) if the file cannot be
    read or its sample rate cannot carry ``mode`` (checked from the header, before any audio
    is read: see :func:`~picodragon.link.demod.minimum_sample_rate` and
    :func:`~picodragon.link.g3ruh.minimum_sample_rate`).

    ``mode``: one of ``MODES`` or ``"auto"`` (every mode the rate can carry, frames in time
    order, each with its ``mode``). ``fix`` turns on FCS-checked repair and ``fast`` uses the
    five-variant demodulator (about 1.7 times faster), both for AFSK only. The file is read and
    demodulated 30 s at a time, so memory stays bounded on long files.
    """
    _check_mode(mode, auto=True)
    rate = audio_rate(wav_path)
    if mode == "auto":
        modes = []
        for name in MODES:
            try:
                check_rate(rate, name)
            except ValueError:
                continue
            modes.append(name)
        if not modes:
            try:
                check_rate(rate, "afsk1200")  # the lowest minimum: its message says why
            except ValueError as exc:
                raise ValueError(f"{wav_path}: {exc}") from None
        records = []
        for name in modes:
            for record in _demodulate(wav_path, rate, fix, fast, name):
                record["mode"] = name
                records.append(record)
        return sorted(records, key=lambda r: float(r["time_s"]))  # type: ignore[arg-type]
    try:
        check_rate(rate, mode)
    except ValueError as exc:
        raise ValueError(f"{wav_path}: {exc}") from None
    return _demodulate(wav_path, rate, fix, fast, mode)


def demodulate_stream(
    pieces: Iterable[np.ndarray], rate: int, mode: str, fix: bool = False, fast: bool = False
) -> list[DecodedFrame]:
    """Frames in audio that comes in ``pieces`` at ``rate`` (Hz, one the mode can carry),
    demodulated 30 s at a time (memory bounded on long inputs); ``fix`` and ``fast`` for AFSK
    as in :func:`demodulate_file`. The IQ path (:mod:`picodragon.link.iq`) feeds it too."""
    if mode == "afsk1200":
        variants = FAST_VARIANTS if fast else DEFAULT_VARIANTS
        stream = StreamingDemodulator(rate, block_s=30.0, fix=fix, variants=variants)
    else:
        demodulator = g3ruh.G3ruhDemodulator(rate, MODES[mode])
        stream = StreamingDemodulator(rate, block_s=30.0, history_s=1.0, demodulator=demodulator)
    found: list[DecodedFrame] = []
    for piece in pieces:
        found += stream.feed(piece)
    return found + stream.flush()


def _demodulate(
    wav_path: str | Path, rate: int, fix: bool, fast: bool, mode: str
) -> list[dict[str, object]]:
    try:
        found_frames = demodulate_stream(iter_audio(wav_path, chunk_s=30.0), rate, mode, fix, fast)
    except OSError as exc:  # the file went away or failed while being read
        raise ValueError(f"{wav_path}: cannot read audio: {exc}") from None
    records = []
    for found in found_frames:
        record = frame_record(found.data)
        record["time_s"] = round(found.end_sample / rate, 4)
        record["fixed"] = found.fixed
        records.append(record)
    return records

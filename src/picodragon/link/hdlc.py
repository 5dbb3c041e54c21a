"""HDLC framing as AX.25 uses it on air: flags, bit stuffing, NRZI (ISO/IEC 13239; AX.25 v2.2
sections 3.1-3.9).

Octets go out least significant bit first. Between the 0x7E flags, a 0 is inserted after every
five consecutive 1s so that no frame content can look like a flag (six 1s) or an abort (seven
or more 1s). NRZI then maps a 0 to a change of tone and a 1 to no change, so the receiver needs
no absolute polarity. The FCS (low octet first) sits just before the closing flag.

Everything here works on numpy arrays of bits (``uint8`` 0/1), vectorised over a whole buffer.
"""

from __future__ import annotations

import numpy as np

from picodragon.link.fcs import append_fcs, check_fcs

__all__ = [
    "FLAG_BITS",
    "bits_to_octets",
    "deframe",
    "destuff",
    "encode",
    "frames_from_bits",
    "nrzi_decode",
    "nrzi_encode",
    "octets_to_bits",
    "stuff",
]

FLAG = 0x7E
FLAG_BITS = np.array([0, 1, 1, 1, 1, 1, 1, 0], dtype=np.uint8)
MIN_FRAME_OCTETS = 18
"""Shortest AX.25 UI frame on air: two addresses (14), control, PID, FCS (2)."""


def octets_to_bits(data: bytes) -> np.ndarray:
    """Octets to bits, least significant bit of each octet first (AX.25 v2.2 section 3.8)."""
    return np.unpackbits(np.frombuffer(bytes(data), dtype=np.uint8), bitorder="little")


def bits_to_octets(bits: np.ndarray) -> bytes:
    """Inverse of :func:`octets_to_bits`; the bit count must be a multiple of 8."""
    return np.packbits(np.asarray(bits, dtype=np.uint8), bitorder="little").tobytes()


def _ones_run(bits: np.ndarray) -> np.ndarray:
    """For each position, how many consecutive 1s end there (0 where the bit is 0)."""
    bits = np.asarray(bits, dtype=np.int64)
    idx = np.arange(len(bits))
    last_zero = np.maximum.accumulate(np.where(bits == 0, idx, -1))
    return np.where(bits == 1, idx - last_zero, 0)


def stuff(bits: np.ndarray) -> np.ndarray:
    """Insert a 0 after every run of five 1s."""
    bits = np.asarray(bits, dtype=np.uint8)
    run = _ones_run(bits)
    after = np.flatnonzero((run > 0) & (run % 5 == 0)) + 1
    return np.insert(bits, after, 0)


def destuff(bits: np.ndarray) -> np.ndarray | None:
    """Remove the 0 after each five 1s; ``None`` if six 1s in a row (a flag or abort) appear."""
    bits = np.asarray(bits, dtype=np.uint8)
    run = _ones_run(bits)
    if len(run) and run.max() >= 6:
        return None
    stuffed = np.flatnonzero(run == 5) + 1
    stuffed = stuffed[stuffed < len(bits)]
    return np.delete(bits, stuffed)


def encode(frame: bytes, preamble_flags: int = 1, postamble_flags: int = 1) -> np.ndarray:
    """On-air data bits (before NRZI) of an AX.25 frame given WITHOUT its FCS."""
    body = stuff(octets_to_bits(append_fcs(frame)))
    return np.concatenate(
        [np.tile(FLAG_BITS, preamble_flags), body, np.tile(FLAG_BITS, max(postamble_flags, 1))]
    )


def nrzi_encode(bits: np.ndarray, level: int = 1) -> np.ndarray:
    """Line levels (0/1): a 0 bit toggles the level, a 1 keeps it. ``level`` is the prior level."""
    toggles = np.cumsum(1 - np.asarray(bits, dtype=np.int64))
    return ((level + toggles) & 1).astype(np.uint8)


def nrzi_decode(levels: np.ndarray, level: int = 1) -> np.ndarray:
    """Data bits from line levels: 1 where the level repeats, 0 where it changes."""
    levels = np.asarray(levels, dtype=np.uint8)
    previous = np.concatenate([[np.uint8(level)], levels[:-1]])
    return (levels == previous).astype(np.uint8)


def flag_positions(bits: np.ndarray) -> np.ndarray:
    """Indices where a 0x7E flag starts in a bit array."""
    bits = np.asarray(bits, dtype=np.uint8)
    if len(bits) < 8:
        return np.zeros(0, dtype=np.int64)
    windows = np.lib.stride_tricks.sliding_window_view(bits, 8)
    value = windows @ (1 << np.arange(8))
    return np.flatnonzero(value == FLAG)


def deframe(bits: np.ndarray, min_octets: int = MIN_FRAME_OCTETS) -> list[bytes]:
    """Every flag-delimited, destuffed, whole-octet candidate (FCS still attached, unchecked)."""
    flags = flag_positions(bits)
    candidates: list[bytes] = []
    for start, stop in zip(flags[:-1] + 8, flags[1:], strict=False):
        if stop - start < 8 * min_octets:
            continue
        body = destuff(bits[start:stop])
        if body is None or len(body) % 8 or len(body) < 8 * min_octets:
            continue
        candidates.append(bits_to_octets(body))
    return candidates


def frames_from_bits(bits: np.ndarray) -> list[bytes]:
    """Frames (without FCS) whose FCS checks, from on-air data bits (after NRZI decoding)."""
    frames = []
    for candidate in deframe(bits):
        checked = check_fcs(candidate)
        if isinstance(checked, bytes):
            frames.append(checked)
    return frames

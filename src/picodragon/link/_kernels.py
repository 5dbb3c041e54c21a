"""Compiled inner loops of the modems (numba): clock recovery, descrambling, HDLC deframing,
and the G3RUH scrambler.

These run once per sample and once per bit, so they are the only sequential code of the modems;
everything around them is vectorised numpy. They take and return plain arrays.
"""

from __future__ import annotations

import numpy as np
from numba import njit

MIN_OCTETS = 18  # two addresses, control, PID, FCS
MAX_OCTETS = 400  # 8 digipeaters, 256 octets of info and FCS fit with room

_CRC_TABLE = np.zeros(256, dtype=np.uint16)
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ 0x8408 if _c & 1 else _c >> 1
    _CRC_TABLE[_i] = _c


@njit(cache=True, nogil=True)
def _residue(buf: np.ndarray, start: int, length: int, table: np.ndarray) -> int:
    crc = 0xFFFF
    for i in range(start, start + length):
        crc = (crc >> 8) ^ table[(crc ^ buf[i]) & 0xFF]
    return crc


@njit(cache=True, nogil=True)
def pll_hdlc(
    d: np.ndarray,
    step: float,
    gain_locked: float,
    gain_search: float,
    table: np.ndarray,
    scrambled: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """Recover bits from the soft demodulator output ``d`` (> 0: mark) and deframe HDLC.

    ``scrambled``: the line levels went through the G3RUH scrambler (1 + x^12 + x^17) after
    NRZI, so each sampled level is descrambled (XOR with the levels 12 and 17 bits before it,
    self-synchronising after 17 bits) before NRZI decoding.

    ``step`` is bits per sample. The bit clock is a phase accumulator (in bits) sampled at each
    wrap (mid-bit); each zero crossing of ``d``, located to a fraction of a sample by linear
    interpolation, pulls the phase towards 0.5 by ``gain`` times the error (a first-order
    digital PLL, as in Direwolf's demod_afsk.c, with interpolation added).

    Returns the candidate frames, octet-aligned and 18 to 400 octets long with their FCS:
    ``(octets, starts, lengths, end_samples, residues, reliabilities, count)``; residue 0xF0B8
    means a good FCS. ``reliabilities`` holds, for every data bit of every candidate (at
    ``8 * start``), the smaller magnitude of the two soft samples its NRZI value came from:
    the bits a fixer should doubt first.
    """
    n = d.shape[0]
    cap = int(n * step / 144.0) + 4
    octets = np.zeros(int(n * step / 8.0) + MAX_OCTETS + 8, dtype=np.uint8)
    reliabilities = np.zeros(octets.shape[0] * 8, dtype=np.float32)
    frame_rel = np.zeros(MAX_OCTETS * 8 + 8, dtype=np.float32)
    last_value = 0.0
    starts = np.zeros(cap, dtype=np.int64)
    lengths = np.zeros(cap, dtype=np.int64)
    ends = np.zeros(cap, dtype=np.int64)
    residues = np.zeros(cap, dtype=np.int64)
    count = 0
    used = 0

    frame = np.zeros(MAX_OCTETS, dtype=np.uint8)
    phase = 0.0
    prev = d[0]
    last_level = 0
    pat = 0
    acc = 0
    nacc = 0
    nbytes = 0
    in_frame = False
    history = 0  # the last 17 sampled line levels, newest in bit 0 (the descrambler's register)
    for i in range(1, n):
        cur = d[i]
        if (cur > 0.0) != (prev > 0.0):
            frac = prev / (prev - cur)
            err = phase + frac * step - 0.5
            err -= np.floor(err + 0.5)
            phase -= (gain_locked if in_frame else gain_search) * err
        nxt = phase + step
        if nxt >= 1.0:
            t = (1.0 - phase) / step
            value = prev + t * (cur - prev)
            level = 1 if value > 0.0 else 0
            if scrambled:
                line = level
                level = (line ^ (history >> 11) ^ (history >> 16)) & 1
                history = ((history << 1) | line) & 0x1FFFF
            bit = 1 if level == last_level else 0
            last_level = level
            rel = min(abs(value), abs(last_value))
            last_value = value
            nxt -= 1.0
            pat = ((pat >> 1) | (bit << 7)) & 0xFF
            if pat == 0x7E:
                if in_frame and nacc == 7 and nbytes >= MIN_OCTETS and count < cap:
                    starts[count] = used
                    lengths[count] = nbytes
                    ends[count] = i
                    octets[used : used + nbytes] = frame[:nbytes]
                    reliabilities[8 * used : 8 * (used + nbytes)] = frame_rel[: 8 * nbytes]
                    residues[count] = _residue(octets, used, nbytes, table)
                    used += nbytes
                    count += 1
                in_frame = True
                nbytes = 0
                acc = 0
                nacc = 0
            elif (pat & 0xFE) == 0xFE:
                in_frame = False
            elif (pat & 0xFC) != 0x7C and in_frame:
                acc |= bit << nacc
                frame_rel[8 * nbytes + nacc] = rel
                nacc += 1
                if nacc == 8:
                    if nbytes < MAX_OCTETS:
                        frame[nbytes] = acc
                        nbytes += 1
                    else:
                        in_frame = False
                    acc = 0
                    nacc = 0
        phase = nxt
        prev = cur
    return octets, starts, lengths, ends, residues, reliabilities, count


@njit(cache=True, nogil=True)
def scramble(bits: np.ndarray) -> np.ndarray:
    """G3RUH's self-synchronising scrambler, 1 + x^12 + x^17 (J. Miller, G3RUH, "9600 baud
    packet radio modem design", 1988): out[n] = in[n] ^ out[n-12] ^ out[n-17], from a zero
    register. The descrambler is the matching feed-forward XOR (see :func:`pll_hdlc`)."""
    out = np.zeros(bits.shape[0], dtype=np.uint8)
    reg = 0  # the last 17 output bits, newest in bit 0
    for i in range(bits.shape[0]):
        x = (bits[i] ^ (reg >> 11) ^ (reg >> 16)) & 1
        out[i] = x
        reg = ((reg << 1) | x) & 0x1FFFF
    return out


CRC_TABLE = _CRC_TABLE

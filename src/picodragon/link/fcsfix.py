"""Repairing frames whose FCS failed, checked by the FCS itself.

CRC-16/X.25 is linear: the syndrome (received residue XOR the good residue 0xF0B8) of an error
pattern is the XOR of the syndromes of its bits, and the syndrome of one flipped bit depends
only on how many bits follow it. So a table of single-bit syndromes by distance from the end
answers "which pattern explains this residue" with lookups, without recomputing any CRC.

- :func:`fix_frame` (hard): one wrong data bit or two adjacent ones, anywhere. Any frame with
  several errors has the syndrome of some such pattern about once in 30 (two patterns a bit of
  frame length out of 65536), so its answers need confirming (the demodulator asks for two
  demodulators to agree).
- :func:`fix_soft` (Chase-style, D. Chase, "A class of algorithms for decoding block codes with
  channel measurement information", IEEE Trans. Inf. Theory, 1972): one or two wrong NRZI line
  bits among the least reliable ones the demodulator reported; about 150 patterns, so a frame
  beyond repair passes by chance with odds near 150 / 65536, before the AX.25 check.
"""

from __future__ import annotations

import numpy as np

from picodragon.link import _kernels

__all__ = ["GOOD_RESIDUE", "fix_frame", "fix_soft"]

GOOD_RESIDUE = 0xF0B8
"""CRC-16/X.25 register after a frame and its own FCS, without the final XOR."""


def _single_syndromes(max_bits: int) -> np.ndarray:
    """Syndrome of one flipped bit by its distance from the end of the frame (bits after it).

    The register after a single 1 followed by k zeros, starting from 0: the linear part of the
    CRC, so the syndrome of any error pattern is the XOR of those of its bits.
    """
    single = np.zeros(max_bits + 1, dtype=np.int64)
    reg = 0x8408  # one 1 bit into a zero register: feedback 1
    for k in range(max_bits + 1):
        single[k] = reg
        reg = (reg >> 1) ^ 0x8408 if reg & 1 else reg >> 1
    return single


_MAX_BITS = 8 * _kernels.MAX_OCTETS
_SYNDROME = _single_syndromes(_MAX_BITS)
_SINGLE = {int(_SYNDROME[k]): k for k in range(_MAX_BITS - 1, -1, -1)}
_PAIR = {int(_SYNDROME[k] ^ _SYNDROME[k + 1]): k for k in range(_MAX_BITS - 1, -1, -1)}


def _flip(octets: bytes, positions: list[int]) -> bytes:
    fixed = bytearray(octets)
    for pos in positions:
        fixed[pos // 8] ^= 1 << (pos % 8)
    return bytes(fixed)


def fix_frame(octets: bytes, residue: int) -> bytes | None:
    """The frame with its FCS (fixed) if one bit or two adjacent bits explain ``residue``."""
    syndrome = residue ^ GOOD_RESIDUE
    nbits = 8 * len(octets)
    for table, width in ((_SINGLE, 1), (_PAIR, 2)):
        k = table.get(syndrome)
        if k is None or k + width > nbits:
            continue
        return _flip(octets, [nbits - 1 - k - j for j in range(width)])
    return None


def fix_soft(
    octets: bytes, residue: int, reliability: np.ndarray, doubtful: int = 8
) -> bytes | None:
    """Chase-style repair with soft information: flip one or two NRZI line bits among the
    ``doubtful`` least reliable ones (a line bit error flips two adjacent data bits, one at the
    frame's edges), and keep the pattern whose CRC syndrome matches. About 150 patterns are
    tried, so a frame that is beyond repair passes by chance with odds near 150 / 65536."""
    syndrome = residue ^ GOOD_RESIDUE
    nbits = 8 * len(octets)
    if len(reliability) != nbits:
        return None
    low = np.argsort(reliability, kind="stable")[:doubtful]
    patterns: list[tuple[int, list[int]]] = []
    for j in sorted({int(p) for p in low}):
        bits = [j, j + 1] if j + 1 < nbits else [j]
        patterns.append(
            (int(np.bitwise_xor.reduce(_SYNDROME[[nbits - 1 - b for b in bits]])), bits)
        )
    for s1, bits in patterns:
        if s1 == syndrome:
            return _flip(octets, bits)
    for i, (s1, b1) in enumerate(patterns):
        for s2, b2 in patterns[i + 1 :]:
            if s1 ^ s2 == syndrome:
                return _flip(octets, b1 + b2)
    return None

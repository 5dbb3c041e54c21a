"""The AX.25 frame check sequence: CRC-16/X.25 (ISO/IEC 13239 HDLC FCS).

Parameters (Williams "A painless guide to CRC error detection"; reveng catalogue name
CRC-16/IBM-SDLC, alias X-25): poly 0x1021 reflected (0x8408), init 0xFFFF, reflected in and out,
final XOR 0xFFFF, check value ``fcs(b"123456789") == 0x906E``. On air the FCS follows the frame
low byte first (AX.25 v2.2 section 3.8).
"""

from __future__ import annotations

import crcmod.predefined
import numpy as np

from picodragon.link.errors import Reason, Rejection

_X25 = crcmod.predefined.mkCrcFun("x-25")  # crcmod-plus, compiled: about 15x the loop below


def _table() -> np.ndarray:
    table = np.zeros(256, dtype=np.uint16)
    for i in range(256):
        crc = i
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
        table[i] = crc
    return table


_TABLE: list[int] = [int(x) for x in _table()]


def fcs(data: bytes) -> int:
    """CRC-16/X.25 of ``data`` as an integer (0..0xFFFF)."""
    return _X25(bytes(data))


def fcs_reference(data: bytes) -> int:
    """The same CRC by a table-driven loop, written from the parameters above (for tests)."""
    crc = 0xFFFF
    table = _TABLE
    for byte in data:
        crc = (crc >> 8) ^ table[(crc ^ byte) & 0xFF]
    return crc ^ 0xFFFF


def append_fcs(data: bytes) -> bytes:
    """``data`` followed by its FCS, low byte first, as transmitted."""
    value = fcs(data)
    return bytes(data) + bytes((value & 0xFF, value >> 8))


def check_fcs(data_with_fcs: bytes) -> bytes | Rejection:
    """The frame without its FCS if the trailing two bytes match, else a ``Rejection``."""
    if len(data_with_fcs) < 3:
        return Rejection(
            Reason.TOO_SHORT, f"{len(data_with_fcs)} bytes cannot hold a frame and FCS"
        )
    body = bytes(data_with_fcs[:-2])
    got = data_with_fcs[-2] | (data_with_fcs[-1] << 8)
    want = fcs(body)
    if got != want:
        return Rejection(Reason.BAD_FCS, f"received {got:#06x}, computed {want:#06x}")
    return body

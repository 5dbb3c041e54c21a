"""FCS: CRC-16/X.25 against the catalogue check value, crcmod and hand-checked frames."""

from __future__ import annotations

import crcmod.predefined
from hypothesis import given
from hypothesis import strategies as st

from picodragon.link.ax25 import append_fcs, check_fcs, fcs
from picodragon.link.errors import Reason, Rejection
from picodragon.link.fcs import fcs_reference

X25 = crcmod.predefined.mkCrcFun("x-25")


def test_check_value() -> None:
    assert fcs(b"123456789") == fcs_reference(b"123456789") == 0x906E
    assert fcs(b"") == fcs_reference(b"") == 0x0000


def test_append_is_little_endian() -> None:
    assert append_fcs(b"123456789") == b"123456789\x6e\x90"


@given(st.binary(max_size=400))
def test_matches_crcmod(data: bytes) -> None:
    assert fcs(data) == fcs_reference(data) == X25(data)


@given(st.binary(min_size=1, max_size=300))
def test_round_trip(data: bytes) -> None:
    assert check_fcs(append_fcs(data)) == data


@given(st.binary(min_size=1, max_size=64), st.data())
def test_single_bit_error_detected(data: bytes, draw: st.DataObject) -> None:
    framed = bytearray(append_fcs(data))
    bit = draw.draw(st.integers(0, 8 * len(framed) - 1))
    framed[bit // 8] ^= 1 << (bit % 8)
    result = check_fcs(bytes(framed))
    assert isinstance(result, Rejection) and result.reason is Reason.BAD_FCS


def test_short_input_rejected() -> None:
    for data in (b"", b"\x00", b"\x00\x00"):
        result = check_fcs(data)
        assert isinstance(result, Rejection) and result.reason is Reason.TOO_SHORT


def test_ax253_fcs_is_not_the_ax25_fcs() -> None:
    """ax253's FCS class feeds bits most significant first; AX.25 sends LSB first (v2.2 s3.8)."""
    from ax253.fcs import FCS

    theirs = FCS().update(b"123456789").digest()
    assert theirs != append_fcs(b"123456789")[-2:]

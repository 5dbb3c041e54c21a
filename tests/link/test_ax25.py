"""AX.25 UI frames: hand-checked octets, the ax253 oracle, rejections, properties."""

from __future__ import annotations

import ax253
import pytest
from hypothesis import given
from hypothesis import strategies as st

from picodragon.link import ax25
from picodragon.link.ax25 import Address, Frame, decode, encode
from picodragon.link.errors import Reason, Rejection

# Hand-assembled from AX.25 v2.2 s3.12: "CQ" -> 0x86 0xA2 then four spaces (0x40), SSID octet
# 0b1110_0000 (C=1, RR=11, SSID 0, not last); "XV9PID"-1 with C=0, last: 0b0110_0011.
HAND = bytes.fromhex("86a240404040e0b0ac72a092886303f0") + b"hello"


def test_hand_checked_octets() -> None:
    frame = Frame(Address("CQ"), Address("XV9PID", 1), info=b"hello")
    assert encode(frame) == HAND
    assert decode(HAND) == frame


def test_digipeaters_and_bits() -> None:
    frame = Frame(
        Address("APRS"),
        Address("XV9PID", 11),
        (Address("WIDE1", 1, ch=True), Address("WIDE2", 2)),
        control=0x13,
        pid=0xCF,
        info=b"\x00\xff",
    )
    octets = encode(frame)
    assert octets[6] == 0xE0  # destination: C=1, not last
    assert octets[13] == 0x60 | (11 << 1)  # source: C=0, not last
    assert octets[20] == 0x80 | 0x60 | (1 << 1)  # repeated, not last
    assert octets[27] == 0x60 | (2 << 1) | 1  # last address
    back = decode(octets)
    assert back == frame
    assert encode(back) == octets
    assert ax25.to_text(back) == "XV9PID-11>APRS,WIDE1-1*,WIDE2-2:" + "\x00\xff"


@pytest.mark.parametrize(
    ("dest", "src", "path", "info"),
    [
        ("CQ", "XV9PID", [], b"PICO DRAGON VIETNAM"),
        ("APZ123", "N0CALL-15", ["WIDE1-1"], b"x" * 200),
        ("BEACON", "A1B-3", ["WIDE1-1", "WIDE2-1"], bytes(range(256))[:250]),
    ],
)
def test_against_ax253_oracle(dest: str, src: str, path: list[str], info: bytes) -> None:
    theirs = ax253.Frame.ui(destination=dest, source=src, path=path, info=info)
    octets = bytes(theirs)
    ours = decode(octets)
    assert isinstance(ours, Frame)
    assert str(ours.destination) == str(theirs.destination)
    assert str(ours.source) == str(theirs.source)
    assert [str(d) for d in ours.digipeaters] == [str(p) for p in theirs.path]
    assert ours.info == info and ours.control == 0x03 and ours.pid == 0xF0
    assert encode(ours) == octets
    # and the other way: ax253 parses what we encode
    back = ax253.Frame.from_bytes(encode(ours))
    assert str(back) == str(theirs)


addresses = st.builds(
    Address,
    st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=6),
    st.integers(0, 15),
    st.sampled_from([None, True, False]),
    st.integers(0, 3),
)
frames = st.builds(
    Frame,
    addresses,
    addresses,
    st.lists(addresses, max_size=2).map(tuple),
    st.sampled_from([0x03, 0x13]),
    st.integers(0, 255),
    st.binary(max_size=256),
)


@given(frames)
def test_round_trip(frame: Frame) -> None:
    octets = encode(frame)
    back = decode(octets)
    assert back == frame
    assert encode(back) == octets
    theirs = ax253.Frame.from_bytes(octets)
    assert bytes(theirs.info) == frame.info


@given(st.binary(max_size=400))
def test_random_bytes_never_raise(data: bytes) -> None:
    result = decode(data)
    assert isinstance(result, Frame | Rejection)
    if isinstance(result, Frame):
        assert encode(result) == data


@pytest.mark.parametrize(
    ("octets", "reason"),
    [
        (b"", Reason.TOO_SHORT),
        (HAND[:15], Reason.TOO_SHORT),
        (bytes([0x86 | 1]) + HAND[1:], Reason.BAD_ADDRESS),
        (bytes([ord("c") << 1]) + HAND[1:], Reason.BAD_CALLSIGN),
        (b"\x40" * 6 + HAND[6:], Reason.BAD_CALLSIGN),
        (HAND[:6] + b"\xe1" + HAND[7:], Reason.BAD_ADDRESS),
        (HAND[:13] + b"\x62" + b"\x40" * 4, Reason.NO_ADDRESS_END),
        (HAND[:14] + b"\x3f\xf0", Reason.NOT_UI),
        (HAND + b"y" * 300, Reason.TOO_LONG),
    ],
)
def test_rejections(octets: bytes, reason: Reason) -> None:
    result = decode(octets)
    assert isinstance(result, Rejection), result
    assert result.reason is reason


def test_three_digipeaters_rejected_unless_allowed() -> None:
    digis = b"".join(Address("WIDE", i).to_bytes(last=i == 3, default_ch=False) for i in (1, 2, 3))
    octets = HAND[:13] + bytes([HAND[13] & 0xFE]) + digis + b"\x03\xf0"
    result = decode(octets)
    assert isinstance(result, Rejection) and result.reason is Reason.TOO_MANY_DIGIPEATERS
    assert isinstance(decode(octets, max_digipeaters=8), Frame)


def test_not_bytes() -> None:
    result = decode("text")  # type: ignore[arg-type]
    assert isinstance(result, Rejection) and result.reason is Reason.NOT_BYTES


@pytest.mark.parametrize(
    "kwargs",
    [
        {"callsign": ""},
        {"callsign": "TOOLONG"},
        {"callsign": "xv9pid"},
        {"callsign": "XV-9"},
        {"callsign": "XV9PID", "ssid": 16},
    ],
)
def test_bad_addresses_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Address(**kwargs)  # type: ignore[arg-type]


def test_address_parse() -> None:
    assert Address.parse("xv9pid-1") == Address("XV9PID", 1)
    assert Address.parse("WIDE1-1*").ch is True
    with pytest.raises(ValueError):
        Address.parse("A-B")


def test_frame_rules() -> None:
    a = Address("A")
    with pytest.raises(ValueError):
        Frame(a, a, (a,) * 9)
    with pytest.raises(ValueError):
        Frame(a, a, control=0x00)
    with pytest.raises(ValueError):
        Frame(a, a, pid=256)


def test_text_form_round_trip() -> None:
    text = "XV9PID-1>APRS,WIDE1-1*,WIDE2-2:!2102.82N/10548.00E-"
    frame = ax25.from_text(text)
    assert ax25.to_text(frame) == text
    assert frame.digipeaters[0].ch is True and frame.digipeaters[1].ch is None
    theirs = ax253.Frame.from_str(text)
    assert str(theirs) == text
    for bad in ("no arrow:x", "A>:x", "A>B", "a b>C:x"):
        with pytest.raises(ValueError):
            ax25.from_text(bad)


# --- bent addresses, as real satellites send them (AO-27) ------------------------------------

AO27 = bytes.fromhex("9c68aaa6924000829e646e40a80103f04ed02218")
"""A frame AO-27 sent (../shared/recordings/ao27.wav): SSID octets 0x00 and 0x01, without the
reserved bits, and a space inside the source callsign."""


def test_strict_decode_refuses_bent_addresses() -> None:
    assert isinstance(ax25.decode(AO27), Rejection)


def test_lenient_decode_keeps_them_as_they_are_and_names_the_oddities() -> None:
    frame = ax25.decode(AO27, strict=False)
    assert isinstance(frame, ax25.Frame)
    assert (frame.source.callsign, str(frame.destination)) == ("AO27 T", "N4USI")
    assert frame.source.reserved == 0 and frame.destination.reserved == 0
    assert frame.oddities == (
        "destination SSID octet 0x00 without the reserved bits",
        "source callsign 'AO27 T' outside A-Z 0-9",
        "source SSID octet 0x01 without the reserved bits",
    )
    assert ax25.encode(frame) == AO27  # as it arrived, byte for byte
    assert ax25.to_text(frame).startswith("AO27 T>N4USI:")


def test_lenient_decode_of_a_standard_frame_has_no_oddities() -> None:
    data = ax25.encode(ax25.Frame(ax25.Address("CQ"), ax25.Address("XV9PID", 3), info=b"x"))
    frame = ax25.decode(data, strict=False)
    assert isinstance(frame, ax25.Frame) and frame.oddities == ()
    assert frame == ax25.decode(data)


def test_lenient_decode_still_refuses_broken_structure() -> None:
    broken = bytearray(AO27)
    broken[0] |= 1  # extension bit inside a callsign
    assert isinstance(ax25.decode(bytes(broken), strict=False), Rejection)
    unprintable = bytearray(AO27)
    unprintable[0] = 0x02  # a control character as the first callsign character
    assert isinstance(ax25.decode(bytes(unprintable), strict=False), Rejection)
    empty = bytes([0x40] * 6 + [0x60]) + AO27[7:]  # an all-space callsign is named, not refused
    frame = ax25.decode(empty, strict=False)
    assert isinstance(frame, ax25.Frame) and "destination callsign empty" in frame.oddities

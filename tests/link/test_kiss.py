"""KISS framing: hand-checked vectors, the kiss3 oracle, streaming in arbitrary chunks."""

from __future__ import annotations

import kiss as kiss3
import pytest
from hypothesis import given
from hypothesis import strategies as st

from picodragon.link import kiss
from picodragon.link.kiss import KissDecoder, KissFrame


def test_hand_vectors() -> None:
    assert kiss.encode(b"AB") == b"\xc0\x00AB\xc0"
    assert kiss.encode(b"\xc0\xdb", port=1) == b"\xc0\x10\xdb\xdc\xdb\xdd\xc0"
    assert kiss.encode(b"\x32", command=kiss.TX_DELAY) == b"\xc0\x01\x32\xc0"
    assert kiss.encode(b"", port=12) == b"\xc0\xdb\xdc\xc0"  # type octet 0xC0 is escaped


def test_bad_port_or_command() -> None:
    with pytest.raises(ValueError):
        kiss.encode(b"", port=16)
    with pytest.raises(ValueError):
        kiss.encode(b"", command=16)


@given(st.binary(max_size=300))
def test_escape_matches_kiss3(data: bytes) -> None:
    assert kiss.escape(data) == kiss3.util.escape_special_codes(data)


@given(st.lists(st.binary(min_size=1, max_size=200), max_size=6))
def test_kiss3_decodes_ours(payloads: list[bytes]) -> None:
    stream = b"".join(kiss.encode(p) for p in payloads)
    decoder = kiss3.KISSDecode(strip_df_start=False)  # theirs strips every leading 0x00
    assert list(decoder.update(stream)) == [b"\x00" + p for p in payloads]


@given(
    st.lists(
        st.tuples(st.binary(max_size=200), st.integers(0, 15), st.integers(0, 15)), max_size=8
    ),
    st.lists(st.integers(1, 50), min_size=1, max_size=20),
)
def test_streaming_round_trip(frames: list[tuple[bytes, int, int]], cuts: list[int]) -> None:
    stream = b"".join(kiss.encode(p, port, cmd) for p, port, cmd in frames)
    decoder = KissDecoder()
    got: list[KissFrame] = []
    pos, i = 0, 0
    while pos < len(stream):
        step = cuts[i % len(cuts)]
        got += decoder.feed(stream[pos : pos + step])
        pos += step
        i += 1
    assert got == [KissFrame(port, cmd, p) for p, port, cmd in frames]


@given(st.binary(max_size=2000))
def test_random_bytes_never_raise(data: bytes) -> None:
    decoder = KissDecoder(max_frame=256)
    for frame in decoder.feed(data):
        assert 0 <= frame.port <= 15 and 0 <= frame.command <= 15
        assert len(frame.payload) <= 256


def test_back_to_back_and_noise() -> None:
    decoder = KissDecoder()
    frames = decoder.feed(b"garbage\xc0\xc0\xc0\x00one\xc0\xc0\x00two\xc0\x00par")
    assert [f.payload for f in frames] == [b"one", b"two"]
    assert decoder.feed(b"tial\xc0") == [KissFrame(0, 0, b"partial")]


def test_invalid_escape_and_overflow() -> None:
    decoder = KissDecoder(max_frame=10)
    assert decoder.feed(b"\xc0\x00a\xdbzb\xc0") == [KissFrame(0, 0, b"azb")]
    assert decoder.feed(b"\xc0\x00" + b"x" * 100 + b"\xc0\xc0\x00ok\xc0") == [
        KissFrame(0, 0, b"ok")
    ]
    assert decoder.dropped == 1

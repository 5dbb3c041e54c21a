"""Hostile input to the link room's byte decoders: KISS and AX.25 (issue 11).

Each property runs with the standing suite's case count (``@hostile``: 3,000 by default,
``PICODRAGON_FUZZ_EXAMPLES`` under ``make fuzz``). Promises kept on every case:

- KISS: the decoder never raises, finds the same frames and rejections however the stream is
  chunked, round-trips whatever :func:`kiss.encode` makes, and holds at most about twice
  ``max_frame`` octets of an unfinished frame (a 10 MB random stream proves the bound at scale);
- AX.25: ``decode`` gives a Frame or a typed Rejection on any octets and on mutated valid
  frames, and a Frame re-encodes to the very octets it came from.

The bit-level decoders (HDLC, AFSK) are in ``test_link_bits.py``, the audio ones (WAV, CW) in
``test_link_audio.py``. Nothing here times anything; every loop is bounded by its input.
"""

from __future__ import annotations

import os

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from picodragon.link import ax25, kiss
from picodragon.link.errors import Rejection
from picodragon.link.kiss import KissDecoder, KissFrame
from tests.hostile.fuzz import FUZZ_EXAMPLES, hostile

# --- KISS --------------------------------------------------------------------------------------

# streams rich in the octets that matter: FEND, FESC, TFEND, TFESC, and type octets
_kiss_octet = st.one_of(
    st.sampled_from([0xC0, 0xDB, 0xDC, 0xDD, 0x00, 0x10, 0xFF]), st.integers(0, 255)
)
_kiss_stream = st.one_of(
    st.binary(max_size=3000), st.lists(_kiss_octet, max_size=600).map(bytes)
)


def _decode_in_pieces(data: bytes, cuts: list[int], max_frame: int) -> tuple[list[KissFrame], KissDecoder]:
    decoder = KissDecoder(max_frame=max_frame)
    frames: list[KissFrame] = []
    pos, i = 0, 0
    while pos < len(data):  # bounded: every step advances by at least one octet
        step = cuts[i % len(cuts)] if cuts else len(data)
        frames += decoder.feed(data[pos : pos + step])
        assert len(decoder._buffer) <= 2 * max_frame + 2
        pos += step
        i += 1
    return frames, decoder


@hostile
@given(_kiss_stream, st.lists(st.integers(1, 64), max_size=30), st.sampled_from([8, 64, 65536]))
def test_kiss_any_stream_any_chunking(data: bytes, cuts: list[int], max_frame: int) -> None:
    whole, one = _decode_in_pieces(data, [], max_frame)
    pieces, many = _decode_in_pieces(data, cuts, max_frame)
    assert pieces == whole
    assert (many.dropped, many.rejected) == (one.dropped, one.rejected)
    assert sum(one.rejected.values()) == one.dropped
    for frame in whole:
        assert 0 <= frame.port <= 15 and 0 <= frame.command <= 15
        assert len(frame.payload) <= max_frame


@hostile
@given(
    st.lists(
        st.tuples(st.binary(max_size=200), st.integers(0, 15), st.integers(0, 15)), max_size=6
    ),
    st.lists(st.integers(0, 3), min_size=6, max_size=6),
    st.lists(st.integers(1, 40), min_size=1, max_size=10),
)
def test_kiss_round_trip(
    frames: list[tuple[bytes, int, int]], extra_fends: list[int], cuts: list[int]
) -> None:
    stream = b"".join(
        b"\xc0" * extra_fends[i] + kiss.encode(p, port, cmd)
        for i, (p, port, cmd) in enumerate(frames)
    )
    got, decoder = _decode_in_pieces(stream, cuts, 65536)
    assert got == [KissFrame(port, cmd, p) for p, port, cmd in frames]
    assert decoder.dropped == 0


def test_kiss_10_mb_random_stream() -> None:
    """10 MB of seeded random octets, with extra FEND/FESC sprinkled in and one 1 MB stretch
    without any FEND, fed in random chunks: no exception, an unfinished frame never holds more
    than about twice ``max_frame``, every over-long frame is rejected and counted."""
    rng = np.random.default_rng(20131119)
    data = rng.integers(0, 256, 10 << 20, dtype=np.uint8)
    sprinkle = rng.integers(0, len(data), len(data) // 200)
    data[sprinkle[: len(sprinkle) // 2]] = 0xC0
    data[sprinkle[len(sprinkle) // 2 :]] = 0xDB
    quiet = data[(2 << 20) : (3 << 20)]
    quiet[quiet == 0xC0] = 0x55  # a 1 MB frame: must be dropped, not buffered
    stream = data.tobytes()
    decoder = KissDecoder(max_frame=4096)
    frames = 0
    largest = 0
    pos = 0
    sizes = rng.integers(1, 65536, 2000)
    chunks = 0
    while pos < len(stream):  # bounded: at most len(stream) steps, each advances >= 1 octet
        step = int(sizes[chunks % len(sizes)])
        for frame in decoder.feed(stream[pos : pos + step]):
            frames += 1
            largest = max(largest, len(frame.payload))
        assert len(decoder._buffer) <= 2 * decoder.max_frame + 2
        pos += step
        chunks += 1
    assert frames > 10_000 and largest <= decoder.max_frame
    assert decoder.rejected["too_long"] >= 1  # the 1 MB stretch at least
    assert decoder.dropped == sum(decoder.rejected.values())
    print(
        f"10 MB KISS stream in {chunks} chunks: {frames} frames, "
        f"rejections {dict(decoder.rejected)}"
    )


# --- AX.25 -------------------------------------------------------------------------------------

_call = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=6)
_address = st.builds(ax25.Address, _call, st.integers(0, 15))
FRAMES = st.builds(  # any valid UI frame; shared with test_link_bits.py
    ax25.Frame,
    _address,
    _address,
    st.lists(_address, max_size=2).map(tuple),
    st.sampled_from([0x03, 0x13]),
    st.integers(0, 255),
    st.binary(max_size=256),
)


def _check_ax25(data: bytes) -> None:
    result = ax25.decode(data)
    assert isinstance(result, ax25.Frame | Rejection)
    if isinstance(result, ax25.Frame):
        assert ax25.encode(result) == bytes(data)
        assert len(result.info) <= ax25.MAX_INFO and len(result.digipeaters) <= 2


@hostile
@given(st.binary(max_size=400))
def test_ax25_arbitrary_octets(data: bytes) -> None:
    _check_ax25(data)


def _mutate(data: bytes, edits: list[tuple[int, int, int]]) -> bytes:
    """Apply (kind, position, value) edits: 0 overwrite, 1 flip bits, 2 insert, 3 delete."""
    out = bytearray(data)
    for kind, where, value in edits:
        if not out and kind != 2:
            continue
        i = where % (len(out) + (kind == 2))
        if kind == 0:
            out[i] = value
        elif kind == 1:
            out[i] ^= value or 1
        elif kind == 2:
            out.insert(i, value)
        else:
            del out[i]
    return bytes(out)


_edits = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 10_000), st.integers(0, 255)), max_size=6)


@hostile
@given(FRAMES, _edits, st.integers(0, 400))
def test_ax25_mutated_valid_frames(frame: ax25.Frame, edits: list[tuple[int, int, int]], cut: int) -> None:
    data = _mutate(ax25.encode(frame), edits)
    _check_ax25(data)
    _check_ax25(data[:cut])



def test_fuzz_examples_follow_the_environment() -> None:
    """The suite's case count is the environment's (``make fuzz`` raises it)."""
    assert int(os.environ.get("PICODRAGON_FUZZ_EXAMPLES", "3000")) == FUZZ_EXAMPLES

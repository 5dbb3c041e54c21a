"""Hostile input to the link room's audio readers: WAV headers and the CW decoder (issue 11).

Each property runs with the standing suite's case count (``@hostile``: 3,000 by default).
Promises kept on every case: a WAV file with mutated header fields (sizes, channels, rates,
widths, chunk names, truncation) gives one clear ``ValueError`` line naming the file or a valid
result, and never reads more than the file holds (the 4 GB claim itself is in
tests/link/test_link_hardening.py, under tracemalloc); the CW decoder returns a string for any
floats (NaN, Inf, huge) at any rate, and for any key-down/key-up runs.
"""

from __future__ import annotations

import io
import struct
import tempfile
import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from picodragon.link import cw
from picodragon.link.wavio import iter_wav, read_wav, wav_info
from tests.hostile.fuzz import hostile

# --- WAV headers -------------------------------------------------------------------------------


def _valid_wav(channels: int, width: int, rate: int, frames: int) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(bytes((i * 37) & 0xFF for i in range(frames * channels * width)))
    return buffer.getvalue()


# where the fields of a plain 44-octet header lie: (offset, struct format)
_FIELDS = [(4, "<I"), (16, "<I"), (20, "<H"), (22, "<H"), (24, "<I"), (28, "<I"), (32, "<H"),
           (34, "<H"), (40, "<I"), (0, "4s"), (8, "4s"), (12, "4s"), (36, "4s")]
_INTERESTING = [0, 1, 2, 3, 4, 7, 8, 16, 24, 0xFFFE, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF, 0xFFFFFFF0]


@st.composite
def _mutated_wav(draw: st.DrawFn) -> bytes:
    data = bytearray(
        _valid_wav(
            draw(st.integers(1, 3)),
            draw(st.sampled_from([1, 2, 4])),
            draw(st.sampled_from([1, 8000, 44100])),
            draw(st.integers(0, 200)),
        )
    )
    for _ in range(draw(st.integers(0, 4))):
        offset, fmt = draw(st.sampled_from(_FIELDS))
        if fmt == "4s":
            value = draw(st.sampled_from([b"RIFF", b"WAVE", b"fmt ", b"data", b"LIST", b"\0\0\0\0"]))
            data[offset : offset + 4] = value
            continue
        limit = 0xFFFF if fmt == "<H" else 0xFFFFFFFF
        value = draw(st.one_of(st.sampled_from(_INTERESTING), st.integers(0, limit)))
        data[offset : offset + struct.calcsize(fmt)] = struct.pack(fmt, value & limit)
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    return bytes(data)


@pytest.fixture(scope="module")
def wav_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="hostile-wav-") as folder:
        yield Path(folder)


@hostile
@given(_mutated_wav())
def test_wav_mutated_headers(wav_dir: Path, data: bytes) -> None:
    path = wav_dir / "case.wav"
    path.write_bytes(data)
    try:
        info = wav_info(path)
    except ValueError as exc:
        assert str(path) in str(exc) and "\n" not in str(exc)
        return
    assert info.channels >= 1 and info.rate >= 1 and info.width in (1, 2, 3, 4, 8)
    assert info.offset + info.size <= len(data)  # what is read is on disk, whatever the claim
    samples, rate = read_wav(path)
    assert rate == info.rate and samples.dtype == np.float32
    assert len(samples) == info.frames
    pieces = list(iter_wav(path, chunk_s=0.01))
    assert sum(len(p) for p in pieces) == info.frames


# --- CW ----------------------------------------------------------------------------------------

_any_float = st.floats(allow_nan=True, allow_infinity=True, width=64)
_rates = st.one_of(
    st.sampled_from([0, 1, 500, 1000, 1999, 2000, 4000, 8000, 11025]),
    st.integers(-10, 2_000_000),
    _any_float,
)


@hostile
@given(
    hnp.arrays(np.float64, st.integers(0, 3000), elements=_any_float),
    _rates,
    st.one_of(st.none(), _any_float, st.sampled_from([800.0, 0.0, -1.0, 5000.0])),
)
def test_cw_any_audio_any_rate(samples: np.ndarray, rate: float, tone: float | None) -> None:
    assert isinstance(cw.decode_audio(samples, rate, tone), str)


@hostile
@given(
    st.lists(st.tuples(st.booleans(), st.floats(0, 1e6, allow_subnormal=True)), max_size=60)
)
def test_cw_any_runs(runs: list[tuple[bool, float]]) -> None:
    assert isinstance(cw.decode_runs(runs), str)



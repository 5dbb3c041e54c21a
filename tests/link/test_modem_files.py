"""modulate_file / demodulate_file: hex and KISS input, the JSON records, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from picodragon.link import ax25, kiss
from picodragon.link.modem_files import demodulate_file, modulate_file

FRAMES = [
    ax25.encode(
        ax25.Frame(ax25.Address("CQ"), ax25.Address("XV9PID"), info=b"PICO DRAGON VIETNAM")
    ),
    ax25.encode(ax25.Frame(ax25.Address("VNSC"), ax25.Address("XV9PID", 1), info=b"\xc0\x00\xff")),
]


def test_hex_lines(tmp_path: Path) -> None:
    src = tmp_path / "frames.txt"
    src.write_text("# two frames\n\n" + "\n".join(f.hex().upper() for f in FRAMES) + "\n")
    wav = tmp_path / "out.wav"
    assert modulate_file(src, wav, sample_rate=22050) == 2
    records = demodulate_file(wav)
    assert [r["hex"] for r in records] == [f.hex() for f in FRAMES]
    assert records[0]["source"] == "XV9PID" and records[0]["destination"] == "CQ"
    assert records[0]["info"] == "PICO DRAGON VIETNAM"
    assert records[1]["info"] == "\xc0\x00\xff"
    json.dumps(records)


def test_kiss_stream(tmp_path: Path) -> None:
    src = tmp_path / "frames.kiss"
    src.write_bytes(b"".join(kiss.encode(f) for f in FRAMES) + kiss.encode(b"\x10", command=1))
    wav = tmp_path / "out.wav"
    assert modulate_file(src, wav) == 2
    assert [r["hex"] for r in demodulate_file(wav, fix=True)] == [f.hex() for f in FRAMES]
    assert [r["hex"] for r in demodulate_file(wav, fast=True)] == [f.hex() for f in FRAMES]


def test_non_ax25_frame_has_null_fields(tmp_path: Path) -> None:
    src = tmp_path / "f.txt"
    src.write_text("00" * 20 + "\n")
    wav = tmp_path / "out.wav"
    modulate_file(src, wav)
    assert demodulate_file(wav) == [
        {
            "hex": "00" * 20,
            "source": None,
            "destination": None,
            "info": None,
            "time_s": pytest.approx(0.4, abs=0.2),
            "fixed": False,
        }
    ]


@pytest.mark.parametrize("content", [b"", b"\xff\xfe", b"zz\n", b"\xc0\xc0"])
def test_bad_input(tmp_path: Path, content: bytes) -> None:
    src = tmp_path / "bad"
    src.write_bytes(content)
    out = tmp_path / "out.wav"
    with pytest.raises(ValueError):
        modulate_file(src, out)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [src]


def test_bad_wav(tmp_path: Path) -> None:
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF junk")
    with pytest.raises(ValueError):
        demodulate_file(bad)
    with pytest.raises(ValueError):
        demodulate_file(tmp_path / "missing.wav")


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=300))
def test_read_frames_fails_only_with_value_error(data: bytes) -> None:
    import tempfile

    from picodragon.link.modem_files import read_frames

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "in"
        path.write_bytes(data)
        try:
            frames = read_frames(path)
        except ValueError:
            return
        assert frames and all(isinstance(f, bytes) for f in frames)

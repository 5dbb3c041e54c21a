"""Our CW beacon audio decoded by multimon-ng's Morse decoder."""

from __future__ import annotations

from pathlib import Path

import pytest

from picodragon.link import cw
from picodragon.link.peertools import run_multimon_cw
from picodragon.link.wavio import write_wav
from tests.conftest import require_program

pytestmark = pytest.mark.peers


@pytest.mark.parametrize("wpm", [15, 20, 25])
def test_multimon_reads_our_beacon(tmp_path: Path, wpm: int) -> None:
    require_program("multimon-ng")
    require_program("sox")
    text = "PICO DRAGON VIETNAM XV9PID"
    wav = tmp_path / "beacon.wav"
    # multimon-ng prints a character after the gap that ends it: leave 1.5 s of silence
    write_wav(wav, cw.key_audio(text, wpm=wpm, sample_rate=22050, lead_s=1.5), 22050)
    assert run_multimon_cw(wav) == text

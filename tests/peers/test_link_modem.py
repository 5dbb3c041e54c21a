"""Our AFSK modem against Direwolf (gen_packets, atest) and multimon-ng, on real audio files."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from picodragon.link import afsk, ax25, peertools
from picodragon.link.demod import AfskDemodulator
from picodragon.link.modem_files import demodulate_file
from picodragon.link.wavio import read_wav, write_wav
from tests.conftest import require_program

pytestmark = pytest.mark.peers

MESSAGES = [
    "XV9PID>CQ:PICO DRAGON VIETNAM",
    "XV9PID-1>APRS,WIDE1-1,WIDE2-2:!2102.82N/10548.00E-telemetry 0001",
    "N0CALL-15>TEST:,The quick brown fox jumps over the lazy dog!",
    "VNSC>XV9PID:cmd 12345678901234567890123456789012345678901234567890",
]


def _ours(n: int = 6) -> list[bytes]:
    return [
        ax25.encode(
            ax25.Frame(
                ax25.Address("CQ"),
                ax25.Address("XV9PID", i % 16),
                (ax25.Address("WIDE1", 1),) if i % 2 else (),
                info=f"PICO DRAGON VIETNAM {i:04d} ".encode() + b"~" * (7 * i),
            )
        )
        for i in range(n)
    ]


@pytest.mark.parametrize("rate", [44100, 22050, 48000])
def test_gen_packets_decoded_by_us(tmp_path: Path, rate: int) -> None:
    gen_packets = require_program("gen_packets")
    messages = tmp_path / "messages.txt"
    messages.write_text("\n".join(MESSAGES) + "\n")
    wav = tmp_path / "gen.wav"
    subprocess.run(
        [gen_packets, "-r", str(rate), "-o", str(wav), str(messages)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    samples, got_rate = read_wav(wav)
    assert got_rate == rate
    frames = AfskDemodulator(rate).demodulate(samples)
    texts = [ax25.to_text(ax25.decode(f.data)) for f in frames]  # type: ignore[arg-type]
    assert [t.rstrip("\r\n") for t in texts] == MESSAGES  # gen_packets keeps the line end


def test_noise_sweep_at_least_as_many_as_atest(tmp_path: Path) -> None:
    gen_packets = require_program("gen_packets")
    require_program("atest")
    wav = tmp_path / "noise.wav"
    subprocess.run(
        [gen_packets, "-n", "100", "-o", str(wav)], check=True, capture_output=True, timeout=120
    )
    theirs = peertools.run_atest(wav)
    ours = [r["hex"] for r in demodulate_file(wav)]
    assert len(set(ours)) == len(ours)
    assert len(ours) >= len(theirs) >= 50
    assert {f.hex() for f in theirs} <= set(ours)  # everything atest got, we got


@pytest.mark.parametrize(("rate", "emphasis"), [(44100, False), (22050, False), (48000, True)])
def test_our_audio_decoded_by_atest(tmp_path: Path, rate: int, emphasis: bool) -> None:
    require_program("atest")
    frames = _ours()
    wav = tmp_path / "ours.wav"
    write_wav(wav, afsk.modulate(frames, rate, emphasis=emphasis), rate)
    assert peertools.run_atest(wav) == frames


def test_our_audio_decoded_by_multimon(tmp_path: Path) -> None:
    require_program("multimon-ng")
    require_program("sox")
    frames = _ours()
    wav = tmp_path / "ours.wav"
    write_wav(wav, afsk.modulate(frames, 22050), 22050)
    got = peertools.run_multimon(wav)
    expected = []
    for data in frames:
        frame = ax25.decode(data)
        assert isinstance(frame, ax25.Frame)
        expected.append(
            {
                "source": f"{frame.source.callsign}-{frame.source.ssid}",
                "destination": f"{frame.destination.callsign}-{frame.destination.ssid}",
                "info": frame.info.decode(),
            }
        )
    assert got == expected

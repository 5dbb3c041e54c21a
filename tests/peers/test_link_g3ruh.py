"""Our G3RUH modem against Direwolf (gen_packets, atest, a running Direwolf at 9600) and the
three real satellite recordings of ../shared/recordings, with Direwolf and gr-satellites as
the peers (their counts on this machine are in the recordings' README)."""

from __future__ import annotations

import asyncio
import os
import subprocess
from pathlib import Path

import pytest

from picodragon.link import ax25, g3ruh, peertools
from picodragon.link.modem_files import demodulate_file
from picodragon.link.wavio import read_wav, write_wav
from tests.conftest import REQUIRE_PEERS, require_program, require_service
from tests.peers.test_link_direwolf import _direwolf_port, _frames, _round_trip

pytestmark = pytest.mark.peers

RECORDINGS = Path(__file__).parents[2] / ".." / "shared" / "recordings"
MESSAGES = [
    "XV9PID>CQ:PICO DRAGON VIETNAM",
    "XV9PID-1>APRS,WIDE1-1,WIDE2-2:!2102.82N/10548.00E-telemetry 0001",
    "N0CALL-15>TEST:,The quick brown fox jumps over the lazy dog!",
]
ATEST_ARGS = {9600.0: ["-B", "9600"], 4800.0: ["-g", "-B", "4800"]}
"""Direwolf's G3RUH at each rate (plain ``-B 4800`` would be its 8PSK)."""


def _recording(name: str) -> Path:
    path = RECORDINGS / name
    if not path.is_file():
        message = f"{path} is absent (the shared real recordings)"
        if REQUIRE_PEERS:
            pytest.fail(message + " and PICODRAGON_REQUIRE_PEERS=1")
        pytest.skip(message)
    return path


@pytest.mark.parametrize(("baud", "rate"), [(9600.0, 48000), (9600.0, 44100), (4800.0, 48000)])
def test_gen_packets_decoded_by_us(tmp_path: Path, baud: float, rate: int) -> None:
    gen_packets = require_program("gen_packets")
    messages = tmp_path / "messages.txt"
    messages.write_text("\n".join(MESSAGES) + "\n")
    wav = tmp_path / "gen.wav"
    subprocess.run(
        [gen_packets, "-g", "-b", str(int(baud)), "-r", str(rate), "-o", str(wav), str(messages)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    samples, got_rate = read_wav(wav)
    frames = g3ruh.G3ruhDemodulator(got_rate, baud).demodulate(samples)
    texts = [ax25.to_text(ax25.decode(f.data)) for f in frames]  # type: ignore[arg-type]
    assert [t.rstrip("\r\n") for t in texts] == MESSAGES


@pytest.mark.parametrize(("baud", "rate"), [(9600.0, 48000), (9600.0, 44100), (4800.0, 48000)])
def test_ours_decoded_by_atest(tmp_path: Path, baud: float, rate: int) -> None:
    require_program("atest")
    frames = _frames()
    wav = tmp_path / "ours.wav"
    write_wav(wav, g3ruh.modulate(frames, sample_rate=rate, baud=baud), rate)
    assert peertools.run_atest_args(wav, ATEST_ARGS[baud]) == frames


def test_noise_sweep_at_least_as_many_as_atest(tmp_path: Path) -> None:
    gen_packets = require_program("gen_packets")
    require_program("atest")
    wav = tmp_path / "noise.wav"
    subprocess.run(
        [gen_packets, "-B", "9600", "-n", "100", "-r", "48000", "-o", str(wav)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    samples, rate = read_wav(wav)
    ours = len(g3ruh.G3ruhDemodulator(rate).demodulate(samples))
    theirs = max(
        peertools.count_atest_args(wav, ["-B", "9600"]),
        peertools.count_atest_args(wav, ["-B", "9600", "-P", "+"]),
    )
    assert ours >= theirs


def test_kiss_tcp_through_direwolf_at_9600(tmp_path: Path) -> None:
    direwolf = require_program("direwolf")
    port = _direwolf_port()
    conf = tmp_path / "direwolf.conf"
    conf.write_text(
        f"ADEVICE stdin null\nARATE 48000\nCHANNEL 0\nMYCALL N0CALL\nMODEM 9600\n"
        f"KISSPORT {port}\nAGWPORT 0\n"
    )

    def modulate(frames: list[bytes], rate: int) -> object:
        return g3ruh.modulate(frames, sample_rate=48000, baud=9600.0)

    got, log = asyncio.run(_round_trip(direwolf, conf, port, modulate))  # type: ignore[arg-type]
    assert got == _frames(), log[-3000:]
    assert "N0CALL>CQ:sent over KISS" in log, log[-3000:]


# --- the real recordings --------------------------------------------------------------------


def test_ao27_afsk_with_bent_addresses() -> None:
    """AO-27: 2 frames by atest and by gr-satellites; ours finds 3 (the third, at 1.83 s, is
    the first frame sent again), addresses as they are, oddities named."""
    records = demodulate_file(_recording("ao27.wav"))
    assert len(records) >= 2
    assert {r["source"] for r in records} == {"AO27 T"}
    assert all("source SSID octet 0x01 without the reserved bits" in r["oddities"] for r in records)  # type: ignore[operator]
    peers = []
    if os.path.exists("/usr/bin/atest"):
        peers.append(peertools.run_atest_args(_recording("ao27.wav"), ["-B", "1200"]))
    if peertools.gr_satellites_works():
        peers.append(peertools.run_gr_satellites("AO-27", _recording("ao27.wav")))
    for theirs in peers:
        assert set(theirs) <= {bytes.fromhex(str(r["hex"])) for r in records}
        assert len(records) >= len(theirs)


def test_koyo_g3ruh_9600() -> None:
    """KOYO: atest -B 9600 finds 1, with -P + 3; ours at least 3, the same octets."""
    wav = _recording("koyo.wav")
    records = demodulate_file(wav, mode="g3ruh9600")
    assert len(records) >= 3
    assert {r["source"] for r in records} == {"KOYOSC"}
    if os.path.exists("/usr/bin/atest"):
        theirs = peertools.run_atest_args(wav, ["-B", "9600", "-P", "+"])
        assert set(theirs) <= {bytes.fromhex(str(r["hex"])) for r in records}


def test_quetzal1_g3ruh_4800() -> None:
    """Quetzal-1: gr-satellites finds 1 (atest -g -B 4800 too); ours the same frame, whose
    addresses are all spaces (named as oddities, not dropped)."""
    wav = _recording("quetzal1.wav")
    records = demodulate_file(wav, mode="g3ruh4800")
    assert len(records) >= 1
    assert records[0]["source"] == "" and "source callsign empty" in records[0]["oddities"]  # type: ignore[operator]
    assert b"Guatemala" in bytes.fromhex(str(records[0]["hex"]))
    if peertools.gr_satellites_works():
        theirs = peertools.run_gr_satellites("QUETZAL-1", wav)
        assert set(theirs) <= {bytes.fromhex(str(r["hex"])) for r in records}
    elif REQUIRE_PEERS:
        require_service("gr-satellites (apt-get install gr-satellites gnuradio) does not run")


def test_auto_mode_on_the_recordings() -> None:
    modes = {
        name: {r["mode"] for r in demodulate_file(_recording(f"{name}.wav"), mode="auto")}
        for name in ("ao27", "koyo", "quetzal1")
    }
    assert modes == {"ao27": {"afsk1200"}, "koyo": {"g3ruh9600"}, "quetzal1": {"g3ruh4800"}}

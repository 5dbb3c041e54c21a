"""Our software TNC fed Direwolf's gen_packets audio through a pipe (sox), read over KISS TCP:
the frames match atest's, byte for byte."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import pytest

from picodragon.link import peertools
from picodragon.link.kiss_tcp import KissTcpClient
from picodragon.link.tnc import SoftTnc
from tests.conftest import require_program

pytestmark = pytest.mark.peers

MESSAGES = [f"XV9PID-{i}>CQ,WIDE1-1:PICO DRAGON VIETNAM {i:03d}" for i in range(1, 9)]


async def _through_tnc(wav: Path) -> list[bytes]:
    async with (
        SoftTnc(22050) as tnc,
        await KissTcpClient.connect("127.0.0.1", tnc.port) as client,
    ):
        for _ in range(100):
            if tnc.server.client_count:
                break
            await asyncio.sleep(0.01)
        sox = await asyncio.create_subprocess_exec(
            "sox", str(wav), "-t", "raw", "-r", "22050", "-e", "signed", "-b", "16",
            "-c", "1", "-", stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            assert sox.stdout is not None
            await asyncio.wait_for(tnc.run_pcm_stream(sox.stdout), 60)
            await asyncio.wait_for(sox.wait(), 10)
        finally:
            if sox.returncode is None:
                sox.kill()
                await sox.wait()
        return [(await client.receive(timeout=5)).payload for _ in MESSAGES]


def test_gen_packets_through_our_tnc(tmp_path: Path) -> None:
    gen_packets = require_program("gen_packets")
    require_program("atest")
    require_program("sox")
    messages = tmp_path / "messages.txt"
    messages.write_text("\n".join(MESSAGES) + "\n")
    wav = tmp_path / "gen.wav"
    subprocess.run(
        [gen_packets, "-r", "44100", "-o", str(wav), str(messages)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    theirs = peertools.run_atest(wav)
    assert len(theirs) == len(MESSAGES)
    assert asyncio.run(_through_tnc(wav)) == theirs

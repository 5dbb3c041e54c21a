"""The software TNC: KISS client -> TNC A -> AFSK audio -> TNC B -> KISS client, byte for byte."""

from __future__ import annotations

import asyncio

import numpy as np

from picodragon.link import ax25
from picodragon.link.kiss_tcp import KissTcpClient
from picodragon.link.tnc import SoftTnc

RATE = 22050
FRAMES = [
    ax25.encode(ax25.Frame(ax25.Address("CQ"), ax25.Address("XV9PID", i), info=b"\xc0" * i + b"x"))
    for i in range(3)
]


async def _loop() -> None:
    air: list[np.ndarray] = []
    async with (
        SoftTnc(RATE, on_transmit=air.append) as tnc_a,
        SoftTnc(RATE) as tnc_b,
        await KissTcpClient.connect("127.0.0.1", tnc_a.port) as sender,
        await KissTcpClient.connect("127.0.0.1", tnc_b.port) as listener,
    ):
        await sender.send(FRAMES[0])
        await sender.send(FRAMES[1])
        await sender.send(b"\x20", command=1)  # TXDELAY: not transmitted
        for _ in range(200):
            if len(air) == 2:
                break
            await asyncio.sleep(0.01)
        assert len(air) == 2 and tnc_a.frames_sent == 2
        for _ in range(50):  # the listener must be registered before frames arrive
            if tnc_b.server.client_count:
                break
            await asyncio.sleep(0.01)
        pcm = (np.concatenate(air) * 32767).astype("<i2").tobytes()
        for i in range(0, len(pcm), 1001):  # odd-sized pieces, as from a pipe
            await tnc_b.feed_pcm(pcm[i : i + 1001])
        await tnc_b.flush()
        got = [(await listener.receive(timeout=5)).payload for _ in range(2)]
        assert got == FRAMES[:2]
        assert tnc_b.frames_received == 2


def test_two_tncs_over_audio() -> None:
    asyncio.run(asyncio.wait_for(_loop(), 60))

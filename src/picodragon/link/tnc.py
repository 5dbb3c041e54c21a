"""A software TNC: our AFSK modem behind a KISS TCP port, like Direwolf's.

Audio in (a receiver's discriminator or speaker output, as float samples or raw 16-bit
little-endian PCM) is demodulated as it arrives and every frame goes to each KISS client.
Frames that clients send are modulated into AFSK audio and handed to ``on_transmit`` (a sound
card writer, a file, a radio simulation). So any ground software that speaks KISS TCP can use
the built-in modem exactly as it would use Direwolf.

Half-duplex and channel access (DCD, persistence, slot time) are left to the caller: this TNC
transmits what it is given, when it is given it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import numpy as np

from picodragon.link import afsk, kiss
from picodragon.link.demod import DEFAULT_VARIANTS, StreamingDemodulator, Variant
from picodragon.link.kiss import KissFrame
from picodragon.link.kiss_tcp import KissTcpServer

__all__ = ["SoftTnc"]


class SoftTnc:
    """The modem as a KISS TCP TNC. ``await start()``, then ``feed_audio``/``feed_pcm``."""

    def __init__(
        self,
        sample_rate: int,
        host: str = "127.0.0.1",
        port: int = 0,
        fix: bool = False,
        variants: tuple[Variant, ...] = DEFAULT_VARIANTS,
        on_transmit: Callable[[np.ndarray], None] | None = None,
        block_s: float = 0.5,
    ) -> None:
        self.sample_rate = sample_rate
        self.on_transmit = on_transmit
        self.receiver = StreamingDemodulator(
            sample_rate, block_s=block_s, fix=fix, variants=variants
        )
        self.server = KissTcpServer(on_frame=self._from_client, host=host, port=port)
        self.frames_received = 0
        self.frames_sent = 0
        self._pcm_tail = b""

    @property
    def port(self) -> int:
        return self.server.port

    async def start(self) -> SoftTnc:
        await self.server.start()
        return self

    async def close(self) -> None:
        await self.server.close()

    async def __aenter__(self) -> SoftTnc:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def feed_audio(self, samples: np.ndarray) -> list[bytes]:
        """Demodulate received audio; each new frame goes to every KISS client (and back)."""
        frames = [f.data for f in self.receiver.feed(samples)]
        return await self._deliver(frames)

    async def feed_pcm(self, data: bytes) -> list[bytes]:
        """Like :meth:`feed_audio` for raw signed 16-bit little-endian mono PCM, any chunking."""
        data = self._pcm_tail + data
        whole = len(data) - len(data) % 2
        self._pcm_tail = data[whole:]
        samples = np.frombuffer(data[:whole], dtype="<i2").astype(np.float32) / 32768.0
        return await self.feed_audio(samples)

    async def flush(self) -> list[bytes]:
        """Demodulate whatever audio is still buffered (end of a recording)."""
        return await self._deliver([f.data for f in self.receiver.flush()])

    async def _deliver(self, frames: list[bytes]) -> list[bytes]:
        for frame in frames:
            self.frames_received += 1
            await self.server.broadcast(frame)
        return frames

    def _from_client(self, frame: KissFrame) -> None:
        if frame.command != kiss.DATA or not frame.payload:
            return  # TXDELAY, persistence...: channel access is the caller's business
        self.frames_sent += 1
        if self.on_transmit is not None:
            self.on_transmit(afsk.modulate([frame.payload], self.sample_rate))

    async def run_pcm_stream(self, reader: asyncio.StreamReader, chunk: int = 8192) -> None:
        """Feed raw PCM from a stream (a pipe from ``rtl_fm`` or ``arecord``) until it ends."""
        while data := await reader.read(chunk):
            await self.feed_pcm(data)
        await self.flush()

"""Regression tests of the link room's hardening (issue 11): each failed on 825d84b.

- a lone FESC between FENDs (``C0 DB C0``) crashed the KISS decoder and so the station;
- four KISS clients that never read stalled every other client 5 s each per broadcast;
- the CW decoder raised on NaN/Inf audio and low rates; the AFSK modem took any rate > 0;
- a WAV header claiming 4 GB of data made the reader allocate 4 GB.

They use only the interfaces that existed before the fixes, so on the old code they fail on
their assertions, not on an import. Waits are bounded; nothing is timed.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from picodragon import cli
from picodragon.link import cw, kiss
from picodragon.link.demod import AfskDemodulator, StreamingDemodulator
from picodragon.link.kiss import KissDecoder, KissFrame
from picodragon.link.kiss_tcp import KissTcpClient, KissTcpServer
from picodragon.link.wavio import iter_wav, read_wav, write_wav

# --- finding 1: three bytes crash the station ------------------------------------------------


def test_lone_fesc_frame_is_dropped_and_counted() -> None:
    decoder = KissDecoder()
    assert decoder.feed(b"\xc0\xdb\xc0") == []
    assert decoder.dropped == 1
    assert decoder.feed(b"\xdb\xc0\x00ok\xc0") == [KissFrame(0, 0, b"ok")]
    assert decoder.dropped == 2


async def _client_after_garbage() -> None:
    async def tnc(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"\xc0\xdb\xc0" + kiss.encode(b"after the garbage"))
        await writer.drain()
        await reader.read()  # hold the connection until the client closes it
        writer.close()

    server = await asyncio.start_server(tnc, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with await KissTcpClient.connect("127.0.0.1", port) as client:
            frame = await client.receive(timeout=10)
            assert frame.payload == b"after the garbage"
    finally:
        server.close()
        await server.wait_closed()


def test_kiss_client_survives_a_lone_fesc() -> None:
    asyncio.run(asyncio.wait_for(_client_after_garbage(), 30))


# --- finding 12: stuck KISS clients stall the others -------------------------------------------

FRAMES = 1000
FRAME_OCTETS = 16384  # 16 MB in all: more than the kernel's buffers hold for a stuck reader


async def _stuck_clients() -> tuple[int, int]:
    """Four clients that never read and one that does; returns (frames the healthy client got
    within the bounded wait, clients still connected at the end)."""
    async with KissTcpServer() as server:
        stuck = [await asyncio.open_connection("127.0.0.1", server.port) for _ in range(4)]
        healthy = await KissTcpClient.connect("127.0.0.1", server.port)
        for _ in range(200):  # bounded: wait until the server has all five
            if server.client_count == 5:
                break
            await asyncio.sleep(0.01)
        assert server.client_count == 5
        got = 0

        async def exchange() -> None:
            nonlocal got
            for i in range(FRAMES):  # a healthy client that keeps up: one frame at a time
                payload = i.to_bytes(4, "big") * (FRAME_OCTETS // 4)
                await server.broadcast(payload)
                frame = await healthy.receive(timeout=10)
                assert frame.payload == payload
                got += 1

        # 4 stuck clients x 5 s each is 20 s on the old code; 12 s is plenty for 16 MB here
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(exchange(), 12)
        remaining = server.client_count
        await healthy.close()
        for _, writer in stuck:
            writer.transport.abort()
        return got, remaining


def test_stuck_clients_do_not_delay_a_healthy_one() -> None:
    got, remaining = asyncio.run(asyncio.wait_for(_stuck_clients(), 60))
    assert got == FRAMES
    assert remaining == 1  # the four that never read were cut off


# --- finding 13: CW on NaN/Inf or low rates; AFSK on any rate -----------------------------------


@pytest.mark.parametrize(
    ("samples", "rate"),
    [
        (np.full(8000, np.nan), 8000),
        (np.concatenate([np.full(4000, np.inf), np.zeros(4000)]), 8000),
        (np.random.default_rng(1).normal(size=2000), 1000),
        (np.random.default_rng(2).normal(size=500), 500),
        (np.random.default_rng(3).normal(size=5000), 401),
        (np.full(8000, 1e308), 8000),
    ],
)
def test_cw_decode_audio_never_raises(samples: np.ndarray, rate: int) -> None:
    assert cw.decode_audio(samples, rate) == ""


def test_cw_still_decodes_with_a_few_damaged_samples() -> None:
    audio = cw.key_audio("CQ DE XV9PID", wpm=20, sample_rate=8000).astype(np.float64)
    audio[1000:1010] = np.nan
    assert cw.decode_audio(audio, 8000) == "CQ DE XV9PID"


@pytest.mark.parametrize("rate", [1, 100, 1000, 4000, 6000])
def test_afsk_refuses_a_rate_too_low_for_the_mode(rate: int) -> None:
    with pytest.raises(ValueError, match="sample rate"):
        AfskDemodulator(rate)
    with pytest.raises(ValueError, match="sample rate"):
        StreamingDemodulator(rate)


def test_modem_demod_of_a_1_hz_wav_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wav = tmp_path / "bad.wav"
    write_wav(wav, np.zeros(40, dtype=np.float32), 1)
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["modem", "demod", str(wav)])
    out, err = capsys.readouterr()
    assert exit_info.value.code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "sample rate" in lines[0] and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == before


# --- WAV headers that lie ----------------------------------------------------------------------


def _wav_claiming(path: Path, data_size: int, rate: int = 8000, payload: bytes = b"\x00" * 64) -> None:
    fmt = struct.pack("<HHIIHH", 1, 1, rate, rate * 2, 2, 16)
    body = b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt + b"data" + struct.pack("<I", data_size)
    path.write_bytes(b"RIFF" + struct.pack("<I", 0xFFFFFFFF) + body + payload)


def test_a_header_claiming_4_gb_allocates_no_4_gb(tmp_path: Path) -> None:
    path = tmp_path / "liar.wav"
    _wav_claiming(path, 0xFFFFFFF0)
    tracemalloc.start()
    try:
        try:
            samples, _ = read_wav(path)
            assert len(samples) == 32
        except ValueError:
            pass
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 50 << 20


def test_a_header_claiming_a_huge_rate_reads_in_bounded_pieces(tmp_path: Path) -> None:
    path = tmp_path / "fast.wav"
    _wav_claiming(path, 64, rate=0x7FFFFFFF)
    tracemalloc.start()
    try:
        try:
            pieces = list(iter_wav(path))
            assert sum(len(p) for p in pieces) == 32
        except ValueError:
            pass
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 200 << 20

"""Our KISS TCP client through a running Direwolf (1.6+): frames match byte for byte.

Direwolf reads our modulated audio on stdin (``ADEVICE stdin null``), decodes it and hands the
frames to our KISS TCP client; we compare them with the frames we modulated. The other way,
a frame we send over KISS is transmitted by Direwolf (into the null audio device), which logs
it in monitor format on stdout; we check that log line.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from picodragon.link import afsk, ax25
from picodragon.link.kiss_tcp import KissTcpClient
from tests.conftest import require_program

pytestmark = pytest.mark.peers

RATE = 44100


def _direwolf_port() -> int:
    """A free TCP port Direwolf accepts: it refuses ports above 49151."""
    rng = random.Random()
    for _ in range(100):
        port = rng.randint(20000, 49000)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port between 20000 and 49000")


def _frames() -> list[bytes]:
    infos = [b"PICO DRAGON VIETNAM", bytes(range(256))[:200], b"\xc0\xdb\xc0 escapes", b"x"]
    return [
        ax25.encode(
            ax25.Frame(
                ax25.Address("CQ"),
                ax25.Address("XV9PID", i),
                (ax25.Address("WIDE1", 1),) if i % 2 else (),
                info=info,
            )
        )
        for i, info in enumerate(infos)
    ]


async def _round_trip(
    direwolf: str,
    conf: Path,
    port: int,
    modulate: Callable[[list[bytes], int], np.ndarray] = afsk.modulate,
) -> tuple[list[bytes], str]:
    proc = await asyncio.create_subprocess_exec(
        direwolf, "-c", str(conf), "-t", "0",
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    log = bytearray()

    async def read_log() -> None:
        assert proc.stdout is not None
        while chunk := await proc.stdout.read(4096):
            log.extend(chunk)

    log_task = asyncio.create_task(read_log())
    got: list[bytes] = []
    try:
        client = None
        for _ in range(100):  # at most about 10 s for Direwolf to listen
            try:
                client = await KissTcpClient.connect("127.0.0.1", port, timeout=1.0)
                break
            except OSError:
                await asyncio.sleep(0.1)
        assert client is not None, "Direwolf never opened its KISS port:\n" + log.decode("latin-1")
        async with client:
            frames = _frames()
            await client.send(
                ax25.encode(
                    ax25.Frame(ax25.Address("CQ"), ax25.Address("N0CALL"), info=b"sent over KISS")
                )
            )
            audio = (modulate(frames, RATE) * 32767).astype("<i2").tobytes()
            assert proc.stdin is not None
            proc.stdin.write(audio)
            await proc.stdin.drain()
            deadline = time.monotonic() + 20
            silence = bytes(2 * RATE // 10)
            while time.monotonic() < deadline and (
                len(got) < len(frames) or b"sent over KISS" not in log
            ):
                proc.stdin.write(silence)  # keep Direwolf's clock going, about real time
                await proc.stdin.drain()
                with contextlib.suppress(TimeoutError):
                    got.append((await client.receive(timeout=0.1)).payload)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), 5)
        except TimeoutError:
            os.kill(proc.pid, signal.SIGKILL)
            await proc.wait()
        log_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await log_task
    return got, log.decode("latin-1")


def test_kiss_tcp_through_direwolf(tmp_path: Path) -> None:
    direwolf = require_program("direwolf")
    port = _direwolf_port()
    conf = tmp_path / "direwolf.conf"
    conf.write_text(
        f"ADEVICE stdin null\nARATE {RATE}\nCHANNEL 0\nMYCALL N0CALL\nMODEM 1200\n"
        f"KISSPORT {port}\nAGWPORT 0\n"
    )
    got, log = asyncio.run(_round_trip(direwolf, conf, port))
    assert got == _frames(), log[-3000:]
    assert "N0CALL>CQ:sent over KISS" in log, log[-3000:]

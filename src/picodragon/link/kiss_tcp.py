"""KISS over TCP (asyncio): a client for a TNC such as Direwolf, and a TNC-side server.

Direwolf and most software TNCs offer KISS on a TCP port (8001 by convention); the stream is
plain KISS framing (:mod:`picodragon.link.kiss`) in both directions. The client sends frames to
transmit and receives what the TNC decoded. The server is the other end: the twin's radio (or a
test fixture) exposes itself as a TNC, so any ground software can connect to it.

Garbage on a connection never raises out of a loop: the KISS decoder skips it, and a peer that
goes away is simply dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from picodragon.link import kiss
from picodragon.link.kiss import KissDecoder, KissFrame

__all__ = ["KissTcpClient", "KissTcpServer"]

_log = logging.getLogger(__name__)


class KissTcpClient:
    """A connection to a KISS TCP TNC. Use ``async with await KissTcpClient.connect(...)``."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer
        self._decoder = KissDecoder()
        self._pending: list[KissFrame] = []

    @classmethod
    async def connect(cls, host: str, port: int, timeout: float = 5.0) -> KissTcpClient:
        """Open the TCP connection; ``TimeoutError`` or ``OSError`` if the TNC is not there."""
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
        return cls(reader, writer)

    async def send(self, payload: bytes, port: int = 0, command: int = kiss.DATA) -> None:
        """Queue one frame (AX.25 octets without FCS) for transmission on TNC ``port``."""
        self._writer.write(kiss.encode(payload, port, command))
        await self._writer.drain()

    async def receive(self, timeout: float | None = None) -> KissFrame:
        """The next frame from the TNC; ``TimeoutError`` after ``timeout`` s, ``EOFError`` on close."""
        return await asyncio.wait_for(self._next(), timeout)

    async def _next(self) -> KissFrame:
        while not self._pending:
            chunk = await self._reader.read(4096)
            if not chunk:
                raise EOFError("the TNC closed the connection")
            self._pending.extend(self._decoder.feed(chunk))
        return self._pending.pop(0)

    async def close(self) -> None:
        """Close the connection (idempotent)."""
        self._writer.close()
        with contextlib.suppress(OSError, ConnectionError):
            await self._writer.wait_closed()

    async def __aenter__(self) -> KissTcpClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


FrameHandler = Callable[[KissFrame], Awaitable[None] | None]


class KissTcpServer:
    """A KISS TCP TNC endpoint: frames from clients go to ``on_frame``, or, without a handler,
    to the ``received`` queue (bounded: the oldest are dropped and counted in ``dropped``);
    :meth:`broadcast` sends a frame to every connected client."""

    def __init__(
        self,
        on_frame: FrameHandler | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        max_queued: int = 10_000,
        send_timeout_s: float = 5.0,
    ) -> None:
        self.host = host
        self.port = port
        self.on_frame = on_frame
        self.received: asyncio.Queue[KissFrame] = asyncio.Queue(maxsize=max_queued)
        self.dropped = 0
        self.send_timeout_s = send_timeout_s
        self._server: asyncio.Server | None = None
        self._clients: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.handler_errors = 0

    async def start(self) -> KissTcpServer:
        """Listen; ``port`` 0 picks a free one, readable afterwards from ``.port``."""
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    @property
    def client_count(self) -> int:
        return len(self._clients)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        self._clients.add(writer)
        decoder = KissDecoder()
        try:
            while chunk := await reader.read(4096):
                for frame in decoder.feed(chunk):
                    if self.on_frame is None:
                        self._queue(frame)
                        continue
                    try:
                        result = self.on_frame(frame)
                        if asyncio.iscoroutine(result):
                            await result
                    except Exception as exc:  # a bad handler must not drop the client
                        self.handler_errors += 1
                        _log.warning("KISS frame handler failed: %r", exc)
        except (ConnectionError, OSError):
            pass
        finally:
            self._clients.discard(writer)
            writer.close()
            with contextlib.suppress(OSError, ConnectionError):
                await writer.wait_closed()

    def _queue(self, frame: KissFrame) -> None:
        """Keep the newest ``max_queued`` frames: a reader that never reads cannot grow it."""
        if self.received.full():
            self.received.get_nowait()
            self.dropped += 1
        self.received.put_nowait(frame)

    async def broadcast(self, payload: bytes, port: int = 0) -> int:
        """Send a data frame to every client; how many got it. A client that cannot take it
        within ``send_timeout_s`` is dropped, so one stuck reader cannot stall the rest."""
        data = kiss.encode(payload, port)
        sent = 0
        for writer in list(self._clients):
            try:
                writer.write(data)
                await asyncio.wait_for(writer.drain(), self.send_timeout_s)
                sent += 1
            except (ConnectionError, OSError, TimeoutError):
                self._clients.discard(writer)  # gone, or too slow to keep up: drop it
                writer.close()
        return sent

    async def close(self) -> None:
        """Stop listening and drop every client."""
        if self._server is not None:
            self._server.close()
        for writer in list(self._clients):
            writer.close()
        self._clients.clear()
        if self._tasks:  # let each connection's loop see its end, so none is left pending
            await asyncio.wait(list(self._tasks), timeout=5.0)
        if self._server is not None:
            await self._server.wait_closed()

    async def __aenter__(self) -> KissTcpServer:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

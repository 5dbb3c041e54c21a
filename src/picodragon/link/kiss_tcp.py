"""KISS over TCP (asyncio): a client for a TNC such as Direwolf, and a TNC-side server.

Direwolf and most software TNCs offer KISS on a TCP port (8001 by convention); the stream is
plain KISS framing (:mod:`picodragon.link.kiss`) in both directions. The client sends frames to
transmit and receives what the TNC decoded. The server is the other end: the twin's radio (or a
test fixture) exposes itself as a TNC, so any ground software can connect to it.

Garbage on a connection never raises out of a loop: the KISS decoder skips it (and counts it),
and should the decoder ever fail anyway, the loop logs, counts and carries on with a fresh
decoder; a peer that goes away is simply dropped.

The server never waits for one client on behalf of another: :meth:`KissTcpServer.broadcast`
writes without blocking into each client's transport buffer, bounded at ``max_buffer_bytes``.
A client whose buffer would overflow, or whose buffer has not emptied for ``send_timeout_s``
(it stopped reading), is cut off at once (its buffer freed) and counted in
``clients_dropped``; the others are not delayed at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
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
        self.decode_errors = 0
        """Times the decoder failed on a chunk (a bug, never expected): logged and survived."""

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
            self._pending.extend(_feed_safely(self._decoder, chunk, self._count_error))
        return self._pending.pop(0)

    def _count_error(self) -> None:
        self.decode_errors += 1
        self._decoder = _fresh(self._decoder)

    @property
    def frames_rejected(self) -> int:
        """Frames from the TNC that the KISS decoder refused (bad escapes, over-long frames)."""
        return self._decoder.dropped

    async def close(self) -> None:
        """Close the connection (idempotent)."""
        self._writer.close()
        with contextlib.suppress(OSError, ConnectionError):
            await self._writer.wait_closed()

    async def __aenter__(self) -> KissTcpClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


def _fresh(old: KissDecoder) -> KissDecoder:
    """A new decoder after a failure, keeping the old one's limit and counts."""
    new = KissDecoder(old.max_frame)
    new.dropped, new.rejected = old.dropped, old.rejected
    return new


def _feed_safely(
    decoder: KissDecoder, chunk: bytes, on_error: Callable[[], None]
) -> list[KissFrame]:
    """``decoder.feed(chunk)``, but a decoder failure (a bug: it is built never to raise) is
    logged and reported through ``on_error`` instead of ending the connection's loop."""
    try:
        return decoder.feed(chunk)
    except Exception as exc:  # the loop must outlive any decoder surprise
        _log.error("KISS decoder failed on %d octets: %r; chunk skipped", len(chunk), exc)
        on_error()
        return []


FrameHandler = Callable[[KissFrame], Awaitable[None] | None]


class KissTcpServer:
    """A KISS TCP TNC endpoint: frames from clients go to ``on_frame``, or, without a handler,
    to the ``received`` queue (bounded: the oldest are dropped and counted in ``dropped``);
    :meth:`broadcast` sends a frame to every connected client without waiting for any of them.

    ``max_buffer_bytes`` bounds what may wait unsent for one client and ``send_timeout_s`` how
    long its buffer may stay unemptied; past either the client is cut off and counted in
    ``clients_dropped``. ``decode_errors`` counts decoder failures survived (never expected).
    """

    def __init__(
        self,
        on_frame: FrameHandler | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        max_queued: int = 10_000,
        send_timeout_s: float = 5.0,
        max_buffer_bytes: int = 1 << 20,
        hello: Callable[[], bytes] | None = None,
    ) -> None:
        self.host = host
        self.hello = hello
        """Octets (whole KISS frames) written to each client as it connects, e.g. the twin's
        announcement of its clock (:mod:`picodragon.link.announce`); None: nothing."""
        self.port = port
        self.on_frame = on_frame
        self.received: asyncio.Queue[KissFrame] = asyncio.Queue(maxsize=max_queued)
        self.dropped = 0
        self.send_timeout_s = send_timeout_s
        self.max_buffer_bytes = max_buffer_bytes
        self._server: asyncio.Server | None = None
        self._clients: set[asyncio.StreamWriter] = set()
        self._backlog_since: dict[asyncio.StreamWriter, float] = {}  # monotonic s, unsent data
        self._tasks: set[asyncio.Task[None]] = set()
        self.handler_errors = 0
        self.decode_errors = 0
        self.clients_dropped = 0

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
        if self.hello is not None:
            with contextlib.suppress(ConnectionError, OSError):
                writer.write(self.hello())

        def failed() -> None:
            nonlocal decoder
            self.decode_errors += 1
            decoder = _fresh(decoder)

        try:
            while chunk := await reader.read(4096):
                for frame in _feed_safely(decoder, chunk, failed):
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
            self._forget(writer)
            writer.close()
            with contextlib.suppress(OSError, ConnectionError):
                await writer.wait_closed()

    def _queue(self, frame: KissFrame) -> None:
        """Keep the newest ``max_queued`` frames: a reader that never reads cannot grow it."""
        if self.received.full():
            self.received.get_nowait()
            self.dropped += 1
        self.received.put_nowait(frame)

    async def broadcast(self, payload: bytes, port: int = 0, command: int = kiss.DATA) -> int:
        """Send a frame (a data frame unless ``command`` says otherwise) to every client; how
        many it was handed to.

        Never waits for a client: the frame goes into each client's transport buffer. A client
        whose unsent data would pass ``max_buffer_bytes``, or has not emptied for
        ``send_timeout_s``, stopped reading: it is cut off (``clients_dropped``), so one stuck
        reader can neither stall the others nor make the server hold its data forever."""
        data = kiss.encode(payload, port, command)
        now = time.monotonic()
        sent = 0
        for writer in list(self._clients):
            transport = writer.transport
            if transport.is_closing():
                self._forget(writer)
                continue
            backlog = transport.get_write_buffer_size()
            if backlog == 0:
                self._backlog_since.pop(writer, None)
            else:
                self._backlog_since.setdefault(writer, now)
            stalled = now - self._backlog_since.get(writer, now) > self.send_timeout_s
            if stalled or backlog + len(data) > self.max_buffer_bytes:
                self._drop(writer, "stalled" if stalled else "buffer full")
                continue
            try:
                writer.write(data)
                sent += 1
            except (ConnectionError, OSError) as exc:
                self._drop(writer, repr(exc))
        await asyncio.sleep(0)  # let the transports send before the caller's next frame
        return sent

    def _forget(self, writer: asyncio.StreamWriter) -> None:
        self._clients.discard(writer)
        self._backlog_since.pop(writer, None)

    def _drop(self, writer: asyncio.StreamWriter, why: str) -> None:
        """Cut a client off now; ``abort`` (not ``close``) frees its unsent data at once."""
        self._forget(writer)
        self.clients_dropped += 1
        _log.warning("KISS client dropped (%s)", why)
        writer.transport.abort()

    async def close(self) -> None:
        """Stop listening and drop every client."""
        if self._server is not None:
            self._server.close()
        for writer in list(self._clients):
            if writer.transport.get_write_buffer_size():
                writer.transport.abort()  # a client not reading would never let close finish
            else:
                writer.close()
        self._clients.clear()
        self._backlog_since.clear()
        if self._tasks:  # let each connection's loop see its end, so none is left pending
            await asyncio.wait(list(self._tasks), timeout=5.0)
        if self._server is not None:
            await self._server.wait_closed()

    async def __aenter__(self) -> KissTcpServer:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

"""KISS TCP client and server against each other, with garbage on the wire."""

from __future__ import annotations

import asyncio

import pytest

from picodragon.link import kiss
from picodragon.link.kiss import KissFrame
from picodragon.link.kiss_tcp import KissTcpClient, KissTcpServer


async def _exchange() -> None:
    async with KissTcpServer() as server:
        async with await KissTcpClient.connect("127.0.0.1", server.port) as client:
            await client.send(b"\xc0uplink\xdb", port=1)
            frame = await asyncio.wait_for(server.received.get(), 5)
            assert frame == KissFrame(1, 0, b"\xc0uplink\xdb")
            for _ in range(50):
                if server.client_count:
                    break
                await asyncio.sleep(0.01)
            assert await server.broadcast(b"downlink") == 1
            assert (await client.receive(timeout=5)).payload == b"downlink"
            with pytest.raises(TimeoutError):
                await client.receive(timeout=0.05)

        # garbage from a rude client does not stop the server
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"\xdb\xdb\xff garbage \xc0\x00ok\xc0")
        await writer.drain()
        assert (await asyncio.wait_for(server.received.get(), 5)).payload == b"ok"
        writer.close()
        async with await KissTcpClient.connect("127.0.0.1", server.port) as client:
            await client.send(b"again")
            assert (await asyncio.wait_for(server.received.get(), 5)).payload == b"again"


def test_client_server() -> None:
    asyncio.run(asyncio.wait_for(_exchange(), 30))


async def _closed() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(kiss.encode(b"bye"))
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with await KissTcpClient.connect("127.0.0.1", port) as client:
        assert (await client.receive(timeout=5)).payload == b"bye"
        with pytest.raises(EOFError):
            await client.receive(timeout=5)
    server.close()
    await server.wait_closed()


def test_client_sees_close() -> None:
    asyncio.run(asyncio.wait_for(_closed(), 30))


async def _bad_handler() -> None:
    seen: asyncio.Queue[KissFrame] = asyncio.Queue()

    async def handler(frame: KissFrame) -> None:
        await seen.put(frame)
        if frame.payload == b"boom":
            raise RuntimeError("handler bug")

    async with KissTcpServer(on_frame=handler) as server:
        async with await KissTcpClient.connect("127.0.0.1", server.port) as client:
            await client.send(b"boom")
            await client.send(b"fine")
            got = [await asyncio.wait_for(seen.get(), 5) for _ in range(2)]
            assert [f.payload for f in got] == [b"boom", b"fine"]
            await client.send(b"still connected")
            assert (await asyncio.wait_for(seen.get(), 5)).payload == b"still connected"
        assert server.handler_errors == 1
        assert server.received.empty()  # with a handler, nothing piles up in the queue


async def _bounded() -> None:
    async with (
        KissTcpServer(max_queued=3) as server,
        await KissTcpClient.connect("127.0.0.1", server.port) as client,
    ):
        for i in range(5):
            await client.send(bytes([i]))
        for _ in range(100):
            if server.dropped == 2:
                break
            await asyncio.sleep(0.01)
        got = [server.received.get_nowait().payload for _ in range(3)]
        assert got == [b"\x02", b"\x03", b"\x04"] and server.dropped == 2


def test_queue_is_bounded() -> None:
    asyncio.run(asyncio.wait_for(_bounded(), 30))


def test_handler_errors_do_not_drop_the_client() -> None:
    asyncio.run(asyncio.wait_for(_bad_handler(), 30))


async def _with_kiss3() -> None:
    """Our server against the kiss3 client (the oracle): AX.25 frames both ways."""
    import ax253
    import kiss as kiss3

    from picodragon.link import ax25

    # ax253 keeps no C bits (it writes both as 0), so send it a frame without them
    frame = ax25.encode(
        ax25.Frame(
            ax25.Address("CQ", ch=False), ax25.Address("XV9PID", 1, ch=False), info=b"\xc0\xdb PICO"
        )
    )
    async with KissTcpServer() as server:
        transport, protocol = await kiss3.create_tcp_connection("127.0.0.1", server.port)
        try:
            protocol.write(bytes(ax253.Frame.from_bytes(frame)))
            assert (await asyncio.wait_for(server.received.get(), 5)).payload == frame
            for _ in range(50):
                if server.client_count:
                    break
                await asyncio.sleep(0.01)
            await server.broadcast(frame)
            theirs = await asyncio.wait_for(protocol.frames.get(), 5)
            assert bytes(theirs) == frame
        finally:
            transport.close()


def test_server_with_kiss3_client() -> None:
    asyncio.run(asyncio.wait_for(_with_kiss3(), 30))

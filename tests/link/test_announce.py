"""The rehearsal's side channel: a live twin's clock announcement in a KISS SET_HARDWARE frame."""

from __future__ import annotations

import asyncio

from picodragon.link import kiss
from picodragon.link.announce import LiveAnnouncement, parse_announcement
from picodragon.link.kiss_tcp import KissTcpClient, KissTcpServer

HELLO = LiveAnnouncement(1384917930.5, 10.0, "VNSC Hanoi", "Pico Dragon", ("PD", "1 x", "2 y"))


def test_an_announcement_survives_its_kiss_frame():
    frames = kiss.KissDecoder().feed(HELLO.to_kiss())
    assert len(frames) == 1 and frames[0].command == kiss.SET_HARDWARE
    assert parse_announcement(frames[0].command, bytes(frames[0].payload)) == HELLO


def test_anything_else_is_not_an_announcement():
    payload = HELLO.to_payload()
    assert parse_announcement(kiss.DATA, payload) is None  # a data frame is the radio's
    for junk in [b"", b"\xff\xfe", b"[1, 2]", b'{"picodragon_live": 2, "sim_unix_s": 1, "speed": 1}',
                 b'{"picodragon_live": 1, "sim_unix_s": "x", "speed": 1}',
                 b'{"picodragon_live": 1, "sim_unix_s": 1, "speed": 0}',
                 b'{"picodragon_live": 1, "sim_unix_s": 1e999, "speed": 1}', b"{" * 5000]:
        assert parse_announcement(kiss.SET_HARDWARE, junk) is None
    odd = parse_announcement(kiss.SET_HARDWARE, b'{"picodragon_live": 1, "sim_unix_s": 5, "speed": 2, "tle": 7}')
    assert odd is not None and odd.tle == () and odd.sim_unix_s == 5.0


def test_the_server_greets_each_client_and_broadcasts_hardware_frames():
    async def scenario():
        server = await KissTcpServer(hello=HELLO.to_kiss).start()
        try:
            client = await KissTcpClient.connect("127.0.0.1", server.port)
            first = await client.receive(timeout=5.0)
            await server.broadcast(b"data")
            await server.broadcast(HELLO.to_payload(), command=kiss.SET_HARDWARE)
            second, third = await client.receive(timeout=5.0), await client.receive(timeout=5.0)
            await client.close()
            return first, second, third
        finally:
            await server.close()

    first, second, third = asyncio.run(scenario())
    assert parse_announcement(first.command, bytes(first.payload)) == HELLO
    assert (second.command, bytes(second.payload)) == (kiss.DATA, b"data")
    assert parse_announcement(third.command, bytes(third.payload)) == HELLO

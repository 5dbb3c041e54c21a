"""The live twin on KISS TCP: a client hears its beacons and can reach its receiver."""

from __future__ import annotations

import asyncio

from picodragon.config import load_scenario
from picodragon.link import ax25
from picodragon.link.kiss_tcp import KissTcpClient
from picodragon.mission.live import run_live

AFTER_SILENCE = 1384865820.0 + 1800 + 60  # ejection 2013-11-19T12:17:00Z plus RF silence plus a minute


def test_a_kiss_client_hears_the_beacon_and_is_heard():
    async def scenario():
        ready: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        live = asyncio.create_task(run_live(
            load_scenario(), port=0, speed=30.0, start_unix=AFTER_SILENCE, anywhere=True,
            duration_s=8.0, on_ready=ready.set_result))
        port = await asyncio.wait_for(ready, 60)
        client = await KissTcpClient.connect("127.0.0.1", port)
        heard = None
        for _ in range(20):
            kiss_frame = await client.receive(timeout=15)
            decoded = ax25.decode(kiss_frame.payload)
            if isinstance(decoded, ax25.Frame):
                heard = decoded
                break
        garbage = bytes(range(40))
        await client.send(garbage)
        await asyncio.sleep(1.0)
        await client.close()
        status = await asyncio.wait_for(live, 60)
        return heard, status

    heard, status = asyncio.run(scenario())
    assert heard is not None
    assert heard.source.callsign == "XV9PID"
    assert status.frames_from_clients == 1  # a garbage frame reaches the receiver and is dropped there
    assert status.frames_to_clients >= 1

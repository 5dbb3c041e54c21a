"""run_station end to end on 127.0.0.1: a KISS TCP TNC (the link room's server) feeding frames,
the station archiving them and sending released commands during a pass."""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from datetime import UTC, datetime, timedelta

import pytest

from picodragon.config import load_scenario
from picodragon.dictionary.telecommand import decode_telecommand
from picodragon.elements import ElementSet
from picodragon.ground.archive import open_archive
from picodragon.ground.commanding import CommandQueue, Stage
from picodragon.ground.operations import run_station
from picodragon.ground.passes import find_passes
from picodragon.link import auth, ax25
from picodragon.link.kiss_tcp import KissTcpServer
from tests.ground.helpers import hk_frame

SCENARIO = load_scenario()
STATION = SCENARIO.stations[0]
ISS = ElementSet.from_lines(*SCENARIO.deployment.carrier_tle)
KEY = bytes(range(100, 132))


def test_station_receives_archives_and_uplinks(tmp_path, caplog):
    caplog.set_level(logging.INFO, "picodragon.ground")  # the log lines the pass console keeps
    db = str(tmp_path / "station.sqlite")
    start = datetime(2013, 11, 20, tzinfo=UTC)
    p = find_passes(ISS, STATION, start, start + timedelta(days=1))[0]
    with open_archive(db) as archive:
        queue = CommandQueue(archive, KEY)
        command = queue.queue("NOOP", now=p.aos.timestamp() - 600)
        queue.release(command.id, p.aos.timestamp() - 500)

    async def scenario():
        server = await KissTcpServer().start()
        t0 = time.monotonic()
        sim0 = p.aos.timestamp() + 10.0

        def clock() -> float:
            return sim0 + (time.monotonic() - t0)

        stop = asyncio.Event()

        async def tnc():
            for _ in range(100):  # bounded: wait for the station to connect
                if server.client_count:
                    break
                await asyncio.sleep(0.05)
            for i in range(5):
                await server.broadcast(hk_frame(clock(), i))
            await server.broadcast(b"\x00not a frame at all")
            for _ in range(100):  # bounded: wait for the uplink
                if not server.received.empty():
                    break
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.3)
            stop.set()

        run = asyncio.create_task(
            run_station(
                kiss=f"127.0.0.1:{server.port}",
                element_set=ISS,
                station=STATION,
                spacecraft_callsign="XV9PID",
                station_callsign="VNSC",
                downlink_hz=437.365e6,
                uplink_hz=145.95e6,
                db=db,
                key=KEY,
                duration_s=30.0,
                stop=stop,
                clock=clock,
                tick_s=0.1,
            )
        )
        await tnc()
        report = await asyncio.wait_for(run, 30)
        uplinked = []
        while not server.received.empty():
            uplinked.append(server.received.get_nowait().payload)
        await server.close()
        return report, uplinked

    report, uplinked = asyncio.run(scenario())
    assert report.frames == 6 and report.decoded == 5 and report.rejected == 1
    assert report.commands_sent == 1 and report.passes_tracked == 1
    (frame,) = uplinked
    decoded = ax25.decode(frame)
    assert decoded.destination == ax25.Address("XV9PID")
    tc = decode_telecommand(decoded.info, auth.CommandVerifier({0: KEY}))
    assert tc.name == "NOOP"
    with open_archive(db) as archive:
        assert archive.count_frames() == 6
        (record,) = CommandQueue(archive, KEY).history()
        assert record.stage == Stage.SENT
        # the pass console's state: written during the pass, with the look angles and the log
        state = archive.station_state(STATION.name)
        assert state is not None and p.aos.timestamp() <= state["unix_s"] <= p.los.timestamp()
        assert 0.0 <= state["commanded"]["azimuth_deg"] <= 360.0
        assert state["rig"] == "none" and state["rotator"] == "none" and state["rotator_pointed"] is None
        assert any("AOS over" in line for line in state["log"])
        assert archive.station_state("nowhere") is None


def test_the_station_names_no_callsign_of_its_own():
    """The spacecraft's and the station's callsigns are the mission's: required, no default."""
    parameters = inspect.signature(run_station).parameters
    for name in ("spacecraft_callsign", "station_callsign"):
        assert parameters[name].kind is inspect.Parameter.KEYWORD_ONLY
        assert parameters[name].default is inspect.Parameter.empty
    with pytest.raises(TypeError, match="spacecraft_callsign"):
        asyncio.run(run_station(kiss="127.0.0.1:1", element_set=ISS, station=STATION,
                                downlink_hz=437.365e6, uplink_hz=145.95e6))


def test_station_keeps_retrying_an_absent_tnc(tmp_path):
    from tests.conftest import free_port

    async def scenario():
        return await run_station(
            kiss=f"127.0.0.1:{free_port()}",
            element_set=ISS,
            station=STATION,
            spacecraft_callsign="XV9PID",
            station_callsign="VNSC",
            downlink_hz=437.365e6,
            uplink_hz=145.95e6,
            db=str(tmp_path / "s.sqlite"),
            duration_s=1.5,
            tick_s=0.1,
        )

    report = asyncio.run(scenario())
    assert report.tnc_connections == 0 and "TNC" in report.last_error


def test_station_executes_its_part_of_a_plan(tmp_path):
    from picodragon.ground.planner import Request, plan_passes

    start = datetime(2013, 11, 20, tzinfo=UTC)
    passes = find_passes(ISS, STATION, start, start + timedelta(days=1))
    plan = plan_passes(
        passes,
        {ISS.name: ISS},
        {ISS.name: SCENARIO.spacecraft.radio},
        {STATION.name: STATION},
        [Request("command", ISS.name, command="SET_BEACON_INTERVAL", arguments={"interval_s": 60})],
    )
    contact = plan.contacts[0]
    assert contact.prime_station == STATION.name and contact.commands

    async def scenario():
        server = await KissTcpServer().start()
        t0 = time.monotonic()
        sim0 = contact.start_unix_s + 5.0
        stop = asyncio.Event()
        run = asyncio.create_task(
            run_station(
                kiss=f"127.0.0.1:{server.port}",
                element_set=ISS,
                station=STATION,
                spacecraft_callsign="XV9PID",
                station_callsign="VNSC",
                downlink_hz=437.365e6,
                uplink_hz=145.95e6,
                db=str(tmp_path / "p.sqlite"),
                key=KEY,
                duration_s=30.0,
                stop=stop,
                clock=lambda: sim0 + time.monotonic() - t0,
                tick_s=0.1,
                plan=plan,
            )
        )
        for _ in range(200):  # bounded: wait for the uplink
            if not server.received.empty():
                break
            await asyncio.sleep(0.05)
        stop.set()
        report = await asyncio.wait_for(run, 30)
        frames = []
        while not server.received.empty():
            frames.append(server.received.get_nowait().payload)
        await server.close()
        return report, frames

    report, frames = asyncio.run(scenario())
    assert report.commands_sent == 1
    tc = decode_telecommand(ax25.decode(frames[0]).info, auth.CommandVerifier({0: KEY}))
    assert tc.name == "SET_BEACON_INTERVAL" and tc.arguments == {"interval_s": 60.0}

"""run_station on 127.0.0.1 as it talks: it follows a live twin's announced clock and element
set, logs its checks, passes, frames and Hamlib errors (and survives them), and reports a run that
never reached its TNC."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from picodragon.config import load_scenario
from picodragon.elements import ElementSet, tle_checksum
from picodragon.ground.operations import run_station
from picodragon.ground.passes import find_passes
from picodragon.link.announce import LiveAnnouncement
from picodragon.link.kiss_tcp import KissTcpServer
from tests.conftest import free_port
from tests.ground.helpers import hk_frame

SCENARIO = load_scenario()
STATION = SCENARIO.stations[0]
ISS = ElementSet.from_lines(*SCENARIO.deployment.carrier_tle, name="ISS")


def _with_checksum(line: str) -> str:
    return line[:68] + str(tle_checksum(line))


# the ISS a month before (epoch 2013-10-17): an element set past the 14-day warning in November
STALE = ElementSet.from_lines(
    _with_checksum("1 25544U 98067A   13290.50000000  .00016717  00000-0  10270-3 0  9000"),
    _with_checksum("2 25544  51.6416 247.4627 0006703 130.5360 325.0288 15.72125391 00000"), "OLD")
PASS = find_passes(ISS, STATION, datetime(2013, 11, 20, tzinfo=UTC), datetime(2013, 11, 21, tzinfo=UTC))[0]


def _run(kiss: str, caplog, **kwargs):
    caplog.set_level(logging.INFO, logger="picodragon")
    return run_station(kiss=kiss, station=STATION, spacecraft_callsign="XV9PID", station_callsign="VNSC",
                       downlink_hz=437.365e6, uplink_hz=145.95e6, **kwargs)


def test_the_station_follows_the_twin_and_says_so(tmp_path, caplog):
    sim0 = PASS.aos.timestamp() + 5.0
    hello = LiveAnnouncement(sim0, 20.0, STATION.name, "ISS", (ISS.name, ISS.line1, ISS.line2))

    async def scenario():
        server = await KissTcpServer(hello=hello.to_kiss).start()
        try:
            async def tnc():
                for _ in range(100):  # bounded: wait for the station to connect
                    if server.client_count:
                        break
                    await asyncio.sleep(0.05)
                await asyncio.sleep(0.3)
                for i in range(3):
                    await server.broadcast(hk_frame(sim0 + 10 * i, i))

            feeder = asyncio.create_task(tnc())
            report = await _run(f"127.0.0.1:{server.port}", caplog, element_set=STALE,
                                db=str(tmp_path / "st.sqlite"), duration_s=60.0, tick_s=1.0, follow_tnc=True,
                                follow_tnc_elements=True, rigctld=f"127.0.0.1:{free_port()}")
            await feeder
            return report
        finally:
            await server.close()

    report = asyncio.run(scenario())
    assert report.clock == "twin" and report.passes_tracked == 1 and report.frames == 3
    assert sim0 - 1 <= report.start_unix_s <= sim0 + 20  # the run's start moved to the twin's clock
    assert report.element_set["name"] == "ISS" and not report.element_set["stale"]
    text = caplog.text
    assert "following its clock, 2013-11-20T" in text and "and its element set" in text
    assert "AOS over VNSC Hanoi" in text and "frame 3: HOUSEKEEPING from XV9PID" in text
    assert "does not answer" in text  # the rig's check at start: one line, and the run carries on
    assert "rig/rotator:" in text and report.tracker_errors > 0  # its failures logged and survived
    assert "summary: VNSC Hanoi: 3 frames" in text
    assert report.to_json()["clock"] == "twin"


def test_a_stale_element_set_warns_at_each_prediction(tmp_path, caplog):
    ticks = iter(range(100_000))

    async def scenario():
        server = await KissTcpServer().start()  # a TNC that is no twin: the station keeps its clock
        try:
            return await _run(f"127.0.0.1:{server.port}", caplog, element_set=STALE, db=str(tmp_path / "st.sqlite"),
                              duration_s=20.0, tick_s=0.2,
                              clock=lambda: PASS.aos.timestamp() + 0.1 * next(ticks), follow_tnc=True)
        finally:
            await server.close()

    report = asyncio.run(scenario())
    assert report.clock == "utc" and report.tnc_connections == 1
    assert "WARNING older than 14 days" in caplog.text
    assert report.element_set["stale"] and report.element_set["age_days"] > 14


def test_a_station_that_never_reaches_its_tnc_says_so(tmp_path, caplog):
    clock = iter(range(10_000))

    report = asyncio.run(_run(f"127.0.0.1:{free_port()}", caplog, element_set=ISS, db=str(tmp_path / "st.sqlite"),
                              duration_s=3.0, tick_s=0.1, clock=lambda: PASS.aos.timestamp() + next(clock),
                              max_backoff_s=0.2))
    assert report.tnc_connections == 0 and report.last_error.startswith("TNC 127.0.0.1:")
    assert "retrying in" in caplog.text and "0 TNC connections" in caplog.text


def test_duration_counts_from_the_twins_clock(tmp_path, caplog):
    sim0 = (PASS.aos - timedelta(hours=2)).timestamp()
    hello = LiveAnnouncement(sim0, 50.0, STATION.name)

    async def scenario():
        server = await KissTcpServer(hello=hello.to_kiss).start()
        try:
            return await _run(f"127.0.0.1:{server.port}", caplog, element_set=ISS, db=str(tmp_path / "st.sqlite"),
                              duration_s=50.0, tick_s=1.0, follow_tnc=True)
        finally:
            await server.close()

    report = asyncio.run(scenario())  # 50 twin seconds at 50x: about a wall second, not 50
    assert report.clock == "twin" and 49.0 <= report.end_unix_s - report.start_unix_s <= 70.0
    assert report.passes_tracked == 0 and "next pass over VNSC Hanoi" in caplog.text


def test_the_hardware_state_line_says_what_the_rig_and_rotator_were_told():
    from picodragon.ground.hamlib import RigClient, RotatorClient
    from picodragon.ground.stationparts import hardware_state as _hardware_state
    from picodragon.ground.tracking import PassTracker

    tracker = PassTracker(ISS, STATION, 437.365e6, 145.95e6, rig=RigClient("127.0.0.1", 1),
                          rotator=RotatorClient("127.0.0.1", 1))
    assert _hardware_state(tracker) == "rig not tuned; rotator not pointed"
    tracker.tuned_downlink_hz, tracker.tuned_uplink_hz, tracker.pointed = 437.37e6, 145.9475e6, (321.2, 4.0)
    tracker.errors = 2
    assert _hardware_state(tracker) == ("rig down 437.370000 MHz, up 145.947500 MHz; rotator az 321.2 el 4.0 deg; "
                                        "2 errors")


def test_the_console_state_says_which_of_rig_and_rotator_failed_last():
    import logging

    from picodragon.ground.hamlib import RigClient, RotatorClient
    from picodragon.ground.stationparts import LogTail, station_state
    from picodragon.ground.tracking import PassTracker

    tracker = PassTracker(ISS, STATION, 437.365e6, 145.95e6, rig=RigClient("127.0.0.1", 1),
                          rotator=RotatorClient("127.0.0.1", 1))
    point = tracker.update(1384905600.0)  # nothing answers on port 1: both fail, the rotator last
    state = station_state(tracker, point, 1384905600.0, ["a", "b"])
    assert state["time"] == "2013-11-20T00:00:00Z" and state["log"] == ["a", "b"]
    assert state["commanded"]["azimuth_deg"] == round(float(point.azimuth_deg), 2)
    assert state["rotator"].startswith("error: rotator") and state["rig"] == "ok"
    assert state["rotator_pointed"] is None and state["rig_downlink_hz"] is None
    tracker.last_error = "downlink: refused"
    assert station_state(tracker, None, 0.0, [])["rig"] == "error: downlink: refused"
    bare = PassTracker(ISS, STATION, 437.365e6, 145.95e6)
    assert station_state(bare, None, 0.0, [])["rig"] == "none" == station_state(bare, None, 0.0, [])["rotator"]
    # the log tail keeps the last lines only
    tail = LogTail(size=2)
    logger = logging.getLogger("picodragon.test.tail")
    logger.setLevel(logging.INFO)
    logger.addHandler(tail)
    try:
        for i in range(3):
            logger.info("line %d", i)
    finally:
        logger.removeHandler(tail)
    assert list(tail.lines) == ["line 1", "line 2"]

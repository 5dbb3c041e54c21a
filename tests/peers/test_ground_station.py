"""`picodragon station`'s loop with the real Hamlib daemons: the radio is tuned for Doppler
and the rotator pointed while a pass is under way (accelerated clock, 127.0.0.1 only)."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import numpy as np

from picodragon.ground.hamlib import RigClient
from picodragon.ground.operations import run_station
from picodragon.ground.passes import find_passes
from picodragon.ground.tracking import track
from picodragon.link.kiss_tcp import KissTcpServer
from tests.conftest import free_port
from tests.peers.test_ground_hamlib import DOWN, ISS, STATION, UP, start_daemon, stop


def test_station_tunes_and_points_during_a_pass(tmp_path):
    rig_port, rot_port = free_port(), free_port()
    rig_proc = start_daemon("rigctld", rig_port)
    rot_proc = start_daemon("rotctld", rot_port)
    start = datetime(2013, 11, 20, tzinfo=UTC)
    p = find_passes(ISS, STATION, start, start + timedelta(days=1))[0]
    try:

        async def scenario():
            server = await KissTcpServer().start()
            t0 = time.monotonic()
            sim0 = p.tca.timestamp() - 10.0

            def clock() -> float:  # ten times real time, from just before culmination
                return sim0 + 10.0 * (time.monotonic() - t0)

            report = await run_station(
                kiss=f"127.0.0.1:{server.port}",
                element_set=ISS,
                station=STATION,
                spacecraft_callsign="XV9PID",
                station_callsign="VNSC",
                downlink_hz=DOWN,
                uplink_hz=UP,
                rigctld=f"127.0.0.1:{rig_port}",
                rotctld=f"127.0.0.1:{rot_port}",
                db=str(tmp_path / "s.sqlite"),
                duration_s=40.0,
                clock=clock,
                tick_s=0.1,
            )
            await server.close()
            return report, clock()

        report, end = asyncio.run(scenario())
        assert report.passes_tracked == 1 and report.tracker_errors == 0
        with RigClient("127.0.0.1", rig_port) as rig:
            tuned = rig.frequency()
            uplink = rig.uplink_frequency()
        # the last retune was within a tick or two of the end of the run
        expected = [track(ISS, STATION, np.array([t]), DOWN, UP)[0] for t in (end - 3, end + 1)]
        low, high = sorted(e.downlink_hz for e in expected)
        assert low - 20 <= tuned <= high + 20
        assert tuned < DOWN - 1000  # after culmination: receding, below the nominal frequency
        low, high = sorted(e.uplink_hz for e in expected)
        assert low - 20 <= uplink <= high + 20
    finally:
        stop(rig_proc)
        stop(rot_proc)
    assert rig_proc.poll() is not None and rot_proc.poll() is not None  # stopped by their pids

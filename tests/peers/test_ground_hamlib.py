"""Station control against the real Hamlib daemons (dummy models) on 127.0.0.1.

rigctld -m 1 and rotctld -m 1 are started on free ports by the fixtures and stopped by their
own pid. The radio must follow the Doppler shift through a pass; the rotator (the dummy slews
at about 6 degrees a second) must reach each point of the track it is sent to.
"""

from __future__ import annotations

import socket
import subprocess
import time
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from picodragon.config import load_scenario
from picodragon.elements import ElementSet
from picodragon.ground.hamlib import HamlibError, RigClient, RotatorClient, parse_host_port
from picodragon.ground.passes import find_passes
from picodragon.ground.tracking import PassTracker, track
from tests.conftest import free_port, require_program

SCENARIO = load_scenario()
STATION = SCENARIO.stations[0]
ISS = ElementSet.from_lines(*SCENARIO.deployment.carrier_tle)
DOWN = SCENARIO.spacecraft.radio.downlink_frequency_hz
UP = SCENARIO.spacecraft.radio.uplink_frequency_hz


def start_daemon(program: str, port: int) -> subprocess.Popen:
    path = require_program(program)
    proc = subprocess.Popen(
        [path, "-m", "1", "-T", "127.0.0.1", "-t", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):  # bounded wait for the port (at most about 10 s)
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.1)
    proc.kill()
    proc.wait(timeout=10)
    pytest.fail(f"{program} did not start listening on port {port}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture
def rigctld():
    port = free_port()
    proc = start_daemon("rigctld", port)
    yield port, proc
    stop(proc)


@pytest.fixture
def rotctld():
    port = free_port()
    proc = start_daemon("rotctld", port)
    yield port
    stop(proc)


def first_pass(min_elevation: float = 0.0, max_elevation: float = 90.0, near_north: bool = False):
    start = datetime(2013, 11, 20, tzinfo=UTC)
    for p in find_passes(ISS, STATION, start, start + timedelta(days=5)):
        north = abs((p.aos_azimuth_deg + 180) % 360 - 180) < 60
        if min_elevation <= p.max_elevation_deg <= max_elevation and (north or not near_north):
            return p
    raise AssertionError("no pass in the test window")


def test_radio_follows_doppler_through_a_pass(rigctld):
    port, _ = rigctld
    p = first_pass(min_elevation=30)
    with RigClient("127.0.0.1", port) as rig:
        tracker = PassTracker(ISS, STATION, DOWN, UP, rig=rig, lead_s=0.0)
        seen = []
        for t in np.arange(p.aos.timestamp(), p.los.timestamp(), 20.0):
            point = tracker.update(float(t))
            expected = track(ISS, STATION, np.array([t]), DOWN, UP)[0]
            assert point.downlink_hz == pytest.approx(expected.downlink_hz)
            assert rig.frequency() == pytest.approx(tracker.tuned_downlink_hz, abs=1.0)
            assert rig.uplink_frequency() == pytest.approx(tracker.tuned_uplink_hz, abs=1.0)
            assert abs(rig.frequency() - expected.downlink_hz) <= tracker.retune_hz + 1
            seen.append(rig.frequency())
    # approaching: above the nominal frequency; receding: below; a shift of kilohertz
    assert seen[0] > DOWN + 5e3 and seen[-1] < DOWN - 5e3
    assert np.all(np.diff(seen) < 0)
    assert tracker.errors == 0


def test_rotator_follows_the_track(rotctld):
    # a pass rising in the north: the dummy starts at azimuth 0 and slews about 6 deg/s
    p = first_pass(min_elevation=10, max_elevation=35, near_north=True)
    with RotatorClient("127.0.0.1", rotctld) as rotator:
        tracker = PassTracker(ISS, STATION, DOWN, UP, rotator=rotator, lead_s=0.0)
        tracker.set_pass(p)
        times = [p.aos.timestamp() - 60] + list(
            np.linspace(p.aos.timestamp(), p.los.timestamp(), 6)
        )
        for t in times:
            point = tracker.update(float(t))
            target_az, target_el = tracker.pointed
            if point.elevation_deg >= 0:
                assert target_el == pytest.approx(point.elevation_deg, abs=0.01)
                assert target_az % 360 == pytest.approx(point.azimuth_deg, abs=0.01)
            for _ in range(600):  # bounded: at most about 60 s of slewing per point
                az, el = rotator.position()
                if abs(az - target_az) < 1.0 and abs(el - target_el) < 1.0:
                    break
                time.sleep(0.1)
            else:
                pytest.fail(f"rotator at {az}, {el}, never reached {target_az}, {target_el}")
        tracker.park()
        assert tracker.errors == 0


def test_reconnects_after_the_daemon_restarts(rigctld):
    port, proc = rigctld
    rig = RigClient("127.0.0.1", port, timeout_s=1.0)
    rig.set_frequency(437_000_000)
    stop(proc)
    with pytest.raises(HamlibError, match="unreachable|failed"):
        rig.set_frequency(437_000_100)
    proc2 = start_daemon("rigctld", port)
    try:
        rig.set_frequency(437_000_200)
        assert rig.frequency() == 437_000_200
        assert rig.reconnects >= 1
    finally:
        rig.close()
        stop(proc2)


def test_refusal_is_a_clear_error(rigctld):
    port, _ = rigctld
    with RigClient("127.0.0.1", port) as rig, pytest.raises(HamlibError, match="RPRT"):
        rig.command("F notanumber")


def test_tracker_survives_a_missing_radio():
    port = free_port()
    rig = RigClient("127.0.0.1", port, timeout_s=0.5)
    rotator = RotatorClient("127.0.0.1", port, timeout_s=0.5)
    tracker = PassTracker(ISS, STATION, DOWN, UP, rig=rig, rotator=rotator)
    p = first_pass()
    tracker.update(p.tca.timestamp())
    assert tracker.errors >= 2 and "unreachable" in tracker.last_error


def test_host_port_parsing():
    assert parse_host_port("127.0.0.1:4532", 1) == ("127.0.0.1", 4532)
    assert parse_host_port("localhost", 4533) == ("localhost", 4533)
    with pytest.raises(ValueError):
        parse_host_port("host:notaport", 1)

"""Tracking logic without daemons: the cable wrap and the Doppler bookkeeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from picodragon.config import load_scenario
from picodragon.elements import ElementSet
from picodragon.ground.hamlib import HamlibError, RotatorClient
from picodragon.ground.passes import find_passes
from picodragon.ground.tracking import PassTracker

SCENARIO = load_scenario()
STATION = SCENARIO.stations[0]
ISS = ElementSet.from_lines(*SCENARIO.deployment.carrier_tle)


class FakeRotator(RotatorClient):
    """Records what it is told; never touches the network."""

    def __init__(self, start_az: float = 0.0, fail: bool = False) -> None:
        super().__init__("127.0.0.1", 1)
        self.commands: list[tuple[float, float]] = []
        self.az = start_az
        self.fail = fail

    def command(self, command):
        raise AssertionError("no network in this test")

    def position(self):
        return self.az, 0.0

    def set_position(self, azimuth_deg, elevation_deg):
        if self.fail:
            raise HamlibError("rotctld at 127.0.0.1:1 unreachable")
        assert self.min_azimuth_deg <= azimuth_deg <= self.max_azimuth_deg
        self.commands.append((azimuth_deg, elevation_deg))
        self.az = azimuth_deg


def test_no_pass_makes_the_rotator_unwind():
    start = datetime(2013, 11, 20, tzinfo=UTC)
    passes = find_passes(ISS, STATION, start, start + timedelta(days=4))
    assert len(passes) > 10
    rotator = FakeRotator()
    tracker = PassTracker(ISS, STATION, 437e6, 145e6, rotator=rotator)
    for p in passes:
        tracker.set_pass(p)
        rotator.commands.clear()
        for t in np.arange(p.aos.timestamp(), p.los.timestamp(), 5.0):
            tracker.update(float(t))
        az = np.array([c[0] for c in rotator.commands])
        assert len(az) > 3
        # each move is the short way between compass azimuths (at most half a turn, even through
        # the keyhole of an overhead pass), never a turn back round the end stop
        assert np.max(np.abs(np.diff(az))) <= 180.0


def test_rotator_errors_are_counted_not_raised():
    start = datetime(2013, 11, 20, tzinfo=UTC)
    p = find_passes(ISS, STATION, start, start + timedelta(days=1))[0]
    tracker = PassTracker(ISS, STATION, 437e6, 145e6, rotator=FakeRotator(fail=True))
    tracker.set_pass(p)
    tracker.update(p.tca.timestamp())
    assert tracker.errors == 1 and "unreachable" in tracker.last_error

"""The station's clock: the base clock until it follows a twin, then the twin's time x speed."""

from __future__ import annotations

from picodragon.ground.stationclock import StationClock


def test_the_clock_follows_the_twin_and_reanchors():
    wall, mono = [1.7e9], [100.0]
    clock = StationClock(lambda: wall[0], lambda: mono[0])
    assert clock() == 1.7e9 and not clock.following
    jump = clock.follow(1384917930.0, 10.0)
    assert jump == 1384917930.0 - 1.7e9
    mono[0] += 3.0
    assert clock() == 1384917960.0  # 3 wall seconds at 10x
    assert clock.follow(1384917955.0, 10.0) == -5.0  # a twin that lags re-anchors the station
    mono[0] += 1.0
    assert clock() == 1384917965.0 and clock.following and clock.speed == 10.0

"""The downlink's offset over an IQ recording, from the element set and the station (issue 17)."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from picodragon.config import load_scenario
from picodragon.elements import ElementSet
from picodragon.ground.iq_doppler import MAX_POINTS, recording_doppler
from picodragon.ground.passes import find_passes, look_angles
from picodragon.link.doppler import SPEED_OF_LIGHT

SCENARIO = load_scenario()
STATION = SCENARIO.stations[0]
ISS = ElementSet.from_lines(*SCENARIO.deployment.carrier_tle)
DOWNLINK = 437e6


def first_pass():
    start = SCENARIO.start
    return find_passes(ISS, STATION, start, start + timedelta(days=1))[0]


def test_the_curve_is_minus_range_rate_over_c_plus_the_mistuning() -> None:
    p = first_pass()
    centre = DOWNLINK - 3000.0  # the receiver sits 3 kHz low: the signal is 3 kHz up
    d = recording_doppler(ISS, STATION, p.aos, p.duration_s, DOWNLINK, centre)
    t = d.offset.times_s
    assert t[0] == 0 and t[-1] == pytest.approx(p.duration_s) and np.all(np.diff(t) <= 1.0 + 1e-9)
    look = look_angles(ISS, STATION, p.aos.timestamp() + t)
    expected = 3000.0 - DOWNLINK * look.range_rate_m_s / SPEED_OF_LIGHT
    assert np.allclose(d.offset.offsets_hz, expected)
    assert d.offset.offsets_hz[0] > 3000 + 5000 and d.offset.offsets_hz[-1] < 3000 - 5000  # in, then out
    assert d.visible and d.elevation_deg[0] == pytest.approx(STATION.min_elevation_deg, abs=0.01)  # AOS


def test_interpolation_between_samples_is_good_to_a_few_hertz() -> None:
    p = first_pass()
    d = recording_doppler(ISS, STATION, p.aos, p.duration_s, DOWNLINK, DOWNLINK)
    mid = np.arange(0.5, p.duration_s - 1, 1.0)
    exact = -DOWNLINK * look_angles(ISS, STATION, p.aos.timestamp() + mid).range_rate_m_s / SPEED_OF_LIGHT
    assert np.max(np.abs(d.offset.at(mid) - exact)) < 5.0


def test_below_the_horizon_and_long_recordings() -> None:
    p = first_pass()
    d = recording_doppler(ISS, STATION, p.los + timedelta(minutes=5), 60.0, DOWNLINK, DOWNLINK)
    assert not d.visible
    long = recording_doppler(ISS, STATION, p.aos, 3 * 86400.0, DOWNLINK, DOWNLINK)
    assert len(long.offset.times_s) == MAX_POINTS
    short = recording_doppler(ISS, STATION, p.aos, 0.0, DOWNLINK, DOWNLINK)
    assert len(short.offset.times_s) == 2
    for bad in (float("nan"), -1.0):
        with pytest.raises(ValueError):
            recording_doppler(ISS, STATION, p.aos, bad, DOWNLINK, DOWNLINK)

"""Link budget: hand-checked lines, vectorisation, BER and FER."""

from __future__ import annotations

import numpy as np
import pytest

from picodragon.config import load_scenario
from picodragon.link import budget


@pytest.fixture(scope="module")
def scenario():  # type: ignore[no-untyped-def]
    return load_scenario("picodragon-2013")


def test_free_space_loss_hand_value() -> None:
    # 20 log10(4 pi * 1000 km * 437.365 MHz / c) = 145.26 dB
    assert budget.free_space_path_loss_db(1e6, 437.365e6) == pytest.approx(145.26, abs=0.01)


def test_noncoherent_fsk_ber() -> None:
    assert budget.fsk_noncoherent_ber(0.0) == pytest.approx(0.5 * np.exp(-0.5))
    assert budget.required_eb_n0_db(1e-5) == pytest.approx(13.35, abs=0.01)


def test_frame_error_rate() -> None:
    assert budget.frame_error_rate(0.0, 1000) == 0.0
    assert budget.frame_error_rate(1e-3, 1000) == pytest.approx(1 - 0.999**1000)
    assert budget.frame_error_rate(0.5, 10) == pytest.approx(1 - 0.5**10)


def test_downlink_vectorised(scenario) -> None:  # type: ignore[no-untyped-def]
    radio, station = scenario.spacecraft.radio, scenario.stations[0]
    ranges = np.array([2300e3, 1000e3, 410e3])
    elevations = np.array([0.0, 30.0, 90.0])
    b = budget.downlink_budget(radio, station, ranges, elevations)
    assert b.frequency_hz == radio.downlink_frequency_hz
    assert np.shape(b.margin_db) == (3,)
    assert np.all(np.diff(b.margin_db) > 0)  # closer is better
    one = budget.downlink_budget(radio, station, 1000e3, 30.0)
    assert float(one.margin_db) == pytest.approx(b.margin_db[1])
    assert float(np.asarray(one.eb_n0_db)) == pytest.approx(
        float(np.asarray(one.margin_db)) + one.required_eb_n0_db
    )
    assert 0 <= float(np.asarray(one.bit_error_rate)) <= 0.5


def test_uplink(scenario) -> None:  # type: ignore[no-untyped-def]
    radio, station = scenario.spacecraft.radio, scenario.stations[0]
    b = budget.uplink_budget(radio, station, np.array([1000e3]), np.array([30.0]))
    assert b.frequency_hz == radio.uplink_frequency_hz
    assert b.to_dict()["margin_db"] == [pytest.approx(float(b.margin_db[0]))]

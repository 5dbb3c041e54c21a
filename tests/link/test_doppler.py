"""Doppler: hand values, both directions, rate from a straight-line pass."""

from __future__ import annotations

import numpy as np
import pytest

from picodragon.link import doppler

C = doppler.SPEED_OF_LIGHT


def test_hand_values() -> None:
    # approaching at 7 km/s at 437.365 MHz: +10.21 kHz
    assert doppler.doppler_shift_hz(437.365e6, -7000.0) == pytest.approx(437.365e6 * 7000 / C)
    assert doppler.doppler_shift_hz(437.365e6, -7000.0) == pytest.approx(10212.4, abs=0.5)
    assert doppler.downlink_receive_hz(437.365e6, 7000.0) < 437.365e6


def test_uplink_precompensation_lands_on_frequency() -> None:
    rdot = np.linspace(-7500, 7500, 7)
    tx = doppler.uplink_transmit_hz(145.95e6, rdot)
    assert doppler.downlink_receive_hz(tx, rdot) == pytest.approx(np.full(7, 145.95e6))


def test_range_rate_and_rate_of_change() -> None:
    # straight line past a station at 500 km closest approach, 7.5 km/s
    t = np.linspace(-300, 300, 601)
    v = 7500.0
    sat = np.stack([v * t, np.full_like(t, 500e3), np.zeros_like(t)], axis=-1)
    vel = np.tile([v, 0.0, 0.0], (len(t), 1))
    rdot = doppler.range_rate_m_s(sat, vel, np.zeros(3))
    assert rdot[300] == pytest.approx(0.0, abs=1e-6)
    assert rdot[0] < 0 < rdot[-1]
    rate = doppler.doppler_rate_hz_s(437e6, rdot, t)
    # at closest approach rddot = v^2 / d: -437e6 * 7500^2 / 500e3 / c = -164 Hz/s
    assert rate[300] == pytest.approx(-437e6 * v**2 / 500e3 / C, rel=1e-3)
    assert np.argmin(rate) == 300


def test_tuning_schedule() -> None:
    t = np.linspace(-300, 300, 601)
    v = 7500.0
    sat = np.stack([v * t, np.full_like(t, 500e3), np.zeros_like(t)], axis=-1)
    rdot = doppler.range_rate_m_s(sat, np.tile([v, 0.0, 0.0], (len(t), 1)), np.zeros(3))
    wanted = doppler.downlink_receive_hz(437.365e6, rdot)
    times, settings = doppler.tuning_schedule(t, wanted, 500.0)
    assert times[0] == t[0] and len(times) > 10
    # between settings the error stays under the step
    held = settings[np.searchsorted(times, t, side="right") - 1]
    assert np.max(np.abs(wanted - held)) < 500.0
    with pytest.raises(ValueError):
        doppler.tuning_schedule(t, wanted[:-1], 500.0)

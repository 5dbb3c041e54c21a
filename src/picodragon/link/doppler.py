"""Doppler shift and its rate from the range rate, for both directions of the link.

First order in v/c (|v| < 8 km/s in LEO, so the second-order term is below 4e-10 of the
carrier, under 0.2 Hz at UHF): a receiver sees ``f_rx = f_tx (1 - rdot / c)`` where ``rdot`` is
the rate of change of the distance between the two (positive when they draw apart).

- Downlink: the station hears the spacecraft's carrier at ``f (1 - rdot/c)``: tune there.
- Uplink: to land on the spacecraft's receiver at ``f``, transmit ``f / (1 - rdot/c)``.

The rate of change (Hz/s) follows from the range acceleration, ``-f rddot / c``; a pass of a
410 km orbit peaks near -120 Hz/s at UHF at culmination. Everything is vectorised.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "SPEED_OF_LIGHT",
    "doppler_rate_hz_s",
    "doppler_shift_hz",
    "downlink_receive_hz",
    "range_rate_m_s",
    "tuning_schedule",
    "uplink_transmit_hz",
]

SPEED_OF_LIGHT = 299_792_458.0
Array = np.ndarray | float


def doppler_shift_hz(frequency_hz: Array, range_rate_m_s: Array) -> np.ndarray:
    """Received minus transmitted frequency, Hz (negative while the range grows)."""
    return -np.asarray(frequency_hz, dtype=float) * np.asarray(range_rate_m_s) / SPEED_OF_LIGHT


def downlink_receive_hz(frequency_hz: Array, range_rate_m_s: Array) -> np.ndarray:
    """Where the station must listen for a spacecraft transmitting at ``frequency_hz``."""
    return np.asarray(frequency_hz, dtype=float) * (1 - np.asarray(range_rate_m_s) / SPEED_OF_LIGHT)


def uplink_transmit_hz(frequency_hz: Array, range_rate_m_s: Array) -> np.ndarray:
    """What the station must transmit for the spacecraft to receive ``frequency_hz``."""
    return np.asarray(frequency_hz, dtype=float) / (1 - np.asarray(range_rate_m_s) / SPEED_OF_LIGHT)


def doppler_rate_hz_s(
    frequency_hz: Array, range_rate_m_s: np.ndarray, times_s: np.ndarray
) -> np.ndarray:
    """Rate of change of the shift (Hz/s) from range rates sampled at ``times_s``."""
    rdd = np.gradient(np.asarray(range_rate_m_s, dtype=float), np.asarray(times_s, dtype=float))
    return -np.asarray(frequency_hz, dtype=float) * rdd / SPEED_OF_LIGHT


def range_rate_m_s(
    sat_position_m: np.ndarray,
    sat_velocity_m_s: np.ndarray,
    station_position_m: np.ndarray,
    station_velocity_m_s: np.ndarray | float = 0.0,
) -> np.ndarray:
    """d|r_sat - r_sta|/dt from positions and velocities in one frame (last axis: x, y, z)."""
    rel = np.asarray(sat_position_m, dtype=float) - np.asarray(station_position_m, dtype=float)
    vel = np.asarray(sat_velocity_m_s, dtype=float) - np.asarray(station_velocity_m_s, dtype=float)
    return np.sum(rel * vel, axis=-1) / np.linalg.norm(rel, axis=-1)


def tuning_schedule(
    times_s: np.ndarray, frequencies_hz: np.ndarray, step_hz: float
) -> tuple[np.ndarray, np.ndarray]:
    """When to retune a radio so it never sits more than ``step_hz`` from the wanted frequency.

    Walks the (sorted) samples and emits a new setting whenever the wanted frequency has moved
    ``step_hz`` or more from the last one set; the first sample is always set. Returns
    ``(times, settings)``. A station's rig control would send these (e.g. Hamlib ``F``).
    """
    t = np.asarray(times_s, dtype=float)
    f = np.asarray(frequencies_hz, dtype=float)
    if t.shape != f.shape or t.ndim != 1:
        raise ValueError("times and frequencies must be 1-D arrays of one length")
    if step_hz <= 0:
        raise ValueError("step must be positive")
    if len(t) == 0:
        return t, f
    chosen = [0]
    current = f[0]
    for i in range(1, len(f)):
        if abs(f[i] - current) >= step_hz:
            chosen.append(i)
            current = f[i]
    idx = np.array(chosen)
    return t[idx], f[idx]

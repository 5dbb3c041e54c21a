"""Narrow-band FM at complex baseband: how AFSK audio actually crosses the radio link.

The transmitter's frequency follows the audio, ``f(t) = deviation * audio(t)`` (3 kHz peak
deviation, 12.5 kHz channel practice); the receiver band-limits to its IF bandwidth (15 kHz)
and a limiter-discriminator gives the instantaneous frequency back as audio. Below about
10 dB of C/N in the IF bandwidth the discriminator "clicks" (FM threshold; Taub and Schilling,
"Principles of Communication Systems", 2nd ed., section 10.14), which is what makes AFSK over
FM need far more Eb/N0 than ideal FSK.

Noise is complex white Gaussian with density N0 set from ``C/N0 = Eb/N0 + 10 log10(R)`` for a
unit carrier. A residual frequency offset (mistuning, uncorrected Doppler) can be added: it
becomes a DC shift in the audio, harmless until the signal leaves the IF filter.
"""

from __future__ import annotations

import numpy as np
from scipy import signal

__all__ = ["fm_demodulate", "fm_link", "fm_modulate"]


def fm_modulate(
    audio: np.ndarray, sample_rate: int, deviation_hz: float = 3000.0, offset_hz: float = 0.0
) -> np.ndarray:
    """Unit-amplitude complex baseband whose frequency is ``deviation_hz * audio + offset_hz``."""
    freq = deviation_hz * np.asarray(audio, dtype=np.float64) + offset_hz
    return np.exp(1j * 2 * np.pi * np.cumsum(freq) / sample_rate)


def fm_demodulate(
    baseband: np.ndarray,
    sample_rate: int,
    deviation_hz: float = 3000.0,
    if_bandwidth_hz: float = 15000.0,
) -> np.ndarray:
    """IF filter (6th-order Butterworth, ``if_bandwidth_hz`` wide) and limiter-discriminator:
    audio scaled so a full deviation gives 1."""
    sos = signal.butter(
        6, min(if_bandwidth_hz / 2, 0.45 * sample_rate), fs=sample_rate, output="sos"
    )
    z = signal.sosfilt(sos, baseband)
    freq = np.angle(z[1:] * np.conj(z[:-1])) * sample_rate / (2 * np.pi)
    return np.concatenate([[0.0], freq / deviation_hz]).astype(np.float32)


def fm_link(
    audio: np.ndarray,
    sample_rate: int,
    eb_n0_db: float,
    bit_rate: float,
    rng: np.random.Generator,
    deviation_hz: float = 3000.0,
    if_bandwidth_hz: float = 15000.0,
    offset_hz: float = 0.0,
) -> np.ndarray:
    """``audio`` (peak 1) through an FM transmitter, a noisy channel at ``eb_n0_db`` and an FM
    receiver; the received audio."""
    if sample_rate < 2 * (deviation_hz + 2400.0):
        raise ValueError("sample rate too low for the FM signal: use 44.1 or 48 kHz")
    z = fm_modulate(audio, sample_rate, deviation_hz, offset_hz)
    c_n0 = 10 ** ((eb_n0_db + 10 * np.log10(bit_rate)) / 10)
    sigma = np.sqrt(sample_rate / c_n0 / 2)
    z = z + sigma * (rng.standard_normal(len(z)) + 1j * rng.standard_normal(len(z)))
    return fm_demodulate(z, sample_rate, deviation_hz, if_bandwidth_hz)

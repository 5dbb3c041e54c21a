"""Bell 202 AFSK modulator: NRZI line bits to phase-continuous audio tones.

Bell 202 (Bell System Technical Reference PUB 41212, 1976): mark 1200 Hz, space 2200 Hz,
1200 bit/s; AX.25 on VHF/UHF FM uses it with NRZI, so which tone means which level does not
matter. The phase runs on across bit boundaries (continuous-phase FSK), which keeps the
spectrum compact. Sample rates need not be a multiple of the bit rate: each sample takes the
tone of the bit it falls in.

Pre-emphasis (optional) models an FM transmitter's 6 dB/octave boost of high audio
frequencies (a first-order high shelf with a 750 us time constant, the NBFM land-mobile
practice; TIA-603): it leaves the space tone about 5 dB louder than the mark tone, the "twist"
a receiver sees without de-emphasis. ``deemphasis`` is its inverse, for test signals.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from scipy import signal

from picodragon.link import hdlc

__all__ = ["deemphasis", "modulate", "modulate_bits", "preemphasis"]

EMPHASIS_TIME_CONSTANT_S = 750e-6


def modulate_bits(
    levels: np.ndarray,
    sample_rate: int = 44100,
    baud: float = 1200.0,
    mark_hz: float = 1200.0,
    space_hz: float = 2200.0,
    amplitude: float = 0.5,
    phase: float = 0.0,
) -> np.ndarray:
    """Audio (float32) for line levels (1: mark, 0: space), phase-continuous from ``phase``."""
    levels = np.asarray(levels, dtype=np.uint8)
    n_samples = int(np.ceil(len(levels) * sample_rate / baud))
    bit_index = np.minimum(
        (np.arange(n_samples) * baud / sample_rate).astype(np.int64), len(levels) - 1
    )
    freq = np.where(levels[bit_index] == 1, mark_hz, space_hz)
    phases = phase + np.cumsum(2 * np.pi * freq / sample_rate)
    return (amplitude * np.sin(phases)).astype(np.float32)


def _shelf(sample_rate: int, inverse: bool) -> tuple[np.ndarray, np.ndarray]:
    """Bilinear first-order (1 + s tau), normalised to unity gain at 1 kHz."""
    tau = EMPHASIS_TIME_CONSTANT_S
    b, a = signal.bilinear([tau, 1.0], [tau / 20.0, 1.0], fs=sample_rate)
    _, h = signal.freqz(b, a, worN=[1000.0], fs=sample_rate)
    b = b / abs(h[0])
    return (a, b) if inverse else (b, a)


def preemphasis(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """6 dB/octave boost above 212 Hz (tau = 750 us), flattening above about 4 kHz."""
    b, a = _shelf(sample_rate, inverse=False)
    return signal.lfilter(b, a, samples).astype(np.float32)


def deemphasis(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """The inverse of :func:`preemphasis`: a receiver's de-emphasis."""
    b, a = _shelf(sample_rate, inverse=True)
    return signal.lfilter(b, a, samples).astype(np.float32)


def modulate(
    frames: Iterable[bytes],
    sample_rate: int = 44100,
    baud: float = 1200.0,
    mark_hz: float = 1200.0,
    space_hz: float = 2200.0,
    amplitude: float = 0.5,
    txdelay_flags: int = 32,
    gap_flags: int = 2,
    txtail_flags: int = 4,
    emphasis: bool = False,
    lead_silence_s: float = 0.1,
    tail_silence_s: float = 0.1,
) -> np.ndarray:
    """One transmission: TXDELAY flags, the frames (AX.25 without FCS) between flags, TXTAIL.

    ``txdelay_flags`` at 1200 bit/s: 32 flags = 213 ms, long enough for a receiver's squelch
    and clock to settle. Silence surrounds the burst.
    """
    parts = []
    frames = list(frames)
    for i, frame in enumerate(frames):
        pre = txdelay_flags if i == 0 else gap_flags
        post = txtail_flags if i == len(frames) - 1 else 0
        parts.append(hdlc.encode(frame, preamble_flags=pre, postamble_flags=post))
    bits = np.concatenate(parts) if parts else np.tile(hdlc.FLAG_BITS, txdelay_flags)
    audio = modulate_bits(hdlc.nrzi_encode(bits), sample_rate, baud, mark_hz, space_hz, amplitude)
    if emphasis:
        audio = preemphasis(audio, sample_rate)
        audio *= amplitude / max(float(np.max(np.abs(audio))), 1e-9)
    lead = np.zeros(int(lead_silence_s * sample_rate), dtype=np.float32)
    tail = np.zeros(int(tail_silence_s * sample_rate), dtype=np.float32)
    return np.concatenate([lead, audio, tail])

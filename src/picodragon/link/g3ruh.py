"""G3RUH FSK at 9600 and 4800 bit/s: modulator and demodulator, pure functions over samples.

The G3RUH modem (J. Miller, G3RUH, "9600 baud packet radio modem design", Proc. 7th ARRL
Computer Networking Conference, 1988) sends HDLC line levels as baseband NRZ into an FM
transmitter's modulator (direct FSK), after NRZI and a self-synchronising scrambler,
1 + x^12 + x^17, which keeps the spectrum flat and DC-free whatever the data. The audio here is
what sits at either end of the radio: the modulator input and the discriminator output.

Modulator: HDLC bits (:mod:`picodragon.link.hdlc`) -> NRZI -> scrambler -> NRZ levels +-1 at
the sample rate (each sample takes the level of the bit it falls in) -> a low-pass FIR with its
6 dB point at 0.6 of the bit rate (a windowed sinc, Hamming, 4 bits long), which keeps the
spectrum inside a 25 kHz channel as the G3RUH transmit filter does.

Demodulator (each stage vectorised with numpy over the whole buffer):

1. resample to an internal rate of 4 to 10 samples a bit (5 when the input is elsewhere);
2. a low-pass FIR against the discriminator's noise above the signal (cutoff a fraction of the
   bit rate, per variant);
3. remove the level the slicer should cut at: the discriminator output carries a DC offset from
   the transmitter's and receiver's frequency errors (and Doppler); each variant takes it as
   the running mean over some bits, or the midpoint of the running peak and valley
   (Direwolf's demod_9600.c tracks peak and valley too);
4. an optional slicer offset, a fraction of the running amplitude (several slicers, like
   Direwolf's ``-P +``, catch frames whose eye is skewed);
5. clock recovery, descrambling, NRZI decoding and HDLC deframing in one compiled loop
   (:func:`picodragon.link._kernels.pll_hdlc` with ``scrambled=True``).

The variants' frames are merged as the AFSK demodulator's are: copies ending within 64 bit
times of each other are one transmission.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from scipy import ndimage, signal

from picodragon.link import _kernels, hdlc
from picodragon.link.demod import MAX_SAMPLE_RATE, DecodedFrame, _merge, clean_samples, rate_within
from picodragon.link.fcsfix import GOOD_RESIDUE

__all__ = [
    "BAUD_RATES",
    "DEFAULT_VARIANTS",
    "G3ruhDemodulator",
    "G3ruhVariant",
    "check_sample_rate",
    "descramble",
    "minimum_sample_rate",
    "modulate",
    "modulate_levels",
    "scramble",
]

BAUD_RATES = (9600.0, 4800.0)
"""The two G3RUH rates amateur satellites use, bit/s."""

def scramble(bits: np.ndarray) -> np.ndarray:
    """Scramble line bits (0/1) with 1 + x^12 + x^17 from a zero register (G3RUH, 1988)."""
    return _kernels.scramble(np.ascontiguousarray(bits, dtype=np.uint8))


def descramble(bits: np.ndarray) -> np.ndarray:
    """The inverse of :func:`scramble`: out[n] = in[n] ^ in[n-12] ^ in[n-17] (bits before the
    start taken as 0). Feed-forward, so one wrong input bit spoils three output bits and no
    more: the descrambler resynchronises by itself."""
    x = np.asarray(bits, dtype=np.uint8)
    padded = np.concatenate([np.zeros(17, dtype=np.uint8), x])
    return x ^ padded[5:-12] ^ padded[: len(x)]


def minimum_sample_rate(baud: float) -> int:
    """Lowest input rate (Hz) that carries G3RUH at ``baud``: the demodulator keeps the
    spectrum up to the bit rate (the first null of NRZ), Nyquist doubles that, and a 10 %
    margin leaves room for the resampler's transition: 21120 Hz at 9600 bit/s, 10560 Hz at
    4800."""
    return math.ceil(11 * baud / 5)  # x 2.2, without float fuzz


def check_sample_rate(sample_rate: float, baud: float) -> int:
    """``sample_rate`` as an int if it can carry G3RUH at ``baud``, else ValueError (one line)."""
    low = minimum_sample_rate(baud)
    if not rate_within(sample_rate, low):
        raise ValueError(
            f"sample rate {sample_rate!r} Hz cannot carry G3RUH FSK at {baud:g} bit/s: it must "
            f"be {low} to {MAX_SAMPLE_RATE} Hz (twice the bit rate, with a 10 % margin)"
        )
    return int(sample_rate)


def _lowpass(cutoff_bits: float, rate: float, baud: float, length_bits: float) -> np.ndarray:
    """A Hamming-windowed sinc low-pass, ``cutoff_bits`` times the bit rate (its 6 dB point),
    ``length_bits`` bits long (an odd number of taps, at least 3), unity gain at DC."""
    taps = max(3, int(round(length_bits * rate / baud)) | 1)
    cutoff = min(cutoff_bits * baud, 0.49 * rate)
    return signal.firwin(taps, cutoff, fs=rate).astype(np.float32)


def modulate_levels(
    levels: np.ndarray, sample_rate: int = 48000, baud: float = 9600.0, amplitude: float = 0.5
) -> np.ndarray:
    """Shaped baseband audio (float32) for line levels (1: +amplitude, 0: -amplitude)."""
    levels = np.asarray(levels, dtype=np.uint8)
    if len(levels) == 0:
        return np.zeros(0, dtype=np.float32)
    n_samples = int(np.ceil(len(levels) * sample_rate / baud))
    bit_index = np.minimum(
        (np.arange(n_samples) * baud / sample_rate).astype(np.int64), len(levels) - 1
    )
    nrz = np.where(levels[bit_index] == 1, 1.0, -1.0).astype(np.float32)
    taps = _lowpass(0.6, sample_rate, baud, 4.0)
    return (amplitude * np.convolve(nrz, taps, mode="same")).astype(np.float32)


def modulate(
    frames: Iterable[bytes],
    sample_rate: int = 48000,
    baud: float = 9600.0,
    amplitude: float = 0.5,
    txdelay_flags: int = 64,
    gap_flags: int = 4,
    txtail_flags: int = 8,
    lead_silence_s: float = 0.05,
    tail_silence_s: float = 0.05,
) -> np.ndarray:
    """One transmission: TXDELAY flags, the frames (AX.25 without FCS) between flags, TXTAIL,
    NRZI-coded and scrambled, as shaped baseband audio.

    ``txdelay_flags`` 64 at 9600 bit/s is 53 ms, enough for the descrambler (17 bits) and the
    receiver's clock and DC tracking to settle. Silence surrounds the burst.
    """
    frames = list(frames)
    parts = []
    for i, frame in enumerate(frames):
        pre = txdelay_flags if i == 0 else gap_flags
        post = txtail_flags if i == len(frames) - 1 else 0
        parts.append(hdlc.encode(frame, preamble_flags=pre, postamble_flags=post))
    bits = np.concatenate(parts) if parts else np.tile(hdlc.FLAG_BITS, txdelay_flags)
    audio = modulate_levels(scramble(hdlc.nrzi_encode(bits)), sample_rate, baud, amplitude)
    lead = np.zeros(int(lead_silence_s * sample_rate), dtype=np.float32)
    tail = np.zeros(int(tail_silence_s * sample_rate), dtype=np.float32)
    return np.concatenate([lead, audio, tail])


@dataclass(frozen=True, slots=True)
class G3ruhVariant:
    """One demodulator: low-pass cutoff (fraction of the bit rate), how the slicing level is
    tracked (``"mean"``: running mean over ``track_bits``; ``"peak"``: midpoint of the running
    peak and valley over ``track_bits``), the slicer's offset as a fraction of the running
    amplitude, and the clock loop's gain while locked."""

    cutoff: float = 0.6
    track: str = "mean"
    track_bits: float = 32.0
    offset: float = 0.0
    pll_gain: float = 0.25


DEFAULT_VARIANTS: tuple[G3ruhVariant, ...] = (
    G3ruhVariant(0.8, "mean", 128.0, 0.0, 0.15),
    G3ruhVariant(0.8, "mean", 512.0, 0.0, 0.15),
    G3ruhVariant(0.8, "peak", 48.0, 0.0, 0.15),
    G3ruhVariant(1.0, "peak", 128.0, 0.0, 0.15),
    G3ruhVariant(0.65, "peak", 24.0, 0.0, 0.15),
)
"""Five demodulators, chosen on gen_packets' noise sweeps at 48 and 44.1 kHz (the wider filters
and slow level tracking win on white noise) and on the real recordings (the short peak tracker
follows a drifting discriminator level); bench/modem_g3ruh.py measures them."""


class G3ruhDemodulator:
    """G3RUH FSK (9600 bit/s by default) to HDLC frames with a good FCS.

    ``sample_rate`` (Hz) is the input's; ``baud`` (bit/s) the signal's; ``variants`` the
    parallel demodulators; ``pll_gain_search`` the clock loop's pull outside a frame.
    :meth:`demodulate` returns :class:`~picodragon.link.demod.DecodedFrame` s with the octets
    without FCS, ``end_sample`` counted at the input rate.
    """

    def __init__(
        self,
        sample_rate: int,
        baud: float = 9600.0,
        variants: tuple[G3ruhVariant, ...] = DEFAULT_VARIANTS,
        pll_gain_search: float = 0.5,
    ) -> None:
        if not (isinstance(baud, int | float) and 300.0 <= baud <= 100_000.0):
            raise ValueError(f"bit rate must be 300 to 100000 bit/s, got {baud!r}")
        self.sample_rate = check_sample_rate(sample_rate, baud)
        self.baud = float(baud)
        self.variants = variants
        self.gain_search = pll_gain_search
        per_bit = self.sample_rate / self.baud
        target = self.sample_rate if 4.0 <= per_bit <= 10.0 else 5.0 * self.baud
        ratio = Fraction(target / self.sample_rate).limit_denominator(2000)
        self._up, self._down = ratio.numerator, ratio.denominator
        self.rate_exact = self.sample_rate * self._up / self._down

    def _resample(self, samples: np.ndarray) -> np.ndarray:
        if self._up == self._down:
            return samples
        return signal.resample_poly(samples, self._up, self._down).astype(np.float32)

    def soft_decisions(self, samples: np.ndarray) -> list[np.ndarray]:
        """Per variant, the signal the slicer cuts at 0 (float32, internal rate)."""
        x = self._resample(np.asarray(samples, dtype=np.float32))
        bits = self.rate_exact / self.baud  # samples a bit
        filtered: dict[float, np.ndarray] = {}
        out = []
        for v in self.variants:
            if v.cutoff not in filtered:
                taps = _lowpass(v.cutoff, self.rate_exact, self.baud, 4.0)
                filtered[v.cutoff] = signal.oaconvolve(x, taps, mode="same").astype(np.float32)
            y = filtered[v.cutoff]
            width = max(3, int(round(v.track_bits * bits)))
            if v.track == "peak":
                hi = ndimage.maximum_filter1d(y, width)
                lo = ndimage.minimum_filter1d(y, width)
                d = y - 0.5 * (hi + lo)
                half = 0.5 * (hi - lo)
            else:
                d = y - ndimage.uniform_filter1d(y, width)
                half = np.sqrt(np.maximum(ndimage.uniform_filter1d(d * d, width), 0.0))
            if v.offset:
                d = d - np.float32(v.offset) * half
            out.append(d.astype(np.float32))
        return out

    def demodulate(self, samples: np.ndarray) -> list[DecodedFrame]:
        """Every frame found in ``samples`` (mono, any scale), merged over the variants."""
        samples = clean_samples(samples)
        if samples is None:
            return []
        step = self.baud / self.rate_exact
        good: list[tuple[int, bytes]] = []
        for variant, d in zip(self.variants, self.soft_decisions(samples), strict=True):
            octets, starts, lengths, ends, residues, _, count = _kernels.pll_hdlc(
                d, step, variant.pll_gain, self.gain_search, _kernels.CRC_TABLE, True
            )
            for k in range(count):
                if residues[k] == GOOD_RESIDUE:
                    raw = octets[starts[k] : starts[k] + lengths[k]].tobytes()
                    good.append((int(ends[k] * self._down / self._up), raw[:-2]))
        return _merge(good, [], self._window_samples())

    def _window_samples(self) -> int:
        """Two frames of the same content ending closer than this are one transmission."""
        return int(64 * self.sample_rate / self.baud)

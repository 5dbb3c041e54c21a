"""AFSK demodulator: several correlator demodulators in parallel, merged, with FCS-checked fixing.

Signal path (each stage vectorised with numpy over the whole buffer):

0. for variants with ``clip``: limit the input at ``clip`` times its running level, at the
   input rate, where the clicks of an FM receiver near threshold are still narrow spikes
   (impulse-noise limiting; a clipper ahead of the filters keeps one click from swamping a
   bit's worth of correlation);
1. resample to an internal rate (default 9600 Hz, 8 samples a bit at 1200 bit/s) with a
   polyphase filter (scipy.signal.resample_poly);
2. optional band-pass pre-filter (FIR, 700 to 2700 Hz) against out-of-band noise;
3. for each tone, mix down to 0 Hz and low-pass with a window about one bit long: a
   non-coherent correlator (matched filter) whose magnitude is the tone's envelope (Sklar,
   "Digital Communications", 2nd ed., section 4.5: non-coherent detection of FSK);
4. a soft decision ``d = |mark| - g |space|``; ``g`` compensates twist (unequal tone levels after
   pre-/de-emphasis), or "agc" divides each envelope by its peak over the 8 bits around it;
5. clock recovery and HDLC deframing in a compiled loop (:mod:`picodragon.link._kernels`).

Each :class:`Variant` (window, length, pre-filter, gain, clock-loop gain, clipper) is a
demodulator of its own; their
frames are merged: one transmission, seen by several demodulators ending within 64 bit times
of each other, counts once. Like Direwolf's multiple slicers (demod_afsk.c), but also over filter
shapes, since which one wins depends on the noise.

Optional fixing (``fix=True``, :mod:`picodragon.link.fcsfix`): a frame whose FCS failed is
repaired by flipping one or two of its eight least reliable NRZI line bits (soft information
from the clock loop), or, when two demodulators with different damaged copies agree on it,
one wrong data bit or two adjacent ones anywhere. A repaired frame must also parse as AX.25.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import Protocol

import numpy as np
from scipy import ndimage, signal

from picodragon.link import _kernels, ax25
from picodragon.link.fcsfix import GOOD_RESIDUE, fix_frame, fix_soft

__all__ = [
    "DEFAULT_VARIANTS",
    "FAST_VARIANTS",
    "MAX_SAMPLE_RATE",
    "AfskDemodulator",
    "DecodedFrame",
    "StreamingDemodulator",
    "Variant",
    "check_sample_rate",
    "fix_frame",
    "fix_soft",
    "minimum_sample_rate",
]

MAX_SAMPLE_RATE = 1_000_000
"""Highest input rate accepted, Hz: above every sound card's, and where the resampling ratio
to the internal rate (a fraction with a denominator of at most 2000) is still exact enough."""


def minimum_sample_rate(
    baud: float = 1200.0, mark_hz: float = 1200.0, space_hz: float = 2200.0
) -> int:
    """Lowest input rate (Hz) that carries the signal: the AFSK spectrum reaches about half a
    bit rate above the higher tone (2800 Hz for Bell 202), Nyquist doubles that, and a 10 %
    margin leaves room for the resampler's anti-alias transition: 6160 Hz for Bell 202."""
    return math.ceil(11 * (max(mark_hz, space_hz) + baud / 2) / 5)  # x 2.2, without float fuzz


@dataclass(frozen=True, slots=True)
class Variant:
    """One demodulator: correlator window and length (bits), pre-filter, space gain or "agc",
    the clock loop's gain while locked (``None``: the demodulator's default), and an optional
    clipper at ``clip`` times the running signal level (against FM clicks)."""

    window: str = "boxcar"
    length_bits: float = 1.375
    prefilter: bool = False
    space_gain: float | str = 1.0
    pll_gain: float | None = None
    clip: float | None = None


DEFAULT_VARIANTS: tuple[Variant, ...] = (
    Variant("boxcar", 1.375, False, 1.0),
    Variant("boxcar", 1.25, False, 1.0),
    Variant("hann", 2.0, False, 1.0),
    Variant("boxcar", 1.125, True, 1.0),
    Variant("hann", 2.0, True, 1.0),
    Variant("boxcar", 1.375, False, "agc"),
    Variant("hann", 2.0, True, "agc"),
    Variant("boxcar", 1.125, True, "agc"),
    Variant("hann", 2.0, True, 1.4),
    Variant("boxcar", 1.125, True, 1.4),
    Variant("boxcar", 1.375, False, 0.7),
    Variant("boxcar", 1.375, False, 1.0, 0.12),
    Variant("hann", 2.0, True, 1.4, 0.12),
    Variant("boxcar", 1.25, False, 1.0, 0.45),
    Variant("hann", 2.0, True, 1.0, 0.45),
    Variant("hann", 2.0, True, 1.0, None, 0.8),
    Variant("boxcar", 1.125, True, "agc", None, 0.8),
    Variant("boxcar", 1.25, False, 1.0, 0.12, 0.8),
    Variant("boxcar", 1.375, False, 1.0, None, 0.8),
)


FAST_VARIANTS: tuple[Variant, ...] = (
    Variant("boxcar", 1.375, False, 1.0),
    Variant("hann", 2.0, True, 1.4),
    Variant("hann", 2.0, True, 1.0, None, 0.8),
    Variant("boxcar", 1.125, True, "agc"),
    Variant("boxcar", 1.375, False, 0.7),
)
"""Five variants for slow hardware: about 1.7 times the speed, a few frames fewer at the
margin (still at least as many as atest -P E+ on every set of bench/modem.py)."""


@dataclass(frozen=True, slots=True)
class DecodedFrame:
    """A frame (AX.25 octets without FCS) and where it ended in the input, in samples."""

    data: bytes
    end_sample: int
    fixed: bool = False
    votes: int = 1


def rate_within(sample_rate: float, low: int) -> bool:
    """True for a finite sample rate from ``low`` to MAX_SAMPLE_RATE (False for anything else)."""
    try:
        return bool(math.isfinite(sample_rate) and low <= sample_rate <= MAX_SAMPLE_RATE)
    except TypeError:
        return False


def clean_samples(samples: np.ndarray) -> np.ndarray | None:
    """Audio as float32 the correlators can take, or None when there is too little of it.

    A damaged recording's NaN/inf become silence, and audio near float32's limit is scaled
    down (it would overflow the correlators); any other scale is left as it is.
    """
    samples = np.asarray(samples, dtype=np.float32)
    if samples.ndim != 1 or len(samples) < 16:
        return None
    if not np.all(np.isfinite(samples)):
        samples = np.nan_to_num(samples, nan=0.0, posinf=0.0, neginf=0.0)
    peak = float(np.max(np.abs(samples)))
    if peak > _LARGEST_LEVEL:
        samples = samples * np.float32(1.0 / peak)
    return samples


def check_sample_rate(
    sample_rate: float, baud: float = 1200.0, mark_hz: float = 1200.0, space_hz: float = 2200.0
) -> int:
    """``sample_rate`` as an int if it can carry the mode, else ValueError with one clear line
    (a WAV header claiming 1 Hz would otherwise cost half a minute of resampling for nothing)."""
    low = minimum_sample_rate(baud, mark_hz, space_hz)
    if not rate_within(sample_rate, low):
        raise ValueError(
            f"sample rate {sample_rate!r} Hz cannot carry AFSK {baud:g} bit/s with tones up to "
            f"{max(mark_hz, space_hz):g} Hz: it must be {low} to {MAX_SAMPLE_RATE} Hz "
            f"(Nyquist for the upper tone plus half the bit rate, with a 10 % margin)"
        )
    return int(sample_rate)


_LARGEST_LEVEL = 1e6
"""Input peaks above this are scaled down first: the demodulator works at any scale, but
float32 audio near 3e38 (a hostile float WAV) would overflow the filters into NaN."""


class AfskDemodulator:
    """Bell 202 AFSK (1200 bit/s, 1200/2200 Hz by default) to HDLC frames with a good FCS.

    ``sample_rate`` (Hz) is the input's; ``baud`` (bit/s), ``mark_hz`` and ``space_hz`` the
    signal's; ``variants`` the parallel demodulators; ``fix`` turns on FCS-checked repair
    (``min_fix_votes`` different damaged copies confirm a hard repair); ``internal_rate`` (Hz)
    is where the filters and clock loop run; ``pll_gain_locked`` and ``pll_gain_search`` are
    the clock loop's pull (fraction of the phase error per transition) inside and outside a
    frame. :meth:`demodulate` returns :class:`DecodedFrame` s with the octets without FCS.
    """

    def __init__(
        self,
        sample_rate: int,
        baud: float = 1200.0,
        mark_hz: float = 1200.0,
        space_hz: float = 2200.0,
        variants: tuple[Variant, ...] = DEFAULT_VARIANTS,
        fix: bool = False,
        min_fix_votes: int = 2,
        internal_rate: int = 9600,
        pll_gain_locked: float = 0.25,
        pll_gain_search: float = 0.5,
    ) -> None:
        if internal_rate < 2.2 * max(mark_hz, space_hz):
            raise ValueError("sample rates must be positive and above twice the highest tone")
        self.sample_rate = check_sample_rate(sample_rate, baud, mark_hz, space_hz)
        self.baud = baud
        self.mark_hz = mark_hz
        self.space_hz = space_hz
        self.variants = variants
        self.fix = fix
        self.min_fix_votes = min_fix_votes
        self.rate = internal_rate
        self.gains = (pll_gain_locked, pll_gain_search)
        ratio = Fraction(internal_rate, self.sample_rate).limit_denominator(2000)
        self._up, self._down = ratio.numerator, ratio.denominator
        self.rate_exact = self.sample_rate * self._up / self._down
        self._prefilter = signal.firwin(
            17, (700.0, 2700.0), pass_zero=False, fs=self.rate_exact
        ).astype(np.float32)

    def _resample(self, samples: np.ndarray) -> np.ndarray:
        x = np.asarray(samples, dtype=np.float32)
        if self._up == self._down:
            return x
        return signal.resample_poly(x, self._up, self._down).astype(np.float32)

    def _oscillator(self, freq: float, n: int) -> np.ndarray:
        """exp(-j 2 pi f t), computed by phase steps in float64 then stored as complex64."""
        phase = (freq / self.rate_exact) * np.arange(n)
        phase -= np.floor(phase)
        return np.exp(-2j * np.pi * phase).astype(np.complex64)

    @staticmethod
    def _smooth(mixed: np.ndarray, window: str, length: int) -> np.ndarray:
        """|mixed| low-passed by the window: a running mean for boxcar, else an FFT convolution."""
        if window == "boxcar":
            re = ndimage.uniform_filter1d(mixed.real, length, mode="constant")
            im = ndimage.uniform_filter1d(mixed.imag, length, mode="constant")
            return np.hypot(re, im)
        taps = signal.get_window(window, length).astype(np.float32)
        return np.abs(signal.oaconvolve(mixed, taps, mode="same"))

    def _running_level(self, x: np.ndarray) -> np.ndarray:
        """A robust running signal level at the input rate: the 90th percentile of |x| in
        50 ms blocks, then the median of 7 neighbouring blocks, so FM clicks (short, large)
        barely move it."""
        block = max(1, int(0.05 * self.sample_rate))
        n_blocks = -(-len(x) // block)
        padded = np.zeros(n_blocks * block, dtype=np.float32)
        padded[: len(x)] = np.abs(x)
        per_block = np.percentile(padded.reshape(n_blocks, block), 90, axis=1)
        smooth = ndimage.median_filter(per_block, size=7, mode="nearest")
        return np.repeat(smooth.astype(np.float32), block)[: len(x)] + np.float32(1e-6)

    def soft_decisions(self, samples: np.ndarray) -> Iterator[np.ndarray]:
        """Per variant in turn, the soft bit decision (float32) at the internal rate (> 0: mark).

        A generator, so only one variant's decision array is alive at a time."""
        x = self._resample(samples)
        raw = np.asarray(samples, dtype=np.float32)
        level = self._running_level(raw) if any(v.clip for v in self.variants) else None
        clipped: dict[float, np.ndarray] = {}
        inputs: dict[tuple[bool, float | None], np.ndarray] = {}
        tones = {f: self._oscillator(f, len(x)) for f in (self.mark_hz, self.space_hz)}
        mixed: dict[tuple[bool, float | None, float], np.ndarray] = {}
        envelopes: dict[tuple[bool, float | None, str, int], tuple[np.ndarray, np.ndarray]] = {}
        peak_window = int(round(8 * self.rate_exact / self.baud))
        for v in self.variants:
            length = max(2, int(round(v.length_bits * self.rate_exact / self.baud)))
            front = (v.prefilter, v.clip)
            if front not in inputs:
                y = x
                if v.clip is not None and level is not None:
                    if v.clip not in clipped:  # clicks are narrow at the input rate: clip there
                        limit = v.clip * level
                        clipped[v.clip] = self._resample(np.clip(raw, -limit, limit))
                    y = clipped[v.clip]
                if v.prefilter:
                    y = signal.lfilter(self._prefilter, 1.0, y).astype(np.float32)
                inputs[front] = y
            key = (v.prefilter, v.clip, v.window, length)
            if key not in envelopes:
                pair = []
                for f in (self.mark_hz, self.space_hz):
                    if (*front, f) not in mixed:
                        mixed[(*front, f)] = inputs[front] * tones[f]
                    pair.append(self._smooth(mixed[(*front, f)], v.window, length))
                envelopes[key] = (pair[0], pair[1])
            mark, space = envelopes[key]
            if v.space_gain == "agc":
                mpk = ndimage.maximum_filter1d(mark, peak_window) + 1e-9
                spk = ndimage.maximum_filter1d(space, peak_window) + 1e-9
                yield mark / mpk - space / spk
            else:
                yield mark - np.float32(v.space_gain) * space

    def demodulate(self, samples: np.ndarray) -> list[DecodedFrame]:
        """Every frame found in ``samples`` (mono, any scale), merged over the variants."""
        samples = clean_samples(samples)
        if samples is None:
            return []
        step = self.baud / self.rate_exact
        good: list[tuple[int, bytes]] = []
        bad: list[tuple[int, bytes, int, np.ndarray]] = []
        for variant, d in zip(self.variants, self.soft_decisions(samples), strict=True):
            locked = self.gains[0] if variant.pll_gain is None else variant.pll_gain
            octets, starts, lengths, ends, residues, rel, count = _kernels.pll_hdlc(
                d, step, locked, self.gains[1], _kernels.CRC_TABLE
            )
            for k in range(count):
                raw = octets[starts[k] : starts[k] + lengths[k]].tobytes()
                end = int(ends[k] * self._down / self._up)
                if residues[k] == GOOD_RESIDUE:
                    good.append((end, raw[:-2]))
                elif self.fix:
                    bits = rel[8 * starts[k] : 8 * (starts[k] + lengths[k])].copy()
                    bad.append((end, raw, int(residues[k]), bits))
        fixed: list[tuple[int, bytes]] = []
        voted: list[tuple[int, bytes]] = []
        window = self._window_samples()
        seen: dict[bytes, int] = {}  # damaged copy -> where it ended
        for end, raw, residue, bits in sorted(bad, key=lambda b: b[0]):
            repaired = fix_soft(raw, residue, bits)
            if repaired is not None and isinstance(ax25.decode(repaired[:-2]), ax25.Frame):
                fixed.append((end, repaired[:-2]))
                continue
            # two demodulators that made the very same errors are one witness, not two
            if raw in seen and end - seen[raw] <= window:
                continue
            seen[raw] = end
            repaired = fix_frame(raw, residue)
            if repaired is not None and isinstance(ax25.decode(repaired[:-2]), ax25.Frame):
                voted.append((end, repaired[:-2]))
        confirmed = [f for f in _merge([], voted, window) if f.votes >= self.min_fix_votes]
        fixed += [(f.end_sample, f.data) for f in confirmed]
        return _merge(good, fixed, window)

    def _window_samples(self) -> int:
        """Two frames of the same content ending closer than this are one transmission."""
        return int(64 * self.sample_rate / self.baud)


def _merge(
    good: list[tuple[int, bytes]], fixed: list[tuple[int, bytes]], window: int
) -> list[DecodedFrame]:
    """One frame per transmission: copies ending within ``window`` samples are one (votes
    count them); a repaired frame that overlaps a different decode yields to it."""
    ends: list[int] = []  # sorted, beside frames
    frames: list[DecodedFrame] = []
    for is_fixed, items in ((False, good), (True, fixed)):
        for end, data in sorted(items):
            lo = bisect.bisect_left(ends, end - window)
            hi = bisect.bisect_right(ends, end + window)
            same = next((i for i in range(lo, hi) if frames[i].data == data), None)
            if same is not None:
                m = frames[same]
                frames[same] = DecodedFrame(m.data, m.end_sample, m.fixed, m.votes + 1)
            elif not (is_fixed and hi > lo):
                at = bisect.bisect_right(ends, end)
                ends.insert(at, end)
                frames.insert(at, DecodedFrame(data, end, is_fixed))
    return frames


class FrameDemodulator(Protocol):
    """What :class:`StreamingDemodulator` needs of a demodulator (AFSK or G3RUH)."""

    def demodulate(self, samples: np.ndarray) -> list[DecodedFrame]: ...

    def _window_samples(self) -> int: ...


class StreamingDemodulator:
    """The demodulator for audio that arrives in pieces (a live receiver, a sound card).

    Audio is processed once at least ``block_s`` of new samples have arrived, together with
    the last ``history_s`` seconds, so a frame up to ``history_s`` long that ends in the new
    audio is wholly inside what is processed (400 octets at 1200 bit/s last 2.7 s). Frames are
    reported once, with ``end_sample`` counted from the start of the stream.
    """

    def __init__(
        self,
        sample_rate: int,
        block_s: float = 1.0,
        history_s: float = 3.0,
        demodulator: FrameDemodulator | None = None,
        **options: object,
    ) -> None:
        # ``demodulator``: the G3RUH one, say; by default an AFSK one built with ``options``
        self.demodulator: FrameDemodulator = demodulator or AfskDemodulator(
            sample_rate,
            **options,  # type: ignore[arg-type]
        )
        self.sample_rate = sample_rate
        self._block = int(block_s * sample_rate)
        self._history = int(history_s * sample_rate)
        self._buffer = np.zeros(0, dtype=np.float32)
        self._buffer_start = 0  # stream index of _buffer[0]
        self._processed_to = 0  # stream index up to which audio has been searched
        self._reported: list[tuple[int, bytes]] = []

    def feed(self, samples: np.ndarray) -> list[DecodedFrame]:
        """Add audio; the frames completed since the last call that returned any."""
        self._buffer = np.concatenate([self._buffer, np.asarray(samples, dtype=np.float32)])
        if self._buffer_start + len(self._buffer) - self._processed_to < self._block:
            return []
        return self._run()

    def flush(self) -> list[DecodedFrame]:
        """Search whatever audio is left (at the end of a stream)."""
        return self._run()

    def _run(self) -> list[DecodedFrame]:
        end = self._buffer_start + len(self._buffer)
        window = self.demodulator._window_samples()
        new: list[DecodedFrame] = []
        for found in self.demodulator.demodulate(self._buffer):
            at = found.end_sample + self._buffer_start
            seen = any(abs(at - e) <= window and d == found.data for e, d in self._reported)
            if not seen:
                self._reported.append((at, found.data))
                new.append(DecodedFrame(found.data, at, found.fixed, found.votes))
        self._processed_to = end
        keep = min(len(self._buffer), self._history)
        self._buffer_start = end - keep
        self._buffer = self._buffer[len(self._buffer) - keep :].copy()
        self._reported = [(e, d) for e, d in self._reported if e >= self._buffer_start - window]
        return new

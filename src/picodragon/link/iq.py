"""SDR IQ recordings: complex baseband in, AX.25 frames out, with Doppler removed.

The files (formats, SigMF metadata, bounded reading) are ``picodragon.link.iq_files``; its
names are re-exported here. This module is the receiver.

Signal path of :class:`IqReceiver`, in bounded pieces (never more than ``CHUNK_SAMPLES`` input
samples at once, whatever the file's size):

1. mixer: multiply by ``exp(-j 2 pi integral f(t) dt)``, where ``f(t)`` is the signal's offset
   from the recording's centre (static mistuning plus the Doppler curve of the pass,
   :class:`OffsetCurve`, sampled and linearly interpolated); the phase runs on across pieces;
2. channel filter and decimation: a Kaiser-windowed FIR low-pass (60 dB stop band,
   ``scipy.signal.firwin``/``kaiserord``) flat over the FM channel's IF bandwidth, its
   transition a quarter of that bandwidth wide, convolved by FFT (``scipy.signal.oaconvolve``)
   and kept at every D-th sample, D the whole number that brings the rate down to at least
   twice the IF bandwidth (a whole number of Hz where one is near);
3. limiter-discriminator: ``angle(z[n] conj(z[n-1]))``, the instantaneous frequency, scaled so
   the transmitter's peak deviation gives 1 (as :func:`picodragon.link.fm.fm_demodulate`);
4. the audio at the IF rate goes to the modem's streaming demodulator (AFSK 1200 or G3RUH),
   which resamples to its own internal rate.

IF bandwidths (Carson's rule, 2 (deviation + highest modulating frequency), 3 kHz deviation):
AFSK 1200 and G3RUH 4800 in 15 kHz, G3RUH 9600 in 20 kHz, inside the amateur 25 kHz channel
(its baseband reaching about 0.7 of the bit rate after the G3RUH shaping filter: an
assumption). Doppler at UHF reaches +-10 kHz over a LEO pass, more than the 15 kHz filter's
half-width: without the correction the signal leaves the channel near the
start and end of a pass, which is what the correction is for.

Bad input (a length that is not a whole number of samples, unreadable or self-contradicting
metadata, a rate the mode cannot use) raises :class:`IqError`, a ``ValueError`` with one line.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from scipy import signal

from picodragon.link.iq_files import (
    CHUNK_SAMPLES,
    EXTENSIONS,
    FORMATS,
    MAX_RATE_HZ,
    MIN_RATE_HZ,
    IqError,
    IqRecording,
    SigmfMeta,
    decode_samples,
    encode_samples,
    iter_samples,
    open_recording,
    read_sigmf_meta,
    sample_bytes,
    write_iq,
)

__all__ = [
    "CHUNK_SAMPLES",
    "EXTENSIONS",
    "FORMATS",
    "IF_BANDWIDTH_HZ",
    "IqError",
    "IqReceiver",
    "IqRecording",
    "MAX_RATE_HZ",
    "MIN_RATE_HZ",
    "OffsetCurve",
    "SigmfMeta",
    "decode_samples",
    "demodulate_iq",
    "encode_samples",
    "iter_samples",
    "open_recording",
    "read_sigmf_meta",
    "sample_bytes",
    "synthesize",
    "write_iq",
]


IF_BANDWIDTH_HZ: dict[str, float] = {
    "afsk1200": 15000.0,
    "g3ruh4800": 15000.0,
    "g3ruh9600": 20000.0,
}
"""The FM receiver's IF bandwidth for each modem mode, Hz (module docstring)."""

DEVIATION_HZ = 3000.0
"""Peak FM deviation the discriminator output is scaled to (amateur narrow-band FM)."""



# -- the receiver ------------------------------------------------------------------------------


@dataclass(frozen=True)
class OffsetCurve:
    """Where the signal sits relative to the recording's centre frequency over time:
    ``offsets_hz`` at ``times_s`` (seconds from the first sample, increasing), linearly
    interpolated between and held beyond the ends. A single point is a fixed offset."""

    times_s: np.ndarray
    offsets_hz: np.ndarray

    def __post_init__(self) -> None:
        t = np.atleast_1d(np.asarray(self.times_s, dtype=float))
        f = np.atleast_1d(np.asarray(self.offsets_hz, dtype=float))
        if t.ndim != 1 or t.shape != f.shape or len(t) == 0:
            raise ValueError("an offset curve needs 1-D times and offsets of one, non-zero length")
        if not (np.all(np.isfinite(t)) and np.all(np.isfinite(f))):
            raise ValueError("an offset curve must be finite")
        if np.any(np.diff(t) <= 0):
            raise ValueError("an offset curve's times must increase")
        object.__setattr__(self, "times_s", t)
        object.__setattr__(self, "offsets_hz", f)

    @classmethod
    def fixed(cls, offset_hz: float) -> OffsetCurve:
        """A constant offset (a receiver tuned ``offset_hz`` below the signal)."""
        return cls(np.array([0.0]), np.array([float(offset_hz)]))

    def at(self, times_s: np.ndarray) -> np.ndarray:
        """The offset at ``times_s``, Hz."""
        return np.interp(times_s, self.times_s, self.offsets_hz)


def _decimation(rate: float, min_if_rate: float) -> int:
    """The integer decimation to an IF rate of at least ``min_if_rate``, preferring one that
    makes the IF rate a whole number of Hz (within a factor of two)."""
    most = max(1, int(rate // min_if_rate))
    for d in range(most, max(1, most // 2) - 1, -1):
        if float(rate / d).is_integer():
            return d
    return most


class IqReceiver:
    """An FM receiver for complex baseband in pieces: mixer (offset removal), channel filter
    and decimation, limiter-discriminator (module docstring). :meth:`process` takes samples at
    ``sample_rate_hz`` and returns audio at ``if_rate_hz``, full deviation giving 1; any
    piece sizes give the same audio as one piece.
    """

    def __init__(
        self,
        sample_rate_hz: float,
        if_bandwidth_hz: float = 15000.0,
        offset: OffsetCurve | None = None,
        deviation_hz: float = DEVIATION_HZ,
    ) -> None:
        if not (math.isfinite(sample_rate_hz) and MIN_RATE_HZ <= sample_rate_hz <= MAX_RATE_HZ):
            raise IqError(
                f"sample rate {sample_rate_hz:g} Hz: it must be {MIN_RATE_HZ:g} to {MAX_RATE_HZ:g} Hz"
            )
        if sample_rate_hz < if_bandwidth_hz:
            raise IqError(
                f"sample rate {sample_rate_hz:g} Hz is narrower than the {if_bandwidth_hz:g} Hz FM channel"
            )
        self.sample_rate_hz = float(sample_rate_hz)
        self.if_bandwidth_hz = float(if_bandwidth_hz)
        self.offset = offset
        self.deviation_hz = float(deviation_hz)
        self.decimation = _decimation(self.sample_rate_hz, 2.0 * self.if_bandwidth_hz)
        self.if_rate_hz = self.sample_rate_hz / self.decimation
        self.taps = self._design()
        # the input samples before _next_in still needed (at first: zeros before the stream)
        self._history = np.zeros(len(self.taps) - 1, dtype=np.complex64)
        self._next_in = 0  # stream index of the next input sample
        self._next_out = 0  # stream index (input samples) of the next output sample
        self._phase = 0.0  # mixer phase after the last input sample, rad
        self._last = np.complex128(0.0)  # last IF sample, for the discriminator

    def _design(self) -> np.ndarray:
        half = self.if_bandwidth_hz / 2
        width = self.if_bandwidth_hz / 4
        if half + width >= 0.5 * self.sample_rate_hz:  # the recording is the channel already
            return np.ones(1, dtype=np.float32)
        numtaps, beta = signal.kaiserord(60.0, width / (self.sample_rate_hz / 2))
        taps = signal.firwin(
            numtaps | 1, half + width / 2, window=("kaiser", beta), fs=self.sample_rate_hz
        )
        return taps.astype(np.float32)

    def _mix(self, z: np.ndarray) -> np.ndarray:
        if self.offset is None:
            return z
        t = (self._next_in + np.arange(len(z), dtype=np.float64)) / self.sample_rate_hz
        phase = self._phase + (2 * np.pi / self.sample_rate_hz) * np.cumsum(self.offset.at(t))
        if len(phase):
            self._phase = float(np.mod(phase[-1], 2 * np.pi))
        wrapped = np.mod(phase, 2 * np.pi).astype(np.float32)  # float32 trig: 3x the speed
        rotor = np.empty(len(z), dtype=np.complex64)
        rotor.real, rotor.imag = np.cos(wrapped), -np.sin(wrapped)
        return z * rotor

    def _filter(self, z: np.ndarray) -> np.ndarray:
        """Filtered samples at the stream indices that are multiples of ``decimation``, as one
        call over the whole stream would give them (the stream starts after zeros).

        The convolution runs at the input rate by FFT (``scipy.signal.oaconvolve``, overlap-add)
        and is then decimated: on a 180-tap filter that is three to eight times faster than a
        polyphase ``scipy.signal.upfirdn`` here."""
        d, taps = self.decimation, self.taps
        span = len(taps) - 1
        buf = np.concatenate([self._history, z])
        buf_start = self._next_in - len(self._history)
        end = self._next_in + len(z)
        # output at stream index s: sum_k taps[k] x[s - k], wanted for s a multiple of d,
        # s >= _next_out, s - span >= buf_start (every input there) and s < end
        first = max(self._next_out, buf_start + span)
        first = -(-first // d) * d
        out = np.zeros(0, dtype=np.complex64)
        if first < end:
            segment = buf[first - span - buf_start :]
            if span:
                out = signal.oaconvolve(segment, taps, mode="valid")[::d]
            else:
                out = segment[::d] * taps[0]
            self._next_out = first + len(out) * d
        keep = min(len(buf), max(0, end - (self._next_out - span)))
        self._history = buf[len(buf) - keep :].copy()
        self._next_in = end
        return out

    def process(self, samples: np.ndarray) -> np.ndarray:
        """Audio (float32, at ``if_rate_hz``) for the next piece of complex samples."""
        z = self._filter(self._mix(np.asarray(samples).astype(np.complex64, copy=False)))
        if len(z) == 0:
            return np.zeros(0, dtype=np.float32)
        z = z.astype(np.complex128)  # the product below must not overflow float32
        prev = np.concatenate([[self._last], z[:-1]])
        self._last = z[-1]
        freq = np.angle(z * np.conj(prev)) * (self.if_rate_hz / (2 * np.pi))
        return (freq / self.deviation_hz).astype(np.float32)


def synthesize(
    audio: np.ndarray,
    audio_rate: int,
    sample_rate_hz: float,
    offset: OffsetCurve | None = None,
    deviation_hz: float = DEVIATION_HZ,
    c_n0_db_hz: float | None = None,
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    """The transmitter and the channel, for tests and benches: ``audio`` (peak 1, at
    ``audio_rate``) resampled to ``sample_rate_hz`` (polyphase), FM-modulated with
    ``deviation_hz``, moved by ``offset`` (the Doppler a recording would hold), plus complex
    white Gaussian noise at ``c_n0_db_hz`` (carrier to noise density, dB-Hz, for a unit
    carrier) when given. Complex64 at half of full scale, so an 8-bit file keeps the noise."""
    ratio = Fraction(sample_rate_hz / audio_rate).limit_denominator(1000)
    x = signal.resample_poly(
        np.asarray(audio, dtype=np.float64), ratio.numerator, ratio.denominator
    )
    freq = deviation_hz * x
    if offset is not None:
        freq = freq + offset.at(np.arange(len(x)) / sample_rate_hz)
    z = np.exp(1j * 2 * np.pi * np.cumsum(freq) / sample_rate_hz)
    if c_n0_db_hz is not None:
        rng = rng if rng is not None else np.random.default_rng(0)
        sigma = math.sqrt(sample_rate_hz / 10 ** (c_n0_db_hz / 10) / 2)
        z = z + sigma * (rng.standard_normal(len(z)) + 1j * rng.standard_normal(len(z)))
    return (0.5 * z).astype(np.complex64)


def demodulate_iq(
    recording: IqRecording,
    mode: str = "afsk1200",
    offset: OffsetCurve | None = None,
    fix: bool = False,
    fast: bool = False,
    chunk_samples: int = CHUNK_SAMPLES,
) -> list[dict[str, object]]:
    """Frames in an IQ recording, in time order, as records like
    :func:`picodragon.link.modem_files.demodulate_file`'s (``hex``, ``source``,
    ``destination``, ``info``, ``time_s``, ``fixed``; ``mode`` too in ``auto``).

    ``offset``: where the signal sits relative to the recording's centre (mistuning plus
    Doppler); None takes it at the centre. ``mode``: ``afsk1200``, ``g3ruh9600``,
    ``g3ruh4800`` or ``auto`` (each in turn, one pass over the file each). ``fix`` and
    ``fast`` as for audio files (AFSK only). IqError if the recording's rate cannot carry the
    mode or the file cannot be read.
    """
    from picodragon.link.modem_files import MODES, check_rate, demodulate_stream, frame_record

    if mode != "auto" and mode not in MODES:
        raise IqError(f"unknown modem mode {mode!r}: one of {', '.join(MODES)}, auto")
    modes = list(MODES) if mode == "auto" else [mode]
    if offset is not None:
        widest = max(IF_BANDWIDTH_HZ[name] for name in modes) / 2
        reach = float(np.max(np.abs(offset.offsets_hz)))  # interpolation never goes beyond
        if reach + widest > recording.sample_rate_hz / 2:
            raise IqError(
                f"{recording.path}: the signal lies up to {reach:.0f} Hz from the centre, outside "
                f"the recording's +-{recording.sample_rate_hz / 2:.0f} Hz: check the centre frequency"
            )
    records: list[dict[str, object]] = []
    for name in modes:
        receiver = IqReceiver(recording.sample_rate_hz, IF_BANDWIDTH_HZ[name], offset)
        audio_rate = int(round(receiver.if_rate_hz))
        try:
            check_rate(audio_rate, name)
        except ValueError as exc:
            raise IqError(f"{recording.path}: IF rate {audio_rate} Hz: {exc}") from None
        pieces = (
            receiver.process(piece)
            for piece in iter_samples(recording.path, recording.format, chunk_samples)
        )
        found = demodulate_stream(pieces, audio_rate, name, fix, fast)
        for frame in found:
            record = frame_record(frame.data)
            record["time_s"] = round(frame.end_sample / audio_rate, 4)
            record["fixed"] = frame.fixed
            if mode == "auto":
                record["mode"] = name
            records.append(record)
    return sorted(records, key=lambda r: float(r["time_s"]))  # type: ignore[arg-type]

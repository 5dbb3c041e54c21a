"""The channel between two radios: deliver, corrupt or lose a frame at a given bit error rate.

A frame (AX.25 octets without FCS, as KISS carries it) is sent the way it goes on air: FCS
appended, HDLC bit stuffing and flags, NRZI. Bit errors are drawn independently on the line
bits with probability ``bit_error_rate`` (a binary symmetric channel; the error count is drawn
exactly, by inverse transform); the receiver NRZI-decodes,
deframes and checks the FCS. A frame whose FCS fails is lost (``None``), as a TNC drops it; an
error pattern the FCS cannot see would come through corrupted, as on a real link.

With ``audio=True`` the frame goes through the modem instead: AFSK audio from
:mod:`picodragon.link.afsk` (tones shifted by ``tone_offset_hz`` if asked), white Gaussian
noise at the Eb/N0 that gives ``bit_error_rate`` for non-coherent FSK (``Eb/N0 = -2 ln(2 BER)``;
with real noise ``N0 = 2 sigma^2 / fs`` and ``Eb = A^2 / (2 R)``), then our demodulator. Slower
(about 10 ms a frame), but it exercises the real receive chain.

``mode`` is the radio's modem (``afsk1200``, ``g3ruh9600``, ``g3ruh4800``, as a mission's
radio names it through ``Radio.modem_mode``): it picks the demodulation loss of the bit-error
path (:data:`picodragon.link.budget.DEMODULATION_LOSS_DB`) and, with ``audio=True``, the modem:
a G3RUH frame is scrambled NRZI baseband from :mod:`picodragon.link.g3ruh` with white Gaussian
noise (``Eb = A^2 / R`` for the +-A line) into the G3RUH demodulator, at a sample rate that can
carry it (48 kHz unless given).

With ``audio=True, fm=True`` the audio also crosses narrow-band FM (:mod:`picodragon.link.fm`):
the bit error rate is turned into the Eb/N0 at which the link budget's AFSK/FM model gives it,
and the FM receiver's threshold behaviour comes out of the simulation. ``rf_offset_hz`` adds a
residual tuning error (uncorrected Doppler). :meth:`Channel.transmit_eb_n0` takes the Eb/N0 of
the budget directly.

``pass_bad_frames=True`` (bit mode) delivers a frame whose FCS failed with its errors, as a TNC
set to pass bad frames would, so a receiver's own checks get exercised; a frame whose flags or
octet alignment were destroyed is still lost.

Deterministic for a seed: the same sequence of calls gives the same results.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from picodragon.link import budget, hdlc

if TYPE_CHECKING:
    from picodragon.link.demod import AfskDemodulator
    from picodragon.link.g3ruh import G3ruhDemodulator

# The modems (scipy.signal, 0.4 s) are imported where they are used: the bit-error path of a
# mission run does not need them.


@lru_cache(maxsize=1)
def _binomial_quantile() -> Callable[[float, int, float], float]:
    """scipy's binomial quantile function (q, n, p) -> k, for 0 < q < 1.

    ``scipy.stats.binom.ppf`` checks its arguments, then for 0 < q < 1 returns the ufunc
    ``scipy.special._ufuncs._binom_ppf`` (Boost's quantile): that ufunc gives the same numbers
    35x quicker (4 against 148 us) and without importing scipy.stats (about 1 s); binom.ppf
    if a scipy without it is installed."""
    try:
        from scipy.special._ufuncs import _binom_ppf
    except ImportError:  # pragma: no cover - another scipy
        from scipy.stats import binom

        return binom.ppf
    return _binom_ppf


#: a modem mode (``Radio.modem_mode``) -> (its radio modulation, its bit rate in bit/s)
MODES: dict[str, tuple[str, float]] = {
    "afsk1200": ("AFSK1200", 1200.0),
    "g3ruh9600": ("FSK9600", 9600.0),
    "g3ruh4800": ("FSK4800", 4800.0),
}


class Channel:
    """A seeded channel carrying HDLC-framed AX.25: bit errors, or AFSK audio with noise."""

    def __init__(
        self,
        seed: int,
        audio: bool = False,
        sample_rate: int | None = None,
        tone_offset_hz: float = 0.0,
        bit_rate: float | None = None,
        fm: bool = False,
        rf_offset_hz: float = 0.0,
        assumptions: budget.LinkAssumptions | None = None,
        pass_bad_frames: bool = False,
        mode: str = "afsk1200",
    ) -> None:
        """``sample_rate`` (Hz) of the audio: 22050 for AFSK, 48000 for G3RUH when None;
        ``bit_rate`` (bit/s): the mode's when None; ``assumptions``: the defaults with the
        mode's demodulation loss when None."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        if fm and not audio:
            raise ValueError("fm=True needs audio=True")
        if fm and mode != "afsk1200":
            raise ValueError("fm=True models AFSK through a voice FM channel: it needs mode afsk1200")
        modulation, mode_rate = MODES[mode]
        bit_rate = mode_rate if bit_rate is None else bit_rate
        if sample_rate is None:
            sample_rate = 22050 if mode == "afsk1200" else 48000
        self.mode = mode
        self.rng = np.random.default_rng(seed)
        self.pass_bad_frames = pass_bad_frames
        self.audio = audio
        self.fm = fm
        self.rf_offset_hz = rf_offset_hz
        self.assumptions = assumptions or budget.LinkAssumptions.for_modulation(modulation)
        self.sample_rate = sample_rate
        self.tone_offset_hz = tone_offset_hz
        self.bit_rate = bit_rate
        self._demodulator: AfskDemodulator | G3ruhDemodulator | None = None
        if audio and mode == "afsk1200":
            from picodragon.link.demod import AfskDemodulator

            self._demodulator = AfskDemodulator(sample_rate, baud=bit_rate)
        elif audio:
            from picodragon.link.g3ruh import G3ruhDemodulator

            self._demodulator = G3ruhDemodulator(sample_rate, baud=bit_rate)

    def transmit(self, frame: bytes, bit_error_rate: float) -> bytes | None:
        """The frame as received, or ``None`` when it is lost."""
        ber = min(max(float(bit_error_rate), 0.0), 0.5)  # np.clip on a scalar costs 5 us
        if self._demodulator is not None:
            return self._through_audio(frame, ber)
        if ber == 0.0:
            return bytes(frame)
        # Inverse-transform sampling of the error count with one uniform draw: most frames of a
        # pass see no error, and that is decided before the frame is encoded, from the most
        # bits it could take on air (every fifth bit stuffed, two flags).
        u = self.rng.random()
        most_bits = 8 * (len(frame) + 2) * 6 // 5 + 24
        if u < (1.0 - ber) ** most_bits:
            return bytes(frame)
        line = hdlc.nrzi_encode(hdlc.encode(frame))
        n_errors = int(_binomial_quantile()(u, len(line), ber))
        if n_errors == 0:
            return bytes(frame)
        where = self.rng.choice(len(line), size=n_errors, replace=False)
        line[where] ^= 1
        bits = hdlc.nrzi_decode(line)
        frames = hdlc.frames_from_bits(bits)
        if frames:
            return frames[0]
        if self.pass_bad_frames:  # a TNC that passes frames with a bad FCS: corrupted octets
            damaged = hdlc.deframe(bits)
            return damaged[0][:-2] if damaged else None
        return None

    def transmit_eb_n0(self, frame: bytes, eb_n0_db: float) -> bytes | None:
        """The frame as received at ``eb_n0_db`` (as the link budget gives it), or ``None``."""
        if self.fm:
            return self._through_audio(frame, 0.0, eb_n0_db=eb_n0_db)
        ber = float(budget.fsk_noncoherent_ber(eb_n0_db, self.assumptions.demodulation_loss_db))
        return self.transmit(frame, ber)

    def _through_audio(
        self, frame: bytes, ber: float, eb_n0_db: float | None = None
    ) -> bytes | None:
        if self.mode != "afsk1200":
            return self._through_baseband(frame, ber)
        from picodragon.link import afsk
        from picodragon.link import fm as nbfm

        amplitude = 1.0 if self.fm else 0.5
        audio = afsk.modulate(
            [frame],
            self.sample_rate,
            baud=self.bit_rate,
            mark_hz=1200.0 + self.tone_offset_hz,
            space_hz=2200.0 + self.tone_offset_hz,
            amplitude=amplitude,
            txdelay_flags=8,
            lead_silence_s=0.05,
            tail_silence_s=0.05,
        )
        if self.fm:
            if eb_n0_db is None:
                loss = self.assumptions.demodulation_loss_db
                eb_n0_db = budget.required_eb_n0_db(max(ber, 1e-300), loss) if ber < 0.5 else 0.0
            audio = nbfm.fm_link(
                audio, self.sample_rate, eb_n0_db, self.bit_rate, self.rng,
                offset_hz=self.rf_offset_hz,
            )  # fmt: skip
        elif ber > 0:
            eb_n0 = -2.0 * np.log(2.0 * ber) if ber < 0.5 else 1e-3
            sigma = amplitude * np.sqrt(self.sample_rate / (4.0 * self.bit_rate * eb_n0))
            audio = audio + self.rng.normal(0.0, sigma, len(audio)).astype(np.float32)
        assert self._demodulator is not None
        found = self._demodulator.demodulate(audio)
        return found[0].data if found else None

    def _through_baseband(self, frame: bytes, ber: float) -> bytes | None:
        """G3RUH: the shaped +-A line plus noise at the Eb/N0 that gives ``ber`` for
        non-coherent FSK (``Eb = A^2 / R``, ``N0 = 2 sigma^2 / fs``), then the demodulator."""
        from picodragon.link import g3ruh

        amplitude = 0.5
        audio = g3ruh.modulate([frame], self.sample_rate, baud=self.bit_rate, amplitude=amplitude)
        if ber > 0:
            eb_n0 = -2.0 * np.log(2.0 * ber) if ber < 0.5 else 1e-3
            sigma = amplitude * np.sqrt(self.sample_rate / (2.0 * self.bit_rate * eb_n0))
            audio = audio + self.rng.normal(0.0, sigma, len(audio)).astype(np.float32)
        assert self._demodulator is not None
        found = self._demodulator.demodulate(audio)
        return found[0].data if found else None

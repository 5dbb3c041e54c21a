"""CW beacon: Morse keying of the beacon text into audio, and a decoder for it.

Code and timing follow ITU-R M.1677-1 (International Morse code): a dash is three dots, the gap
inside a character one dot, between characters three, between words seven. At ``wpm`` words a
minute a dot lasts ``1.2 / wpm`` s (the "PARIS" standard word of 50 dot units). Each element
gets raised-cosine edges (5 ms by default) so the keyed tone stays narrow (no key clicks).

The decoder mixes the tone down (its frequency found from the spectrum when not given) and
takes the envelope through low-pass filters of several widths (6 to 60 Hz, i.e. 5 to 40 wpm);
for each it splits key-down from key-up with Otsu's threshold (N. Otsu, IEEE Trans. SMC, 1979:
the split that best separates the two levels) and measures the runs; it keeps the width whose
runs fit whole Morse units best. The dot length comes from the runs themselves (the shorter
cluster of key-down times), so the speed need not be known; glitches under 0.4 dot are merged.

:func:`decode_audio` takes audio from outside (a recording, a receiver) and never raises on it:
non-finite samples (a damaged recording) count as silence, a DC offset is removed and the
level normalised first (so huge values cannot overflow the filters), and a sample rate outside ``MIN_SAMPLE_RATE`` to
``MAX_SAMPLE_RATE`` or a tone outside the decodable band gives the empty result, as silence does.
"""

from __future__ import annotations

import numpy as np
from scipy import signal

__all__ = [
    "MAX_SAMPLE_RATE",
    "MIN_SAMPLE_RATE",
    "MORSE",
    "decode_audio",
    "decode_runs",
    "dot_length",
    "key_audio",
    "keying",
    "to_morse",
]

MORSE: dict[str, str] = {
    "A": ".-", "B": "-...", "C": "-.-.", "D": "-..", "E": ".", "F": "..-.", "G": "--.",
    "H": "....", "I": "..", "J": ".---", "K": "-.-", "L": ".-..", "M": "--", "N": "-.",
    "O": "---", "P": ".--.", "Q": "--.-", "R": ".-.", "S": "...", "T": "-", "U": "..-",
    "V": "...-", "W": ".--", "X": "-..-", "Y": "-.--", "Z": "--..",
    "0": "-----", "1": ".----", "2": "..---", "3": "...--", "4": "....-", "5": ".....",
    "6": "-....", "7": "--...", "8": "---..", "9": "----.",
    ".": ".-.-.-", ",": "--..--", "?": "..--..", "/": "-..-.", "=": "-...-", "-": "-....-",
    "+": ".-.-.", "@": ".--.-.", ":": "---...", "'": ".----.", "(": "-.--.", ")": "-.--.-",
}  # fmt: skip
_FROM_MORSE = {code: char for char, code in MORSE.items()}

TONE_SEARCH_LOW_HZ = 200.0
"""Lowest tone searched for; the band runs up to 3 kHz or 100 Hz below Nyquist."""

MIN_SAMPLE_RATE = 2000
"""Below this (Hz) the tone search band (200 Hz up to 100 Hz under Nyquist) cannot hold the
usual 400-900 Hz CW tones, so :func:`decode_audio` returns the empty result."""

MAX_SAMPLE_RATE = 1_000_000
"""Above this (Hz) the envelope filters (6 Hz cut-off) are numerically meaningless; no sound
card goes there, so :func:`decode_audio` returns the empty result."""


def to_morse(text: str) -> str:
    """Dots and dashes, characters separated by a space and words by `` / ``; ValueError if
    a character has no Morse code."""
    words = []
    for word in text.upper().split():
        missing = [c for c in word if c not in MORSE]
        if missing:
            raise ValueError(f"no Morse code for {''.join(sorted(set(missing)))!r}")
        words.append(" ".join(MORSE[c] for c in word))
    return " / ".join(words)


def keying(text: str) -> np.ndarray:
    """Key states, one per dot unit (1: tone on), for ``text``; no trailing gap."""
    units: list[int] = []
    for w, word in enumerate(to_morse(text).split(" / ")):
        if w:
            units += [0] * 7
        for c, code in enumerate(word.split(" ")):
            if c:
                units += [0] * 3
            for e, element in enumerate(code):
                if e:
                    units.append(0)
                units += [1] * (1 if element == "." else 3)
    return np.array(units, dtype=np.uint8)


def key_audio(
    text: str,
    wpm: float = 20.0,
    tone_hz: float = 800.0,
    sample_rate: int = 8000,
    amplitude: float = 0.5,
    edge_s: float = 0.005,
    lead_s: float = 0.2,
) -> np.ndarray:
    """Audio (float32) of ``text`` in Morse at ``wpm``, with silence of ``lead_s`` around it."""
    dot_s = 1.2 / wpm
    keys = np.concatenate([np.zeros(1, np.uint8), keying(text), np.zeros(1, np.uint8)])
    per_unit = dot_s * sample_rate
    n = int(round(len(keys) * per_unit))
    envelope = keys[np.minimum((np.arange(n) / per_unit).astype(np.int64), len(keys) - 1)]
    edge = max(1, int(edge_s * sample_rate))
    ramp = np.sin(np.linspace(0, np.pi / 2, edge)) ** 2
    smooth = signal.convolve(envelope.astype(np.float64), ramp / ramp.sum(), mode="same")
    t = np.arange(n) / sample_rate
    tone = amplitude * smooth * np.sin(2 * np.pi * tone_hz * t)
    lead = np.zeros(int(lead_s * sample_rate))
    return np.concatenate([lead, tone, lead]).astype(np.float32)


def dot_length(runs: list[tuple[bool, float]]) -> float:
    """The dot length estimated from the key-down runs: the mean of the shorter of two
    clusters (split on a log scale); 0 when there is no key-down run."""
    ons = np.array([d for on, d in runs if on], dtype=float)
    if len(ons) == 0:
        return 0.0
    lo, hi = float(ons.min()), float(ons.max())
    if hi < 2 * lo:  # one cluster: take it for dots
        return float(np.mean(ons))
    split = np.sqrt(lo * hi)
    for _ in range(5):
        short, long_ = ons[ons < split], ons[ons >= split]
        if len(short) == 0 or len(long_) == 0:
            break
        split = float(np.sqrt(np.mean(short) * np.mean(long_)))
    short = ons[ons < split]
    return float(np.mean(short)) if len(short) else float(np.mean(ons)) / 3


def decode_runs(runs: list[tuple[bool, float]]) -> str:
    """Text from (key down?, duration) runs in any unit; the dot length is estimated."""
    dot = dot_length(runs)
    if dot <= 0:
        return ""
    runs = _clean(runs, 0.4 * dot)
    dot = dot_length(runs) or dot
    text, symbol = [], ""
    for on, duration in runs:
        units = duration / dot
        if on:
            symbol += "." if units < 2 else "-"
            continue
        if units < 2:
            continue
        text.append(_FROM_MORSE.get(symbol, "?") if symbol else "")
        symbol = ""
        if units >= 5:
            text.append(" ")
    if symbol:
        text.append(_FROM_MORSE.get(symbol, "?"))
    return " ".join("".join(text).split())


def _clean(runs: list[tuple[bool, float]], shortest: float) -> list[tuple[bool, float]]:
    """Runs shorter than ``shortest`` (noise glitches, or dropouts inside an element) are
    given to their neighbours; leading and trailing silence is dropped."""
    out: list[tuple[bool, float]] = []
    for state, duration in runs:
        if duration < shortest and out:
            state = out[-1][0]
        elif duration < shortest and state:
            state = False
        if out and out[-1][0] == state:
            out[-1] = (state, out[-1][1] + duration)
        else:
            out.append((state, duration))
    while out and not out[0][0]:
        out.pop(0)
    while out and not out[-1][0]:
        out.pop()
    return out


def _tone(samples: np.ndarray, sample_rate: float) -> float | None:
    """The strongest tone in the search band, Hz; ``None`` if the band holds no bin."""
    f, p = signal.welch(samples, sample_rate, nperseg=min(len(samples), 4096))
    band = (f > TONE_SEARCH_LOW_HZ) & (f < min(3000, sample_rate / 2 - 100))
    if not np.any(band):
        return None
    return float(f[band][np.argmax(p[band])])


def decode_audio(samples: np.ndarray, sample_rate: float, tone_hz: float | None = None) -> str:
    """The text keyed in ``samples``; an empty string when nothing is found. Never raises on
    the audio or the rate (see the module doc): garbage decodes to nothing, not to an error."""
    try:
        rate = float(sample_rate)
        x = np.asarray(samples, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        return ""
    if not MIN_SAMPLE_RATE <= rate <= MAX_SAMPLE_RATE:  # also refuses NaN
        return ""
    if x.ndim != 1 or len(x) < rate / 10:
        return ""
    x = np.nan_to_num(x, nan=0.0, posinf=0.0, neginf=0.0)  # damaged samples: silence
    for _ in range(2):  # scale, remove DC (a sound card's bias), scale again: no overflow
        peak = float(np.max(np.abs(x)))
        if not peak > 0:
            return ""
        x = x / peak
        x -= np.mean(x)
    f0 = tone_hz if tone_hz is not None else _tone(x, rate)
    if f0 is None or not 0 < f0 < rate / 2:
        return ""
    return _decode(x, rate, float(f0))


def _decode(x: np.ndarray, sample_rate: float, f0: float) -> str:
    """Mix ``f0`` down and keep the envelope filter whose runs fit Morse timing best."""
    mixed = x * np.exp(-2j * np.pi * f0 * np.arange(len(x)) / sample_rate)
    best: tuple[float, list[tuple[bool, float]]] = (np.inf, [])
    for cutoff in (6.0, 10.0, 16.0, 25.0, 40.0, 60.0):  # 6 Hz suits 5 wpm, 60 Hz 40 wpm
        runs = _runs(mixed, sample_rate, cutoff)
        score = _timing_error(runs)
        if score < best[0]:
            best = (score, runs)
    runs = best[1]
    return decode_runs(runs)


def _otsu(env: np.ndarray, lo: float, hi: float) -> float:
    """Otsu's threshold (between-class variance maximum) of the envelope within [lo, hi]."""
    hist, edges = np.histogram(np.clip(env, lo, hi), bins=64, range=(lo, hi))
    centres = (edges[:-1] + edges[1:]) / 2
    w0 = np.cumsum(hist)
    w1 = w0[-1] - w0
    m0 = np.cumsum(hist * centres)
    mean0 = m0 / np.maximum(w0, 1)
    mean1 = (m0[-1] - m0) / np.maximum(w1, 1)
    between = w0 * w1 * (mean0 - mean1) ** 2
    return float(edges[1:][np.argmax(between)])


def _timing_error(runs: list[tuple[bool, float]]) -> float:
    """How far the runs are from whole Morse units (1 or 3 on; 1, 3 or 7 off), on average."""
    dot = dot_length(runs)
    if dot <= 0 or len(runs) < 3:
        return np.inf
    errors = []
    for on, duration in runs:
        units = duration / dot
        allowed = (1.0, 3.0) if on else (1.0, 3.0, 7.0)
        errors.append(0.0 if not on and units > 7 else min(abs(units - a) / a for a in allowed))
    return float(np.mean(errors))


def _runs(mixed: np.ndarray, sample_rate: float, cutoff_hz: float) -> list[tuple[bool, float]]:
    sos = signal.butter(2, cutoff_hz, fs=sample_rate, output="sos")
    env = np.abs(signal.sosfiltfilt(sos, mixed))
    quiet, loud = np.percentile(env, 20), np.percentile(env, 97)
    if loud < 3 * quiet + 1e-12:
        return []
    on = env > _otsu(env, quiet, loud)
    edges = np.flatnonzero(np.diff(on.astype(np.int8))) + 1
    bounds = np.concatenate([[0], edges, [len(on)]])
    runs = [
        (bool(on[a]), (b - a) / sample_rate) for a, b in zip(bounds[:-1], bounds[1:], strict=True)
    ]
    runs = [r for r in runs if r[1] >= 0.2 / cutoff_hz]  # glitches shorter than the filter
    while runs and not runs[0][0]:
        runs.pop(0)
    while runs and not runs[-1][0]:
        runs.pop()
    merged: list[tuple[bool, float]] = []
    for state, duration in runs:
        if merged and merged[-1][0] == state:
            merged[-1] = (state, merged[-1][1] + duration)
        else:
            merged.append((state, duration))
    return merged

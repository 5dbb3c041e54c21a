"""A real pass's Doppler curve for the IQ tests, and IQ recordings of our modulators through it.

The curve is the reference mission's highest pass over its station in its first two days
(87 degrees, about +-10 kHz at its UHF downlink), from the scenario's element set by
:func:`picodragon.ground.iq_doppler.recording_doppler`: ten minutes centred on the culmination.
Tests compress it in time (``compressed``) so a recording of 20 s holds the whole curve: the
shape and the +-10 kHz swing are the real pass's, the slope is 30 times steeper (up to about
4 kHz/s instead of 130 Hz/s), which only makes the correction's job harder.
"""

from __future__ import annotations

import functools
from datetime import timedelta

import numpy as np

from picodragon.config.mission import load_mission
from picodragon.ground.iq_doppler import recording_doppler
from picodragon.ground.passes import find_passes
from picodragon.link import afsk, ax25, g3ruh
from picodragon.link.iq import OffsetCurve, synthesize
from picodragon.physics.orbit import deployed_element_set

PASS_S = 600.0


@functools.cache
def reference_pass() -> tuple[OffsetCurve, float, object]:
    """(the Doppler curve over ten minutes around the culmination, the downlink in Hz, the pass)."""
    scenario = load_mission(None).scenario
    element_set = deployed_element_set(scenario)
    station = scenario.stations[0]
    downlink = scenario.spacecraft.radio.downlink_frequency_hz
    found = find_passes(element_set, station, scenario.start, scenario.start + timedelta(days=2))
    best = max(found, key=lambda p: p.max_elevation_deg)
    start = best.tca - timedelta(seconds=PASS_S / 2)
    doppler = recording_doppler(element_set, station, start, PASS_S, downlink, downlink)
    return doppler.offset, downlink, best


def compressed(seconds: float) -> OffsetCurve:
    """The reference pass's curve squeezed into ``seconds``."""
    curve, _, _ = reference_pass()
    return OffsetCurve(curve.times_s * (seconds / PASS_S), curve.offsets_hz)


def frames(count: int) -> list[bytes]:
    """``count`` distinct AX.25 UI frames."""
    return [
        ax25.encode(
            ax25.Frame(ax25.Address("CQ"), ax25.Address("N0CALL", 1), info=f"frame {i:03d} ".encode() * 6)
        )
        for i in range(count)
    ]


def spaced_audio(mode: str, sent: list[bytes], spacing_s: float, rate: int = 48000) -> np.ndarray:
    """One transmission per frame, each starting ``spacing_s`` after the last, peak 1."""
    slots = []
    for frame in sent:
        if mode == "afsk1200":
            burst = afsk.modulate([frame], rate, amplitude=1.0)
        else:
            burst = g3ruh.modulate([frame], rate, baud=float(mode.removeprefix("g3ruh")))
            burst = burst / np.max(np.abs(burst))
        slot = np.zeros(int(spacing_s * rate), dtype=np.float32)
        slot[: min(len(burst), len(slot))] = burst[: len(slot)]
        slots.append(slot)
    return np.concatenate(slots)


def pass_recording(
    mode: str, count: int, seconds: float, sample_rate: float, c_n0_db_hz: float, seed: int = 1
) -> tuple[np.ndarray, OffsetCurve, list[bytes]]:
    """IQ of ``count`` frames through the compressed pass, with noise: (samples, curve, frames)."""
    sent = frames(count)
    curve = compressed(seconds)
    audio = spaced_audio(mode, sent, seconds / count)
    z = synthesize(audio, 48000, sample_rate, curve, c_n0_db_hz=c_n0_db_hz, rng=np.random.default_rng(seed))
    return z, curve, sent

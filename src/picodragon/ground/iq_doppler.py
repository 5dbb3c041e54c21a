"""The frequency offset of a satellite's downlink across an IQ recording, from its element set.

An SDR recording of a pass is made at a fixed centre frequency; the satellite's carrier moves
through the Doppler curve of the pass (about +-10 kHz at UHF for a LEO satellite). The link's
IQ receiver (:class:`picodragon.link.iq.IqReceiver`) removes a time-varying offset it is
given; this module computes that offset where the orbit is known (the ground's element set and
station), since the link room knows no orbits:

``offset(t) = (f_downlink - f_centre) + doppler_shift(f_downlink, range_rate(t))``

with the range rate from the station's look angles (:func:`picodragon.ground.passes.look_angles`,
SGP4) and the first-order shift ``-f rdot / c`` (:mod:`picodragon.link.doppler`). It is sampled
every ``step_s`` (1 s by default; the curve's second derivative stays under about 5 Hz/s^2 at
UHF, so linear interpolation between samples is good to about 1 Hz) over the recording.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from picodragon.config import Station
from picodragon.elements import ElementSet
from picodragon.ground.passes import look_angles
from picodragon.link.doppler import doppler_shift_hz
from picodragon.link.iq import OffsetCurve

__all__ = ["MAX_POINTS", "RecordingDoppler", "recording_doppler"]

MAX_POINTS = 100_000
"""Samples of the curve at most: a longer recording is sampled more coarsely than ``step_s``."""


@dataclass(frozen=True)
class RecordingDoppler:
    """The offset curve of a recording and the geometry it came from, per sample."""

    offset: OffsetCurve
    elevation_deg: np.ndarray
    range_rate_m_s: np.ndarray

    @property
    def visible(self) -> bool:
        """Whether the satellite is above the horizon at some moment of the recording."""
        return bool(np.any(self.elevation_deg > 0.0))


def recording_doppler(
    element_set: ElementSet,
    station: Station,
    start: datetime,
    duration_s: float,
    downlink_hz: float,
    center_hz: float,
    step_s: float = 1.0,
) -> RecordingDoppler:
    """The downlink's offset from ``center_hz`` (Hz) over a recording of ``duration_s``
    seconds from ``start`` at ``station``, as seen through ``element_set``."""
    if not (math.isfinite(duration_s) and duration_s >= 0):
        raise ValueError(f"duration must be a finite number of seconds >= 0, got {duration_s}")
    if not (math.isfinite(step_s) and step_s > 0):
        raise ValueError(f"step must be a positive number of seconds, got {step_s}")
    points = min(MAX_POINTS, max(2, math.ceil(duration_s / step_s) + 1))
    times = np.linspace(0.0, max(duration_s, step_s), points)
    look = look_angles(element_set, station, start.timestamp() + times)
    offsets = (downlink_hz - center_hz) + doppler_shift_hz(downlink_hz, look.range_rate_m_s)
    return RecordingDoppler(OffsetCurve(times, offsets), look.elevation_deg, look.range_rate_m_s)

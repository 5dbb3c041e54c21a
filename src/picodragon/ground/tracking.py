"""Following a satellite through a pass: Doppler-corrected radio frequencies and antenna pointing.

Each :meth:`PassTracker.update` computes, from the element set, the look angles and range rate
at ``now + lead_s`` (the radio and the rotator take a moment to act), then

- retunes the receiver to ``downlink_hz * (1 - rdot / c)`` and the transmitter to
  ``uplink_hz / (1 - rdot / c)`` (``picodragon.link.doppler``) whenever either moved by more
  than ``retune_hz`` since it was last set (at 437 MHz the shift runs through about 20 kHz in a
  pass, at most about 100 Hz/s near the culmination: 1 s updates and a 10 Hz threshold keep the
  error far inside an FM receiver's passband);
- points the rotator when the target moved by more than ``repoint_deg``. Before a pass
  (:meth:`PassTracker.set_pass`) the whole azimuth track is unwrapped and shifted by whole
  turns into the rotator's range (-180 to 450 degrees by default), nearest to where the
  rotator is, so no pass makes it unwind half-way (the cable-wrap problem of a track through
  the end stop); below the horizon it waits at the AOS azimuth and zero elevation.

Errors of the radio or rotator never stop tracking: they are counted in ``errors`` with the
last message kept, and the next update tries again (the Hamlib clients reconnect).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from picodragon.config import Station
from picodragon.elements import ElementSet
from picodragon.ground.hamlib import HamlibError, RigClient, RotatorClient
from picodragon.ground.passes import Pass, look_angles
from picodragon.link.doppler import downlink_receive_hz, uplink_transmit_hz

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrackPoint:
    """What the station should do at one instant."""

    unix_s: float
    azimuth_deg: float
    elevation_deg: float
    range_m: float
    range_rate_m_s: float
    downlink_hz: float
    uplink_hz: float


def track(
    element_set: ElementSet,
    station: Station,
    unix_s: np.ndarray,
    downlink_hz: float,
    uplink_hz: float,
) -> list[TrackPoint]:
    """Look angles and Doppler-corrected frequencies at an array of instants (vectorised)."""
    look = look_angles(element_set, station, np.asarray(unix_s, dtype=float))
    down = downlink_receive_hz(downlink_hz, look.range_rate_m_s)
    up = uplink_transmit_hz(uplink_hz, look.range_rate_m_s)
    return [
        TrackPoint(float(t), float(a), float(e), float(r), float(rr), float(d), float(u))
        for t, a, e, r, rr, d, u in zip(
            look.unix_s,
            look.azimuth_deg,
            look.elevation_deg,
            look.range_m,
            look.range_rate_m_s,
            down,
            up,
            strict=True,
        )
    ]


class PassTracker:
    """Drives a radio (rigctld) and a rotator (rotctld) along the predicted track."""

    def __init__(
        self,
        element_set: ElementSet,
        station: Station,
        downlink_hz: float,
        uplink_hz: float,
        rig: RigClient | None = None,
        rotator: RotatorClient | None = None,
        lead_s: float = 0.5,
        retune_hz: float = 10.0,
        repoint_deg: float = 0.5,
    ) -> None:
        self.element_set = element_set
        self.station = station
        self.downlink_hz = downlink_hz
        self.uplink_hz = uplink_hz
        self.rig = rig
        self.rotator = rotator
        self.lead_s = lead_s
        self.retune_hz = retune_hz
        self.repoint_deg = repoint_deg
        self.errors = 0
        self.last_error = ""
        self.tuned_downlink_hz: float | None = None
        self.tuned_uplink_hz: float | None = None
        self.pointed: tuple[float, float] | None = None
        self.next_pass: Pass | None = None
        self._reference_az: float | None = None
        self._wrap: tuple[np.ndarray, np.ndarray] | None = None

    def set_pass(self, next_pass: Pass | None) -> None:
        """The pass to prepare for and follow; its cable wrap is planned on the next update."""
        self.next_pass = next_pass
        self._wrap = None

    def _plan_wrap(self, p: Pass, current_az: float | None) -> tuple[np.ndarray, np.ndarray]:
        """The whole pass's azimuth track, unwrapped and shifted by whole turns so it fits the
        rotator's range without unwinding mid-pass, starting nearest the rotator's azimuth."""
        times = np.arange(p.aos.timestamp(), p.los.timestamp() + 10.0, 10.0)
        az = look_angles(self.element_set, self.station, times).azimuth_deg
        unwrapped = np.degrees(np.unwrap(np.radians(az)))
        lo, hi = self.rotator.min_azimuth_deg, self.rotator.max_azimuth_deg
        best = None
        for k in range(-3, 4):
            shifted = unwrapped + 360.0 * k
            if shifted.min() >= lo and shifted.max() <= hi:
                cost = abs(shifted[0] - (current_az if current_az is not None else shifted[0]))
                if best is None or cost < best[0]:
                    best = (cost, shifted)
        if best is None:  # the pass sweeps more than the rotator allows: follow it as far as it can
            return times, np.clip(unwrapped, lo, hi)
        return times, best[1]

    def _read_reference(self) -> None:
        self._reference_az = self.rotator.position()[0]

    def _guard(self, what: str, action) -> bool:
        try:
            action()
            return True
        except (HamlibError, OSError) as exc:
            self.errors += 1
            self.last_error = f"{what}: {exc}"
            log.warning("%s", self.last_error)
            return False

    def update(self, now_unix: float) -> TrackPoint:
        """Retune and repoint for ``now_unix`` (plus the lead); returns the target used."""
        point = track(
            self.element_set,
            self.station,
            np.array([now_unix + self.lead_s]),
            self.downlink_hz,
            self.uplink_hz,
        )[0]
        if self.rig is not None:
            self._retune(point)
        if self.rotator is not None:
            if self.pointed is None and self._reference_az is None:
                self._guard("rotator", self._read_reference)
            current = self.pointed[0] if self.pointed else self._reference_az
            if self.next_pass is not None and self._wrap is None:
                self._wrap = self._plan_wrap(self.next_pass, current)
            if point.elevation_deg >= 0:
                target_az, target_el = point.azimuth_deg, point.elevation_deg
            elif self.next_pass is not None:
                target_az, target_el = self.next_pass.aos_azimuth_deg, 0.0
            else:
                target_az, target_el = None, None
            if target_az is not None:
                if self._wrap is not None:
                    times, planned = self._wrap
                    current = float(np.interp(point.unix_s, times, planned))
                az = self.rotator.azimuth_for(target_az, current)
                if (
                    self.pointed is None
                    or abs(az - self.pointed[0]) > self.repoint_deg
                    or abs(target_el - self.pointed[1]) > self.repoint_deg
                ) and self._guard("rotator", lambda: self.rotator.set_position(az, target_el)):
                    self.pointed = (az, target_el)
        return point

    def _retune(self, point: TrackPoint) -> None:
        down, up = self.tuned_downlink_hz, self.tuned_uplink_hz
        if (down is None or abs(point.downlink_hz - down) > self.retune_hz) and self._guard(
            "downlink", lambda: self.rig.set_frequency(point.downlink_hz)
        ):
            self.tuned_downlink_hz = point.downlink_hz
        if (up is None or abs(point.uplink_hz - up) > self.retune_hz) and self._guard(
            "uplink", lambda: self.rig.set_uplink_frequency(point.uplink_hz)
        ):
            self.tuned_uplink_hz = point.uplink_hz

    def park(self) -> None:
        """Send the rotator to its park position (after the last pass, or on shutdown)."""
        if self.rotator is not None and self._guard("park", self.rotator.park):
            self.pointed = None

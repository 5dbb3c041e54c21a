"""The twin's boundary with its devices: the state it publishes and the loads devices draw.

The devices the flight software sees (``devices``, ``sensors``, ``camera``) never hold the twin:
they read a ``SpacecraftState`` that the twin writes after every step (the truth at the twin's
current time) and they spend energy through one ``ElectricalBus``, whose ledger the twin takes
when it integrates the battery. So the import graph runs twin -> devices -> state, never back.

``ElectricalBus`` is the one place the transmitter's energy is counted. Keying is recorded as
segments in time (start, duration, duty fraction): a frame on the air is a segment of duty 1
from its key-up to the end of its air time (frames queued while another is on the air start when
it ends), a CW message a segment at the keyed share of its duration, the mission's estimate of
the software's transmissions during a coarse step a segment at that duty. ``take(t0, t1)``
returns the DC energy (segment overlap x transmit load) and the radiated RF energy (overlap x RF
output) falling inside [t0, t1] plus any one-off pulses (the antenna's burn wire), and forgets
them: every joule is drawn once, in the step during which it was spent (before, a burst of
frames queued in one software step was charged in the next short step: 30 s of keying in a 1 s
step showed as a 37 W battery discharge).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from picodragon.astro.frames import teme_to_ecef
from picodragon.astro.wgs84 import geodetic


@dataclass
class SpacecraftState:
    """The truth at the twin's current time, as the twin last wrote it (SI; TEME vectors in m).

    ``q`` (w, x, y, z, body -> TEME) and ``w_rad_s`` (body rate) are None when the twin does not
    propagate attitude (then the body frame is TEME and the rate zero). Power fields as in the
    EPS telemetry; ``charge_inhibited``: the charger is off because the battery is below its
    charge temperature limit; ``charge_phase``: index in ``power.CHARGE_PHASES``.
    """

    time: float
    start_unix: float
    r_teme: np.ndarray = field(default_factory=lambda: np.full(3, np.nan))
    v_teme: np.ndarray = field(default_factory=lambda: np.full(3, np.nan))
    sun_teme: np.ndarray = field(default_factory=lambda: np.array([1.5e11, 0.0, 0.0]))
    b_teme: np.ndarray = field(default_factory=lambda: np.zeros(3))
    dut1_s: float = 0.0
    sunlit_fraction: float = 1.0
    q: np.ndarray | None = None
    w_rad_s: np.ndarray | None = None
    battery_soc: float = 1.0
    battery_voltage_v: float = 8.0
    battery_current_a: float = 0.0
    solar_power_w: float = 0.0
    bus_power_w: float = 0.0
    charge_inhibited: bool = False
    charge_phase: int = 0
    temperatures_c: np.ndarray = field(default_factory=lambda: np.full(9, 20.0))
    brownout: bool = False
    reentered: bool = False

    def body_to_teme(self) -> np.ndarray:
        """Rotation matrix body -> TEME now (identity when attitude is not propagated).

        Built from the quaternion's four scalars by the formula of ``attitude.quats_to_matrices``
        (the same products and sums, so the same bits) without its stacks of one-element arrays."""
        if self.q is None:
            return np.eye(3)
        return np.array(_matrix(self.q))

    def to_body(self, x: float, y: float, z: float) -> tuple[float, float, float]:
        """A TEME vector's components in the body frame (M^T v, M = ``body_to_teme``), in scalars.

        The devices ask for it at every housekeeping sample: a tuple, no 3 x 3 array built and
        multiplied (which cost ten times more); equal to ``body_to_teme().T @ v`` to rounding."""
        if self.q is None:
            return x, y, z
        (m00, m01, m02), (m10, m11, m12), (m20, m21, m22) = _matrix(self.q)
        return (m00 * x + m10 * y + m20 * z, m01 * x + m11 * y + m21 * z, m02 * x + m12 * y + m22 * z)

    def field_body_t(self) -> np.ndarray:
        """Geomagnetic field in the body frame, T."""
        return np.array(self.to_body(*np.asarray(self.b_teme, dtype=float).tolist()))

    def body_rate_rad_s(self) -> np.ndarray:
        return np.zeros(3) if self.w_rad_s is None else np.array(self.w_rad_s, dtype=float)

    def sun_body(self) -> tuple[np.ndarray, float]:
        """Unit Sun vector in the body frame and the visible fraction of the solar disc."""
        s = self.sun_teme - self.r_teme
        return np.array(self.to_body(*(s / np.linalg.norm(s)).tolist())), self.sunlit_fraction

    def geodetic_now(self) -> tuple[float, float, float]:
        """Latitude, longitude (deg) and height (m) of the spacecraft now."""
        r_e, _ = teme_to_ecef(self.r_teme[None, :], None, np.array([self.time]), self.dut1_s)
        lat, lon, h = geodetic(r_e)
        return float(lat[0]), float(lon[0]), float(h[0])


def _matrix(q) -> tuple[tuple[float, float, float], ...]:
    """Rows of the body -> TEME matrix of a quaternion (w, x, y, z), as ``quats_to_matrices``."""
    w, x, y, z = q.tolist() if isinstance(q, np.ndarray) else (float(c) for c in q)
    return (
        (1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)),
        (2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)),
        (2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)),
    )


class ElectricalBus:
    """Where devices spend energy beyond the steady loads: transmitter keying and pulses.

    transmit_load_w: DC power while the transmitter keys (W); rf_power_w: the RF output that
    leaves the spacecraft meanwhile (W, not dissipated on board).
    """

    def __init__(self, transmit_load_w: float, rf_power_w: float = 0.0) -> None:
        self.transmit_load_w = float(transmit_load_w)
        self.rf_power_w = float(min(rf_power_w, transmit_load_w)) if transmit_load_w > 0 else 0.0
        self._segments: list[tuple[float, float, float]] = []
        self._pulse_j = 0.0
        self.keyed_s_total = 0.0
        """equivalent full-duty seconds keyed so far (frames, CW and estimated duty)"""
        self.pulse_j_total = 0.0
        """energy of every one-off pulse so far (J)"""

    def key(self, start: float, duration_s: float, duty: float = 1.0) -> None:
        """The transmitter keys from start for duration_s at the given duty fraction (0..1)."""
        if duration_s <= 0 or duty <= 0:
            return
        duty = min(float(duty), 1.0)
        self._segments.append((float(start), float(start) + float(duration_s), duty))
        self.keyed_s_total += duty * duration_s

    def pulse(self, energy_j: float) -> None:
        """A one-off draw (a burn wire, a camera capture), charged to the next step."""
        if energy_j > 0:
            self._pulse_j += float(energy_j)
            self.pulse_j_total += float(energy_j)

    def take(self, t0: float, t1: float) -> tuple[float, float]:
        """(DC energy J, radiated RF energy J) spent in [t0, t1], removed from the ledger.

        Keying before t0 that was never taken (a segment recorded in the past) is charged now
        rather than lost.
        """
        keyed = 0.0
        left: list[tuple[float, float, float]] = []
        for start, end, duty in self._segments:
            a = start if start > t0 else t0
            if start < t0:  # the part before t0 belongs to no later step: charge it here
                keyed += duty * (min(end, t0) - start)
            b = min(end, t1)
            if b > a:
                keyed += duty * (b - a)
            if end > t1:
                left.append((max(start, t1), end, duty))
        self._segments = left
        dc = keyed * self.transmit_load_w + self._pulse_j
        rf = keyed * self.rf_power_w
        self._pulse_j = 0.0
        return dc, rf

    def pending_j(self) -> float:
        """DC energy recorded and not yet taken (J): what the battery still owes."""
        return sum(d * (e - s) for s, e, d in self._segments) * self.transmit_load_w + self._pulse_j

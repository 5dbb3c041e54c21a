"""Attitude and Sun sensors: magnetometer, gyroscope, face-panel currents (coarse Sun sensing).

Each reading is truth + fixed bias (drawn once from the seed) + white noise, quantised, and held
for the sample period (a read within the period returns the held sample). All carry the fault
API of ``devices.FaultInjectable``: stuck, bias_jump (bias=...), dead (NaN), noisy (sigma=...).
Parameters are typical 1U parts (named assumptions, Pico Dragon's sensors were not published):

- magnetometer: 3-axis AMR (HMC5883L class), 73 nT steps, 150 nT noise, residual bias after
  calibration 2 uT per axis (1 sigma; the bar magnet's field is assumed calibrated out),
  sampled at 10 Hz;
- gyroscope: 3-axis MEMS (L3GD20 class at 250 deg/s full scale), 8.75 mdeg/s steps, 0.03 deg/s
  noise, bias 0.3 deg/s per axis (1 sigma), 10 Hz;
- panel currents: short-circuit current of each face's cell string, 520 mA at 1361 W/m^2 normal
  incidence (Azur Space 3G30C data sheet: 519.6 mA at AM0), 1 mA steps, 2 mA noise, on the
  faces that carry cells (zero elsewhere), 1 Hz.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from picodragon.physics.constants import SOLAR_CONSTANT
from picodragon.physics.devices import FaultInjectable
from picodragon.physics.power import FACE_NAMES
from picodragon.physics.sun import earth_fluxes

if TYPE_CHECKING:
    from picodragon.physics.twin import Twin


class _SampledSensor(FaultInjectable):
    sample_period_s = 0.1
    noise = 0.0
    quantum = 0.0
    bias_sigma = 0.0

    def __init__(self, twin: Twin, rng: np.random.Generator, size: int = 3) -> None:
        super().__init__()
        self._twin = twin
        self._rng = rng
        self.bias = rng.normal(0.0, self.bias_sigma, size) if self.bias_sigma else np.zeros(size)
        self._held: np.ndarray | None = None
        self._held_at = -np.inf

    def _truth(self) -> np.ndarray:
        raise NotImplementedError

    def _sample(self) -> np.ndarray:
        t = self._twin.time
        if self._held is not None and t - self._held_at < self.sample_period_s and self.fault is None:
            return self._held.copy()
        value = self._truth() + self.bias + self._rng.normal(0.0, self.noise, self.bias.shape)
        value = self._apply(value, self._rng, self.quantum)
        self._held, self._held_at = np.array(value, dtype=float), t
        return self._held.copy()


class MagnetometerDevice(_SampledSensor):
    """read_t() -> (3,) geomagnetic field in the body frame, tesla."""

    noise = 150e-9
    quantum = 73e-9
    bias_sigma = 2e-6

    def _truth(self) -> np.ndarray:
        return self._twin.field_body_t()

    def read_t(self) -> np.ndarray:
        return self._sample()


class GyroDevice(_SampledSensor):
    """read_rad_s() -> (3,) body rate, rad/s."""

    noise = np.radians(0.03)
    quantum = np.radians(0.00875)
    bias_sigma = np.radians(0.3)

    def _truth(self) -> np.ndarray:
        return self._twin.body_rate_rad_s()

    def read_rad_s(self) -> np.ndarray:
        return self._sample()


class SunSensorDevice(_SampledSensor):
    """read_a() -> (6,) short-circuit current of the cells on +X, -X, +Y, -Y, +Z, -Z, amperes."""

    sample_period_s = 1.0
    noise = 0.002
    quantum = 0.001
    isc_at_1361 = 0.5196

    def __init__(self, twin: Twin, rng: np.random.Generator) -> None:
        super().__init__(twin, rng, size=6)
        faces = twin.scenario.spacecraft.power.cell_faces
        self.mask = np.array([1.0 if f in faces else 0.0 for f in FACE_NAMES])

    def _truth(self) -> np.ndarray:
        s_b, frac = self._twin.sun_body()
        r = self._twin._r
        sun = self._twin._sun
        cos_s = np.clip(np.concatenate([s_b, -s_b])[[0, 3, 1, 4, 2, 5]], 0, None)
        nadir_b = self._twin.body_to_teme().T @ (-r / np.linalg.norm(r))
        cos_e = np.clip(np.concatenate([nadir_b, -nadir_b])[[0, 3, 1, 4, 2, 5]], 0, None)
        albedo, _ = earth_fluxes(r[None, :], sun[None, :])
        flux = SOLAR_CONSTANT * frac * cos_s + albedo[0] * cos_e
        return self.mask * self.isc_at_1361 * flux / SOLAR_CONSTANT

    def _sample(self) -> np.ndarray:
        return np.clip(super()._sample(), 0.0, None) * self.mask

    def read_a(self) -> np.ndarray:
        return self._sample()

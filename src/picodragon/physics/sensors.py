"""Attitude and Sun sensors: magnetometer, gyroscope, face-panel currents (coarse Sun sensing).

Each reading is truth + fixed bias (drawn once from the seed) + white noise, quantised, and held
for the sample period (a read within the period returns the held sample). All carry the fault
API of ``devices.FaultInjectable``: stuck, bias_jump (bias=...), dead (NaN), noisy (sigma=...).
Parameters are typical 1U parts (named assumptions: the reference mission's sensors were not published):

- magnetometer: 3-axis AMR (HMC5883L class), 73 nT steps, 150 nT noise, residual bias after
  calibration 2 uT per axis (1 sigma; the bar magnet's field is assumed calibrated out),
  sampled at 10 Hz;
- gyroscope: 3-axis MEMS (L3GD20 class at 250 deg/s full scale), 8.75 mdeg/s steps, 0.03 deg/s
  noise, bias 0.3 deg/s per axis (1 sigma), 10 Hz;
- position: a GNSS-like fix (a 1U may carry none: the mission decides whether to fit it), 10 m
  noise per axis, 1 Hz, no fix in brown-out;
- attitude: the output of an on-board attitude determination (magnetometer + panel currents,
  TRIAD-like) modelled by its error: the true attitude rotated by 3 deg per axis (1 sigma)
  white noise, 1 Hz; None when the body rate exceeds 5 deg/s (the estimate does not converge)
  or in brown-out;
- panel currents: short-circuit current of each face's cell string, 520 mA at 1361 W/m^2 normal
  incidence (Azur Space 3G30C data sheet: 519.6 mA at AM0), 1 mA steps, 2 mA noise, on the
  faces that carry cells (zero elsewhere), 1 Hz.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from picodragon.physics.attitude import quat_matrix
from picodragon.physics.constants import EARTH_ALBEDO, R_EARTH, SOLAR_CONSTANT
from picodragon.physics.devices import FaultInjectable, PositionFix, _quantised
from picodragon.physics.orbit import geodetic
from picodragon.physics.state import SpacecraftState
from picodragon.physics.sun import earth_fluxes, earth_view_factor, view_factor_table
from picodragon.physics.timebase import teme_to_ecef

_NO_ROTATION = np.array([1.0, 0.0, 0.0, 0.0])
"""The identity quaternion: body axes = TEME when the twin does not propagate attitude."""


@njit(cache=True)
def _panel_currents(q, r, sun, frac, mask, isc, hs, table, out):  # pragma: no cover - compiled
    """True short-circuit currents (A) of the six faces into out, in scalars: the sunlit
    cosine (clipped) plus the nadir albedo through each face's plate-to-Earth view factor,
    with the formulas of ``sun.earth_view_factor`` and ``sun.earth_fluxes`` term by term
    (what ``SunSensorDevice._truth_numpy`` computes with a few dozen small numpy calls)."""
    # columns of body -> TEME = rows of TEME -> body
    m00, m01, m02, m10, m11, m12, m20, m21, m22 = quat_matrix(q[0], q[1], q[2], q[3])
    rx, ry, rz = r[0], r[1], r[2]
    sx, sy, sz = sun[0] - rx, sun[1] - ry, sun[2] - rz
    sn = math.sqrt(sx * sx + sy * sy + sz * sz)
    sx, sy, sz = sx / sn, sy / sn, sz / sn
    rn = math.sqrt(rx * rx + ry * ry + rz * rz)
    nx, ny, nz = -rx / rn, -ry / rn, -rz / rn
    s_b = (m00 * sx + m10 * sy + m20 * sz, m01 * sx + m11 * sy + m21 * sz, m02 * sx + m12 * sy + m22 * sz)
    n_b = (m00 * nx + m10 * ny + m20 * nz, m01 * nx + m11 * ny + m21 * nz, m02 * nx + m12 * ny + m22 * nz)
    # albedo on a nadir plate (sun.earth_fluxes)
    view = (R_EARTH / rn) ** 2
    sun_n = math.sqrt(sun[0] * sun[0] + sun[1] * sun[1] + sun[2] * sun[2])
    cos_zenith = (rx * sun[0] + ry * sun[1] + rz * sun[2]) / (rn * sun_n)
    albedo = SOLAR_CONSTANT * EARTH_ALBEDO * view * min(max(cos_zenith, 0.0), 1.0)
    # the view factor's altitude row (sun.earth_view_factor)
    nh = hs.shape[0]
    h = min(max(rn / R_EARTH, hs[0]), hs[nh - 1])
    fh = (h - hs[0]) / (hs[1] - hs[0])
    i = min(int(fh), nh - 2)
    wh = fh - i
    to_nadir = (rn / R_EARTH) ** 2
    for k in range(6):
        sign = 1.0 if k % 2 == 0 else -1.0
        cos_s = max(sign * s_b[k // 2], 0.0)
        lam = math.acos(min(max(sign * n_b[k // 2], -1.0), 1.0)) * (180.0 / math.pi)
        j = min(int(lam), 179)
        wl = lam - j
        f0 = table[i, j] * (1 - wl) + table[i, j + 1] * wl
        f1 = table[i + 1, j] * (1 - wl) + table[i + 1, j + 1] * wl
        cos_e = (f0 * (1 - wh) + f1 * wh) * to_nadir
        flux = SOLAR_CONSTANT * frac * cos_s + albedo * cos_e
        out[k] = mask[k] * isc * flux / SOLAR_CONSTANT


class _SampledSensor(FaultInjectable):
    sample_period_s = 0.1
    noise = 0.0
    quantum = 0.0
    bias_sigma = 0.0

    def __init__(self, state: SpacecraftState, rng: np.random.Generator, size: int = 3) -> None:
        super().__init__()
        self._state = state
        self._rng = rng
        self.bias = rng.normal(0.0, self.bias_sigma, size) if self.bias_sigma else np.zeros(size)
        self._held: np.ndarray | None = None
        self._held_at = -np.inf

    def _truth(self) -> np.ndarray:
        raise NotImplementedError

    def _sample(self) -> np.ndarray:
        t = self._state.time
        if self.fault is None:
            if self._held is not None and t - self._held_at < self.sample_period_s:
                return self._held.copy()
            # what _apply does without a fault, without its checks (np.round to 0 decimals is rint)
            value = self._truth() + self.bias + self._rng.normal(0.0, self.noise, self.bias.shape)
            if self.quantum > 0:
                value = np.rint(value / self.quantum) * self.quantum
            self._last = self._held = value
            self._held_at = t
            return value.copy()
        value = self._truth() + self.bias + self._rng.normal(0.0, self.noise, self.bias.shape)
        value = self._apply(value, self._rng, self.quantum)
        self._held, self._held_at = np.array(value, dtype=float), t
        return self._held.copy()

    def _truth3(self) -> tuple[float, float, float]:
        """``_truth`` of a three-axis sensor as three floats (``_read3``'s)."""
        x, y, z = self._truth().tolist()
        return x, y, z

    def _read3(self) -> tuple[float, float, float]:
        """``_sample`` of a three-axis sensor as three floats.

        Without a fault a new sample is computed in Python floats: truth + bias + noise, then
        quantised, the same IEEE operations in the same order as ``_sample``'s arrays, on the
        same draw (``devices._quantised`` is ``np.rint(x / q) * q``), so the same numbers; the
        sample is held as the array ``_sample`` holds. Why: the housekeeping reads both vectors every few seconds of a
        detailed step, and a dozen numpy calls on three elements cost twice the rest."""
        t = self._state.time
        held = self._held
        if self.fault is not None:
            x, y, z = self._sample().tolist()
            return x, y, z
        if held is not None and t - self._held_at < self.sample_period_s:
            x, y, z = held.tolist()
            return x, y, z
        tx, ty, tz = self._truth3()
        bx, by, bz = self.bias.tolist()
        nx, ny, nz = self._rng.normal(0.0, self.noise, self.bias.shape).tolist()
        x, y, z = (tx + bx) + nx, (ty + by) + ny, (tz + bz) + nz
        q = float(self.quantum)  # a Python float: numpy scalars (np.radians') are slow
        if q > 0:
            x, y, z = _quantised(x, q), _quantised(y, q), _quantised(z, q)
        self._last = self._held = np.array((x, y, z))
        self._held_at = t
        return x, y, z


class MagnetometerDevice(_SampledSensor):
    """read_t() -> (3,) geomagnetic field in the body frame, tesla."""

    noise = 150e-9
    quantum = 73e-9
    bias_sigma = 2e-6

    def _truth(self) -> np.ndarray:
        return self._state.field_body_t()

    def _truth3(self) -> tuple[float, float, float]:
        state = self._state
        x, y, z = np.asarray(state.b_teme, dtype=float).tolist()
        return state.to_body(x, y, z)  # field_body_t's numbers, not made an array

    def read_t(self) -> tuple[float, float, float]:
        return self._read3()


class GyroDevice(_SampledSensor):
    """read_rad_s() -> (3,) body rate, rad/s."""

    noise = np.radians(0.03)
    quantum = np.radians(0.00875)
    bias_sigma = np.radians(0.3)

    def _truth(self) -> np.ndarray:
        return self._state.body_rate_rad_s()

    def read_rad_s(self) -> tuple[float, float, float]:
        return self._read3()


class SunSensorDevice(_SampledSensor):
    """read_a() -> (6,) short-circuit current of the cells on +X, -X, +Y, -Y, +Z, -Z, amperes."""

    sample_period_s = 1.0
    noise = 0.002
    quantum = 0.001
    isc_at_1361 = 0.5196

    def __init__(self, state: SpacecraftState, rng: np.random.Generator, face_mask: np.ndarray) -> None:
        """face_mask (6,): 1 for the faces (+X, -X, +Y, -Y, +Z, -Z) whose body cells are read."""
        super().__init__(state, rng, size=6)
        self.mask = np.asarray(face_mask, dtype=float)

    def _truth(self) -> np.ndarray:
        state = self._state
        q = state.q
        hs, _, table = view_factor_table()
        out = np.empty(6)
        _panel_currents(
            _NO_ROTATION if q is None else np.asarray(q, dtype=float),
            np.asarray(state.r_teme, dtype=float), np.asarray(state.sun_teme, dtype=float),
            float(state.sunlit_fraction), self.mask, self.isc_at_1361, hs, table, out,
        )  # fmt: skip
        return out

    def _truth_numpy(self) -> np.ndarray:
        """``_truth`` in numpy from the state's helpers and ``sun``'s functions: the reference
        the compiled ``_panel_currents`` is checked against (tests/physics/test_sensors.py)."""
        s_b, frac = self._state.sun_body()
        r = self._state.r_teme
        sun = self._state.sun_teme
        cos_s = np.clip(np.concatenate([s_b, -s_b])[[0, 3, 1, 4, 2, 5]], 0, None)
        nadir_b = self._state.body_to_teme().T @ (-r / np.linalg.norm(r))
        rn = np.linalg.norm(r)
        cos_nadir = np.concatenate([nadir_b, -nadir_b])[[0, 3, 1, 4, 2, 5]]
        cos_e = earth_view_factor(cos_nadir[None, :], np.array([rn]))[0] * (rn / R_EARTH) ** 2
        albedo, _ = earth_fluxes(r[None, :], sun[None, :])
        flux = SOLAR_CONSTANT * frac * cos_s + albedo[0] * cos_e
        return self.mask * self.isc_at_1361 * flux / SOLAR_CONSTANT

    def _sample(self) -> np.ndarray:
        return np.clip(super()._sample(), 0.0, None) * self.mask

    def read_a(self) -> np.ndarray:
        return self._sample()


class PositionDevice(FaultInjectable):
    """read() -> PositionFix (geodetic) with 10 m noise per axis; None in brown-out or when dead."""

    noise_m = 10.0

    def __init__(self, state: SpacecraftState, rng: np.random.Generator) -> None:
        super().__init__()
        self._state = state
        self._rng = rng

    def read(self) -> PositionFix | None:
        state = self._state
        if state.brownout or state.reentered or self.fault == "dead":
            return None
        r = state.r_teme + self._rng.normal(0.0, self.noise_m, 3)
        if self.fault == "bias_jump":
            r = r + self.fault_params.get("bias", 1000.0)
        r_e, _ = teme_to_ecef(r[None, :], None, [state.time], state.dut1_s)
        lat, lon, h = geodetic(r_e)
        return PositionFix(float(lat[0]), float(lon[0]), float(h[0]))


class AttitudeEstimateDevice:
    """read_quaternion() -> (w, x, y, z) body -> TEME, truth with 3 deg (1 sigma) per-axis error."""

    sigma_rad = np.radians(3.0)
    max_rate_rad_s = np.radians(5.0)

    def __init__(self, state: SpacecraftState, rng: np.random.Generator) -> None:
        self._state = state
        self._rng = rng

    def read_quaternion(self) -> tuple[float, float, float, float] | None:
        state = self._state
        if state.q is None or state.brownout or state.reentered:
            return None
        if np.linalg.norm(state.body_rate_rad_s()) > self.max_rate_rad_s:
            return None
        e = self._rng.normal(0.0, self.sigma_rad, 3)
        angle = float(np.linalg.norm(e))
        axis = e / angle if angle > 0 else np.array([1.0, 0.0, 0.0])
        dq = np.concatenate([[np.cos(angle / 2)], np.sin(angle / 2) * axis])
        q = state.q
        w0, x0, y0, z0 = q
        w1, x1, y1, z1 = dq
        out = (
            w0 * w1 - x0 * x1 - y0 * y1 - z0 * z1,
            w0 * x1 + x0 * w1 + y0 * z1 - z0 * y1,
            w0 * y1 - x0 * z1 + y0 * w1 + z0 * x1,
            w0 * z1 + x0 * y1 - y0 * x1 + z0 * w1,
        )
        return tuple(float(c) for c in out)

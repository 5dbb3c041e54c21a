"""The twin: one spacecraft in its environment, advanced in time by the mission.

``Twin(scenario, seed)`` builds

- the true orbit: the numerical propagator (``propagator``: Cowell, J2-J4, NRLMSIS 2.1 drag,
  SRP) from the ejected state; the published element set the ground uses is
  ``element_set`` (``orbit.deployed_element_set``), which drifts from the truth as a real TLE
  does;
- the attitude (``attitude``: rigid body, passive magnetic control, J-SSOD tip-off);
- the battery and the thermal nodes (``power``, ``thermal``);
- the devices the flight software sees (``devices``, ``sensors``, ``camera``).

Earth albedo and infrared reach each face through its plate-to-Earth view factor relative to a
nadir plate (``sun.earth_view_factor``); Sun through the clipped cosine.

``advance_to(t)`` integrates the world from the current time to t on a grid of at most
``max_step_s`` (10 s): orbit, Sun, eclipse, Earth fluxes, field and density are computed for the
whole grid at once (vectorised), the compiled attitude loop runs through it, then a compiled
loop integrates battery and thermal nodes with the loads switched on and the energy of the
frames the radio sent. ``history()`` returns what was recorded along the way (one row a minute
at most), as numpy arrays.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from picodragon.config.models import Scenario, Station
from picodragon.elements import ElementSet
from picodragon.physics import power as pw
from picodragon.physics import thermal as th
from picodragon.physics.attitude import Attitude, quats_to_matrices
from picodragon.physics.camera import CameraDevice
from picodragon.physics.constants import AU, R_EARTH, SOLAR_CONSTANT
from picodragon.physics.decay import propagator_for
from picodragon.physics.devices import (
    AntennaDeployerDevice,
    ClockDevice,
    CwBeaconDevice,
    PowerSensorDevice,
    PowerSwitchesDevice,
    RadioDevice,
    StorageDevice,
    TemperatureSensorDevice,
    WatchdogDevice,
)
from picodragon.physics.magnetic import field_teme
from picodragon.physics.orbit import (
    LookAngles,
    bstar_for,
    deployed_element_set,
    element_set_from_state,
    geodetic,
    look_angles_ecef,
    propagate_sgp4,
)
from picodragon.physics.sensors import (
    AttitudeEstimateDevice,
    GyroDevice,
    MagnetometerDevice,
    PositionDevice,
    SunSensorDevice,
)
from picodragon.physics.sun import (
    earth_fluxes,
    earth_view_factor,
    illumination,
    sun_position,
    tumbling_earth_view_factor,
)
from picodragon.physics.timebase import dut1, teme_to_ecef

HISTORY_FIELDS = (
    "unix_s", "altitude_km", "latitude_deg", "longitude_deg", "sunlit_fraction", "battery_soc",
    "battery_voltage_v", "solar_power_w", "bus_power_w", "body_rate_deg_s",
) + tuple(f"temperature_{n}_c" for n in th.NODE_NAMES)  # fmt: skip


class Devices:
    """The device models handed to the flight software (fields named as in ``fsw.hal.Hal``)."""

    def __init__(self, **devices) -> None:
        for name, device in devices.items():
            setattr(self, name, device)


@njit(cache=True)
def _integrate(
    dt, solar_flux_w, cos_sun, albedo_w, ir_w, cos_earth, energy_j, capacity_j, temp_k,
    cap, g, area, cell_mask, cell_area, cell_eff, load_w, extra_j, charge_eff, brownout, out,
):  # pragma: no cover - compiled
    """Battery and thermal nodes over n steps of dt; per-step face cosines (n, 6).

    out (n, 4 + 9): per step soc, solar W, battery W, bus W, node temperatures K.
    """
    n = solar_flux_w.shape[0]
    absorbed = np.zeros(6)
    p_face = np.zeros(6)
    solar = 0.0
    bat_w = 0.0
    bus_w = 0.0
    extra_per_step = extra_j / n
    for i in range(n):
        solar = 0.0
        for k in range(6):
            direct = solar_flux_w[i] * cos_sun[i, k]
            reflected = albedo_w[i] * cos_earth[i, k]
            absorbed[k] = area[k] * (th.FACE_ABSORPTIVITY * (direct + reflected)
                                     + th.FACE_EMISSIVITY * ir_w[i] * cos_earth[i, k])
            tfac = 1.0 + pw.CELL_TEMP_COEFF_PER_K * (temp_k[k] - 273.15 - pw.CELL_REFERENCE_C)
            p_face[k] = cell_mask[k] * (direct + reflected) * cell_area * cell_eff * tfac
            solar += p_face[k]
        energy_j, bat_w, bus_w, brownout = pw.battery_step(
            energy_j, capacity_j, solar, load_w, extra_per_step, dt, charge_eff, brownout
        )
        # Heat: bus loads in the OBC (60 %) and structure (40 %); battery I^2 R and
        # charge/discharge losses in the battery; shunted surplus in the structure.
        i_bat = bat_w / (pw.CELLS_IN_SERIES * pw.NOMINAL_CELL_V)
        loss_bat = pw.PACK_RESISTANCE_OHM * i_bat * i_bat
        if bat_w > 0:
            loss_bat += bat_w * (1.0 / charge_eff - 1.0)
            shunt = solar - bus_w - bat_w / charge_eff
        else:
            loss_bat += -bat_w * (1.0 / pw.DISCHARGE_EFFICIENCY - 1.0)
            shunt = 0.0
        if shunt < 0.0:
            shunt = 0.0
        temp_k = th.thermal_step(
            temp_k, dt, cap, g, area, absorbed, p_face, loss_bat, 0.6 * bus_w,
            0.4 * bus_w + shunt,
        )
        out[i, 0] = energy_j / capacity_j
        out[i, 1] = solar
        out[i, 2] = bat_w
        out[i, 3] = bus_w
        for k in range(9):
            out[i, 4 + k] = temp_k[k]
    return energy_j, temp_k, solar, bat_w, bus_w, brownout


class Twin:
    """The spacecraft and its environment; see the module docstring.

    attitude=False replaces the attitude dynamics by the tumbling average (faces see 1/4 of the
    Sun and the Earth), for quick runs.
    """

    max_step_s = 10.0
    history_every_s = 60.0

    def __init__(self, scenario: Scenario, seed: int = 0, *, attitude: bool = True) -> None:
        self.scenario = scenario
        self.seed = seed
        sc = scenario.spacecraft
        self.element_set = deployed_element_set(scenario)
        self.orbit = propagator_for(scenario, area_fn=self._drag_area if attitude else None)
        self._area_sum = 0.0
        self._area_time = 0.0
        self._area_recent: float | None = None
        self.start_unix = float(self.orbit.t[0])
        self.time = self.start_unix
        self.reentered = False
        self.reentry_unix: float | None = None
        self.brownout = False
        rng = np.random.default_rng(seed)
        self.attitude = Attitude(sc, np.random.default_rng([seed, 1])) if attitude else None
        self._dut1 = float(dut1(self.start_unix))
        p = sc.power
        self._capacity_j = p.battery_capacity_wh * 3600.0
        self._energy_j = p.battery_initial_soc * self._capacity_j
        self._temp_k = np.full(9, th.INITIAL_TEMPERATURE_K)
        self._cap = th.heat_capacities(sc)
        self._g = th.conductances()
        self._area = th.face_areas(sc)
        self._cell_mask = pw.cell_mask(p)
        self._last = {"solar_power_w": 0.0, "battery_power_w": 0.0, "bus_power_w": p.base_load_w,
                      "sunlit_fraction": 1.0}
        loads = {k: (p.camera_load_w if v is None else v) for k, v in pw.DEFAULT_SWITCHED_LOADS_W.items()}
        self.switches = PowerSwitchesDevice(loads, pw.DEFAULT_ON)
        self.extra_energy_j = 0.0
        """one-off energy drawn since the last step (CW keying, burn wire), J"""
        self._hist: list[np.ndarray] = []
        self._hist_last = -np.inf
        self._refresh_state()
        self.devices = Devices(
            clock=ClockDevice(self),
            radio=RadioDevice(self, sc.radio.bit_rate, p.transmit_load_w),
            power=PowerSensorDevice(self, rng),
            temperatures=[TemperatureSensorDevice(self, i, n, rng) for i, n in enumerate(th.NODE_NAMES)],
            switches=self.switches,
            storage=StorageDevice(),
            magnetometer=MagnetometerDevice(self, rng),
            gyro=GyroDevice(self, rng),
            sun_sensors=SunSensorDevice(self, rng),
            camera=CameraDevice(self, sc.camera),
            position=PositionDevice(self, rng),
            attitude=AttitudeEstimateDevice(self, rng) if attitude else None,
            cw=CwBeaconDevice(self, p.transmit_load_w),
            antenna=AntennaDeployerDevice(self),
            watchdog=WatchdogDevice(self),
        )
        self._record_now()

    # --- orbit ---------------------------------------------------------------------------------
    def state_teme(self, unix_s) -> tuple[np.ndarray, np.ndarray]:
        """True TEME position and velocity (m, m/s) at Unix times (n, 3); NaN after re-entry."""
        return self.orbit.states(unix_s)

    def look_angles(self, station: Station, unix_s) -> LookAngles:
        """Topocentric elevation, azimuth, range, range rate of the twin's spacecraft from a station."""
        unix_s = np.atleast_1d(np.asarray(unix_s, dtype=float))
        r, v = self.state_teme(unix_s)
        r_e, v_e = teme_to_ecef(r, v, unix_s, self._dut1)
        return look_angles_ecef(station, unix_s, r_e, v_e)

    def _drag_area(self, t0: float, t1: float) -> float:
        """Drag area for the next orbit chunk: the mean projected area of the last 6 h of attitude.

        The orbit is propagated ahead of the attitude (which needs the orbit), so the area lags by
        up to one 6 h chunk; before 6 h of attitude exist, the tumbling mean (a quarter of the
        surface).
        """
        if self._area_recent is None:
            return self.scenario.spacecraft.mean_cross_section_m2
        return self._area_recent

    def published_element_set(self, epoch_unix: float, fit_span_s: float = 86400.0) -> ElementSet:
        """A TLE of the true orbit at epoch_unix, as a tracking network would publish it.

        Mean elements reproduce the true state at epoch (``orbit.element_set_from_state``); B* is
        then adjusted (secant iterations) so that SGP4 agrees along-track with the true orbit
        fit_span_s later (shortened near re-entry). Use it to give the ground fresh element sets
        (the deployment TLE drifts by tens of km a day from the truth).
        """
        sc = self.scenario.spacecraft
        self.orbit.extend_to(epoch_unix + fit_span_s)
        if self.orbit.reentry_unix is not None:
            fit_span_s = min(fit_span_s, 0.8 * (self.orbit.reentry_unix - epoch_unix))
        if fit_span_s <= 0:
            raise ValueError("the spacecraft has re-entered before that epoch")
        r, v = self.state_teme([epoch_unix, epoch_unix + fit_span_s])
        v_hat = v[1] / np.linalg.norm(v[1])

        def along_error(bstar: float) -> tuple[float, ElementSet]:
            es = element_set_from_state(epoch_unix, r[0], v[0], sc.name, sc.norad_id, bstar)
            rs, _, _ = propagate_sgp4(es.satrec, [epoch_unix + fit_span_s])
            return float((rs[0] - r[1]) @ v_hat), es

        b0 = bstar_for(self.scenario)
        b1 = 0.5 * b0
        e0, es = along_error(b0)
        e1, es = along_error(b1)
        for _ in range(4):
            if abs(e1) < 100.0 or e1 == e0:
                break
            b0, b1, e0 = b1, b1 - e1 * (b1 - b0) / (e1 - e0), e1
            b1 = min(max(b1, 1e-6), 0.5)
            e1, es = along_error(b1)
        return es

    # --- time ----------------------------------------------------------------------------------
    def load_w(self) -> float:
        """Bus load now: base load plus switched-on loads (W)."""
        return self.scenario.spacecraft.power.base_load_w + self.switches.switched_power_w()

    def _density_along(self, t) -> np.ndarray:
        log = self.orbit.density_log
        if not len(log):
            return np.zeros_like(t)
        return np.interp(t, log[:, 0], log[:, 1])

    def advance_to(self, unix_s: float) -> None:
        """Integrate the world from the current time to unix_s (no-op if not later)."""
        if unix_s <= self.time:
            return
        if self.reentered:
            self.time = float(unix_s)
            return
        self.orbit.extend_to(unix_s)
        if self.orbit.reentry_unix is not None and self.orbit.reentry_unix < unix_s:
            end = self.orbit.reentry_unix
            if end > self.time:
                self._advance(end)
            self.reentered = True
            self.reentry_unix = self.orbit.reentry_unix
            self.time = float(unix_s)
            self._record_now()
            return
        self._advance(float(unix_s))

    def _advance(self, t1: float) -> None:
        span = t1 - self.time
        n = max(1, math.ceil(span / self.max_step_s - 1e-9))
        dt = span / n
        t_edge = self.time + dt * np.arange(n + 1)
        t_edge[-1] = t1
        t_mid = 0.5 * (t_edge[1:] + t_edge[:-1])
        r_edge, v_edge = self.state_teme(t_edge)
        sun_edge = sun_position(t_edge)
        r = 0.5 * (r_edge[1:] + r_edge[:-1])
        r_sun = 0.5 * (sun_edge[1:] + sun_edge[:-1])
        ill = illumination(r, r_sun)
        flux = SOLAR_CONSTANT * (AU / np.linalg.norm(r_sun - r, axis=1)) ** 2 * ill
        albedo, ir = earth_fluxes(r, r_sun)
        if self.attitude is not None:
            b_edge = field_teme(r_edge, t_edge, self._dut1)
            rho_edge = self._density_along(t_edge)
            q_mid, w_mid = self.attitude.advance(
                self.time, t1, self.time, dt, b_edge, r_edge, v_edge, rho_edge, t_mid
            )
            rot = quats_to_matrices(q_mid)  # body -> TEME
            s_hat = r_sun - r
            s_hat /= np.linalg.norm(s_hat, axis=1)[:, None]
            nadir = -r / np.linalg.norm(r, axis=1)[:, None]
            s_b = np.einsum("nji,nj->ni", rot, s_hat)
            e_b = np.einsum("nji,nj->ni", rot, nadir)
            cos_sun = np.clip(np.concatenate([s_b, -s_b], axis=1)[:, [0, 3, 1, 4, 2, 5]], 0, None)
            rn = np.linalg.norm(r, axis=1)
            cos_nadir = np.concatenate([e_b, -e_b], axis=1)[:, [0, 3, 1, 4, 2, 5]]
            cos_earth = earth_view_factor(cos_nadir, rn) * (rn[:, None] / R_EARTH) ** 2
            rate = np.degrees(np.linalg.norm(w_mid, axis=1))
            # projected area against the flow, for the orbit's drag (see _drag_area)
            v_mid = 0.5 * (v_edge[1:] + v_edge[:-1])
            v_b = np.einsum("nji,nj->ni", rot, v_mid / np.linalg.norm(v_mid, axis=1)[:, None])
            proj = np.abs(v_b) @ self._area[[0, 2, 4]]
            self._area_sum += float(proj.sum() * dt)
            self._area_time += float(n * dt)
            if self._area_time >= 21600.0:
                self._area_recent = self._area_sum / self._area_time
                self._area_sum = self._area_time = 0.0
            self._b_teme = b_edge[-1]
        else:
            cos_sun = np.full((n, 6), 0.25)
            rn = np.linalg.norm(r, axis=1)
            cos_earth = np.repeat((tumbling_earth_view_factor(rn) * (rn / R_EARTH) ** 2)[:, None], 6, 1)
            rate = np.full(n, np.nan)
        radio = self.devices.radio
        extra = radio.pending_energy_j + self.extra_energy_j
        radio.pending_energy_j = 0.0
        self.extra_energy_j = 0.0
        p = self.scenario.spacecraft.power
        out = np.empty((n, 13))
        self._energy_j, self._temp_k, solar, bat_w, bus_w, self.brownout = _integrate(
            dt, flux, cos_sun, albedo, ir, cos_earth,
            self._energy_j, self._capacity_j, self._temp_k, self._cap, self._g, self._area,
            self._cell_mask, p.cell_area_m2, p.cell_efficiency, self.load_w(), extra,
            p.charge_efficiency, self.brownout, out,
        )  # fmt: skip
        self._last = {"solar_power_w": solar, "battery_power_w": bat_w, "bus_power_w": bus_w,
                      "sunlit_fraction": float(illumination(r_edge[-1:], sun_edge[-1:])[0])}
        self.time = t1
        self._refresh_state(r_edge[-1], v_edge[-1], sun_edge[-1])
        self._record(t_mid, r, ill, out, rate)

    # --- recording -----------------------------------------------------------------------------
    def _record(self, t_mid, r, ill, out, rate) -> None:
        keep = []
        last = self._hist_last
        for i, t in enumerate(t_mid):
            if t - last >= self.history_every_s:
                keep.append(i)
                last = t
        if not keep:
            return
        self._hist_last = last
        k = np.array(keep)
        r_e, _ = teme_to_ecef(r[k], None, t_mid[k], self._dut1)
        lat, lon, h = geodetic(r_e)
        soc = out[k, 0]
        bat = out[k, 2]
        ocv = pw.battery_ocv(soc)
        volts = ocv + pw.PACK_RESISTANCE_OHM * bat / ocv
        rows = np.column_stack([
            t_mid[k], h / 1e3, lat, lon, ill[k],
            soc, volts, out[k, 1], out[k, 3], rate[k], out[k, 4:] - 273.15,
        ])  # fmt: skip
        self._hist.append(rows)

    def _record_now(self) -> None:
        s = self.snapshot()
        self._hist.append(np.array([[s[f] for f in HISTORY_FIELDS]]))

    def history(self) -> dict[str, np.ndarray]:
        """Recorded histories since the start (one row a minute at most), by HISTORY_FIELDS name."""
        rows = np.concatenate(self._hist) if self._hist else np.empty((0, len(HISTORY_FIELDS)))
        return {name: rows[:, i].copy() for i, name in enumerate(HISTORY_FIELDS)}

    # --- state for devices and plots ----------------------------------------------------------
    def _refresh_state(self, r=None, v=None, sun=None) -> None:
        if r is None:
            rr, vv = self.state_teme([self.time])
            r, v = rr[0], vv[0]
            sun = sun_position(self.time)[0]
            self._b_teme = field_teme(r[None, :], [self.time], self._dut1)[0] if np.all(np.isfinite(r)) else np.zeros(3)
        self._r, self._v, self._sun = r, v, sun

    def body_to_teme(self) -> np.ndarray:
        """Current rotation matrix body -> TEME (identity when attitude is not propagated)."""
        if self.attitude is None:
            return np.eye(3)
        return quats_to_matrices(self.attitude.q[None, :])[0]

    def field_body_t(self) -> np.ndarray:
        """Geomagnetic field in the body frame now, T."""
        return self.body_to_teme().T @ self._b_teme

    def body_rate_rad_s(self) -> np.ndarray:
        return np.zeros(3) if self.attitude is None else self.attitude.w.copy()

    def sun_body(self) -> tuple[np.ndarray, float]:
        """Unit Sun vector in the body frame and the visible fraction of the solar disc."""
        s = self._sun - self._r
        s = s / np.linalg.norm(s)
        return self.body_to_teme().T @ s, self._last["sunlit_fraction"]

    def power_state(self) -> dict:
        soc = self._energy_j / self._capacity_j
        bat_w = self._last["battery_power_w"]
        ocv = float(pw.battery_ocv(soc))
        current = bat_w / ocv
        return {
            "battery_soc": soc,
            "battery_voltage_v": ocv + pw.PACK_RESISTANCE_OHM * current,
            "battery_current_a": current,
            "solar_power_w": self._last["solar_power_w"],
            "bus_power_w": self._last["bus_power_w"],
        }

    def node_temperatures_c(self) -> np.ndarray:
        return self._temp_k - 273.15

    def snapshot(self) -> dict:
        """Scalars of the current state for history plots."""
        if np.all(np.isfinite(self._r)) and not self.reentered:
            r_e, _ = teme_to_ecef(self._r[None, :], None, [self.time], self._dut1)
            lat, lon, h = (float(x[0]) for x in geodetic(r_e))
        else:
            lat = lon = h = float("nan")
        out = {
            "unix_s": self.time,
            "altitude_km": h / 1e3,
            "latitude_deg": lat,
            "longitude_deg": lon,
            "sunlit_fraction": self._last["sunlit_fraction"],
        }
        out.update(self.power_state())
        for name, t in zip(th.NODE_NAMES, self.node_temperatures_c(), strict=True):
            out[f"temperature_{name}_c"] = float(t)
        out["body_rate_deg_s"] = self.attitude.body_rate_deg_s() if self.attitude else float("nan")
        out["brownout"] = bool(self.brownout)
        out["reentered"] = bool(self.reentered)
        return out


def simulate(scenario: Scenario, seed: int = 0, until_unix: float | None = None,
             step_s: float = 86400.0, attitude: bool = True) -> tuple[Twin, dict[str, np.ndarray]]:
    """Run a twin with its default loads (no flight software) from ejection to re-entry or until_unix.

    Returns the twin and its histories (``Twin.history``): the long-span run for reports.
    """
    twin = Twin(scenario, seed, attitude=attitude)
    end = until_unix if until_unix is not None else twin.start_unix + 3650 * 86400.0
    t = twin.start_unix
    while t < end and not twin.reentered:
        t = min(t + step_s, end)
        twin.advance_to(t)
    return twin, twin.history()


"""The twin: one spacecraft in its environment, advanced in time by the mission.

``Twin(scenario, seed)`` builds the deployed orbit (``orbit.deployed_element_set``), the power
and thermal state, and the devices the flight software sees (``devices``). ``advance_to(t)``
integrates the world from the current time to t on a grid of at most ``max_step_s`` seconds:
environment (orbit, Sun, eclipse, Earth fluxes) is computed for the whole grid at once, then a
compiled loop integrates battery and thermal nodes with the loads switched on and the energy of
the frames the radio sent.

Truth orbit: SGP4 of the deployed element set (milestone 1). The numerical propagator
(``propagator``) replaces it where configured.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from picodragon.config.models import Scenario, Station
from picodragon.physics import power as pw
from picodragon.physics import thermal as th
from picodragon.physics.constants import REENTRY_ALTITUDE
from picodragon.physics.devices import (
    ClockDevice,
    PowerSensorDevice,
    PowerSwitchesDevice,
    RadioDevice,
    StorageDevice,
    TemperatureSensorDevice,
)
from picodragon.physics.orbit import (
    LookAngles,
    deployed_element_set,
    geodetic,
    look_angles_ecef,
    propagate_sgp4,
)
from picodragon.physics.sun import earth_fluxes, illumination, solar_flux, sun_position
from picodragon.physics.timebase import teme_to_ecef


class Devices:
    """The device models handed to the flight software (fields named as in ``fsw.hal.Hal``)."""

    def __init__(self, clock, radio, power, temperatures, switches, storage) -> None:
        self.clock = clock
        self.radio = radio
        self.power = power
        self.temperatures = temperatures
        self.switches = switches
        self.storage = storage


@njit(cache=True)
def _integrate(
    dt, solar_flux_w, cos_sun, albedo_w, ir_w, cos_earth, energy_j, capacity_j, temp_k,
    cap, g, area, cell_mask, cell_area, cell_eff, load_w, extra_j, charge_eff, brownout,
):  # pragma: no cover - compiled
    """Battery and thermal nodes over n steps of dt; per-step face cosines (n, 6)."""
    n = solar_flux_w.shape[0]
    absorbed = np.zeros(6)
    p_face = np.zeros(6)
    solar_total = 0.0
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
        # heat: bus loads and conversion losses split OBC 60 %, structure 40 %; battery I^2 R and
        # charge/discharge losses in the battery
        ocv = 7.4
        i_bat = bat_w / ocv
        loss_bat = pw.PACK_RESISTANCE_OHM * i_bat * i_bat
        if bat_w > 0:
            loss_bat += bat_w * (1.0 / charge_eff - 1.0)
        else:
            loss_bat += -bat_w * (1.0 - pw.DISCHARGE_EFFICIENCY)
        shunt = solar - bus_w - (bat_w + loss_bat if bat_w > 0 else bat_w)
        if shunt < 0.0:
            shunt = 0.0
        temp_k = th.thermal_step(
            temp_k, dt, cap, g, area, absorbed, p_face, loss_bat, 0.6 * bus_w,
            0.4 * bus_w + shunt,
        )
        solar_total = solar
    return energy_j, temp_k, solar_total, bat_w, bus_w, brownout


class Twin:
    """The spacecraft and its environment; see the module docstring."""

    max_step_s = 10.0

    def __init__(self, scenario: Scenario, seed: int = 0) -> None:
        self.scenario = scenario
        self.seed = seed
        sc = scenario.spacecraft
        self.element_set = deployed_element_set(scenario)
        self._satrec = self.element_set.satrec
        self.start_unix = scenario.deployment.ejection_time.timestamp()
        self.time = self.start_unix
        self.reentered = False
        self.reentry_unix: float | None = None
        self.brownout = False
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
        rng = np.random.default_rng(seed)
        loads = {k: (p.camera_load_w if v is None else v) for k, v in pw.DEFAULT_SWITCHED_LOADS_W.items()}
        switches = PowerSwitchesDevice(loads, pw.DEFAULT_ON)
        self.switches = switches
        radio = RadioDevice(self, sc.radio.bit_rate, p.transmit_load_w)
        temps = [TemperatureSensorDevice(self, i, name, rng) for i, name in enumerate(th.NODE_NAMES)]
        self.devices = Devices(
            clock=ClockDevice(self),
            radio=radio,
            power=PowerSensorDevice(self, rng),
            temperatures=temps,
            switches=switches,
            storage=StorageDevice(),
        )
        self._refresh_state()

    # --- orbit ---------------------------------------------------------------------------------
    def state_teme(self, unix_s) -> tuple[np.ndarray, np.ndarray]:
        """True TEME position and velocity (m, m/s) of the spacecraft at Unix times (n, 3)."""
        r, v, _ = propagate_sgp4(self._satrec, unix_s)
        return r, v

    def look_angles(self, station: Station, unix_s) -> LookAngles:
        """Topocentric elevation, azimuth, range, range rate of the twin's spacecraft from a station."""
        unix_s = np.atleast_1d(np.asarray(unix_s, dtype=float))
        r, v = self.state_teme(unix_s)
        r_e, v_e = teme_to_ecef(r, v, unix_s)
        return look_angles_ecef(station, unix_s, r_e, v_e)

    # --- time ----------------------------------------------------------------------------------
    def load_w(self) -> float:
        """Bus load now: base load plus switched-on loads (W)."""
        return self.scenario.spacecraft.power.base_load_w + self.switches.switched_power_w()

    def advance_to(self, unix_s: float) -> None:
        """Integrate the world from the current time to unix_s (no-op if not later)."""
        if unix_s <= self.time or self.reentered:
            if not self.reentered:
                return
            self.time = max(self.time, unix_s)
            return
        span = unix_s - self.time
        n = max(1, math.ceil(span / self.max_step_s - 1e-9))
        dt = span / n
        t_mid = self.time + dt * (np.arange(n) + 0.5)
        r, _ = self.state_teme(t_mid)
        bad = ~np.isfinite(r[:, 0])
        alt = np.full(n, -1.0) if np.any(bad) else np.linalg.norm(r, axis=1) - 6378137.0
        r_sun = sun_position(t_mid)
        flux = solar_flux(r, r_sun)
        albedo, ir = earth_fluxes(r, r_sun)
        cos_sun, cos_earth = self._face_cosines(t_mid, r, r_sun)
        radio = self.devices.radio
        extra = radio.pending_energy_j
        radio.pending_energy_j = 0.0
        p = self.scenario.spacecraft.power
        self._energy_j, self._temp_k, solar, bat_w, bus_w, self.brownout = _integrate(
            dt, np.nan_to_num(flux), cos_sun, np.nan_to_num(albedo), np.nan_to_num(ir), cos_earth,
            self._energy_j, self._capacity_j, self._temp_k, self._cap, self._g, self._area,
            self._cell_mask, p.cell_area_m2, p.cell_efficiency, self.load_w(), extra,
            p.charge_efficiency, self.brownout,
        )
        self._last = {"solar_power_w": solar, "battery_power_w": bat_w, "bus_power_w": bus_w,
                      "sunlit_fraction": float(illumination(r[-1:], r_sun[-1:])[0]) if not bad[-1] else 0.0}
        self.time = float(unix_s)
        below = np.nonzero(bad | (alt < REENTRY_ALTITUDE))[0]
        if below.size:
            self.reentered = True
            self.reentry_unix = float(t_mid[below[0]])
        self._refresh_state()

    def _face_cosines(self, t, r, r_sun) -> tuple[np.ndarray, np.ndarray]:
        """Clipped cosines of each face normal with the Sun and nadir: tumbling average 1/4."""
        n = len(t)
        quarter = np.full((n, 6), 0.25)
        return quarter, quarter.copy()

    def _refresh_state(self) -> None:
        r, v = self.state_teme([self.time])
        self._r, self._v = r[0], v[0]

    # --- state for devices and plots ----------------------------------------------------------
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
        r_e, _ = teme_to_ecef(self._r[None, :], None, [self.time])
        if np.all(np.isfinite(r_e)):
            lat, lon, h = geodetic(r_e[0])
        else:
            lat = lon = h = float("nan")
        out = {
            "unix_s": self.time,
            "altitude_km": float(h) / 1e3,
            "latitude_deg": float(lat),
            "longitude_deg": float(lon),
            "sunlit_fraction": self._last["sunlit_fraction"],
        }
        out.update(self.power_state())
        for name, t in zip(th.NODE_NAMES, self.node_temperatures_c(), strict=True):
            out[f"temperature_{name}_c"] = float(t)
        out["body_rate_deg_s"] = float("nan")
        out["brownout"] = bool(self.brownout)
        return out

"""The twin in a thermal-vacuum chamber: no orbit, no Sun, a shroud and a platen on the profile.

The spacecraft's lumped thermal nodes are the twin's (``physics.thermal``: six faces, structure,
battery, on-board computer, with the scenario's capacities, conductances and face emissivity);
only the environment changes. In vacuum the six outer faces exchange heat by radiation with the
shroud, a large black enclosure, and the structure conducts to the platen through the rail feet:

    C_face dT/dt = -eps_eff sigma A (T^4 - T_shroud^4) + G_fs (T_s - T)
    C_s dT_s/dt  = sum G (T_j - T_s) + G_platen (T_platen - T_s) + Q_structure

with the two-surface enclosure emissivity eps_eff = 1 / (1/eps + (A/A_shroud)(1/eps_shroud - 1))
(Gilmore, Spacecraft Thermal Control Handbook, 2002, ch. 2; a small body in a large enclosure
sees eps_eff close to its own eps). The shroud and the platen follow the profile's set point
exactly in the fast model (``simulate``); in the EGSE run (``ChamberTwin``) the lab also trims
them at each plateau so that the powered spacecraft's control node (its structure) reaches the
test temperature despite its own dissipation, as a lab drives its shroud on the unit's control
thermocouple: an integral trim (``Chamber.control_time_s``), relaxed back to zero on the ramps. The electronics dissipate the bus power inside
(60 % on the on-board computer, 40 % on the structure, as the twin does), the battery heater and
the pack's losses in the battery; the transmitter's RF output leaves through the cable.

Named assumptions of the chamber (``Chamber``): shroud emissivity 0.9 (black shroud paint,
Gilmore 2002 table A.1 order of magnitude); shroud area 2 m^2 (a 0.6 m x 0.8 m cylindrical shroud
of a university chamber); platen conductance 0.3 W/K (four 8.5 x 8.5 mm rail ends at a contact
conductance of about 1000 W/m^2/K, bolted through an interface plate); the EGSE bench supply
feeds the charger with up to 3 W through the umbilical (a powered test, battery kept charged).

Two faces: :func:`simulate` integrates the thermal nodes alone over a whole profile (compiled,
explicit Euler in sub-steps of at most 10 s, below a third of the fastest node's time constant,
about 60 s), the fast model the correlation fits; :class:`ChamberTwin` is the twin the flight
software runs against in the EGSE run (``tvac``): the same devices as in flight, reading a
state the chamber writes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
from numba import njit

from picodragon.config.models import Scenario, Spacecraft
from picodragon.physics import power as pw
from picodragon.physics import thermal as th
from picodragon.physics.constants import STEFAN_BOLTZMANN

C_TO_K = 273.15
MAX_SUBSTEP_S = 10.0


@dataclass(frozen=True)
class Chamber:
    """The chamber around the spacecraft (see the module docstring for each named assumption)."""

    shroud_emissivity: float = 0.9
    shroud_area_m2: float = 2.0
    platen_conductance_w_k: float = 0.3
    supply_w: float = 3.0
    """what the EGSE bench supply can feed the charger (W)"""
    field_t: tuple[float, float, float] = (3.0e-5, 0.0, -3.5e-5)
    """the laboratory's magnetic field in the chamber (T): a typical mid-latitude field,
    constant (assumption)"""
    control_node: str | None = "structure"
    """the spacecraft's node whose thermocouple the lab trims the shroud on at a plateau (None:
    the shroud follows the set point alone)"""
    control_time_s: float = 1800.0
    """integral time of that trim: the shroud moves by the node's error over half an hour
    (assumption: a lab controller or its operator)"""
    max_offset_c: float = 10.0
    """the most the shroud is driven beyond the set point (assumption)"""
    trim_band_c: float = 5.0
    """the trim integrates only while the control node is this close to the set point (the
    usual anti-windup: while the spacecraft still lags the ramp, its error says nothing of the
    shroud's bias)"""


CHAMBER_PARAMETERS = ("platen_conductance_w_k",)
"""parameters of the chamber (not of the spacecraft) a correlation may fit"""


@dataclass(frozen=True)
class NodeModel:
    """Everything the chamber integration needs, in arrays (SI)."""

    cap: np.ndarray
    """heat capacity per node, J/K (``physics.thermal.NODE_NAMES`` order)"""
    g: np.ndarray
    """node-structure conductance, W/K"""
    area: np.ndarray
    """outer area of the six faces, m^2"""
    eps_eff: float
    g_platen: float


def thermal_spacecraft(spacecraft: Spacecraft, values: dict[str, float] | None = None) -> Spacecraft:
    """The spacecraft with some ``[spacecraft.thermal]`` values replaced (validated)."""
    if not values:
        return spacecraft
    thermal = spacecraft.thermal.model_validate({**spacecraft.thermal.model_dump(), **values})
    return spacecraft.model_copy(update={"thermal": thermal})


def node_model(spacecraft: Spacecraft, chamber: Chamber | None = None) -> NodeModel:
    """The spacecraft's thermal nodes in the chamber."""
    chamber = chamber or Chamber()
    area = th.face_areas(spacecraft)
    eps = spacecraft.thermal.face_emissivity
    eps_eff = 1.0 / (1.0 / eps + area.sum() / chamber.shroud_area_m2 * (1.0 / chamber.shroud_emissivity - 1.0))
    return NodeModel(th.heat_capacities(spacecraft), th.conductances(spacecraft.thermal), area,
                     float(eps_eff), float(chamber.platen_conductance_w_k))


@njit(cache=True)
def _integrate(temp_k, t_out, sp_k, q, cap, g, area, eps_eff, g_platen, max_dt):  # pragma: no cover
    """Node temperatures (K) at each t_out from temp_k at t_out[0]; shroud/platen sp_k (K) linear
    between samples, internal heat q (n, 3: OBC, structure, battery, W) held over each interval."""
    n = t_out.shape[0]
    out = np.empty((n, 9))
    temp = temp_k.copy()
    out[0] = temp
    flow = np.zeros(9)
    for i in range(n - 1):
        span = t_out[i + 1] - t_out[i]
        m = max(1, int(math.ceil(span / max_dt - 1e-9)))
        dt = span / m
        for j in range(m):
            w = (j + 0.5) / m
            sp = sp_k[i] * (1.0 - w) + sp_k[i + 1] * w
            sp4 = sp**4
            ts = temp[th.STRUCTURE]
            for k in range(9):
                flow[k] = 0.0
            for k in range(6):
                t = temp[k]
                cond = g[k] * (ts - t)
                flow[k] = cond - eps_eff * STEFAN_BOLTZMANN * area[k] * (t**4 - sp4)
                flow[th.STRUCTURE] -= cond
            for k in (th.BATTERY, th.OBC):
                cond = g[k] * (ts - temp[k])
                flow[k] += cond
                flow[th.STRUCTURE] -= cond
            flow[th.STRUCTURE] += g_platen * (sp - ts) + q[i, 1]
            flow[th.OBC] += q[i, 0]
            flow[th.BATTERY] += q[i, 2]
            for k in range(9):
                temp[k] += dt * flow[k] / cap[k]
        out[i + 1] = temp
    return out


def simulate(model: NodeModel, t_s, setpoint_c, q_w=None, initial_c=None) -> np.ndarray:
    """Node temperatures (C, shape (n, 9)) at times t_s (s, increasing) in the chamber.

    setpoint_c: the shroud and platen temperature at t_s (C); q_w: internal heat (W) on the
    OBC, structure and battery, shape (n, 3) or (3,) (held from each sample to the next; None:
    nothing dissipated); initial_c: start temperatures (C, scalar or (9,); None: the set point).
    """
    t = np.ascontiguousarray(t_s, dtype=float)
    sp = np.ascontiguousarray(setpoint_c, dtype=float) + C_TO_K
    q = np.zeros((len(t), 3)) if q_w is None else np.broadcast_to(np.asarray(q_w, float), (len(t), 3))
    start = np.full(9, sp[0]) if initial_c is None else np.broadcast_to(
        np.asarray(initial_c, float) + C_TO_K, (9,)).copy()
    out = _integrate(start, t, sp, np.ascontiguousarray(q), model.cap, model.g, model.area,
                     model.eps_eff, model.g_platen, MAX_SUBSTEP_S)
    return out - C_TO_K


def internal_heat(bus_w, heater_w, battery_loss_w=0.0) -> np.ndarray:
    """(n, 3) heat on the OBC, structure and battery from the bus power, the battery heater and
    the pack's losses (W): the twin's split, 60 % of the rest of the bus on the OBC, 40 % on the
    structure (``physics.twin``)."""
    bus = np.atleast_1d(np.asarray(bus_w, float))
    heat = np.broadcast_to(np.asarray(heater_w, float), bus.shape)
    rest = np.maximum(bus - heat, 0.0)
    return np.column_stack([0.6 * rest, 0.4 * rest, heat + battery_loss_w])


# --- the twin the flight software runs against ---------------------------------------------------


class ChamberTwin:
    """The spacecraft on the chamber's platen, powered, with its devices (``physics`` ones).

    The attributes the mission engine uses are the flight twin's (``devices``, ``time``,
    ``start_unix``, ``brownout``, ``reentered``, ``advance_to``). Its position is the laboratory's
    (the scenario's first station, where the team and its ground station are), fixed; the Sun is
    behind the chamber wall (no illumination), the field the laboratory's constant one.
    setpoint: a function of time from the start (s) -> set point (C).
    """

    history_every_s = 60.0

    def __init__(self, scenario: Scenario, start_unix: float, setpoint, seed: int = 0,
                 chamber: Chamber | None = None, initial_c: float | None = None) -> None:
        from picodragon.astro.frames import itrs_to_teme
        from picodragon.astro.sun import sun_position
        from picodragon.astro.wgs84 import ecef
        from picodragon.physics.camera import CameraDevice
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
        from picodragon.physics.sensors import (
            GyroDevice,
            MagnetometerDevice,
            PositionDevice,
            SunSensorDevice,
        )
        from picodragon.physics.state import ElectricalBus, SpacecraftState
        from picodragon.physics.twin import Devices

        self.scenario = scenario
        self.chamber = chamber or Chamber()
        self.setpoint = setpoint
        sc = scenario.spacecraft
        self.model = node_model(sc, self.chamber)
        self.start_unix = float(start_unix)
        self.state = SpacecraftState(time=self.start_unix, start_unix=self.start_unix)
        self.reentered = False
        self.reentry_unix = None
        self.brownout = False
        p = sc.power
        self._capacity_j = p.battery_capacity_wh * 3600.0
        self._energy_j = p.battery_initial_soc * self._capacity_j
        self._v_charge = pw.charge_voltage_v(p)
        self._t_charge_min_k = C_TO_K + p.charge_min_temperature_c
        start_c = float(setpoint(0.0)) if initial_c is None else float(initial_c)
        self._temp_k = np.full(9, start_c + C_TO_K)
        loads = {k: (p.camera_load_w if v is None else v) for k, v in pw.DEFAULT_SWITCHED_LOADS_W.items()}
        loads["heater"] = sc.thermal.heater_w
        self.switches = PowerSwitchesDevice(loads, pw.DEFAULT_ON)
        self.bus = ElectricalBus(p.transmit_load_w, sc.radio.downlink_power_w)
        self._bus_w = p.base_load_w
        self._bat_w = 0.0
        station = scenario.stations[0] if scenario.stations else None
        lat, lon = (station.latitude_deg, station.longitude_deg) if station else (0.0, 0.0)
        alt = station.altitude_m if station else 0.0
        r_itrs = ecef(lat, lon, alt).reshape(1, 3)
        st = self.state
        st.r_teme = itrs_to_teme(r_itrs, np.array([self.start_unix]))[0]
        st.v_teme = np.zeros(3)
        st.sun_teme = sun_position(np.array([self.start_unix]))[0]
        st.sunlit_fraction = 0.0
        st.b_teme = np.array(self.chamber.field_t, dtype=float)
        rng = np.random.default_rng(seed)
        body_ae, _, _ = pw.panel_arrays(p)
        self.devices = Devices(
            clock=ClockDevice(st),
            radio=RadioDevice(st, self.switches, self.bus, sc.radio.bit_rate),
            power=PowerSensorDevice(st, rng),
            temperatures=[TemperatureSensorDevice(st, i, n, rng) for i, n in enumerate(th.NODE_NAMES)],
            switches=self.switches,
            storage=StorageDevice(),
            magnetometer=MagnetometerDevice(st, rng),
            gyro=GyroDevice(st, rng),
            sun_sensors=SunSensorDevice(st, rng, (body_ae > 0).astype(float)),
            camera=CameraDevice(st, self.switches, sc.camera),
            position=PositionDevice(st, rng),
            attitude=None,
            cw=CwBeaconDevice(st, self.switches, self.bus),
            antenna=AntennaDeployerDevice(st, self.bus),
            watchdog=WatchdogDevice(st),
        )
        self._offset_c = 0.0
        self._acc = np.zeros(5)  # since the last history row: s, bus J, heater J, RF J, battery J
        self._q, self._span, self._sp = np.zeros((2, 3)), np.zeros(2), np.zeros(2)
        self._control = th.NODE_NAMES.index(self.chamber.control_node) if self.chamber.control_node else None
        self._rows: list[list[float]] = []
        self._last_row = -math.inf
        self._publish()
        self._record()

    @property
    def time(self) -> float:
        return self.state.time

    def setpoint_c(self, unix_s: float) -> float:
        """The profile's set point at a Unix time (C)."""
        return float(self.setpoint(unix_s - self.start_unix))

    def shroud_c(self, unix_s: float) -> float:
        """The shroud and platen temperature now: the set point and the lab's trim (C)."""
        return self.setpoint_c(unix_s) + self._offset_c

    def _trim(self, t0: float, t1: float) -> None:
        """Integral trim of the shroud on the control node at a plateau, relaxed on the ramps."""
        if self._control is None:
            return
        span = t1 - t0
        sp0, sp1 = self.setpoint_c(t0), self.setpoint_c(t1)
        gain = min(span / self.chamber.control_time_s, 1.0)
        if sp0 == sp1:
            error = self._temp_k[self._control] - C_TO_K - sp1
            if abs(error) <= self.chamber.trim_band_c:
                self._offset_c -= error * gain
        else:
            self._offset_c -= self._offset_c * gain
        limit = self.chamber.max_offset_c
        self._offset_c = min(max(self._offset_c, -limit), limit)

    def load_w(self) -> float:
        return self.scenario.spacecraft.power.base_load_w + self.switches.switched_power_w()

    def advance_to(self, unix_s: float) -> None:
        """Integrate battery and thermal nodes to unix_s with the loads now switched on."""
        t0 = self.time
        if unix_s <= t0:
            return
        span = unix_s - t0
        p = self.scenario.spacecraft.power
        extra, rf = self.bus.take(t0, unix_s)
        inhibit = self._temp_k[th.BATTERY] < self._t_charge_min_k
        self._energy_j, bat_w, bus_w, self.brownout = pw.battery_step(
            self._energy_j, self._capacity_j, self.chamber.supply_w, self.load_w(), extra, span,
            p.charge_efficiency, self.brownout, self._v_charge, inhibit)
        heater = self.switches.loads_w["heater"] if (self.switches.is_on("heater") and bus_w > 0) else 0.0
        loss = bat_w * (1.0 / p.charge_efficiency - 1.0) if bat_w > 0 else -bat_w * (1.0 - pw.DISCHARGE_EFFICIENCY)
        rest = max(bus_w - rf / span - heater, 0.0)  # the split of ``internal_heat``, scalar
        q = self._q
        q[:, 0], q[:, 1], q[:, 2] = 0.6 * rest, 0.4 * rest, heater + loss
        shroud0 = self.shroud_c(t0)
        self._trim(t0, unix_s)
        self._span[0], self._span[1] = t0, unix_s
        self._sp[0], self._sp[1] = shroud0 + C_TO_K, self.shroud_c(unix_s) + C_TO_K
        out = _integrate(self._temp_k, self._span, self._sp, q, self.model.cap, self.model.g,
                         self.model.area, self.model.eps_eff, self.model.g_platen, MAX_SUBSTEP_S)
        self._temp_k = out[-1].copy()
        self._bus_w, self._bat_w = bus_w, bat_w
        self._acc += (span, bus_w * span, heater * span, rf, bat_w * span)
        self.state.time = float(unix_s)
        self._publish()
        if unix_s - self._last_row >= self.history_every_s:
            self._record()

    def _publish(self) -> None:
        st = self.state
        soc = self._energy_j / self._capacity_j
        ocv = float(pw.battery_ocv(soc))
        current = self._bat_w / ocv
        st.battery_soc = soc
        st.battery_voltage_v = ocv + pw.PACK_RESISTANCE_OHM * current
        st.battery_current_a = current
        st.solar_power_w = 0.0
        st.bus_power_w = self._bus_w
        st.brownout = self.brownout
        st.charge_inhibited = bool(self._temp_k[th.BATTERY] < self._t_charge_min_k)
        st.temperatures_c = self._temp_k - C_TO_K

    def _record(self) -> None:
        """A history row; the powers are the means since the previous row (what an EGSE power
        logger integrates), the bus's at this instant for the first row."""
        span, bus_j, heater_j, rf_j, bat_j = self._acc
        if span > 0:
            bus, heater, rf, bat = bus_j / span, heater_j / span, rf_j / span, bat_j / span
        else:
            bus, heater, rf, bat = self._bus_w, 0.0, 0.0, 0.0
        self._acc[:] = 0.0
        self._rows.append([self.time, self.setpoint_c(self.time), self.shroud_c(self.time),
                           self.state.battery_soc, bus, heater, rf, bat, *(self._temp_k - C_TO_K)])
        self._last_row = self.time

    HISTORY_FIELDS = ("unix_s", "setpoint_c", "shroud_c", "battery_soc", "bus_power_w", "heater_w",
                      "rf_w", "battery_w") + tuple(f"temperature_{n}_c" for n in th.NODE_NAMES)

    def history(self) -> dict[str, np.ndarray]:
        """One row a minute: time, set point, shroud, state of charge, mean bus, heater, radiated
        RF and battery (charging +) power since the previous row, node temperatures."""
        rows = np.array(self._rows) if self._rows else np.empty((0, len(self.HISTORY_FIELDS)))
        return {name: rows[:, i].copy() for i, name in enumerate(self.HISTORY_FIELDS)}


def chamber_with(chamber: Chamber, values: dict[str, Any]) -> Chamber:
    """The chamber with some of its fields replaced."""
    known = {f.name for f in fields(Chamber)}
    return replace(chamber, **{k: v for k, v in values.items() if k in known})


def generate_log(spacecraft: Spacecraft, profile, seed: int = 0, *, every_s: float = 60.0,
                 noise_c: float = 0.2, chamber: Chamber | None = None, bus_w: float | None = None,
                 initial_c: float | None = None):
    """A thermocouple log of a chamber run with a known truth: the shroud and the nine nodes.

    The nodes follow :func:`simulate` with the spacecraft's parameters and a constant bus load
    (the power budget's base load when None, all of it dissipated inside); each channel gets
    Gaussian noise of ``noise_c`` (a type-T thermocouple read by a lab logger: about 0.2 C,
    assumption). Returns a ``tvac_analysis.TvacLog`` (bus power as a W channel).
    """
    from picodragon.envtest.tvac_analysis import TvacLog

    rng = np.random.default_rng(seed)
    t = np.arange(0.0, profile.duration_s + every_s / 2, every_s)
    sp = profile.setpoint_at(t)
    load = spacecraft.power.base_load_w if bus_w is None else float(bus_w)
    model = node_model(spacecraft, chamber)
    temps = simulate(model, t, sp, internal_heat(np.full(len(t), load), 0.0),
                     profile.ambient_c if initial_c is None else initial_c)
    channels = {"shroud": sp + rng.normal(0.0, noise_c, len(t))}
    for k, name in enumerate(th.NODE_NAMES):
        channels[name] = temps[:, k] + rng.normal(0.0, noise_c, len(t))
    return TvacLog(t, channels, {"bus": np.full(len(t), load)})

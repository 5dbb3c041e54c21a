"""The twin: one spacecraft in its environment, advanced in time by the mission.

It is over 500 lines because it is the one place the models meet (orbit, attitude, power,
thermal, the devices' state) in the order one step advances them; each model lives in its own
module.

``Twin(scenario, seed)`` builds

- the true orbit: the numerical propagator (``propagator``: Cowell, J2-J4, NRLMSIS 2.1 drag,
  SRP) from the ejected state; the published element set the ground uses is
  ``element_set`` (``orbit.deployed_element_set``), which drifts from the truth as a real TLE
  does;
- the attitude (``attitude``: rigid body, passive magnetic control, J-SSOD tip-off);
- the battery and the thermal nodes (``power``, ``thermal``);
- the devices the flight software sees (``devices``, ``sensors``, ``camera``), which read the
  ``state.SpacecraftState`` the twin publishes after every step and spend energy through one
  ``state.ElectricalBus`` (they never hold the twin).

Earth albedo and infrared reach each face through its plate-to-Earth view factor relative to a
nadir plate (``sun.earth_view_factor``); Sun through the clipped cosine.

``advance_to(t)`` integrates the world from the current time to t in steps of at most
``max_step_s`` (10 s). Orbit, Sun, eclipse, Earth fluxes, field and density are computed,
vectorised, on a 10 s cache grid an hour (or the requested span) at a time; one compiled call a
twin step (``twin_step.step``) runs the attitude loop through the span, then takes each step's
environment from the cache (position by cubic Hermite, the rest linear) and integrates faces,
array, battery and thermal nodes with the loads switched on and the transmitter energy the bus
recorded inside the span.

Solar panels (``power.solar_panels()``): body-mounted panels on a face and deployable wings
facing the same way add their area x efficiency to that face's direction; a wing's cells take
the temperature of the face it faces (assumption), its heat is not a body node's, and its area
adds to the drag area along its normal. A call costs
about 0.1 ms plus about 0.05 ms per simulated minute. ``history()`` returns what was recorded along the way (one row a minute
at most), as numpy arrays.
"""

from __future__ import annotations

import bisect
import math

import numpy as np

from picodragon.config.models import Scenario, Station
from picodragon.elements import ElementSet
from picodragon.physics import power as pw
from picodragon.physics import thermal as th
from picodragon.physics.attitude import MAX_STEP_S, Attitude, libration_step, quats_to_matrices
from picodragon.physics.camera import CameraDevice
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
from picodragon.physics.flown_drag import FlownDrag
from picodragon.physics.magnetic import field_teme
from picodragon.physics.orbit import (
    LookAngles,
    bstar_for,
    carrier_element_set,
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
from picodragon.physics.state import ElectricalBus, SpacecraftState
from picodragon.physics.sun import illumination, sun_position, sunlight, view_factor_table
from picodragon.physics.timebase import dut1, teme_to_ecef
from picodragon.physics.twin_step import (  # noqa: F401 - _world, _env_at: the step's kernels, here too
    ATTITUDE_K,
    IO_SIZE,
    IO_SOLAR,
    _env_at,
    _world,
    attitude_constants,
    step,
    world_constants,
)

HISTORY_FIELDS = (
    "unix_s", "altitude_km", "latitude_deg", "longitude_deg", "sunlit_fraction", "battery_soc",
    "battery_voltage_v", "solar_power_w", "bus_power_w", "body_rate_deg_s",
) + tuple(f"temperature_{n}_c" for n in th.NODE_NAMES)  # fmt: skip


class Devices:
    """The device models handed to the flight software (fields named as in ``fsw.hal.Hal``)."""

    def __init__(self, **devices) -> None:
        for name, device in devices.items():
            setattr(self, name, device)


CACHE_STEP_S = 10.0
"""Grid of the environment cache (orbit, Sun, eclipse, Earth fluxes, field, density), s."""
CACHE_SPAN_S = 3600.0
"""Shortest span the cache is built for at once, s."""
STEP_ENV_SIZE = 17 + len(th.NODE_NAMES)
"""What ``twin_step.step`` writes at a step's end: the environment (17) and the nodes in deg C."""
HISTORY_BATCH_ROWS = 2048
"""Raw history rows kept before they are converted in one pass (``Twin._record``)."""


class Twin:
    """The spacecraft and its environment; see the module docstring.

    attitude=False replaces the attitude dynamics by the tumbling average (faces see 1/4 of the
    Sun and the Earth), for quick runs.
    """

    max_step_s = 10.0
    history_every_s = 60.0

    # the twin's clock and condition live in the state it publishes to its devices
    time = property(lambda self: self.state.time, lambda self, v: setattr(self.state, "time", float(v)))
    brownout = property(lambda self: self.state.brownout,
                        lambda self, v: setattr(self.state, "brownout", bool(v)))
    reentered = property(lambda self: self.state.reentered,
                         lambda self, v: setattr(self.state, "reentered", bool(v)))
    _r = property(lambda self: self.state.r_teme)
    _v = property(lambda self: self.state.v_teme)
    _sun = property(lambda self: self.state.sun_teme)
    _dut1 = property(lambda self: self.state.dut1_s,
                     lambda self, v: setattr(self.state, "dut1_s", float(v)))

    def __init__(self, scenario: Scenario, seed: int = 0, *, attitude: bool = True) -> None:
        self.scenario = scenario
        self.seed = seed
        sc = scenario.spacecraft
        self.element_set = deployed_element_set(scenario)
        self._carrier = carrier_element_set(scenario).satrec
        # Sentman's Cd (the default): per face from the attitude as flown once a window of it
        # exists (flown_drag), the tumbling body's before and without attitude
        self._flown = FlownDrag(sc) if attitude and sc.drag_model == "sentman" else None
        sentman = ({"cd_model": "sentman", "body_cda": self._flown.cda if self._flown else None}
                   if sc.drag_model == "sentman" else {})
        self.orbit = propagator_for(scenario, area_fn=self._drag_area if attitude else None, **sentman)
        self._area_sum = 0.0
        self._area_time = 0.0
        self._area_recent: float | None = None
        self.start_unix = float(self.orbit.t[0])
        self._orbit_covered = self.start_unix
        """a time the orbit covers (``advance_to`` asks the propagator only beyond it)"""
        self.state = SpacecraftState(time=self.start_unix, start_unix=self.start_unix)
        self.reentry_unix: float | None = None
        self.charge_inhibited = False
        rng = np.random.default_rng(seed)
        self.attitude = Attitude(sc, np.random.default_rng([seed, 1])) if attitude else None
        self._dut1 = float(dut1(self.start_unix))
        p = sc.power
        self._capacity_j = p.battery_capacity_wh * 3600.0
        self._energy_j = p.battery_initial_soc * self._capacity_j
        self._temp_k = np.full(9, 273.15 + sc.thermal.initial_temperature_c)
        self._cap = th.heat_capacities(sc)
        self._g = th.conductances(sc.thermal)
        self._area = th.face_areas(sc)
        self._body_ae, self._wing_ae, self._wing_area = pw.panel_arrays(p)
        self._v_charge = pw.charge_voltage_v(p)
        self._t_charge_min_k = 273.15 + p.charge_min_temperature_c
        self._last = {"solar_power_w": 0.0, "battery_power_w": 0.0, "bus_power_w": p.base_load_w,
                      "sunlit_fraction": 1.0}
        loads = {k: (p.camera_load_w if v is None else v) for k, v in pw.DEFAULT_SWITCHED_LOADS_W.items()}
        loads["heater"] = sc.thermal.heater_w
        self.switches = PowerSwitchesDevice(loads, pw.DEFAULT_ON, self.state)
        self.bus = ElectricalBus(p.transmit_load_w, sc.radio.downlink_power_w)
        self._cache = None
        self._vf = view_factor_table()
        self._rec_buffer = np.empty((4096, 19))
        self._t_mid, self._q_mid, self._w_mid = np.empty(4096), np.empty((4096, 4)), np.empty((4096, 3))
        """the attitude at the steps' middles (``_mid_rows``)"""
        self._io = np.zeros(IO_SIZE)
        """``twin_step.step``'s slots in and out (``twin_step.IO_*``)"""
        self._wk = world_constants(
            self._capacity_j, p.charge_efficiency, sc.thermal.face_absorptivity,
            sc.thermal.face_emissivity, self._v_charge, self._t_charge_min_k, self._cap, self._g,
            self._area, self._body_ae, self._wing_ae, self._wing_area)
        self._att_grid: tuple | None = None
        """the attitude's constants, the cache grid's libration step and the density its
        aerodynamic torque sees (zeros without it), made with each cache"""
        self._no_attitude = (np.zeros(4), np.zeros(3), np.zeros(0), np.zeros(0, dtype=np.bool_),
                             np.zeros(ATTITUDE_K), np.zeros((0, 3)), np.zeros((0, 8)), np.zeros(1),
                             np.zeros((1, 4)))
        """placeholders of the attitude's arrays for ``twin_step.step`` without attitude"""
        self._hist: list[np.ndarray | tuple[np.ndarray, float]] = []
        """history rows, and raw rows not yet converted with their UT1 - UTC (``_record``)"""
        self._hist_raw = 0
        self._hist_last = -np.inf
        self._books = [0.0] * 5
        """cumulative J drawn from the cells, charged, discharged, to the bus; s powered"""
        self._ledger_loads = tuple(self.switches.loads())
        self._ledger: list[tuple[float, ...]] = []
        self._ledger_last = -np.inf
        self._refresh_state()
        st, sw, bus = self.state, self.switches, self.bus
        self.devices = Devices(
            clock=ClockDevice(st),
            radio=RadioDevice(st, sw, bus, sc.radio.bit_rate),
            power=PowerSensorDevice(st, rng),
            temperatures=[TemperatureSensorDevice(st, i, n, rng) for i, n in enumerate(th.NODE_NAMES)],
            switches=sw,
            storage=StorageDevice(),
            magnetometer=MagnetometerDevice(st, rng),
            gyro=GyroDevice(st, rng),
            sun_sensors=SunSensorDevice(st, rng, (self._body_ae > 0).astype(float)),
            camera=CameraDevice(st, sw, sc.camera, bus, p.camera_load_w),
            position=PositionDevice(st, rng),
            attitude=AttitudeEstimateDevice(st, rng) if attitude else None,
            cw=CwBeaconDevice(st, sw, bus),
            antenna=AntennaDeployerDevice(st, bus),
            watchdog=WatchdogDevice(st),
        )
        self._record_now()
        self._ledger_row()

    # --- orbit ---------------------------------------------------------------------------------
    def state_teme(self, unix_s) -> tuple[np.ndarray, np.ndarray]:
        """True TEME position and velocity (m, m/s) at Unix times (n, 3); NaN after re-entry.

        Before the ejection the spacecraft is inside its deployer on the carrier: the carrier's
        SGP4 state.
        """
        unix_s = np.atleast_1d(np.asarray(unix_s, dtype=float))
        r, v = self.orbit.states(unix_s)
        before = unix_s < self.start_unix
        if np.any(before):
            rc, vc, _ = propagate_sgp4(self._carrier, unix_s[before])
            r[before], v[before] = rc, vc
        return r, v

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
        surface). The appendages (thin antennas) add their tumbling mean projection either way:
        the attitude loop projects only the box and its wings. With the Sentman drag model this
        area carries the SRP and is what the logged Cd refers to; the drag itself is the C_D A of
        ``flown_drag`` (the same 6 h lag).
        """
        if self._area_recent is None:
            return self.scenario.spacecraft.mean_cross_section_m2
        return self._area_recent + self.scenario.spacecraft.appendage_area_m2

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
    def loads_w_on(self, name: str) -> float:
        """Power of one switched load if it is on, else 0 (W)."""
        return self.switches.loads_w[name] if self.switches.is_on(name) else 0.0

    def load_w(self) -> float:
        """Bus load now: base load plus switched-on loads (W)."""
        return self.scenario.spacecraft.power.base_load_w + self.switches.switched_power_w()

    def _density_along(self, t: np.ndarray) -> np.ndarray:
        """The propagator's logged density, linear in time, at the sorted times t (the cache's).

        np.interp on the rows that bracket t only: given the whole log (a strided column of
        every 60 s since ejection) it copied all of it at each cache, 0.4 ms late in a lifetime.
        The bracketing rows keep each time's interval and the held ends, so the same bits."""
        log = self.orbit.density_log
        if not len(log):
            return np.zeros_like(t)
        xp = log[:, 0]
        lo = max(bisect.bisect_right(xp, t[0]) - 1, 0)
        hi = bisect.bisect_right(xp, t[-1], lo) + 1
        return np.interp(t, xp[lo:hi], log[lo:hi, 1])

    def advance_to(self, unix_s: float) -> None:
        """Integrate the world from the current time to unix_s (no-op if not later)."""
        if unix_s <= self.time:
            return
        if self.reentered:
            self.time = float(unix_s)
            return
        if unix_s > self._orbit_covered:  # the orbit's end so far (it only grows)
            self.orbit.extend_to(unix_s)
            self._orbit_covered = self.orbit.t_end
        if self.orbit.reentry_unix is not None and self.orbit.reentry_unix < unix_s:
            end = self.orbit.reentry_unix
            if end > self.time:
                self._advance(end)
            self.reentered = True
            self.reentry_unix = self.orbit.reentry_unix
            self.time = float(unix_s)
            self._publish()
            self._record_now()
            return
        self._advance(float(unix_s))

    def _ensure_cache(self, t_from: float, t_to: float) -> None:
        """Environment on a CACHE_STEP_S grid covering [t_from, t_to], vectorised in one go."""
        if self._cache is not None and self._cache[0] <= t_from and t_to <= self._cache[1]:
            return
        step = CACHE_STEP_S
        self._dut1 = float(dut1(t_from))  # UT1 - UTC, refreshed with each cache (leap seconds)
        start = math.floor(t_from / step) * step
        end = max(t_to, t_from + CACHE_SPAN_S)
        t = start + step * np.arange(math.ceil((end - start) / step) + 2)
        r, v = self.state_teme(t)
        ok = np.isfinite(r[:, 0])
        if not ok.all():  # beyond re-entry: hold the last state (never read past re-entry)
            last = int(np.nonzero(ok)[0][-1])
            r[last + 1 :], v[last + 1 :] = r[last], v[last]
        r, v = np.ascontiguousarray(r), np.ascontiguousarray(v)
        sun = np.ascontiguousarray(sun_position(t))
        scalars = np.empty((len(t), 5))  # illumination, solar flux, albedo, infrared, density
        sunlight(r, sun, scalars)
        b = field_teme(r, t, self._dut1) if self.attitude is not None else np.zeros_like(r)
        b = np.ascontiguousarray(b)
        scalars[:, 4] = rho = self._density_along(t)  # and the density alone, for the attitude loop
        self._cache = (float(t[0]), float(t[-1]), float(t[0]), step, r, v, sun, b, scalars, rho)
        att = self.attitude
        if att is not None:  # what the attitude loop takes of this grid (``Attitude.advance``'s)
            self._att_grid = (attitude_constants(att),
                              libration_step(b, att.m_bar, att.inertia, MAX_STEP_S),
                              rho if att.aero else np.zeros_like(rho))

    def _advance(self, t1: float) -> None:
        """The world from the twin's time to t1 in n steps of at most ``max_step_s``: one
        compiled call (``twin_step.step``: attitude, faces, array, battery, thermal nodes and the
        environment at t1), then the books, the flown drag's samples, the state and history."""
        state = self.state
        t0 = state.time
        span = t1 - t0
        n = max(1, math.ceil(span / self.max_step_s - 1e-9))
        dt = span / n
        cache = self._cache
        if cache is None or not (cache[0] <= t0 and t1 <= cache[1]):
            self._ensure_cache(t0, t1)
            cache = self._cache
        _, _, c_t0, c_dt, c_r, c_v, c_sun, c_b, c_sc, c_rho = cache
        extra, rf = self.bus.take(t0, t1)  # the transmitter and pulses, counted once
        io = self._io
        io[:IO_SOLAR] = (self._energy_j, state.brownout, self._hist_last, self.load_w(), extra,
                         self.switches.on_w("heater"), rf, self.history_every_s)
        rows = self._rec_buffer if n <= len(self._rec_buffer) else np.empty((n, 19))
        env = np.empty(STEP_ENV_SIZE)  # the state's vectors and temperatures are views of it
        hs, _, table = self._vf
        powered = not state.brownout
        attitude = self.attitude
        if attitude is not None:
            ak, lib, rho = self._att_grid
            q, w = attitude.q.copy(), attitude.w.copy()  # new arrays: a holder of the old keeps it
            t_mid, q_mid, w_mid = self._mid_rows(n)
            step(t0, t1, dt, n, c_t0, c_dt, c_r, c_v, c_sun, c_b, c_sc, rho, True, q, w,
                 attitude.rod_h, attitude.rod_rising, ak, MAX_STEP_S, lib, attitude.rod_axes,
                 attitude.plates, hs, table, self._wk, self._temp_k, rows, io, t_mid, q_mid, w_mid,
                 env)  # fmt: skip
            attitude.q, attitude.w = q, w
        else:
            q, w, rod_h, rod_rising, ak, rod_axes, plates, t_mid, q_mid = self._no_attitude
            step(t0, t1, dt, n, c_t0, c_dt, c_r, c_v, c_sun, c_b, c_sc, c_rho, False, q, w,
                 rod_h, rod_rising, ak, MAX_STEP_S, 0.0, rod_axes, plates, hs, table, self._wk,
                 self._temp_k, rows, io, t_mid, q_mid, q_mid, env)  # fmt: skip
        (self._energy_j, brownout, self._hist_last, *_, solar, bat_w, bus_w, n_rec, area_int,
         inhibit, cells_j, charged_j, discharged_j, bus_j, steps) = io.tolist()
        state.brownout = brownout != 0.0
        self.charge_inhibited = inhibit != 0.0
        totals = self._books
        totals[0] += cells_j
        totals[1] += charged_j
        totals[2] += discharged_j
        totals[3] += bus_j
        if powered and not state.brownout:
            totals[4] += span
        if attitude is not None:
            attitude.steps += int(steps)
            if self._flown is not None:  # the flow in body axes, for Sentman's per-face drag
                self._flown.add_rows(n, dt, c_t0, c_dt, c_r, c_v)  # written into its rows
            self._area_sum += area_int
            self._area_time += span
            if self._area_time >= 21600.0:
                self._area_recent = self._area_sum / self._area_time
                self._area_sum = self._area_time = 0.0
        self._last = {"solar_power_w": solar, "battery_power_w": bat_w, "bus_power_w": bus_w,
                      "sunlit_fraction": float(env[12])}
        state.r_teme, state.v_teme, state.sun_teme, state.b_teme = env[0:3], env[3:6], env[6:9], env[9:12]
        state.time = float(t1)
        self._publish(env[17:])
        n_rec = int(n_rec)
        if n_rec:
            self._record(rows[:n_rec].copy())
        if t1 - self._ledger_last >= self.history_every_s:
            self._ledger_row()

    def _mid_rows(self, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Arrays (n,), (n, 4), (n, 3) the step writes the attitude at its steps' middles into:
        the flown drag's next rows for the times and quaternions (``FlownDrag.rows``) when it
        is on, else the twin's own; the rates into the twin's own (read in the step only)."""
        if len(self._w_mid) < n:
            self._w_mid = np.empty((max(n, 2 * len(self._w_mid)), 3))
            self._t_mid = np.empty(len(self._w_mid))
            self._q_mid = np.empty((len(self._w_mid), 4))
        if self._flown is not None:
            t_mid, q_mid = self._flown.rows(n)
        else:
            t_mid, q_mid = self._t_mid[:n], self._q_mid[:n]
        return t_mid, q_mid, self._w_mid[:n]

    # --- recording -----------------------------------------------------------------------------
    def _record(self, rec: np.ndarray) -> None:
        """Keep a step's raw rows (``_world``'s: TEME position, state of charge, kelvin) with
        the UT1 - UTC they were taken at; ``_settle_history`` turns them into history rows many
        at a time (one conversion a minute cost more than the rest of a twin step)."""
        self._hist.append((rec, self._dut1))
        self._hist_raw += len(rec)
        if self._hist_raw >= HISTORY_BATCH_ROWS:
            self._settle_history()

    def _settle_history(self) -> None:
        """Raw rows waiting in the history into HISTORY_FIELDS rows (geodetic, volts, deg C),
        each run of them in one vectorised pass, the order kept."""
        settled: list[np.ndarray] = []
        run: list[tuple[np.ndarray, float]] = []
        for item in [*self._hist, None]:
            if isinstance(item, tuple):
                run.append(item)
                continue
            if run:
                rec = np.concatenate([r for r, _ in run])
                dut1_s = np.repeat([d for _, d in run], [len(r) for r, _ in run])
                r_e, _ = teme_to_ecef(rec[:, 1:4], None, rec[:, 0], dut1_s)
                lat, lon, h = geodetic(r_e)
                soc = rec[:, 5]
                ocv = pw.battery_ocv(soc)
                volts = ocv + pw.PACK_RESISTANCE_OHM * rec[:, 6] / ocv
                settled.append(np.column_stack([
                    rec[:, 0], h / 1e3, lat, lon, rec[:, 4], soc, volts, rec[:, 7], rec[:, 8],
                    rec[:, 9], rec[:, 10:] - 273.15,
                ]))  # fmt: skip
                run = []
            if item is not None:
                settled.append(item)
        self._hist = settled
        self._hist_raw = 0

    def _ledger_row(self) -> None:
        on_s = self.switches.on_seconds()
        self._ledger.append((self.time, self._energy_j, *self._books, self.bus.keyed_s_total,
                             self.bus.pulse_j_total, self.bus.pending_j(),
                             *(on_s[name] for name in self._ledger_loads)))
        self._ledger_last = self.time

    def energy_ledger(self) -> dict[str, np.ndarray]:
        """The energy books at the end of a step at least once a minute, cumulative from the start.

        Supply side (the twin's integration): ``battery_j`` (energy stored now), ``cells_j``
        (drawn from the array), ``charged_j`` / ``discharged_j`` (into and out of the battery's
        store), ``bus_j`` (delivered to the loads), ``powered_s`` (time outside brown-out).
        Demand side (the devices' own counts): ``keyed_s`` (full-duty transmitter seconds keyed,
        ``ElectricalBus.keyed_s_total``), ``pulse_j`` (one-off draws: the burn wire, camera captures), ``pending_j`` (keyed or
        pulsed and not yet drawn: a frame still on the air), ``on_s:<load>`` (seconds each
        switched load was on). So: cells + discharged x discharge efficiency - charged / charge
        efficiency = bus = base load x powered + sum(load W x on) + transmit W x keyed + pulses
        - pending (outside brown-out), which tests check over a pass with imaging and a downlink.
        """
        if not self._ledger or self._ledger[-1][0] < self.time:
            self._ledger_row()
        rows = np.array(self._ledger, dtype=float)
        names = ("unix_s", "battery_j", "cells_j", "charged_j", "discharged_j", "bus_j", "powered_s",
                 "keyed_s", "pulse_j", "pending_j", *(f"on_s:{n}" for n in self._ledger_loads))
        return {name: rows[:, i].copy() for i, name in enumerate(names)}

    def _record_now(self) -> None:
        s = self.snapshot()
        self._hist.append(np.array([[s[f] for f in HISTORY_FIELDS]]))

    def history(self, every_s: float | None = None) -> dict[str, np.ndarray]:
        """Recorded histories since the start (one row a minute at most), by HISTORY_FIELDS name.

        every_s thins them to the first row of each every_s-long interval (e.g. 600 for a
        whole-lifetime plot: about 20 000 rows instead of 190 000).
        """
        self._settle_history()
        rows = np.concatenate(self._hist) if self._hist else np.empty((0, len(HISTORY_FIELDS)))
        if every_s and len(rows):
            slot = np.floor((rows[:, 0] - rows[0, 0]) / every_s)
            keep = np.concatenate([[True], np.diff(slot) > 0])
            rows = rows[keep]
        return {name: rows[:, i].copy() for i, name in enumerate(HISTORY_FIELDS)}

    # --- state for devices and plots ----------------------------------------------------------
    def _refresh_state(self, r=None, v=None, sun=None) -> None:
        state = self.state
        if r is None:
            rr, vv = self.state_teme([self.time])
            r, v = rr[0], vv[0]
            sun = sun_position(self.time)[0]
            if np.all(np.isfinite(r)):
                state.b_teme = field_teme(r[None, :], [self.time], self._dut1)[0]
                self._last["sunlit_fraction"] = float(illumination(r[None, :], sun[None, :])[0])
            else:
                state.b_teme = np.zeros(3)
        state.r_teme, state.v_teme, state.sun_teme = r, v, sun
        self._publish()

    def _publish(self, temperatures_c: np.ndarray | None = None) -> None:
        """Write what the devices read (attitude, power, temperatures) into the state;
        temperatures_c: ``node_temperatures_c()`` if the caller has it (the step's)."""
        state = self.state
        if self.attitude is not None:  # arrays no one writes into: each step makes new ones
            state.q = self.attitude.q
            state.w_rad_s = self.attitude.w
        last = self._last
        state.sunlit_fraction = last["sunlit_fraction"]
        (state.battery_soc, state.battery_voltage_v, state.battery_current_a, state.solar_power_w,
         state.bus_power_w) = self._power_values()
        state.charge_inhibited = bool(self.charge_inhibited)
        state.charge_phase = pw.charge_phase(
            self._energy_j / self._capacity_j, last["battery_power_w"],
            last["solar_power_w"] > last["bus_power_w"], self._capacity_j, self._v_charge,
            self.charge_inhibited)
        state.temperatures_c = self.node_temperatures_c() if temperatures_c is None else temperatures_c

    @property
    def _b_teme(self) -> np.ndarray:
        return self.state.b_teme

    def body_to_teme(self) -> np.ndarray:
        """Current rotation matrix body -> TEME (identity when attitude is not propagated)."""
        if self.attitude is None:
            return np.eye(3)
        return quats_to_matrices(self.attitude.q[None, :])[0]

    def field_body_t(self) -> np.ndarray:
        """Geomagnetic field in the body frame now, T."""
        return self.body_to_teme().T @ self.state.b_teme

    def body_rate_rad_s(self) -> np.ndarray:
        return np.zeros(3) if self.attitude is None else self.attitude.w.copy()

    def sun_body(self) -> tuple[np.ndarray, float]:
        """Unit Sun vector in the body frame and the visible fraction of the solar disc."""
        s = self._sun - self._r
        s = s / np.linalg.norm(s)
        return self.body_to_teme().T @ s, self._last["sunlit_fraction"]

    def power_state(self) -> dict:
        keys = ("battery_soc", "battery_voltage_v", "battery_current_a", "solar_power_w", "bus_power_w")
        return dict(zip(keys, self._power_values(), strict=True))

    def _power_values(self) -> tuple[float, float, float, float, float]:
        """State of charge, battery V and A, solar and bus W now (``power_state``'s values)."""
        soc = self._energy_j / self._capacity_j
        last = self._last
        bat_w = last["battery_power_w"]
        ocv = pw.battery_ocv_at(soc)
        current = bat_w / ocv
        return (soc, ocv + pw.PACK_RESISTANCE_OHM * current, current, last["solar_power_w"],
                last["bus_power_w"])

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
             step_s: float = 86400.0, attitude: bool = True,
             history_every_s: float | None = None) -> tuple[Twin, dict[str, np.ndarray]]:
    """Run a twin with its default loads (no flight software) from ejection to re-entry or until_unix.

    Returns the twin and its histories (``Twin.history(history_every_s)``): the long-span run
    for reports (about 10-15 s for the reference lifetime).
    """
    twin = Twin(scenario, seed, attitude=attitude)
    end = until_unix if until_unix is not None else twin.start_unix + 3650 * 86400.0
    t = twin.start_unix
    while t < end and not twin.reentered:
        t = min(t + step_s, end)
        twin.advance_to(t)
    return twin, twin.history(history_every_s)


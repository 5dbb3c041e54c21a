"""Validation of the twin's models against references, each with a tolerance and the measured error.

Every check is a function returning a ``Check``; tests/physics/test_validation.py asserts them
and ``python -m picodragon.physics.validation [docs/validation.md]`` writes the table the docs
show, from the same functions.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from picodragon.config import load_scenario


@dataclass(frozen=True)
class Check:
    name: str
    reference: str
    measured: float
    tolerance: float
    unit: str
    detail: str = ""

    @property
    def passed(self) -> bool:
        return bool(abs(self.measured) <= self.tolerance)


def check_sun_direction() -> Check:
    """Our analytic Sun against JPL DE421 (Skyfield, apparent, TEME) over 2013-2014."""
    from skyfield.sgp4lib import TEME

    from picodragon.physics.sun import sun_position
    from picodragon.physics.timebase import ephemeris, skyfield_time

    t = np.linspace(1.356e9, 1.419e9, 400)
    eph = ephemeris()
    ref = eph["earth"].at(skyfield_time(t)).observe(eph["sun"]).apparent().frame_xyz(TEME).m.T
    ours = sun_position(t)
    cos = np.einsum("ij,ij->i", ref, ours) / np.linalg.norm(ref, axis=1) / np.linalg.norm(ours, axis=1)
    err = np.degrees(np.arccos(np.clip(cos, -1, 1)))
    return Check("Sun direction", "JPL DE421 via Skyfield, 400 dates 2013-2014", float(err.max()),
                 0.01, "deg", f"mean {err.mean():.4f} deg")


def check_eclipse_edges() -> Check:
    """Times our illumination crosses 1/2 against the times Skyfield's is_sunlit flips, one day.

    Edges are found on a 1 s grid, then refined: ours by linear interpolation of the visible
    fraction, Skyfield's by bisection of is_sunlit to 1 ms.
    """
    from skyfield.api import EarthSatellite

    from picodragon.physics.orbit import deployed_element_set, propagate_sgp4
    from picodragon.physics.sun import illumination, sun_position
    from picodragon.physics.timebase import ephemeris, skyfield_time

    sc = load_scenario()
    es = deployed_element_set(sc)
    eph = ephemeris()
    t0 = sc.deployment.ejection_time.timestamp()
    t = t0 + np.arange(0.0, 86400.0, 1.0)
    r, _, _ = propagate_sgp4(es.satrec, t)
    frac = illumination(r, sun_position(t))
    sat = EarthSatellite(es.line1, es.line2)
    ref = sat.at(skyfield_time(t)).is_sunlit(eph)
    i_ours = np.nonzero(np.diff((frac > 0.5).astype(int)) != 0)[0]
    i_ref = np.nonzero(np.diff(ref.astype(int)) != 0)[0]
    if len(i_ours) != len(i_ref):
        return Check("Eclipse entry/exit", "Skyfield is_sunlit", math.inf, 2.0, "s", "edge count differs")
    ours = t[i_ours] + (0.5 - frac[i_ours]) / (frac[i_ours + 1] - frac[i_ours])
    theirs = []
    for i in i_ref:
        lo, hi = t[i], t[i + 1]
        lit_lo = bool(ref[i])
        while hi - lo > 1e-3:
            mid = 0.5 * (lo + hi)
            if bool(sat.at(skyfield_time(mid)).is_sunlit(eph)) == lit_lo:
                lo = mid
            else:
                hi = mid
        theirs.append(0.5 * (lo + hi))
    err = np.abs(ours - np.array(theirs))
    return Check("Eclipse entry/exit", "Skyfield is_sunlit (DE421), 1 day, edges refined to 1 ms",
                 float(err.max()), 2.0, "s", f"{len(ours)} edges, mean {err.mean():.2f} s")


def check_igrf() -> Check:
    """Our IGRF-14 synthesis against ppigrf at 200 random points, 0-800 km, on 2013-11-19."""
    import ppigrf

    from picodragon.physics.magnetic import field_geocentric

    rng = np.random.default_rng(0)
    n = 200
    r = 6371.2e3 + rng.uniform(0, 800e3, n)
    th = np.radians(rng.uniform(1, 179, n))
    ph = np.radians(rng.uniform(-180, 180, n))
    x = np.stack([r * np.sin(th) * np.cos(ph), r * np.sin(th) * np.sin(ph), r * np.cos(th)], 1)
    when = datetime(2013, 11, 19, 12, tzinfo=UTC)
    br, bt, bp = field_geocentric(x, np.full(n, when.timestamp()))
    ref = ppigrf.igrf_gc(r / 1e3, np.degrees(th), np.degrees(ph), when.replace(tzinfo=None))
    err = max(np.abs(a - np.ravel(b)).max() for a, b in zip((br, bt, bp), ref, strict=True))
    return Check("IGRF-14 field", "ppigrf 2.1 (IGRF-14), 200 points", float(err), 1.0, "nT",
                 "components B_r, B_theta, B_phi; field magnitude 20 000-65 000 nT")


def check_look_angles() -> Check:
    """The twin's topocentric geometry (from the scenario's first station, over the first day's
    best pass) against Skyfield's on an element set fitted to the twin's true orbit at the start
    of the pass."""
    from skyfield.api import EarthSatellite, wgs84

    from picodragon.physics.timebase import skyfield_time
    from picodragon.physics.twin import Twin

    sc = load_scenario()
    twin = Twin(sc, attitude=False)
    st = sc.stations[0]
    t = twin.start_unix + np.arange(0, 86400, 30.0)
    k = int(np.argmax(twin.look_angles(st, t).elevation_deg))
    window = t[max(k - 10, 0) : k + 10]
    es = twin.published_element_set(float(window[0]))
    site = wgs84.latlon(st.latitude_deg, st.longitude_deg, st.altitude_m)
    rel = (EarthSatellite(es.line1, es.line2) - site).at(skyfield_time(window))
    alt, az, dist = rel.altaz()
    *_, rate = rel.frame_latlon_and_rates(site)
    ours = twin.look_angles(st, window)
    d_el = np.abs(ours.elevation_deg - alt.degrees).max()
    d_az = np.abs((ours.azimuth_deg - az.degrees + 180) % 360 - 180).max()
    d_r = np.abs(ours.range_m - dist.m).max()
    d_rr = np.abs(ours.range_rate_m_s - rate.m_per_s).max()
    return Check("Look angles", f"Skyfield topocentric (wgs84 site), pass of day 1 from {st.name}", float(d_el),
                 0.01, "deg", f"elevation; azimuth {d_az:.4f} deg, range {d_r:.1f} m, range rate {d_rr:.3f} m/s; "
                 f"max elevation {ours.elevation_deg.max():.1f} deg")


def check_numerical_vs_sgp4() -> Check:
    """Cowell (J2-J4) against SGP4 over one day, initial state fitted to SGP4.

    SGP4's osculating state at epoch carries its own short-period approximations, so a numerical
    orbit started from it drifts along-track by kilometres a day; like an orbit determination, we
    fit the six initial state components to SGP4 positions every 10 min over the day (Gauss-
    Newton), then report the largest remaining difference. The gravity models are compared with
    drag off on both sides (the deployed TLE with B* = 0); with drag on (MSIS vs SGP4's B*
    atmosphere) the difference is given in the notes.
    """
    from sgp4.api import WGS72, Satrec

    from picodragon.physics.orbit import carrier_epoch_unix, deployed_element_set, propagate_sgp4
    from picodragon.physics.propagator import NumericalPropagator

    sc = load_scenario()
    es = deployed_element_set(sc)
    s = sc.spacecraft

    def compare(sat, drag):
        t0 = carrier_epoch_unix(sat)
        t = t0 + np.arange(0.0, 86400.01, 600.0)
        ref, _, _ = propagate_sgp4(sat, t)

        def run(y0):
            p = NumericalPropagator(t0, y0[:3], y0[3:], s.drag_coefficient, s.mean_cross_section_m2,
                                    s.mass_kg, drag=drag, srp=drag)
            return p.states(t)[0].ravel()

        r0, v0, _ = propagate_sgp4(sat, [t0])
        y = np.concatenate([r0[0], v0[0]])
        raw = np.linalg.norm((run(y) - ref.ravel()).reshape(-1, 3), axis=1).max()
        scale = np.array([10.0, 10.0, 10.0, 0.01, 0.01, 0.01])
        for _ in range(3):
            base = run(y)
            jac = np.empty((base.size, 6))
            for k in range(6):
                dy = np.zeros(6)
                dy[k] = scale[k]
                jac[:, k] = (run(y + dy) - base) / scale[k]
            step, *_ = np.linalg.lstsq(jac, ref.ravel() - base, rcond=None)
            y = y + step
        return np.linalg.norm((run(y) - ref.ravel()).reshape(-1, 3), axis=1), raw

    src = es.satrec
    nodrag = Satrec()
    nodrag.sgp4init(WGS72, "i", src.satnum, src.jdsatepoch + src.jdsatepochF - 2433281.5, 0.0, 0.0, 0.0,
                    src.ecco, src.argpo, src.inclo, src.mo, src.no_kozai, src.nodeo)
    err, raw = compare(nodrag, False)
    err_drag, raw_drag = compare(src, True)
    return Check(
        "Numerical propagator vs SGP4", "python-sgp4, deployed TLE with B* = 0 vs Cowell J2-J4, 1 day",
        float(err.max()), 1000.0, "m",
        f"rms {np.sqrt((err**2).mean()):.0f} m after the fit ({raw / 1e3:.1f} km unfitted); with drag "
        f"(MSIS vs B*) max {err_drag.max() / 1e3:.1f} km after the fit ({raw_drag / 1e3:.1f} km unfitted)",
    )


def _mean_elements_over(prop, t_start: float, period: float):
    """Semi-major axis (vis-viva) and RAAN averaged over one orbit from t_start."""
    from picodragon.physics.constants import MU_EARTH

    t = t_start + np.linspace(0.0, period, 361)[:-1]
    r, v = prop.states(t)
    rn = np.linalg.norm(r, axis=1)
    a = 1.0 / (2.0 / rn - (v * v).sum(1) / MU_EARTH)
    h = np.cross(r, v)
    raan = np.unwrap(np.arctan2(h[:, 0], -h[:, 1]))
    return a.mean(), raan.mean(), t


def check_nodal_regression() -> Check:
    """RAAN drift of the numerical orbit (drag off) over 5 days against the analytic J2 rate
    -3/2 n J2 (Re/p)^2 cos i (Vallado 2013, eq. 9-41); J3, J4 and J2^2 terms make the rest."""
    from picodragon.physics.constants import J2, MU_EARTH, R_EARTH
    from picodragon.physics.decay import propagator_for
    from picodragon.physics.orbit import osculating_nonsingular

    sc = load_scenario()
    prop = propagator_for(sc, drag=False, srp=False)
    t0 = float(prop.t[0])
    r0, v0 = prop.states([t0])
    el = osculating_nonsingular(r0[0], v0[0], MU_EARTH)
    period = 2 * math.pi / el[0]
    a0, raan0, _ = _mean_elements_over(prop, t0, period)
    a1, raan1, _ = _mean_elements_over(prop, t0 + 5 * 86400.0, period)
    measured = (raan1 - raan0) / (5 * 86400.0)
    n = math.sqrt(MU_EARTH / a0**3)
    e = math.hypot(el[1], el[2])
    p = a0 * (1 - e * e)
    analytic = -1.5 * n * J2 * (R_EARTH / p) ** 2 * math.cos(el[3])
    return Check("Nodal regression (J2)", "analytic -3/2 n J2 (Re/p)^2 cos i, 5 days, drag off",
                 measured / analytic - 1, 0.01, "relative",
                 f"{math.degrees(measured) * 86400:.4f} deg/day against {math.degrees(analytic) * 86400:.4f}")


def check_decay_rate() -> Check:
    """Decay of the numerical orbit over one day against da/dt = -sqrt(mu a) rho (Cd A / m) F,
    the circular-orbit rate (King-Hele 1987) with the density the propagator met along the path
    (averaged) and F = (1 - omega_E r cos i / v)^2 for the co-rotating atmosphere."""
    from picodragon.physics.constants import MU_EARTH, OMEGA_EARTH
    from picodragon.physics.decay import propagator_for
    from picodragon.physics.orbit import osculating_nonsingular

    sc = load_scenario()
    s = sc.spacecraft
    prop = propagator_for(sc, srp=False)
    t0 = float(prop.t[0]) + 5 * 86400.0
    r0, v0 = prop.states([t0])
    el = osculating_nonsingular(r0[0], v0[0], MU_EARTH)
    period = 2 * math.pi / el[0]
    a0, _, _ = _mean_elements_over(prop, t0, period)
    a1, _, _ = _mean_elements_over(prop, t0 + 86400.0, period)
    measured = (a1 - a0) / 86400.0
    log = prop.density_log
    sel = (log[:, 0] >= t0) & (log[:, 0] <= t0 + 86400.0 + period)
    rho = log[sel, 1].mean()
    a_mid = 0.5 * (a0 + a1)
    v = math.sqrt(MU_EARTH / a_mid)
    f = (1 - OMEGA_EARTH * a_mid * math.cos(el[3]) / v) ** 2
    analytic = -math.sqrt(MU_EARTH * a_mid) * rho * s.drag_coefficient * s.mean_cross_section_m2 / s.mass_kg * f
    return Check("Decay rate (drag)", "circular-orbit da/dt with the path's mean density, day 6",
                 measured / analytic - 1, 0.05, "relative",
                 f"{measured * 86400:.0f} m/day against {analytic * 86400:.0f} m/day; mean density {rho:.2e} kg/m^3")


def check_torque_free() -> tuple[Check, Check]:
    """Torque-free rigid body (asymmetric inertia, 1 s RK4, 1 day): energy and |H| drift."""
    from picodragon.physics.attitude import quats_to_matrices, torque_free_run

    inertia = np.array([0.0020, 0.0025, 0.0016])
    w0 = np.radians([5.0, -3.0, 4.0])
    _, q, w = torque_free_run(inertia, [1.0, 0, 0, 0], w0, 86400.0, 1.0)
    energy = 0.5 * (inertia * w * w).sum(1)
    h = np.einsum("nij,nj->ni", quats_to_matrices(q), inertia * w)
    de = float(np.abs(energy / energy[0] - 1).max())
    dh = float((np.linalg.norm(h - h[0], axis=1) / np.linalg.norm(h[0])).max())
    return (
        Check("Torque-free energy", "conservation, 1 day at 1 s steps", de, 1e-5, "relative"),
        Check("Torque-free angular momentum", "conservation (inertial vector), 1 day", dh, 1e-5, "relative"),
    )


def check_magnet_libration() -> Check:
    """Small oscillation of the bar magnet in a constant 30 uT field (rods, gravity gradient and
    drag off): its period against 2 pi sqrt(I / (m B)) (a compass needle)."""
    from picodragon.physics.attitude import ROD_BR_T, ROD_BS_T, ROD_HC_A_M, run

    inertia = np.array([0.0020, 0.0020, 0.0017])
    m, b = 0.3, 30e-6
    m_bar = np.array([0.0, 0.0, m])
    tilt = math.radians(5.0)  # about the x axis, so the magnet swings in the y-z plane
    q0 = np.array([math.cos(tilt / 2), math.sin(tilt / 2), 0.0, 0.0])
    duration = 2000.0
    grid = np.zeros((2, 3))
    b_grid = np.array([[0.0, 0.0, b], [0.0, 0.0, b]])
    out_t = np.arange(0.0, duration, 0.5)
    out_q = np.empty((len(out_t), 4))
    out_w = np.empty((len(out_t), 3))
    run(0.0, q0, np.zeros(3), np.zeros(0), np.zeros(0, dtype=np.bool_), 0.0, duration, b_grid, grid,
        grid, np.zeros(2), duration, out_t, out_q, out_w, inertia, m_bar, np.zeros((0, 3)), 0.0,
        ROD_BS_T, ROD_BR_T, ROD_HC_A_M, np.zeros(6), 0.0, np.zeros(3), False, 1.0)
    wx = out_w[:, 0]
    ups = out_t[1:][(wx[:-1] < 0) & (wx[1:] >= 0)]
    measured = float(np.mean(np.diff(ups)))
    analytic = 2 * math.pi * math.sqrt(inertia[0] / (m * b))
    return Check("Bar-magnet libration period", "compass needle 2 pi sqrt(I / (m B)), 5 deg swing",
                 measured / analytic - 1, 0.005, "relative",
                 f"{measured:.2f} s against {analytic:.2f} s (m 0.3 A m^2, B 30 uT; the finite swing "
                 "adds theta^2/16 = 0.05 %)")


def check_thermal_steady_state() -> tuple[Check, Check]:
    """Thermal nodes in a constant environment against the analytic energy balance.

    Sun (1361 W/m^2) on +X only, Earth infrared 237 W/m^2 on -Z, 1 W dissipated in the OBC.
    (a) with conductances raised to 1000 W/K the body is isothermal: T = ((Q_abs + P) /
    (eps sigma A_total))^(1/4); (b) with the nominal conductances, at steady state the radiated
    power equals absorbed plus dissipated.
    """
    from picodragon.physics import thermal as th
    from picodragon.physics.constants import STEFAN_BOLTZMANN

    sc = load_scenario().spacecraft
    area = th.face_areas(sc)
    cap = th.heat_capacities(sc)
    absorbed = np.zeros(6)
    absorbed[0] = th.FACE_ABSORPTIVITY * 1361.0 * area[0]
    absorbed[5] = th.FACE_EMISSIVITY * 237.0 * area[5]
    p_obc = 1.0

    def settle(g, dt):
        return th.run_constant(np.full(9, 280.0), dt, int(3e5 / dt), cap, g, area, absorbed, 0.0, p_obc, 0.0)

    iso = settle(np.full(9, 1000.0) * np.r_[np.ones(6), 0, 1, 1], 0.02)
    t_analytic = th.steady_state_single_node(absorbed.sum() + p_obc, area.sum())
    temp = settle(th.conductances(), 5.0)
    radiated = (th.FACE_EMISSIVITY * STEFAN_BOLTZMANN * area * (temp[:6] ** 4 - th.T_SPACE**4)).sum()
    balance = radiated / (absorbed.sum() + p_obc) - 1
    return (
        Check("Thermal isothermal steady state", "analytic (Q/(eps sigma A))^(1/4)",
              float(iso.mean() - t_analytic), 0.05, "K", f"analytic {t_analytic - 273.15:.2f} C"),
        Check("Thermal energy balance", "radiated = absorbed + dissipated at steady state",
              float(balance), 1e-4, "relative", f"faces {temp[:6].min() - 273.15:.1f} to {temp[:6].max() - 273.15:.1f} C"),
    )


def check_thermal_in_orbit() -> Check:
    """The coupled twin over one day in orbit conserves energy.

    A tumbling twin (attitude off) is flown 3 days to settle, then one more day at 10 s steps.
    Independently of the twin's loop, the heat absorbed by the six faces is integrated along the
    same orbit from ``sun.solar_flux`` and ``sun.earth_fluxes`` with the tumbling factors (1/4 of
    the Sun, the Earth's solid angle over 4 pi); it must equal the power radiated by the faces
    (from the twin's minute-by-minute temperatures) plus the change of the heat stored in the
    nodes and of the energy stored in the battery (the electrical loads end as heat inside).
    """
    from picodragon.physics import thermal as th
    from picodragon.physics.constants import STEFAN_BOLTZMANN
    from picodragon.physics.sun import (
        earth_fluxes,
        solar_flux,
        sun_position,
        tumbling_earth_view_factor,
    )
    from picodragon.physics.twin import Twin

    sc = load_scenario()
    twin = Twin(sc, attitude=False)
    t_a = twin.start_unix + 3 * 86400.0
    twin.advance_to(t_a)
    temp_a = twin._temp_k.copy()
    e_a = twin._energy_j
    for k in range(1, 8641):
        twin.advance_to(t_a + 10.0 * k)
    t_b = twin.time
    h = twin.history()
    keep = h["unix_s"] > t_a
    area = th.face_areas(sc.spacecraft)
    temps = np.stack([h[f"temperature_{n}_c"][keep] + 273.15 for n in th.NODE_NAMES[:6]], axis=1)
    radiated = (th.FACE_EMISSIVITY * STEFAN_BOLTZMANN * area * (temps**4 - th.T_SPACE**4)).sum(1).mean()
    t = t_a + 5.0 + 10.0 * np.arange(8640)
    r, _ = twin.state_teme(t)
    sun = sun_position(t)
    direct = solar_flux(r, sun)
    albedo, ir = earth_fluxes(r, sun)
    rn = np.linalg.norm(r, axis=1)
    from picodragon.physics.constants import R_EARTH

    earth = tumbling_earth_view_factor(rn) * (rn / R_EARTH) ** 2
    absorbed = (area.sum() * (th.FACE_ABSORPTIVITY * (0.25 * direct + earth * albedo)
                              + th.FACE_EMISSIVITY * earth * ir)).mean()
    stored = (th.heat_capacities(sc.spacecraft) * (twin._temp_k - temp_a)).sum() / (t_b - t_a)
    battery = (twin._energy_j - e_a) / (t_b - t_a)
    balance = (radiated + stored + battery) / absorbed - 1
    return Check("Thermal energy in orbit", "absorbed = radiated + stored (nodes, battery), 1 day, tumbling",
                 float(balance), 0.005, "relative",
                 f"absorbed {absorbed:.2f} W; radiated {radiated:.2f} W; stored {stored * 1e3:.0f} mW in "
                 f"the nodes, {battery * 1e3:.0f} mW in the battery")


def check_orbit_average_power() -> Check:
    """Orbit-average direct-Sun array power of a tumbling 1U against the analytic estimate.

    Analytic: P = S (AU/d)^2 eta A_cell N_faces / 4 x (1 - f_e) with the eclipse fraction of a
    circular orbit f_e = acos(sqrt(h^2 + 2 R h) / ((R + h) cos beta)) / pi (Wertz & Larson, SMAD,
    1999, eq. 5-?; beta the Sun's elevation above the orbit plane); twin: the same array model
    integrated along the SGP4 orbit over one orbit with the conical shadow.
    """
    from picodragon.physics.constants import AU, R_EARTH, SOLAR_CONSTANT
    from picodragon.physics.orbit import deployed_element_set, propagate_sgp4
    from picodragon.physics.power import tumble_average_solar_w
    from picodragon.physics.sun import solar_flux, sun_position

    sc = load_scenario()
    p = sc.spacecraft.power
    es = deployed_element_set(sc)
    t0 = sc.deployment.ejection_time.timestamp()
    period = 2 * math.pi / (es.satrec.no_kozai / 60.0)
    t = t0 + np.linspace(0, period, 20001)[:-1]
    r, v, _ = propagate_sgp4(es.satrec, t)
    sun = sun_position(t)
    twin_avg = float(tumble_average_solar_w(p, solar_flux(r, sun)).mean())
    h_vec = np.cross(r[0], v[0])
    h_hat = h_vec / np.linalg.norm(h_vec)
    s_hat = sun[0] / np.linalg.norm(sun[0])
    beta = math.asin(h_hat @ s_hat)
    alt = float(np.linalg.norm(r, axis=1).mean() - R_EARTH)
    x = math.sqrt(alt**2 + 2 * R_EARTH * alt) / ((R_EARTH + alt) * math.cos(beta))
    f_e = math.acos(x) / math.pi if x < 1 else 0.0
    s = SOLAR_CONSTANT * (AU / np.linalg.norm(sun[0])) ** 2
    analytic = s * p.panel_area_efficiency_sum() / 4 * (1 - f_e)
    return Check("Orbit-average solar power", "analytic: tumbling array x (1 - eclipse fraction)",
                 twin_avg / analytic - 1, 0.02, "relative",
                 f"twin {twin_avg:.3f} W, analytic {analytic:.3f} W, beta {math.degrees(beta):.1f} deg, eclipse fraction {f_e:.3f}")


def all_checks() -> list[Check]:
    out = [check_sun_direction(), check_eclipse_edges(), check_igrf(), check_look_angles(),
           check_numerical_vs_sgp4(), check_nodal_regression(), check_decay_rate()]
    out.extend(check_torque_free())
    out.append(check_magnet_libration())
    out.extend(check_thermal_steady_state())
    out.append(check_thermal_in_orbit())
    out.append(check_orbit_average_power())
    return out


def markdown(checks: list[Check]) -> str:
    lines = [
        "| check | reference | measured | tolerance | unit | pass | notes |",
        "|---|---|---|---|---|---|---|",
    ]
    for c in checks:
        lines.append(
            f"| {c.name} | {c.reference} | {c.measured:.3g} | {c.tolerance:g} | {c.unit} | "
            f"{'yes' if c.passed else 'NO'} | {c.detail} |"
        )
    return "\n".join(lines)


def write_validation(path: Path) -> list[Check]:
    """Rewrite the generated table between the markers in docs/validation.md."""
    checks = all_checks()
    table = markdown(checks)
    begin, end = "<!-- BEGIN GENERATED -->", "<!-- END GENERATED -->"
    text = path.read_text() if path.exists() else f"# Validation\n\n{begin}\n{end}\n"
    head, _, rest = text.partition(begin)
    _, _, tail = rest.partition(end)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    path.write_text(f"{head}{begin}\n_Generated {stamp} by `python -m picodragon.physics.validation`._\n\n{table}\n{end}{tail}")
    return checks


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/validation.md")
    for c in write_validation(target):
        print(f"{'PASS' if c.passed else 'FAIL'} {c.name}: {c.measured:.4g} {c.unit} (tolerance {c.tolerance:g})")

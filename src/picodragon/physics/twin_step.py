"""The twin's compiled step: environment from the cache, faces, array, battery, thermal nodes,
and the attitude loop fused with them for one call a twin step.

Why a module of its own: ``twin`` is where the models meet in Python; these kernels are the
part of a twin step that runs compiled (numba), and ``step`` is the one call a step makes
(each compiled call from Python pays for typing its arguments and boxing its results: two calls
with 60 arguments and their array preparation cost more than the step's arithmetic).

``_world`` integrates faces, array, battery and thermal nodes over a span (see its docstring);
``step`` runs ``attitude.integrate`` over the span (the attitude at each step's middle), then
``_world`` with it, then reads the environment at the span's end (``_env_at``), the arguments
packed into a few arrays (``ATTITUDE_K``, ``WORLD_K``, ``IO``: the layouts below).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from picodragon.physics import power as pw
from picodragon.physics import thermal as th
from picodragon.physics.attitude import integrate, quat_matrix
from picodragon.physics.constants import R_EARTH


@njit(cache=True)
def _env_at(t, c_t0, c_dt, c_r, c_v, c_sun, c_b, c_sc, out):  # pragma: no cover - compiled
    """Environment at time t from the cache: position by cubic Hermite (with the velocities),
    the rest linear. out (17,): r, v, sun, B, illumination, solar flux, albedo, infrared, rho."""
    m = c_r.shape[0]
    f = (t - c_t0) / c_dt
    if f < 0.0:
        f = 0.0
    if f > m - 1.000001:
        f = m - 1.000001
    i = int(f)
    s = f - i
    h00 = 2 * s**3 - 3 * s**2 + 1
    h10 = s**3 - 2 * s**2 + s
    h01 = -2 * s**3 + 3 * s**2
    h11 = s**3 - s**2
    for c in range(3):
        out[c] = h00 * c_r[i, c] + h10 * c_dt * c_v[i, c] + h01 * c_r[i + 1, c] + h11 * c_dt * c_v[i + 1, c]
        out[3 + c] = c_v[i, c] * (1 - s) + c_v[i + 1, c] * s
        out[6 + c] = c_sun[i, c] * (1 - s) + c_sun[i + 1, c] * s
        out[9 + c] = c_b[i, c] * (1 - s) + c_b[i + 1, c] * s
    for c in range(5):
        out[12 + c] = c_sc[i, c] * (1 - s) + c_sc[i + 1, c] * s


@njit(cache=True)
def _view_factor(cos_nadir, h_ratio, hs, table):  # pragma: no cover - compiled
    """Plate-to-Earth view factor from the table of ``sun.earth_view_factor`` (bilinear)."""
    nh = hs.shape[0]
    fh = (h_ratio - hs[0]) / (hs[1] - hs[0])
    if fh < 0.0:
        fh = 0.0
    if fh > nh - 1.000001:
        fh = nh - 1.000001
    i = int(fh)
    wh = fh - i
    c = min(max(cos_nadir, -1.0), 1.0)
    lam = math.acos(c) * 180.0 / math.pi
    j = min(int(lam), 179)
    wl = lam - j
    f0 = table[i, j] * (1 - wl) + table[i, j + 1] * wl
    f1 = table[i + 1, j] * (1 - wl) + table[i + 1, j + 1] * wl
    return f0 * (1 - wh) + f1 * wh


@njit(cache=True)
def _world(
    t0, dt, n, c_t0, c_dt, c_r, c_v, c_sun, c_b, c_sc, has_att, q_mid, w_mid, vf_hs, vf_table,
    energy_j, capacity_j, temp_k, cap, g, area, body_ae, wing_ae, wing_area, load_w, extra_j,
    charge_eff, brownout, rec_last, rec_every, rec, heater_w, rf_j, alpha, eps, v_charge, t_min_k,
):  # pragma: no cover - compiled
    """Faces, array, battery and thermal nodes over n steps of dt from t0 (environment at each
    step's middle from the cache; attitude q_mid / w_mid at the same instants when has_att).
    heater_w: the part of load_w that heats the battery node (battery heater); rf_j: energy the
    transmitter radiated away in the span (drawn from the bus, not dissipated on board).
    body_ae, wing_ae (6,): area x efficiency of body-mounted and deployable cells facing each
    face's normal (m^2); wing_area (3,): deployable area along X, Y, Z (drag); alpha, eps: face
    absorptivity and emissivity; v_charge: the charger's CV set point (V); t_min_k: no charging
    with the battery node below it.

    History rows (t, r (3), illumination, soc, battery W, solar W, bus W, rate deg/s, 9 node
    temperatures K) go to rec whenever rec_every seconds have passed since rec_last.
    Returns (energy, temperatures, solar W, battery W, bus W, brownout, rows, rec_last,
    integral of the projected area against the flow (m^2 s), charge inhibited at the end,
    and the span's energy books in J: drawn from the cells, stored in the battery, taken out of
    the battery, delivered to the bus).
    """
    env = np.empty(17)
    absorbed = np.zeros(6)
    p_face = np.zeros(6)
    cos_s = np.zeros(6)
    cos_e = np.zeros(6)
    solar = 0.0
    bat_w = 0.0
    bus_w = 0.0
    area_int = 0.0
    n_rec = 0
    inhibit = False
    cells_j = 0.0
    charged_j = 0.0
    discharged_j = 0.0
    bus_j = 0.0
    extra_per_step = extra_j / n
    rf_w = rf_j / (n * dt)
    for i in range(n):
        tm = t0 + (i + 0.5) * dt
        _env_at(tm, c_t0, c_dt, c_r, c_v, c_sun, c_b, c_sc, env)
        rx, ry, rz = env[0], env[1], env[2]
        rn = math.sqrt(rx * rx + ry * ry + rz * rz)
        sx, sy, sz = env[6] - rx, env[7] - ry, env[8] - rz
        sn = math.sqrt(sx * sx + sy * sy + sz * sz)
        sx, sy, sz = sx / sn, sy / sn, sz / sn
        nx, ny, nz = -rx / rn, -ry / rn, -rz / rn
        hr = rn / R_EARTH
        f_nadir = 1.0 / (hr * hr)
        ill = env[12]
        flux = env[13]
        albedo = env[14]
        ir = env[15]
        rate = np.nan
        if has_att:
            q0, q1, q2, q3 = q_mid[i, 0], q_mid[i, 1], q_mid[i, 2], q_mid[i, 3]
            # rows of inertial -> body: body -> inertial, unpacked transposed
            a00, a10, a20, a01, a11, a21, a02, a12, a22 = quat_matrix(q0, q1, q2, q3)
            sb0 = a00 * sx + a01 * sy + a02 * sz
            sb1 = a10 * sx + a11 * sy + a12 * sz
            sb2 = a20 * sx + a21 * sy + a22 * sz
            eb0 = a00 * nx + a01 * ny + a02 * nz
            eb1 = a10 * nx + a11 * ny + a12 * nz
            eb2 = a20 * nx + a21 * ny + a22 * nz
            sb = (sb0, sb1, sb2)
            eb = (eb0, eb1, eb2)
            for k in range(6):
                sign = 1.0 if k % 2 == 0 else -1.0
                cos_s[k] = max(sign * sb[k // 2], 0.0)
                cos_e[k] = _view_factor(sign * eb[k // 2], hr, vf_hs, vf_table) / f_nadir
            vx, vy, vz = env[3], env[4], env[5]
            vn = math.sqrt(vx * vx + vy * vy + vz * vz)
            vb0 = (a00 * vx + a01 * vy + a02 * vz) / vn
            vb1 = (a10 * vx + a11 * vy + a12 * vz) / vn
            vb2 = (a20 * vx + a21 * vy + a22 * vz) / vn
            area_int += ((area[0] + wing_area[0]) * abs(vb0) + (area[2] + wing_area[1]) * abs(vb1)
                         + (area[4] + wing_area[2]) * abs(vb2)) * dt
            rate = math.sqrt(w_mid[i, 0] ** 2 + w_mid[i, 1] ** 2 + w_mid[i, 2] ** 2) * 180.0 / math.pi
        else:
            tumble = 0.5 * (1.0 - math.sqrt(1.0 - 1.0 / (hr * hr))) / f_nadir
            for k in range(6):
                cos_s[k] = 0.25
                cos_e[k] = tumble
        solar = 0.0
        for k in range(6):
            direct = flux * cos_s[k]
            reflected = albedo * cos_e[k]
            absorbed[k] = area[k] * (alpha * (direct + reflected) + eps * ir * cos_e[k])
            tfac = 1.0 + pw.CELL_TEMP_COEFF_PER_K * (temp_k[k] - 273.15 - pw.CELL_REFERENCE_C)
            p_face[k] = (direct + reflected) * body_ae[k] * tfac
            solar += (direct + reflected) * (body_ae[k] + wing_ae[k]) * tfac
        inhibit = temp_k[th.BATTERY] < t_min_k
        energy_j, bat_w, bus_w, brownout = pw.battery_step(
            energy_j, capacity_j, solar, load_w, extra_per_step, dt, charge_eff, brownout,
            v_charge, inhibit,
        )
        # Heat: bus loads in the OBC (60 %) and structure (40 %); charge and discharge losses
        # (which include the pack's I^2 R) in the battery. Power the bus and battery do not take
        # is never drawn from the cells (the regulator moves them off their maximum power
        # point), so it stays on the faces as heat.
        loss_bat = 0.0
        heat_bat = heater_w if bus_w > 0.0 else 0.0
        drawn = bus_w
        if bat_w > 0:
            loss_bat += bat_w * (1.0 / charge_eff - 1.0)
            drawn += bat_w / charge_eff
        elif bat_w < 0:
            loss_bat += -bat_w * (1.0 - pw.DISCHARGE_EFFICIENCY)
            drawn += bat_w * pw.DISCHARGE_EFFICIENCY
        cells_j += drawn * dt
        bus_j += bus_w * dt
        if bat_w > 0:
            charged_j += bat_w * dt
        else:
            discharged_j -= bat_w * dt
        used = 1.0
        if solar > 0.0:
            used = min(max(drawn / solar, 0.0), 1.0)
        for k in range(6):
            p_face[k] *= used
        temp_k = th.thermal_step(
            # the heater's share of the bus heats the battery; the RF output leaves the spacecraft
            temp_k, dt, cap, g, area, absorbed, p_face, loss_bat + heat_bat,
            max(0.6 * (bus_w - heat_bat) - (rf_w if bus_w > 0.0 else 0.0), 0.0),
            0.4 * (bus_w - heat_bat), eps,
        )
        if tm - rec_last >= rec_every:
            rec[n_rec, 0] = tm
            rec[n_rec, 1] = rx
            rec[n_rec, 2] = ry
            rec[n_rec, 3] = rz
            rec[n_rec, 4] = ill
            rec[n_rec, 5] = energy_j / capacity_j
            rec[n_rec, 6] = bat_w
            rec[n_rec, 7] = solar
            rec[n_rec, 8] = bus_w
            rec[n_rec, 9] = rate
            for k in range(9):
                rec[n_rec, 10 + k] = temp_k[k]
            n_rec += 1
            rec_last = tm
    return (energy_j, temp_k, solar, bat_w, bus_w, brownout, n_rec, rec_last, area_int, inhibit,
            cells_j, charged_j, discharged_j, bus_j)


# --- the fused step's packed arguments --------------------------------------------------------
ATTITUDE_K = 22
"""Length of the attitude's constants (``attitude_constants``): inertia (3), bar magnet (3),
face areas (6), centre-of-mass offset (3), rod volume, Bs, Br, Hc, Cd, gravity gradient on (1/0),
aerodynamic torque on (1/0)."""
WORLD_K = 45
"""Length of the world's constants (``world_constants``): capacity J, charge efficiency,
absorptivity, emissivity, charge set point V, lowest charging K, then heat capacities (9),
conductances (9), face areas (6), body cells A x eff (6), wings A x eff (6), wing areas (3)."""
IO_ENERGY, IO_BROWNOUT, IO_REC_LAST, IO_LOAD_W, IO_EXTRA_J, IO_HEATER_W, IO_RF_J, IO_REC_EVERY = range(8)
"""In: battery energy J, brown-out (1/0), time of the last history row, bus load W, one-off
energy J, heater W, radiated RF J, history interval s (then the same slots hold the new
energy, brown-out and last row time)."""
IO_SOLAR, IO_BAT_W, IO_BUS_W, IO_N_REC, IO_AREA, IO_INHIBIT, IO_BOOKS, IO_STEPS = 8, 9, 10, 11, 12, 13, 14, 18
"""Out: solar W, battery W, bus W, history rows written, projected area x s, charge inhibited
(1/0), the four energy books (J, 14..17), attitude RK4 steps."""
IO_SIZE = 19


def attitude_constants(att) -> np.ndarray:
    """An ``attitude.Attitude``'s constants in the ``ATTITUDE_K`` layout (floats as they are)."""
    k = np.empty(ATTITUDE_K)
    k[0:3], k[3:6], k[6:12], k[12:15] = att.inertia, att.m_bar, att.face_areas, att.com
    k[15:22] = (att.rod_v, att.rod_bs_t, att.rod_br_t, att.rod_hc_a_m, att.cd,
                1.0 if att.gg_on else 0.0, 1.0 if att.aero else 0.0)
    return k


def world_constants(capacity_j, charge_eff, alpha, eps, v_charge, t_min_k, cap, g, area, body_ae,
                    wing_ae, wing_area) -> np.ndarray:
    """The world's constants in the ``WORLD_K`` layout."""
    return np.concatenate([[capacity_j, charge_eff, alpha, eps, v_charge, t_min_k], cap, g, area,
                           body_ae, wing_ae, wing_area]).astype(float)


@njit(cache=True)
def step(t0, t1, dt, n, c_t0, c_dt, c_r, c_v, c_sun, c_b, c_sc, c_rho_att, has_att, q, w, rod_h,
         rod_rising, ak, max_step, lib_step, rod_axes, plates, vf_hs, vf_table, wk, temp_k, rec, io,
         t_mid, q_mid, w_mid, env):  # pragma: no cover - compiled
    """One twin step from t0 to t1 (n steps of dt) in one compiled call.

    With attitude (has_att): ``attitude.integrate`` from t0 to t1 on q, w, rod_h, rod_rising in
    place, the attitude sampled at the steps' middles t0 + dt (i + 1/2) (into t_mid, q_mid,
    w_mid); c_rho_att: the density the aerodynamic torque sees (zeros without it); ak the
    constants of ``attitude_constants``, max_step and lib_step the loop's longest step and the
    grid's libration step. Then ``_world`` over the n steps (wk: ``world_constants``; io: the
    ``IO_*`` slots in and out; temp_k updated in place; history rows into rec) and the
    environment at t1 into env (17,), followed by the nodes' temperatures in deg C when env is
    longer (17 + len(temp_k): the twin publishes them without a numpy call of its own). The
    same operations, in the same order, as the calls it fuses (``Attitude.advance``,
    ``_world``, ``_env_at``)."""
    if has_att:
        for i in range(n):
            t_mid[i] = t0 + dt * (i + 0.5)
        io[IO_STEPS] = integrate(
            t0, q, w, rod_h, rod_rising, c_t0, c_dt, c_b, c_r, c_v, c_rho_att, t1, t_mid, q_mid,
            w_mid, ak[0:3], ak[3:6], rod_axes, ak[15], ak[16], ak[17], ak[18], ak[6:12], ak[19],
            ak[12:15], ak[20] != 0.0, max_step, plates, lib_step,
        )
    else:
        io[IO_STEPS] = 0.0
    (energy_j, _, solar, bat_w, bus_w, brownout, n_rec, rec_last, area_int, inhibit, cells_j,
     charged_j, discharged_j, bus_j) = _world(
        t0, dt, n, c_t0, c_dt, c_r, c_v, c_sun, c_b, c_sc, has_att, q_mid, w_mid, vf_hs, vf_table,
        io[IO_ENERGY], wk[0], temp_k, wk[6:15], wk[15:24], wk[24:30], wk[30:36], wk[36:42],
        wk[42:45], io[IO_LOAD_W], io[IO_EXTRA_J], wk[1], io[IO_BROWNOUT] != 0.0, io[IO_REC_LAST],
        io[IO_REC_EVERY], rec, io[IO_HEATER_W], io[IO_RF_J], wk[2], wk[3], wk[4], wk[5],
    )
    io[IO_ENERGY] = energy_j
    io[IO_BROWNOUT] = 1.0 if brownout else 0.0
    io[IO_REC_LAST] = rec_last
    io[IO_SOLAR] = solar
    io[IO_BAT_W] = bat_w
    io[IO_BUS_W] = bus_w
    io[IO_N_REC] = n_rec
    io[IO_AREA] = area_int
    io[IO_INHIBIT] = 1.0 if inhibit else 0.0
    io[IO_BOOKS] = cells_j
    io[IO_BOOKS + 1] = charged_j
    io[IO_BOOKS + 2] = discharged_j
    io[IO_BOOKS + 3] = bus_j
    _env_at(t1, c_t0, c_dt, c_r, c_v, c_sun, c_b, c_sc, env)
    for k in range(env.shape[0] - 17):  # and the nodes in deg C, when env has room for them
        env[17 + k] = temp_k[k] - 273.15

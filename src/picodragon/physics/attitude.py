"""Attitude: rigid-body dynamics of a 1U with passive magnetic attitude control.

State: quaternion q (scalar first) rotating body vectors into TEME, and body rate omega (rad/s).
Euler's equations I dw/dt = tau - w x I w with q' = q (x) (0, w) / 2, integrated by classical
RK4 (compiled with numba) with a step of at most 5 s, at most 0.2 rad of rotation and at most
0.35 rad of the magnet's libration about the field (natural frequency sqrt(m B / I)) per step.

Inertia: a homogeneous box of the configured mass less its appendages' and edges
(I = m (b^2 + c^2) / 12 ...): named assumption (real 1U are within ~20 % of it); each appendage
arm (``spacecraft.appendages``) adds a thin rod of its mass from the centre of its face along its
direction (m (|c|^2 - c_k^2) + m L^2 (1 - d_k^2) / 12 about axis k, c its centre). Products of
inertia of a one-armed antenna (about 1 % of the moments for a 17 cm tape of 3 g) are neglected:
the loop integrates in the box's axes.

Torques:
- gravity gradient 3 mu / r^5 (r_b x I r_b) (Wertz 1978, sec. 17.2);
- the bar magnet: m x B with m = 0.3 A m^2 (typical 1U passive magnetic control, e.g. the range
  0.1-1 A m^2 of Santoni & Zelli 2009 and Gerhardt & Palo 2010) pointing along the camera's
  boresight (the mounting face's normal, -Z by default): the boresight then follows the field,
  which dips towards the Earth over the northern hemisphere, where the reference mission's
  targets are (assumption);
- hysteresis rods: two HyMu-80 rods of 1 mm x 95 mm along X and two along Y (assumption of
  typical practice), with the Flatley & Henretty (1995, NASA CP-3299) model
  B = (2 Bs / pi) atan(k (H -/+ Hc)), k = tan(pi Br / (2 Bs)) / Hc, the branch chosen by the sign of
  dH/dt; rod constants are the apparent (demagnetised) values Gerhardt & Palo (2010) measured
  for thin HyMu-80 rods: Bs = 0.025 T, Br = 0.004 T, Hc = 12 A/m (rounded; assumption);
  each rod's moment is B V / mu0 along its axis, its torque m_rod x B;
- aerodynamic: drag force on the projected area (sum over faces of A max(0, n . v_hat)), acting
  at the geometric centre, with the centre of mass 5 mm off it along +Z (J-SSOD allows 20 mm):
  torque (c_p - c_m) x F; each appendage arm adds its own drag at its centre (a tape's projection
  A |n . v_hat|, a rod's A sin(angle to its axis); ``appendage_plates``). Atmosphere co-rotating.

Every constant above is mission data (``spacecraft.adcs``, ``config.models.Adcs``); the values
named here are its defaults, and the module constants below mirror them for direct callers.

Tip-off: J-SSOD tip-off rates are not published per satellite; each axis is drawn from a normal
distribution of 3 deg/s (1 sigma) with the scenario seed (spring deployers give a few deg/s:
assumption), initial orientation uniform at random.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from picodragon.config.models import Spacecraft
from picodragon.physics.constants import MU_EARTH, OMEGA_EARTH

MU0 = 4e-7 * math.pi
BAR_MAGNET_AM2 = 0.3
ROD_DIAMETER_M = 1.0e-3
ROD_LENGTH_M = 0.095
ROD_BS_T = 0.025
ROD_BR_T = 0.004
ROD_HC_A_M = 12.0
ROD_AXES = np.array([[1.0, 0, 0], [1.0, 0, 0], [0, 1.0, 0], [0, 1.0, 0]])
COM_OFFSET_M = np.array([0.0, 0.0, 0.005])
TIPOFF_SIGMA_DEG_S = 3.0
MAX_STEP_S = 5.0
"""Longest RK4 step, s; the loop also keeps |w| dt < 0.2 rad and the magnet libration < 0.35 rad a step."""

FACE_NORMALS = np.array(
    [[1.0, 0, 0], [-1.0, 0, 0], [0, 1.0, 0], [0, -1.0, 0], [0, 0, 1.0], [0, 0, -1.0]]
)


def magnet_axis(mounting_face: str) -> np.ndarray:
    """Unit vector (body) of the bar magnet's moment: the camera face's outward normal."""
    axis = np.zeros(3)
    axis["XYZ".index(mounting_face[1])] = 1.0 if mounting_face[0] == "+" else -1.0
    return axis


def box_inertia(spacecraft: Spacecraft) -> np.ndarray:
    """Principal moments (kg m^2) of a homogeneous box."""
    x, y, z = spacecraft.size_m
    m = spacecraft.mass_kg
    return np.array([m * (y * y + z * z), m * (x * x + z * z), m * (x * x + y * y)]) / 12.0


def appendage_inertia(spacecraft: Spacecraft) -> np.ndarray:
    """Moments (kg m^2) about the box's axes of the appendages' arms, thin rods from the centres
    of their faces (see the module docstring)."""
    half = np.asarray(spacecraft.size_m, dtype=float) / 2.0
    total = np.zeros(3)
    for app in spacecraft.appendages:
        root = magnet_axis(app.face) * half
        way = magnet_axis(app.direction)
        m = app.mass_kg / app.arms
        for sign in (1.0, -1.0)[: app.arms]:
            centre = root + sign * way * app.length_m / 2.0
            total += m * (centre @ centre - centre**2) + m * app.length_m**2 * (1.0 - way**2) / 12.0
    return total


def appendage_plates(spacecraft: Spacecraft) -> np.ndarray:
    """(k, 8) rows for the aerodynamic torque of each appendage arm: area (m^2; length x width,
    or x diameter for a rod), 1 for a rod else 0, a unit vector (a tape's broad-side normal: its
    face's normal, as it unrolls lying along the face, a named assumption; a tape standing out
    along the normal has its broad side to the next body axis; a rod's own axis), its centre (m,
    body axes from the box's centre)."""
    half = np.asarray(spacecraft.size_m, dtype=float) / 2.0
    rows = []
    for app in spacecraft.appendages:
        root = magnet_axis(app.face) * half
        way = magnet_axis(app.direction)
        if app.kind == "rod":
            vec = way
        elif app.direction != app.face:
            vec = magnet_axis(app.face)
        else:
            vec = np.roll(np.abs(way), 1)
        for sign in (1.0, -1.0)[: app.arms]:
            centre = root + sign * way * app.length_m / 2.0
            rows.append([app.length_m * app.width_m, 1.0 if app.kind == "rod" else 0.0, *vec, *centre])
    return np.array(rows, dtype=float).reshape(-1, 8)


def inertia(spacecraft: Spacecraft) -> np.ndarray:
    """Principal moments (kg m^2): the box (its mass less the appendages') plus the appendages."""
    carried = sum(app.mass_kg for app in spacecraft.appendages)
    box = spacecraft.model_copy(update={"mass_kg": spacecraft.mass_kg - carried}) if carried else spacecraft
    return box_inertia(box) + appendage_inertia(spacecraft)


def rod_volume() -> float:
    return math.pi * (ROD_DIAMETER_M / 2) ** 2 * ROD_LENGTH_M


def quats_to_matrices(q: np.ndarray) -> np.ndarray:
    """Vectorised body -> inertial matrices of quaternions (n, 4) -> (n, 3, 3)."""
    w, x, y, z = q[:, 0], q[:, 1], q[:, 2], q[:, 3]
    return np.stack(
        [
            np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)], -1),
            np.stack([2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)], -1),
            np.stack([2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)], -1),
        ],
        -2,
    )


@njit(cache=True, inline="always")
def quat_matrix(q0, q1, q2, q3):  # pragma: no cover - compiled
    """Body -> inertial matrix of a quaternion (scalar first) as nine scalars, row by row: the
    formulas of ``quats_to_matrices``, for compiled loops (the same bits)."""
    return (1 - 2 * (q2 * q2 + q3 * q3), 2 * (q1 * q2 - q0 * q3), 2 * (q1 * q3 + q0 * q2),
            2 * (q1 * q2 + q0 * q3), 1 - 2 * (q1 * q1 + q3 * q3), 2 * (q2 * q3 - q0 * q1),
            2 * (q1 * q3 - q0 * q2), 2 * (q2 * q3 + q0 * q1), 1 - 2 * (q1 * q1 + q2 * q2))


@njit(cache=True, inline="always")
def _rod_constants(bs, br, hc):  # pragma: no cover - compiled
    """The Flatley-Henretty rod's 2 Bs / pi and k = tan(pi Br / (2 Bs)) / Hc (module docstring)."""
    return 2 * bs / math.pi, math.tan(math.pi * br / (2 * bs)) / hc


@njit(cache=True, inline="always")
def _rod_b(h, rising, scale, k, hc):  # pragma: no cover
    if rising:
        return scale * math.atan(k * (h - hc))
    return scale * math.atan(k * (h + hc))


@njit(cache=True)
def _deriv(q, w, env, inertia, m_bar, rod_axes, rod_rising, rod_v, bs, br, hc, face_areas, cd,
           com, gg_on, dq, dw, plates):  # pragma: no cover - compiled
    """Time derivatives of q and w into dq, dw; env = (B (3), r (3), v (3), rho) in TEME.

    Written with scalars only: no allocation in the hot loop.
    """
    scale, k = _rod_constants(bs, br, hc)
    _deriv_with(q, w, env, inertia, m_bar, rod_axes, rod_rising, rod_v, scale, k, hc, face_areas, cd,
                com, gg_on, dq, dw, plates)


@njit(cache=True, inline="always")
def _deriv_with(q, w, env, inertia, m_bar, rod_axes, rod_rising, rod_v, rod_scale, rod_k, hc,
                face_areas, cd, com, gg_on, dq, dw, plates):  # pragma: no cover - compiled
    """``_deriv`` with the rods' constants (``_rod_constants``) given: the loop computes them
    once, not at each of its four derivatives a step (and inlines this into itself)."""
    q0, q1, q2, q3 = q[0], q[1], q[2], q[3]
    # rows of the inertial -> body matrix: body -> inertial, unpacked transposed
    r00, r10, r20, r01, r11, r21, r02, r12, r22 = quat_matrix(q0, q1, q2, q3)
    bx = r00 * env[0] + r01 * env[1] + r02 * env[2]
    by = r10 * env[0] + r11 * env[1] + r12 * env[2]
    bz = r20 * env[0] + r21 * env[1] + r22 * env[2]
    # magnetic moment: bar magnet plus rods
    mx, my, mz = m_bar[0], m_bar[1], m_bar[2]
    mr = 0.0
    for k in range(rod_axes.shape[0]):
        ax, ay, az = rod_axes[k, 0], rod_axes[k, 1], rod_axes[k, 2]
        # a rod along the previous one's axis on the same branch has its moment (two rods an
        # axis, the default): the same number without its arctangent
        if not (k > 0 and rod_rising[k] == rod_rising[k - 1] and ax == rod_axes[k - 1, 0]
                and ay == rod_axes[k - 1, 1] and az == rod_axes[k - 1, 2]):
            h = (bx * ax + by * ay + bz * az) / MU0
            mr = _rod_b(h, rod_rising[k], rod_scale, rod_k, hc) * rod_v / MU0
        mx += ax * mr
        my += ay * mr
        mz += az * mr
    tx = my * bz - mz * by
    ty = mz * bx - mx * bz
    tz = mx * by - my * bx
    rx, ry, rz = env[3], env[4], env[5]
    rn2 = rx * rx + ry * ry + rz * rz
    if gg_on and rn2 > 0:
        rbx = r00 * rx + r01 * ry + r02 * rz
        rby = r10 * rx + r11 * ry + r12 * rz
        rbz = r20 * rx + r21 * ry + r22 * rz
        k3 = 3 * MU_EARTH / (rn2 * rn2 * math.sqrt(rn2))
        irx, iry, irz = inertia[0] * rbx, inertia[1] * rby, inertia[2] * rbz
        tx += k3 * (rby * irz - rbz * iry)
        ty += k3 * (rbz * irx - rbx * irz)
        tz += k3 * (rbx * iry - rby * irx)
    rho = env[9]
    if rho > 0:
        vx = env[6] + OMEGA_EARTH * ry
        vy = env[7] - OMEGA_EARTH * rx
        vz = env[8]
        vr = math.sqrt(vx * vx + vy * vy + vz * vz)
        ux = (r00 * vx + r01 * vy + r02 * vz) / vr
        uy = (r10 * vx + r11 * vy + r12 * vz) / vr
        uz = (r20 * vx + r21 * vy + r22 * vz) / vr
        # faces facing the flow: +X faces it when the flow comes from +X (u_x < 0)
        area = (face_areas[0] * max(-ux, 0.0) + face_areas[1] * max(ux, 0.0)
                + face_areas[2] * max(-uy, 0.0) + face_areas[3] * max(uy, 0.0)
                + face_areas[4] * max(-uz, 0.0) + face_areas[5] * max(uz, 0.0))
        f = -0.5 * rho * cd * area * vr * vr
        fx, fy, fz = f * ux, f * uy, f * uz
        cx, cy, cz = -com[0], -com[1], -com[2]
        tx += cy * fz - cz * fy
        ty += cz * fx - cx * fz
        tz += cx * fy - cy * fx
        # appendage arms: a tape projects A |n . u|, a rod A sqrt(1 - (a . u)^2), at their centres
        for k in range(plates.shape[0]):
            nu = plates[k, 2] * ux + plates[k, 3] * uy + plates[k, 4] * uz
            if plates[k, 1] > 0.5:
                proj = plates[k, 0] * math.sqrt(max(1.0 - nu * nu, 0.0))
            else:
                proj = plates[k, 0] * abs(nu)
            f = -0.5 * rho * cd * proj * vr * vr
            fx, fy, fz = f * ux, f * uy, f * uz
            cx, cy, cz = plates[k, 5] - com[0], plates[k, 6] - com[1], plates[k, 7] - com[2]
            tx += cy * fz - cz * fy
            ty += cz * fx - cx * fz
            tz += cx * fy - cy * fx
    w0, w1, w2 = w[0], w[1], w[2]
    i0, i1, i2 = inertia[0], inertia[1], inertia[2]
    dw[0] = (tx - (w1 * i2 * w2 - w2 * i1 * w1)) / i0
    dw[1] = (ty - (w2 * i0 * w0 - w0 * i2 * w2)) / i1
    dw[2] = (tz - (w0 * i1 * w1 - w1 * i0 * w0)) / i2
    dq[0] = 0.5 * (-q1 * w0 - q2 * w1 - q3 * w2)
    dq[1] = 0.5 * (q0 * w0 + q2 * w2 - q3 * w1)
    dq[2] = 0.5 * (q0 * w1 - q1 * w2 + q3 * w0)
    dq[3] = 0.5 * (q0 * w2 + q1 * w1 - q2 * w0)


@njit(cache=True)
def run(t0, q, w, rod_h, rod_rising, grid_t0, grid_dt, b_grid, r_grid, v_grid, rho_grid, t_end,
        out_t, out_q, out_w, inertia, m_bar, rod_axes, rod_v, bs, br, hc, face_areas, cd, com,
        gg_on, max_step):  # pragma: no cover - compiled
    """``run_with`` without appendages."""
    return run_with(t0, q, w, rod_h, rod_rising, grid_t0, grid_dt, b_grid, r_grid, v_grid, rho_grid,
                    t_end, out_t, out_q, out_w, inertia, m_bar, rod_axes, rod_v, bs, br, hc,
                    face_areas, cd, com, gg_on, max_step, np.zeros((0, 8)))


@njit(cache=True)
def run_with(t0, q, w, rod_h, rod_rising, grid_t0, grid_dt, b_grid, r_grid, v_grid, rho_grid, t_end,
             out_t, out_q, out_w, inertia, m_bar, rod_axes, rod_v, bs, br, hc, face_areas, cd, com,
             gg_on, max_step, plates):  # pragma: no cover - compiled
    """RK4 from t0 to t_end; environment linear in time on the grid; q, w sampled at out_t (sorted).

    rod_h / rod_rising: the hysteresis memory (last H along each rod, branch), updated in place;
    plates (k, 8): the appendages' arms (``appendage_plates``). Returns (q, w, steps).
    """
    q = q.copy()
    w = w.copy()
    steps = integrate(t0, q, w, rod_h, rod_rising, grid_t0, grid_dt, b_grid, r_grid, v_grid, rho_grid,
                      t_end, out_t, out_q, out_w, inertia, m_bar, rod_axes, rod_v, bs, br, hc,
                      face_areas, cd, com, gg_on, max_step, plates,
                      libration_step(b_grid, m_bar, inertia, max_step))
    return q, w, steps


@njit(cache=True)
def libration_step(b_grid, m_bar, inertia, max_step):  # pragma: no cover - compiled
    """Longest step for the bar magnet's libration about the field over the grid: natural
    frequency sqrt(m B / I) at the grid's strongest field, 0.35 rad a step (max_step if none)."""
    bmax = 0.0
    for i in range(b_grid.shape[0]):
        bmax = max(bmax, math.sqrt(b_grid[i, 0] ** 2 + b_grid[i, 1] ** 2 + b_grid[i, 2] ** 2))
    mb = math.sqrt(m_bar[0] ** 2 + m_bar[1] ** 2 + m_bar[2] ** 2)
    wlib = math.sqrt(mb * bmax / min(inertia[0], min(inertia[1], inertia[2])))
    return 0.35 / wlib if wlib > 0 else max_step


@njit(cache=True)
def integrate(t0, q, w, rod_h, rod_rising, grid_t0, grid_dt, b_grid, r_grid, v_grid, rho_grid, t_end,
              out_t, out_q, out_w, inertia, m_bar, rod_axes, rod_v, bs, br, hc, face_areas, cd, com,
              gg_on, max_step, plates, libration_step):  # pragma: no cover - compiled
    """``run_with`` on q and w in place, with the grid's ``libration_step`` given; returns the
    number of steps.

    Why: ``Attitude.advance`` runs once a twin step on the same grid for an hour of them;
    handing back two new arrays cost a third of a short step's call (each boxed array is a round
    trip through numba's object pickling) and the grid's strongest field another third."""
    t = t0
    j = 0
    m = b_grid.shape[0]
    steps = 0
    n_out = out_t.shape[0]
    rod_scale, rod_k = _rod_constants(bs, br, hc)
    envs = np.empty((3, 10))
    k1q, k2q, k3q, k4q = np.empty(4), np.empty(4), np.empty(4), np.empty(4)
    k1w, k2w, k3w, k4w = np.empty(3), np.empty(3), np.empty(3), np.empty(3)
    qt = np.empty(4)
    wt = np.empty(3)
    while True:
        while j < n_out and out_t[j] <= t + 1e-9:
            out_q[j] = q
            out_w[j] = w
            j += 1
        if t >= t_end - 1e-9:
            break
        wn = math.sqrt(w[0] ** 2 + w[1] ** 2 + w[2] ** 2)
        dt = min(max_step, 0.2 / max(wn, 1e-6), libration_step, t_end - t)
        if j < n_out and out_t[j] < t + dt:
            dt = max(out_t[j] - t, 1e-6)
        # environment at t, t + dt/2, t + dt; at t it is the last step's end (t + 0.5 dt 2 is
        # t + dt exactly): copied, not interpolated again
        if steps > 0:
            for c in range(10):
                envs[0, c] = envs[2, c]
        for e in range(1 if steps > 0 else 0, 3):
            te = t + 0.5 * dt * e
            f = (te - grid_t0) / grid_dt
            if f < 0:
                f = 0.0
            if f > m - 1:
                f = m - 1.0
            i = min(int(f), m - 2) if m > 1 else 0
            a = f - i if m > 1 else 0.0
            i2 = i + 1 if m > 1 else i
            for c in range(3):
                envs[e, c] = b_grid[i, c] * (1 - a) + b_grid[i2, c] * a
                envs[e, 3 + c] = r_grid[i, c] * (1 - a) + r_grid[i2, c] * a
                envs[e, 6 + c] = v_grid[i, c] * (1 - a) + v_grid[i2, c] * a
            envs[e, 9] = rho_grid[i] * (1 - a) + rho_grid[i2] * a
        _deriv_with(q, w, envs[0], inertia, m_bar, rod_axes, rod_rising, rod_v, rod_scale, rod_k, hc, face_areas, cd, com, gg_on, k1q, k1w,
               plates)
        for c in range(4):
            qt[c] = q[c] + 0.5 * dt * k1q[c]
        for c in range(3):
            wt[c] = w[c] + 0.5 * dt * k1w[c]
        _deriv_with(qt, wt, envs[1], inertia, m_bar, rod_axes, rod_rising, rod_v, rod_scale, rod_k, hc, face_areas, cd, com, gg_on, k2q, k2w,
               plates)
        for c in range(4):
            qt[c] = q[c] + 0.5 * dt * k2q[c]
        for c in range(3):
            wt[c] = w[c] + 0.5 * dt * k2w[c]
        _deriv_with(qt, wt, envs[1], inertia, m_bar, rod_axes, rod_rising, rod_v, rod_scale, rod_k, hc, face_areas, cd, com, gg_on, k3q, k3w,
               plates)
        for c in range(4):
            qt[c] = q[c] + dt * k3q[c]
        for c in range(3):
            wt[c] = w[c] + dt * k3w[c]
        _deriv_with(qt, wt, envs[2], inertia, m_bar, rod_axes, rod_rising, rod_v, rod_scale, rod_k, hc, face_areas, cd, com, gg_on, k4q, k4w,
               plates)
        qn = 0.0
        for c in range(4):
            q[c] += dt / 6 * (k1q[c] + 2 * k2q[c] + 2 * k3q[c] + k4q[c])
            qn += q[c] * q[c]
        qn = math.sqrt(qn)
        for c in range(4):
            q[c] /= qn
        for c in range(3):
            w[c] += dt / 6 * (k1w[c] + 2 * k2w[c] + 2 * k3w[c] + k4w[c])
        t += dt
        steps += 1
        # hysteresis memory: direction of H along each rod (field in the body at the step's end)
        q0, q1, q2, q3 = q[0], q[1], q[2], q[3]
        b0, b1, b2 = envs[2, 0], envs[2, 1], envs[2, 2]
        bx = (1 - 2 * (q2 * q2 + q3 * q3)) * b0 + 2 * (q1 * q2 + q0 * q3) * b1 + 2 * (q1 * q3 - q0 * q2) * b2
        by = 2 * (q1 * q2 - q0 * q3) * b0 + (1 - 2 * (q1 * q1 + q3 * q3)) * b1 + 2 * (q2 * q3 + q0 * q1) * b2
        bz = 2 * (q1 * q3 + q0 * q2) * b0 + 2 * (q2 * q3 - q0 * q1) * b1 + (1 - 2 * (q1 * q1 + q2 * q2)) * b2
        for k in range(rod_axes.shape[0]):
            h = (bx * rod_axes[k, 0] + by * rod_axes[k, 1] + bz * rod_axes[k, 2]) / MU0
            if h > rod_h[k]:
                rod_rising[k] = True
            elif h < rod_h[k]:
                rod_rising[k] = False
            rod_h[k] = h
    return steps


class Attitude:
    """Attitude state and parameters of one spacecraft; ``advance`` runs the compiled loop."""

    def __init__(self, spacecraft: Spacecraft, rng: np.random.Generator, *, magnet_am2: float | None = None,
                 rods: bool = True, gravity_gradient: bool = True, aero: bool = True) -> None:
        adcs = spacecraft.adcs
        self.inertia = inertia(spacecraft)
        q = rng.normal(size=4)
        self.q = q / np.linalg.norm(q)
        self.w = np.radians(rng.normal(0.0, adcs.tipoff_sigma_deg_s, 3))
        moment = adcs.magnet_am2 if magnet_am2 is None else magnet_am2
        self.m_bar = moment * magnet_axis(spacecraft.camera.mounting_face)
        axes = [[1.0, 0.0, 0.0]] * adcs.rods_x + [[0.0, 1.0, 0.0]] * adcs.rods_y
        self.rod_axes = np.array(axes, dtype=float).reshape(-1, 3) if rods else np.zeros((0, 3))
        self.rod_h = np.zeros(len(self.rod_axes))
        self.rod_rising = np.ones(len(self.rod_axes), dtype=np.bool_)
        self.rod_v = math.pi * (adcs.rod_diameter_m / 2) ** 2 * adcs.rod_length_m
        self.rod_bs_t, self.rod_br_t, self.rod_hc_a_m = adcs.rod_bs_t, adcs.rod_br_t, adcs.rod_hc_a_m
        x, y, z = spacecraft.size_m
        self.face_areas = np.array([y * z, y * z, x * z, x * z, x * y, x * y])
        self.cd = spacecraft.drag_coefficient
        self.com = np.array(adcs.com_offset_m, dtype=float)
        self.plates = appendage_plates(spacecraft)
        self.gg_on = gravity_gradient
        self.aero = aero
        self.steps = 0
        self._libration: tuple | None = None
        """(the field grid, magnet and inertia it was computed for, their ``libration_step``)"""

    def advance(self, t0, t_end, grid_t0, grid_dt, b_grid, r_grid, v_grid, rho_grid, out_t):
        """Integrate from t0 to t_end; return (q (n, 4), w (n, 3)) at out_t."""
        n = len(out_t)
        out_q = np.empty((n, 4))
        out_w = np.empty((n, 3))
        rho = rho_grid if self.aero else np.zeros_like(rho_grid)
        b_grid = np.ascontiguousarray(b_grid)
        lib = self._libration  # the twin hands the same grid (never changed) for an hour
        if lib is None or lib[0] is not b_grid or lib[1] is not self.m_bar or lib[2] is not self.inertia:
            step = libration_step(b_grid, self.m_bar, self.inertia, MAX_STEP_S)
            self._libration = lib = (b_grid, self.m_bar, self.inertia, step)
        q, w = self.q.copy(), self.w.copy()  # new arrays, as before: a holder of the old keeps it
        self.steps += integrate(
            t0, q, w, self.rod_h, self.rod_rising, grid_t0, grid_dt,
            b_grid, np.ascontiguousarray(r_grid), np.ascontiguousarray(v_grid),
            np.ascontiguousarray(rho), t_end, np.asarray(out_t, dtype=float), out_q, out_w,
            self.inertia, self.m_bar, self.rod_axes, self.rod_v, self.rod_bs_t, self.rod_br_t,
            self.rod_hc_a_m, self.face_areas, self.cd, self.com, self.gg_on, MAX_STEP_S, self.plates,
            lib[3],
        )  # fmt: skip
        self.q, self.w = q, w
        return out_q, out_w

    def body_rate_deg_s(self) -> float:
        return float(np.degrees(np.linalg.norm(self.w)))


def torque_free_run(inertia, q0, w0, duration_s: float, step_s: float = 1.0):
    """Integrate with every torque off; returns (t, q, w) sampled every 10 s, for validation."""
    out_t = np.arange(0.0, duration_s + 1e-9, 10.0)
    out_q = np.empty((len(out_t), 4))
    out_w = np.empty((len(out_t), 3))
    z = np.zeros((2, 3))
    run(
        0.0, np.asarray(q0, float), np.asarray(w0, float), np.zeros(0), np.zeros(0, dtype=np.bool_),
        0.0, duration_s, z, z, z, np.zeros(2), duration_s, out_t, out_q, out_w,
        np.asarray(inertia, float), np.zeros(3), np.zeros((0, 3)), 0.0, ROD_BS_T, ROD_BR_T,
        ROD_HC_A_M, np.zeros(6), 0.0, np.zeros(3), False, step_s,
    )  # fmt: skip
    return out_t, out_q, out_w

"""The compiled core of the Cowell propagator (``propagator``): the force model and the
Dormand-Prince 5(4) integrator, compiled with numba.

Forces in TEME taken as inertial: point mass and the zonal harmonics J2, J3, J4 (EGM2008,
Vallado 2013, sec. 8.7.1), drag -1/2 rho Cd A/m |v_rel| v_rel in the co-rotating air with the
density, its scale height and Cd A/m interpolated in a table along the path (the log density
and the reference radius by a Catmull-Rom cubic in time, the rest linear), and solar radiation
pressure with the Sun and the lit fraction of its disc from the same table.
The integrator stores every accepted step; ``propagator`` builds the tables and interpolates the
steps. The kernels work on scalars into buffers they reuse: no array is allocated per force
evaluation (each element is computed by the operations, in the order, of the array code they
replaced, so the numbers are the same).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from picodragon.physics.constants import AU, J2, J3, J4, MU_EARTH, OMEGA_EARTH, R_EARTH

SRP_PRESSURE = 4.56e-6
"""Solar radiation pressure at 1 AU on an absorbing surface, N/m^2 (1361 W/m^2 / c)."""

@njit(cache=True)
def _gravity3(x, y, z):  # pragma: no cover - compiled
    """Point mass + J2, J3, J4 acceleration (m/s^2) at TEME position (x, y, z) (m), as a tuple."""
    r2 = x * x + y * y + z * z
    rn = math.sqrt(r2)
    zr2 = z * z / r2
    mu_r3 = MU_EARTH / (r2 * rn)
    ax = -mu_r3 * x
    ay = -mu_r3 * y
    az = -mu_r3 * z
    # J2
    k2 = -1.5 * J2 * MU_EARTH * R_EARTH**2 / (r2 * r2 * rn)
    ax += k2 * x * (1.0 - 5.0 * zr2)
    ay += k2 * y * (1.0 - 5.0 * zr2)
    az += k2 * z * (3.0 - 5.0 * zr2)
    # J3
    k3 = -2.5 * J3 * MU_EARTH * R_EARTH**3 / (r2 * r2 * r2 * rn)
    ax += k3 * x * (3.0 * z - 7.0 * z * zr2)
    ay += k3 * y * (3.0 * z - 7.0 * z * zr2)
    az += k3 * (6.0 * z * z - 7.0 * z * z * zr2 - 0.6 * r2)
    # J4
    k4 = 1.875 * J4 * MU_EARTH * R_EARTH**4 / (r2 * r2 * r2 * rn)
    ax += k4 * x * (1.0 - 14.0 * zr2 + 21.0 * zr2 * zr2)
    ay += k4 * y * (1.0 - 14.0 * zr2 + 21.0 * zr2 * zr2)
    az += k4 * z * (5.0 - 70.0 / 3.0 * zr2 + 21.0 * zr2 * zr2)
    return ax, ay, az


@njit(cache=True)
def gravity(r):  # pragma: no cover - compiled
    """Point mass + J2, J3, J4 acceleration (m/s^2) at TEME position r (m)."""
    a = np.empty(3)
    a[0], a[1], a[2] = _gravity3(r[0], r[1], r[2])
    return a


@njit(cache=True)
def _catmull_rom(p0, p1, p2, p3, s):  # pragma: no cover - compiled
    """The Catmull-Rom cubic through p1 (s = 0) and p2 (s = 1), with slopes from p0 and p3."""
    return p1 + 0.5 * s * (p2 - p0 + s * (2.0 * p0 - 5.0 * p1 + 4.0 * p2 - p3
                                          + s * (3.0 * (p1 - p2) + p3 - p0)))


@njit(cache=True)
def _deriv(t, y, out, bcs, srp, tab_t0, tab_dt, logrho, rref, invh, sun, illum):  # pragma: no cover
    """dy/dt into ``out`` (6,): velocity, then gravity, drag and SRP, on scalars into a buffer
    the integrator reuses (no array allocated per evaluation); the operations and their order
    are those of the array code it replaced: the same numbers."""
    x, yy, z = y[0], y[1], y[2]
    ax, ay, az = _gravity3(x, yy, z)
    rn = math.sqrt(x**2 + yy**2 + z**2)
    # table interpolation (clamped; linear weights, and a cubic for log rho and r ref below)
    m = logrho.shape[0]
    f = (t - tab_t0) / tab_dt
    if f < 0.0:
        f = 0.0
    if f > m - 1:
        f = m - 1.0
    i = int(f)
    if i >= m - 1:
        i = m - 2 if m > 1 else 0
    w = f - i if m > 1 else 0.0
    j = i + 1 if m > 1 else i
    if i >= 1 and i + 2 < m:
        # log density and reference radius: Catmull-Rom cubic through the four nearest nodes.
        # Linear interpolation of log rho is biased low where the diurnal bulge curves it: over a
        # day of the reference orbit the path-mean density came out 8e-5 low on a 60 s grid and
        # 3e-4 on 120 s (lives 16 min too long on 60 s), the cubic's 3e-6 on 120 s
        lr = _catmull_rom(logrho[i - 1], logrho[i], logrho[j], logrho[i + 2], w)
        rr = _catmull_rom(rref[i - 1], rref[i], rref[j], rref[i + 2], w)
    else:  # the first and last interval of a table: linear
        lr = logrho[i] * (1 - w) + logrho[j] * w
        rr = rref[i] * (1 - w) + rref[j] * w
    ih = invh[i] * (1 - w) + invh[j] * w
    bc = bcs[i] * (1 - w) + bcs[j] * w
    rho = math.exp(lr - (rn - rr) * ih)
    vx, vy, vz = y[3], y[4], y[5]
    vrx = vx + OMEGA_EARTH * yy
    vry = vy - OMEGA_EARTH * x
    vrz = vz
    vr = math.sqrt(vrx * vrx + vry * vry + vrz * vrz)
    k = -0.5 * rho * bc * vr
    ax += k * vrx
    ay += k * vry
    az += k * vrz
    if srp > 0.0:
        sx = sun[i, 0] * (1 - w) + sun[j, 0] * w
        sy = sun[i, 1] * (1 - w) + sun[j, 1] * w
        sz = sun[i, 2] * (1 - w) + sun[j, 2] * w
        nu = illum[i] * (1 - w) + illum[j] * w
        dx, dy, dz = sx - x, sy - yy, sz - z
        d = math.sqrt(dx * dx + dy * dy + dz * dz)
        ks = -SRP_PRESSURE * (AU / d) ** 2 * srp * nu / d
        ax += ks * dx
        ay += ks * dy
        az += ks * dz
    out[0] = vx
    out[1] = vy
    out[2] = vz
    out[3] = ax
    out[4] = ay
    out[5] = az


@njit(cache=True)
def dopri5(t0, y0, t1, h0, hmax, rtol, atol_r, atol_v, bcs, srp, tab_t0, tab_dt, logrho, rref,
           invh, sun, illum, r_stop, out_t, out_y):  # pragma: no cover - compiled
    """Integrate from t0 to t1, storing every accepted step. Returns (n stored, status, last h, evals).

    status 0: reached t1; 1: radius fell below r_stop; 2: out of storage.
    """
    c2, c3, c4, c5 = 1 / 5, 3 / 10, 4 / 5, 8 / 9
    a21 = 1 / 5
    a31, a32 = 3 / 40, 9 / 40
    a41, a42, a43 = 44 / 45, -56 / 15, 32 / 9
    a51, a52, a53, a54 = 19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729
    a61, a62, a63, a64, a65 = 9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656
    b1, b3, b4, b5, b6 = 35 / 384, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84
    e1, e3, e4, e5, e6, e7 = 71 / 57600, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40
    args = (bcs, srp, tab_t0, tab_dt, logrho, rref, invh, sun, illum)
    t = t0
    y = y0.copy()
    h = min(h0, hmax, t1 - t0)
    n = 0
    out_t[0] = t
    out_y[0] = y
    n = 1
    # stage buffers reused for every step; each stage state is the array expression it replaced
    # (y + h * (a31 * k1 + a32 * k2), ...) written element by element in the same order
    k1, k2, k3, k4 = np.empty(6), np.empty(6), np.empty(6), np.empty(6)
    k5, k6, k7 = np.empty(6), np.empty(6), np.empty(6)
    ys, ynew = np.empty(6), np.empty(6)
    _deriv(t, y, k1, *args)
    evals = 1
    cap = out_t.shape[0]
    while t < t1:
        if t + h > t1:
            h = t1 - t
        for q in range(6):
            ys[q] = y[q] + h * a21 * k1[q]
        _deriv(t + c2 * h, ys, k2, *args)
        for q in range(6):
            ys[q] = y[q] + h * (a31 * k1[q] + a32 * k2[q])
        _deriv(t + c3 * h, ys, k3, *args)
        for q in range(6):
            ys[q] = y[q] + h * (a41 * k1[q] + a42 * k2[q] + a43 * k3[q])
        _deriv(t + c4 * h, ys, k4, *args)
        for q in range(6):
            ys[q] = y[q] + h * (a51 * k1[q] + a52 * k2[q] + a53 * k3[q] + a54 * k4[q])
        _deriv(t + c5 * h, ys, k5, *args)
        for q in range(6):
            ys[q] = y[q] + h * (a61 * k1[q] + a62 * k2[q] + a63 * k3[q] + a64 * k4[q] + a65 * k5[q])
        _deriv(t + h, ys, k6, *args)
        for q in range(6):
            ynew[q] = y[q] + h * (b1 * k1[q] + b3 * k3[q] + b4 * k4[q] + b5 * k5[q] + b6 * k6[q])
        _deriv(t + h, ynew, k7, *args)
        evals += 6
        en = 0.0
        for q in range(6):
            err = h * (e1 * k1[q] + e3 * k3[q] + e4 * k4[q] + e5 * k5[q] + e6 * k6[q] + e7 * k7[q])
            tol = (atol_r if q < 3 else atol_v) + rtol * max(abs(y[q]), abs(ynew[q]))
            en = max(en, abs(err) / tol)
        if en <= 1.0:
            t = t + h
            y, ynew = ynew, y
            k1, k7 = k7, k1
            if n >= cap:
                return n, 2, h, evals
            out_t[n] = t
            out_y[n] = y
            n += 1
            if math.sqrt(y[0] ** 2 + y[1] ** 2 + y[2] ** 2) < r_stop:
                return n, 1, h, evals
        fac = 0.9 * (1.0 / max(en, 1e-10)) ** 0.2
        fac = min(5.0, max(0.2, fac))
        h = min(h * fac, hmax)
    return n, 0, h, evals

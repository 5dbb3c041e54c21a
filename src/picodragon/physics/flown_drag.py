"""Sentman's C_D A of the spacecraft as its attitude flies it, for the twin's orbit.

Why: the propagator's Sentman mode (``propagator``, ``cd_model='sentman'``) assumes a uniform
tumble (the sphere's Cd on a quarter of the surface); the twin knows its attitude, so it can give
each face its own flow incidence. The drag of the box then follows how the passive magnetic
attitude actually presents its faces to the air.

What: ``FlownDrag`` collects, from the twin's attitude steps, the direction of the air's flow in
the body frame (the co-rotating atmosphere's velocity relative to the spacecraft, v_air = -(v -
omega x r), rotated into body axes by the attitude quaternion). A face pair (and a deployable wing,
a thin plate with two sides) along a body axis has Sentman's C(c) + C(-c) per unit area
(``gas_surface.plate_cd``), c the flow's cosine on the axis, which depends on |c| only; so each
window of 6 h (the span the twin's fixed-Cd drag area also averages, ``Twin._drag_area``) is kept
as the time-weighted distribution of |c| on each axis (hat-function weights on 1025 nodes, summed
as the steps come: no list of samples), and at its end the mean C_D A over the window is that
distribution against the pair's coefficient tabulated once on the nodes x speed ratios. The
plate's coefficient is linear in the re-emission ratio v_re / V, so two tables (ratio 0, and the
slope) give it for any accommodation; the propagator then asks ``cda(s, ratio)`` for every species
on its density grid (``gas_surface.mixture_cd`` mixes them) and gets C_D A in m^2 at the grid's
own composition, temperature and Pilinski accommodation.

Assumptions: the appendages (thin antennas) keep their tumbling mean C_D A (a quarter of their
surface times the sphere's Cd, ``gas_surface.tumbling_cd``): the attitude loop projects only the
box and its wings, as for the fixed Cd. No shadowing between faces (a convex box shadows none;
wings and antennas neglected, as in ``gas_surface``). Numerics: linear in |c| (1025 nodes) and a
cubic spline in log S through 96 nodes from S = 0.2 to 60 (light species at 2000 K to heavy ones
at 300 K and any speed a low orbit gives); the result matches the direct sum over the samples
to better than 2e-5 (tests/physics/test_flown_drag.py).
"""

from __future__ import annotations

import functools
import math

import numpy as np
from numba import njit
from scipy.interpolate import CubicSpline

from picodragon.config.models import Spacecraft
from picodragon.physics.attitude import quat_matrix, quats_to_matrices
from picodragon.physics.constants import OMEGA_EARTH
from picodragon.physics.gas_surface import plate_cd, tumbling_cd
from picodragon.physics.power import panel_arrays

WINDOW_S = 21600.0
"""Span over which the flow directions are averaged, s (as the twin's fixed-Cd drag area)."""

C_NODES = np.linspace(0.0, 1.0, 1025)
"""Nodes of |cos| between the flow and a body axis (see the module docstring)."""

S_NODES = np.geomspace(0.2, 60.0, 96)
"""Speed-ratio nodes of the table (see the module docstring)."""

PENDING_ROWS = 4096
"""Rows the window's pending samples start with (a 6 h window in 10 s steps has 2160; they
double when more come)."""


@functools.cache
def pair_table() -> tuple[np.ndarray, np.ndarray]:
    """Sentman's C(c) + C(-c) of a plate's two sides per unit area on C_NODES x S_NODES: at
    re-emission ratio 0, and its slope in the ratio (computed once, about 0.4 M plate values)."""
    c = C_NODES[:, None]
    s = S_NODES[None, :]
    h0 = plate_cd(c, s, 0.0) + plate_cd(-c, s, 0.0)
    return h0, plate_cd(c, s, 1.0) + plate_cd(-c, s, 1.0) - h0


def flow_body(q, r_teme, v_teme) -> np.ndarray:
    """Unit directions (n, 3) of the air's velocity relative to the body, in body axes.

    q: (n, 4) body -> inertial quaternions (scalar first, as ``attitude``); r_teme, v_teme: (n, 3)
    position (m) and velocity (m/s). The atmosphere co-rotates with the Earth (as the propagator's
    drag): v_air = omega x r - v."""
    r = np.asarray(r_teme, dtype=float)
    v = np.asarray(v_teme, dtype=float)
    air = np.column_stack([-OMEGA_EARTH * r[:, 1], OMEGA_EARTH * r[:, 0], np.zeros(len(r))]) - v
    air /= np.linalg.norm(air, axis=1)[:, None]
    # body = M^T inertial, M body -> inertial
    return np.einsum("nji,nj->ni", quats_to_matrices(np.asarray(q, dtype=float)), air)


def axis_areas(spacecraft: Spacecraft) -> np.ndarray:
    """Area facing each body axis X, Y, Z (m^2): one box face plus the deployable wings along it
    (each counted on both its sides by the plate pair)."""
    x, y, z = spacecraft.size_m
    wings = panel_arrays(spacecraft.power)[2] if spacecraft.power is not None else np.zeros(3)
    return np.array([y * z, x * z, x * y]) + wings


def cos_weights(flows, weights=None) -> np.ndarray:
    """(3, len(C_NODES)): the flows' |cos| on each body axis as hat-function weights on C_NODES,
    each flow counting its weight (1 unless given)."""
    u = np.abs(np.atleast_2d(np.asarray(flows, dtype=float)))
    w = np.ones(len(u)) if weights is None else np.broadcast_to(np.asarray(weights, float), (len(u),))
    n = len(C_NODES)
    x = np.clip(u, 0.0, 1.0) * (n - 1)
    i = np.minimum(x.astype(int), n - 2)
    f = x - i
    offset = np.arange(3) * n  # one bincount for the three axes
    lo = np.bincount((i + offset).ravel(), (w[:, None] * (1.0 - f)).ravel(), 3 * n)
    hi = np.bincount((i + 1 + offset).ravel(), (w[:, None] * f).ravel(), 3 * n)
    return (lo + hi).reshape(3, n)


def shape_table(flows, areas, weights=None) -> tuple[np.ndarray, np.ndarray]:
    """(a, b) on S_NODES: the weighted mean over the flow directions (k, 3) of sum_axis A (C(-c) +
    C(c)), Sentman's plate at re-emission ratio 0 (a) and its slope in the ratio (b), so that the
    body's C_D A = a(S) + ratio b(S) (m^2)."""
    return table_of(cos_weights(flows, weights), areas)


def table_of(cos_w, areas) -> tuple[np.ndarray, np.ndarray]:
    """(a, b) on S_NODES from the |cos| weights of ``cos_weights`` (normalised here)."""
    h0, h1 = pair_table()
    per_node = np.asarray(areas, dtype=float) @ cos_w / cos_w[0].sum()
    return per_node @ h0, per_node @ h1


class FlownDrag:
    """The twin's flow samples and the C_D A table of its last full window (module docstring)."""

    def __init__(self, spacecraft: Spacecraft, window_s: float = WINDOW_S) -> None:
        self.areas = axis_areas(spacecraft)
        self.appendage_area_m2 = spacecraft.appendage_area_m2
        self.window_s = window_s
        self._weights = np.zeros((3, len(C_NODES)))
        self._t = np.empty(PENDING_ROWS)
        self._q = np.empty((PENDING_ROWS, 4))
        """the window's samples not yet weighted: times, attitudes"""
        self._runs: list[tuple[float, int]] = []
        """(s each sample stands for, samples) of each ``add_rows``, in order"""
        self._used = 0
        self._groups: list[tuple] = []
        """(first row, c_t0, c_dt, c_r, c_v): the pending rows from each on read one cache"""
        self._span = 0.0
        self.table: tuple[np.ndarray, np.ndarray] | None = None
        """(a, b) on S_NODES of the last full window; None before one (the tumbling body)."""
        self.window_span_s = 0.0
        """Seconds of attitude the table stands for."""
        self._spline: CubicSpline | None = None

    def add(self, t_mid, q_mid, dt: float, c_t0: float, c_dt: float, c_r, c_v) -> None:
        """Samples of one twin step span: attitude q_mid at times t_mid, each standing for dt s;
        position and velocity linear between the twin's cache nodes (c_t0 + c_dt k).

        The samples wait (copied into the window's rows, grouped by the cache they read) until
        the window is full, then go through the flow and its |cos| weights in one compiled pass
        per cache: per twin step this costs a copy of a few rows, not a dozen small numpy calls."""
        t_mid = np.array(t_mid, dtype=float, ndmin=1)
        n = len(t_mid)
        t_rows, q_rows = self.rows(n)
        t_rows[:] = t_mid
        q_rows[:] = q_mid[:n]
        self.add_rows(n, dt, c_t0, c_dt, c_r, c_v)

    def rows(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """The window's next n rows of times (n,) and attitudes (n, 4), to be written by the
        caller and then counted by ``add_rows(n, ...)``: the twin's compiled step writes its
        samples straight into them (no arrays of its own, no joining at the window's end)."""
        used = self._used
        if used + n > len(self._t):
            size = max(2 * len(self._t), used + n)
            self._t = np.concatenate([self._t[:used], np.empty(size - used)])
            self._q = np.concatenate([self._q[:used], np.empty((size - used, 4))])
        return self._t[used : used + n], self._q[used : used + n]

    def add_rows(self, n: int, dt: float, c_t0: float, c_dt: float, c_r, c_v) -> None:
        """Count the n rows written into ``rows(n)``'s arrays as samples (``add``'s)."""
        groups = self._groups
        group = groups[-1] if groups else None
        if group is None or group[3] is not c_r or group[1] != c_t0 or group[2] != c_dt:
            groups.append((self._used, c_t0, c_dt, c_r, c_v))
        self._runs.append((dt, n))
        self._used += n
        self._span += dt * n
        if self._span >= self.window_s:
            self._flush()
            self.set_table(table_of(self._weights, self.areas))
            self.window_span_s = self._span
            self._weights = np.zeros_like(self._weights)
            self._span = 0.0

    def _flush(self) -> None:
        """The pending samples into the window's |cos| weights (one compiled pass per cache they
        read: ``_flow_weights``, what ``cos_weights(flow_body(...))`` gives, to the bit)."""
        n = len(C_NODES)
        groups = self._groups
        ends = [g[0] for g in groups[1:]] + [self._used]
        dts, counts = zip(*self._runs, strict=True)
        wts = np.repeat(np.array(dts, dtype=float), counts)
        for (a, c_t0, c_dt, c_r, c_v), b in zip(groups, ends, strict=True):
            lo, hi = np.zeros(3 * n), np.zeros(3 * n)
            _flow_weights(self._t[a:b], self._q[a:b], wts[a:b], c_t0, c_dt,
                          np.ascontiguousarray(c_r), np.ascontiguousarray(c_v), lo, hi)
            self._weights += (lo + hi).reshape(3, n)
        self._groups = []
        self._runs = []
        self._used = 0

    def set_table(self, table: tuple[np.ndarray, np.ndarray]) -> None:
        """Fly the (a, b) table on S_NODES from now on (``shape_table``)."""
        self.table = table
        self._spline = CubicSpline(np.log(S_NODES), np.column_stack(table))

    def cda(self, s, ratio) -> np.ndarray | None:
        """C_D A (m^2) at speed ratios s and re-emission ratios v_re / V (arrays alike), the
        appendages' tumbling share included; None before the first full window."""
        if self._spline is None:
            return None
        ab = self._spline(np.log(np.clip(s, S_NODES[0], S_NODES[-1])))
        box = ab[..., 0] + np.asarray(ratio) * ab[..., 1]
        return box + self.appendage_area_m2 * tumbling_cd(s, ratio)


@njit(cache=True)
def _flow_weights(t_mid, q, wts, c_t0, c_dt, c_r, c_v, lo, hi):  # pragma: no cover - compiled
    """``cos_weights(flow_body(q, r, v), wts)`` for samples at t_mid, r and v linear between the
    cache nodes c_t0 + c_dt k (as ``FlownDrag._flush`` interpolated them), accumulated into lo
    and hi (3 x len(C_NODES) each, zeros: the hat functions' lower and upper nodes, whose sum is
    ``cos_weights``'s).

    Why compiled: the numpy passes (interpolation, the stacked matrices, einsum, two bincounts)
    cost 0.75 ms per 6 h window. Each number is computed by the operations, in the order, numpy
    used (the norm's squares summed left to right, einsum's three products likewise, each bin's
    weights in the samples' order), so the weights are the same to the bit (tested)."""
    m = c_r.shape[0]
    nn = lo.shape[0] // 3
    top = m - 1.000001
    for k in range(t_mid.shape[0]):
        f = min(max((t_mid[k] - c_t0) / c_dt, 0.0), top)
        i = int(f)
        w = f - i
        r0 = c_r[i, 0] * (1.0 - w) + c_r[i + 1, 0] * w
        r1 = c_r[i, 1] * (1.0 - w) + c_r[i + 1, 1] * w
        v0 = c_v[i, 0] * (1.0 - w) + c_v[i + 1, 0] * w
        v1 = c_v[i, 1] * (1.0 - w) + c_v[i + 1, 1] * w
        v2 = c_v[i, 2] * (1.0 - w) + c_v[i + 1, 2] * w
        # the co-rotating air relative to the spacecraft, unit (flow_body)
        a0 = -OMEGA_EARTH * r1 - v0
        a1 = OMEGA_EARTH * r0 - v1
        a2 = 0.0 - v2
        norm = math.sqrt((a0 * a0 + a1 * a1) + a2 * a2)
        a0 /= norm
        a1 /= norm
        a2 /= norm
        # body -> inertial matrix; the flow in body axes is its transpose's
        m00, m01, m02, m10, m11, m12, m20, m21, m22 = quat_matrix(q[k, 0], q[k, 1], q[k, 2], q[k, 3])
        wt = wts[k]
        for ax in range(3):
            if ax == 0:
                u = (m00 * a0 + m10 * a1) + m20 * a2
            elif ax == 1:
                u = (m01 * a0 + m11 * a1) + m21 * a2
            else:
                u = (m02 * a0 + m12 * a1) + m22 * a2
            x = min(max(abs(u), 0.0), 1.0) * (nn - 1)
            j = min(int(x), nn - 2)
            fr = x - j
            lo[ax * nn + j] += wt * (1.0 - fr)
            hi[ax * nn + j + 1] += wt * fr

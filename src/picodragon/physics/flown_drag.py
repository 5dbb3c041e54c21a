"""Sentman's C_D A of the spacecraft as its attitude flies it, for the twin's orbit.

Why: the propagator's Sentman mode (``propagator``, ``cd_model='sentman'``) assumes a uniform
tumble (the sphere's Cd on a quarter of the surface); the twin knows its attitude, so it can give
each face its own flow incidence. The drag of the box then follows how the passive magnetic
attitude actually presents its faces to the air.

What: ``FlownDrag`` collects, from the twin's attitude steps, the direction of the air's flow in
the body frame (the co-rotating atmosphere's velocity relative to the spacecraft, v_air = -(v -
omega x r), rotated into body axes by the attitude quaternion). Over each 6 h window (the span the
twin's fixed-Cd drag area also averages, ``Twin._drag_area``) it tabulates, on fixed speed-ratio
nodes, the window's mean over the samples of sum over faces of A_f (C(gamma_f) + C(-gamma_f)):
each box face pair and each deployable wing (a thin plate, both sides) with Sentman's flat plate
(``gas_surface.plate_cd``). The plate's coefficient is linear in the re-emission ratio v_re / V,
so two tables (at ratio 0 and the slope) give it for any accommodation; the propagator then asks
``cda(s, ratio)`` for every species on its density grid (``gas_surface.mixture_cd`` mixes them)
and gets C_D A in m^2 at the grid's own composition, temperature and Pilinski accommodation.

Assumptions: the appendages (thin antennas) keep their tumbling mean C_D A (a quarter of their
surface times the sphere's Cd, ``gas_surface.tumbling_cd``): the attitude loop projects only the
box and its wings, as for the fixed Cd. No shadowing between faces (a convex box shadows none;
wings and antennas neglected, as in ``gas_surface``). The table is a cubic spline in log S through 96
nodes from S = 0.2 to 60 (light species at 2000 K to heavy ones at 300 K and any speed a low
orbit gives); it matches the direct sum to better than 2e-5 (tests/physics/test_flown_drag.py).
"""

from __future__ import annotations

import numpy as np
from scipy.interpolate import CubicSpline

from picodragon.config.models import Spacecraft
from picodragon.physics.attitude import quats_to_matrices
from picodragon.physics.constants import OMEGA_EARTH
from picodragon.physics.gas_surface import plate_cd, tumbling_cd
from picodragon.physics.power import panel_arrays

WINDOW_S = 21600.0
"""Span over which the flow directions are averaged, s (as the twin's fixed-Cd drag area)."""

MAX_SAMPLES = 2160
"""Flow samples kept per window (time-uniform: one every 10 s over 6 h, the twin's step)."""

S_NODES = np.geomspace(0.2, 60.0, 96)
"""Speed-ratio nodes of the table (see the module docstring)."""


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
    (each counted on both its sides by the plate sum)."""
    x, y, z = spacecraft.size_m
    wings = panel_arrays(spacecraft.power)[2] if spacecraft.power is not None else np.zeros(3)
    return np.array([y * z, x * z, x * y]) + wings


def shape_table(flows, areas, s_nodes=S_NODES) -> tuple[np.ndarray, np.ndarray]:
    """(a, b) on s_nodes: mean over the flow directions (k, 3) of sum_axis A (C(-u) + C(u)) with
    Sentman's plate at re-emission ratio 0 (a) and its slope in the ratio (b), so that the body's
    C_D A = a(S) + ratio b(S) (m^2)."""
    u = np.asarray(flows, dtype=float)[None, :, :]
    s = np.asarray(s_nodes, dtype=float)[:, None, None]
    c0 = plate_cd(-u, s, 0.0) + plate_cd(u, s, 0.0)
    c1 = plate_cd(-u, s, 1.0) + plate_cd(u, s, 1.0)
    a = (c0 @ areas).mean(axis=1)
    return a, (c1 @ areas).mean(axis=1) - a


class FlownDrag:
    """The twin's flow samples and the C_D A table of its last full window (module docstring)."""

    def __init__(self, spacecraft: Spacecraft, window_s: float = WINDOW_S) -> None:
        self.areas = axis_areas(spacecraft)
        self.appendage_area_m2 = spacecraft.appendage_area_m2
        self.window_s = window_s
        self._flows: list[np.ndarray] = []
        self._times: list[np.ndarray] = []
        self._span = 0.0
        self.table: tuple[np.ndarray, np.ndarray] | None = None
        """(a, b) on S_NODES of the last full window; None before one (the tumbling body)."""
        self._spline: CubicSpline | None = None
        self.mean_flows: np.ndarray | None = None
        """The last full window's flow samples (k, 3), body axes."""

    def add(self, t_mid, q_mid, dt: float, c_t0: float, c_dt: float, c_r, c_v) -> None:
        """Samples of one twin step span: attitude q_mid at times t_mid, each standing for dt s;
        position and velocity linear between the twin's cache nodes (c_t0 + c_dt k)."""
        t_mid = np.asarray(t_mid, dtype=float)
        f = np.clip((t_mid - c_t0) / c_dt, 0.0, len(c_r) - 1.000001)
        i = f.astype(int)
        w = (f - i)[:, None]
        r = c_r[i] * (1.0 - w) + c_r[i + 1] * w
        v = c_v[i] * (1.0 - w) + c_v[i + 1] * w
        self._flows.append(flow_body(q_mid[: len(t_mid)], r, v))
        self._times.append(np.full(len(t_mid), dt))
        self._span += dt * len(t_mid)
        if self._span >= self.window_s:
            self._close()

    def _close(self) -> None:
        flows = np.concatenate(self._flows)
        weight = np.concatenate(self._times)
        if len(flows) > MAX_SAMPLES:  # time-uniform resampling (steps may be shorter than 10 s)
            edges = np.cumsum(weight) - 0.5 * weight
            pick = np.searchsorted(edges, (np.arange(MAX_SAMPLES) + 0.5) * edges[-1] / MAX_SAMPLES)
            flows = flows[np.minimum(pick, len(flows) - 1)]
        self.mean_flows = flows
        self.set_table(shape_table(flows, self.areas))
        self._flows, self._times, self._span = [], [], 0.0

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

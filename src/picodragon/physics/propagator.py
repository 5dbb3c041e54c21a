"""Numerical orbit propagation (Cowell) with zonal gravity J2-J4, NRLMSIS drag and SRP.

Equations of motion in TEME taken as inertial (precession over a three-month mission moves the
pole by 0.003 deg): point mass, zonal harmonics J2, J3, J4 (EGM2008 values, Vallado 2013, sec.
8.7.1 for the closed forms), drag a = -1/2 rho (Cd A / m) |v_rel| v_rel with the atmosphere
co-rotating with the Earth (v_rel = v - omega x r), solar radiation pressure
a = -P (AU/d)^2 Cr (A/m) nu s_hat with P = 4.56e-6 N/m^2, Cr = 1.3 (a named 1U assumption) and nu
the visible fraction of the solar disc.

Integrator: Dormand-Prince 5(4) with adaptive step (Dormand & Prince 1980; Hairer, Norsett &
Wanner, Solving ODEs I, II.5), compiled with numba (``cowell``), steps capped at
``max_step_s`` so that the stored steps can be interpolated by cubic Hermite polynomials to
centimetres.

Density along the path: the propagation advances in chunks (6 h, shorter low down). A predictor
pass with the previous chunk's mean density gives the path; the atmosphere (``atmosphere``:
NRLMSIS 2.1 unless told, or NRLMSISE-00) is evaluated along it on a 120 s grid (one vectorised
call per chunk, at the geodetic altitude and 1 km above for the local scale height H); the
corrector pass integrates with rho(t, r) = k rho_k(t) exp(-(|r| - r_k(t)) / H_k(t)) (log rho_k
and r_k by a cubic in time between the samples, ``cowell``, H_k linear), so the
density follows the real altitude and the diurnal bulge, latitude and daily solar/geomagnetic
activity. The density factor k (``density_scale``) multiplies the density only: H is the model's
own, whatever k (a factor applied to the first of the two samples alone would add ln(k) / 1 km to
1/H: 55 km would become 3 km at k = 1.36, which made lives with k > 1 too long). The predictor's along-track error over a chunk (tens of metres)
moves the sample points negligibly.

Drag coefficient (``cd_model``): 'fixed' (the configured Cd, the default) or 'sentman': on the
same grid, from the atmosphere's own composition and temperature (the same pymsis call) and
the speed relative to the co-rotating air, Sentman's free-molecular Cd of a tumbling convex body
mixed over species, with the energy accommodation of Pilinski et al. 2010 (atomic-oxygen
adsorption) or a fixed ``accommodation`` (``gas_surface``). Cd A / m enters the compiled loop as
a table on the grid, interpolated like the density (no per-step Python). ``body_cda(s, ratio)``,
when given, replaces the tumbling body's coefficients by a body's own C_D A per species (m^2, or
None while it has none): the twin's attitude as flown (``flown_drag``); the Cd logged is then
that C_D A over the chunk's area.

Re-entry: the first time the geodetic altitude falls below 120 km (``constants.REENTRY_ALTITUDE``).
The drag area is the tumbling mean cross-section (a quarter of the surface) unless an
``area_fn(t0, t1)`` supplies the attitude's mean projected area for each chunk (the twin does:
the mean projected area against the flow over its last 6 h of attitude).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from picodragon.physics.atmosphere import (
    DEFAULT_ATMOSPHERE,
    check_atmosphere,
    composition,
    density,
    msis,
)
from picodragon.physics.constants import OMEGA_EARTH, R_EARTH, REENTRY_ALTITUDE
from picodragon.physics.cowell import SRP_PRESSURE, dopri5, gravity  # noqa: F401 (re-exported)
from picodragon.physics.gas_surface import mixture_cd, tumbling_cd
from picodragon.physics.orbit import geodetic
from picodragon.physics.sun import illumination, sun_position
from picodragon.physics.timebase import teme_to_ecef

CD_MODELS = ("fixed", "sentman")
"""Drag coefficient models: the configured constant, or Sentman's along the path (gas_surface)."""

DENSITY_GRID_S = 120.0
"""Spacing of the atmosphere's evaluations along the path (s). With the log density interpolated
by a cubic (``cowell``) the reference lifetime (tumbling, Sentman, no attitude) re-enters within
2 min of its converged value on 120 s (15, 30, 60, 120, 180 s: 0, -9, -44, -94, +49 s); the
linear interpolation it replaced was 16 min late on the 60 s grid it needed, at twice the
NRLMSIS calls (the atmosphere is most of a lifetime's propagation cost)."""

SRP_CR = 1.3
"""Radiation pressure coefficient of a 1U with cells and anodised rails: named assumption."""


def hermite(t_nodes, y_nodes, t):
    """Cubic Hermite interpolation of (r, v) stored at nodes; t inside [t_nodes[0], t_nodes[-1]]."""
    t = np.asarray(t, dtype=float)
    i = np.clip(np.searchsorted(t_nodes, t, side="right") - 1, 0, len(t_nodes) - 2)
    h = (t_nodes[i + 1] - t_nodes[i])[:, None]
    s = ((t - t_nodes[i]) / h[:, 0])[:, None]
    y0, y1 = y_nodes.take(i, axis=0), y_nodes.take(i + 1, axis=0)  # whole rows: one gather each
    r0, v0 = y0[:, :3], y0[:, 3:]
    r1, v1 = y1[:, :3], y1[:, 3:]
    s2, s3 = s**2, s**3  # each power once (the same numbers as computing it in every term)
    h00 = 2 * s3 - 3 * s2 + 1
    h10 = s3 - 2 * s2 + s
    h01 = -2 * s3 + 3 * s2
    h11 = s3 - s2
    r = h00 * r0 + h10 * h * v0 + h01 * r1 + h11 * h * v1
    d00 = (6 * s2 - 6 * s) / h
    d10 = 3 * s2 - 4 * s + 1
    d01 = (-6 * s2 + 6 * s) / h
    d11 = 3 * s2 - 2 * s
    v = d00 * r0 + d10 * v0 + d01 * r1 + d11 * v1
    return r, v


class _Rows:
    """Rows appended after the last ones in a buffer that doubles when full; ``view`` is the
    filled part. Appending by concatenation (or joining a list of chunks on each read) copied
    the whole history every 6 h chunk, a cost that grew with the mission. A view taken earlier
    stays valid: rows are only ever written past it."""

    def __init__(self, first: np.ndarray) -> None:
        self._buf = np.array(first, dtype=float)
        self._n = len(self._buf)

    @property
    def view(self) -> np.ndarray:
        return self._buf[: self._n]

    def append(self, rows: np.ndarray) -> None:
        n, k = self._n, len(rows)
        if n + k > len(self._buf):
            buf = np.empty((max(2 * len(self._buf), n + k), *self._buf.shape[1:]))
            buf[:n] = self._buf[:n]
            self._buf = buf
        self._buf[n:n + k] = rows
        self._n = n + k


class NumericalPropagator:
    """Cowell propagation from one state, extended lazily in chunks; see the module docstring.

    ballistic_m2_kg: Cd A / m (A the tumbling mean unless area_fn is given, then A = area_fn(...)).
    density_scale multiplies the atmosphere's density, not its scale height (1 by default; for
    sensitivity and Monte Carlo studies of the model's uncertainty, typically 15-30 % in the
    thermosphere). atmosphere: a name of ``atmosphere.ATMOSPHERES`` (NRLMSIS 2.1 by default).
    """

    def __init__(
        self,
        t0: float,
        r0,
        v0,
        drag_coefficient: float,
        area_m2: float,
        mass_kg: float,
        *,
        srp: bool = True,
        drag: bool = True,
        area_fn: Callable[[float, float], float] | None = None,
        max_step_s: float = 30.0,
        rtol: float = 1e-11,
        chunk_s: float = 21600.0,
        density_grid_s: float = DENSITY_GRID_S,
        density_scale: float = 1.0,
        reentry_altitude_m: float = REENTRY_ALTITUDE,
        atmosphere: str = DEFAULT_ATMOSPHERE,
        cd_model: str = "fixed",
        accommodation: float | None = None,
        body_cda: Callable[[np.ndarray, np.ndarray], np.ndarray | None] | None = None,
    ) -> None:
        if cd_model not in CD_MODELS:
            raise ValueError(f"cd_model must be one of {', '.join(CD_MODELS)}, not {cd_model!r}")
        if accommodation is not None and not 0.0 <= accommodation <= 1.0:
            raise ValueError(f"accommodation must be between 0 and 1, not {accommodation}")
        self.cd = drag_coefficient
        self.cd_model = cd_model
        self.accommodation = accommodation
        self.body_cda = body_cda
        self._area = area_m2
        self.area_m2 = area_m2
        self.mass_kg = mass_kg
        self.srp = srp
        self.drag = drag
        self.area_fn = area_fn
        self.max_step_s = max_step_s
        self.rtol = rtol
        self.chunk_s = chunk_s
        self.density_grid_s = density_grid_s
        self.density_scale = density_scale
        self.atmosphere = check_atmosphere(atmosphere)
        self.reentry_altitude_m = reentry_altitude_m
        # stored steps, and the density and Cd logs, in buffers that grow by doubling
        self._t = _Rows(np.array([float(t0)]))
        self._y = _Rows(np.concatenate([np.asarray(r0, float), np.asarray(v0, float)])[None, :])
        self.reentry_unix: float | None = None
        self.evaluations = 0
        self.msis_points = 0
        self._h = 10.0
        self._mean = None  # (log rho, r ref, 1/H) of the last chunk, for the predictor
        self._dens = _Rows(np.empty((0, 2)))
        self._cd = _Rows(np.empty((0, 3)))
        self._grid_cd: tuple[np.ndarray, np.ndarray] = (np.empty(0), np.empty(0))

    @property
    def density_log(self) -> np.ndarray:
        """(t, k rho) along the path on the grid of the atmosphere evaluations, shape (n, 2):
        a view (rows are only appended after it)."""
        return self._dens.view

    @property
    def cd_log(self) -> np.ndarray:
        """(t, Cd, accommodation) along the path on the density grid, shape (n, 3); the
        accommodation is NaN with the fixed Cd."""
        return self._cd.view

    @property
    def t(self) -> np.ndarray:
        """Unix times of the stored steps (s), shape (n,): a view, valid until the next chunk."""
        return self._t.view

    @property
    def y(self) -> np.ndarray:
        """TEME position and velocity (m, m/s) at the stored steps, shape (n, 6): a view."""
        return self._y.view

    @property
    def t_end(self) -> float:
        return float(self._t.view[-1])

    @property
    def reentered(self) -> bool:
        return self.reentry_unix is not None

    def _table(self, t_grid, r_grid, v_grid=None):
        """Density table along a path: (log rho, |r|, 1/H, sun, illumination) on t_grid; the Cd
        and accommodation on the same grid go to ``self._grid_cd`` (NaN alpha for the fixed Cd)."""
        r_e, _ = teme_to_ecef(r_grid, None, t_grid)
        lat, lon, alt = geodetic(r_e)
        alt = np.maximum(alt, 60e3)
        n = len(t_grid)
        # each point at its altitude then 1 km above, interleaved: NRLMSIS 2.x keeps the
        # horizontal terms (time, place, activity) of its previous call and recomputes only the
        # vertical profile for the second, which halves the call (bit-identical output)
        where = (np.repeat(t_grid, 2), np.repeat(lat, 2), np.repeat(lon, 2),
                 np.column_stack([alt, alt + 1000.0]).ravel())
        self.msis_points += 2 * n
        if self.cd_model == "sentman" and v_grid is not None:
            out = msis(*where, model=self.atmosphere)  # density, species and temperature at once
            rho = out[:, 0]
            number, temperature = composition(out[0::2])
            vrel = v_grid + OMEGA_EARTH * np.column_stack([r_grid[:, 1], -r_grid[:, 0], np.zeros(n)])
            body = {"cd_fn": self._species_cd} if self.body_cda is not None else {}
            self._grid_cd = mixture_cd(np.linalg.norm(vrel, axis=1), temperature, number, self.accommodation,
                                       **body)
        else:
            rho = density(*where, model=self.atmosphere)
            self._grid_cd = (np.full(n, float(self.cd)), np.full(n, np.nan))
        log_rho = np.log(rho[0::2])
        # 1/H from the model's own two samples; the factor scales the density, not its gradient
        invh = np.maximum((log_rho - np.log(rho[1::2])) / 1000.0, 1e-6)
        lr = log_rho + math.log(self.density_scale)
        rn = np.linalg.norm(r_grid, axis=1)
        sun = sun_position(t_grid)
        ill = illumination(r_grid, sun)
        return lr, rn, invh, sun, ill

    def _species_cd(self, s, ratio):
        """Each species' Cd on the chunk's area: the body's C_D A over it (``body_cda``) or the
        tumbling body's."""
        cda = self.body_cda(s, ratio) if self.body_cda is not None else None
        return tumbling_cd(s, ratio) if cda is None else cda / self._area

    def _run(self, t0, y0, t1, tab_t0, tab_dt, table, bcs, srp_am):
        lr, rn, invh, sun, ill = table
        cap = int((t1 - t0) / 0.5) + 16
        out_t = np.empty(cap)
        out_y = np.empty((cap, 6))
        r_stop = R_EARTH + 60e3
        n, status, h, ev = dopri5(
            t0, y0, t1, self._h, self.max_step_s, self.rtol, 1e-4, 1e-7, bcs, srp_am, tab_t0, tab_dt,
            lr, rn, invh, sun, ill, r_stop, out_t, out_y,
        )  # fmt: skip
        self.evaluations += ev
        return out_t[:n], out_y[:n], status, h

    def _chunk(self) -> None:
        t0 = self.t_end
        y0 = self.y[-1].copy()
        alt = np.linalg.norm(y0[:3]) - R_EARTH
        length = self.chunk_s
        if alt < 250e3:
            length = min(length, 5400.0)
        if alt < 180e3:
            length = min(length, 1200.0)
        t1 = t0 + length
        area = self.area_fn(t0, t1) if self.area_fn else self.area_m2
        self._area = area
        bc = area / self.mass_kg if self.drag else 0.0  # times Cd along the grid
        srp_am = SRP_CR * area / self.mass_kg if self.srp else 0.0
        grid_dt = self.density_grid_s
        m = int(math.ceil(length / grid_dt)) + 1
        t_grid = t0 + grid_dt * np.arange(m)
        if self._mean is None:
            first = self._table(np.array([t0]), y0[None, :3], y0[None, 3:])
            self._mean = (first[0], first[1], first[2], None, None, self._grid_cd[0])
        lr, rn, invh, _, _, cd = self._mean
        pred = (np.array([lr[0], lr[0]]), np.array([rn[0], rn[0]]), np.array([invh[0], invh[0]]),
                sun_position(np.array([t0, t1])), np.array([1.0, 1.0]))
        tp, yp, _, _ = self._run(t0, y0, t1, t0, length, pred, np.full(2, bc * cd[0]), srp_am)
        tg = t_grid[t_grid <= tp[-1]]
        if len(tg) < 2:
            tg = np.array([t0, tp[-1]])
        rp, vp = hermite(tp, yp, tg)
        table = self._table(tg, rp, vp)
        cd, alpha = self._grid_cd
        self._dens.append(np.column_stack([tg, np.exp(table[0])]))
        self._cd.append(np.column_stack([tg, cd, alpha]))
        step = tg[1] - tg[0]
        tc, yc, status, self._h = self._run(t0, y0, t1, tg[0], step, table, bc * cd, srp_am)
        self._mean = (np.array([table[0][-1]]), np.array([table[1][-1]]), np.array([table[2][-1]]),
                      None, None, np.array([cd[-1]]))
        # re-entry check on the geodetic altitude of the stored steps. A point's geodetic altitude
        # is at least its radius less the equatorial radius (R_EARTH), so while every step is
        # 10 km clear of that bound the check cannot fire and the transforms are skipped
        below = np.empty(0, dtype=np.intp)
        lowest = math.sqrt(float(np.min(np.einsum("ij,ij->i", yc[:, :3], yc[:, :3])))) - R_EARTH
        if lowest <= self.reentry_altitude_m + 10e3:
            r_e, _ = teme_to_ecef(yc[:, :3], None, tc)
            _, _, h = geodetic(r_e)
            below = np.nonzero(h < self.reentry_altitude_m)[0]
        if below.size:
            k = below[0]
            # linear interpolation of the crossing between steps k-1 and k
            f = (h[k - 1] - self.reentry_altitude_m) / (h[k - 1] - h[k])
            self.reentry_unix = float(tc[k - 1] + f * (tc[k] - tc[k - 1]))
            tc, yc = tc[: k + 1], yc[: k + 1]
        elif status == 1:
            self.reentry_unix = float(tc[-1])
        self._t.append(tc[1:])
        self._y.append(yc[1:])

    def extend_to(self, unix_s: float) -> None:
        """Propagate until unix_s is covered (or re-entry)."""
        while self.t_end < unix_s and not self.reentered:
            self._chunk()

    def states(self, unix_s) -> tuple[np.ndarray, np.ndarray]:
        """TEME position and velocity (n, 3) at Unix times; NaN after re-entry or before the start."""
        unix_s = np.atleast_1d(np.asarray(unix_s, dtype=float))
        self.extend_to(float(np.max(unix_s)))
        ok = (unix_s >= self.t[0]) & (unix_s <= self.t[-1])
        r = np.full((len(unix_s), 3), np.nan)
        v = np.full((len(unix_s), 3), np.nan)
        if np.any(ok) and len(self.t) > 1:
            r[ok], v[ok] = hermite(self.t, self.y, unix_s[ok])
        elif np.any(ok):
            r[ok], v[ok] = self.y[0, :3], self.y[0, 3:]
        return r, v

    def run_to_reentry(self, max_days: float = 3650.0,
                       progress: Callable[[float, float], None] | None = None) -> float | None:
        """Propagate until re-entry or max_days; the re-entry Unix time or None.

        ``progress(elapsed_s, radius_m)``, when given, is called after each propagated chunk with
        the seconds covered so far and the last state's geocentric radius (for a progress bar:
        the run ends at ``max_days`` or when the radius falls to the re-entry altitude)."""
        end = self.t[0] + max_days * 86400.0
        while self.t_end < end and not self.reentered:
            self._chunk()
            if progress is not None:
                progress(float(self.t_end - self.t[0]), float(np.linalg.norm(self.y[-1, :3])))
        return self.reentry_unix

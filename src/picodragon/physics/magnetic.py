"""The geomagnetic field: IGRF-14 spherical-harmonic synthesis, compiled, vectorised over points.

Coefficients: the IGRF-14 coefficient file (IGRF14.shc, IAGA V-MOD, doi:10.5281/zenodo.14012302)
that the ``ppigrf`` package ships; we read the data file, the synthesis is our own: Schmidt
semi-normalised associated Legendre functions by the usual recursions (Wertz, Spacecraft
Attitude Determination and Control, 1978, appendix H), field B = -grad V with
V = a sum_n (a/r)^(n+1) sum_m (g cos m phi + h sin m phi) P_n^m(cos theta), a = 6371.2 km,
degree 13, coefficients linear in time between the 5-year epochs (secular variation after 2025).
Checked against ppigrf in tests/physics/test_magnetic.py.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

import numpy as np
from numba import njit

from picodragon.physics.timebase import gmst82

IGRF_RADIUS = 6371.2e3
MAX_DEGREE = 13
SYNTH_BLOCK = 16
"""Points the synthesis takes together (``_synth``)."""


def shc_path() -> Path:
    """IGRF14.shc shipped with ppigrf (data only)."""
    import importlib.util

    spec = importlib.util.find_spec("ppigrf")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("ppigrf (which ships IGRF14.shc) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "IGRF14.shc"


@lru_cache(maxsize=1)
def _coefficient_table() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(years, g[epoch, n, m], h[epoch, n, m]) in nT."""
    lines = [ln for ln in shc_path().read_text().splitlines() if ln.strip() and not ln.startswith("#")]
    years = np.array([float(x) for x in lines[1].split()])
    g = np.zeros((len(years), MAX_DEGREE + 1, MAX_DEGREE + 1))
    h = np.zeros_like(g)
    for ln in lines[2:]:
        parts = ln.split()
        n, m = int(parts[0]), int(parts[1])
        vals = np.array([float(x) for x in parts[2:]])
        if m >= 0:
            g[:, n, m] = vals
        else:
            h[:, n, -m] = vals
    return years, g, h


def coefficients(decimal_year: float) -> tuple[np.ndarray, np.ndarray]:
    """Gauss coefficients g, h (nT) at a decimal year, linear between epochs."""
    years, g, h = _coefficient_table()
    if not years[0] <= decimal_year <= years[-1]:
        raise ValueError(f"IGRF-14 covers {years[0]:.0f} to {years[-1]:.0f}, not {decimal_year:.2f}")
    i = min(int(np.searchsorted(years, decimal_year, side="right")) - 1, len(years) - 2)
    w = (decimal_year - years[i]) / (years[i + 1] - years[i])
    return (1 - w) * g[i] + w * g[i + 1], (1 - w) * h[i] + w * h[i + 1]


def decimal_year(unix_s: float) -> float:
    d = datetime.fromtimestamp(float(unix_s), UTC)
    start = datetime(d.year, 1, 1, tzinfo=UTC).timestamp()
    end = datetime(d.year + 1, 1, 1, tzinfo=UTC).timestamp()
    return d.year + (float(unix_s) - start) / (end - start)


@njit(cache=True)
def _synth(r_ecef, g, h, nmax):  # pragma: no cover - compiled
    """Field (T, ECEF) at points (n, 3): the recursions and sums of the module docstring.

    Points go through in blocks of SYNTH_BLOCK, each step of the recursion and each term of the
    sums taken for the whole block in an inner loop the compiler vectorises (a point's own
    operations and their order unchanged, so the same bits as point by point); cos and sin of
    0 phi and of phi come from their exact equivalents (1, 0 phi) and the m = 1 terms."""
    nb_max = SYNTH_BLOCK
    n_pts = r_ecef.shape[0]
    out = np.empty((n_pts, 3))
    p = np.zeros((nmax + 1, nmax + 1, nb_max))
    dp = np.zeros((nmax + 1, nmax + 1, nb_max))
    cm = np.zeros((nmax + 2, nb_max))
    sm = np.zeros((nmax + 2, nb_max))
    ct = np.empty(nb_max)
    st = np.empty(nb_max)
    phi = np.empty(nb_max)
    ar = np.empty(nb_max)
    arn = np.empty(nb_max)
    br = np.empty(nb_max)
    bt = np.empty(nb_max)
    bp = np.empty(nb_max)
    a = 6371.2e3
    # the recursions' square roots depend on the degree and order only: once, not per point
    fn = np.zeros(nmax + 1)
    k1s = np.zeros((nmax + 1, nmax + 1))
    k2s = np.zeros((nmax + 1, nmax + 1))
    for n in range(2, nmax + 1):
        fn[n] = math.sqrt((2.0 * n - 1.0) / (2.0 * n))
    for n in range(1, nmax + 1):
        for m in range(0, n):
            k1s[n, m] = math.sqrt(n * n - m * m)
            if n - 2 >= m:
                k2s[n, m] = math.sqrt((n - 1.0) ** 2 - m * m)
    for k0 in range(0, n_pts, nb_max):
        nb = min(nb_max, n_pts - k0)
        for j in range(nb):
            x, y, z = r_ecef[k0 + j, 0], r_ecef[k0 + j, 1], r_ecef[k0 + j, 2]
            r = math.sqrt(x * x + y * y + z * z)
            c = z / r
            ct[j] = c
            st[j] = math.sqrt(max(1.0 - c * c, 1e-24))
            phi[j] = math.atan2(y, x)
            ar[j] = a / r
            p[0, 0, j] = 1.0
            dp[0, 0, j] = 0.0
        for n in range(1, nmax + 1):
            if n == 1:
                for j in range(nb):
                    p[1, 1, j] = st[j]
                    dp[1, 1, j] = ct[j]
            else:
                f = fn[n]
                for j in range(nb):
                    p[n, n, j] = f * st[j] * p[n - 1, n - 1, j]
                    dp[n, n, j] = f * (ct[j] * p[n - 1, n - 1, j] + st[j] * dp[n - 1, n - 1, j])
            for m in range(0, n):
                k1 = k1s[n, m]
                if n - 2 >= m:
                    k2 = k2s[n, m]
                    for j in range(nb):
                        p[n, m, j] = ((2 * n - 1) * ct[j] * p[n - 1, m, j] - k2 * p[n - 2, m, j]) / k1
                        dp[n, m, j] = ((2 * n - 1) * (ct[j] * dp[n - 1, m, j] - st[j] * p[n - 1, m, j])
                                       - k2 * dp[n - 2, m, j]) / k1
                else:  # no P(n-2, m): the term is 0 x 0
                    for j in range(nb):
                        p[n, m, j] = ((2 * n - 1) * ct[j] * p[n - 1, m, j] - 0.0 * 0.0) / k1
                        dp[n, m, j] = ((2 * n - 1) * (ct[j] * dp[n - 1, m, j] - st[j] * p[n - 1, m, j])
                                       - 0.0 * 0.0) / k1
        for j in range(nb):
            cm[0, j] = 1.0  # cos(0 phi)
            sm[0, j] = 0 * phi[j]  # sin(0 phi): a signed zero, as sin gives
            cm[1, j] = math.cos(phi[j])
            sm[1, j] = math.sin(phi[j])
        for m in range(2, nmax + 1):
            for j in range(nb):
                cm[m, j] = math.cos(m * phi[j])
                sm[m, j] = math.sin(m * phi[j])
        for j in range(nb):
            br[j] = 0.0
            bt[j] = 0.0
            bp[j] = 0.0
            arn[j] = ar[j] * ar[j]
        for n in range(1, nmax + 1):
            for j in range(nb):
                arn[j] *= ar[j]  # (a/r)^(n+2)
            for m in range(n + 1):
                gnm = g[n, m]
                hnm = h[n, m]
                for j in range(nb):
                    gc = gnm * cm[m, j] + hnm * sm[m, j]
                    br[j] += (n + 1) * arn[j] * gc * p[n, m, j]
                    bt[j] -= arn[j] * gc * dp[n, m, j]
                    bp[j] += arn[j] * m * (gnm * sm[m, j] - hnm * cm[m, j]) * p[n, m, j]
        for j in range(nb):
            s_, c_ = st[j], ct[j]
            b_p = bp[j] / s_
            cp_, sp_ = cm[1, j], sm[1, j]
            horiz = br[j] * s_ + bt[j] * c_
            out[k0 + j, 0] = (horiz * cp_ - b_p * sp_) * 1e-9
            out[k0 + j, 1] = (horiz * sp_ + b_p * cp_) * 1e-9
            out[k0 + j, 2] = (br[j] * c_ - bt[j] * s_) * 1e-9
    return out


def field_ecef(r_ecef, unix_s, nmax: int = MAX_DEGREE) -> np.ndarray:
    """IGRF-14 field (T) in the Earth-fixed frame at ECEF points (n, 3) (m); date = mean of unix_s.

    Over a mission of months the secular variation (~20 nT/yr) is below 10 nT, so the
    coefficients are taken once for the mean time.
    """
    g, h = coefficients(decimal_year(float(np.mean(unix_s))))
    return _synth(np.ascontiguousarray(np.atleast_2d(r_ecef), dtype=float), g, h, nmax)


def field_geocentric(r_ecef, unix_s, nmax: int = MAX_DEGREE) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(B_r, B_theta, B_phi) in nT, for comparison with the usual spherical components."""
    r_ecef = np.atleast_2d(np.asarray(r_ecef, dtype=float))
    b = field_ecef(r_ecef, unix_s, nmax) * 1e9
    x, y, z = r_ecef.T
    r = np.linalg.norm(r_ecef, axis=1)
    theta = np.arccos(z / r)
    phi = np.arctan2(y, x)
    er = r_ecef / r[:, None]
    et = np.stack([np.cos(theta) * np.cos(phi), np.cos(theta) * np.sin(phi), -np.sin(theta)], axis=1)
    ep = np.stack([-np.sin(phi), np.cos(phi), np.zeros_like(phi)], axis=1)
    return (b * er).sum(1), (b * et).sum(1), (b * ep).sum(1)


def field_teme(r_teme, unix_s, dut1_s=None) -> np.ndarray:
    """IGRF-14 field (T) in TEME at TEME positions (n, 3) and times (n,).

    The positions turn into the Earth-fixed frame and the field back by the same Greenwich
    angle: it is computed once (``gmst82``) and both turns are those of ``astro.frames``
    (``teme_to_itrs``, ``itrs_to_teme``), term by term, so the same bits as calling them; the
    angle a second time cost a sixth of the twin's field along its cache."""
    theta = gmst82(unix_s, dut1_s)
    c, s = np.cos(theta), np.sin(theta)
    r = np.asarray(r_teme, dtype=float)
    r_e = np.stack([c * r[..., 0] + s * r[..., 1], -s * r[..., 0] + c * r[..., 1], r[..., 2]], axis=-1)
    b = field_ecef(r_e, unix_s)
    return np.stack([c * b[..., 0] - s * b[..., 1], s * b[..., 0] + c * b[..., 1], b[..., 2]], axis=-1)

"""Free-molecular drag coefficients: Sentman's flat plate and sphere, mixed over the air's species.

Why: a fixed Cd of 2.2 is the low end for a tumbling 1U at 400 km; the drag coefficient depends
on the speed ratio of each species, the gas and wall temperatures, and how much of the incident
energy the surface absorbs (the energy accommodation coefficient alpha), which follows how much
atomic oxygen covers the surface.

Model (all closed forms, vectorised with numpy):

- **Flat plate, one side** (Sentman 1961, Lockheed LMSC-448514; written per panel as in
  Doornbos 2012, "Thermospheric Density and Wind Determination from Satellite Dynamics",
  Springer Theses, and Sutton 2009, J. Spacecraft Rockets 46(1)): with S the speed ratio V / sqrt(2 k T / m), gamma the
  cosine between the flow direction and the panel's inward normal (1: face-on, 0: grazing,
  negative: the leeward side), G = 1 / (2 S^2), P = exp(-gamma^2 S^2) / S, Q = 1 + G,
  Z = 1 + erf(gamma S), the drag coefficient per unit panel area is
  ``C = P / sqrt(pi) + gamma Q Z + gamma / 2 * (v_re / V) * (gamma sqrt(pi) Z + P)``.
  The first two terms are the incident molecules' momentum, the last the diffusely re-emitted
  ones'. Lift is not computed: over a tumble it averages to zero.
- **Re-emission speed** (incomplete energy accommodation, Schamberg 1959 / Moe & Moe 2005, in
  Doornbos' form): ``v_re / V = sqrt((1 + alpha (4 R T_w / V^2 - 1)) / 2)``, R the species' gas
  constant, T_w the wall temperature; the incident energy is the stream's (hyperthermal).
- **Sphere** (Sentman 1961; Schaaf & Chambre 1958 for the incident part):
  ``Cd = exp(-S^2) (2 S^2 + 1) / (sqrt(pi) S^3) + (4 S^4 + 4 S^2 - 1) erf(S) / (2 S^4)
  + 2 sqrt(pi) / 3 * (v_re / V)``, reference area pi r^2.
- **Tumbling convex body**: averaged over uniformly random orientations, each surface element
  sees a flow cosine uniform in [-1, 1], so C_D A = (surface / 4) x the sphere's Cd, for a box,
  a thin tape (two sides) or a rod alike (``tumbling_cd`` is the sphere's; the tests check it
  against quadrature of the flat plate over orientations). Shadowing between the body and its
  appendages is neglected (thin antennas).
- **Species**: each species' coefficient from its own speed ratio and re-emission speed, mixed
  by partial mass density (Sutton 2009; Doornbos 2012): ``Cd = sum rho_i Cd_i / sum rho_i``.
- **Accommodation from atomic-oxygen adsorption** (Pilinski, Argrow & Palo 2010, "Semiempirical
  model for satellite energy-accommodation coefficients", J. Spacecraft Rockets 47(6), 951-956):
  a Langmuir isotherm fitted to orbital drag measurements, theta = K P / (1 + K P) with
  P = n_O T (atomic-oxygen number density, m^-3, times the gas temperature, K) and
  K = 7.50e-17 m^3 K^-1; the surface's alpha = theta alpha_ads + (1 - theta) alpha_clean with
  alpha_ads = 1 and alpha_clean = 0 (their fit gives alpha itself: alpha = theta).
- **Wall temperature** 300 K: a named assumption (the usual value in these studies, Moe & Moe
  2005, Sutton 2009; a 1U's faces swing between about 250 and 330 K, which moves Cd by < 0.5 %
  at full accommodation).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import erf

BOLTZMANN = 1.380649e-23
"""J/K (SI 2019, exact)."""

AMU = 1.66053906660e-27
"""Atomic mass unit, kg (CODATA 2018)."""

SPECIES_AMU: dict[str, float] = {
    "N2": 28.0134, "O2": 31.9988, "O": 15.9994, "He": 4.002602, "H": 1.00794, "Ar": 39.948,
    "N": 14.0067, "anomalous_O": 15.9994,
}  # fmt: skip
"""Molar mass of each pymsis species (IUPAC standard atomic weights), in pymsis' column order
(``atmosphere.SPECIES``); anomalous oxygen is hot atomic oxygen (Picone et al. 2002)."""

WALL_TEMPERATURE_K = 300.0
"""Surface temperature for the re-emitted molecules, K: named assumption (see the docstring)."""

PILINSKI_K = 7.50e-17
"""Langmuir constant of Pilinski, Argrow & Palo 2010 for P = n_O T, m^3 K^-1."""

ALPHA_ADSORBED = 1.0
ALPHA_CLEAN = 0.0
"""Accommodation of a surface covered by, and clean of, atomic oxygen (Pilinski et al. 2010)."""

SQRT_PI = math.sqrt(math.pi)


def speed_ratio(speed_m_s, temperature_k, mass_kg):
    """S = V / sqrt(2 k T / m): the stream speed over the most probable thermal speed."""
    return np.asarray(speed_m_s) / np.sqrt(2.0 * BOLTZMANN * np.asarray(temperature_k) / mass_kg)


def reemission_ratio(speed_m_s, alpha, mass_kg, wall_temperature_k=WALL_TEMPERATURE_K):
    """v_re / V of diffusely re-emitted molecules at energy accommodation alpha (0..1)."""
    r_gas = BOLTZMANN / mass_kg
    v2 = np.asarray(speed_m_s, dtype=float) ** 2
    return np.sqrt(0.5 * (1.0 + np.asarray(alpha) * (4.0 * r_gas * wall_temperature_k / v2 - 1.0)))


def plate_cd(gamma, s, ratio):
    """Drag coefficient per unit area of one side of a flat plate (Sentman 1961).

    gamma: cosine between the flow and the inward normal (-1..1); s: speed ratio; ratio: v_re / V.
    Arrays broadcast.
    """
    gamma = np.asarray(gamma, dtype=float)
    s = np.asarray(s, dtype=float)
    gs = gamma * s
    p = np.exp(-gs * gs) / s
    z = 1.0 + erf(gs)
    q = 1.0 + 0.5 / (s * s)
    return p / SQRT_PI + gamma * q * z + 0.5 * gamma * ratio * (gamma * SQRT_PI * z + p)


def sphere_cd(s, ratio):
    """Drag coefficient of a sphere (reference area pi r^2), Sentman 1961, closed form."""
    s = np.asarray(s, dtype=float)
    s2 = s * s
    return (np.exp(-s2) * (2.0 * s2 + 1.0) / (SQRT_PI * s2 * s)
            + (4.0 * s2 * s2 + 4.0 * s2 - 1.0) * erf(s) / (2.0 * s2 * s2)
            + 2.0 * SQRT_PI / 3.0 * np.asarray(ratio))  # fmt: skip


def tumbling_cd(s, ratio):
    """Cd of any convex body tumbling uniformly, on its mean projected area (a quarter of its
    surface): the sphere's (see the module docstring)."""
    return sphere_cd(s, ratio)


def box_cd_area(flow_body, size_m, s, ratio):
    """C_D A (m^2) of a box for flow directions in the body frame, summed face by face.

    flow_body: (n, 3) unit vectors of the flow's direction (the air's velocity relative to the
    body, in body axes); size_m: (x, y, z) edges; s, ratio: scalars or (n,) arrays.
    """
    u = np.atleast_2d(np.asarray(flow_body, dtype=float))
    x, y, z = size_m
    areas = np.array([y * z, x * z, x * y])
    s = np.asarray(s, dtype=float)[..., None]
    ratio = np.asarray(ratio, dtype=float)[..., None]
    # the face with outward normal +e sees gamma = -u.e, its opposite +u.e
    return np.sum(areas * (plate_cd(-u, s, ratio) + plate_cd(u, s, ratio)), axis=-1)


def sphere_directions(n: int = 2000) -> np.ndarray:
    """n nearly uniform unit vectors (a Fibonacci lattice): a deterministic tumble quadrature."""
    k = np.arange(n) + 0.5
    z = 1.0 - 2.0 * k / n
    phi = math.pi * (1.0 + math.sqrt(5.0)) * k
    rho = np.sqrt(1.0 - z * z)
    return np.column_stack([rho * np.cos(phi), rho * np.sin(phi), z])


def pilinski_accommodation(n_o_m3, temperature_k, alpha_ads: float = ALPHA_ADSORBED,
                           alpha_clean: float = ALPHA_CLEAN):
    """Energy accommodation from atomic-oxygen coverage (Pilinski et al. 2010, Langmuir fit)."""
    kp = PILINSKI_K * np.asarray(n_o_m3, dtype=float) * np.asarray(temperature_k, dtype=float)
    theta = kp / (1.0 + kp)
    return theta * alpha_ads + (1.0 - theta) * alpha_clean


def mixture_cd(speed_m_s, temperature_k, number_density_m3, alpha=None,
               wall_temperature_k: float = WALL_TEMPERATURE_K, cd_fn=tumbling_cd):
    """Tumbling Cd along a path, mixed over species by partial mass density.

    speed_m_s, temperature_k: (n,) relative speed and gas temperature; number_density_m3:
    (n, len(SPECIES_AMU)) in ``SPECIES_AMU``'s order (NaN counts as none); alpha: None for
    Pilinski's adsorption model, or a number (0..1) or (n,) array. cd_fn(s, ratio): each
    species' coefficient from its speed ratios and re-emission ratios (n, species), the tumbling
    body's unless given (the twin gives its attitude's, ``flown_drag``). Returns (Cd (n,), alpha (n,)).
    """
    nd = np.nan_to_num(np.atleast_2d(np.asarray(number_density_m3, dtype=float)))
    masses = np.array(list(SPECIES_AMU.values())) * AMU
    v = np.asarray(speed_m_s, dtype=float)[:, None]
    t = np.asarray(temperature_k, dtype=float)[:, None]
    if alpha is None:
        alpha = pilinski_accommodation(nd[:, list(SPECIES_AMU).index("O")], t[:, 0])
    alpha = np.broadcast_to(np.asarray(alpha, dtype=float), v.shape[:1])
    cd = cd_fn(speed_ratio(v, t, masses),
               reemission_ratio(v, alpha[:, None], masses, wall_temperature_k))
    rho = nd * masses
    return np.sum(rho * cd, axis=1) / np.maximum(np.sum(rho, axis=1), 1e-300), np.asarray(alpha)

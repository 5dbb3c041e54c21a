"""Lumped-node thermal model of a 1U: six faces, structure, battery, on-board computer.

Each node has a heat capacity; faces exchange heat with space by radiation and with the
structure by conduction; the battery and the OBC (with the radio, lumped) are conductively tied
to the structure. Face energy balance:

    C dT/dt = alpha A (S cos_s + Alb cos_e) + eps A IR cos_e - eps sigma A (T^4 - T_space^4)
              - P_elec + sum G (T_j - T)

with S the solar flux (eclipse included), Alb and IR the Earth's albedo and infrared fluxes on a
nadir plate (``sun.earth_fluxes``), cos_s the clipped cosine of the face normal with the Sun
(1/4 on average when tumbling), cos_e the face's view factor to the Earth relative to a nadir
plate (``sun.earth_view_factor``; the Earth's solid angle over 4 pi when tumbling), and P_elec
the electrical power the face's cells deliver (it is dissipated inside, in the loads).
Integrated explicitly (forward Euler, step <= 20 s, below a third of the smallest time
constant, about 90 s).

All parameters are mission data (``spacecraft.thermal``) whose defaults are typical 1U values
(named assumptions: the reference mission published no thermal data): faces are 1.6 mm FR4 panels with cells (40 g, 1100 J/kg/K), absorptivity 0.85 and
emissivity 0.85 (GaAs cells with cover glass and black-anodised/PCB surroundings, Gilmore 2002
table A); structure Al 6061 with the rest of the mass (900 J/kg/K); battery two 18650 (95 g,
900 J/kg/K); OBC board 50 g. Conductances: face-structure 0.5 W/K, battery-structure 0.2 W/K,
OBC-structure 0.3 W/K (bolted joints, typical CubeSat thermal models).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from picodragon.config.models import Spacecraft, Thermal
from picodragon.physics.constants import STEFAN_BOLTZMANN, T_SPACE

NODE_NAMES = ("+X", "-X", "+Y", "-Y", "+Z", "-Z", "structure", "battery", "obc")
N_FACES = 6
STRUCTURE, BATTERY, OBC = 6, 7, 8

_DEFAULT = Thermal()
FACE_ABSORPTIVITY = _DEFAULT.face_absorptivity
FACE_EMISSIVITY = _DEFAULT.face_emissivity
INITIAL_TEMPERATURE_K = 273.15 + _DEFAULT.initial_temperature_c
"""ISS cabin / J-SSOD: about 20 C at ejection (assumption)."""


def face_areas(spacecraft: Spacecraft) -> np.ndarray:
    """Outer area of each face (m^2), FACE order +X, -X, +Y, -Y, +Z, -Z."""
    x, y, z = spacecraft.size_m
    return np.array([y * z, y * z, x * z, x * z, x * y, x * y])


def heat_capacities(spacecraft: Spacecraft) -> np.ndarray:
    """J/K per node; the structure takes the mass not assigned to faces, battery and OBC."""
    t = spacecraft.thermal
    rest = spacecraft.mass_kg - 6 * t.face_mass_kg - t.battery_mass_kg - t.obc_mass_kg
    rest = max(rest, 0.1 * spacecraft.mass_kg)
    c = np.empty(9)
    c[:6] = t.face_mass_kg * t.face_specific_heat
    c[STRUCTURE] = rest * t.structure_specific_heat
    c[BATTERY] = t.battery_mass_kg * t.battery_specific_heat
    c[OBC] = t.obc_mass_kg * t.obc_specific_heat
    return c


def conductances(thermal: Thermal | None = None) -> np.ndarray:
    """Node-to-structure conductance, W/K (0 for the structure itself)."""
    t = thermal or _DEFAULT
    g = np.full(9, t.g_face_structure_w_k)
    g[STRUCTURE] = 0.0
    g[BATTERY] = t.g_battery_structure_w_k
    g[OBC] = t.g_obc_structure_w_k
    return g


@njit(cache=True)
def thermal_step(temp_k, dt, cap, g, area, absorbed_w, p_elec_face, q_battery, q_obc, q_structure,
                 eps=FACE_EMISSIVITY):  # pragma: no cover
    """One forward-Euler step, temp_k updated in place (and returned); absorbed_w (6,) already
    includes alpha and eps on each face.

    Each node's flow is a scalar summed in the order of the array of flows it replaces (no array
    allocated per step: the twin runs it every 10 s of a lifetime), every flow from the
    temperatures at the start of the step."""
    ts = temp_k[STRUCTURE]
    f_structure = 0.0
    for k in range(6):
        t = temp_k[k]
        rad = eps * STEFAN_BOLTZMANN * area[k] * (t**4 - T_SPACE**4)
        cond = g[k] * (ts - t)
        f_structure -= cond
        # a face's flow depends on its own temperature and the structure's only: update it now
        temp_k[k] = t + dt * (absorbed_w[k] - rad - p_elec_face[k] + cond) / cap[k]
    f_battery = 0.0
    cond = g[BATTERY] * (ts - temp_k[BATTERY])
    f_battery += cond
    f_structure -= cond
    f_obc = 0.0
    cond = g[OBC] * (ts - temp_k[OBC])
    f_obc += cond
    f_structure -= cond
    f_battery += q_battery
    f_obc += q_obc
    f_structure += q_structure
    temp_k[STRUCTURE] = ts + dt * f_structure / cap[STRUCTURE]
    temp_k[BATTERY] += dt * f_battery / cap[BATTERY]
    temp_k[OBC] += dt * f_obc / cap[OBC]
    return temp_k


@njit(cache=True)
def run_constant(temp_k, dt, n, cap, g, area, absorbed_w, q_battery, q_obc, q_structure):  # pragma: no cover
    """n steps in a constant environment (for validation and quick equilibrium estimates)."""
    zero = np.zeros(6)
    for _ in range(n):
        temp_k = thermal_step(temp_k, dt, cap, g, area, absorbed_w, zero, q_battery, q_obc, q_structure)
    return temp_k


def steady_state_single_node(absorbed_w: float, emitting_area_m2: float, eps: float = FACE_EMISSIVITY) -> float:
    """Radiative equilibrium temperature (K) of an isothermal body: absorbed = eps sigma A T^4."""
    return (absorbed_w / (eps * STEFAN_BOLTZMANN * emitting_area_m2) + T_SPACE**4) ** 0.25

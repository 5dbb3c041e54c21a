"""Electrical power: body-mounted solar cells, a 2-cell Li-ion battery, switched loads.

Solar cells: each face listed in ``power.cell_faces`` carries ``cell_area_m2`` of cells of
efficiency ``cell_efficiency`` (configuration; typical 1U triple-junction GaAs). Output of a face
is flux x area x efficiency x max(0, cos incidence) x (1 + temperature coefficient x (T - 28 C)),
with the temperature coefficient -0.2 %/K of triple-junction GaAs cells (Azur Space 3G30C data
sheet: -0.21 %/K for Pmpp): a named assumption. Sunlight, Earth albedo (on the cells that see
the Earth) and the eclipse fraction come from ``sun``. When attitude is not propagated the cells
take the average of a random tumble: a flat plate's mean of max(0, cos) over all directions is
1/4.

Battery: two Li-ion 18650 cells in series (capacity from configuration); open-circuit voltage
from a state-of-charge table typical of an NMC 18650 (Panasonic NCR18650B data sheet shape,
named assumption), internal resistance 0.15 ohm for the pack (assumption), charge efficiency from
configuration, discharge efficiency 0.97 (assumption). Solar power beyond what the bus and
the battery take (full, or above the 0.5 C charge limit) is not drawn from the cells (the
regulator moves them off their maximum power point) and stays on the faces as heat; the
reported solar power is what the array could give at its maximum power point. Below 2 % state of charge
the undervoltage cut-off removes the loads (brown-out) until the battery recovers to 5 %.

Charge regulation (CC/CV, as a Li-ion charger does): constant current up to 0.5 C, then the
charge power is held to what keeps the pack's terminal voltage (OCV + R I) at the charge set
point ``power.charge_voltage_v`` (default 4.18 V a cell: the 4.2 V cell limit less the 0.5 %
tolerance of a charger's set point, so no reading exceeds the cell limit; assumption), so the
current tapers as the cells fill. Below ``power.charge_min_temperature_c`` (0 C by default: Li-ion
cells must not be charged below freezing, lithium plating; NCR18650B data sheet charge range 0 to
45 C) the charger is off (``charge_inhibited``) and the array gives only what the bus takes.

Loads: the always-on base load from configuration plus switchable loads by name; the
transmitter's energy is counted once, by the time it keys (``state.ElectricalBus``).
"""

from __future__ import annotations

import bisect

import numpy as np
from numba import njit

from picodragon.config.models import Power

CELL_TEMP_COEFF_PER_K = -0.002
"""Relative power change per kelvin of triple-junction GaAs (Azur 3G30C: -0.21 %/K): assumption."""

CELL_REFERENCE_C = 28.0
"""Reference temperature of the cell efficiency, deg C (standard test condition for space cells)."""

SOC_TABLE = np.array([0.0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0])
OCV_CELL_TABLE = np.array([3.00, 3.30, 3.45, 3.55, 3.62, 3.67, 3.72, 3.78, 3.86, 3.95, 4.05, 4.18])
"""Open-circuit voltage of one Li-ion cell vs state of charge (typical NMC 18650 shape): assumption."""

CELLS_IN_SERIES = 2
PACK_RESISTANCE_OHM = 0.15
DISCHARGE_EFFICIENCY = 0.97
MAX_CHARGE_C_RATE = 0.5
BROWNOUT_SOC = 0.02
RECOVER_SOC = 0.05
NOMINAL_CELL_V = 3.7
CHARGE_CELL_V = 4.18
"""Charge set point a cell: the 4.2 V limit less a charger's 0.5 % set-point tolerance (assumption)."""
CHARGE_MIN_C = 0.0
"""No charging below this battery temperature, deg C (Li-ion: NCR18650B charge range 0..45 C)."""

FACE_NORMALS = {
    "+X": (1.0, 0.0, 0.0),
    "-X": (-1.0, 0.0, 0.0),
    "+Y": (0.0, 1.0, 0.0),
    "-Y": (0.0, -1.0, 0.0),
    "+Z": (0.0, 0.0, 1.0),
    "-Z": (0.0, 0.0, -1.0),
}
FACE_NAMES = tuple(FACE_NORMALS)

DEFAULT_SWITCHED_LOADS_W = {
    "radio": 0.0,
    "camera": None,  # from configuration
    "heater": 0.5,
}
"""Switchable loads, W. 'radio' is the transmitter chain (its keyed power is counted per frame
and per CW message); 'heater' a battery heater (0.5 W, typical 1U: assumption); 'camera' from
configuration. The antenna's burn wire is its own device (``devices.AntennaDeployerDevice``)."""

DEFAULT_ON = {"radio": True, "camera": False, "heater": False}


def battery_ocv(soc):
    """Open-circuit voltage of the pack (V) at state of charge soc (0..1)."""
    return CELLS_IN_SERIES * np.interp(soc, SOC_TABLE, OCV_CELL_TABLE)


_SOC_NODES = tuple(SOC_TABLE.tolist())
_OCV_NODES = tuple(OCV_CELL_TABLE.tolist())


def battery_ocv_at(soc: float) -> float:
    """``battery_ocv`` of one state of charge, in Python floats: the twin asks it every step,
    where np.interp on a scalar costs more than the arithmetic. The same operations as numpy's
    interp (held ends, a node's own value, slope x offset + value), so the same bits."""
    x = float(soc)
    if x != x:
        return x
    if x <= _SOC_NODES[0]:
        return CELLS_IN_SERIES * _OCV_NODES[0]
    if x >= _SOC_NODES[-1]:
        return CELLS_IN_SERIES * _OCV_NODES[-1]
    j = bisect.bisect_right(_SOC_NODES, x) - 1
    if _SOC_NODES[j] == x:
        return CELLS_IN_SERIES * _OCV_NODES[j]
    slope = (_OCV_NODES[j + 1] - _OCV_NODES[j]) / (_SOC_NODES[j + 1] - _SOC_NODES[j])
    return CELLS_IN_SERIES * (slope * (x - _SOC_NODES[j]) + _OCV_NODES[j])


def cell_mask(power: Power) -> np.ndarray:
    """1.0 for faces carrying body-mounted cells, in FACE_NAMES order."""
    faces = {p.face for p in power.solar_panels() if p.kind == "body"}
    return np.array([1.0 if f in faces else 0.0 for f in FACE_NAMES])


def panel_arrays(power: Power) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(body area x efficiency (6,), deployable area x efficiency (6,), deployable area along
    X, Y, Z (3,)) of the array, faces in FACE_NAMES order, m^2."""
    body = np.zeros(6)
    wing = np.zeros(6)
    wing_axis = np.zeros(3)
    for panel in power.solar_panels():
        k = FACE_NAMES.index(panel.face)
        if panel.kind == "body":
            body[k] += panel.area_m2 * panel.efficiency
        else:
            wing[k] += panel.area_m2 * panel.efficiency
            wing_axis[k // 2] += panel.area_m2
    return body, wing, wing_axis


def tumble_average_solar_w(power: Power, flux_w_m2) -> np.ndarray:
    """Solar array output (W) of a randomly tumbling body: each face sees 1/4 of the flux on average."""
    return np.asarray(flux_w_m2) * power.panel_area_efficiency_sum() / 4.0


CHARGE_PHASES = ("DISCHARGING", "CONSTANT_CURRENT", "CONSTANT_VOLTAGE", "INHIBITED")
"""The charger's regulation phase as the EPS reports it (``charge_phase``): the loads take more
than the array gives (the battery discharges); current-limited charging (at most 0.5 C, less when
the array cannot give more); the constant-voltage set point binding (the current tapers); the
charger off because the battery is too cold."""


def charge_phase(soc: float, battery_w: float, surplus: bool, capacity_j: float, v_charge: float,
                 inhibited: bool) -> int:
    """Index in CHARGE_PHASES of the charger's phase after a step.

    soc: state of charge (0..1); battery_w: battery power (+ charging, W); surplus: the array
    gave more than the bus took (the charger had power to regulate); capacity_j: J.
    """
    if inhibited:
        return 3
    if not surplus and battery_w <= 0.0:
        return 0
    cc_w = MAX_CHARGE_C_RATE * capacity_j / 3600.0
    cv_w = float(cv_charge_limit_w(soc, v_charge))
    if cv_w < cc_w and battery_w >= cv_w - 1e-9:
        return 2
    return 1


def charge_voltage_v(power: Power) -> float:
    """The charger's constant-voltage set point for the pack, V."""
    if power.charge_voltage_v is not None:
        return float(power.charge_voltage_v)
    return CELLS_IN_SERIES * CHARGE_CELL_V


@njit(cache=True)
def cv_charge_limit_w(soc, v_charge):  # pragma: no cover - compiled
    """Largest charge power that keeps the terminal voltage at or below v_charge, W."""
    ocv = CELLS_IN_SERIES * np.interp(soc, SOC_TABLE, OCV_CELL_TABLE)
    return max(ocv * (v_charge - ocv) / PACK_RESISTANCE_OHM, 0.0)


@njit(cache=True)
def battery_step(
    energy_j, capacity_j, solar_w, load_w, extra_j, dt, charge_eff, brownout,
    v_charge=1e9, inhibit=False,
):  # pragma: no cover - compiled
    """Advance the battery energy by dt; returns (energy, battery power (+ charging), bus W, brownout).

    extra_j: one-off energy drawn in the step (transmitter keying, burn wire). v_charge: the CV
    set point (V); inhibit: the charger is off (battery too cold).
    """
    soc = energy_j / capacity_j
    if brownout:
        if soc > RECOVER_SOC:
            brownout = False
    elif soc < BROWNOUT_SOC:
        brownout = True
    bus = 0.0 if brownout else load_w + extra_j / dt
    net = solar_w - bus
    max_charge_w = min(MAX_CHARGE_C_RATE * capacity_j / 3600.0, cv_charge_limit_w(soc, v_charge))
    if inhibit:
        max_charge_w = 0.0
    if net >= 0.0:
        into = min(net * charge_eff, max_charge_w)
        room = (capacity_j - energy_j) / dt
        into = min(into, room)
        energy_j += into * dt
        bat_w = into
    else:
        out = -net / DISCHARGE_EFFICIENCY
        out = min(out, energy_j / dt)
        energy_j -= out * dt
        bat_w = -out
    return energy_j, bat_w, bus, brownout

"""The validation checks of docs/validation.md, asserted (tolerances in physical units)."""

from __future__ import annotations

from pathlib import Path

import pytest

from picodragon.physics import validation as v


@pytest.mark.parametrize(
    "check",
    [
        v.check_sun_direction,
        v.check_eclipse_edges,
        v.check_igrf,
        v.check_look_angles,
        v.check_numerical_vs_sgp4,
        v.check_nodal_regression,
        v.check_decay_rate,
        v.check_orbit_average_power,
        v.check_thermal_in_orbit,
    ],
)
def test_single_checks(check):
    c = check()
    assert c.passed, f"{c.name}: {c.measured} {c.unit} > {c.tolerance}"


def test_magnet_libration_period():
    c = v.check_magnet_libration()
    assert c.passed, c


def test_torque_free_conservation():
    for c in v.check_torque_free():
        assert c.passed, c


def test_thermal_steady_state():
    for c in v.check_thermal_steady_state():
        assert c.passed, c


def test_docs_table_lists_every_check():
    text = (Path(__file__).parents[2] / "docs" / "validation.md").read_text()
    for name in ("Sun direction", "Eclipse entry/exit", "IGRF-14 field", "Look angles", "Nodal regression (J2)", "Decay rate (drag)", "Numerical propagator vs SGP4",
                 "Torque-free energy", "Torque-free angular momentum", "Bar-magnet libration period", "Thermal isothermal steady state",
                 "Thermal energy balance", "Thermal energy in orbit", "Orbit-average solar power"):
        assert f"| {name} |" in text


def test_look_angles_are_checked_from_the_scenarios_first_station():
    from picodragon.config import load_scenario

    c = v.check_look_angles()
    assert c.reference.endswith(f"from {load_scenario().stations[0].name}")

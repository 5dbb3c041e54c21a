"""Thermal model correlation (envtest.correlation): perturbed parameters recovered from generated TVAC data."""

from __future__ import annotations

import pytest

from picodragon.config.loader import load_scenario
from picodragon.envtest import results as rs
from picodragon.envtest.chamber import Chamber, generate_log, thermal_spacecraft
from picodragon.envtest.correlation import CorrelationError, correlate, write_scenario
from picodragon.envtest.tvac_profile import load_profile

TRUTH = {"face_emissivity": 0.62, "g_face_structure_w_k": 0.3, "g_battery_structure_w_k": 0.1,
         "g_obc_structure_w_k": 0.15, "structure_specific_heat": 1150.0}
TRUE_PLATEN = 0.15


@pytest.fixture(scope="module")
def fitted():
    scenario = load_scenario("picodragon-2013")
    truth = thermal_spacecraft(scenario.spacecraft, TRUTH)
    log = generate_log(truth, load_profile("university-lab"), seed=7,
                       chamber=Chamber(platen_conductance_w_k=TRUE_PLATEN))
    return correlate("picodragon-2013", log)


def test_residuals_fall_under_the_criterion_and_parameters_come_back(fitted) -> None:
    rs.validate(fitted)
    before = {v: r for v, r in zip(("mean", "std"), (fitted["before"]["mean_c"], fitted["before"]["std_c"]),
                                   strict=True)}
    rows = fitted["tables"]["residuals"]["rows"]
    worst_before = max(abs(r[1]) for r in rows)
    assert before["std"] >= 3.0 or abs(before["mean"]) > 2.0 or worst_before > 5.0  # the start is off
    assert rs.passed(fitted), fitted["verdicts"]
    assert fitted["after"]["std_c"] < 0.5  # the sensor noise (0.2 C) is what is left
    for name, value in TRUTH.items():
        assert fitted["parameters"][name] == pytest.approx(value, rel=0.1), name
    assert fitted["parameters"]["platen_conductance_w_k"] == pytest.approx(TRUE_PLATEN, rel=0.1)


def test_the_written_scenario_extends_the_fitted_one_and_loads(fitted, tmp_path) -> None:
    path = write_scenario(fitted, tmp_path / "correlated.toml")
    text = path.read_text()
    assert 'extends = "picodragon-2013"' in text and "platen" not in text
    scenario = load_scenario(path)
    assert scenario.spacecraft.thermal.face_emissivity == pytest.approx(fitted["parameters"]["face_emissivity"])
    assert scenario.name == load_scenario("picodragon-2013").name


def test_unknown_parameters_and_logs_without_nodes_are_refused() -> None:
    scenario = load_scenario("picodragon-2013")
    log = generate_log(scenario.spacecraft, load_profile("university-lab"), seed=1)
    with pytest.raises(CorrelationError, match="no thermal parameter 'colour'"):
        correlate(scenario, log, ["colour"])
    log.temperatures = {"shroud": log.temperatures["shroud"], "tc7": log.temperatures["battery"]}
    with pytest.raises(CorrelationError, match="no channel names a thermal node"):
        correlate(scenario, log)

"""The propagator's drag coefficient models: fixed, or Sentman's along the path (issue 15)."""

from __future__ import annotations

import numpy as np
import pytest

from picodragon.physics import propagator as prop_module
from picodragon.physics.decay import ATTITUDE_MODES, predict_lifetime, propagator_for
from picodragon.physics.propagator import NumericalPropagator


def _heavy(scenario, **kw):
    """A body of 1 kg with 0.5 m^2 of area from the reference mission's ejected state: it comes
    down in days, so a whole life runs in a test."""
    p = propagator_for(scenario)
    return NumericalPropagator(p.t[0], p.y[0, :3], p.y[0, 3:], 2.2, 0.5, 1.0,
                               rtol=1e-9, max_step_s=60.0, density_grid_s=180.0, **kw)


def test_a_constant_sentman_cd_equal_to_the_fixed_one_gives_the_same_life(scenario, monkeypatch):
    fixed = _heavy(scenario).run_to_reentry(120)
    assert fixed is not None

    def constant(speed, temperature, number, alpha=None):
        return np.full(len(speed), 2.2), np.full(len(speed), 0.5)

    monkeypatch.setattr(prop_module, "mixture_cd", constant)
    table = _heavy(scenario, cd_model="sentman")
    assert table.run_to_reentry(120) == pytest.approx(fixed, abs=1.0)  # seconds
    assert np.all(table.cd_log[:, 1] == 2.2) and np.all(table.cd_log[:, 2] == 0.5)


def test_sentman_cd_follows_accommodation_and_shortens_or_lengthens_the_life(scenario):
    full = _heavy(scenario, cd_model="sentman", accommodation=1.0)
    part = _heavy(scenario, cd_model="sentman", accommodation=0.8)
    t_full, t_part = full.run_to_reentry(120), part.run_to_reentry(120)
    cd_full, cd_part = full.cd_log[:, 1], part.cd_log[:, 1]
    assert cd_full.min() > 2.0 and cd_full.max() < cd_part.min() and cd_part.max() < 2.8
    assert np.all(full.cd_log[:, 2] == 1.0)
    assert t_part < t_full  # more drag, earlier re-entry


def test_the_fixed_model_logs_its_cd_and_no_accommodation(scenario):
    p = _heavy(scenario)
    p.extend_to(p.t[0] + 86400.0)
    assert np.all(p.cd_log[:, 1] == 2.2) and np.all(np.isnan(p.cd_log[:, 2]))


def test_bad_models_are_refused(scenario):
    with pytest.raises(ValueError, match="cd_model"):
        _heavy(scenario, cd_model="dria")
    with pytest.raises(ValueError, match="accommodation"):
        _heavy(scenario, cd_model="sentman", accommodation=1.5)
    with pytest.raises(ValueError, match="attitude"):
        predict_lifetime(scenario, max_days=1, attitude="spinning top")
    assert ATTITUDE_MODES[0] == "tumbling"


def test_predict_lifetime_reports_the_cd_along_the_path(scenario):
    out = predict_lifetime(scenario, max_days=2.0, fidelity="fast", cd_model="sentman")
    inputs = out["inputs"]
    assert inputs["cd_model"] == "sentman" and inputs["accommodation_model"] == "Pilinski et al. 2010"
    assert 2.1 < inputs["drag_coefficient_mean"] < 2.6  # a tumbling 1U at about 410 km
    assert 0.5 < inputs["accommodation"] < 1.0
    assert inputs["drag_area_m2"] == pytest.approx(
        scenario.spacecraft.mean_cross_section_m2) and inputs["appendage_area_m2"] > 0
    assert "Sentman" in out["model"]
    fixed = predict_lifetime(scenario, max_days=2.0, fidelity="fast", accommodation=None)
    assert fixed["inputs"]["drag_coefficient_mean"] == 2.2 and fixed["inputs"]["accommodation"] is None

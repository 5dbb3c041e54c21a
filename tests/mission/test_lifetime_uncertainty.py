"""The lifetime Monte Carlo: its input table, its Latin hypercube, its ranking, a small campaign."""

from __future__ import annotations

import numpy as np
import pytest

from picodragon.config import ConfigError, load_scenario
from picodragon.config.loader import scenario_from_dict
from picodragon.config.models import Uncertainty
from picodragon.mission.lifetime_uncertainty import (
    ACCOMMODATION_RANGE,
    DENSITY_BIAS_SIGMA,
    DRAG_COEFFICIENT_RANGE,
    UncertainInput,
    apply,
    design_matrix,
    draw,
    interval,
    lifetime_uncertainty,
    uncertain_inputs,
    variance_shares,
)


@pytest.fixture(scope="module")
def reference():
    return load_scenario()


def test_the_reference_mission_varies_its_quoted_ranges_and_the_literatures(reference):
    table = uncertain_inputs(reference)
    by_name = {i.name: i for i in table.varied}
    assert list(by_name) == ["mass_kg", "ejection_speed_m_s", "appendage_length_factor", "appendage_width_factor",
                             "cd_model", "drag_coefficient", "accommodation", "density_scale", "atmosphere"]
    assert (by_name["mass_kg"].low, by_name["mass_kg"].high) == reference.uncertainty.mass_kg == (0.983, 1.0)
    assert (by_name["ejection_speed_m_s"].low, by_name["ejection_speed_m_s"].high) == (0.77, 1.7)
    assert (by_name["drag_coefficient"].low, by_name["drag_coefficient"].high) == DRAG_COEFFICIENT_RANGE
    assert (by_name["accommodation"].low, by_name["accommodation"].high) == ACCOMMODATION_RANGE
    assert by_name["drag_coefficient"].when == "cd_model=fixed" and by_name["accommodation"].when == "cd_model=sentman"
    assert set(by_name["cd_model"].choices) == {"fixed", "sentman"}
    assert by_name["density_scale"].high == DENSITY_BIAS_SIGMA
    assert set(by_name["atmosphere"].choices) == {"nrlmsis21", "nrlmsise00"}
    assert all(i.source for i in table.varied)
    assert {h.name for h in table.held} == {"attitude", "space weather"}  # one attitude mode modelled


def test_an_input_without_a_range_is_held_and_named(reference):
    bare = reference.model_copy(update={"uncertainty": Uncertainty(ejection_speed_m_s=(1.1, 1.1))})
    table = uncertain_inputs(bare)
    assert {i.name for i in table.varied} == {"cd_model", "drag_coefficient", "accommodation", "density_scale",
                                              "atmosphere"}
    held = {h.name: h for h in table.held}
    assert held["mass_kg"].value == reference.spacecraft.mass_kg
    assert held["ejection_speed_m_s"].value == reference.deployment.ejection_speed_m_s
    assert held["appendage_width_factor"].value == 1.0
    no_antenna = bare.model_copy(update={"spacecraft": bare.spacecraft.model_copy(update={"appendages": []})})
    assert "appendages" in {h.name for h in uncertain_inputs(no_antenna).held}


def test_a_reversed_range_is_refused_by_the_loader(reference):
    data = reference.model_dump(mode="json")
    data["uncertainty"] = {"mass_kg": [1.0, 0.9]}
    with pytest.raises(ConfigError, match="uncertainty"):
        scenario_from_dict(data, "test")


def test_draws_are_seeded_and_stay_in_their_ranges(reference):
    inputs = uncertain_inputs(reference).varied
    a, b, c = draw(inputs, 50, seed=3), draw(inputs, 50, seed=3), draw(inputs, 50, seed=4)
    assert a == b and a != c
    for s in a:
        assert 0.983 <= s["mass_kg"] <= 1.0 and 0.77 <= s["ejection_speed_m_s"] <= 1.7
        assert 2.0 <= s["drag_coefficient"] <= 2.6 and s["atmosphere"] in ("nrlmsis21", "nrlmsise00")
    assert sum(s["atmosphere"] == "nrlmsise00" for s in a) == 25  # a hypercube splits a choice evenly


def test_each_uniform_input_takes_every_stratum_once(reference):
    inputs = uncertain_inputs(reference).varied
    n = 40
    for inp in (i for i in inputs if i.distribution == "uniform"):
        x = np.array([s[inp.name] for s in draw(inputs, n, seed=1)])
        strata = np.floor(n * (x - inp.low) / (inp.high - inp.low)).astype(int)
        assert sorted(strata) == list(range(n))


def test_the_density_factor_is_lognormal_with_the_cited_spread(reference):
    inputs = [i for i in uncertain_inputs(reference).varied if i.name == "density_scale"]
    k = np.array([s["density_scale"] for s in draw(inputs, 2000, seed=0)])
    assert np.median(k) == pytest.approx(1.0, abs=0.01)
    assert np.log(k).std() == pytest.approx(DENSITY_BIAS_SIGMA, rel=0.03)


def test_apply_puts_each_value_where_its_table_row_says(reference):
    inputs = uncertain_inputs(reference).varied
    sample = {"mass_kg": 0.99, "ejection_speed_m_s": 1.5, "appendage_length_factor": 2.0,
              "appendage_width_factor": 0.6, "cd_model": "fixed", "drag_coefficient": 2.5,
              "accommodation": 0.9, "density_scale": 1.2, "atmosphere": "nrlmsise00"}
    varied, kwargs = apply(reference, inputs, sample)
    assert varied.spacecraft.mass_kg == 0.99 and varied.spacecraft.drag_coefficient == 2.5
    assert varied.deployment.ejection_speed_m_s == 1.5
    (tape,), (was,) = varied.spacecraft.appendages, reference.spacecraft.appendages
    assert tape.length_m == pytest.approx(2 * was.length_m) and tape.width_m == pytest.approx(0.6 * was.width_m)
    assert varied.spacecraft.appendage_area_m2 == pytest.approx(1.2 * reference.spacecraft.appendage_area_m2)
    assert kwargs == {"cd_model": "fixed", "density_scale": 1.2, "atmosphere": "nrlmsise00"}  # no accommodation
    assert reference.spacecraft.mass_kg == 1.0  # the original is untouched
    sentman, kwargs = apply(reference, inputs, {**sample, "cd_model": "sentman"})
    assert sentman.spacecraft.drag_coefficient == reference.spacecraft.drag_coefficient
    assert kwargs["cd_model"] == "sentman" and kwargs["accommodation"] == 0.9


def test_the_ranking_recovers_known_variance_shares():
    """y = a^2 b^0.5 exp(0.1 [c = 'y']): var(ln y) = 4 s_a^2 + 0.25 var(ln b) + 0.01/4, so the shares
    are 0.967, 0.026 and 0.007 (b uniform on 1..2: var(ln b) = 0.03910)."""
    inputs = [UncertainInput("a", "lognormal", 1.0, 0.3, log=True),
              UncertainInput("b", "uniform", 1.0, 2.0, log=True),
              UncertainInput("c", "choice", choices=("x", "y"))]
    samples = draw(inputs, 400, seed=5)
    y = np.array([s["a"] ** 2 * s["b"] ** 0.5 * np.exp(0.1 * (s["c"] == "y")) for s in samples])
    ranking, r2 = variance_shares(design_matrix(inputs, samples), np.log(y))
    total = 4 * 0.09 + 0.25 * 0.03910 + 0.0025
    assert [r["input"] for r in ranking] == ["a", "b", "c"]
    shares = {r["input"]: r["share"] for r in ranking}
    assert shares["a"] == pytest.approx(0.36 / total, abs=0.02)
    assert shares["b"] == pytest.approx(0.25 * 0.03910 / total, abs=0.005)
    assert shares["c"] == pytest.approx(0.0025 / total, abs=0.003)
    assert r2 == pytest.approx(1.0, abs=1e-9)
    assert {r["input"]: r["coefficient"] for r in ranking}["a"] == pytest.approx(2.0, abs=1e-6)


def test_an_input_of_one_model_is_ranked_on_the_runs_of_that_model():
    """ln y = ln(cd) under 'fixed', -0.5 alpha under 'sentman': exact with the conditional columns."""
    inputs = [UncertainInput("m", "choice", choices=("fixed", "sentman")),
              UncertainInput("cd", "uniform", 2.0, 2.6, log=True, when="m=fixed"),
              UncertainInput("alpha", "uniform", 0.8, 1.0, when="m=sentman")]
    samples = draw(inputs, 200, seed=9)
    y = np.array([np.log(s["cd"]) if s["m"] == "fixed" else -0.5 * s["alpha"] for s in samples])
    ranking, r2 = variance_shares(design_matrix(inputs, samples), y)
    assert r2 == pytest.approx(1.0, abs=1e-9)
    coefficients = {r["input"]: r["coefficient"] for r in ranking}
    assert coefficients["cd"] == pytest.approx(1.0) and coefficients["alpha"] == pytest.approx(-0.5)


def test_what_no_input_explains_alone_shows_in_r2():
    inputs = [UncertainInput("a", "uniform", -1.0, 1.0), UncertainInput("b", "uniform", -1.0, 1.0)]
    samples = draw(inputs, 300, seed=2)
    y = np.array([s["a"] + 3 * s["a"] * s["b"] for s in samples])  # a strong interaction
    ranking, r2 = variance_shares(design_matrix(inputs, samples), y)
    assert ranking[0]["input"] == "a"
    assert r2 < 0.3


def test_too_few_runs_give_no_ranking():
    inputs = [UncertainInput("a", "uniform", 1.0, 2.0), UncertainInput("b", "uniform", 1.0, 2.0)]
    samples = draw(inputs, 4, seed=0)
    assert variance_shares(design_matrix(inputs, samples), np.arange(4.0)) == ([], None)


def test_interval_and_its_bootstrap():
    days = np.arange(1.0, 101.0)
    point, spread = interval(days)
    assert point == {"p5": 5.95, "p50": 50.5, "p95": 95.05}
    assert spread["p5"][0] <= point["p5"] <= spread["p5"][1] and spread["p95"][0] < spread["p95"][1]


@pytest.fixture(scope="module")
def short_lived(reference):
    """The reference spacecraft at a twentieth of its mass: a life of about a week (cheap runs)."""
    sc = reference.spacecraft.model_copy(update={"mass_kg": 0.05})
    return reference.model_copy(update={"spacecraft": sc, "uncertainty": Uncertainty(
        mass_kg=(0.045, 0.055), ejection_speed_m_s=(0.77, 1.7))})


def test_a_small_campaign_in_process(short_lived):
    out = lifetime_uncertainty(short_lived, 12, seed=1, workers=0)
    iv, u = out["interval"], out["uncertainty"]
    assert 1 < iv["p5"] <= iv["p50"] <= iv["p95"] < 30
    assert u["samples"] == 12 and len(u["runs"]) == 12 and u["censored"] == 0
    assert {r["input"] for r in out["ranking"]} == {i["name"] for i in u["inputs"]}
    assert u["r2"] > 0.9  # ln(days) is close to linear in ln(m), ln(Cd), ln(k)
    again = lifetime_uncertainty(short_lived, 12, seed=1, workers=0)
    assert again["interval"] == iv  # seeded: the same campaign


@pytest.mark.slow
def test_a_small_campaign_on_a_local_dask_cluster(short_lived):
    out = lifetime_uncertainty(short_lived, 4, seed=1, workers=2)
    assert out["uncertainty"]["scheduler"] == "LocalCluster(2 processes)"
    local = lifetime_uncertainty(short_lived, 4, seed=1, workers=0)
    assert [r["days"] for r in out["uncertainty"]["runs"]] == [r["days"] for r in local["uncertainty"]["runs"]]

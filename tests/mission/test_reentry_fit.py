"""Re-entry from element sets on the twin: a truth flown with a known atmosphere and factor, its
catalogue sets, and the fit that must find the factor again (issue 15).

Two truths of the reference spacecraft (Cd, area, mass of the mission), both NRLMSISE-00 x 1.2:
from the real ejected state (419 km) for four days, and from a 300 km circular orbit in the same
plane to re-entry (about ten days, so a whole history fits in a test).
"""

from __future__ import annotations

import numpy as np
import pytest

from picodragon.mission.element_history import TruthOrbit, lowered_state, published_series
from picodragon.physics.reentry_fit import density_ratio, fit_reentry

TRUTH_ATMOSPHERE = "nrlmsise00"
TRUTH_FACTOR = 1.2


@pytest.fixture(scope="module")
def scenario():
    from picodragon.config import load_scenario

    return load_scenario()


@pytest.fixture(scope="module")
def low_truth(scenario):
    truth = TruthOrbit(scenario, TRUTH_ATMOSPHERE, TRUTH_FACTOR, lowered_state(scenario, 300e3))
    return truth, published_series(truth)


def test_the_fit_recovers_the_truths_factor_within_5_percent_from_the_reference_ejection(scenario):
    """Done means of issue 15: same atmosphere, the known factor within 5 % (arcs and combined)."""
    truth = TruthOrbit(scenario, TRUTH_ATMOSPHERE, TRUTH_FACTOR)
    sets = published_series(truth, until_unix=truth.start_unix + 4.01 * 86400.0, max_days=5.0)
    assert len(sets) == 4
    fit = fit_reentry(sets, scenario, atmosphere=TRUTH_ATMOSPHERE, max_days=1.0, history_points=1)
    assert len(fit.arcs) == 3
    for arc in fit.arcs:
        assert arc.observed_decay_m > 0 and arc.note == ""
        assert arc.factor == pytest.approx(TRUTH_FACTOR, rel=0.05)
    assert fit.latest.factor == pytest.approx(TRUTH_FACTOR, rel=0.05)
    # the factor's spread is small next to the factor (the arcs agree)
    assert fit.latest.factor_sigma < 0.05 * TRUTH_FACTOR


def test_a_wrong_ballistic_coefficient_is_absorbed_into_the_factor(scenario):
    """A spacecraft twice as heavy as the truth's needs twice the density: the factor says so."""
    truth = TruthOrbit(scenario, TRUTH_ATMOSPHERE, TRUTH_FACTOR)
    sets = published_series(truth, until_unix=truth.start_unix + 3.01 * 86400.0, max_days=4.0)
    heavy = scenario.model_copy(update={"spacecraft": scenario.spacecraft.model_copy(
        update={"mass_kg": 2.0 * scenario.spacecraft.mass_kg})})
    fit = fit_reentry(sets, heavy, atmosphere=TRUTH_ATMOSPHERE, max_days=1.0, history_points=1)
    assert fit.latest.factor == pytest.approx(2.0 * TRUTH_FACTOR, rel=0.05)


def test_same_atmosphere_low_orbit_recovers_the_factor_and_the_date(scenario, low_truth):
    truth, sets = low_truth
    fit = fit_reentry(sets, scenario, atmosphere=TRUTH_ATMOSPHERE, history_points=3)
    assert all(a.factor == pytest.approx(TRUTH_FACTOR, rel=0.01) for a in fit.arcs)
    reentry = truth.reentry()
    assert abs(fit.latest.reentry - reentry) < 0.02 * 86400.0


def test_another_atmosphere_finds_the_truths_equivalent_factor_and_converges(scenario, low_truth):
    """Predicting in NRLMSIS 2.1 a truth flown in NRLMSISE-00 x 1.2: each arc's factor is the
    truth's equivalent, the ratio of the truth's density to NRLMSIS 2.1's integrated along the
    truth's path over that arc; and the re-entry error shrinks as the sets approach it."""
    truth, sets = low_truth
    fit = fit_reentry(sets, scenario, atmosphere="nrlmsis21", history_points=4)
    assert len(fit.arcs) == len(sets) - 1 >= 6
    for arc in fit.arcs:
        t = np.arange(arc.start, arc.end, 120.0)
        r, _ = truth.state_teme(t)
        equivalent = density_ratio(t, r, TRUTH_ATMOSPHERE, "nrlmsis21", TRUTH_FACTOR)
        assert equivalent > 1.25  # the models differ: the equivalent is not the truth's 1.2
        assert arc.factor == pytest.approx(equivalent, rel=0.02)
    reentry = truth.reentry()
    errors = [abs(p.reentry - reentry) for p in fit.history]
    assert len(errors) == 4
    assert errors[-1] < errors[0] / 3
    assert errors[-1] < 0.05 * 86400.0
    first, last = fit.history[0], fit.history[-1]
    assert first.interval is None and first.factor_sigma is None  # one arc: no spread yet
    assert last.interval[0] < last.reentry < last.interval[1]
    # the operational window (+-20 % of the time left) holds the truth from every set
    assert all(p.window[0] <= reentry <= p.window[1] for p in fit.history)


def test_sets_closer_than_half_a_day_are_skipped_and_long_gaps_are_one_arc(scenario, low_truth):
    """Catalogues publish irregularly: of two sets 0.2 day apart the earlier is skipped (the
    selection walks back from the latest; so short an arc's decay is within real sets' scatter),
    and a two-day gap is fitted as one arc, with the same factor."""
    from picodragon.mission.catalogue import published_element_set
    from picodragon.physics.orbit import carrier_epoch_unix
    from picodragon.physics.reentry_fit import MIN_ARC_DAYS

    truth, sets = low_truth
    extra = published_element_set(truth, carrier_epoch_unix(sets[0].satrec) + 0.2 * 86400.0)
    chosen = [sets[0], extra, sets[1], sets[3], sets[4]]  # 0.2 day, 0.8 day, 2 days, 1 day
    done: list[float] = []
    fit = fit_reentry(chosen, scenario, atmosphere=TRUTH_ATMOSPHERE, max_days=1.0, history_points=1,
                      progress=done.append)
    assert done == sorted(done) and done[-1] == 1.0 and len(done) == 3 + 1  # arcs, then the history
    assert MIN_ARC_DAYS == 0.5 and fit.skipped == 1
    assert [round(a.days, 1) for a in fit.arcs] == [0.8, 2.0, 1.0]
    assert all(a.factor == pytest.approx(TRUTH_FACTOR, rel=0.01) for a in fit.arcs)

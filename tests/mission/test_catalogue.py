"""The catalogue's daily element sets stay close to the twin's truth, as real ones do."""

from __future__ import annotations

import numpy as np

from picodragon.config import load_scenario
from picodragon.mission.catalogue import published_element_set
from picodragon.physics.orbit import propagate_sgp4
from picodragon.physics.twin import Twin


def test_published_set_tracks_the_truth_for_a_day():
    twin = Twin(load_scenario(), attitude=False)
    epoch = twin.start_unix + 3 * 86400.0
    twin.orbit.extend_to(epoch + 86400.0)
    es = published_element_set(twin, epoch)
    assert abs(es.epoch.timestamp() - epoch) < 1.0
    times = epoch + np.array([0.0, 43200.0, 86400.0])
    r_sgp4, _, err = propagate_sgp4(es.satrec, times)
    r_true, _ = twin.state_teme(times)
    miss_km = np.linalg.norm(r_sgp4 - r_true, axis=1) / 1e3
    assert not err.any()
    assert miss_km[0] < 0.1
    assert miss_km[2] < 25.0  # a catalogue TLE of a decaying 400 km orbit: kilometres a day
    # while the set derived once at ejection has drifted much further by then
    r_old, _, _ = propagate_sgp4(twin.element_set.satrec, times[:1])
    assert np.linalg.norm(r_old[0] - r_true[0]) / 1e3 > 5 * miss_km[1]


def test_a_memo_publishes_the_same_sets_as_fresh_fits():
    twin = Twin(load_scenario(), attitude=False)
    epochs = twin.start_unix + 86400.0 * np.arange(1, 4)
    twin.orbit.extend_to(epochs[-1] + 3600.0)
    memo: dict = {}
    kept = [published_element_set(twin, float(t), memo=memo) for t in epochs]
    fresh = [published_element_set(twin, float(t)) for t in epochs]
    assert [(es.line1, es.line2) for es in kept] == [(es.line1, es.line2) for es in fresh]
    assert list(memo["fits"]) == [epochs[-1]]  # only the last epoch is kept

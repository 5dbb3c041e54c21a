"""A full-lifetime run of the twin, deployment to re-entry, with its histories."""

from __future__ import annotations

import numpy as np
import pytest

from picodragon.physics.twin import HISTORY_FIELDS, simulate


@pytest.mark.slow
def test_full_lifetime_run_reaches_reentry(scenario):
    twin, h = simulate(scenario, seed=0)
    assert twin.reentered
    days = (twin.reentry_unix - twin.start_unix) / 86400
    assert 60 < days < 250
    assert set(h) == set(HISTORY_FIELDS)
    alt = h["altitude_km"][np.isfinite(h["altitude_km"])]  # the row after re-entry has no position
    assert alt[0] > 400 and 100 < alt[-1] < 200
    # tip-off damped: the last month turns slower than the first day
    first = h["body_rate_deg_s"][h["unix_s"] < twin.start_unix + 86400]
    last = h["body_rate_deg_s"][h["unix_s"] > twin.reentry_unix - 30 * 86400]
    assert np.nanmean(last) < 0.3 * np.nanmean(first)
    assert np.all((h["battery_soc"] >= 0) & (h["battery_soc"] <= 1))
    t_bat = h["temperature_battery_c"]
    assert t_bat.min() > -60 and t_bat.max() < 80

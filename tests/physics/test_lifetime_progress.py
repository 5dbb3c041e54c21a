"""predict_lifetime(progress=...): a fraction per atmosphere that only grows and ends at 1."""

from __future__ import annotations

import pytest

from picodragon.config import load_scenario
from picodragon.physics.decay import lifetime_fraction, predict_lifetime


def test_lifetime_fraction_takes_the_larger_of_time_and_fall():
    r0 = 6_371_000.0 + 420e3
    assert lifetime_fraction(0.0, r0, r0, 100) == 0.0
    assert lifetime_fraction(50 * 86400.0, r0, r0, 100) == pytest.approx(0.5)
    assert lifetime_fraction(0.0, 6_371_000.0 + 270e3, r0, 100) == pytest.approx(0.5)
    assert lifetime_fraction(0.0, 6_371_000.0 + 100e3, r0, 100) == 1.0


def test_progress_grows_to_one_in_each_atmosphere():
    seen: dict[str, list[float]] = {}
    out = predict_lifetime(load_scenario(), max_days=3.0, fidelity="fast", compare=True,
                           progress=lambda name, f: seen.setdefault(name, []).append(f))
    assert out["reentry"] is None  # three days are not a lifetime
    assert set(seen) == {"nrlmsis21", "nrlmsise00"}
    for fractions in seen.values():
        assert len(fractions) >= 2
        assert fractions == sorted(fractions) and fractions[-1] == 1.0 and 0 <= fractions[0] < 1

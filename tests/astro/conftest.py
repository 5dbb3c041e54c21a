"""Shared fixtures of the astro tests: Skyfield as the oracle, one element set of 2013."""

from __future__ import annotations

import numpy as np
import pytest

from picodragon.elements import ElementSet

# ISS (ZARYA) in November 2013, the carrier of the packaged scenario's deployment
ISS_2013 = (
    "1 25544U 98067A   13329.81056895  .00017555  00000-0  30885-3 0  1015",
    "2 25544  51.6512  27.5741 0001256 103.0346   4.9903 15.50551370859772",
)
T0 = 1385409600.0
"""2013-11-25T20:00:00Z, near the element set's epoch"""


@pytest.fixture(scope="session")
def element_set() -> ElementSet:
    return ElementSet.from_lines(*ISS_2013, name="ISS (ZARYA)")


@pytest.fixture(scope="session")
def times() -> np.ndarray:
    """Six hours at 97 s, so that every phase of an orbit and of the Earth's turn is met."""
    return T0 + np.arange(0.0, 6 * 3600.0, 97.0)

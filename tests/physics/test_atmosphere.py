"""The atmospheres: NRLMSIS 2.1 (default) and NRLMSISE-00, both from pymsis on SW-All."""

from __future__ import annotations

import numpy as np
import pytest

from picodragon.physics.atmosphere import ATMOSPHERES, DEFAULT_ATMOSPHERE, atmosphere_label, density

T = 1384863420.0 + np.arange(0, 86400, 5400.0)  # the reference mission's first day, every 1.5 h
LAT = np.linspace(-51.6, 51.6, len(T))
LON = np.linspace(-180.0, 170.0, len(T))


def test_the_default_is_nrlmsis21_and_both_models_are_offered():
    assert DEFAULT_ATMOSPHERE == "nrlmsis21"
    assert list(ATMOSPHERES) == ["nrlmsis21", "nrlmsise00"]
    assert atmosphere_label("nrlmsise00") == "NRLMSISE-00"
    np.testing.assert_array_equal(density(T, LAT, LON, np.full(len(T), 419e3)),
                                  density(T, LAT, LON, np.full(len(T), 419e3), model="nrlmsis21"))


def test_nrlmsise00_is_denser_than_nrlmsis21_at_the_deployment_height():
    """Late 2013 at 419 km: NRLMSISE-00 is some 15 % denser than NRLMSIS 2.1 (issue 15)."""
    alt = np.full(len(T), 419e3)
    new = density(T, LAT, LON, alt)
    old = density(T, LAT, LON, alt, model="nrlmsise00")
    assert np.all((new > 1e-13) & (new < 1e-10))  # kg/m^3, a few 1e-12 near solar maximum
    ratio = old.mean() / new.mean()
    assert 1.05 < ratio < 1.3


def test_an_unknown_atmosphere_is_a_clear_error():
    with pytest.raises(ValueError, match="nrlmsis21, nrlmsise00"):
        density(T[:1], LAT[:1], LON[:1], [419e3], model="jb2008")

"""Numerical propagator: gravity field against the potential, drag direction, re-entry, lifetime."""

from __future__ import annotations

import numpy as np
import pytest

from picodragon.physics.constants import J2, J3, J4, MU_EARTH, R_EARTH
from picodragon.physics.decay import predict_lifetime, propagator_for
from picodragon.physics.propagator import NumericalPropagator, gravity


def potential(r):
    x, y, z = r
    rn = np.sqrt(x * x + y * y + z * z)
    s = z / rn
    p2 = 0.5 * (3 * s**2 - 1)
    p3 = 0.5 * (5 * s**3 - 3 * s)
    p4 = (35 * s**4 - 30 * s**2 + 3) / 8
    return MU_EARTH / rn * (1 - J2 * (R_EARTH / rn) ** 2 * p2 - J3 * (R_EARTH / rn) ** 3 * p3
                            - J4 * (R_EARTH / rn) ** 4 * p4)


def zonal_part(r):
    """The potential less the point mass (so finite differences do not drown in rounding)."""
    x, y, z = r
    rn = np.sqrt(x * x + y * y + z * z)
    s = z / rn
    p2 = 0.5 * (3 * s**2 - 1)
    p3 = 0.5 * (5 * s**3 - 3 * s)
    p4 = (35 * s**4 - 30 * s**2 + 3) / 8
    return -MU_EARTH / rn * (J2 * (R_EARTH / rn) ** 2 * p2 + J3 * (R_EARTH / rn) ** 3 * p3
                             + J4 * (R_EARTH / rn) ** 4 * p4)


@pytest.mark.parametrize("r", [[6.8e6, 0, 0], [3e6, 4e6, 4.5e6], [-1e6, 2e6, -6.5e6]])
def test_gravity_is_the_gradient_of_the_zonal_potential(r):
    r = np.array(r, dtype=float)
    h = 10.0
    grad = np.array([(zonal_part(r + h * e) - zonal_part(r - h * e)) / (2 * h) for e in np.eye(3)])
    grad -= MU_EARTH * r / np.linalg.norm(r) ** 3
    np.testing.assert_allclose(gravity(r), grad, rtol=0, atol=1e-11)


def test_energy_is_conserved_without_drag():
    """J2-J4 are conservative: with drag and SRP off, the energy stays constant over a day."""
    r0 = np.array([6.8e6, 0.0, 0.0])
    v0 = np.array([0.0, 4.8e3, 5.9e3])
    p = NumericalPropagator(1384863420.0, r0, v0, 2.2, 0.0, 1.0, drag=False, srp=False)
    p.extend_to(1384863420.0 + 86400)
    r, v = p.y[:, :3], p.y[:, 3:]

    def energy(r, v):
        return 0.5 * (v**2).sum(1) - np.array([potential(x) for x in r])

    e = energy(r, v)
    assert np.max(np.abs(e / e[0] - 1)) < 1e-9  # at the integrator's own steps


def test_drag_lowers_the_orbit_and_reentry_is_detected(scenario):
    p = propagator_for(scenario)
    a0 = np.linalg.norm(p.states(p.t[0] + np.linspace(0, 5560, 200))[0], axis=1).mean()
    a1 = np.linalg.norm(p.states(p.t[0] + 10 * 86400 + np.linspace(0, 5560, 200))[0], axis=1).mean()
    assert 1e3 < a0 - a1 < 20e3  # hundreds of metres a day at 410 km near solar maximum
    # a much heavier drag body re-enters quickly, and states after re-entry are NaN
    q = NumericalPropagator(p.t[0], p.y[0, :3], p.y[0, 3:], 2.2, 2.0, 1.0)
    when = q.run_to_reentry(60)
    assert when is not None
    r, _ = q.states([when - 60, when + 600])
    assert np.all(np.isfinite(r[0])) and np.all(np.isnan(r[1]))


def test_predict_lifetime_reports_inputs(scenario):
    out = predict_lifetime(scenario)
    assert set(out) >= {"start", "reentry", "days", "model", "inputs"}
    assert out["start"] == "2013-11-19T12:17:00Z"
    assert out["reentry"] is not None and out["reentry"].endswith("Z")
    assert 30 < out["days"] < 400
    assert out["inputs"]["space_weather_observed"]


def test_fast_lifetime_prediction(scenario):
    fast = predict_lifetime(scenario, fidelity="fast")
    assert 30 < fast["days"] < 400
    assert "fast" in fast["model"]
    with pytest.raises(ValueError):
        predict_lifetime(scenario, fidelity="sloppy")


def test_density_scale_shortens_or_lengthens_life(scenario):
    base = propagator_for(scenario)
    dense = propagator_for(scenario, density_scale=2.0)
    t = base.t[0] + 5 * 86400 + np.linspace(0, 5560, 100)
    a_base = np.linalg.norm(base.states(t)[0], axis=1).mean()
    a_dense = np.linalg.norm(dense.states(t)[0], axis=1).mean()
    assert a_dense < a_base - 500.0
    with pytest.raises(ValueError):
        predict_lifetime(scenario, density_scale=0.0)

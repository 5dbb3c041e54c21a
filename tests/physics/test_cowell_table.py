"""The density table of the compiled force model (physics/cowell.py): between the samples the
log density follows a cubic through the four nearest (Catmull-Rom), which is exact for a log
density quadratic in time, where linear interpolation is biased low wherever the curve bends."""

from __future__ import annotations

import math

import numpy as np
import pytest

from picodragon.physics.constants import OMEGA_EARTH
from picodragon.physics.cowell import _deriv

T0, DT = 1000.0, 120.0
R = 6.8e6
STATE = np.array([R, 0.0, 0.0, 0.0, 7600.0, 0.0])
BC = 0.02


def _log_rho(t):
    """A log density quadratic in time, bent like the diurnal bulge (peak at the table's middle)."""
    return -27.0 - 0.4 * ((t - T0 - 5 * DT) / (5 * DT)) ** 2


def _density_seen(t: float, logrho: np.ndarray) -> float:
    """The density the force model applies at time t (drag over 1/2 Cd A/m v_rel^2)."""
    m = len(logrho)
    table = (np.full(m, BC), 0.0, T0, DT, logrho, np.full(m, R), np.zeros(m), np.zeros((m, 3)),
             np.zeros(m))
    with_drag, without = np.empty(6), np.empty(6)
    _deriv(t, STATE, with_drag, *table)
    _deriv(t, STATE, without, *table[:4], np.full(m, -1000.0), *table[5:])
    v_rel = STATE[4] - OMEGA_EARTH * R
    return float(-(with_drag[4] - without[4]) / (0.5 * BC * abs(v_rel) * v_rel))


def test_log_density_between_samples_is_the_cubic():
    nodes = T0 + DT * np.arange(11)
    logrho = _log_rho(nodes)
    for t in np.linspace(T0 + DT, T0 + 9 * DT, 37):  # inner intervals: four nodes around each
        assert math.log(_density_seen(float(t), logrho)) == approx(_log_rho(t))
    # at a node the table's own value, in the first and last interval linear
    assert math.log(_density_seen(T0 + 3 * DT, logrho)) == approx(logrho[3])
    edge = T0 + 0.5 * DT
    assert math.log(_density_seen(edge, logrho)) == approx(0.5 * (logrho[0] + logrho[1]))


def approx(x: float):
    """Equal to round-off in the log density."""
    return pytest.approx(x, abs=1e-9)

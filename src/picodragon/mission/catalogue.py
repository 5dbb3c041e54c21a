"""The catalogue: element sets published for the twin's spacecraft, as a tracking network would.

A real team predicts passes from the element sets the catalogue publishes (Space-Track's TLEs),
refitted every day or so from radar observations; between updates the prediction drifts from
the truth, by kilometres a day at 400 km, faster as the orbit decays. The twin's truth is the
numerical propagator (NRLMSIS drag), so an element set derived once at ejection drifts far
faster than a catalogue's would (tens of kilometres after one day, thousands after ten).

This module plays the catalogue: at each publication epoch it fits an SGP4 element set to the
true state (``physics.orbit.element_set_from_state``), with the drag term B* chosen so that the
set fitted at the previous epoch reaches the true position at this one along the track (a secant
search on the along-track miss, the quantity decay shows first). The ground never sees the
truth: only these element sets.
"""

from __future__ import annotations

import numpy as np

from picodragon.elements import ElementSet
from picodragon.physics.orbit import (
    bstar_for,
    element_set_fitter,
    element_set_from_state,
    propagate_sgp4,
)

PUBLICATION_INTERVAL_S = 86400.0
"""one set a day (assumption: the catalogue refreshes a decaying low orbit daily)"""


def _along_track_miss(twin, t_fit: float, t_check: float, bstar: float, name: str, satnum: int,
                      states: dict[float, tuple[np.ndarray, np.ndarray]] | None = None,
                      fits: dict | None = None) -> float:
    """The along-track distance (m) from the true position at ``t_check`` to where the set
    fitted at ``t_fit`` with ``bstar`` puts the spacecraft then. ``states``: the twin's states
    by time, asked once per time (a secant search asks for the same two up to eight times);
    ``fits``: the fit of each state's mean elements, made once (``element_set_fitter``)."""
    r0, v0 = _state(twin, t_fit, states)
    if fits is None:
        es = element_set_from_state(t_fit, r0[0], v0[0], name, satnum, bstar)
    else:
        fit = fits.get(t_fit)
        if fit is None:
            fit = fits[t_fit] = element_set_fitter(t_fit, r0[0], v0[0], name, satnum)
        es = fit(bstar)
    r_sgp4, _, err = propagate_sgp4(es.satrec, [t_check])
    r_true, v_true = _state(twin, t_check, states)
    if err[0]:
        return float("nan")
    along = v_true[0] / np.linalg.norm(v_true[0])
    return float(np.dot(r_sgp4[0] - r_true[0], along))


def _state(twin, t: float, states: dict[float, tuple[np.ndarray, np.ndarray]] | None
           ) -> tuple[np.ndarray, np.ndarray]:
    """The twin's TEME state at ``t`` as (1, 3) arrays, kept in ``states`` (when given)."""
    if states is None:
        return twin.state_teme(np.array([t]))
    found = states.get(t)
    if found is None:
        found = states[t] = twin.state_teme(np.array([t]))
    return found


def published_element_set(twin, epoch_unix: float, span_s: float = PUBLICATION_INTERVAL_S,
                          memo: dict | None = None) -> ElementSet:
    """The element set the catalogue publishes at ``epoch_unix`` (B* fitted over ``span_s`` before it).

    ``memo``: a dict kept by a caller that publishes a series of sets ``span_s`` apart (the
    mission runner, daily): the twin's state at this epoch and the fit of its mean elements
    (``element_set_fitter``) are kept there for the next publication, whose secant search
    starts from this epoch, so each state is asked and fitted once instead of twice. The same
    sets, bit for bit: the fit at an epoch does not depend on B* (``element_set_fitter``).
    """
    scenario = twin.scenario
    name = scenario.spacecraft.name
    satnum = scenario.spacecraft.norad_id or 99999
    bstar = bstar_for(scenario)
    t_fit = max(epoch_unix - span_s, twin.start_unix)
    states: dict[float, tuple[np.ndarray, np.ndarray]] = {}
    fits: dict = {}
    if memo is not None:  # the last publication's epoch: this one's t_fit when span_s apart
        states = dict(memo.get("states", {}))
        fits = dict(memo.get("fits", {}))
    if epoch_unix - t_fit > 3600.0:
        b0, b1 = bstar, bstar * 1.5
        m0 = _along_track_miss(twin, t_fit, epoch_unix, b0, name, satnum, states, fits)
        m1 = _along_track_miss(twin, t_fit, epoch_unix, b1, name, satnum, states, fits)
        for _ in range(6):
            if not np.isfinite(m0 + m1) or m1 == m0 or abs(m1) < 50.0:
                break
            b2 = b1 - m1 * (b1 - b0) / (m1 - m0)
            b2 = float(np.clip(b2, bstar / 20, bstar * 20))
            b0, m0 = b1, m1
            b1, m1 = b2, _along_track_miss(twin, t_fit, epoch_unix, b2, name, satnum, states, fits)
        if np.isfinite(m1):
            bstar = b1
    r, v = _state(twin, epoch_unix, states)
    fit = fits.get(epoch_unix)
    if fit is None:
        fit = element_set_fitter(epoch_unix, r[0], v[0], name, satnum)
    if memo is not None:
        memo["states"], memo["fits"] = {epoch_unix: (r, v)}, {epoch_unix: fit}
    return fit(bstar)

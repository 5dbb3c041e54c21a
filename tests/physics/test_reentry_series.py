"""The series a decay fit accepts (``reentry_fit.check_series``): one satellite, epochs strictly
increasing, at least two sets; anything else is one ElementSetError line, never another error."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from picodragon.config import load_scenario
from picodragon.elements import ElementSetError
from picodragon.physics.orbit import deployed_element_set, element_set_from_state, propagate_sgp4
from picodragon.physics.reentry_fit import check_series

_BASE = deployed_element_set(load_scenario())
_T0 = _BASE.epoch.timestamp()


def _set_at(days: float, satnum: int = 39413):
    t = _T0 + days * 86400.0
    r, v, _ = propagate_sgp4(_BASE.satrec, [t])
    return element_set_from_state(t, r[0], v[0], "TEST", satnum, _BASE.satrec.bstar)


_SETS = [_set_at(d) for d in (0.0, 0.5, 1.0, 1.5, 2.0)]
_OTHER = _set_at(2.5, satnum=25544)


def test_a_good_series_gives_states_in_epoch_order():
    states = check_series(_SETS)
    t = np.array([s.unix_s for s in states])
    assert np.all(np.diff(t) > 0) and np.allclose(np.diff(t), 43200.0, atol=1e-3)
    assert all(np.linalg.norm(s.r) > 6.6e6 for s in states)


@pytest.mark.parametrize(("sets", "words"), [
    (_SETS[:1], "at least two"),
    ([_SETS[0], _SETS[1], _SETS[1]], "share the epoch"),
    ([_SETS[1], _SETS[0]], "epoch order"),
    ([*_SETS[:2], _OTHER], "2 satellites"),
])
def test_bad_series_are_one_line(sets, words):
    with pytest.raises(ElementSetError) as err:
        check_series(sets)
    assert words in str(err.value) and "\n" not in str(err.value)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(range(len(_SETS) + 1)), min_size=0, max_size=8))
def test_any_arrangement_is_accepted_in_order_or_refused_in_one_line(picks):
    """Outside input in any order, with repeats and a stranger: states only for a valid series."""
    pool = [*_SETS, _OTHER]
    sets = [pool[i] for i in picks]
    try:
        states = check_series(sets)
    except ElementSetError as exc:
        assert "\n" not in str(exc)
        return
    assert len(sets) >= 2 and len({s.satrec.satnum for s in sets}) == 1
    assert all(b.unix_s > a.unix_s for a, b in zip(states, states[1:], strict=False))

"""A truth's element-set history, as the catalogue would publish it: the input of a decay fit.

To check a fit of the drag to element sets (``physics.reentry_fit``) the twin needs a truth whose
drag is known and the sets a tracking network would publish of it. :class:`TruthOrbit` flies the
scenario's spacecraft with the numerical propagator in one atmosphere and density factor (full
settings), from the ejected state or any state given (:func:`lowered_state`: the same plane,
lower); :func:`published_series` asks the catalogue
(``mission.catalogue.published_element_set``: SGP4 sets fitted to the truth, B* from the
along-track miss over the day before) for a set every ``every_s`` until half a day before the
truth re-enters.
"""

from __future__ import annotations

import numpy as np

from picodragon.config.models import Scenario
from picodragon.elements import ElementSet
from picodragon.mission.catalogue import PUBLICATION_INTERVAL_S, published_element_set
from picodragon.physics.constants import MU_EARTH, R_EARTH
from picodragon.physics.orbit import ejected_state
from picodragon.physics.propagator import NumericalPropagator


def lowered_state(scenario: Scenario, altitude_m: float) -> tuple[float, np.ndarray, np.ndarray]:
    """(t, r, v) of a circular orbit at ``altitude_m`` above the equatorial radius, in the plane
    and direction of the scenario's ejected state, at the ejection time: the same spacecraft and
    season with a lifetime short enough for a test."""
    t0, r, v, _ = ejected_state(scenario)
    r_low = r / np.linalg.norm(r) * (R_EARTH + altitude_m)
    along = np.cross(np.cross(r, v), r)
    along /= np.linalg.norm(along)
    return t0, r_low, along * np.sqrt(MU_EARTH / np.linalg.norm(r_low))


class TruthOrbit:
    """The truth a catalogue tracks: what ``published_element_set`` needs of a twin
    (``scenario``, ``start_unix``, ``state_teme``), from the numerical propagator alone."""

    def __init__(self, scenario: Scenario, atmosphere: str, density_scale: float,
                 state: tuple[float, np.ndarray, np.ndarray] | None = None) -> None:
        self.scenario = scenario
        t0, r, v = state if state is not None else ejected_state(scenario)[:3]
        sc = scenario.spacecraft
        self.start_unix = float(t0)
        self.atmosphere = atmosphere
        self.density_scale = density_scale
        self.propagator = NumericalPropagator(t0, r, v, sc.drag_coefficient, sc.mean_cross_section_m2,
                                              sc.mass_kg, atmosphere=atmosphere, density_scale=density_scale)

    def state_teme(self, unix_s) -> tuple[np.ndarray, np.ndarray]:
        return self.propagator.states(unix_s)

    def reentry(self, max_days: float = 3650.0) -> float | None:
        """The truth's re-entry (Unix s; None if it outlives max_days)."""
        return self.propagator.run_to_reentry(max_days)


def published_series(truth: TruthOrbit, every_s: float = PUBLICATION_INTERVAL_S,
                     until_unix: float | None = None, max_days: float = 3650.0) -> list[ElementSet]:
    """The catalogue's sets of the truth, one every ``every_s`` from a period after the start,
    until ``until_unix`` or half a day before re-entry, whichever comes first."""
    reentry = truth.reentry(max_days)
    end = truth.start_unix + max_days * 86400.0 if reentry is None else reentry - 43200.0
    if until_unix is not None:
        end = min(end, until_unix)
    epochs = np.arange(truth.start_unix + every_s, end + 1e-3, every_s)
    return [published_element_set(truth, float(t), span_s=every_s) for t in epochs]

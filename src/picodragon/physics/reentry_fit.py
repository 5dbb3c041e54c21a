"""Re-entry from a series of element sets, as operators predict it: fit the density factor, then fly.

Operators of a decaying satellite do not know its drag; they see it, in the mean motion of the
element sets the catalogue publishes. This module turns a series of sets (TLE or OMM, read at the
boundary) into a density factor k on top of a chosen atmosphere, with the scenario's ballistic
coefficient (Cd A / m), and predicts re-entry from the latest set with k and with k's spread.

Method (all numerical, fast settings of ``decay.FAST``):

1. Each set gives an osculating state at its epoch: SGP4 at tsince 0 (TEME).
2. The observed decay over an arc from set i to set i+1 is measured as the change of the mean
   semi-major axis over one orbit: a-bar is the mean osculating a (with the propagator's mu) over
   one period P after an epoch, taken from the numerical trajectory through that set's state. The
   same dynamics on both sides of the comparison average away the J2 short-period terms (about
   7 km in a at 400 km), and no SGP4 theory enters beyond the state at epoch.
3. Arc fit: the propagator flies set i's state to t(i+1) + P with factor k; the residual is its
   a-bar over [t(i+1), t(i+1) + P] minus the a-bar of the trajectory through set i+1's state over
   the same window (same k). A secant search on k (first guess from the ratio of observed to
   modelled decay) ends when the residual is below 0.1 % of the observed decay; 2 to 4 steps.
4. Combination: the mean of ln k over the arcs, weighted by each arc's length and by
   exp(-age / ``RECENCY_DAYS``) (age: from the arc's end to the latest set), and the weighted
   spread of ln k across the arcs as the uncertainty (sigma). With one arc there is no spread and
   no interval.
5. Prediction from the latest set: with k (p50), k exp(+1.645 sigma) (p5: denser, earlier) and
   k exp(-1.645 sigma) (p95), ln k taken as normal. The history repeats this with each set in turn
   as the latest (the arcs that end by then), so the convergence as sets arrive is in view.
   Beside that interval, the operational window operators quote: +-20 % of the time left
   (``WINDOW_FRACTION``, from the IADC campaigns' record).

The spread is the arc-to-arc scatter of the density against the model (solar and geomagnetic
activity the model misses). It says how steady the recent density has been, not how the factor
will drift: when the model's error changes with altitude or solar activity, the p5-p95 interval
is too narrow (bench/reentry_fit.py; docs/models.md), hence the window beside it. The atmosphere is driven by the observed space weather (SW-All) over the whole
prediction, which a real forecast does not have: over a past mission the prediction knows the
future F10.7 and Ap.

This is physics (the ground may not import it); the command line reads the file with
``ground.elementsets.read_element_sets`` and hands the sets here.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from picodragon.astro.isotime import iso_z
from picodragon.config.models import Scenario
from picodragon.elements import ElementSet, ElementSetError
from picodragon.physics.atmosphere import DEFAULT_ATMOSPHERE, check_atmosphere, density
from picodragon.physics.constants import MU_EARTH
from picodragon.physics.decay import FAST
from picodragon.physics.orbit import carrier_epoch_unix, geodetic, propagate_sgp4
from picodragon.physics.propagator import NumericalPropagator
from picodragon.physics.timebase import teme_to_ecef

RECENCY_DAYS = 7.0
"""e-folding age of an arc's weight, days. Named assumption: thermospheric density departs from
a model on the time scale of geomagnetic storms (days) and the Sun's rotation (27 days); a week
lets the last few arcs dominate, as operators refit B* on the most recent sets."""

MIN_ARC_DAYS = 0.5
"""Shorter arcs are not fitted (the set that would end them is skipped). Named assumption: over
less than half a day the decay at 400 km (tens of metres) is comparable to the scatter of real
element sets."""

Z90 = 1.6448536269514722
"""The standard normal's 95th percentile: p5/p95 of ln k at -/+ this many sigma."""

WINDOW_SAMPLES = 120
"""Samples of the osculating a over one orbit (45 s apart at 400 km)."""

WINDOW_FRACTION = 0.20
"""Half-width of the operational window, as a fraction of the time left: Pardini and Anselmo
(2018, J. Space Safety Eng. 5, "Assessing the risk and the uncertainty affecting the uncontrolled
re-entry of manmade space objects"), from 316 IADC campaign predictions: +-20 % of the residual
lifetime holds the re-entry with about 90 % confidence (+-25 % in the last two days, +-30 % for
95 %). Given beside the fit's own interval, which covers only the arcs' scatter."""

MAX_ITERATIONS = 8
REL_TOLERANCE = 1e-3
"""The secant stops when the residual is below this fraction of the observed decay."""

FACTOR_RANGE = (0.02, 50.0)
"""The factors the secant may try (a search outside means the arc is not drag-dominated)."""


@dataclass(frozen=True)
class EpochState:
    """A set's epoch (Unix s) and its SGP4 state there (TEME, m and m/s)."""

    unix_s: float
    r: np.ndarray
    v: np.ndarray


@dataclass(frozen=True)
class ArcFit:
    """The factor fitted over one arc between two sets (None where no decay was seen)."""

    start: float
    end: float
    factor: float | None
    observed_decay_m: float
    iterations: int
    note: str = ""

    @property
    def days(self) -> float:
        return (self.end - self.start) / 86400.0

    def to_json(self) -> dict:
        return {"start": iso_z(self.start, "seconds"), "end": iso_z(self.end, "seconds"),
                "days": round(self.days, 4),
                "factor": None if self.factor is None else round(self.factor, 5),
                "observed_decay_m": round(self.observed_decay_m, 2), "iterations": self.iterations,
                "note": self.note}


@dataclass(frozen=True)
class Prediction:
    """Re-entry predicted from one set: p50 with the combined factor, p5/p95 with its spread."""

    epoch: float
    factor: float
    factor_sigma: float | None
    arcs: int
    reentry: float | None
    interval: tuple[float | None, float | None] | None

    @property
    def window(self) -> tuple[float, float] | None:
        """The operational window: re-entry +- ``WINDOW_FRACTION`` of the time left."""
        if self.reentry is None:
            return None
        half = WINDOW_FRACTION * (self.reentry - self.epoch)
        return self.reentry - half, self.reentry + half

    def to_json(self) -> dict:
        def z(t):
            return None if t is None else iso_z(t, "seconds")

        return {"epoch": z(self.epoch), "factor": round(self.factor, 5),
                "factor_sigma": None if self.factor_sigma is None else round(self.factor_sigma, 5),
                "arcs": self.arcs, "reentry": z(self.reentry),
                "days_left": None if self.reentry is None else round((self.reentry - self.epoch) / 86400.0, 3),
                "interval": None if self.interval is None else [z(t) for t in self.interval],
                "window": None if self.window is None else [z(t) for t in self.window]}


@dataclass
class ReentryFit:
    """The arcs, the combined factor and the predictions (the last from the latest set)."""

    atmosphere: str
    arcs: list[ArcFit]
    history: list[Prediction]
    skipped: int = 0
    max_days: float = 3650.0
    notes: list[str] = field(default_factory=list)

    @property
    def latest(self) -> Prediction:
        return self.history[-1]

    def to_json(self) -> dict:
        last = self.latest
        return {"factor": round(last.factor, 5),
                "factor_sigma": None if last.factor_sigma is None else round(last.factor_sigma, 5),
                "atmosphere": self.atmosphere, "recency_days": RECENCY_DAYS,
                "skipped_sets": self.skipped, "arcs": [a.to_json() for a in self.arcs],
                "history": [p.to_json() for p in self.history]}


def check_series(element_sets: list[ElementSet]) -> list[EpochState]:
    """The sets' epochs and states; ElementSetError (one line) unless they are at least two sets of
    one satellite in strictly increasing epoch order that SGP4 can evaluate at epoch."""
    if len(element_sets) < 2:
        raise ElementSetError(f"a decay fit needs at least two element sets; the file holds {len(element_sets)}")
    numbers = sorted({int(es.satrec.satnum) for es in element_sets})
    if len(numbers) > 1:
        shown = ", ".join(str(n) for n in numbers[:5])
        raise ElementSetError(f"the element sets are of {len(numbers)} satellites ({shown}): give one satellite's")
    states: list[EpochState] = []
    for i, es in enumerate(element_sets, start=1):
        sat = es.satrec
        t = carrier_epoch_unix(sat)
        if states and abs(t - states[-1].unix_s) < 1.0:
            raise ElementSetError(f"element sets {i - 1} and {i} share the epoch {iso_z(t, 'seconds')}")
        if states and t < states[-1].unix_s:
            raise ElementSetError(f"element set {i} (epoch {iso_z(t, 'seconds')}) is earlier than set "
                                  f"{i - 1} ({iso_z(states[-1].unix_s, 'seconds')}): give them in epoch order")
        r, v, err = propagate_sgp4(sat, [t])
        if err[0]:
            raise ElementSetError(f"element set {i}: SGP4 fails at its own epoch (error {int(err[0])})")
        states.append(EpochState(t, r[0], v[0]))
    return states


def _period(state: EpochState) -> float:
    a = 1.0 / (2.0 / np.linalg.norm(state.r) - state.v @ state.v / MU_EARTH)
    return 2.0 * math.pi * math.sqrt(a**3 / MU_EARTH)


def _mean_sma(prop: NumericalPropagator, t0: float, period: float) -> float:
    """Mean osculating semi-major axis (m) over [t0, t0 + period]; NaN after re-entry."""
    t = t0 + period * (np.arange(WINDOW_SAMPLES) + 0.5) / WINDOW_SAMPLES
    r, v = prop.states(t)
    a = 1.0 / (2.0 / np.linalg.norm(r, axis=1) - np.sum(v * v, axis=1) / MU_EARTH)
    return float(np.mean(a))


class _Flyer:
    """Numerical propagations with the scenario's ballistic coefficient in one atmosphere."""

    def __init__(self, scenario: Scenario, atmosphere: str, cd_model: str = "fixed") -> None:
        sc = scenario.spacecraft
        self.cd, self.area, self.mass = sc.drag_coefficient, sc.mean_cross_section_m2, sc.mass_kg
        self.atmosphere = check_atmosphere(atmosphere)
        self.cd_model = cd_model

    def propagator(self, s: EpochState, k: float, chunk_s: float = 21600.0) -> NumericalPropagator:
        return NumericalPropagator(s.unix_s, s.r, s.v, self.cd, self.area, self.mass, density_scale=k,
                                   atmosphere=self.atmosphere, chunk_s=chunk_s, cd_model=self.cd_model,
                                   **FAST)


def fit_arc(flyer: _Flyer, a: EpochState, b: EpochState, k_guess: float = 1.0) -> ArcFit:
    """The factor k with which the propagator flies ``a`` to ``b``'s mean semi-major axis."""
    period = _period(b)

    def evaluate(k: float) -> tuple[float, float]:
        """(residual m, observed decay m) at factor k; NaN residual if the model re-entered."""
        arc = flyer.propagator(a, k)
        start = _mean_sma(arc, a.unix_s, _period(a))
        end = _mean_sma(arc, b.unix_s, period)
        ref = _mean_sma(flyer.propagator(b, k, chunk_s=period + 600.0), b.unix_s, period)
        return end - ref, start - ref

    k0 = float(np.clip(k_guess, *FACTOR_RANGE))
    f0, observed = evaluate(k0)
    if not np.isfinite(observed) or observed <= 0.0:
        return ArcFit(a.unix_s, b.unix_s, None, float(observed), 1, "no decay observed")
    if not np.isfinite(f0):
        k1 = k0 / 2.0
    else:
        modelled = observed + f0  # start - end of the model
        k1 = k0 * observed / modelled if modelled > 0 else k0 * 2.0
    k1 = float(np.clip(k1, *FACTOR_RANGE))
    tol = max(REL_TOLERANCE * observed, 0.01)
    for n in range(2, MAX_ITERATIONS + 1):
        f1, observed = evaluate(k1)
        if not np.isfinite(f1):  # re-entered within the arc: too dense
            k1 = (k1 + (k0 if np.isfinite(f0) else k1 / 2.0)) / 2.0
            continue
        if abs(f1) <= tol:
            return ArcFit(a.unix_s, b.unix_s, k1, observed, n)
        if np.isfinite(f0) and f1 != f0:
            k2 = k1 - f1 * (k1 - k0) / (f1 - f0)
        else:
            k2 = k1 * (0.8 if f1 < 0 else 1.25)
        k0, f0 = k1, f1
        k1 = float(np.clip(k2, *FACTOR_RANGE))
    return ArcFit(a.unix_s, b.unix_s, k1, observed, MAX_ITERATIONS, "did not converge")


def combine(arcs: list[ArcFit], at_unix_s: float) -> tuple[float, float | None]:
    """(factor, sigma of ln factor or None) of the arcs that end by ``at_unix_s`` (module doc, 4)."""
    used = [a for a in arcs if a.factor is not None and a.end <= at_unix_s + 1.0]
    if not used:
        raise ElementSetError("no arc of the element sets shows decay: nothing to fit the drag to")
    x = np.log([a.factor for a in used])
    w = np.array([a.days * math.exp(-(at_unix_s - a.end) / (RECENCY_DAYS * 86400.0)) for a in used])
    mean = float(np.sum(w * x) / np.sum(w))
    v1, v2 = float(np.sum(w)), float(np.sum(w * w))
    if len(used) < 2 or v1 * v1 - v2 <= 0:
        return math.exp(mean), None
    var = float(np.sum(w * (x - mean) ** 2)) / (v1 - v2 / v1)
    return math.exp(mean), math.sqrt(var)


def _select(states: list[EpochState]) -> list[EpochState]:
    """The sets kept for arcs: from the latest back, each at least MIN_ARC_DAYS before the next."""
    kept = [states[-1]]
    for s in reversed(states[:-1]):
        if kept[-1].unix_s - s.unix_s >= MIN_ARC_DAYS * 86400.0:
            kept.append(s)
    return kept[::-1]


def predict_from(flyer: _Flyer, s: EpochState, factor: float, sigma: float | None, arcs: int,
                 max_days: float) -> Prediction:
    """Re-entry from one set's state with the factor, and the p5/p95 dates when sigma is known."""
    def fly(k: float) -> float | None:
        return flyer.propagator(s, k).run_to_reentry(max_days)

    reentry = fly(factor)
    interval = None
    if sigma is not None:
        interval = (fly(factor * math.exp(Z90 * sigma)), fly(factor * math.exp(-Z90 * sigma)))
    return Prediction(s.unix_s, factor, None if sigma is None else factor * sigma, arcs, reentry,
                      interval)


def fit_reentry(element_sets: list[ElementSet], scenario: Scenario,
                atmosphere: str = DEFAULT_ATMOSPHERE, max_days: float = 3650.0,
                history_points: int = 12, cd_model: str = "fixed",
                progress: Callable[[float], None] | None = None) -> ReentryFit:
    """Fit the density factor over the arcs between the sets and predict re-entry (module doc).

    element_sets: one satellite's sets in epoch order (``check_series``). scenario: its
    spacecraft's Cd, mean cross-section and mass (the ballistic coefficient the factor sits on).
    history_points: at most this many sets serve in turn as the latest (evenly spread, the
    latest always among them; each costs three flights to re-entry). cd_model: the propagator's
    drag coefficient ('fixed', the configured Cd, or 'sentman'); the factor sits on top of it.
    progress: called with the fraction done (0..1; an arc or a history point a step).
    """
    if history_points < 1:
        raise ValueError("history_points must be at least 1")
    states = check_series(element_sets)
    kept = _select(states)
    if len(kept) < 2:
        raise ElementSetError(f"the element sets span less than {MIN_ARC_DAYS:g} day: no arc to fit")
    flyer = _Flyer(scenario, atmosphere, cd_model)
    arcs: list[ArcFit] = []
    guess = 1.0
    steps = len(kept) - 1 + min(history_points, len(kept) - 1)
    for a, b in zip(kept, kept[1:], strict=False):
        arc = fit_arc(flyer, a, b, guess)
        arcs.append(arc)
        if arc.factor is not None:
            guess = arc.factor
        if progress is not None:
            progress(len(arcs) / steps)
    ends = [j for j in range(1, len(kept)) if any(a.factor is not None and a.end <= kept[j].unix_s + 1.0
                                                 for a in arcs)]
    if not ends:
        raise ElementSetError("no arc of the element sets shows decay: nothing to fit the drag to")
    spread = np.linspace(len(ends) - 1, 0, min(history_points, len(ends)))  # the latest first
    picks = sorted({ends[round(i)] for i in spread})
    history = []
    for j in picks:
        factor, sigma = combine(arcs, kept[j].unix_s)
        n = sum(1 for a in arcs if a.factor is not None and a.end <= kept[j].unix_s + 1.0)
        history.append(predict_from(flyer, kept[j], factor, sigma, n, max_days))
        if progress is not None:
            progress(min(1.0, (len(arcs) + len(history)) / steps))
    return ReentryFit(atmosphere, arcs, history, skipped=len(states) - len(kept), max_days=max_days)


def density_ratio(unix_s, r_teme, numerator: str, denominator: str, numerator_scale: float = 1.0) -> float:
    """Time-integrated density of one atmosphere (times a factor) over another's along a path.

    The factor a fit in ``denominator`` should find when the truth flew ``numerator`` x
    ``numerator_scale``: the decay of a near-circular orbit goes as the time integral of the
    density along it, so this ratio is the truth's equivalent factor. unix_s: evenly spaced
    times; r_teme: the path there (n, 3), m.
    """
    t = np.asarray(unix_s, dtype=float)
    r_e, _ = teme_to_ecef(np.asarray(r_teme, dtype=float), None, t)
    lat, lon, alt = geodetic(r_e)
    top = density(t, lat, lon, alt, model=check_atmosphere(numerator))
    bottom = density(t, lat, lon, alt, model=check_atmosphere(denominator))
    return float(numerator_scale * np.sum(top) / np.sum(bottom))

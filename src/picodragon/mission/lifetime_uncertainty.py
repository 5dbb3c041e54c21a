"""How sure the lifetime is: a Monte Carlo of the re-entry over every uncertain input, on dask.

``lifetime_uncertainty(scenario, samples)`` draws ``samples`` sets of inputs (a Latin hypercube,
seeded, so a campaign repeats bit for bit), predicts each lifetime with
``physics.decay.predict_lifetime(fidelity='fast')`` on dask (a LocalCluster of worker processes,
or a scheduler by address: the machinery of ``mission.montecarlo``), and returns the p5/p50/p95
of the lifetime in days and a ranking of the inputs by their share of its variance.

The inputs are rows of one table (:class:`UncertainInput`: name, distribution, range, source,
where it is applied), built by :func:`uncertain_inputs` from two places:

- the mission's own quoted ranges, ``[uncertainty]`` in its mission file (the reference
  mission's: its two quoted masses; the deployer's published ejection speeds; factors on its
  assumed antenna's length and width); an input the mission leaves out, or gives as a single value, is
  held at its nominal value and listed as held;
- ranges that belong to no mission (the constants below, each with its source): the drag
  model (fixed Cd or Sentman, equally likely), the fixed Cd when the fixed model is drawn, the
  energy accommodation when Sentman's is, the density model's bias, the atmosphere model and the
  attitude mode (when more than one is modelled).

An input that applies under one model only (Cd under 'fixed', accommodation under 'sentman')
is drawn in every run and used in the runs of its model; the ranking sees it as its deviation
from its mean in those runs (zero in the others).

Not varied, and why: solar and geomagnetic activity. For a past mission (the reference one)
F10.7 and Ap are observed for the whole life (the prediction's ``space_weather_observed``), and
the density bias below is measured against the models driven by those observed indices, so an
extra error on the indices would count the same error twice. A forecast past the observed
section would need one; it is not offered yet.

The ranking regresses ln(lifetime) on the inputs (ln of the multiplicative ones: mass, drag
coefficient, density factor, appendage factors; the others as they are; the model choices as
indicator columns)
and gives each input its first-order share, var(x_i b_i) / var(ln lifetime): the squared
standardised regression coefficient, summed over an input's columns. The lifetime is close to a
power law of the ballistic coefficient and the density factor, so the regression is close to
exact (R^2, returned, says how close; 1 - R^2 is what no input explains alone: interactions and
curvature), and for independent inputs a linear model's shares are its first-order Sobol indices.
A Sobol design proper would need N (k + 2) runs (about 1000 here) and one-at-a-time runs miss
the joint spread; a regression over the same N runs that give the interval costs nothing more.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from picodragon.config.models import Scenario

DRAG_COEFFICIENT_RANGE = (2.0, 2.6)
"""Uniform range of the fixed drag coefficient of a tumbling box in free-molecular flow
(**assumption** of typical practice: Cd 2.2 is the usual value and the low end; a Sentman
calculation for a tumbling cube at 400 km gives 2.13, 2.32 and 2.42 for energy accommodation
1, 0.9 and 0.8, the figures of issue 15's audit; 2.6 leaves room for lower accommodation)."""

ACCOMMODATION_RANGE = (0.85, 1.0)
"""Uniform range of the energy accommodation coefficient under the Sentman model
(**assumption**: Pilinski et al. 2010's adsorption model, the nominal, gives 0.976 along the
reference mission's path; accommodation derived from satellite drag between 200 and 500 km lies
mostly between 0.85 and 1: Moe & Moe 2005, 'Gas-surface interactions and satellite drag
coefficients', Planet. Space Sci. 53, 793-801; Pilinski, Argrow & Palo 2010, J. Spacecraft
Rockets 47(6), 951-956). A fixed value replaces the adsorption model in each run."""

DENSITY_BIAS_SIGMA = 0.18
"""Lognormal sigma (of ln) of a density factor held over the whole life, median 1: the standard
deviation of NRLMSISE-00's density ratios against HASDM at 400 km, 18.1 % (Bruinsma & Boniface
2021, 'The operational and research DTM-2020 thermosphere models', J. Space Weather Space
Clim. 11, 47, doi:10.1051/swsc/2021032, Table 3; 12.9 % against CHAMP, 16.7 % against GRACE).
A standard deviation of ratios includes day-to-day scatter that a four-month life averages
out, so as a spread of a bias held for the whole life it errs on the wide side."""

MAX_SAMPLES = 10_000
"""The most runs one call accepts (about 11 hours at 8 s a run on two workers)."""


@dataclass(frozen=True)
class UncertainInput:
    """One uncertain input: how it is drawn and where it goes.

    distribution 'uniform' (low..high), 'lognormal' (median low, sigma of ln high) or 'choice'
    (one of ``choices``, equally likely); target 'spacecraft.FIELD', 'deployment.FIELD',
    'appendages.FIELD' (a factor on that field of every appendage) or 'predict.KEYWORD' (an
    argument of predict_lifetime); log: ranked on ln(value); when 'NAME=VALUE': used only in the
    runs where the input NAME drew VALUE."""

    name: str
    distribution: str
    low: float = 0.0
    high: float = 0.0
    choices: tuple[str, ...] = ()
    unit: str = ""
    target: str = ""
    log: bool = False
    source: str = ""
    when: str = ""

    def active(self, sample: dict) -> bool:
        """Whether this input is used in the run of ``sample``."""
        if not self.when:
            return True
        name, _, value = self.when.partition("=")
        return str(sample.get(name)) == value

    def value(self, u: float) -> float | str:
        """The input at the probability u in (0, 1) of its distribution."""
        if self.distribution == "uniform":
            return float(self.low + u * (self.high - self.low))
        if self.distribution == "lognormal":
            from scipy.stats import norm

            return float(self.low * np.exp(self.high * norm.ppf(u)))
        if self.distribution == "choice":
            return self.choices[min(int(u * len(self.choices)), len(self.choices) - 1)]
        raise ValueError(f"unknown distribution {self.distribution!r}")

    def describe(self) -> str:
        """The distribution in words, e.g. 'uniform 0.983..1 kg'."""
        if self.distribution == "uniform":
            return f"uniform {self.low:g}..{self.high:g} {self.unit}".rstrip()
        if self.distribution == "lognormal":
            return f"lognormal, median {self.low:g}, sigma {self.high:g} (of ln)"
        return "one of " + ", ".join(self.choices) + " (equally likely)"


@dataclass
class Held:
    """An input the campaign holds at its nominal value, and why."""

    name: str
    value: Any
    why: str


@dataclass
class InputTable:
    varied: list[UncertainInput] = field(default_factory=list)
    held: list[Held] = field(default_factory=list)


def uncertain_inputs(scenario: Scenario) -> InputTable:
    """The table of what a campaign varies for this scenario, and what it holds."""
    from picodragon.physics import decay
    from picodragon.physics.atmosphere import ATMOSPHERES
    from picodragon.physics.propagator import CD_MODELS

    table = InputTable()
    ranges = scenario.uncertainty
    sc, dep = scenario.spacecraft, scenario.deployment
    mission = "the mission's [uncertainty] (quoted values, or assumptions it names)"
    own = [("mass_kg", ranges.mass_kg, "spacecraft.mass_kg", sc.mass_kg, "kg", True),
           ("ejection_speed_m_s", ranges.ejection_speed_m_s, "deployment.ejection_speed_m_s",
            dep.ejection_speed_m_s, "m/s", False)]
    if sc.appendages:
        own += [("appendage_length_factor", ranges.appendage_length_factor, "appendages.length_m", 1.0, "", True),
                ("appendage_width_factor", ranges.appendage_width_factor, "appendages.width_m", 1.0, "", True)]
    else:
        table.held.append(Held("appendages", [], "the spacecraft declares none"))
    for name, pair, target, nominal, unit, log in own:
        if pair is None or pair[0] == pair[1]:
            table.held.append(Held(name, nominal, "no range in the mission's [uncertainty]"))
        else:
            table.varied.append(UncertainInput(name, "uniform", pair[0], pair[1], unit=unit, target=target,
                                               log=log, source=mission))
    models = tuple(CD_MODELS)
    if len(models) > 1:
        table.varied.append(UncertainInput(
            "cd_model", "choice", choices=tuple(models), target="predict.cd_model",
            source="every drag model offered (propagator.CD_MODELS), none preferred (assumption)"))
    if "fixed" in models:
        table.varied.append(UncertainInput(
            "drag_coefficient", "uniform", *DRAG_COEFFICIENT_RANGE, target="spacecraft.drag_coefficient",
            log=True, when="cd_model=fixed" if len(models) > 1 else "",
            source="free-molecular Cd of a tumbling box (assumption; DRAG_COEFFICIENT_RANGE)"))
    if "sentman" in models:
        table.varied.append(UncertainInput(
            "accommodation", "uniform", *ACCOMMODATION_RANGE, target="predict.accommodation",
            when="cd_model=sentman" if len(models) > 1 else "",
            source="drag-derived accommodation at 200-500 km (assumption after Moe & Moe 2005, "
                   "Pilinski et al. 2010; ACCOMMODATION_RANGE)"))
    table.varied.append(UncertainInput(
        "density_scale", "lognormal", 1.0, DENSITY_BIAS_SIGMA, target="predict.density_scale", log=True,
        source="Bruinsma & Boniface 2021 (JSWSC 11, 47), Table 3: NRLMSISE-00 vs HASDM at 400 km"))
    if len(ATMOSPHERES) > 1:
        table.varied.append(UncertainInput(
            "atmosphere", "choice", choices=tuple(ATMOSPHERES), target="predict.atmosphere",
            source="every atmosphere offered (physics.atmosphere.ATMOSPHERES), none preferred"))
    modes = tuple(decay.ATTITUDE_MODES)
    if len(modes) > 1:
        table.varied.append(UncertainInput(
            "attitude", "choice", choices=modes, target="predict.attitude",
            source="every attitude mode the prediction models (decay.ATTITUDE_MODES)"))
    else:
        table.held.append(Held("attitude", modes[0], "the only attitude mode the lifetime prediction models"))
    table.held.append(Held("space weather", "observed F10.7, Ap (CelesTrak SW-All)",
                           "observed over the life; the density bias is measured against models "
                           "driven by observed indices"))
    return table


def draw(inputs: Sequence[UncertainInput], samples: int, seed: int = 0) -> list[dict[str, float | str]]:
    """``samples`` input sets on a Latin hypercube (each input's range cut into ``samples``
    equally likely strata, each stratum used once), seeded: the same seed gives the same sets."""
    from scipy.stats import qmc

    if not 1 <= samples <= MAX_SAMPLES:
        raise ValueError(f"samples must be between 1 and {MAX_SAMPLES}, not {samples}")
    if not inputs:
        return [{} for _ in range(samples)]
    u = qmc.LatinHypercube(d=len(inputs), seed=np.random.default_rng(seed)).random(samples)
    u = np.clip(u, 1e-9, 1 - 1e-9)
    return [{inp.name: inp.value(float(u[i, j])) for j, inp in enumerate(inputs)} for i in range(samples)]


def apply(scenario: Scenario, inputs: Sequence[UncertainInput], sample: dict) -> tuple[Scenario, dict]:
    """The scenario with the sample's values put in, and the keyword arguments of predict_lifetime."""
    updates: dict[str, dict[str, Any]] = {"spacecraft": {}, "deployment": {}, "appendages": {}}
    kwargs: dict[str, Any] = {}
    for inp in inputs:
        where, _, key = inp.target.partition(".")
        if not inp.active(sample):
            continue
        if where == "predict":
            kwargs[key] = sample[inp.name]
        elif where in updates:
            updates[where][key] = sample[inp.name]
        else:
            raise ValueError(f"{inp.name}: unknown target {inp.target!r}")
    factors = updates.pop("appendages")
    if factors:
        updates["spacecraft"]["appendages"] = [
            a.model_copy(update={key: getattr(a, key) * f for key, f in factors.items()})
            for a in scenario.spacecraft.appendages]
    varied = scenario.model_copy(update={
        "spacecraft": scenario.spacecraft.model_copy(update=updates["spacecraft"]),
        "deployment": scenario.deployment.model_copy(update=updates["deployment"]),
    })
    return varied, kwargs


def lifetime_run(scenario_json: str, inputs: list[UncertainInput], sample: dict, run: int,
                 base: dict, max_days: float) -> dict[str, Any]:
    """One run, self-contained for a dask worker: the fast lifetime with the sample's inputs."""
    from picodragon.config.loader import scenario_from_dict
    from picodragon.physics.decay import predict_lifetime

    scenario = scenario_from_dict(json.loads(scenario_json), "lifetime-uncertainty")
    varied, kwargs = apply(scenario, inputs, sample)
    out = predict_lifetime(varied, max_days=max_days, fidelity="fast", **{**base, **kwargs})
    return {"run": run, "inputs": sample, "days": out["days"], "reentry": out["reentry"]}


def design_matrix(inputs: Sequence[UncertainInput], samples: Sequence[dict]) -> list[tuple[str, np.ndarray]]:
    """Each input's regression columns (n x k): ln(value) or value, or indicators of the choices
    after the first; an input used under one model only, its deviation from its mean in the runs
    of that model and 0 in the others; inputs that did not vary are left out."""
    out = []
    for inp in inputs:
        if inp.distribution == "choice":
            values = [s[inp.name] for s in samples]
            cols = np.array([[v == c for c in inp.choices[1:]] for v in values], dtype=float)
        else:
            x = np.array([s[inp.name] for s in samples], dtype=float)
            cols = (np.log(x) if inp.log else x)[:, None]
            on = np.array([inp.active(s) for s in samples])
            if not on.all():
                cols = np.where(on[:, None], cols - (cols[on].mean(axis=0) if on.any() else 0.0), 0.0)
        cols = cols[:, np.ptp(cols, axis=0) > 0] if cols.size else cols
        if cols.shape[1]:
            out.append((inp.name, cols))
    return out


def variance_shares(columns: Sequence[tuple[str, np.ndarray]], y: np.ndarray) -> tuple[list[dict], float | None]:
    """Least squares of y on every input's columns (with an intercept); each input's share of
    var(y) is var(X_i b_i) / var(y). Returns the inputs, largest share first, and R^2 (None,
    and no ranking, with fewer than three more runs than coefficients)."""
    y = np.asarray(y, dtype=float)
    k = sum(c.shape[1] for _, c in columns)
    if not columns or y.size < k + 4 or np.var(y) == 0:
        return [], None
    x = np.hstack([np.ones((y.size, 1))] + [c for _, c in columns])
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    residual = y - x @ beta
    r2 = float(1.0 - residual.var() / y.var())
    ranking, at = [], 1
    for name, cols in columns:
        b = beta[at:at + cols.shape[1]]
        at += cols.shape[1]
        ranking.append({"input": name, "share": float(np.var(cols @ b) / y.var()),
                        "coefficient": [float(v) for v in b] if b.size > 1 else float(b[0])})
    ranking.sort(key=lambda r: -r["share"])
    return ranking, r2


def interval(days: np.ndarray, rng_seed: int = 0, resamples: int = 2000) -> tuple[dict, dict]:
    """{p5, p50, p95} of the lifetimes (days), and each percentile's 90 % bootstrap range
    (how far N runs pin it down: resampling the runs with replacement, vectorised)."""
    days = np.asarray(days, dtype=float)
    levels = (5, 50, 95)
    point = {f"p{q}": round(float(v), 2) for q, v in zip(levels, np.percentile(days, levels), strict=True)}
    rng = np.random.default_rng(rng_seed)
    boot = np.percentile(days[rng.integers(0, days.size, (resamples, days.size))], levels, axis=1)
    spread = {f"p{q}": [round(float(v), 2) for v in np.percentile(b, [5, 95])] for q, b in zip(levels, boot, strict=True)}
    return point, spread


def lifetime_uncertainty(scenario: Scenario, samples: int, seed: int = 0, scheduler: str | None = None,
                         workers: int = 2, max_days: float = 3650.0, progress: bool = False,
                         base: dict | None = None,
                         on_run: Callable[[dict], None] | None = None) -> dict[str, Any]:
    """The Monte Carlo of the lifetime: ``interval``, ``ranking`` and ``uncertainty`` (samples,
    seed, method, R^2, the input table, what was held, each run). ``base``: keyword arguments of
    predict_lifetime every run shares (e.g. cd_model); workers 0: in this process, no dask."""
    base = dict(base or {})
    table = uncertain_inputs(scenario)
    drawn = draw(table.varied, samples, seed)
    started = time.perf_counter()
    scenario_json = scenario.model_dump_json()
    runs: list[dict[str, Any]] = []
    if workers == 0 and scheduler is None:
        where = "this process"
        for i, sample in enumerate(drawn):
            runs.append(lifetime_run(scenario_json, table.varied, sample, i, base, max_days))
            if on_run:
                on_run(runs[-1])
    else:
        from dask.distributed import as_completed

        from picodragon.mission.montecarlo import _bar, dask_client

        with dask_client(scheduler, workers) as (client, where):
            futures = [client.submit(lifetime_run, scenario_json, table.varied, s, i, base, max_days, pure=False)
                       for i, s in enumerate(drawn)]
            bar = _bar(progress, samples, label="lifetime Monte Carlo", stderr=True)
            try:
                for future in as_completed(futures):
                    runs.append(future.result())
                    if on_run:
                        on_run(runs[-1])
                    if bar:
                        bar(len(runs))
            finally:
                if bar:
                    bar(None)
    runs.sort(key=lambda r: r["run"])
    days = np.array([r["days"] for r in runs], dtype=float)
    censored = sum(r["reentry"] is None for r in runs)
    point, spread = interval(days, seed)
    ranking, r2 = variance_shares(design_matrix(table.varied, [r["inputs"] for r in runs]), np.log(days))
    return {
        "interval": point,
        "ranking": ranking,
        "uncertainty": {
            "samples": samples,
            "seed": seed,
            "sampling": "Latin hypercube (scipy.stats.qmc), seeded",
            "fidelity": "fast",
            "interval_bootstrap_90": spread,
            "ranking_method": "first-order shares of var(ln days) from a linear regression on the "
                              "inputs (ln of the multiplicative ones, indicators of the model choices)",
            "r2": None if r2 is None else round(r2, 4),
            "censored": censored,
            "inputs": [{**asdict(inp), "distribution": inp.describe()} for inp in table.varied],
            "held": [asdict(h) for h in table.held],
            "scheduler": where,
            "wall_seconds": round(time.perf_counter() - started, 2),
            "runs": runs,
        },
    }

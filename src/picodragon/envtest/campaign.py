"""A mission's whole environmental test campaign, in the order a lab runs it, and its report.

For each axis X, Y, Z: a low-level sine survey (the signature before), random vibration at
qualification level, the sine survey again and the pre/post comparison of the two signatures
(GEVS asks for signatures before and after; the survey's level and criteria are the named
assumptions of ``specs/sine-survey.toml``). Then the thermal-vacuum test with the flight
software running against the twin in a chamber and a functional test at each plateau, the
correlation of the twin's thermal model to that test, and the report (``envtest.report``).
Each step's result is saved as ``<out_dir>/<step>.json`` (``envtest.results``);
``campaign.json`` lists the steps in order, the seed, and any step that could not run because
its module is not in this build (named, never silently dropped).

The analyses are the vibration room's (``specs``, ``structure``, ``vibration``, ``modal``) and
the thermal one's (``tvac_profile``, ``tvac``, ``correlation``); this module only sequences them,
gives each its own seed from the campaign's, and reports progress.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from picodragon.envtest import results as R

MANIFEST = "campaign.json"
REPORT = "report.html"
TVAC_ARCHIVE = "tvac.sqlite"
TVAC_LOG = "tvac-thermocouples.csv"
CORRELATED_SCENARIO = "correlated-scenario.toml"

Progress = Callable[[str, float, float], None]
"""progress(what is being run, steps done (fractions within a long step), steps in all)"""


@dataclass(frozen=True)
class CampaignOptions:
    """What the campaign runs; the defaults are the reference campaign (GEVS qualification)."""

    random_spec: str = "gevs-qualification"
    """random vibration spec (envtest/specs/): GEVS qualification, GSFC-STD-7000 Table 2.4-3"""
    sine_spec: str = "sine-survey"
    """the low-level signature survey and its pre/post criteria (envtest/specs/sine-survey.toml)"""
    tvac_profile: str = "gevs-qual"
    """thermal-vacuum profile (envtest/specs/tvac_<name>.toml)"""
    axes: tuple[str, ...] = ("X", "Y", "Z")
    random_duration_s: float | None = None
    """seconds of random run per axis; None: the spec's own (GEVS qualification: 2 minutes)"""
    random_fs_hz: float | None = None
    """accelerometer sample rate; None: the vibration room's default"""
    as_built_spread: float = 0.2
    """the test article is not the design model: each spacecraft thermal parameter the
    correlation fits is the mission file's value times exp(N(0, spread)), drawn from the
    campaign's seed (0: the article is the model). Named assumption: an uncorrelated 1U thermal
    model is commonly off by some 20 % in its conductances and capacities, which is why a
    correlation is run at all; the drawn truth is saved, so the report shows what the fit
    recovered"""
    damage: dict[str, Any] | None = None
    """a joint loosened between the surveys, ``{"joint": "stack", "stiffness_drop": 0.1}``
    (``structure.model_for``), to show a failed comparison; None for an undamaged spacecraft"""
    skip_missing: bool = True
    """run what exists when a room's module is not in this build (named in campaign.json)"""
    extra: dict[str, Any] = field(default_factory=dict)


class StepMissing(Exception):
    """A step whose module (or function) is not in this build."""


def _module(name: str, *functions: str) -> Any:
    """``picodragon.envtest.<name>`` with the functions the campaign calls, else StepMissing."""
    try:
        mod = importlib.import_module(f"picodragon.envtest.{name}")
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("picodragon.envtest"):
            raise StepMissing(f"envtest.{name} is not in this build") from None
        raise
    missing = [f for f in functions if not hasattr(mod, f)]
    if missing:
        raise StepMissing(f"envtest.{name} has no {', '.join(missing)}")
    return mod


def plan(options: CampaignOptions) -> list[str]:
    """The step names in the order they run (the report's order too)."""
    steps: list[str] = []
    for axis in options.axes:
        steps += [f"sine_pre_{axis}", f"random_{axis}", f"sine_post_{axis}", f"compare_{axis}"]
    return [*steps, "tvac", "correlation"]


def run_campaign(mission: Any, out_dir: str | Path, seed: int, progress: Progress | None = None, *,
                 options: CampaignOptions | None = None) -> dict[str, Any]:
    """Run every step, save each result, write the manifest and the report; return the manifest.

    ``mission`` is a :class:`picodragon.config.mission.Mission` (scenario and dictionary).
    """
    options = options or CampaignOptions()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    names = plan(options)
    seeds = dict(zip(names, (int(s) for s in np.random.SeedSequence(seed).generate_state(len(names))),
                     strict=True))
    done: dict[str, dict[str, Any]] = {}
    skipped: list[dict[str, str]] = []
    state: dict[str, Any] = {}
    started = time.monotonic()
    total = len(names) + 1
    for i, name in enumerate(names):
        if progress:
            progress(name, i, total)
        try:
            res = _STEP_RUNNERS[_runner_of(name)](mission, name, seeds[name], options, state, done, out,
                                                  _within(progress, name, i, total))
        except StepMissing as exc:
            if not options.skip_missing:
                raise
            skipped.append({"step": name, "reason": str(exc)})
            continue
        R.save(res, out / f"{name}.json")
        done[name] = res
    from picodragon.astro.isotime import iso_z

    manifest = {
        "mission": getattr(mission, "name", None) or str(mission),
        "seed": seed,
        "created": iso_z(time.time(), "seconds"),
        "steps": [n for n in names if n in done],
        "skipped": skipped,
        "options": {k: v for k, v in asdict(options).items() if k != "extra"},
        "passed": bool(done) and all(R.passed(r) for r in done.values()),
        "verdicts": {n: {"passed": sum(v["passed"] for v in r["verdicts"]), "total": len(r["verdicts"])}
                     for n, r in done.items()},
    }
    (out / MANIFEST).write_text(R.to_json(manifest, indent=1) + "\n", encoding="utf-8")
    if progress:
        progress("report", total - 1, total)
    if done:
        from picodragon.envtest.report import write_report

        write_report(out, out / REPORT)
        manifest["report"] = str(out / REPORT)
    manifest["wall_s"] = round(time.monotonic() - started, 2)
    (out / MANIFEST).write_text(R.to_json(manifest, indent=1) + "\n", encoding="utf-8")
    if progress:
        progress("done", total, total)
    return manifest


def _within(progress: Progress | None, name: str, i: int, total: int) -> Callable[[float, float], None] | None:
    """A long step's progress(done, of) as a fraction of its own slot of the campaign's bar."""
    if progress is None:
        return None

    def update(done_s: float, total_s: float) -> None:
        frac = min(max(done_s / total_s, 0.0), 1.0) if total_s > 0 else 0.0
        progress(f"{name} {done_s / 3600:.1f}/{total_s / 3600:.1f} h", i + frac, total)

    return update


def _runner_of(step: str) -> str:
    """``sine_pre_X`` -> ``sine_pre``; ``tvac`` -> ``tvac`` (axis steps end in _X, _Y or _Z)."""
    head, _, tail = step.rpartition("_")
    return head if head and tail in ("X", "Y", "Z") else step


# -- the steps: each returns a result dict (envtest.results) ---------------------------------

def _vibration_setup(mission: Any, options: CampaignOptions, state: dict[str, Any]) -> None:
    """The structural model (undamaged and, if asked, damaged) and the specs, built once."""
    if "model" in state:
        return
    specs = _module("specs", "load_spec")
    structure = _module("structure", "model_for")
    state["model"] = structure.model_for(mission.scenario)
    state["model_post"] = (structure.model_for(mission.scenario, damage=options.damage)
                           if options.damage else state["model"])
    state["random_spec"] = specs.load_spec(options.random_spec)
    state["sine_spec"] = specs.load_spec(options.sine_spec)


def _sine(mission, name, seed, options, state, done, out, progress=None) -> dict[str, Any]:
    modal = _module("modal", "sine_survey", "analyse_sine")
    _vibration_setup(mission, options, state)
    axis = name[-1]
    model = state["model"] if name.startswith("sine_pre") else state["model_post"]
    return modal.analyse_sine(modal.sine_survey(model, state["sine_spec"], axis, seed))


def _random(mission, name, seed, options, state, done, out, progress=None) -> dict[str, Any]:
    vibration = _module("vibration", "generate_run", "analyse_random")
    _vibration_setup(mission, options, state)
    kwargs = {} if options.random_fs_hz is None else {"fs": options.random_fs_hz}
    recording = vibration.generate_run(state["model"], state["random_spec"], name[-1], seed,
                                       options.random_duration_s, **kwargs)
    # the model rides along so the analysis adds the joints' fatigue over the run (Dirlik)
    return vibration.analyse_random(recording, state["random_spec"], model=state["model"])


def _compare(mission, name, seed, options, state, done, out, progress=None) -> dict[str, Any]:
    modal = _module("modal", "compare")
    axis = name[-1]
    pre, post = done.get(f"sine_pre_{axis}"), done.get(f"sine_post_{axis}")
    if pre is None or post is None:
        raise StepMissing(f"no sine surveys of axis {axis} to compare")
    criteria = getattr(state.get("sine_spec"), "comparison", None)
    return modal.compare(pre, post, criteria)


def as_built(mission: Any, spread: float, seed: int) -> tuple[Any, dict[str, float]]:
    """The mission whose spacecraft is the test article (its drawn thermal parameters), and them.

    The parameters are the spacecraft ones the correlation fits by default; emissivity stays
    at most 1 (the configuration's own bound).
    """
    if spread <= 0:
        return mission, {}
    from picodragon.config.mission import Mission
    from picodragon.envtest.chamber import CHAMBER_PARAMETERS, thermal_spacecraft
    from picodragon.envtest.correlation import DEFAULT_PARAMETERS

    names = [n for n in DEFAULT_PARAMETERS if n not in CHAMBER_PARAMETERS]
    design = mission.scenario.spacecraft.thermal.model_dump()
    factors = np.exp(np.random.default_rng([seed, 0x7AC]).normal(0.0, spread, len(names)))
    values = {n: float(design[n] * f) for n, f in zip(names, factors, strict=True)}
    if "face_emissivity" in values:
        values["face_emissivity"] = min(values["face_emissivity"], 1.0)
    spacecraft = thermal_spacecraft(mission.scenario.spacecraft, values)
    return Mission(mission.scenario.model_copy(update={"spacecraft": spacecraft}), mission.dictionary), values


def _tvac(mission, name, seed, options, state, done, out, progress=None) -> dict[str, Any]:
    profiles = _module("tvac_profile", "load_profile")
    tvac = _module("tvac", "run_tvac")
    profile = profiles.load_profile(options.tvac_profile)
    archive = out / TVAC_ARCHIVE
    if archive.exists():  # a rerun into the same folder starts a fresh archive
        archive.unlink()
    article, truth = as_built(mission, options.as_built_spread, seed)
    res = tvac.run_tvac(article, profile, str(archive), seed, progress=progress, log_path=out / TVAC_LOG)
    state["tvac"] = res
    state["as_built"] = truth
    return {**res, "as_built": truth} if truth else res


def _correlation(mission, name, seed, options, state, done, out, progress=None) -> dict[str, Any]:
    correlation = _module("correlation", "correlate", "write_scenario")
    log = (state.get("tvac") or {}).get("thermocouple_log")
    if not log:
        raise StepMissing("no thermal-vacuum log to correlate against")
    res = correlation.correlate(mission, log)
    path = out / CORRELATED_SCENARIO
    correlation.write_scenario(res, path)
    res = {**res, "scenario_file": str(path)}
    truth = state.get("as_built") or {}
    fitted, start = res.get("parameters") or {}, res.get("start_parameters") or {}
    rows = [[n, start.get(n), truth[n], fitted[n], round(100.0 * (fitted[n] / truth[n] - 1.0), 2)]
            for n in truth if n in fitted]
    if rows:  # what the fit recovered of the test article (known here, never to a real lab)
        res["tables"] = {**res["tables"], "recovered": R.table(
            ["parameter", "design (model)", "test article (truth)", "correlated", "error vs truth (%)"], rows)}
    return res


_STEP_RUNNERS: dict[str, Callable[..., dict[str, Any]]] = {
    "sine_pre": _sine, "sine_post": _sine, "random": _random, "compare": _compare,
    "tvac": _tvac, "correlation": _correlation,
}

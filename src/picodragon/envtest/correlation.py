"""Thermal model correlation: fit the twin's uncertain thermal parameters to thermal-vacuum data.

The fast model is the chamber's (``chamber.simulate``: the twin's nine nodes, the measured shroud
temperature as the boundary, the measured bus and heater power less the radiated RF as the
internal heat when the log carries them (``bus``, ``heater``, ``rf`` channels in W, each the
mean from its sample to the next; ``battery_charge``, the pack's charging power from the EPS telemetry,
adds the pack's charge and discharge losses by the twin's efficiencies), else the power budget's
base load). The parameters fitted are those of the
scenario's ``[spacecraft.thermal]`` a test can see without a Sun (conductances, emissivity,
specific heats; absorptivity needs a solar simulator) and the chamber's platen conductance.
``scipy.optimize.least_squares`` (trust region reflective, bounded) works on the logarithm of
each parameter over its starting value, so every parameter is scaled alike, bounded to a factor
``BOUND_FACTOR`` either way (emissivity at most 1). The residuals are model minus measurement at
every sample of every sensor that matches a node by name.

Criterion (stated, with its source): the model is correlated when, over all sensors and samples,
the mean temperature difference lies within +-2 C and its standard deviation is under 3 C
(ESA thermal model correlation practice, ECSS-E-HB-31-03A thermal analysis handbook, as recalled:
not checked against its text here), and no single sensor's mean difference exceeds +-5 C (the
worst-node tolerance usual for a 1U without a thermal balance test: assumption).

``write_scenario`` writes the correlated spacecraft parameters back as a scenario that
``extends`` the one fitted, for the flight runs (``picodragon run --scenario FILE``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from picodragon.config import Scenario
from picodragon.envtest import results as rs
from picodragon.envtest.chamber import (
    CHAMBER_PARAMETERS,
    Chamber,
    chamber_with,
    internal_heat,
    node_model,
    simulate,
    thermal_spacecraft,
)
from picodragon.envtest.tvac_analysis import TvacLog, read_csv
from picodragon.physics import power as pw
from picodragon.physics import thermal as th

DEFAULT_PARAMETERS = ("face_emissivity", "g_face_structure_w_k", "g_battery_structure_w_k",
                      "g_obc_structure_w_k", "structure_specific_heat", "platen_conductance_w_k")
BOUND_FACTOR = 5.0
MEAN_LIMIT_C = 2.0
STD_LIMIT_C = 3.0
SENSOR_LIMIT_C = 5.0
SOURCE = "ECSS-E-HB-31-03A thermal model correlation practice (mean +-2 C, sigma < 3 C; as recalled)"
SOURCE_SENSOR = "worst-node tolerance of a 1U without thermal balance test (assumption)"
MAX_SAMPLES = 4000
"""samples the fit uses at most (thinned evenly): 4000 one-minute samples are 2.8 days"""


class CorrelationError(ValueError):
    """Data or parameters a correlation cannot use (one line says why)."""


def _scenario_of(mission: Any) -> tuple[Scenario, str | None]:
    from picodragon.config.loader import load_scenario
    from picodragon.config.mission import Mission

    if isinstance(mission, Mission):
        return mission.scenario, None
    if isinstance(mission, Scenario):
        return mission, None
    return load_scenario(mission), str(mission)


def _values(scenario: Scenario, chamber: Chamber, names: tuple[str, ...]) -> dict[str, float]:
    thermal = scenario.spacecraft.thermal.model_dump()
    out = {}
    for name in names:
        if name in CHAMBER_PARAMETERS:
            out[name] = float(getattr(chamber, name))
        elif name in thermal and isinstance(thermal[name], float):
            out[name] = float(thermal[name])
        else:
            raise CorrelationError(f"no thermal parameter {name!r} (known: "
                                   f"{', '.join(sorted([*CHAMBER_PARAMETERS, *(k for k, v in thermal.items() if isinstance(v, float))]))})")
    return out


class _Problem:
    """The fast model over one log, as a function of the parameters' values."""

    def __init__(self, scenario: Scenario, chamber: Chamber, log: TvacLog) -> None:
        self.scenario = scenario
        self.chamber = chamber
        keep = np.unique(np.linspace(0, len(log.time_s) - 1, min(len(log.time_s), MAX_SAMPLES)).astype(int))
        self.t = log.time_s[keep]
        ref = log.boundary()
        shroud = log.temperatures[ref][keep]
        if not np.isfinite(shroud).all():
            ok = np.isfinite(shroud)
            if ok.sum() < 2:
                raise CorrelationError(f"the reference channel {ref!r} has no usable samples")
            shroud = np.interp(self.t, self.t[ok], shroud[ok])
        self.shroud = shroud
        self.sensors = [(name, th.NODE_NAMES.index(name)) for name in log.spacecraft_channels()
                        if name in th.NODE_NAMES]
        if not self.sensors:
            raise CorrelationError(f"no channel names a thermal node ({', '.join(th.NODE_NAMES)})")
        self.measured = np.column_stack([log.temperatures[n][keep] for n, _ in self.sensors])
        powers = {k.lower(): v[keep] for k, v in log.powers.items()}
        bus = powers.get("bus", np.full(len(self.t), scenario.spacecraft.power.base_load_w))
        heater = powers.get("heater", np.zeros(len(self.t)))
        rf = powers.get("rf", np.zeros(len(self.t)))  # radiated by the antenna: not heat on board
        battery = np.nan_to_num(powers.get("battery_charge", np.zeros(len(self.t))))  # charging +, W
        eff = scenario.spacecraft.power.charge_efficiency  # the twin's loss model (physics.power)
        loss = np.where(battery > 0, battery * (1.0 / eff - 1.0), -battery * (1.0 - pw.DISCHARGE_EFFICIENCY))
        self.q = internal_heat(np.nan_to_num(bus) - np.nan_to_num(rf), np.nan_to_num(heater), loss)
        first = self.measured[0]
        start = np.full(9, np.nanmean(first) if np.isfinite(first).any() else shroud[0])
        for j, (_, node) in enumerate(self.sensors):
            if np.isfinite(first[j]):
                start[node] = first[j]
        self.start = start

    def model(self, values: dict[str, float]) -> np.ndarray:
        spacecraft = {k: v for k, v in values.items() if k not in CHAMBER_PARAMETERS}
        sc = thermal_spacecraft(self.scenario.spacecraft, spacecraft)
        nodes = node_model(sc, chamber_with(self.chamber, values))
        temps = simulate(nodes, self.t, self.shroud, self.q, self.start)
        return temps[:, [node for _, node in self.sensors]]

    def difference(self, values: dict[str, float]) -> np.ndarray:
        return self.model(values) - self.measured


def _stats(diff: np.ndarray, names: list[str]) -> tuple[list[list[Any]], float, float]:
    rows = []
    for j, name in enumerate(names):
        d = diff[:, j][np.isfinite(diff[:, j])]
        rows.append([name, round(float(d.mean()), 3), round(float(d.std()), 3), round(float(np.abs(d).max()), 3)])
    flat = diff[np.isfinite(diff)]
    return rows, float(flat.mean()), float(flat.std())


def correlate(mission: Any, tvac_log: TvacLog | str | Path, parameters=None, *,
              chamber: Chamber | None = None, scenario_ref: str | None = None) -> dict[str, Any]:
    """Fit the parameters to the log; result of kind 'correlation' (module docstring).

    mission: a scenario name or file, a Scenario or a Mission (its values are the start);
    parameters: names to fit (default ``DEFAULT_PARAMETERS``); scenario_ref: what the written
    scenario extends (default: the name or file given as mission).
    """
    from scipy.optimize import least_squares

    scenario, ref = _scenario_of(mission)
    log = tvac_log if isinstance(tvac_log, TvacLog) else read_csv(tvac_log)
    chamber = chamber or Chamber()
    names = tuple(parameters or DEFAULT_PARAMETERS)
    if not names:
        raise CorrelationError("no parameters to fit")
    start = _values(scenario, chamber, names)
    problem = _Problem(scenario, chamber, log)
    x0 = np.zeros(len(names))
    upper = np.array([np.log(min(BOUND_FACTOR, 1.0 / start[n])) if n == "face_emissivity"
                      else np.log(BOUND_FACTOR) for n in names])
    lower = -np.log(BOUND_FACTOR) * np.ones(len(names))
    upper = np.maximum(upper, 1e-9)

    def values_of(x: np.ndarray) -> dict[str, float]:
        return {n: start[n] * float(np.exp(v)) for n, v in zip(names, x, strict=True)}

    runs = [0]

    def residuals(x: np.ndarray) -> np.ndarray:
        runs[0] += 1
        d = problem.difference(values_of(x)).ravel()
        return np.nan_to_num(d[np.isfinite(problem.measured.ravel())], nan=1e3)

    before = problem.difference(start)
    fit = least_squares(residuals, x0, bounds=(lower, upper), method="trf", x_scale=1.0,
                        diff_step=1e-4, xtol=1e-10, ftol=1e-10, max_nfev=200 * len(names))
    fitted = values_of(fit.x)
    after = problem.difference(fitted)
    sensor_names = [n for n, _ in problem.sensors]
    rows_before, mean_b, std_b = _stats(before, sensor_names)
    rows_after, mean_a, std_a = _stats(after, sensor_names)
    worst = max(abs(r[1]) for r in rows_after)
    verdicts = [
        rs.verdict("mean temperature difference after correlation", round(mean_a, 3), f"+-{MEAN_LIMIT_C:g}",
                   "C", abs(mean_a) <= MEAN_LIMIT_C, SOURCE),
        rs.verdict("standard deviation of the differences after correlation", round(std_a, 3), STD_LIMIT_C,
                   "C", std_a < STD_LIMIT_C, SOURCE),
        rs.verdict("worst sensor's mean difference after correlation", round(worst, 3), f"+-{SENSOR_LIMIT_C:g}",
                   "C", worst <= SENSOR_LIMIT_C, SOURCE_SENSOR),
    ]
    residual_rows = [[b[0], b[1], b[2], b[3], a[1], a[2], a[3]] for b, a in zip(rows_before, rows_after, strict=True)]
    param_rows = [[n, start[n], fitted[n], round(fitted[n] / start[n], 4),
                   "chamber" if n in CHAMBER_PARAMETERS else "spacecraft.thermal"] for n in names]
    hours = problem.t / 3600.0
    model_after = problem.model(fitted)
    series: dict[str, Any] = {}
    for j, name in enumerate(sensor_names[:4]):
        series[f"{name} measured [C]"] = rs.series(hours, problem.measured[:, j], "h", "C")
        series[f"{name} model after [C]"] = rs.series(hours, model_after[:, j], "h", "C")
    for j, name in enumerate(sensor_names):
        series[f"{name} residual after [C]"] = rs.series(hours, after[:, j], "h", "C")
    return rs.result(
        "correlation", f"Thermal model correlation: {scenario.name}", verdicts=verdicts, series=series,
        tables={
            "residuals": rs.table(["sensor", "mean before C", "sigma before C", "max before C",
                                   "mean after C", "sigma after C", "max after C"], residual_rows),
            "parameters": rs.table(["parameter", "start", "correlated", "ratio", "where"], param_rows),
        },
        parameters=fitted, start_parameters=start,
        before={"mean_c": mean_b, "std_c": std_b}, after={"mean_c": mean_a, "std_c": std_a},
        evaluations=runs[0], scenario=scenario.name, scenario_ref=scenario_ref or ref,
        criterion=SOURCE,
    )


def write_scenario(result: dict[str, Any], path: str | Path, extends: str | None = None) -> Path:
    """Write the correlated ``[spacecraft.thermal]`` values as a scenario extending the fitted one.

    The chamber's own parameters (the platen) stay out: they belong to the test, not the flight.
    The file loads with ``config.loader.load_scenario`` (checked before it is kept).
    """
    from picodragon.config.loader import load_scenario

    parent = extends or result.get("scenario_ref")
    if not parent:
        from picodragon.config.loader import list_scenarios

        if result.get("scenario") not in list_scenarios():
            raise CorrelationError(f"scenario {result.get('scenario')!r} is not a packaged one: say which "
                                   "file the correlated scenario extends")
        parent = result["scenario"]  # a packaged scenario, by its name
    if Path(parent).exists():
        parent = str(Path(parent).resolve())  # the loader reads a relative path beside the new file
    values = {k: v for k, v in result["parameters"].items() if k not in CHAMBER_PARAMETERS}
    path = Path(path)
    lines = [
        "# The scenario with its thermal model correlated to thermal-vacuum data",
        f"# ({result.get('criterion', SOURCE)}; mean difference after "
        f"{result['after']['mean_c']:+.2f} C, sigma {result['after']['std_c']:.2f} C)",
        f'extends = "{parent}"',
        "",
        "[spacecraft.thermal]",
        *(f"{k} = {float(v)!r}" for k, v in values.items()),
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
    try:
        load_scenario(path)
    except Exception:
        path.unlink(missing_ok=True)  # never leave a scenario that does not load
        raise
    return path

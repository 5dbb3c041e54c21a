"""Monte Carlo over the uncertain inputs of a scenario, on dask.distributed.

Each run draws its own inputs from the distributions below (seeded, so a campaign is
repeatable), flies the scenario with the same runner as ``picodragon run`` and, when the twin
offers it, predicts the re-entry date. The distributions are the published ranges where there
are any, and named assumptions otherwise:

- ejection speed: uniform over 0.77 to 1.7 m/s (JAXA's J-SSOD page);
- drag coefficient: normal, mean 2.2, sigma 0.2, clipped to 1.8..2.8 (free-molecular flow over a
  box lies between about 2.0 and 2.6; assumption);
- solar cell efficiency: normal around the scenario's value, sigma 0.01 absolute (cell-to-cell
  spread and cover-glass losses; assumption);
- battery capacity: normal around the scenario's value, sigma 5 % (cell ageing and spread;
  assumption);
- thermospheric density: a scale factor on NRLMSIS 2.1, lognormal with sigma 15 % (the model's
  typical error against accelerometer-derived densities; assumption), used by the lifetime
  prediction.

Runs go to a ``LocalCluster`` of worker processes by default, or to an existing scheduler given
by address (``tcp://host:port``), so the same campaign scales to a real cluster.
"""

from __future__ import annotations

import html
import json
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from picodragon.config import Scenario
from picodragon.config.mission import Mission, as_mission
from picodragon.dictionary.definitions import Dictionary

EJECTION_SPEED_RANGE_M_S = (0.77, 1.7)
DRAG_COEFFICIENT = (2.2, 0.2, 1.8, 2.8)
CELL_EFFICIENCY_SIGMA = 0.01
BATTERY_CAPACITY_SIGMA = 0.05
DENSITY_SIGMA = 0.15


def perturb(scenario: Scenario, run: int, campaign_seed: int) -> tuple[Scenario, dict[str, float]]:
    """The scenario with its uncertain inputs drawn for run number ``run``."""
    rng = np.random.default_rng([campaign_seed, run])
    sc = scenario.spacecraft
    inputs = {
        "ejection_speed_m_s": float(rng.uniform(*EJECTION_SPEED_RANGE_M_S)),
        "drag_coefficient": float(np.clip(rng.normal(DRAG_COEFFICIENT[0], DRAG_COEFFICIENT[1]), *DRAG_COEFFICIENT[2:])),
        "cell_efficiency": float(np.clip(rng.normal(sc.power.cell_efficiency, CELL_EFFICIENCY_SIGMA), 0.1, 0.4)),
        "battery_capacity_wh": float(sc.power.battery_capacity_wh * max(rng.normal(1.0, BATTERY_CAPACITY_SIGMA), 0.5)),
        "density_scale": float(np.exp(rng.normal(0.0, DENSITY_SIGMA))),
    }
    power = sc.power.model_copy(update={
        "cell_efficiency": inputs["cell_efficiency"],
        "battery_capacity_wh": inputs["battery_capacity_wh"],
    })
    spacecraft = sc.model_copy(update={"power": power, "drag_coefficient": inputs["drag_coefficient"]})
    deployment = scenario.deployment.model_copy(update={"ejection_speed_m_s": inputs["ejection_speed_m_s"]})
    varied = scenario.model_copy(update={
        "spacecraft": spacecraft,
        "deployment": deployment,
        "seed": int(rng.integers(0, 2**31 - 1)),
    })
    return varied, inputs


def run_one(scenario_json: str, run: int, campaign_seed: int, days: float | None, lifetime: bool,
            dictionary: Dictionary | None = None) -> dict[str, Any]:
    """One Monte Carlo run, self-contained so that it can execute on any dask worker
    (``dictionary``: the mission's, pickled to the worker; None: the one the scenario names)."""
    from picodragon.config.loader import scenario_from_dict
    from picodragon.mission.runner import RunOptions, run_mission

    scenario = scenario_from_dict(json.loads(scenario_json), "montecarlo")
    varied, inputs = perturb(scenario, run, campaign_seed)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="picodragon-mc-") as tmp:
        result = run_mission(varied, RunOptions(days=days, db=os.path.join(tmp, "run.sqlite"),
                                                report=None, progress=False), dictionary=dictionary)
    s = result.summary
    out: dict[str, Any] = {
        "run": run,
        "inputs": inputs,
        "battery_soc_min": s["battery_soc_min"],
        "temperature_c_min": s["temperature_c_min"],
        "temperature_c_max": s["temperature_c_max"],
        "frames_received": s["frames_received"],
        "images_received": s["images_received"],
        "reentry": s["reentry"],
    }
    if lifetime and out["reentry"] is None:
        try:
            from picodragon.physics.decay import predict_lifetime

            prediction = predict_lifetime(varied, fidelity="fast", density_scale=inputs["density_scale"])
            out["reentry"] = prediction["reentry"]
            out["lifetime_days"] = prediction["days"]
        except ImportError:
            pass
    out["wall_seconds"] = round(time.perf_counter() - started, 3)
    return out


@dataclass
class Campaign:
    runs: list[dict[str, Any]]
    wall_seconds: float
    scheduler: str

    def statistics(self) -> dict[str, Any]:
        """Each output's spread over the runs that gave it: ``n, mean, std`` (sample, ddof=1),
        ``min, p05, median, p95, max`` (``p5, p50`` alias ``p05, median``); None when no run did."""
        return {key: describe([r.get(key) for r in self.runs]) for key, _, _, _ in OUTPUTS}


#: the outputs a campaign summarises: key, title, unit shown, factor from the stored value
OUTPUTS: tuple[tuple[str, str, str, float], ...] = (
    ("battery_soc_min", "Minimum battery state of charge", "%", 100.0),
    ("temperature_c_min", "Coldest temperature", "degC", 1.0),
    ("temperature_c_max", "Hottest temperature", "degC", 1.0),
    ("frames_received", "Frames received", "frames", 1.0),
    ("images_received", "Images received", "images", 1.0),
    ("lifetime_days", "Orbital lifetime", "days", 1.0),
)


def describe(values: list[Any]) -> dict[str, float] | None:
    """The statistics of the non-missing values (None when there are none)."""
    v = np.array([x for x in values if x is not None], dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return None
    p05, p50, p95 = (float(x) for x in np.percentile(v, [5, 50, 95]))
    return {"n": int(v.size), "mean": float(v.mean()), "std": float(v.std(ddof=1)) if v.size > 1 else 0.0,
            "min": float(v.min()), "p05": p05, "p5": p05, "median": p50, "p50": p50, "p95": p95,
            "max": float(v.max())}


def histogram_bins(values: np.ndarray) -> np.ndarray:
    """Bin edges a reader can use: one bin per whole number for small integer counts (images
    received: 0, 1, 2), numpy's 'auto' rule (the larger of Sturges and Freedman-Diaconis bins)
    otherwise, and a bin of +-0.5 % (at least +-0.5) around a single repeated value, so a
    campaign whose runs agree shows one honest bar, not a zero-width sliver."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return np.array([0.0, 1.0])
    lo, hi = float(v.min()), float(v.max())
    if hi == lo:
        half = max(abs(lo) * 0.005, 0.5)
        return np.array([lo - half, lo + half])
    if np.all(v == np.round(v)) and hi - lo <= 40:
        return np.arange(lo - 0.5, hi + 1.0, 1.0)
    edges = np.histogram_bin_edges(v, bins="auto")
    if edges.size - 1 > 40:  # a long tail makes FD ask for hundreds of slivers
        edges = np.histogram_bin_edges(v, bins=40)
    return edges


def run_campaign(scenario: Scenario | Mission, runs: int, scheduler: str | None = None,
                 days: float | None = None, seed: int = 0, lifetime: bool = True,
                 progress: bool = True, workers: int = 2) -> Campaign:
    """Run ``runs`` varied copies of the mission (or scenario) on dask and collect their results."""
    from dask.distributed import as_completed

    mission = as_mission(scenario)
    scenario, dictionary = mission.scenario, mission.dictionary
    started = time.perf_counter()
    scenario_json = scenario.model_dump_json()
    results: list[dict[str, Any]] = []
    with dask_client(scheduler, workers) as (client, where):
        futures = [client.submit(run_one, scenario_json, i, seed, days, lifetime, dictionary, pure=False) for i in range(runs)]
        bar = _bar(progress, runs)
        for future in as_completed(futures):
            results.append(future.result())
            if bar:
                bar(len(results))
        if bar:
            bar(None)
    results.sort(key=lambda r: r["run"])
    return Campaign(results, round(time.perf_counter() - started, 3), where)


@contextmanager
def dask_client(scheduler: str | None, workers: int = 2) -> Iterator[tuple[Any, str]]:
    """A dask client and where it runs: the scheduler at ``scheduler`` (tcp://host:port), or a
    LocalCluster of ``workers`` single-threaded processes on 127.0.0.1, closed on the way out."""
    from dask.distributed import Client, LocalCluster

    cluster = None
    if scheduler:
        client = Client(scheduler, timeout="20s")
        where = scheduler
    else:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, host="127.0.0.1")
        client = Client(cluster)
        where = f"LocalCluster({workers} processes)"
    try:
        yield client, where
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _bar(enabled: bool, total: int, label: str = "Monte Carlo", stderr: bool = False):
    """A rich progress bar over the runs, with the elapsed time and the estimate of what is left
    (on stderr with ``stderr``, where a verb's JSON on stdout cannot meet it)."""
    if not enabled:
        return None
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TextColumn("runs"), TimeElapsedColumn(), TextColumn("ETA"),
                        TimeRemainingColumn(), **({"console": Console(stderr=True)} if stderr else {}))
    progress.start()
    task = progress.add_task(label, total=total)

    def update(done: int | None) -> None:
        if done is None:
            progress.stop()
        else:
            progress.update(task, completed=done)

    return update


def write_page(campaign: Campaign, scenario: Scenario, path: str | Path) -> Path:
    """An offline HTML page with the distributions of the campaign's results."""
    import plotly.graph_objects as go
    from plotly.offline import get_plotlyjs

    figures = []
    stats_rows = []
    for key, title, unit, factor in OUTPUTS:
        values = np.array([r[key] for r in campaign.runs if r.get(key) is not None], dtype=float) * factor
        values = values[np.isfinite(values)]
        if values.size == 0:
            continue
        st = describe(list(values))
        assert st is not None
        stats_rows.append(
            f"<tr><td>{html.escape(title)}</td><td>{html.escape(unit)}</td><td>{st['n']}</td>"
            + "".join(f"<td>{st[k]:.4g}</td>" for k in ("mean", "std", "p5", "p50", "p95"))
            + "</tr>")
        edges = histogram_bins(values)
        counts, _ = np.histogram(values, bins=edges)
        fig = go.Figure(go.Bar(x=(edges[:-1] + edges[1:]) / 2, y=counts, width=np.diff(edges) * 0.95,
                               hovertemplate="%{x:.4g} " + unit + ": %{y} runs<extra></extra>"))
        fig.update_layout(title=title, xaxis_title=unit, yaxis_title="runs", height=320,
                          bargap=0.05, template="plotly_white", margin=dict(l=50, r=20, t=50, b=40))
        fig.update_xaxes(range=[float(edges[0]), float(edges[-1])])
        figures.append(fig.to_html(full_html=False, include_plotlyjs=False))
    reentries = sorted(r["reentry"] for r in campaign.runs if r.get("reentry"))
    rows = "".join(
        f"<tr><td>{r['run']}</td>" + "".join(f"<td>{v:.3g}</td>" for v in r["inputs"].values())
        + f"<td>{_pct(r['battery_soc_min'])}</td><td>{r['frames_received']}</td>"
        f"<td>{html.escape(str(r.get('reentry')))}</td></tr>"
        for r in campaign.runs)
    head = "".join(f"<th>{html.escape(k)}</th>" for k in campaign.runs[0]["inputs"]) if campaign.runs else ""
    stats_table = ("<h2>Statistics</h2><table><tr><th>output</th><th>unit</th><th>n</th><th>mean</th>"
                   "<th>std</th><th>p5</th><th>p50</th><th>p95</th></tr>" + "".join(stats_rows)
                   + "</table>") if stats_rows else ""
    page = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>picodragon Monte Carlo: {html.escape(scenario.name)}</title><script>{get_plotlyjs()}</script>
<style>body{{font-family:system-ui,sans-serif;margin:24px;max-width:1200px}}table{{border-collapse:collapse;font-size:13px}}
td,th{{border-bottom:1px solid #ddd;padding:3px 8px}}td{{text-align:right}}td:first-child{{text-align:left}}</style></head><body>
<h1>Monte Carlo: {html.escape(scenario.name)}</h1>
<p>{len(campaign.runs)} runs on {html.escape(campaign.scheduler)} in {campaign.wall_seconds:.1f} s.
Re-entry dates: {html.escape(reentries[0] if reentries else 'n/a')} to {html.escape(reentries[-1] if reentries else 'n/a')}.</p>
{stats_table}
{''.join(figures)}
<h2>Runs</h2><table><tr><th>run</th>{head}<th>SoC min</th><th>frames received</th><th>re-entry</th></tr>{rows}</table>
</body></html>"""
    target = Path(path)
    target.write_text(page, encoding="utf-8")
    return target


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f} %"

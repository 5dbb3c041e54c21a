"""The lifetime's uncertainty for the reference mission: one-at-a-time sensitivity and the Monte Carlo.

Three parts, all with ``predict_lifetime(fidelity='fast')`` on a dask LocalCluster, in one run:

1. **One at a time**: the reference prediction (the mission file as it is: fixed Cd, NRLMSIS
   2.1, its antenna) and each input moved alone to the ends of its range (docs/models.md's
   sensitivity table).
2. **Ours**: ``mission.lifetime_uncertainty`` over every input of its table (N runs, Latin
   hypercube, seeded): p5/p50/p95 and the ranking by share of var(ln days).
3. **Peer**: the same N lifetimes with the inputs ``picodragon montecarlo`` varied before issue
   15 (``mission.montecarlo.perturb``: ejection speed, Cd normal 2.2 +- 0.2, density factor
   lognormal 15 %; NRLMSIS 2.1, fixed Cd), so the two intervals come from the same code, machine
   and run.

Prints the tables and writes bench/results/lifetime_uncertainty.json. ``--parts`` runs some of
the three (on a loaded machine a run of each can take an hour): the parts not run keep their
earlier figures in the file, each part with its own commit, date and wall time.
``python bench/lifetime_uncertainty.py [--samples 60] [--peer-samples 30] [--seed 0] [--workers 2]
[--parts oat,ours,peer]``: the defaults are the run docs/models.md quotes (runs are seeded and
deterministic, so a rerun gives the same figures; about 20 and 10 minutes on the shared machine).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from picodragon.config import load_scenario
from picodragon.mission.lifetime_uncertainty import interval, lifetime_uncertainty
from picodragon.mission.montecarlo import dask_client


def _cases(scenario) -> list[tuple[str, dict, dict]]:
    """(label, scenario updates, predict_lifetime keywords) of the one-at-a-time table."""
    sc = scenario.spacecraft
    rng = scenario.uncertainty
    (tape, *_) = sc.appendages or [None]
    cases = [("reference (mission file: 1.0 kg, Cd 2.2 fixed, 1.1 m/s, NRLMSIS 2.1, antenna)", {}, {})]
    if rng.mass_kg:
        cases += [(f"mass {m:g} kg", {"mass_kg": m}, {}) for m in rng.mass_kg if m != sc.mass_kg]
    cases += [("mass 1.33 kg (J-SSOD 1U limit)", {"mass_kg": 1.33}, {}),
              ("Cd 2.0 (fixed)", {"drag_coefficient": 2.0}, {}),
              ("Cd 2.6 (fixed)", {"drag_coefficient": 2.6}, {})]
    if rng.ejection_speed_m_s:
        cases += [(f"ejection {v:g} m/s", {"deployment.ejection_speed_m_s": v}, {}) for v in rng.ejection_speed_m_s]
    cases += [("density x 0.8", {}, {"density_scale": 0.8}),
              ("density x 1.2", {}, {"density_scale": 1.2}),
              ("NRLMSISE-00", {}, {"atmosphere": "nrlmsise00"}),
              ("Sentman Cd, Pilinski accommodation", {}, {"cd_model": "sentman"}),
              ("Sentman Cd, accommodation 0.85", {}, {"cd_model": "sentman", "accommodation": 0.85}),
              ("Sentman Cd, accommodation 1.0", {}, {"cd_model": "sentman", "accommodation": 1.0})]
    if tape is not None:
        cases += [("no antenna", {"appendages": []}, {}),
                  ("antenna x 2 length, x 2 width", {"appendages": [a.model_copy(update={
                      "length_m": 2 * a.length_m, "width_m": 2 * a.width_m}) for a in sc.appendages]}, {})]
    return cases


def one_case(scenario_json: str, updates: dict, kwargs: dict) -> dict:
    """One prediction of the table (runs on a dask worker)."""
    from picodragon.config.loader import scenario_from_dict
    from picodragon.physics.decay import predict_lifetime

    scenario = scenario_from_dict(json.loads(scenario_json), "bench")
    deployment = {k.split(".", 1)[1]: v for k, v in updates.items() if k.startswith("deployment.")}
    spacecraft = {k: v for k, v in updates.items() if not k.startswith("deployment.")}
    scenario = scenario.model_copy(update={
        "spacecraft": scenario.spacecraft.model_copy(update=spacecraft),
        "deployment": scenario.deployment.model_copy(update=deployment)})
    out = predict_lifetime(scenario, fidelity="fast", **kwargs)
    return {"reentry": out["reentry"], "days": out["days"],
            "drag_coefficient_mean": out["inputs"].get("drag_coefficient_mean"),
            "accommodation": out["inputs"].get("accommodation")}


def peer_run(scenario_json: str, run: int, seed: int) -> dict:
    """One lifetime with the inputs the montecarlo verb varied before issue 15."""
    from picodragon.config.loader import scenario_from_dict
    from picodragon.mission.montecarlo import perturb
    from picodragon.physics.decay import predict_lifetime

    scenario = scenario_from_dict(json.loads(scenario_json), "bench")
    varied, inputs = perturb(scenario, run, seed)
    out = predict_lifetime(varied, fidelity="fast", density_scale=inputs["density_scale"])
    return {"run": run, "days": out["days"], "inputs": {k: inputs[k] for k in
                                                        ("ejection_speed_m_s", "drag_coefficient", "density_scale")}}


def _map(client, function, argument_lists: list[tuple]) -> list:
    futures = [client.submit(function, *args, pure=False) for args in argument_lists]
    return client.gather(futures)


def _stamp(wall_s: float, where: str) -> dict:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=Path(__file__).parent, check=False).stdout.strip()
    return {"commit": commit, "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "wall_seconds": round(wall_s, 1), "scheduler": where, "fidelity": "fast"}


def run_oat(scenario, workers: int) -> dict:
    scenario_json = scenario.model_dump_json()
    cases = _cases(scenario)
    t0 = time.perf_counter()
    with dask_client(None, workers) as (client, where):
        oat = _map(client, one_case, [(scenario_json, u, k) for _, u, k in cases])
    reference = oat[0]["days"]
    rows = [{"case": label, **r, "delta_days": round(r["days"] - reference, 2)}
            for (label, _, _), r in zip(cases, oat, strict=True)]
    return {**_stamp(time.perf_counter() - t0, where), "rows": rows}


def run_ours(scenario, samples: int, seed: int, workers: int) -> dict:
    t0 = time.perf_counter()
    ours = lifetime_uncertainty(scenario, samples, seed=seed, workers=workers, progress=True)
    u = ours["uncertainty"]
    return {**_stamp(time.perf_counter() - t0, u["scheduler"]), "interval": ours["interval"],
            "ranking": ours["ranking"], **{k: v for k, v in u.items() if k not in ("runs", "scheduler")},
            "runs": u["runs"]}


def run_peer(scenario, samples: int, seed: int, workers: int) -> dict:
    t0 = time.perf_counter()
    with dask_client(None, workers) as (client, where):
        runs = _map(client, peer_run, [(scenario.model_dump_json(), i, seed) for i in range(samples)])
    point, spread = interval(np.array([r["days"] for r in runs]), seed)
    return {**_stamp(time.perf_counter() - t0, where), "samples": samples, "seed": seed,
            "what": "mission.montecarlo.perturb inputs (ejection U(0.77, 1.7) m/s, Cd N(2.2, 0.2) "
                    "clipped to 1.8..2.8, density lognormal 15 %), NRLMSIS 2.1, fixed Cd",
            "interval": point, "interval_bootstrap_90": spread, "runs": runs}


def show(result: dict) -> None:
    if "one_at_a_time" in result:
        oat = result["one_at_a_time"]
        print(f"One at a time (fast settings, {oat['scheduler']}, {oat['wall_seconds']:.0f} s, {oat['commit']}):")
        print(f"{'case':62} {'re-entry':>21} {'days':>7} {'delta':>7}")
        for r in oat["rows"]:
            print(f"{r['case']:62} {r['reentry'] or '-':>21} {r['days']:7.1f} {r['delta_days']:+7.1f}")
        print()
    print(f"{'Monte Carlo inputs':44} {'runs':>5} {'p5':>7} {'p50':>7} {'p95':>7} {'p95-p5':>7} {'wall s':>7}")
    for key, label in (("ours", "ours (issue 15 table)"), ("peer", "peer (montecarlo verb's lifetime inputs)")):
        if key in result:
            part = result[key]
            p = part["interval"]
            print(f"{label:44} {part['samples']:5d} {p['p5']:7.1f} {p['p50']:7.1f} {p['p95']:7.1f} "
                  f"{p['p95'] - p['p5']:7.1f} {part['wall_seconds']:7.0f}")
    if "ours" in result:
        ours = result["ours"]
        print(f"ours, 90 % bootstrap ranges of the percentiles: {ours['interval_bootstrap_90']}")
        print(f"ranking (share of var(ln days), R^2 {ours['r2']}):")
        for r in ours["ranking"]:
            print(f"  {r['input']:26} {100 * r['share']:6.1f} %")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=60)
    parser.add_argument("--peer-samples", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--parts", default="oat,ours,peer")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    out = Path(__file__).parent / "results" / "lifetime_uncertainty.json"
    result = json.loads(out.read_text()) if out.is_file() and parts != {"oat", "ours", "peer"} else {}
    scenario = load_scenario()
    if "oat" in parts:
        result["one_at_a_time"] = run_oat(scenario, args.workers)
    for key, run in (("ours", run_ours), ("peer", run_peer)):
        if key in parts:
            samples = args.samples if key == "ours" else args.peer_samples
            result[key] = run(scenario, samples, args.seed, args.workers)
            out.parent.mkdir(exist_ok=True)
            out.write_text(json.dumps(result, indent=1))
    out.write_text(json.dumps(result, indent=1))
    show(result)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

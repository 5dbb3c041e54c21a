"""Re-entry of the twin flying Sentman's drag from its own attitude, beside the tumbling prediction.

Ours: the twin (``physics.twin``, attitude on, the mission's seed) to re-entry with
``[spacecraft] drag_model`` "sentman" (per face from the attitude as flown, ``flown_drag``) and
"fixed" (Cd 2.2 on the attitude's projected area); by default also the whole mission,
``picodragon run --until-reentry`` (flight software, link, ground: the figure the README quotes),
in a subprocess alongside. Along each twin path: the time means of C_D A, of the area and of the
Cd on it. Peer, in the same run: ``predict_lifetime`` (what ``picodragon lifetime`` prints, full
settings) with the same drag model on the tumbling body, whose time-mean C_D A is its mean Cd on
a quarter of the surface plus the antenna's. The ratio of the two C_D A is what the attitude
explains of the difference in days (the life goes roughly as m / (C_D A)).
Writes bench/results/twin_drag.json.

Usage: bench/twin_drag.py [--no-mission]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import _meta
from picodragon.config import load_scenario
from picodragon.physics.decay import predict_lifetime
from picodragon.physics.twin import Twin

RESULTS = Path(__file__).resolve().parent / "results" / "twin_drag.json"


def fly_twin(scenario, seed: int) -> dict:
    """The twin alone (no flight software) to re-entry in 1 h steps, with the time means of its
    drag along the path (each chunk's area from the twin, the Cd logged on the density grid)."""
    t = time.perf_counter()
    twin = Twin(scenario, seed)
    # the first chunk flew at construction, before any attitude: the tumbling mean area
    areas: list[tuple[float, float]] = [(twin.start_unix, scenario.spacecraft.mean_cross_section_m2)]
    area_fn = twin.orbit.area_fn

    def logged(t0: float, t1: float) -> float:
        area = area_fn(t0, t1)
        areas.append((t0, area))
        return area

    twin.orbit.area_fn = logged
    end = twin.start_unix + 3650 * 86400.0
    now = twin.start_unix
    while now < end and not twin.reentered:
        now = min(now + 3600.0, end)
        twin.advance_to(now)
    wall = time.perf_counter() - t
    log = twin.orbit.cd_log
    reentry = twin.reentry_unix
    log = log[log[:, 0] <= reentry]
    chunks = np.array(areas)
    area = chunks[np.searchsorted(chunks[:, 0], log[:, 0], side="right") - 1, 1]
    dt = np.diff(log[:, 0], append=reentry)
    return {
        "days": round((reentry - twin.start_unix) / 86400.0, 3),
        "cda_mean_m2": round(float(np.sum(log[:, 1] * area * dt) / np.sum(dt)), 6),
        "area_mean_m2": round(float(np.sum(area * dt) / np.sum(dt)), 6),
        "cd_mean": round(float(np.sum(log[:, 1] * dt) / np.sum(dt)), 4),
        "wall_s": round(wall, 1),
    }


def main(argv: list[str]) -> int:
    _meta.start()
    base = load_scenario()
    seed = base.seed
    mission = None
    folder = tempfile.mkdtemp(prefix="twin_drag_")
    if "--no-mission" not in argv:
        summary = Path(folder) / "summary.json"
        cli = Path(sys.executable).with_name("picodragon")
        mission = (time.perf_counter(), subprocess.Popen(
            [str(cli), "run", "--until-reentry", "--quiet", "--db", str(Path(folder) / "run.sqlite"),
             "--report", str(Path(folder) / "report.html"), "--json", str(summary)],
            cwd=folder, stdout=subprocess.DEVNULL, env=dict(os.environ)))
    rows = []
    print(f"{'drag model':10} {'twin days':>9} {'C_D A m2':>9} {'area m2':>8} {'Cd':>6} | "
          f"{'peer: lifetime days':>19} {'C_D A m2':>9} | {'C_D A ratio':>11} {'days ratio':>10}")
    for model in ("sentman", "fixed"):
        scenario = base.model_copy(update={"spacecraft": base.spacecraft.model_copy(
            update={"drag_model": model})})
        ours = fly_twin(scenario, seed)
        t = time.perf_counter()
        peer = predict_lifetime(scenario, cd_model=model)
        inputs = peer["inputs"]
        peer_cda = inputs["drag_coefficient_mean"] * inputs["drag_area_m2"]
        row = {"drag_model": model, "twin": ours,
               "lifetime": {"days": peer["days"], "reentry": peer["reentry"],
                            "cd_mean": inputs["drag_coefficient_mean"], "area_m2": inputs["drag_area_m2"],
                            "cda_mean_m2": round(peer_cda, 6), "wall_s": round(time.perf_counter() - t, 1)},
               "cda_ratio": round(ours["cda_mean_m2"] / peer_cda, 4),
               "days_ratio": round(peer["days"] / ours["days"], 4),
               "area_ratio": round(ours["area_mean_m2"] / inputs["drag_area_m2"], 4)}
        rows.append(row)
        print(f"{model:10} {ours['days']:9.2f} {ours['cda_mean_m2']:9.5f} {ours['area_mean_m2']:8.5f} "
              f"{ours['cd_mean']:6.3f} | {peer['days']:19.2f} {peer_cda:9.5f} | {row['cda_ratio']:11.4f} "
              f"{row['days_ratio']:10.4f}", flush=True)
    out = {"seed": seed, "rows": rows,
           "peer": "predict_lifetime (tumbling body, same drag model, full settings), same run"}
    if mission is not None:
        started, process = mission
        code = process.wait(timeout=7200)
        if code == 0:
            s = json.loads((Path(folder) / "summary.json").read_text())
            out["mission"] = {"reentry": s["reentry"], "days": round(s["sim_seconds"] / 86400.0, 2),
                              "wall_s": round(time.perf_counter() - started, 1),
                              "images_received": s["images_received"],
                              "frames_received": s["frames_received"],
                              "commands_sent": s["commands_sent"], "commands_executed": s["commands_executed"]}
            sentman = rows[0]["lifetime"]["days"]
            out["mission"]["days_before_lifetime"] = round(sentman - out["mission"]["days"], 2)
            print(f"mission (run --until-reentry, sentman): {out['mission']['days']:.2f} days, "
                  f"re-entry {s['reentry']}; peer lifetime {sentman:.2f} days")
        else:
            print(f"picodragon run --until-reentry failed (exit {code})")
            out["mission"] = {"error": f"exit {code}"}
    out["meta"] = _meta.meta()
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Thermal-vacuum benchmarks: the chamber's thermal model, the correlation, the EGSE run.

Prints, from one run on this machine:
- the chamber thermal model over the GEVS qualification profile (45 h, one-minute outputs):
  simulated hours per wall second of ours (``envtest.chamber.simulate``: compiled explicit
  Euler, 10 s sub-steps) beside scipy's ``solve_ivp`` (LSODA, rtol 1e-6) on the same nine-node
  equations written the plain numpy way, and the largest temperature difference between them;
- the correlation (``envtest.correlation.correlate``) of six parameters on the university-lab
  profile from a perturbed start: wall seconds and model runs;
- the EGSE run (``envtest.tvac.run_tvac``: the flight software against the twin in the chamber,
  the ground archiving) over the GEVS qualification profile (53 h, the campaign's): simulated
  hours per wall second.
Writes the key "thermal" of bench/results/envtest.json (other keys of that file are kept).
No timed asserts anywhere: this is where speed is measured.

Usage: bench/envtest_thermal.py
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from scipy.integrate import solve_ivp

from picodragon.config.loader import load_scenario
from picodragon.envtest.chamber import (
    C_TO_K,
    generate_log,
    internal_heat,
    node_model,
    simulate,
    thermal_spacecraft,
)
from picodragon.envtest.correlation import correlate
from picodragon.envtest.tvac import run_tvac
from picodragon.envtest.tvac_profile import load_profile
from picodragon.physics import thermal as th
from picodragon.physics.constants import STEFAN_BOLTZMANN

RESULTS = Path(__file__).parent / "results" / "envtest.json"


def scipy_chamber(model, t, setpoint_c, q, start_c) -> np.ndarray:
    """The same chamber equations as ``chamber.simulate``, the plain way: a numpy right-hand
    side integrated by solve_ivp (LSODA), outputs at t."""
    tp, sp = t, setpoint_c + C_TO_K
    faces = np.arange(6)

    def rhs(time_s, temp):
        s = np.interp(time_s, tp, sp)
        i = min(int(np.searchsorted(tp, time_s, side="right")) - 1, len(tp) - 1)
        ts = temp[th.STRUCTURE]
        flow = np.zeros(9)
        cond = model.g * (ts - temp)
        cond[th.STRUCTURE] = 0.0
        flow += cond
        flow[th.STRUCTURE] -= cond.sum()
        flow[faces] -= model.eps_eff * STEFAN_BOLTZMANN * model.area * (temp[faces] ** 4 - s**4)
        flow[th.STRUCTURE] += model.g_platen * (s - ts) + q[max(i, 0), 1]
        flow[th.OBC] += q[max(i, 0), 0]
        flow[th.BATTERY] += q[max(i, 0), 2]
        return flow / model.cap

    sol = solve_ivp(rhs, (t[0], t[-1]), np.full(9, start_c + C_TO_K), method="LSODA", t_eval=t,
                    rtol=1e-6, atol=1e-4)
    return sol.y.T - C_TO_K


def main(argv: list[str]) -> int:
    scenario = load_scenario()
    sc = scenario.spacecraft
    qual = load_profile("gevs-qual")
    model = node_model(sc)
    t = np.arange(0.0, qual.duration_s + 30.0, 60.0)
    sp = qual.setpoint_at(t)
    q = internal_heat(np.full(len(t), sc.power.base_load_w), 0.0)
    simulate(model, t, sp, q, qual.ambient_c)  # compile
    reps = 20
    wall = time.perf_counter()
    for _ in range(reps):
        ours = simulate(model, t, sp, q, qual.ambient_c)
    ours_s = (time.perf_counter() - wall) / reps
    wall = time.perf_counter()
    peer = scipy_chamber(model, t, sp, q, qual.ambient_c)
    peer_s = time.perf_counter() - wall
    hours = qual.duration_s / 3600.0
    diff = float(np.abs(ours - peer).max())
    print(f"chamber model, {qual.name} ({hours:.1f} h, {len(t)} outputs, 9 nodes)")
    print(f"  ours (compiled Euler, 10 s)  {hours / ours_s:12.0f} simulated h / wall s  ({ours_s * 1e3:.2f} ms)")
    print(f"  scipy solve_ivp LSODA        {hours / peer_s:12.0f} simulated h / wall s  ({peer_s * 1e3:.1f} ms)")
    print(f"  largest difference {diff:.3f} C; ours {peer_s / ours_s:.0f}x faster")

    lab = load_profile("university-lab")
    truth = {"face_emissivity": 0.62, "g_face_structure_w_k": 0.3, "g_battery_structure_w_k": 0.1,
             "g_obc_structure_w_k": 0.15, "structure_specific_heat": 1150.0}
    log = generate_log(thermal_spacecraft(sc, truth), lab, seed=7)
    correlate(scenario, log, ["face_emissivity"])  # compile and warm
    wall = time.perf_counter()
    fit = correlate(scenario, log)
    fit_s = time.perf_counter() - wall
    worst = max(abs(fit["parameters"][k] / v - 1.0) for k, v in truth.items())
    print(f"correlation, 6 parameters, {lab.name}: {fit_s:.2f} s wall, {fit['evaluations']} model runs, "
          f"sigma {fit['before']['std_c']:.2f} -> {fit['after']['std_c']:.2f} C, worst parameter error "
          f"{100 * worst:.1f} %")

    with tempfile.TemporaryDirectory() as tmp:
        wall = time.perf_counter()
        run = run_tvac(scenario, qual, str(Path(tmp) / "tvac.sqlite"), seed=1)
        egse_s = time.perf_counter() - wall
    egse_h = run["sim_hours"]
    tests = run["tables"]["functional_tests"]["rows"]
    print(f"EGSE run, {qual.name}: {egse_h:.1f} simulated h in {egse_s:.1f} s wall = {egse_h / egse_s:.2f} "
          f"simulated h / wall s; {run['frames_received']} frames archived; "
          f"{sum(r[2] for r in tests)}/{len(tests)} functional tests passed")

    data = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    data["thermal"] = {
        "chamber_model": {"profile": qual.name, "simulated_hours": hours, "outputs": len(t),
                          "ours_wall_s": ours_s, "ours_sim_h_per_wall_s": hours / ours_s,
                          "peer": "scipy.integrate.solve_ivp LSODA rtol 1e-6 (numpy right-hand side)",
                          "peer_wall_s": peer_s, "peer_sim_h_per_wall_s": hours / peer_s,
                          "max_difference_c": diff},
        "correlation": {"profile": lab.name, "parameters": 6, "wall_s": fit_s,
                        "model_runs": fit["evaluations"], "sigma_before_c": fit["before"]["std_c"],
                        "sigma_after_c": fit["after"]["std_c"], "worst_parameter_error": worst},
        "egse_run": {"profile": qual.name, "simulated_hours": egse_h, "wall_s": egse_s,
                     "sim_h_per_wall_s": egse_h / egse_s, "frames_archived": run["frames_received"],
                     "functional_tests_passed": int(sum(r[2] for r in tests)), "functional_tests": len(tests)},
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(data, indent=2) + "\n")
    print(f"-> {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

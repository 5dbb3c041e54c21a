"""Re-entry of the reference mission by atmosphere, drag-coefficient model and antenna assumption.

One prediction per case (``predict_lifetime``), every other input as the mission declares it:
- atmosphere: NRLMSIS 2.1, NRLMSISE-00;
- Cd model: fixed 2.2 (the mission's), or Sentman along the path with Pilinski et al. 2010's
  accommodation, and with alpha fixed at 1.0 and 0.9 for the default atmosphere;
- antennas: none (the bare box), the declared one (an assumed 17.1 cm UHF tape, +2.6 % area), and
  VHF + UHF tape dipoles (an assumption at the audit's upper case: +24 % area).

The peer figure printed beside ours, in the same run, is the pre-issue baseline (fixed Cd 2.2, no
antenna): every other row says how far the added physics moves the date from it. The audit of
issue 15 ran Orekit 13 with NRLMSISE-00 and the bare box: 124.4 days (not run here: Orekit is an
optional peer). ``--fidelity full`` for the full settings (about 3.5 times slower); 'fast' is the
default (within about 0.1 day of full for this mission). Writes bench/results/lifetime_models.json.

Usage: bench/lifetime_models.py [--fidelity fast|full]
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from picodragon.config import load_scenario
from picodragon.config.models import Appendage
from picodragon.physics.decay import predict_lifetime

RESULTS = Path(__file__).resolve().parent / "results" / "lifetime_models.json"

DIPOLES = [
    Appendage(name="UHF dipole", kind="tape", arms=2, length_m=0.171, width_m=0.005, mass_kg=0.006,
              face="+Z", direction="+X", assumed=["kind", "arms", "length_m", "width_m", "mass_kg"]),
    Appendage(name="VHF dipole", kind="tape", arms=2, length_m=0.50, width_m=0.006, mass_kg=0.016,
              face="+Z", direction="+Y", assumed=["kind", "arms", "length_m", "width_m", "mass_kg"]),
]
"""VHF (145.95 MHz, quarter wave 51 cm) and UHF (437 MHz, 17 cm) tape dipoles: assumptions."""


def antenna_cases(scenario):
    sc = scenario.spacecraft
    return {
        "none": scenario.model_copy(update={"spacecraft": sc.model_copy(update={"appendages": []})}),
        "declared UHF tape": scenario,
        "VHF+UHF dipoles": scenario.model_copy(
            update={"spacecraft": sc.model_copy(update={"appendages": DIPOLES})}),
    }


CASES = [
    # (atmosphere, cd_model, accommodation, antenna)
    *[(atm, cd, None, ant) for atm in ("nrlmsis21", "nrlmsise00") for cd in ("fixed", "sentman")
      for ant in ("none", "declared UHF tape", "VHF+UHF dipoles")],
    ("nrlmsis21", "sentman", 1.0, "declared UHF tape"),
    ("nrlmsis21", "sentman", 0.9, "declared UHF tape"),
]


def main(argv: list[str]) -> int:
    fidelity = argv[argv.index("--fidelity") + 1] if "--fidelity" in argv else "fast"
    scenario = load_scenario()
    scenarios = antenna_cases(scenario)
    rows = []
    baseline: dict[str, float] = {}
    print(f"{'atmosphere':11} {'Cd model':22} {'antennas':18} {'area m2':>9} {'Cd mean':>8} "
          f"{'alpha':>6} {'days':>8} {'re-entry':>21} {'baseline':>9} {'wall s':>7}")
    for atmosphere, cd_model, alpha, antenna in CASES:
        t = time.perf_counter()
        out = predict_lifetime(scenarios[antenna], fidelity=fidelity, atmosphere=atmosphere,
                               cd_model=cd_model, accommodation=alpha)
        wall = time.perf_counter() - t
        inputs = out["inputs"]
        if cd_model == "fixed" and antenna == "none":
            baseline[atmosphere] = out["days"]
        label = cd_model if cd_model == "fixed" else (
            "sentman (Pilinski)" if alpha is None else f"sentman (alpha {alpha:g})")
        if cd_model == "fixed":
            label = f"fixed {inputs['drag_coefficient']:g}"
        row = {
            "atmosphere": atmosphere, "cd_model": cd_model, "accommodation_fixed": alpha,
            "label": label, "antennas": antenna, "drag_area_m2": inputs["drag_area_m2"],
            "drag_coefficient_mean": inputs["drag_coefficient_mean"],
            "accommodation_mean": inputs["accommodation"], "days": out["days"],
            "reentry": out["reentry"], "baseline_days": baseline.get(atmosphere),
            "wall_s": round(wall, 1),
        }
        rows.append(row)
        acc = "" if row["accommodation_mean"] is None else f"{row['accommodation_mean']:.3f}"
        print(f"{atmosphere:11} {label:22} {antenna:18} {row['drag_area_m2']:9.5f} "
              f"{row['drag_coefficient_mean']:8.3f} {acc:>6} {row['days']:8.2f} {row['reentry']:>21} "
              f"{baseline.get(atmosphere, float('nan')):9.2f} {wall:7.1f}", flush=True)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({"fidelity": fidelity, "rows": rows,
                                   "peer": "baseline: fixed Cd 2.2, no antenna, same run"}, indent=2) + "\n")
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Orbital lifetime, picodragon beside Orekit (issue 15): the same ejected 1U, the same forces.

For each density factor k (1, the NRLMSISE-00 model itself, and 1.362), one run of
``picodragon.physics.decay.predict_lifetime(atmosphere='nrlmsise00', density_scale=k)`` (full
fidelity) and one of Orekit 13 (bench/peers/orekit_lifetime.py: Dormand-Prince 8(5,3),
HolmesFeatherstone J2-J4, NRLMSISE00 with CssiSpaceWeatherData on the same SW-All.txt,
isotropic drag and SRP, 120 km geodetic). Prints the lifetimes, their difference in days and in
per cent, and each side's wall time from the same run; then Orekit's DTM2000 (same inputs; a
third model picodragon does not have, so a figure beside the two, not a cross-check; ``--no-dtm``
skips it). Writes bench/results/orekit_lifetime.json.
Needs the ``orekit`` extra (orekit-jpype) and a Java runtime (11+); without them it prints
``skipped: <why>``, marks the JSON skipped (keeping the last run's figures) and exits 0.

Usage: bench/orekit_lifetime.py [--scales 1,1.362] [--no-dtm]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE / "peers"))

import _meta  # noqa: E402
from orekit_lifetime import OrekitUnavailable, orekit_lifetime  # noqa: E402
from orekit_lifetime import start as start_orekit  # noqa: E402
from picodragon.config import load_scenario  # noqa: E402
from picodragon.physics.decay import predict_lifetime  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", default="1,1.362", help="density factors k, comma-separated")
    ap.add_argument("--no-dtm", action="store_true", help="skip Orekit's DTM2000 run")
    args = ap.parse_args()
    _meta.start()
    try:
        start_orekit()  # the JVM first: without it there is nothing to compare with
    except OrekitUnavailable as exc:
        return _meta.skip(HERE / "results" / "orekit_lifetime.json", str(exc))
    scenario = load_scenario()
    rows = []
    for k in (float(x) for x in args.scales.split(",") if x.strip()):
        wall = time.perf_counter()
        ours = predict_lifetime(scenario, atmosphere="nrlmsise00", density_scale=k, cd_model="fixed")
        ours_wall = time.perf_counter() - wall
        wall = time.perf_counter()
        peer = orekit_lifetime(scenario, density_scale=k)
        peer_wall = time.perf_counter() - wall
        diff = ours["days"] - peer["days"]
        rows.append({
            "density_scale": k,
            "ours_days": ours["days"],
            "ours_reentry": ours["reentry"],
            "ours_wall_s": round(ours_wall, 1),
            "orekit_days": peer["days"],
            "orekit_reentry": peer["reentry"],
            "orekit_wall_s": round(peer_wall, 1),
            "difference_days": round(diff, 3),
            "difference_percent": round(100.0 * diff / peer["days"], 3),
        })
    print(f"{'NRLMSISE-00 x k':>16} {'ours (d)':>9} {'Orekit (d)':>11} {'diff (d)':>9} "
          f"{'diff %':>7} {'ours wall s':>12} {'Orekit wall s':>14}")
    for r in rows:
        print(f"{r['density_scale']:>16g} {r['ours_days']:>9.3f} {r['orekit_days']:>11.3f} "
              f"{r['difference_days']:>9.3f} {r['difference_percent']:>7.3f} "
              f"{r['ours_wall_s']:>12.1f} {r['orekit_wall_s']:>14.1f}")
    dtm = None
    if not args.no_dtm:
        wall = time.perf_counter()
        dtm = orekit_lifetime(scenario, atmosphere="dtm2000")
        dtm = {"days": dtm["days"], "reentry": dtm["reentry"], "wall_s": round(time.perf_counter() - wall, 1)}
        print(f"Orekit DTM2000 (no picodragon counterpart): {dtm['days']:.3f} d, re-entry {dtm['reentry']}")
    result = {
        "start": load_start(scenario),
        "orekit": peer["orekit"],
        "peer_setup": {"sun": peer["sun"], "atmosphere": peer["atmosphere"],
                       "integrator": "DormandPrince853, 1 mm / 1e-12", "gravity": "J2-J4 (ICGEM, degree 4 order 0)"},
        "inputs": {"mass_kg": peer["mass_kg"], "drag_coefficient": peer["drag_coefficient"],
                   "drag_area_m2": peer["drag_area_m2"], "srp_cr": peer["srp_cr"]},
        "rows": rows,
        "orekit_dtm2000": dtm,
        "load_average_1min": os.getloadavg()[0],
        "meta": _meta.meta(),
    }
    out = HERE / "results" / "orekit_lifetime.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out}")
    return 0


def load_start(scenario) -> str:
    """The ejection time, ISO (the start of both predictions)."""
    from picodragon.astro.isotime import iso_z
    from picodragon.physics.orbit import ejected_state

    return iso_z(ejected_state(scenario)[0], "seconds")


if __name__ == "__main__":
    sys.exit(main())

"""Re-entry from element sets on the twin: does the fitted factor recover the truth's, and does the
prediction converge as re-entry nears? Beside it, the peer operators reach for first: SGP4 flown
from the latest set (its own fitted B*) until it decays.

The truth: the reference spacecraft from its real J-SSOD ejection (419 km), flown by the numerical
propagator (full settings) in NRLMSISE-00 with density factor 1.2. The catalogue
(``mission.catalogue``) publishes a set of it every day until half a day before re-entry. The fit
(``physics.reentry_fit``, fast settings) runs twice: in the truth's own atmosphere (it must find
1.2) and in NRLMSIS 2.1 (it must find the truth's equivalent: the ratio of the truth's density to
NRLMSIS 2.1's integrated along the truth's path, ``reentry_fit.density_ratio``). Each of
``--history`` sets in turn is the latest; the table gives the predicted re-entry's error against
the truth's and whether the p5..p95 interval and the +-20 % operational window hold it, ours and
SGP4's side by side.

Writes bench/results/reentry_fit.json (one entry per start: 'ejection' or '<H> km'). Usage: bench/reentry_fit.py [--history N] [--altitude-km H]
(H: start from a circular orbit at H km in the same plane instead of the ejection: quicker).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from picodragon.astro.isotime import iso_z
from picodragon.config import load_scenario
from picodragon.mission.element_history import TruthOrbit, lowered_state, published_series
from picodragon.physics.constants import REENTRY_ALTITUDE
from picodragon.physics.orbit import carrier_epoch_unix, geodetic, propagate_sgp4
from picodragon.physics.reentry_fit import density_ratio, fit_reentry
from picodragon.physics.timebase import teme_to_ecef

TRUTH_ATMOSPHERE = "nrlmsise00"
TRUTH_FACTOR = 1.2


def sgp4_decay(element_set, max_days: float = 400.0) -> float | None:
    """The peer: the first time SGP4 from this set falls below 120 km geodetic, or fails (its
    'decayed' errors), minute by minute, one day of times at a time."""
    sat = element_set.satrec
    t0 = carrier_epoch_unix(sat)
    for day in range(int(max_days)):
        t = t0 + day * 86400.0 + 60.0 * np.arange(1440)
        r, v, err = propagate_sgp4(sat, t)
        bad = np.nonzero(err)[0]
        ok = err == 0
        below = np.array([], dtype=int)
        if np.any(ok):
            r_e, _ = teme_to_ecef(r[ok], None, t[ok])
            _, _, h = geodetic(r_e)
            below = np.nonzero(ok)[0][h < REENTRY_ALTITUDE]
        first = min([*bad[:1], *below[:1]], default=None)
        if first is not None:
            return float(t[first])
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--history", type=int, default=8)
    parser.add_argument("--altitude-km", type=float, default=None)
    args = parser.parse_args(argv)
    scenario = load_scenario()
    state = None if args.altitude_km is None else lowered_state(scenario, args.altitude_km * 1e3)
    wall = time.perf_counter()
    truth = TruthOrbit(scenario, TRUTH_ATMOSPHERE, TRUTH_FACTOR, state)
    reentry = truth.reentry()
    sets = published_series(truth)
    truth_s = time.perf_counter() - wall
    start = truth.start_unix
    print(f"truth: {TRUTH_ATMOSPHERE} x {TRUTH_FACTOR}, re-entry {iso_z(reentry, 'seconds')} "
          f"({(reentry - start) / 86400:.2f} days); {len(sets)} daily sets ({truth_s:.0f} s)")
    results: dict = {"truth": {"atmosphere": TRUTH_ATMOSPHERE, "factor": TRUTH_FACTOR,
                               "start": iso_z(start, "seconds"), "reentry": iso_z(reentry, "seconds"),
                               "days": round((reentry - start) / 86400, 3), "sets": len(sets),
                               "start_altitude_km": args.altitude_km}, "fits": {}}
    peer_by_epoch: dict[float, float | None] = {}
    for model in (TRUTH_ATMOSPHERE, "nrlmsis21"):
        t = time.perf_counter()
        fit = fit_reentry(sets, scenario, atmosphere=model, history_points=args.history)
        fit_s = time.perf_counter() - t
        factors = np.array([a.factor for a in fit.arcs if a.factor is not None])
        eq = []
        for arc in fit.arcs:
            tg = np.arange(arc.start, arc.end, 120.0)
            r, _ = truth.state_teme(tg)
            eq.append(density_ratio(tg, r, TRUTH_ATMOSPHERE, model, TRUTH_FACTOR))
        eq = np.array(eq)
        arc_err = np.array([(a.factor / e - 1) * 100 for a, e in zip(fit.arcs, eq, strict=True)
                            if a.factor is not None])
        print(f"\nfit in {model}: {len(fit.arcs)} arcs, {fit_s:.0f} s; combined factor {fit.latest.factor:.4f} "
              f"+- {fit.latest.factor_sigma:.4f}; truth's equivalent over the arcs {eq.mean():.4f} "
              f"(per arc {eq.min():.3f}..{eq.max():.3f}); arc factor - equivalent: "
              f"mean {arc_err.mean():+.2f} %, max |{np.abs(arc_err).max():.2f}| %")
        print(f"{'latest set':>22} {'days left':>9} {'ours: error d':>13} {'in p5-p95':>9} "
              f"{'in +-20 %':>9} {'SGP4 peer: error d':>18}")
        rows = []
        for p in fit.history:
            if p.epoch not in peer_by_epoch:
                es = next(s for s in sets if abs(carrier_epoch_unix(s.satrec) - p.epoch) < 1.0)
                peer_by_epoch[p.epoch] = sgp4_decay(es)
            peer = peer_by_epoch[p.epoch]
            ours = None if p.reentry is None else (p.reentry - reentry) / 86400
            theirs = None if peer is None else (peer - reentry) / 86400
            held = None if p.interval is None or None in p.interval else p.interval[0] <= reentry <= p.interval[1]
            in_window = None if p.window is None else p.window[0] <= reentry <= p.window[1]
            rows.append({"epoch": iso_z(p.epoch, "seconds"), "days_left": round((reentry - p.epoch) / 86400, 3),
                         "arcs": p.arcs, "factor": round(p.factor, 5),
                         "ours_error_days": None if ours is None else round(ours, 4),
                         "interval_holds_truth": held, "window_holds_truth": in_window,
                         "sgp4_peer_error_days": None if theirs is None else round(theirs, 4)})
            print(f"{iso_z(p.epoch, 'seconds'):>22} {(reentry - p.epoch) / 86400:9.2f} "
                  f"{'-' if ours is None else f'{ours:+.3f}':>13} {str(held):>9} {str(in_window):>9} "
                  f"{'-' if theirs is None else f'{theirs:+.3f}':>18}")
        results["fits"][model] = {
            "arcs": len(fit.arcs), "wall_s": round(fit_s, 1), "factor": round(fit.latest.factor, 5),
            "factor_sigma": round(fit.latest.factor_sigma, 5),
            "equivalent_mean": round(float(eq.mean()), 5),
            "arc_factor_minus_equivalent_pct": {"mean": round(float(arc_err.mean()), 3),
                                                "max_abs": round(float(np.abs(arc_err).max()), 3)},
            "arc_factors": {"min": round(float(factors.min()), 4), "max": round(float(factors.max()), 4)},
            "history": rows,
        }
    out = Path(__file__).parent / "results" / "reentry_fit.json"
    runs = json.loads(out.read_text()) if out.exists() else {}
    runs = runs if "truth" not in runs else {}  # the single-run layout before the keyed one
    runs["ejection" if args.altitude_km is None else f"{args.altitude_km:g} km"] = results
    out.write_text(json.dumps(runs, indent=2) + "\n")
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Physics benchmarks: propagation throughput, camera render time, twin speed.

Prints, from one run on this machine:
- states/s of our SGP4 path (``orbit.propagate_sgp4``: sgp4_array plus unit conversion) and of
  the peers on the same times: python-sgp4's SatrecArray, and Skyfield's EarthSatellite.at
  (from Unix times, as ours; it also rotates to GCRS), 200 000 times each, and of our numerical path (Cowell,
  J2-J4, NRLMSIS drag) both integrating (states stored per simulated second) and serving
  interpolated states (``NumericalPropagator.states``);
- the camera: one 640 x 480 frame by ray casting (median of 20), and JPEG encoding;
- the full twin (orbit, attitude, power, thermal, field, histories): simulated days per wall
  second, and the whole lifetime from deployment to re-entry (``--no-lifetime`` to skip).
Writes bench/results/physics.json. No timed asserts anywhere: this is where speed is measured.

Usage: bench/physics.py [--no-lifetime]
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
from sgp4.api import SatrecArray

import _meta
from picodragon.api import load_scenario
from picodragon.physics.camera import encode_jpeg, nadir_attitude, render
from picodragon.physics.decay import propagator_for
from picodragon.physics.orbit import deployed_element_set, propagate_sgp4
from picodragon.physics.sun import sun_position
from picodragon.physics.timebase import unix_to_jd
from picodragon.physics.twin import Twin, simulate


def best_of(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def median_of(fn, repeat: int = 20) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def main(argv: list[str]) -> int:
    _meta.start()
    sc = load_scenario()
    es = deployed_element_set(sc)
    sat = es.satrec
    t0 = sc.deployment.ejection_time.timestamp()
    n = 200_000
    t = t0 + np.linspace(0, 10 * 86400, n)
    results: dict[str, float] = {}

    propagate_sgp4(sat, t[:10])
    ours = best_of(lambda: propagate_sgp4(sat, t))
    jd, fr = unix_to_jd(t)
    arr = SatrecArray([sat])
    jd2, fr2 = np.ascontiguousarray(jd), np.ascontiguousarray(fr)
    peer = best_of(lambda: arr.sgp4(jd2, fr2))
    results["sgp4_ours_states_per_s"] = n / ours
    results["sgp4_peer_satrecarray_states_per_s"] = n / peer
    from skyfield.api import EarthSatellite

    from picodragon.physics.timebase import skyfield_time

    sky = EarthSatellite(es.line1, es.line2)
    sky_s = best_of(lambda: sky.at(skyfield_time(t)))  # a fresh Time: Skyfield caches per Time
    results["sgp4_peer_skyfield_states_per_s"] = n / sky_s

    prop = propagator_for(sc)
    prop.extend_to(t0 + 600)  # compile
    prop = propagator_for(sc)
    tic = time.perf_counter()
    prop.extend_to(t0 + 10 * 86400)
    integ = time.perf_counter() - tic
    results["numerical_integration_sim_s_per_wall_s"] = 10 * 86400 / integ
    results["numerical_integration_steps_per_s"] = len(prop.t) / integ
    serve = best_of(lambda: prop.states(t))
    results["numerical_interpolated_states_per_s"] = n / serve

    cam = sc.spacecraft.camera
    r, v, _ = propagate_sgp4(sat, [t0])
    rot = nadir_attitude(r[0], v[0], cam, 30.0)
    sun = sun_position(t0)[0]
    render(t0, r[0], rot, sun, cam)
    results["camera_render_ms"] = 1e3 * median_of(lambda: render(t0, r[0], rot, sun, cam))
    img = render(t0, r[0], rot, sun, cam)
    results["camera_jpeg_ms"] = 1e3 * median_of(lambda: encode_jpeg(img, cam.jpeg_quality))

    warm = Twin(sc)
    warm.advance_to(warm.start_unix + 3600)  # compile / load caches
    tic = time.perf_counter()
    twin = Twin(sc)
    for k in range(1, 10 * 144 + 1):
        twin.advance_to(twin.start_unix + 600.0 * k)
    wall = time.perf_counter() - tic
    results["twin_sim_days_per_wall_s_10min_calls"] = 10 / wall
    tic = time.perf_counter()
    twin = Twin(sc)
    twin.advance_to(twin.start_unix + 10 * 86400)
    wall = time.perf_counter() - tic
    results["twin_sim_days_per_wall_s_one_call"] = 10 / wall

    if "--no-lifetime" not in argv:
        tic = time.perf_counter()
        twin, hist = simulate(sc)
        wall = time.perf_counter() - tic
        days = (twin.reentry_unix - twin.start_unix) / 86400 if twin.reentry_unix else float("nan")
        results["lifetime_wall_s"] = wall
        results["lifetime_sim_days"] = days
        results["lifetime_sim_days_per_wall_s"] = days / wall
        results["lifetime_history_rows"] = float(len(hist["unix_s"]))

    rows = [
        ("SGP4, ours (propagate_sgp4)", "states/s", results["sgp4_ours_states_per_s"]),
        ("SGP4, peer (python-sgp4 SatrecArray)", "states/s", results["sgp4_peer_satrecarray_states_per_s"]),
        ("SGP4, peer (Skyfield EarthSatellite.at, GCRS)", "states/s", results["sgp4_peer_skyfield_states_per_s"]),
        ("numerical (Cowell+MSIS), integrating", "sim s / wall s", results["numerical_integration_sim_s_per_wall_s"]),
        ("numerical, integrating", "steps/s", results["numerical_integration_steps_per_s"]),
        ("numerical, interpolated states", "states/s", results["numerical_interpolated_states_per_s"]),
        ("camera render 640x480 (target < 30)", "ms", results["camera_render_ms"]),
        ("camera JPEG encode", "ms", results["camera_jpeg_ms"]),
        ("twin, advance every 10 min", "sim days / wall s", results["twin_sim_days_per_wall_s_10min_calls"]),
        ("twin, one 10-day advance", "sim days / wall s", results["twin_sim_days_per_wall_s_one_call"]),
    ]
    if "lifetime_wall_s" in results:
        rows += [
            ("full lifetime, deployment to re-entry (target < 60)", "wall s", results["lifetime_wall_s"]),
            ("full lifetime", "sim days", results["lifetime_sim_days"]),
            ("full lifetime", "sim days / wall s", results["lifetime_sim_days_per_wall_s"]),
        ]
    width = max(len(r[0]) for r in rows)
    print(f"{'benchmark':<{width}}  {'value':>14}  unit")
    for name, unit, value in rows:
        print(f"{name:<{width}}  {value:>14,.2f}  {unit}")
    print(f"SGP4 ours / SatrecArray: {results['sgp4_ours_states_per_s'] / results['sgp4_peer_satrecarray_states_per_s']:.2f}; "
          f"ours / Skyfield: {results['sgp4_ours_states_per_s'] / results['sgp4_peer_skyfield_states_per_s']:.1f}")
    import os

    results["load_average_1min"] = os.getloadavg()[0]
    print(f"load average (1 min) during the run: {results['load_average_1min']:.2f} on {os.cpu_count()} cores")
    out = Path(__file__).parent / "results" / "physics.json"
    out.parent.mkdir(exist_ok=True)
    results["meta"] = _meta.meta()
    out.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

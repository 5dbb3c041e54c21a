"""Pass prediction speed: ours (picodragon.ground.passes) against Skyfield's find_events.

Two workloads, each run by both in the same process: one satellite over one station for 365
days, and 50 satellites over 10 stations for 7 days. Prints a table with the wall times, the
number of passes each found, how many match within 1 s and the speed ratio; writes
bench/results/passes.json.

The 50 satellites are the ISS element set of the reference scenario with the right ascension
of the node and the mean anomaly spread out (and alternately a polar inclination), so the
workload is reproducible offline.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from skyfield.api import EarthSatellite, load, wgs84

import _meta
from picodragon.api import ElementSet, Station, find_passes_many, load_scenario
from picodragon.elements import tle_checksum

START = datetime(2013, 11, 20, tzinfo=UTC)
STATIONS = [
    Station(name=name, latitude_deg=lat, longitude_deg=lon, min_elevation_deg=mask)
    for name, lat, lon, mask in [
        ("Hanoi", 21.05, 105.80, 5),
        ("Tokyo", 35.73, 139.64, 0),
        ("Kitakyushu", 33.89, 130.84, 10),
        ("Svalbard", 78.23, 15.39, 5),
        ("Punta Arenas", -53.16, -70.91, 3),
        ("Delft", 52.0, 4.37, 0),
        ("Fairbanks", 64.86, -147.85, 5),
        ("Hartebeesthoek", -25.89, 27.69, 5),
        ("Singapore", 1.35, 103.82, 10),
        ("Santiago", -33.45, -70.67, 0),
    ]
]


def _line(text: str) -> str:
    return text[:68] + str(tle_checksum(text))


def satellites(n: int) -> list[ElementSet]:
    line1, line2 = load_scenario().deployment.carrier_tle
    out = []
    for i in range(n):
        inc = 51.6512 if i % 2 == 0 else 97.5
        raan = (27.5741 + 360.0 * i / n) % 360
        anomaly = (4.9903 + 137.0 * i) % 360
        l1 = _line(line1[:2] + f"{90000 + i:05d}" + line1[7:68] + "0")
        l2 = _line(
            line2[:2]
            + f"{90000 + i:05d} {inc:8.4f} {raan:8.4f}"
            + line2[25:43]
            + f"{anomaly:8.4f}"
            + line2[51:68]
            + "0"
        )
        out.append(ElementSet.from_lines(l1, l2, f"SAT-{i:02d}"))
    return out


def skyfield_events(sats, stations, start, end):
    ts = load.timescale(builtin=True)
    t0, t1 = ts.from_datetime(start), ts.from_datetime(end)
    rises = []
    for es in sats:
        sat = EarthSatellite(es.line1, es.line2, es.name, ts)
        for st in stations:
            site = wgs84.latlon(st.latitude_deg, st.longitude_deg, st.altitude_m)
            t, ev = sat.find_events(site, t0, t1, st.min_elevation_deg)
            rises += [
                (es.name, st.name, d) for d, e in zip(t.utc_datetime(), ev, strict=True) if e == 0
            ]
    return rises


def compare(ours, rises):
    """How many of Skyfield's rises have one of our AOS within 1 s (same satellite and station),
    and the largest difference among those matched, in seconds."""
    index: dict[tuple[str, str], list[float]] = {}
    for p in ours:
        index.setdefault((p.satellite, p.station), []).append(p.aos.timestamp())
    matched, worst = 0, 0.0
    for sat, st, when in rises:
        t = when.timestamp()
        diffs = [abs(t - a) for a in index.get((sat, st), ())]
        best = min(diffs, default=float("inf"))
        if best < 1.0:
            matched += 1
            worst = max(worst, best)
    return matched, worst


def run(label, sats, stations, days, repeat=3, skyfield_repeat=1):
    end = START + timedelta(days=days)
    best_ours = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        ours = find_passes_many(sats, stations, START, end)
        best_ours = min(best_ours, time.perf_counter() - t)
    theirs = float("inf")
    for _ in range(skyfield_repeat):
        t = time.perf_counter()
        rises = skyfield_events(sats, stations, START, end)
        theirs = min(theirs, time.perf_counter() - t)
    within = [p for p in ours if START <= p.aos <= end]  # rises inside the span, as Skyfield's
    matched, worst = compare(ours, rises)
    return {
        "workload": label,
        "ours_s": best_ours,
        "skyfield_s": theirs,
        "ratio": theirs / best_ours,
        "ours_rises": len(within),
        "skyfield_rises": len(rises),
        "matched_within_1s": matched,
        "max_aos_difference_s": worst,
    }


def main() -> int:
    _meta.start()
    rows = [
        run("1 sat x 1 station x 365 d", satellites(1), STATIONS[:1], 365, skyfield_repeat=3),
        run("50 sats x 10 stations x 7 d", satellites(50), STATIONS, 7),
    ]
    print(
        f"{'workload':29} {'ours s':>7} {'skyfield s':>10} {'ratio':>6} {'our rises':>9} "
        f"{'skyfield':>8} {'matched':>7} {'max dAOS s':>10}"
    )
    for r in rows:
        print(
            f"{r['workload']:29} {r['ours_s']:7.3f} {r['skyfield_s']:10.3f} {r['ratio']:6.1f} "
            f"{r['ours_rises']:9d} {r['skyfield_rises']:8d} {r['matched_within_1s']:7d} "
            f"{r['max_aos_difference_s']:10.3f}"
        )
    print(
        "ours: best of 3 runs; skyfield: EarthSatellite.find_events per satellite and station, best "
        "of 3 runs (1 year) or 1 run (50 x 10); "
        "matched: Skyfield rises with one of our AOS within 1 s"
    )
    out = Path(__file__).parent / "results" / "passes.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"workloads": rows, "meta": _meta.meta()}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

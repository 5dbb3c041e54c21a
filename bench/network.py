"""Network-scale planning and a constellation on dask (issue 14).

Parts (all by default; ``--only PART`` runs one and updates its key of the JSON):

- ``sample``: 20 satellites x 10 stations x 7 days by ours (ground.network, two-body
  refinement) and by Skyfield's ``EarthSatellite.find_events`` in the same run: CPU seconds of
  each, the ratio, and how their AOS and LOS agree.
- ``inprocess``: 2,000 satellites x 400 stations x 7 days in this process (a progress bar over
  the blocks), summary only (counts; the table of tens of millions of passes is never held):
  wall and CPU seconds, the per-core rate in satellite-station-days per CPU second, the peak
  resident memory of the process.
- ``dask``: the same plan on a LocalCluster of 2 single-threaded worker processes on
  127.0.0.1 (one task per 50 satellites): wall seconds, the workers' CPU seconds and peak
  memory (read on each worker), the same pass count as in-process.
- ``constellation``: 50 spacecraft of the reference design over a 20-station network, 1
  simulated day each, every one a full mission run (twin, flight software, link, ground with
  its own archive) as a dask task on a LocalCluster of 2 processes.

The catalogue and the network are the seeded synthetic ones of
``picodragon.ground.synthetic_network`` (named assumptions there: no catalogue is downloaded).
The machine is shared: CPU seconds are the fairer figure, and the load average is recorded at
the start and end of every part. Writes bench/results/network.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

import _meta  # bench/_meta.py: commit, dates, load
from picodragon.ground.network import (
    DEFAULT_BUDGET_MB,
    NetworkSummary,
    count_blocks,
    plan_network,
    plan_network_on,
)
from picodragon.ground.synthetic_network import synthetic_catalogue, synthetic_stations

START = datetime(2026, 12, 1, tzinfo=UTC)
DAYS = 7.0
SATELLITES, STATIONS = 2000, 400
SAMPLE = (20, 10)
CONSTELLATION = (50, 20, 1.0)  # spacecraft, stations, days
OUT = Path(__file__).parent / "results" / "network.json"


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _cpu_self() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def _worker_usage() -> dict[str, float]:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return {"cpu_s": r.ru_utime + r.ru_stime, "peak_rss_mb": r.ru_maxrss / 1024}


def sample() -> dict:
    from skyfield.api import EarthSatellite, load, wgs84

    sats = synthetic_catalogue(SATELLITES, START, seed=1)[: SAMPLE[0]]
    sites = synthetic_stations(STATIONS, seed=1)[: SAMPLE[1]]
    end = START + timedelta(days=DAYS)
    load_start = _load()
    c = time.process_time()
    ours = plan_network(sats, sites, START, end)
    ours_cpu = time.process_time() - c
    ts = load.timescale(builtin=True)
    t0, t1 = ts.from_datetime(START), ts.from_datetime(end)
    c = time.process_time()
    events = []
    for i, es in enumerate(sats):
        sat = EarthSatellite(es.line1, es.line2, es.name, ts)
        for g, st in enumerate(sites):
            t, ev = sat.find_events(wgs84.latlon(st.latitude_deg, st.longitude_deg, st.altitude_m),
                                    t0, t1, st.min_elevation_deg)
            events.append((i, g, t, ev))
    sky_cpu = time.process_time() - c
    # agreement: each Skyfield rise (set) against our nearest AOS (LOS) of the same pair
    d_aos, d_los, rises = [], [], 0
    for i, g, t, ev in events:
        mine = (ours.satellite == i) & (ours.station == g)
        unix = np.array([d.timestamp() for d in t.utc_datetime()])
        for kind, col, out in ((0, ours.aos[mine], d_aos), (2, ours.los[mine], d_los)):
            for t in unix[ev == kind]:
                if kind == 0:
                    rises += 1
                out.append(float(np.min(np.abs(col - t))) if col.size else float("inf"))
    d_aos, d_los = np.array(d_aos), np.array(d_los)
    pair_days = SAMPLE[0] * SAMPLE[1] * DAYS
    return {
        "workload": f"{SAMPLE[0]} satellites x {SAMPLE[1]} stations x {DAYS:g} d",
        "ours_cpu_s": round(ours_cpu, 3),
        "skyfield_cpu_s": round(sky_cpu, 3),
        "ratio": round(sky_cpu / ours_cpu, 1),
        "ours_pair_days_per_cpu_s": round(pair_days / ours_cpu, 1),
        "skyfield_pair_days_per_cpu_s": round(pair_days / sky_cpu, 1),
        "ours_passes": len(ours),
        "skyfield_rises": rises,
        "aos_matched_within_1s": int(np.sum(d_aos < 1.0)),
        "los_matched_within_1s": int(np.sum(d_los < 1.0)),
        "skyfield_sets": int(d_los.size),
        "max_aos_difference_s": round(float(np.max(d_aos[d_aos < 1.0])), 3),
        "max_los_difference_s": round(float(np.max(d_los[d_los < 1.0])), 3),
        "load_average_start": load_start,
        "load_average_end": _load(),
    }


def inprocess() -> dict:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    sats = synthetic_catalogue(SATELLITES, START, seed=1)
    sites = synthetic_stations(STATIONS, seed=1)
    end = START + timedelta(days=DAYS)
    blocks = count_blocks(sats, sites, START, end)
    load_start = _load()
    wall, cpu = time.perf_counter(), _cpu_self()
    with Progress(TextColumn("in-process"), BarColumn(), MofNCompleteColumn(), TextColumn("blocks"),
                  TimeElapsedColumn()) as bar:
        task = bar.add_task("plan", total=blocks)
        summary = plan_network(sats, sites, START, end, summary_only=True,
                               progress=lambda _: bar.advance(task), threads=ARGS.threads)
    wall, cpu = time.perf_counter() - wall, _cpu_self() - cpu
    assert isinstance(summary, NetworkSummary)
    return {
        "workload": f"{SATELLITES} satellites x {STATIONS} stations x {DAYS:g} d",
        "blocks": blocks,
        "budget_mb": DEFAULT_BUDGET_MB,
        "threads": ARGS.threads,
        "wall_s": round(wall, 1),
        "cpu_s": round(cpu, 1),
        "pair_days_per_cpu_s": round(SATELLITES * STATIONS * DAYS / cpu, 1),
        "passes_per_cpu_s": round(summary.passes / cpu),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
        **summary.to_json(),
        "load_average_start": load_start,
        "load_average_end": _load(),
    }


def on_dask() -> dict:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from picodragon.mission.montecarlo import dask_client

    sats = synthetic_catalogue(SATELLITES, START, seed=1)
    sites = synthetic_stations(STATIONS, seed=1)
    end = START + timedelta(days=DAYS)
    with dask_client(None, 2) as (client, where):
        before = client.run(_worker_usage)
        load_start = _load()
        wall = time.perf_counter()
        with Progress(TextColumn("dask"), BarColumn(), MofNCompleteColumn(), TextColumn("tasks"),
                      TimeElapsedColumn()) as bar:
            task = bar.add_task("plan", total=-(-SATELLITES // 50))
            summary = plan_network_on(client, sats, sites, START, end, summary_only=True,
                                      satellites_per_task=50,
                                      progress=lambda done, _: bar.update(task, completed=done))
        wall = time.perf_counter() - wall
        after = client.run(_worker_usage)
    cpu = sum(after[w]["cpu_s"] - before[w]["cpu_s"] for w in after)
    assert isinstance(summary, NetworkSummary)
    return {
        "workload": f"{SATELLITES} satellites x {STATIONS} stations x {DAYS:g} d",
        "cluster": where,
        "tasks": -(-SATELLITES // 50),
        "wall_s": round(wall, 1),
        "workers_cpu_s": round(cpu, 1),
        "pair_days_per_cpu_s": round(SATELLITES * STATIONS * DAYS / cpu, 1),
        "worker_peak_rss_mb": [round(after[w]["peak_rss_mb"], 1) for w in sorted(after)],
        "client_peak_rss_mb": round(_peak_rss_mb(), 1),
        **summary.to_json(),
        "load_average_start": load_start,
        "load_average_end": _load(),
    }


def constellation() -> dict:
    from picodragon.config import load_scenario
    from picodragon.mission.constellation import run_constellation

    count, n_stations, days = CONSTELLATION
    days = ARGS.constellation_days or days
    sites = synthetic_stations(n_stations, seed=2)
    load_start = _load()
    done_at: list[float] = []
    started = time.perf_counter()

    def progress(done: int, total: int) -> None:
        done_at.append(time.perf_counter() - started)
        print(f"constellation: {done}/{total} spacecraft, {done_at[-1]:.0f} s", file=sys.stderr)

    report = run_constellation(load_scenario(), count, days, sites, None, 2, progress=progress)
    members = report["per_spacecraft"]
    return {
        "workload": f"{count} spacecraft x {days:g} d, {n_stations} stations, full fidelity",
        "cluster": report["scheduler"],
        "wall_s": report["wall_seconds"],
        "member_wall_s_mean": round(float(np.mean([m["wall_seconds"] for m in members])), 2),
        "member_wall_s_sum": round(float(np.sum([m["wall_seconds"] for m in members])), 1),
        "passes": report["passes"],
        "frames_sent": report["frames_sent"],
        "frames_received": report["frames_received"],
        "alarms": report["alarms"],
        "alarm_points": report["alarm_points"],
        "stations_with_passes": sum(1 for s in report["per_station"].values() if s["passes"]),
        "passes_per_station": {k: v["passes"] for k, v in report["per_station"].items()},
        "frames_received_per_spacecraft": [m["frames_received"] for m in members],
        "load_average_start": load_start,
        "load_average_end": _load(),
    }


ARGS = argparse.Namespace(constellation_days=None, threads=1)
PARTS = {"sample": sample, "inprocess": inprocess, "dask": on_dask, "constellation": constellation}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=sorted(PARTS), action="append")
    parser.add_argument("--constellation-days", type=float, default=None,
                        help=f"simulated days per spacecraft [default: {CONSTELLATION[2]:g}]")
    parser.add_argument("--threads", type=int, default=1,
                        help="in-process: blocks planned by this many threads of the one process")
    args = parser.parse_args()
    ARGS.constellation_days, ARGS.threads = args.constellation_days, args.threads
    for name in args.only or list(PARTS):
        _meta.start()
        result = PARTS[name]()
        result["meta"] = _meta.meta()
        # read again just before writing: parts may run as separate processes at once
        data = json.loads(OUT.read_text()) if OUT.exists() else {}
        data.update({
            "bench": "network",
            "date": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            "machine": {"cores": os.cpu_count(), "platform": platform.platform(),
                        "python": platform.python_version()},
            name: result,
        })
        OUT.parent.mkdir(exist_ok=True)
        OUT.write_text(json.dumps(data, indent=2) + "\n")
        print(json.dumps({name: result}, indent=2))
    s, i, d = data.get("sample"), data.get("inprocess"), data.get("dask")
    if s:
        print(f"sample {s['workload']}: ours {s['ours_cpu_s']} CPU s, Skyfield {s['skyfield_cpu_s']} "
              f"CPU s, ratio {s['ratio']}; AOS matched {s['aos_matched_within_1s']}/{s['skyfield_rises']}")
    if i:
        print(f"in-process {i['workload']}: {i['passes']} passes, {i['wall_s']} s wall, {i['cpu_s']} "
              f"CPU s, {i['pair_days_per_cpu_s']} pair-days/CPU s, peak {i['peak_rss_mb']} MB")
    if d:
        print(f"dask {d['cluster']}: {d['passes']} passes, {d['wall_s']} s wall, {d['workers_cpu_s']} "
              f"worker CPU s, peaks {d['worker_peak_rss_mb']} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Mission control under load: 20 concurrent clients on the live pages' API, SQLite and PostgreSQL.

The archive is a week of a mission's ground data written through the archive's own interface:
604,800 packets of 1 Hz housekeeping (each a frame, a reception and a telemetry row, built by
``bench/web.py``'s ``fill``), one ground event a minute (10,080) and an alarm raised and cleared
every 90 minutes (224 transitions). ``picodragon.web.serve`` runs in a subprocess on a free
127.0.0.1 port (stopped by its own pid), a viewer logs in, and ``--clients`` asyncio clients
(httpx, bearer token) issue ``--requests`` GETs in all, each picking an endpoint by the weights
below, in two modes: *paced*, each client a live page making its requests when they are due
(the page's rate, below, from a random phase; a late answer delays the next one, as in a
browser), and *back to back*, no pauses at all (a stress figure: 20 clients then keep 20
requests in flight, far more than a dozen open pages make).

The weights are what the live pages ask for each time the archive changes (at most once a
second, ``live_interval_s``), from ``web/static/app.js``: every open page receives a status
push over ``/api/live``, computed as ``/api/status`` is (weighted once per page kind, 8); the
overview needs nothing more; telemetry redraws its chart (the last day, one point); the track
page redraws the pass timeline (``/api/passes?days=2``) and its map every 30 s; the console
polls every 2 s; events reloads alarms and events; frames, images and commanding reload their
lists. A page's rate in the paced mode is the weights' sum over the 8 page kinds: 1.94 requests
a second, so 20 pages make 39 a second.

Reported per endpoint and overall: p50, p95, p99 and errors; the machine's load average before
and after (the machine is shared: figures on a loaded machine are what they are); and beside
them the floor: the same clients on a bare FastAPI route (no session, no database) under the
same uvicorn in the same run, what the framework and the machine give before any of our work. Target: the
overall p95 under 100 ms. Writes bench/results/web_load.json.

Usage: bench/web_load.py [--days 7] [--clients 20] [--requests 2000] [--max-seconds 300]
                         [--mode both|paced|back-to-back] [--pg URL | --no-pg | --pg-only]
                         [--keep ARCHIVE.sqlite] [--out FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _meta  # noqa: E402 - bench/_meta.py: the run's commit, dates and load
import web as web_bench  # noqa: E402 - bench/web.py: the housekeeping archive and the PostgreSQL schema
from picodragon.api import open_archive  # noqa: E402

T0 = web_bench.T0
EVENT_EVERY_S = 60.0
ALARM_EVERY_S = 5400.0
PG_DEFAULT = web_bench.PG_DEFAULT
#: the live pages the mix is drawn from: overview, telemetry, track, console, events, frames,
#: images, commanding
PAGE_KINDS = 8


def mix(days: float) -> list[tuple[str, str, dict, float]]:
    """(label, path, query, weight): the live pages' requests per archive change (see above)."""
    end = T0 + days * 86400
    day = {"point": "HOUSEKEEPING.battery_voltage_v", "start": web_bench.iso(end - 86400), "max_points": 1000}
    return [
        ("status", "/api/status", {}, 8.0),
        ("telemetry", "/api/telemetry", day, 1.0),
        ("passes", "/api/passes", {"days": 2}, 1.0),
        ("track", "/api/track", {}, 1 / 30),
        ("console", "/api/console", {}, 0.5),
        ("alarms", "/api/alarms", {"limit": 200, "active": "false"}, 1.0),
        ("events", "/api/events", {"q": "", "min_severity": 0, "source": "", "limit": 50, "offset": 0}, 1.0),
        ("frames", "/api/frames", {"outcome": "all", "limit": 50, "offset": 0}, 1.0),
        ("images", "/api/images", {}, 1.0),
        ("commands", "/api/commands", {"limit": 100}, 1.0),
    ]


def fill(url: str, days: float) -> float:
    """The week of housekeeping, then events and alarms; return the seconds it took."""
    seconds = web_bench.fill(url, days)
    start = time.perf_counter()
    archive = open_archive(url)
    try:
        with archive.batch():
            for t in np.arange(T0, T0 + days * 86400, EVENT_EVERY_S):
                archive.store_event(float(t), "BEACON_SCHEDULE", 1, "beacon schedule checked", "ground")
            for k, t in enumerate(np.arange(T0 + 1800, T0 + days * 86400, ALARM_EVERY_S / 2)):
                raised = k % 2 == 0
                archive.insert("alarms", {"point": "HOUSEKEEPING.battery_voltage_v", "unix_s": float(t),
                                          "severity": 2 if raised else 0, "state": "raised" if raised else "cleared",
                                          "value": 7.1 if raised else 7.6,
                                          "detail": "below warning low" if raised else "back in limits"})
    finally:
        archive.close()
    return seconds + time.perf_counter() - start


#: the floor beside our figures: a bare FastAPI route (no session, no database, a constant
#: answer) under the same uvicorn, loaded by the same clients in the same run; what the
#: framework and this machine at this moment give before mission control does any work
FLOOR_APP = (
    "import uvicorn\n"
    "from fastapi import FastAPI\n"
    "app = FastAPI()\n"
    "@app.get('/api/ping')\n"
    "def ping() -> dict:\n"
    "    return {'ok': True}\n"
    "uvicorn.run(app, host='127.0.0.1', port={port}, log_level='warning')\n"
)


@contextmanager
def server(url: str | None):
    """Mission control (``url``; None: the floor app) in a subprocess on a free 127.0.0.1 port;
    yields (base URL, pid)."""
    port = web_bench.free_port()
    if url is None:
        code = FLOOR_APP.replace("{port}", str(port))
    else:
        code = f"from picodragon.web import serve; serve({url!r}, '127.0.0.1', {port})"
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        web_bench.wait_until_listening(proc, port)
        yield f"http://127.0.0.1:{port}", proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def page_rate(days: float) -> float:
    """Requests a second one open live page makes on average while the archive changes every second."""
    return sum(m[3] for m in mix(days)) / PAGE_KINDS


async def load(base: str, token: str, days: float, clients: int, requests: int, max_seconds: float,
               rate: float, seed: int = 1, table: list | None = None) -> dict:
    """``clients`` clients sharing ``requests`` GETs; latencies by endpoint label.

    ``rate`` > 0: each client paces itself to ``rate`` requests a second from a random phase (a
    live page: the next request when it is due, or at once when the last one came back late);
    ``rate`` 0: back to back (closed loop, the stress figure).
    """
    import httpx

    table = mix(days) if table is None else table
    labels = [m[0] for m in table]
    weights = [m[3] for m in table]
    rnd = random.Random(seed)
    plan = rnd.choices(range(len(table)), weights=weights, k=requests)
    cursor = iter(plan)
    times: dict[str, list[float]] = {label: [] for label in labels}
    errors: dict[str, int] = {label: 0 for label in labels}
    deadline = time.monotonic() + max_seconds
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async def client(http: httpx.AsyncClient, phase: float) -> None:
        due = time.monotonic() + phase
        for i in cursor:  # the shared plan bounds the count; the deadline bounds the time
            if rate > 0:
                await asyncio.sleep(max(0.0, due - time.monotonic()))
                due += 1 / rate
            if time.monotonic() > deadline:
                return
            label, path, query, _ = table[i]
            t = time.perf_counter()
            try:
                r = await http.get(path, params=query, headers=headers)
                ok = r.status_code == 200
            except httpx.HTTPError:
                ok = False
            elapsed = time.perf_counter() - t
            if ok:
                times[label].append(elapsed)
            else:
                errors[label] += 1

    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as http:
        start = time.perf_counter()
        phases = [rnd.uniform(0, 1 / rate) if rate > 0 else 0.0 for _ in range(clients)]
        await asyncio.gather(*(client(http, ph) for ph in phases))
        wall = time.perf_counter() - start

    def stats(a: list[float]) -> dict:
        if not a:
            return {"count": 0}
        ms = np.array(a) * 1000
        return {"count": len(a), "p50_ms": float(np.percentile(ms, 50)), "p95_ms": float(np.percentile(ms, 95)),
                "p99_ms": float(np.percentile(ms, 99)), "max_ms": float(ms.max())}

    done = sum(len(v) for v in times.values())
    per = {label: {**stats(times[label]), "errors": errors[label]} for label in labels}
    every = [x for v in times.values() for x in v]
    return {"clients": clients, "rate_per_client": rate, "requests_planned": requests, "requests_done": done,
            "errors": sum(errors.values()), "wall_s": wall, "throughput_per_s": done / wall if wall else 0.0,
            "overall": stats(every), "endpoints": per}


def floor(days: float, clients: int, requests: int, max_seconds: float, rates: tuple[float, ...]) -> dict:
    """The same clients, paced and back to back, on the floor app's one route."""
    out: dict = {}
    with server(None) as (base, _pid):
        for rate in rates:
            out["paced" if rate > 0 else "back_to_back"] = asyncio.run(load(
                base, "", days, clients, requests, max_seconds, rate, table=[("ping", "/api/ping", {}, 1.0)]))
    return out


def measure(url: str, days: float, clients: int, requests: int, max_seconds: float,
            rates: tuple[float, ...]) -> dict:
    import httpx

    from picodragon.web.auth import create_user

    create_user(url, "loadbench", "loadbench-password", "viewer")
    with server(url) as (base, _pid):
        with httpx.Client(base_url=base, timeout=120) as c:
            token = c.post("/api/login", json={"name": "loadbench", "password": "loadbench-password"}).json()["token"]
            h = {"Authorization": f"Bearer {token}"}
            first = time.perf_counter()
            for _, path, query, _ in mix(days):  # warm-up: rollups, pass cache, first connections
                c.get(path, params=query, headers=h).raise_for_status()
            warm_s = time.perf_counter() - first
        out = {"warm_up_s": warm_s}
        for rate in rates:
            out["paced" if rate > 0 else "back_to_back"] = asyncio.run(
                load(base, token, days, clients, requests, max_seconds, rate))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=7.0)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--max-seconds", type=float, default=300.0)
    parser.add_argument("--mode", choices=("both", "paced", "back-to-back"), default="both",
                        help="paced: each client a live page at its polling rate; back-to-back: no pauses")
    parser.add_argument("--pg", default=os.environ.get("PICODRAGON_TEST_PG", PG_DEFAULT))
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--pg-only", action="store_true")
    parser.add_argument("--keep", help="keep the SQLite archive at this path (reused when it exists)")
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent / "results" / "web_load.json"))
    args = parser.parse_args()
    _meta.start()
    if not (1 <= args.clients <= 200 and 1 <= args.requests <= 100_000 and 0 < args.max_seconds <= 3600
            and args.days > 0):
        parser.error("--clients 1..200, --requests 1..100000, --max-seconds up to 3600, --days > 0")

    results: dict = {"days": args.days, "packets": int(args.days * 86400), "clients": args.clients,
                     "requests": args.requests,
                     "mix": {m[0]: {"path": m[1], "query": m[2], "weight": m[3]} for m in mix(args.days)},
                     "load_average_before": list(os.getloadavg()), "cpus": os.cpu_count()}
    rates = {"both": (page_rate(args.days), 0.0), "paced": (page_rate(args.days),), "back-to-back": (0.0,)}[args.mode]
    run = (args.days, args.clients, args.requests, args.max_seconds, rates)
    print("floor: a bare FastAPI route under the same load", file=sys.stderr)
    results["floor"] = floor(*run)
    if not args.pg_only:
        with tempfile.TemporaryDirectory() as tmp:
            url = args.keep or str(Path(tmp) / "load.sqlite")
            fill_s = None
            if not (args.keep and Path(url).exists()):
                print(f"SQLite: writing {results['packets']:,} housekeeping packets", file=sys.stderr)
                fill_s = fill(url, args.days)
            print("SQLite: load", file=sys.stderr)
            results["sqlite"] = {"fill_s": fill_s, **measure(url, *run)}
    if not args.no_pg:
        try:
            with web_bench.pg_schema(args.pg) as url:
                print(f"PostgreSQL: writing {results['packets']:,} housekeeping packets", file=sys.stderr)
                fill_s = fill(url, args.days)
                print("PostgreSQL: load", file=sys.stderr)
                results["postgresql"] = {"fill_s": fill_s, **measure(url, *run)}
        except Exception as exc:  # noqa: BLE001 - an absent PostgreSQL skips its half of the table
            print(f"PostgreSQL skipped: {type(exc).__name__}: {exc}", file=sys.stderr)
    results["load_average_after"] = list(os.getloadavg())
    results["meta"] = _meta.meta()

    print(f"\nmission control under load: {args.clients} clients, {args.requests:,} GETs per mode, "
          f"{results['packets']:,} packets archived; target p95 < 100 ms")
    print(f"paced: each client a live page, {page_rate(args.days):.2f} requests/s; back-to-back: no pauses")
    print(f"load average before {results['load_average_before'][0]:.1f}, after "
          f"{results['load_average_after'][0]:.1f} on {results['cpus']} cores (shared machine)")
    print(f"{'backend':<11} {'mode':<13} {'endpoint':<10} {'count':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
          f"{'errors':>7}")
    for backend in ("sqlite", "postgresql"):
        for mode in ("paced", "back_to_back"):
            r = results.get(backend, {}).get(mode)
            if not r:
                continue
            rows = [*r["endpoints"].items(), ("ALL", {**r["overall"], "errors": r["errors"]})]
            for label, x in rows:
                if not x.get("count"):
                    print(f"{backend:<11} {mode:<13} {label:<10} {0:>6} {'':>8} {'':>8} {'':>8} {x['errors']:>7}")
                    continue
                print(f"{backend:<11} {mode:<13} {label:<10} {x['count']:>6} {x['p50_ms']:>8.1f} "
                      f"{x['p95_ms']:>8.1f} {x['p99_ms']:>8.1f} {x['errors']:>7}")
            verdict = "ok" if r["overall"].get("p95_ms", 1e9) < 100 and not r["errors"] else "MISSED"
            print(f"{backend:<11} {mode:<13} {r['throughput_per_s']:.0f} requests/s over {r['wall_s']:.1f} s; "
                  f"p95 {r['overall'].get('p95_ms', float('nan')):.1f} ms: {verdict}")
    print("\nbeside the floor (a bare FastAPI route, no session, no database, same clients, same run):")
    print(f"{'mode':<13} {'floor p50':>10} {'floor p95':>10} {'floor req/s':>12}   "
          + "   ".join(f"{b + ' p95':>15}" for b in ("sqlite", "postgresql")))
    for mode in ("paced", "back_to_back"):
        f = results["floor"].get(mode)
        if not f or not f["overall"].get("count"):
            continue
        ours = [results.get(b, {}).get(mode, {}).get("overall", {}).get("p95_ms") for b in ("sqlite", "postgresql")]
        print(f"{mode:<13} {f['overall']['p50_ms']:>10.1f} {f['overall']['p95_ms']:>10.1f} "
              f"{f['throughput_per_s']:>12.0f}   " + "   ".join(f"{x:>15.1f}" if x is not None else f"{'-':>15}"
                                                             for x in ours))
    out = Path(args.out)
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()

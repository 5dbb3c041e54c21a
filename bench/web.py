"""Mission control's telemetry query: response time for a week and a month of 1 Hz housekeeping.

A month (30 days) of 1 Hz housekeeping, 2,592,000 packets of the dictionary's HOUSEKEEPING
packet (every field varying), is written through the ground archive's own interface
(``store_frame`` and ``store_points``, in transactions of 50,000) on SQLite and, when reachable,
PostgreSQL (a schema of its own, dropped at the end). ``picodragon serve`` then runs in a
subprocess on 127.0.0.1 and the chart's request, ``GET /api/telemetry`` for one point over a
week or a month at 1,000 points, is timed end to end over HTTP (httpx, a bearer token), at
random window positions, after one warm-up request that builds the rollups (timed and reported
on its own: the one-off cost of opening an existing archive for the first time).

Target: the 95th percentile under 100 ms. The baseline beside it is the obvious way without
rollups: the same downsampling as one SQL ``GROUP BY`` over the raw rows, timed in the same run
on the same data (without HTTP, so the ratio flatters the baseline). Prints a table and writes
bench/results/web.json.

Usage: bench/web.py [--days 30] [--requests 60] [--pg URL | --no-pg]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import numpy as np

import _meta
from picodragon.api import open_archive
from picodragon.dictionary import core

T0 = 1_384_905_600.0  # 2013-11-20T00:00:00Z
BATCH = 50_000
PG_DEFAULT = "postgresql://127.0.0.1:5432/test"
POINT = "HOUSEKEEPING.battery_voltage_v"
HOUSEKEEPING = core().packet("HOUSEKEEPING")


def fill(url: str, days: float) -> float:
    """Write ``days`` of 1 Hz housekeeping; return the seconds it took."""
    n = int(days * 86400)
    fields = [f.name for f in HOUSEKEEPING.fields]
    t = T0 + np.arange(n, dtype=float)
    rng = np.random.default_rng(7)
    columns = {name: rng.normal(0, 1, n).round(3) for name in fields}
    columns["battery_voltage_v"] = (7.6 + 0.4 * np.sin(2 * np.pi * t / 5560) + rng.normal(0, 0.01, n)).round(3)
    columns["obc_temperature_c"] = (15 + 10 * np.sin(2 * np.pi * t / 5560)).round(2)
    columns["mode"] = np.full(n, 2.0)
    start = time.perf_counter()
    archive = open_archive(url)
    try:
        for lo in range(0, n, BATCH):
            hi = min(n, lo + BATCH)
            block = {name: columns[name][lo:hi].tolist() for name in fields}
            with archive.batch():
                for j in range(hi - lo):
                    i = lo + j
                    fid = archive.store_frame(i.to_bytes(8, "big") + b"HK", "VNSC Hanoi", t[i] + 0.2, 437.365e6)
                    archive.store_points(fid, "HOUSEKEEPING", t[i], {name: block[name][j] for name in fields})
            print(f"\r  {hi:,} / {n:,} packets", end="", file=sys.stderr, flush=True)
    finally:
        archive.close()
    print(file=sys.stderr)
    return time.perf_counter() - start


def wait_until_listening(proc: subprocess.Popen, port: int, timeout_s: float = 60.0) -> None:
    """Return once 127.0.0.1:port accepts a connection; raise if ``proc`` exits or time runs out."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the server did not start") from None
            time.sleep(0.1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def server(url: str):
    """``picodragon.web.serve`` in a subprocess; yields its base URL; stopped by its pid."""
    port = free_port()
    code = f"from picodragon.web import serve; serve({url!r}, '127.0.0.1', {port})"
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_listening(proc, port)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def naive(url: str, days: float, repeats: int = 5) -> dict:
    """The baseline: the same downsampling as one SQL GROUP BY over the raw rows, no rollups."""
    from picodragon.web.db import Database

    db = Database(url)
    out: dict = {}
    rnd = random.Random(2)
    try:
        for label, span in (("week", 7 * 86400.0), ("month", 30 * 86400.0)):
            if span > days * 86400:
                continue
            width = span / 1000
            bucket = f"CAST(floor(unix_s / {width}) AS BIGINT)" if db.postgres else f"CAST(unix_s / {width} AS INTEGER)"
            times = []
            for _ in range(repeats):
                start = T0 + rnd.uniform(0, days * 86400 - span)
                t = time.perf_counter()
                db.rows(f"SELECT {bucket} AS b, MIN(battery_voltage_v), MAX(battery_voltage_v), "
                        f"AVG(battery_voltage_v) FROM tm_housekeeping WHERE unix_s >= ? AND unix_s <= ? GROUP BY b",
                        (start, start + span))
                times.append(time.perf_counter() - t)
            out[label] = {"p50_ms": float(np.percentile(np.array(times) * 1000, 50)), "repeats": repeats}
    finally:
        db.close()
    return out


def iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def measure(url: str, days: float, requests: int) -> dict:
    import httpx

    from picodragon.web.auth import create_user

    create_user(url, "bench", "bench-password", "viewer")
    out: dict = {}
    with server(url) as base, httpx.Client(base_url=base, timeout=120) as client:
        token = client.post("/api/login", json={"name": "bench", "password": "bench-password"}).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        end_all = T0 + days * 86400

        def get(start: float, end: float) -> tuple[float, dict]:
            t = time.perf_counter()
            r = client.get("/api/telemetry", headers=headers,
                           params={"point": POINT, "start": iso(start), "end": iso(end), "max_points": 1000})
            elapsed = time.perf_counter() - t
            r.raise_for_status()
            return elapsed, r.json()

        cold, _ = get(T0, end_all)  # the server is catching up its rollups in the background
        out["first_request_s"] = cold
        rnd = random.Random(1)
        for label, span in (("hour", 3600.0), ("week", 7 * 86400.0), ("month", 30 * 86400.0)):
            if span > days * 86400:
                continue
            times, points, level = [], 0, None
            for _ in range(requests):
                start = T0 + rnd.uniform(0, days * 86400 - span)
                elapsed, data = get(start, start + span)
                times.append(elapsed)
                points = len(data["series"][0]["t"])
                level = data["series"][0]["level_s"]
            a = np.array(times) * 1000
            out[label] = {"p50_ms": float(np.percentile(a, 50)), "p95_ms": float(np.percentile(a, 95)),
                          "max_ms": float(a.max()), "requests": requests, "points_returned": points,
                          "bucket_s": level, "raw_rows_in_span": int(span)}
    return out


@contextmanager
def pg_schema(base: str):
    import psycopg

    schema = "bench_web_" + uuid.uuid4().hex[:8]
    conn = psycopg.connect(base, autocommit=True, connect_timeout=3)
    conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{base}?options=-csearch_path%3D{schema}"
    finally:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")
        conn.close()


def main() -> None:
    _meta.start()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=30.0)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--pg", default=os.environ.get("PICODRAGON_TEST_PG", PG_DEFAULT))
    parser.add_argument("--no-pg", action="store_true")
    args = parser.parse_args()

    results: dict = {"days": args.days, "packets": int(args.days * 86400), "point": POINT}
    with tempfile.TemporaryDirectory() as tmp:
        url = str(Path(tmp) / "bench.sqlite")
        print(f"SQLite: writing {results['packets']:,} housekeeping packets", file=sys.stderr)
        fill_s = fill(url, args.days)
        results["sqlite"] = {"fill_s": fill_s, **measure(url, args.days, args.requests),
                             "baseline_group_by": naive(url, args.days)}
    if not args.no_pg:
        try:
            with pg_schema(args.pg) as url:
                print(f"PostgreSQL: writing {results['packets']:,} housekeeping packets", file=sys.stderr)
                fill_s = fill(url, args.days)
                results["postgresql"] = {"fill_s": fill_s, **measure(url, args.days, args.requests),
                                         "baseline_group_by": naive(url, args.days)}
        except Exception as exc:  # noqa: BLE001 - an absent PostgreSQL skips its half of the table
            print(f"PostgreSQL skipped: {type(exc).__name__}: {exc}", file=sys.stderr)

    print(f"\nGET /api/telemetry, one point, 1,000 points returned, {results['packets']:,} packets of 1 Hz housekeeping")
    print("baseline: the same downsampling as one SQL GROUP BY over the raw rows (no rollups, no HTTP)")
    print(f"{'backend':<11} {'span':<6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'bucket':>7} "
          f"{'baseline p50':>13} {'speed-up':>9}  target p95 < 100 ms")
    for backend in ("sqlite", "postgresql"):
        r = results.get(backend)
        if not r:
            continue
        for label in ("hour", "week", "month"):
            if label in r:
                x = r[label]
                ok = "ok" if x["p95_ms"] < 100 else "MISSED"
                base = r["baseline_group_by"].get(label)
                base_txt = f"{base['p50_ms']:>10.1f} ms {base['p50_ms'] / x['p50_ms']:>8.1f}x" if base else f"{'':>13} {'':>9}"
                print(f"{backend:<11} {label:<6} {x['p50_ms']:>8.1f} {x['p95_ms']:>8.1f} {x['max_ms']:>8.1f} "
                      f"{x['bucket_s']:>6}s {base_txt}  {ok}")
        print(f"{backend:<11} first request right after start-up (rollups catching up): {r['first_request_s']:.1f} s; "
              f"writing the archive took {r['fill_s']:.0f} s")
    out = Path(__file__).resolve().parent / "results" / "web.json"
    out.parent.mkdir(exist_ok=True)
    results["meta"] = _meta.meta()
    out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()

"""Scaling: does a simulated day cost the same at the start of the mission as over its whole life?

A run whose cost per simulated day grows with what it already holds (archive rows selected
whole, lists scanned each tick, flash blobs summed on every write) makes the lifetime run
quadratic. This bench flies the reference mission once until re-entry (``--until-reentry``,
the ``fast`` fidelity, no report) after a short warm-up run (numba kernels compiled, modules
imported), and reads the process CPU clock and the wall clock as the run passes simulated days
2, 14 and 60 and as it ends (``RunOptions.on_progress``). It prints, for each:

- the cost per simulated day of the run so far (days 0-2, 0-14, 0-60, the whole lifetime): what
  a run of that length costs, less the building before day 0 and the books after the end;
- the cost per simulated day of each stretch (days 0-2, 2-14, 14-60, 60-end): what one more
  day costs as the mission ages. Issue 14 asks this to stay within 15 % from the smallest to the
  largest stretch after the first: the first holds the three hours of commissioning flown in
  detail (engine.COMMISSIONING_S), once per mission by design.

Parts (each a function returning its JSON section, so that others can sit beside it):

- ``per_day``: the above, key ``"per_day"``. The peer, in the same run, is Basilisk's 1U
  (bench/peers/basilisk_1u.py, ``bsk`` installed by ``make bench``) for 1 and 2 days: a
  fixed-step simulator whose cost per day is flat by construction, for orientation.
- ``per_frame``: the archive's cost per frame as it grows, key ``"per_frame"``: one million
  housekeeping frames (bench/ingest.py's) received by one station into a fresh archive, in
  transactions of 2,000 frames (``GroundStation.receive`` a frame at a time, or
  ``receive_many`` a transaction at a time with ``--frame-path receive_many``), on SQLite and on
  PostgreSQL (when reachable); the clocks are read after each transaction. For 10k, 100k and 1M frames archived it gives the cost per
  frame of the run so far and of the last 10,000 frames (the median of their five
  transactions: what one more frame costs at that size); issue 14 asks the latter to stay
  within 15 %. CPU time is this process's plus, for
  PostgreSQL, its server process's (bench/ingest.py ``server_cpu_s``). The backends stand
  beside each other; no outside peer archives frames.

The machine is shared: CPU time is the figure to compare; wall time is recorded beside it.
Writes bench/results/scaling.json (other parts' keys are kept).

    .venv/bin/python bench/scaling.py [--marks 2,14,60] [--no-peer] [--parts per_day,per_frame]
        [--frame-marks 10000,100000,1000000] [--frame-path receive|receive_many]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import _meta
from picodragon.api import RunOptions, load_scenario, run_mission

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
FLAT_WITHIN = 0.15
"""issue 14: the largest cost per simulated day at most 15 % over the smallest"""
DAY_S = 86400.0


def _lifetime(marks_days: list[float], tmp: Path) -> dict[str, Any]:
    """One run until re-entry; CPU and wall clocks read as it passes each mark and at its end."""
    clocks: list[tuple[float, float, float]] = []  # (simulated s, CPU s, wall s)
    pending = sorted(marks_days)

    def on_progress(done_s: float) -> None:
        if pending and done_s >= pending[0] * DAY_S:
            clocks.append((done_s, time.process_time(), time.perf_counter()))
            while pending and done_s >= pending[0] * DAY_S:
                pending.pop(0)

    started: list[tuple[float, float]] = []  # the clocks at the first call: day 0, built

    last: list[tuple[float, float]] = [(0.0, 0.0)]  # the clocks at the latest call: the end

    def on_call(done_s: float) -> None:
        last[0] = (time.process_time(), time.perf_counter())
        if not started:
            started.append(last[0])
        on_progress(done_s)

    db = tmp / "life.sqlite"
    options = RunOptions(db=str(db), report=None, progress=False, fidelity="fast", until_reentry=True,
                         on_progress=on_call)
    t0, c0 = time.perf_counter(), time.process_time()
    result = run_mission(load_scenario(), options)
    c1, t1 = time.process_time(), time.perf_counter()
    sim_s = float(result.summary["sim_seconds"])
    if not clocks or clocks[-1][0] < sim_s - 1.0:
        clocks.append((sim_s, *last[0]))
    db.unlink(missing_ok=True)
    db.with_suffix(".tle").unlink(missing_ok=True)
    c_start, t_start = started[0] if started else (c0, t0)
    return {"sim_days": round(sim_s / DAY_S, 3), "cpu_s": round(c1 - c0, 3), "wall_s": round(t1 - t0, 3),
            "setup_cpu_s": round(c_start - c0, 3), "books_cpu_s": round(c1 - clocks[-1][1], 3),
            "clocks": [(s_, c_ - c_start, w_ - t_start) for s_, c_, w_ in clocks],
            "reentry": result.summary.get("reentry"), "frames_sent": result.summary.get("frames_sent"),
            "passes": len(result.summary.get("passes", []))}


def _basilisk(days_list: list[float]) -> tuple[list[dict[str, Any]], str | None]:
    """Basilisk's 1U for each span, in a child process (its imports stay out of our timings)."""
    code = ("import json, sys; sys.path.insert(0, sys.argv[1]); from basilisk_1u import run_basilisk; "
            "print(json.dumps([run_basilisk(float(d)) for d in sys.argv[2:]]))")
    try:
        out = subprocess.run([sys.executable, "-c", code, str(HERE / "peers"), *map(str, days_list)],
                             capture_output=True, text=True, timeout=1800, check=True)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        tail = (getattr(exc, "stderr", "") or "").strip().splitlines()[-1:]
        return [], f"Basilisk unavailable: {tail[0] if tail else exc}"
    runs = json.loads(out.stdout.strip().splitlines()[-1])
    return [{k: r[k] for k in ("sim_days", "cpu_s", "wall_s", "cpu_s_per_day", "wall_s_per_day")}
            for r in runs], None


def spread(values: list[float]) -> float:
    """Largest over smallest, minus one (0.0 for a single value)."""
    return max(values) / min(values) - 1.0 if values else float("nan")


def per_day(marks_days: list[float], peer: bool = True) -> dict[str, Any]:
    """The per-day part: cost per simulated day so far and per stretch, Basilisk beside it."""
    with tempfile.TemporaryDirectory(prefix="bench-scaling-") as d:
        tmp = Path(d)
        print("warm-up (numba compilation, imports): 0.05 day ...", flush=True)
        c0 = time.process_time()
        run_mission(load_scenario(), RunOptions(days=0.05, db=str(tmp / "warm.sqlite"), report=None,
                                                progress=False, fidelity="fast"))
        warm_cpu = time.process_time() - c0
        print("ours: the whole lifetime (--until-reentry), fast fidelity, no report ...", flush=True)
        life = _lifetime(marks_days, tmp)
    so_far, stretches = [], []
    previous = (0.0, 0.0, 0.0)
    for sim_s, cpu_s, wall_s in life["clocks"]:
        days = sim_s / DAY_S
        label = f"0-{days:.0f} d" if sim_s < life["sim_days"] * DAY_S - 1 else "0-end (lifetime)"
        so_far.append({"label": label, "sim_days": round(days, 3), "cpu_s": round(cpu_s, 3),
                       "cpu_s_per_day": round(cpu_s / days, 4), "wall_s_per_day": round(wall_s / days, 4)})
        span = days - previous[0] / DAY_S
        stretches.append({"label": f"{previous[0] / DAY_S:.0f}-{'end' if label.startswith('0-end') else f'{days:.0f}'} d",
                          "sim_days": round(span, 3), "cpu_s": round(cpu_s - previous[1], 3),
                          "cpu_s_per_day": round((cpu_s - previous[1]) / span, 4),
                          "wall_s_per_day": round((wall_s - previous[2]) / span, 4)})
        previous = (sim_s, cpu_s, wall_s)
    peer_runs, peer_error = _basilisk([1.0, 2.0]) if peer else ([], "not run (--no-peer)")
    after_first = [r["cpu_s_per_day"] for r in stretches[1:]]
    return {
        "fidelity": "fast",
        "warm_up_cpu_s": round(warm_cpu, 3),
        "lifetime": {k: v for k, v in life.items() if k != "clocks"},
        "so_far": so_far,
        "stretches": stretches,
        "stretch_cpu_spread": round(spread(after_first), 4) if after_first else None,
        "so_far_cpu_spread": round(spread([r["cpu_s_per_day"] for r in so_far]), 4),
        "flat_within": FLAT_WITHIN,
        "flat": bool(after_first) and spread(after_first) <= FLAT_WITHIN,
        "basilisk": peer_runs,
        "basilisk_spread": round(spread([p["cpu_s_per_day"] for p in peer_runs]), 4) if peer_runs else None,
        "basilisk_error": peer_error,
    }


def print_per_day(part: dict[str, Any]) -> None:
    life = part["lifetime"]
    print()
    print(f"lifetime: {life['sim_days']:.2f} simulated days, {life['cpu_s']:.1f} CPU s, {life['wall_s']:.1f} wall s "
          f"(building before day 0: {life['setup_cpu_s']:.1f} CPU s, books after the end: "
          f"{life['books_cpu_s']:.1f} CPU s)")
    print(f"{'':<10}{'run so far':<22}{'CPU s/day':>10}{'wall s/day':>11}    {'stretch':<14}{'CPU s/day':>10}{'wall s/day':>11}")
    for a, b in zip(part["so_far"], part["stretches"], strict=True):
        print(f"{'ours':<10}{a['label']:<22}{a['cpu_s_per_day']:>10.3f}{a['wall_s_per_day']:>11.3f}    "
              f"{b['label']:<14}{b['cpu_s_per_day']:>10.3f}{b['wall_s_per_day']:>11.3f}")
    for p in part["basilisk"]:
        label = f"{p['sim_days']:g} d, 1 s step"
        print(f"{'Basilisk':<10}{label:<22}{p['cpu_s_per_day']:>10.3f}{p['wall_s_per_day']:>11.3f}")
    if part["basilisk_error"]:
        print(part["basilisk_error"])
    if part["stretch_cpu_spread"] is not None:
        print(f"ours: the costliest stretch after the first {part['stretch_cpu_spread'] * 100:.1f} % over the cheapest "
              f"({'flat' if part['flat'] else 'NOT flat'}: the bound is {FLAT_WITHIN * 100:.0f} %); runs so far: "
              f"{part['so_far_cpu_spread'] * 100:.1f} %"
              + (f"; Basilisk: {part['basilisk_spread'] * 100:.1f} %" if part["basilisk_spread"] is not None else ""))


FRAME_WINDOW = 10_000
"""frames over which the per-frame part reads the cost 'at' a size: the last 10,000 before it"""
FRAME_TRANSACTION = 2_000
"""frames per transaction in the per-frame part: the cost at a size is the median over the five
transactions of its window (one transaction's CPU time swings by a fifth on this shared machine)"""


def per_frame(marks: list[int], pg_url: str | None, path: str = "receive") -> dict[str, Any]:
    """The per-frame part: cost per archived frame at each mark, per backend (see above)."""
    import uuid

    from ingest import ingest_batches, make_frames
    from picodragon.api import open_archive
    from picodragon.ground.archive import ArchiveError

    marks = sorted(marks)
    started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    load_start = [round(x, 2) for x in os.getloadavg()]
    t = time.perf_counter()
    frames = make_frames(marks[-1])
    print(f"per frame: built {len(frames):,} frames in {time.perf_counter() - t:.1f} s", flush=True)
    backends: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-scaling-") as d:
        targets = [("sqlite", str(Path(d) / "frames.sqlite"))]
        if pg_url:
            sep = "&" if "?" in pg_url else "?"
            targets.append(("postgresql", f"{pg_url}{sep}schema=pd_scaling_{uuid.uuid4().hex[:8]}"))
        for name, url in targets:
            print(f"per frame: {name}, {len(frames):,} frames ...", flush=True)
            try:
                archive = open_archive(url)
            except ArchiveError as exc:
                backends[name] = {"error": str(exc)}
                continue
            try:
                clocks = ingest_batches(archive, frames, FRAME_TRANSACTION, path=path)
            finally:
                if name == "postgresql":
                    archive.drop_schema()
                archive.close()
            by_n = {0: (0.0, 0.0, 0.0), **{n: (w, c, sv) for n, w, c, sv in clocks}}
            # per transaction: (frames so far, CPU us/frame, wall us/frame, server CPU share)
            each, before = [], (0, 0.0, 0.0, 0.0)
            for n, w, c, sv in clocks:
                dn, dw, dcpu, dsv = n - before[0], w - before[1], c + sv - before[2] - before[3], sv - before[3]
                each.append((n, dcpu / dn * 1e6, dw / dn * 1e6, dsv / max(dcpu, 1e-9)))
                before = (n, w, c, sv)
            rows = []
            for m in marks:
                window = [e for e in each if m - FRAME_WINDOW < e[0] <= m]
                w, c, sv = by_n[m]
                rows.append({
                    "frames": m,
                    "so_far_cpu_us_per_frame": round((c + sv) / m * 1e6, 2),
                    "so_far_wall_us_per_frame": round(w / m * 1e6, 2),
                    "last_cpu_us_per_frame": round(statistics.median(e[1] for e in window), 2),
                    "last_wall_us_per_frame": round(statistics.median(e[2] for e in window), 2),
                    "server_cpu_share": round(statistics.median(e[3] for e in window), 3),
                    "last_cpu_us_per_frame_each": [round(e[1], 2) for e in window],
                })
            last = [r["last_cpu_us_per_frame"] for r in rows]
            backends[name] = {"marks": rows, "last_cpu_spread": round(spread(last), 4),
                              "so_far_cpu_spread": round(spread([r["so_far_cpu_us_per_frame"] for r in rows]), 4),
                              "flat": spread(last) <= FLAT_WITHIN}
    # this part's own run (the file's top-level date and load are those of its latest run of any part)
    return {"frames_per_transaction": FRAME_TRANSACTION, "window_frames": FRAME_WINDOW, "path": path,
            "flat_within": FLAT_WITHIN, "backends": backends,
            "date": started, "load_average_start": load_start,
            "load_average_end": [round(x, 2) for x in os.getloadavg()]}


def print_per_frame(part: dict[str, Any]) -> None:
    print()
    print(f"{'backend':<11}{'frames':>10}{'so far CPU us':>15}{'wall us':>9}    "
          f"{'last 10k CPU us':>16}{'wall us':>9}{'server':>8}")
    for name, b in part["backends"].items():
        if "error" in b:
            print(f"{name:<11}skipped: {b['error']}")
            continue
        for r in b["marks"]:
            print(f"{name:<11}{r['frames']:>10,}{r['so_far_cpu_us_per_frame']:>15.1f}"
                  f"{r['so_far_wall_us_per_frame']:>9.1f}    {r['last_cpu_us_per_frame']:>16.1f}"
                  f"{r['last_wall_us_per_frame']:>9.1f}{r['server_cpu_share'] * 100:>7.0f}%")
        print(f"{name}: the costliest last 10k {b['last_cpu_spread'] * 100:.1f} % over the cheapest "
              f"({'flat' if b['flat'] else 'NOT flat'}: the bound is {FLAT_WITHIN * 100:.0f} %); runs so far: "
              f"{b['so_far_cpu_spread'] * 100:.1f} %")
    print("us per frame: CPU (this process plus PostgreSQL's server process) and wall clock; "
          "server: the server's share of the CPU time of the last 10k (medians of five transactions)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--marks", default="2,14,60", help="simulated days to read the clocks at, comma-separated")
    ap.add_argument("--no-peer", action="store_true", help="skip Basilisk")
    ap.add_argument("--out", default=str(RESULTS / "scaling.json"))
    ap.add_argument("--parts", default="per_day,per_frame", help="which parts to run, comma-separated")
    ap.add_argument("--frame-marks", default="10000,100000,1000000",
                    help="archive sizes [frames] to read the per-frame cost at, multiples of 10000")
    ap.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test",
                    help="PostgreSQL for the per-frame part ('' to skip it)")
    ap.add_argument("--frame-path", default="receive", choices=("receive", "receive_many"),
                    help="how the per-frame part hands frames to the station: one call a frame "
                         "(a live station, the default) or one call a transaction (a bulk import)")
    args = ap.parse_args(argv)
    try:
        marks = [float(x) for x in args.marks.split(",") if x.strip()]
        frame_marks = [int(x) for x in args.frame_marks.split(",") if x.strip()]
    except ValueError:
        print(f"--marks/--frame-marks: not a list of numbers: {args.marks!r} {args.frame_marks!r}",
              file=sys.stderr)
        return 2
    parts = {p.strip() for p in args.parts.split(",") if p.strip()}
    if not parts <= {"per_day", "per_frame"} or not parts:
        print(f"--parts: per_day and/or per_frame, not {args.parts!r}", file=sys.stderr)
        return 2
    if not frame_marks or any(m <= 0 or m % FRAME_WINDOW for m in frame_marks):
        print(f"--frame-marks: positive multiples of {FRAME_WINDOW}, not {args.frame_marks!r}",
              file=sys.stderr)
        return 2
    RESULTS.mkdir(exist_ok=True)
    started = datetime.now(UTC)
    load_start = os.getloadavg()
    _meta.start()
    found: dict[str, Any] = {}
    if "per_day" in parts:
        found["per_day"] = per_day(marks, peer=not args.no_peer)
        print_per_day(found["per_day"])
    if "per_frame" in parts:
        found["per_frame"] = per_frame(frame_marks, args.pg or None, args.frame_path)
        print_per_frame(found["per_frame"])
    out = Path(args.out)
    result = json.loads(out.read_text()) if out.exists() else {}  # other parts stay as they were
    result.update({"bench": "scaling", **found})
    if "per_day" in found:  # the top-level date and machine are the per-day run's (docs quote them);
        # the per-frame part carries its own date and load
        result.update({
            "date": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "machine": {"cores": os.cpu_count(), "platform": platform.platform(),
                        "python": platform.python_version(),
                        "load_average_start": [round(x, 2) for x in load_start],
                        "load_average_end": [round(x, 2) for x in os.getloadavg()]},
            "meta": _meta.meta(),
        })
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Mission speed: our whole mission (twin, flight software, link, ground) against Basilisk's 1U.

In one run:

(a) ours, the 2-day reference run (``picodragon run --days 2``, full fidelity: the flight
    software at its own rates all the time), after a short warm-up run that compiles the numba
    kernels; then the same 2 days in the fast fidelity;
(b) ours, the whole lifetime (``--until-reentry``, fast fidelity) unless ``--quick``: in process
    (no report), and end to end from the shell as a user runs it (``picodragon run
    --until-reentry`` in a child process, report included; wall time and the child's CPU time,
    imports and numba's cache load included);
(c) Basilisk (bench/peers/basilisk_1u.py) for 1 and 2 simulated days at a 1 s step;
(d) ratios: our wall seconds per simulated day over Basilisk's, for each of our runs.

Wall time and process CPU time are both recorded: the machine is shared, and CPU time is the
fairer figure when it is loaded. A cProfile of a separate 2-day full-fidelity run (top 15 by
cumulative time) goes to bench/results/mission-profile.txt. Writes bench/results/mission.json.

    .venv/bin/python bench/mission.py [--quick] [--no-cli] [--no-profile] [--basilisk-days 1,2]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from picodragon.api import RunOptions, load_scenario, run_mission

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import _meta  # noqa: E402  (bench/_meta.py: commit, dates, load)

RESULTS = HERE / "results"
DESIGN_BASILISK_S_PER_DAY = 1.05  # DESIGN.md, "Conventions", for orientation only
TARGET_LIFETIME_S = 20.0  # issue 14: the lifetime run end to end from the shell


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def ours(label: str, tmp: Path, **options: Any) -> dict[str, Any]:
    """One run_mission, timed; the archive goes to a temporary file, no report."""
    db = tmp / f"{label}.sqlite"
    t0, c0 = time.perf_counter(), time.process_time()
    result = run_mission(load_scenario(), RunOptions(db=str(db), report=None, progress=False, **options))
    wall_s, cpu_s = time.perf_counter() - t0, time.process_time() - c0
    s = result.summary
    sim_days = float(s["sim_seconds"]) / 86400.0
    db.unlink(missing_ok=True)
    return {
        "label": label,
        "fidelity": s.get("fidelity"),
        "sim_days": round(sim_days, 4),
        "wall_s": round(wall_s, 3),
        "cpu_s": round(cpu_s, 3),
        "wall_s_per_day": round(wall_s / sim_days, 4) if sim_days else None,
        "cpu_s_per_day": round(cpu_s / sim_days, 4) if sim_days else None,
        "sim_days_per_wall_s": round(sim_days / wall_s, 4) if wall_s else None,
        "start": s.get("start"),
        "end": s.get("end"),
        "reentry": s.get("reentry"),
        "frames_sent": s.get("frames_sent"),
        "frames_received": s.get("frames_received"),
        "passes": len(s.get("passes", [])),
    }


def cli_lifetime(tmp: Path) -> dict[str, Any]:
    """``picodragon run --until-reentry`` from the shell, report included, as a user runs it:
    wall time of the child process and its CPU time (user + system, from the kernel's
    accounting of waited-for children)."""
    exe = Path(sys.executable).with_name("picodragon")
    out = tmp / "cli"
    out.mkdir(exist_ok=True)
    cmd = [str(exe), "run", "--until-reentry", "--quiet", "--force", "--db", str(out / "life.sqlite"),
           "--report", str(out / "life.html"), "--json", str(out / "life.json")]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=7200)
    wall_s = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_s = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    s = json.loads((out / "life.json").read_text())
    sim_days = float(s["sim_seconds"]) / 86400.0
    return {
        "label": "ours lifetime CLI",
        "command": "picodragon run --until-reentry --quiet --force --db ... --report ... --json ...",
        "fidelity": s.get("fidelity"),
        "sim_days": round(sim_days, 4),
        "wall_s": round(wall_s, 3),
        "cpu_s": round(cpu_s, 3),
        "wall_s_per_day": round(wall_s / sim_days, 4),
        "cpu_s_per_day": round(cpu_s / sim_days, 4),
        "sim_days_per_wall_s": round(sim_days / wall_s, 4),
        "start": s.get("start"),
        "end": s.get("end"),
        "reentry": s.get("reentry"),
        "frames_sent": s.get("frames_sent"),
        "frames_received": s.get("frames_received"),
        "passes": len(s.get("passes", [])),
        "report_bytes": (out / "life.html").stat().st_size,
    }


def profile_two_days(tmp: Path, path: Path) -> list[str]:
    """cProfile of the 2-day full run; writes the top 15 by cumulative time, returns its lines."""
    db = tmp / "profile.sqlite"
    profiler = cProfile.Profile()
    profiler.enable()
    run_mission(load_scenario(), RunOptions(days=2, db=str(db), report=None, progress=False))
    profiler.disable()
    db.unlink(missing_ok=True)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.strip_dirs().sort_stats("cumulative").print_stats(15)
    text = out.getvalue().strip()
    head = (f"picodragon run --days 2 --fidelity full, under cProfile (its overhead inflates the "
            f"times), {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores\n"
            "top 15 by cumulative time; bench/mission.py writes this file\n\n")
    path.write_text(head + text + "\n")
    return [ln for ln in text.splitlines() if ln.strip()]


def row(cells: list[Any], widths: list[int]) -> str:
    return "  ".join(f"{str(c):<{w}}" if i == 0 else f"{str(c):>{w}}" for i, (c, w) in enumerate(zip(cells, widths, strict=True)))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="skip the lifetime run")
    ap.add_argument("--no-cli", action="store_true", help="skip the lifetime run from the shell")
    ap.add_argument("--no-profile", action="store_true", help="skip the cProfile run")
    ap.add_argument("--basilisk-days", default="1,2", help="Basilisk run lengths, comma-separated (days)")
    ap.add_argument("--out", default=str(RESULTS / "mission.json"))
    args = ap.parse_args(argv)

    RESULTS.mkdir(exist_ok=True)
    _meta.start()
    started = datetime.now(UTC)
    load_start = os.getloadavg()
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-mission-") as d:
        tmp = Path(d)
        print("warm-up (numba compilation, caches): 0.05 day, full fidelity ...", flush=True)
        warm = ours("warm-up 0.05 d full", tmp, days=0.05, fidelity="full")
        print(f"  {warm['wall_s']:.1f} s", flush=True)
        print("ours: 2 days, full fidelity ...", flush=True)
        runs.append(ours("ours 2 d full", tmp, days=2, fidelity="full"))
        print("ours: 2 days, fast fidelity ...", flush=True)
        runs.append(ours("ours 2 d fast", tmp, days=2, fidelity="fast"))
        if not args.quick:
            print("ours: whole lifetime (--until-reentry), fast fidelity; this takes minutes ...", flush=True)
            life = ours("ours lifetime fast", tmp, until_reentry=True)
            runs.append(life)
            print(f"  re-entry {life['reentry']} after {life['sim_days']:.1f} days, "
                  f"{life['wall_s']:.1f} s of wall time", flush=True)
        if not args.quick and not args.no_cli:
            print("ours: whole lifetime from the shell (picodragon run --until-reentry, report "
                  "included) ...", flush=True)
            cli = cli_lifetime(tmp)
            runs.append(cli)
            print(f"  {cli['sim_days']:.1f} days in {cli['wall_s']:.1f} s of wall time, "
                  f"{cli['cpu_s']:.1f} s of CPU time", flush=True)
        profile_lines: list[str] = []
        if not args.no_profile:
            print("ours: 2 days, full fidelity, under cProfile ...", flush=True)
            profile_lines = profile_two_days(tmp, RESULTS / "mission-profile.txt")

    peer: list[dict[str, Any]] = []
    peer_error = None
    try:
        sys.path.insert(0, str(HERE / "peers"))
        from basilisk_1u import run_basilisk

        for days in (float(x) for x in args.basilisk_days.split(",") if x.strip()):
            print(f"Basilisk: {days:g} day(s) at a 1 s step ...", flush=True)
            peer.append(run_basilisk(days))
    except ImportError as exc:  # bsk not installed: ours alone, said so
        peer_error = f"Basilisk unavailable: {exc}"
        print(peer_error)

    # Basilisk's figure: its longest run (least dominated by start-up)
    ref = max(peer, key=lambda p: p["sim_days"]) if peer else None
    for r in runs:
        if ref is not None:
            r["wall_ratio_to_basilisk"] = round(r["wall_s_per_day"] / ref["wall_s_per_day"], 3)
            r["cpu_ratio_to_basilisk"] = round(r["cpu_s_per_day"] / ref["cpu_s_per_day"], 3)

    print()
    print(f"Mission speed, {os.cpu_count()} cores, load average {load_start[0]:.2f} at the start")
    widths = [24, 9, 9, 9, 10, 10, 11, 9, 9]
    print(row(["run", "sim days", "wall s", "CPU s", "wall s/d", "CPU s/d", "sim d/wall s",
               "wall x B", "CPU x B"], widths))
    for r in runs:
        print(row([r["label"], f"{r['sim_days']:.2f}", f"{r['wall_s']:.1f}", f"{r['cpu_s']:.1f}",
                   f"{r['wall_s_per_day']:.3f}", f"{r['cpu_s_per_day']:.3f}",
                   f"{r['sim_days_per_wall_s']:.3f}",
                   f"{r.get('wall_ratio_to_basilisk', float('nan')):.2f}",
                   f"{r.get('cpu_ratio_to_basilisk', float('nan')):.2f}"], widths))
    for p in peer:
        print(row([f"Basilisk {p['sim_days']:g} d, 1 s step", f"{p['sim_days']:.2f}", f"{p['wall_s']:.1f}",
                   f"{p['cpu_s']:.1f}", f"{p['wall_s_per_day']:.3f}", f"{p['cpu_s_per_day']:.3f}",
                   f"{p['sim_days'] / p['wall_s']:.3f}", "", ""], widths))
    if ref is not None:
        print(f"x B: our seconds per simulated day over Basilisk's ({ref['sim_days']:g}-day run); "
              f"DESIGN.md quotes about {DESIGN_BASILISK_S_PER_DAY} s/day for Basilisk")
        print(f"Basilisk check: {ref['check']}")
    cli = next((r for r in runs if r["label"] == "ours lifetime CLI"), None)
    if cli is not None:
        print(f"lifetime end to end from the shell: {cli['wall_s']:.1f} s wall, {cli['cpu_s']:.1f} s CPU "
              f"for {cli['sim_days']:.1f} days (issue 14's target: {TARGET_LIFETIME_S:.0f} s); "
              + (f"Basilisk at its s/day would take {ref['wall_s_per_day'] * cli['sim_days']:.1f} s wall, "
                 f"{ref['cpu_s_per_day'] * cli['sim_days']:.1f} s CPU" if ref is not None else "no Basilisk figure"))
    if profile_lines:
        print()
        print("cProfile, 2-day full run, top 15 by cumulative time (bench/results/mission-profile.txt):")
        for ln in profile_lines:
            print("  " + ln)

    result = {
        "bench": "mission",
        "meta": _meta.meta(),
        "date": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": {
            "cores": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "load_average_start": [round(x, 2) for x in load_start],
            "load_average_end": [round(x, 2) for x in os.getloadavg()],
        },
        "versions": {"picodragon": _version("picodragon"), "bsk": _version("bsk"),
                     "numpy": _version("numpy"), "numba": _version("numba")},
        "quick": args.quick,
        "warm_up": warm,
        "ours": runs,
        "basilisk": peer,
        "basilisk_error": peer_error,
        "basilisk_reference_days": ref["sim_days"] if ref else None,
        "design_basilisk_s_per_day": DESIGN_BASILISK_S_PER_DAY,
        "target_lifetime_s": TARGET_LIFETIME_S,
        "profile": None if args.no_profile else "bench/results/mission-profile.txt",
    }
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Run the benchmarks, each in its own process, and write the run's manifest bench/results/_run.json.

``make bench`` calls this. A bench is every ``bench/*.py`` whose name does not start with ``_``
(``_meta.py``, ``_figures.py`` and this file are helpers; ``bench/peers/`` holds the peers'
drivers), run in name order so two runs are comparable; a bench another one already runs
(``INCLUDED_IN``) is left to it. A failing bench does not stop the
others; the failures are listed at the end and the exit status is 1 if any failed.

A bench that cannot run its peer on this machine (no JVM, no Basilisk, ...) prints a line
``skipped: <why>`` and exits 0 (``_meta.skip``); the manifest marks it ``skipped``.

Per bench the manifest keeps: status (ok / failed / skipped / timeout), exit code, wall time
[s], the 1/5/15-minute load averages before and after (the machine is shared, so wall-clock
figures need them), and the skip reason. Entries of benches not run this time (``--only``) are
kept from the previous manifest, each with its own commit and date, so the file always says
when each bench last ran on which code.

Usage: bench/_run.py [--only modem,iq] [--timeout 3600] [--list]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from pathlib import Path

import _meta

HERE = Path(__file__).resolve().parent
MANIFEST = HERE / "results" / "_run.json"


# Benches another bench already runs in the same process (bench/envtest.py runs both halves and
# writes both keys of envtest.json): a full run skips them, ``--only`` still runs them alone.
INCLUDED_IN = {"envtest_vibration": "envtest", "envtest_thermal": "envtest"}


def benches(only: list[str] | None = None) -> list[Path]:
    """The bench scripts in name order, or those named in ``only`` (stems; unknown -> ValueError)."""
    found = sorted(p for p in HERE.glob("*.py") if not p.name.startswith("_"))
    if not only:
        stems = {p.stem for p in found}
        return [p for p in found if INCLUDED_IN.get(p.stem) not in stems]
    by_stem = {p.stem: p for p in found}
    unknown = [n for n in only if n not in by_stem]
    if unknown:
        raise ValueError(f"no such bench: {', '.join(unknown)} (known: {', '.join(by_stem)})")
    return [by_stem[n] for n in sorted(set(only))]


def _echo(proc: subprocess.Popen, tail: deque[str]) -> None:
    """Copy the bench's output to ours line by line, keeping the last lines (for ``skipped:``)."""
    assert proc.stdout is not None
    for line in proc.stdout:
        sys.stdout.write(line)
        sys.stdout.flush()
        tail.append(line.rstrip("\n"))


def run_one(path: Path, timeout_s: float) -> dict[str, object]:
    """Run one bench, echoing its output; return its manifest entry."""
    load_before = _meta.load_average()
    date = _meta.now()
    tail: deque[str] = deque(maxlen=50)
    wall = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, str(path)],
        cwd=HERE.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
        start_new_session=True,  # its own process group: a timeout stops the peers it started too
    )
    status = None
    reader = threading.Thread(target=_echo, args=(proc, tail), daemon=True)
    reader.start()
    try:
        code = proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the group the bench leads, nothing else
        code = proc.wait()
        status = "timeout"
    except KeyboardInterrupt:  # its own session does not see the terminal's Ctrl-C: stop it too
        os.killpg(proc.pid, signal.SIGKILL)
        raise
    reader.join(timeout=10)
    wall = time.perf_counter() - wall
    skip = next((ln.split(":", 1)[1].strip() for ln in tail if ln.startswith("skipped:")), None)
    if status is None:
        status = "failed" if code != 0 else ("skipped" if skip else "ok")
    return {
        "status": status,
        "exit_code": code,
        "skip_reason": skip,
        "wall_s": round(wall, 1),
        "date": date,
        "commit": _meta.commit(),
        "dirty": _meta.dirty(),
        "load_average_before": load_before,
        "load_average_after": _meta.load_average(),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default="", help="comma-separated bench names (stems) to run")
    ap.add_argument("--timeout", type=float, default=3600.0, help="per bench, seconds")
    ap.add_argument("--list", action="store_true", help="print the benches in run order and stop")
    args = ap.parse_args(argv)
    try:
        todo = benches([n.strip() for n in args.only.split(",") if n.strip()])
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.list:
        print("\n".join(p.stem for p in todo))
        return 0
    previous = {}
    if MANIFEST.exists():
        try:
            previous = json.loads(MANIFEST.read_text()).get("benches", {})
        except (ValueError, AttributeError):
            previous = {}
    _meta.start()
    entries = dict(previous)
    this_run = {}
    for path in todo:
        print(f"=== bench/{path.name}", flush=True)
        entry = run_one(path, args.timeout)
        print(f"=== bench/{path.name}: {entry['status']} in {entry['wall_s']} s "
              f"(load {entry['load_average_before']} -> {entry['load_average_after']})", flush=True)
        entries[path.stem] = this_run[path.stem] = entry
    MANIFEST.parent.mkdir(exist_ok=True)
    manifest = {
        "last_run": {**_meta.meta(), "benches": sorted(this_run), "machine_cpu_count": os.cpu_count()},
        "benches": dict(sorted(entries.items())),
    }
    MANIFEST.write_text(json.dumps(manifest, indent=2) + "\n")
    failed = [n for n, e in this_run.items() if e["status"] in ("failed", "timeout")]
    skipped = [n for n, e in this_run.items() if e["status"] == "skipped"]
    print(f"ran {len(this_run)} benches: {len(this_run) - len(failed) - len(skipped)} ok, "
          f"{len(skipped)} skipped{' (' + ', '.join(skipped) + ')' if skipped else ''}, "
          f"{len(failed)} failed{' (' + ', '.join(failed) + ')' if failed else ''}; "
          f"manifest {MANIFEST.relative_to(HERE.parent)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

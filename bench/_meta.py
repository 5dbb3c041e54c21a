"""What a bench figure was measured on: commit, date, machine and its load.

Every bench writes ``meta()`` into its JSON (key ``"meta"``) so a figure can be traced to the
code and to how busy the machine was (the machine is shared: a 1-minute load average of 10
on 2 cores makes wall-clock figures several times slower than an idle run, CPU-time figures
much less so). Call ``start()`` at the beginning of a bench (it records the load then) and
``meta()`` when writing the results; ``meta()`` without ``start()`` records the load at the
end only. Private helper (leading underscore): ``make bench`` does not run it.
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_start: dict[str, object] = {}


def load_average() -> list[float] | None:
    """The 1, 5 and 15 minute load averages (runnable processes), or None where unsupported."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.rstrip("\n")  # not strip(): porcelain lines start with a status column


def commit() -> str | None:
    """HEAD's hash, or None outside a git checkout."""
    out = _git("rev-parse", "HEAD")
    return None if out is None else out.strip()


def dirty_paths(paths: tuple[str, ...] = ("src", "bench")) -> list[str] | None:
    """Tracked files under ``paths`` that differ from HEAD (the code a figure measures beyond
    its commit: in a shared checkout, other engineers' uncommitted edits), or None outside git."""
    out = _git("status", "--porcelain", "--untracked-files=no", "--", *paths)
    if out is None:
        return None
    # the results a bench run writes are not code: a run of several benches would otherwise
    # mark every bench after the first as measured on changed code
    return sorted(p for p in (line[3:] for line in out.splitlines() if line.strip())
                  if not p.startswith("bench/results/"))


def dirty(paths: tuple[str, ...] = ("src", "bench")) -> bool | None:
    """Whether the working tree differs from HEAD under ``paths``."""
    changed = dirty_paths(paths)
    return None if changed is None else bool(changed)


def cpu_model() -> str | None:
    """The processor's model name (Linux: /proc/cpuinfo), or None where it cannot be read.

    Machines of the same kind here differ: a lifetime run took 32.6 CPU s on one 2-core VM and
    21.1 on another (an AMD EPYC), so a figure is only comparable with one from the same model.
    """
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def now() -> str:
    """UTC now as ISO 8601 to the second."""
    return _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def start() -> None:
    """Record the load average and date at the start of a bench (call once, early)."""
    _start["load_average_start"] = load_average()
    _start["date_start"] = now()


def meta() -> dict[str, object]:
    """Commit, dirty flag and paths, dates, load averages before/after, CPU count and model, Python and platform."""
    return {
        "commit": commit(),
        "dirty": dirty(),
        "dirty_paths": dirty_paths(),
        "date_start": _start.get("date_start"),
        "date": now(),
        "load_average_start": _start.get("load_average_start"),
        "load_average_end": load_average(),
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu_model(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "argv": sys.argv[1:],
    }


def skip(result: Path, reason: str) -> int:
    """Mark a bench skipped on this machine (its peer is missing); print ``skipped: <why>``.

    The results file keeps the figures of the last run that did happen (docs may quote them,
    each with its own meta) and gains ``"skipped": {"reason", "meta"}``; a fresh file holds only
    the mark. Returns 0, the exit status a skipped bench gives (``make bench`` goes on).
    """
    import json

    previous: dict[str, object] = {}
    if result.exists():
        try:
            loaded = json.loads(result.read_text())
            previous = loaded if isinstance(loaded, dict) else {"results": loaded}
        except ValueError:
            previous = {}
    previous["skipped"] = {"reason": reason, "meta": meta()}
    result.parent.mkdir(exist_ok=True)
    result.write_text(json.dumps(previous, indent=2) + "\n")
    print(f"skipped: {reason}")
    return 0

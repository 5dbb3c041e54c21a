"""Ingest speed: frames decoded (AX.25, then the dictionary) and archived per second.

One million housekeeping frames (the Pico Dragon dictionary's HOUSEKEEPING packet in AX.25 UI
frames built with picodragon.link), each heard by one station, go into the archive in batches of
20,000 (one transaction each), on SQLite and, when reachable, on PostgreSQL (a schema of its own,
dropped at the end), by two paths: ``GroundStation.receive_many`` (a batch handed over at once,
as a bulk import does: a recording, a KISS log, a SatNOGS dump) and ``GroundStation.receive``
(one frame at a time, as a live station does). Prints frames/s and telemetry values/s for each
and writes bench/results/ingest.json: ``<backend>.receive_many`` and ``<backend>.receive``.

The machine is shared, so beside the wall-clock rate each backend records the CPU time it
took: this process's, and for PostgreSQL also its server process's (read from
``/proc/<backend pid>/stat``, so only for a server on this machine); ``frames_per_total_cpu_s``
is frames over their sum, what an otherwise idle machine would approach when the client and
the server do not overlap. ``meta`` holds the commit and the load average (bench/_meta.py).

Usage: bench/ingest.py [--frames N] [--pg URL] [--backends sqlite,postgresql]
    [--paths receive_many,receive]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

import _meta
from picodragon.api import open_archive
from picodragon.dictionary import pack_telemetry
from picodragon.ground.archive import ArchiveError
from picodragon.ground.station import GroundStation
from picodragon.link import ax25

BATCH = 20_000
T0 = 1_384_863_420.0  # 2013-11-19T12:17Z, the deployment


def make_frames(n: int) -> list[bytes]:
    """n distinct housekeeping frames, one every 10 s of on-board time, values varying."""
    dst, src = ax25.Address("CQ"), ax25.Address("XV9PID")
    frames = []
    for i in range(n):
        values = {
            "mode": 2,
            "boot_count": 1,
            "uptime_s": 10 * i,
            "battery_voltage_v": 7.4 + 0.5 * ((i % 600) / 600),
            "battery_current_a": -0.3 + (i % 17) / 50,
            "battery_soc_pct": 60 + (i % 80) / 2,
            "solar_power_w": (i % 30) / 10,
            "bus_power_w": 0.9,
            "obc_temperature_c": 10 + (i % 40),
            "battery_temperature_c": 5 + (i % 30),
            "frames_sent": i,
        }
        packet = pack_telemetry("HOUSEKEEPING", values, T0 + 10 * i, i & 0x3FFF)
        frames.append(ax25.encode(ax25.Frame(dst, src, info=packet)))
    return frames


def server_cpu_s(archive) -> float | None:
    """CPU seconds (user + system) of a PostgreSQL archive's server process so far, or None
    (SQLite, or a server not on this machine: no ``/proc`` entry to read)."""
    info = getattr(getattr(archive, "_db", None), "info", None)
    pid = getattr(info, "backend_pid", None)
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


PATHS = ("receive_many", "receive")


def ingest_batches(archive, frames: list[bytes], batch: int = BATCH,
                   path: str = "receive") -> list[tuple[int, float, float, float]]:
    """Receive ``frames`` through one station into ``archive``, ``batch`` frames a transaction,
    by ``path`` (``receive``: one call a frame; ``receive_many``: one call a batch); the clocks
    after each batch: (frames so far, wall s, this process's CPU s, the server's CPU s or 0),
    each counted from the start."""
    if path not in PATHS:
        raise ValueError(f"path {path!r}: one of {', '.join(PATHS)}")
    station = GroundStation("VNSC Hanoi", archive, 437.365e6)
    server0 = server_cpu_s(archive)
    start, cpu_start = time.perf_counter(), time.process_time()
    marks = []
    for lo in range(0, len(frames), batch):
        chunk = frames[lo : lo + batch]
        times = [T0 + 10 * (lo + j) + 0.5 for j in range(len(chunk))]
        with archive.batch():
            if path == "receive_many":
                station.receive_many(chunk, times)
            else:
                for frame, t in zip(chunk, times, strict=True):
                    station.receive(frame, t)
        server = server_cpu_s(archive)
        marks.append((min(lo + batch, len(frames)), time.perf_counter() - start,
                      time.process_time() - cpu_start, 0.0 if server is None else server - server0))
    return marks


def ingest(url: str, frames: list[bytes], path: str) -> tuple[dict, object]:
    archive = open_archive(url)
    marks = ingest_batches(archive, frames, path=path)
    _, wall, cpu, server = marks[-1]
    # the rates over the first and the last tenth: does ingest slow as the archive grows?
    tenth = max(BATCH, len(frames) // 10)
    first_end = next(t for n, t, _, _ in marks if n >= tenth)
    last_start = next(t for n, t, _, _ in marks if n >= len(frames) - tenth)
    points = archive.count_points()
    has_server = server_cpu_s(archive) is not None
    result = {
        "path": path,
        "frames": archive.count_frames(),
        "points": points,
        "seconds": wall,
        "cpu_seconds": cpu,
        "server_cpu_seconds": server if has_server else None,
        "frames_per_s": len(frames) / wall,
        "frames_per_cpu_s": len(frames) / cpu,
        "frames_per_total_cpu_s": len(frames) / (cpu + server),
        "points_per_s": points / wall,
        "first_tenth_frames_per_s": tenth / first_end,
        "last_tenth_frames_per_s": tenth / max(wall - last_start, 1e-9),
        "load_average": os.getloadavg()[0],
    }
    return result, archive


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=1_000_000)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--paths", default=",".join(PATHS), help="receive_many and/or receive")
    args = parser.parse_args()
    paths = [p for p in args.paths.split(",") if p]
    if not paths or not set(paths) <= set(PATHS):
        parser.error(f"--paths: {', '.join(PATHS)}, not {args.paths!r}")
    _meta.start()
    t = time.perf_counter()
    frames = make_frames(args.frames)
    print(f"built {len(frames):,} frames in {time.perf_counter() - t:.1f} s")
    rows: dict[str, dict] = {}
    backends = args.backends.split(",")
    for path in paths:
        if "sqlite" in backends:
            with tempfile.TemporaryDirectory() as tmp:
                result, archive = ingest(str(Path(tmp) / "bench.sqlite"), frames, path)
                archive.close()
                rows.setdefault("sqlite", {})[path] = result
        if "postgresql" in backends:
            sep = "&" if "?" in args.pg else "?"
            url = f"{args.pg}{sep}schema=pd_bench_{uuid.uuid4().hex[:8]}"
            try:
                result, archive = ingest(url, frames, path)
                archive.drop_schema()
                archive.close()
                rows.setdefault("postgresql", {})[path] = result
            except ArchiveError as exc:
                print(f"PostgreSQL skipped: {exc}")
    print(
        f"{'backend':11} {'path':13} {'frames':>10} {'wall s':>7} {'frames/s':>9} {'values/s':>10} "
        f"{'first 10%':>10} {'last 10%':>9} {'per CPU s':>10} {'+server':>8} {'load':>5}"
    )
    for name, by_path in rows.items():
        for path, r in by_path.items():
            print(
                f"{name:11} {path:13} {r['frames']:10,d} {r['seconds']:7.1f} {r['frames_per_s']:9,.0f} "
                f"{r['points_per_s']:10,.0f} {r['first_tenth_frames_per_s']:10,.0f} "
                f"{r['last_tenth_frames_per_s']:9,.0f} {r['frames_per_cpu_s']:10,.0f} "
                f"{r['frames_per_total_cpu_s']:8,.0f} {r['load_average']:5.1f}"
            )
    print(
        "frames/s: wall clock, frames decoded and archived; first/last 10%: the rate over the "
        "first and last tenth of the run;\nper CPU s: frames per second of this process's CPU "
        "time; +server: per second of this process's and PostgreSQL's server process's CPU time;\n"
        "load: 1-minute load average at the end"
    )
    out = Path(__file__).parent / "results" / "ingest.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({**rows, "meta": _meta.meta()}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

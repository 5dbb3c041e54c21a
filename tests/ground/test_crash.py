"""A station process killed with SIGKILL mid-batch loses no acknowledged frame (both backends)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from picodragon.ground.archive import frame_id, open_archive
from tests.ground.ingest_child import numbered_frame

CHILD = Path(__file__).with_name("ingest_child.py")
BATCH = 400


def run_and_kill(url: str, rng: random.Random, acks_before_kill: int) -> int:
    """Start the child, kill it after some batch is half filled; return frames acknowledged."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2] / "src")}
    child = subprocess.Popen(
        [sys.executable, str(CHILD), url, str(BATCH), "1000"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    acked = 0
    try:
        for _ in range(100_000):  # bounded: the child prints two lines per batch
            line = child.stdout.readline()
            if not line:
                break
            if line.startswith("ack"):
                acked = int(line.split()[1])
            elif line.startswith("mid") and acked >= acks_before_kill * BATCH:
                # let it run on a little: into the flush and the commit, some rounds
                time.sleep(rng.uniform(0.0, 0.03))
                break
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        child.stdout.close()
    return acked


def test_kill_minus_nine_loses_no_acknowledged_frame(archive_url):
    rng = random.Random(3)
    for round_ in range(5):
        acked = run_and_kill(archive_url, rng, acks_before_kill=2 + round_)
        assert acked > 0
        archive = open_archive(archive_url)
        try:
            stored = archive.count_frames()
            # every acknowledged frame is there, under its content address
            ids = {r.id for r in archive.frames(limit=10**6)}
            assert all(frame_id(numbered_frame(i)) in ids for i in range(acked))
            # batches are atomic: only whole batches; the writer may have committed more batches
            # than the acknowledgements read before the kill (the pipe lags), never fewer
            assert stored % BATCH == 0
            assert acked <= stored
        finally:
            archive.close()

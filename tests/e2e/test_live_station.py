"""A rehearsal of real operations: `picodragon live` on one side, `picodragon station` on the other.

The twin serves its radio on KISS TCP (true geometry from Hanoi, link budget, channel); the
station connects to it as it would to Direwolf, predicts the pass from its element set, uplinks
the operator's commands during the pass and archives what it hears. The test plays the
operator at the console: it queues a capture, the directory listing and the download, keeps the
contact alive and asks for missing chunks, and checks that the image arrives complete.

Both programs run as real processes on 127.0.0.1, at 6 times real speed, during the high pass
of 2013-11-20 03:26-03:35 UTC over Hanoi; they are stopped by their own pids.
"""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import time

from PIL import Image

from picodragon.ground.archive import open_archive
from picodragon.ground.commanding import CommandQueue
from picodragon.ground.files import FileAssembler
from tests.conftest import free_port

START = "2013-11-20T03:25:30Z"
SPEED = 6.0
WALL_LIMIT_S = 150.0
KEY = bytes(range(32))


def _picodragon(*args: str, log) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "picodragon.cli", *args], stdout=log, stderr=log,
                            start_new_session=True)


def _wait_for_port(port: int, proc: subprocess.Popen, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, "live exited early"
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"live did not open port {port}")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def _command(db: str, name: str, args: dict | None = None, now: float = 0.0) -> None:
    archive = open_archive(db)
    try:
        queue = CommandQueue(archive, KEY)
        record = queue.queue(name, args or {}, now=now)
        queue.release(record.id, now)
    finally:
        archive.close()


def _files(db: str) -> dict:
    archive = open_archive(db)
    try:
        assembler = FileAssembler(archive)
        return {fid: (state, assembler.assemble(fid) if state.complete else b"")
                for fid, state in assembler.files.items()}
    finally:
        archive.close()


def test_an_image_commanded_from_the_station_arrives_complete(tmp_path):
    key_file = tmp_path / "key.hex"
    key_file.write_text(KEY.hex())
    db = str(tmp_path / "station.sqlite")
    _command(db, "CAPTURE_IMAGE", {"at_time": 0})
    _command(db, "LIST_FILES")
    port = free_port()
    with open(tmp_path / "live.log", "w") as live_log, open(tmp_path / "station.log", "w") as station_log:
        live = _picodragon("live", "--start", START, "--speed", str(SPEED), "--kiss", f"127.0.0.1:{port}",
                           "--key-file", str(key_file), "--duration", str(WALL_LIMIT_S), log=live_log)
        station = None
        try:
            _wait_for_port(port, live, 120)
            station = _picodragon("station", "--kiss", f"127.0.0.1:{port}", "--db", db, "--key-file",
                                  str(key_file), "--sim-start", START, "--speed", str(SPEED),
                                  "--duration", str(WALL_LIMIT_S * SPEED), "--json",
                                  str(tmp_path / "station.json"), log=station_log)
            started = time.monotonic()
            downlinked: set[int] = set()
            last_keepalive = started
            last_progress = (started, 0)
            image = None
            while time.monotonic() - started < WALL_LIMIT_S and image is None:
                time.sleep(2.0)
                assert station.poll() is None, (tmp_path / "station.log").read_text()[-2000:]
                for fid, (state, data) in _files(db).items():
                    if state.kind != "IMAGE":
                        continue
                    if state.crc_ok:
                        image = data
                        break
                    if fid not in downlinked and state.chunk_count:
                        downlinked.add(fid)
                        _command(db, "DOWNLINK_FILE", {"file_id": fid})
                    elif state.received > last_progress[1]:
                        last_progress = (time.monotonic(), state.received)
                    elif time.monotonic() - last_progress[0] > 12.0 and state.missing():
                        archive = open_archive(db)
                        try:
                            for request in FileAssembler(archive).requests(fid)[:2]:
                                _command(db, "REQUEST_CHUNKS", request)
                        finally:
                            archive.close()
                        last_progress = (time.monotonic(), state.received)
                if time.monotonic() - last_keepalive > 40.0 / SPEED:  # keep the contact alive
                    _command(db, "NOOP")
                    last_keepalive = time.monotonic()
        finally:
            if station is not None:
                _stop(station)
            _stop(live)
    assert image is not None, (tmp_path / "station.log").read_text()[-3000:]
    with Image.open(io.BytesIO(image)) as img:
        assert img.size == (640, 480)
        img.load()
    report = json.loads((tmp_path / "station.json").read_text()) if (tmp_path / "station.json").exists() else {}
    if report:
        assert report["passes_tracked"] >= 1

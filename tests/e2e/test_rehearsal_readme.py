"""The README's rehearsal, pasted as written: `live` in one terminal, `station` in another.

The commands are read from README.md (only the port is changed, to a free one) and run as real
processes in a fresh folder on 127.0.0.1: the station, given no clock or element set, follows
the twin's (announced on the KISS stream), predicts the 03:26 pass over Hanoi and archives frames
in it, and uplinks the command the README gives for a third terminal (queued on the wall
clock, sent on the twin's: its history still reads queued, released, sent). Then a SIGTERM mid-pass still gives the summary and the --json file. Both processes are
stopped by their own pids. Mission control over the station's archive then shows the frames in
a browser (Playwright, headless chromium).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from picodragon.ground.archive import open_archive
from picodragon.ground.archive.pool import Database as archive_database
from picodragon.ground.archive.reader import Reader
from tests.conftest import free_port, require_program
from tests.web.fixtures import CHROMIUM_ARGS, running_server

README = Path(__file__).resolve().parents[2] / "README.md"
WALL_LIMIT_S = 150.0


def _readme_commands() -> tuple[list[str], list[str], list[str]]:
    """The rehearsal block's `picodragon live` and `picodragon station` lines, and the command
    the text after it gives for the third terminal, as argv."""
    block = re.search(r"A rehearsal of real operations.*?```sh\n(.*?)```\n\n(.*?)\n\n", README.read_text(), re.S)
    assert block, "README.md has no rehearsal block"
    lines = [ln.split("#")[0].strip() for ln in block.group(1).splitlines()]
    live = next(shlex.split(ln) for ln in lines if ln.startswith("picodragon live"))
    station = next(shlex.split(ln) for ln in lines if ln.startswith("picodragon station"))
    command = re.search(r"`(picodragon command [^`]*)`", block.group(2).replace("\n", " "))
    assert command, "README.md's rehearsal names no command for the third terminal"
    return live, station, shlex.split(command.group(1))


def _run(argv: list[str], port: int, cwd: Path, log) -> subprocess.Popen:
    args = [a.replace("127.0.0.1:8001", f"127.0.0.1:{port}") for a in argv[1:]]
    return subprocess.Popen([sys.executable, "-m", "picodragon.cli", *args], cwd=cwd, stdout=log, stderr=log,
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


def _stop(proc: subprocess.Popen) -> int:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    return proc.returncode


def _frames(db: Path) -> int:
    archive = open_archive(str(db))
    try:
        return archive.count_frames()
    finally:
        archive.close()


def _heard_and_sent(log: Path) -> bool:
    text = log.read_text()
    return "frame 3:" in text and "sent CAPTURE_IMAGE" in text


@pytest.fixture(scope="module")
def rehearsal(tmp_path_factory) -> tuple[Path, int]:
    """The README's rehearsal run once: its folder and the station's exit code after SIGTERM."""
    tmp_path = tmp_path_factory.mktemp("rehearsal")
    live_argv, station_argv, command_argv = _readme_commands()
    assert "--sim-start" not in station_argv and "--speed" not in station_argv  # nothing to match by hand
    (tmp_path / "key.hex").write_text(bytes(range(32)).hex())
    port = free_port()
    station_argv = [*station_argv, "--json", "station.json"]
    with open(tmp_path / "live.log", "w") as live_log, open(tmp_path / "station.log", "w") as station_log:
        live = _run(live_argv, port, tmp_path, live_log)
        station = None
        try:
            _wait_for_port(port, live, 120)  # a station started first says so in one line (exit 2)
            station = _run(station_argv, port, tmp_path, station_log)
            queued = subprocess.run([sys.executable, "-m", "picodragon.cli", *command_argv[1:]], cwd=tmp_path,
                                    capture_output=True, text=True, timeout=120)  # the third terminal
            assert queued.returncode == 0, queued.stderr
            started = time.monotonic()
            while time.monotonic() - started < WALL_LIMIT_S and not _heard_and_sent(tmp_path / "station.log"):
                assert station.poll() is None, (tmp_path / "station.log").read_text()[-2000:]
                time.sleep(1.0)
            code = _stop(station)  # mid-pass: the pass runs to 03:34:52
        finally:
            if station is not None:
                _stop(station)
            _stop(live)
    return tmp_path, code


def test_the_readme_rehearsal_hears_the_next_pass_and_a_sigterm_keeps_the_summary(rehearsal):
    tmp_path, code = rehearsal
    db = tmp_path / "picodragon-station.sqlite"
    log = (tmp_path / "station.log").read_text()
    assert "frame 3:" in log, log[-3000:]
    assert "following its clock, 2013-11-20T" in log
    assert "AOS over VNSC Hanoi" in log
    assert "0.6 days old" in log and "WARNING older" not in log
    assert "summary: VNSC Hanoi:" in log and "stopped by SIGTERM" in log
    assert code == 0
    report = json.loads((tmp_path / "station.json").read_text())
    assert report["clock"] == "twin" and report["frames"] >= 3 and report["stopped_by"] == "SIGTERM"
    assert report["start"].startswith("2013-11-20T03:2") and report["passes_tracked"] == 1
    assert _frames(db) >= 3 and report["commands_sent"] >= 1
    # queued in UTC by the command line, sent on the twin's 2013 clock
    (capture,) = [c for c in Reader(archive_database(str(db))).commands() if c["name"] == "CAPTURE_IMAGE"]
    stages = [s["stage"] for s in capture["stages"]]
    assert stages[:3] == ["queued", "released", "sent"]
    assert capture["stages"][2]["unix_s"] < capture["stages"][0]["unix_s"]  # two clocks, lifecycle order


def test_mission_control_shows_the_rehearsals_frames_in_a_browser(rehearsal):
    """The browser part: mission control over the station's archive lists the frames it heard."""
    chromium = require_program("chromium")
    from playwright.sync_api import sync_playwright

    from picodragon.web.auth import create_user

    tmp_path, _ = rehearsal
    db = str(tmp_path / "picodragon-station.sqlite")
    create_user(db, "victor", "victor-viewer-1", "viewer")
    with running_server(db, log_path=str(tmp_path / "serve.log")) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(url + "/")
            page.fill("#name", "victor")
            page.fill("#password", "victor-viewer-1")
            page.click("#login-button")
            page.wait_for_selector("#who", timeout=20_000)
            page.goto(url + "/frames")
            page.wait_for_selector("#frame-table tr.frame[data-outcome='decoded']", timeout=20_000)
            assert "HOUSEKEEPING" in page.inner_text("#frame-table")
        finally:
            browser.close()

"""Mission control in a rehearsal: `serve --live` follows the clock a live twin announces on its
KISS TCP port (a fake twin on 127.0.0.1 here), so its "now", track and passes are the twin's."""

from __future__ import annotations

import socket
import threading
import time

from fastapi.testclient import TestClient

from picodragon.ground.stationclock import TncClockFollower
from picodragon.link.announce import LiveAnnouncement
from picodragon.web.app import create_app
from picodragon.web.auth import create_user
from tests.web.conftest import USERS, bearer
from tests.web.fixtures import populate

TWIN_NOW = 1384917840.0  # 2013-11-20T03:24:00Z


class _FakeTwin:
    """Accepts one client at a time on 127.0.0.1, greets it with an announcement, holds it."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        conns = []
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            conn.sendall(b"\xc0\x00junk data frame\xc0" + LiveAnnouncement(TWIN_NOW, 10.0, "VNSC Hanoi").to_kiss())
            conns.append(conn)
        for conn in conns:
            conn.close()

    def __enter__(self) -> _FakeTwin:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(timeout=10)
        self.sock.close()


def _wait_following(clock, seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.05)):  # bounded
        if clock.following:
            return
        time.sleep(0.05)
    raise AssertionError("the follower never heard the twin")


def test_the_follower_takes_the_twins_clock_and_stops():
    with _FakeTwin() as twin:
        follower = TncClockFollower("127.0.0.1", twin.port, retry_s=0.1).start()
        try:
            _wait_following(follower.clock)
            now = follower.clock()
            assert TWIN_NOW <= now < TWIN_NOW + 600 and follower.clock.speed == 10.0
        finally:
            follower.stop()
    assert not follower._thread.is_alive()


def test_a_follower_without_a_twin_keeps_the_wall_clock_and_says_why():
    with socket.create_server(("127.0.0.1", 0)) as s:
        port = s.getsockname()[1]
    follower = TncClockFollower("127.0.0.1", port, retry_s=0.1).start()
    try:
        for _ in range(100):
            if follower.last_error:
                break
            time.sleep(0.05)
        assert follower.last_error and not follower.clock.following
        assert abs(follower.clock() - time.time()) < 5
    finally:
        follower.stop()


def test_mission_control_serves_the_twins_now(sqlite_url):
    populate(sqlite_url)
    for name, (role, password) in USERS.items():
        create_user(sqlite_url, name, password, role)
    with _FakeTwin() as twin:
        app = create_app(sqlite_url, live=f"127.0.0.1:{twin.port}")
        with TestClient(app) as client:
            viewer = bearer(client, "victor")
            for _ in range(200):  # bounded: until the follower heard the greeting
                track = client.get("/api/track", headers=viewer).json()
                if track["clock"] == "twin clock":
                    break
                time.sleep(0.05)
            assert track["clock"] == "twin clock" and track["now"].startswith("2013-11-20T03:")
            assert client.get("/api/passes", headers=viewer).json()["clock"] == "twin clock"


def test_serve_live_must_be_host_port(sqlite_url, capsys):
    from picodragon.cli import main

    populate(sqlite_url)
    try:
        main(["serve", "--db", sqlite_url, "--live", "nocolon"])
    except SystemExit as exc:
        code = exc.code
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.startswith("picodragon: --live must be HOST:PORT") and len(err.splitlines()) == 1

"""The station's clock: the wall clock, or the clock of the twin it is rehearsing with.

A station operating a real satellite keeps UTC (``time.time``). In a rehearsal against
``picodragon live`` the satellite is the twin, whose time runs from its deployment at ``speed``
simulated seconds per wall second; the twin announces its clock on the KISS stream
(:mod:`picodragon.link.announce`) and the station follows it: after an announcement, now is the
announced simulated time plus the wall time since, times the announced speed. Each later
announcement re-anchors it, so a twin whose engine falls behind (a slow machine) drags the
station with it instead of drifting apart.

Wall time since an anchor is read from ``time.monotonic`` (it never jumps with NTP).
"""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["StationClock", "TncClockFollower"]


class StationClock:
    """A callable clock (Unix seconds, UTC): ``base`` until :meth:`follow` anchors it to a twin."""

    def __init__(self, base: Callable[[], float] = time.time,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.base = base
        self.monotonic = monotonic
        self.speed = 1.0
        """Clock seconds per wall second (1 until it follows a twin)."""
        self.following = False
        """True once it follows a twin's announced clock."""
        self._anchor: tuple[float, float] | None = None  # (simulated s, monotonic s)

    def __call__(self) -> float:
        if self._anchor is None:
            return self.base()
        sim, mono = self._anchor
        return sim + (self.monotonic() - mono) * self.speed

    def follow(self, sim_unix_s: float, speed: float) -> float:
        """Anchor the clock at ``sim_unix_s`` now, running at ``speed``; returns the jump (new
        now minus what the clock said just before), in clock seconds."""
        before = self()
        self._anchor = (sim_unix_s, self.monotonic())
        self.speed = speed
        self.following = True
        return sim_unix_s - before


class TncClockFollower:
    """Follows the clock a ``picodragon live`` twin announces on its KISS TCP port, in a thread:
    for a face that does not otherwise read the TNC (mission control's ``serve --live``).

    It connects to ``host:port`` (bounded by ``timeout_s``), reads KISS frames, anchors
    :attr:`clock` on each announcement and ignores everything else (data frames are the
    station's business); a refused or lost connection is retried every ``retry_s`` until
    :meth:`stop`. ``clock`` is the wall clock until the first announcement."""

    def __init__(self, host: str, port: int, *, timeout_s: float = 2.0, retry_s: float = 2.0) -> None:
        import threading

        self.host, self.port = host, port
        self.timeout_s, self.retry_s = timeout_s, retry_s
        self.clock = StationClock()
        self.last_error = ""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tnc-clock", daemon=True)

    def start(self) -> TncClockFollower:
        """Start following (returns at once)."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop and wait for the thread (bounded by the socket timeout)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self.timeout_s + 1.0)

    def _run(self) -> None:
        import socket

        from picodragon.link.announce import parse_announcement
        from picodragon.link.kiss import KissDecoder

        while not self._stop.is_set():
            try:
                with socket.create_connection((self.host, self.port), timeout=self.timeout_s) as sock:
                    sock.settimeout(0.5)
                    decoder = KissDecoder()
                    while not self._stop.is_set():
                        try:
                            chunk = sock.recv(4096)
                        except TimeoutError:
                            continue
                        if not chunk:
                            raise ConnectionError("the TNC closed the connection")
                        for frame in decoder.feed(chunk):
                            hello = parse_announcement(frame.command, bytes(frame.payload))
                            if hello is not None:
                                self.clock.follow(hello.sim_unix_s, hello.speed)
            except OSError as exc:  # refused, reset, closed: try again shortly
                self.last_error = str(exc) or type(exc).__name__
            self._stop.wait(self.retry_s)

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

__all__ = ["StationClock"]


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

"""The rehearsal's side channel: a twin behind a KISS TNC says what time it is and what it flies.

A real TNC (Direwolf) knows nothing of time or orbits; the ground runs on the wall clock and on
element sets from a catalogue. ``picodragon live`` runs the twin on its own simulated clock (the
2013 deployment by default, faster than real time), so a station that keeps the wall clock would
predict passes for today from a 2013 element set and hear nothing. To make ``live`` and
``station`` agree without flags to match, ``live`` announces itself on the KISS stream it already
serves: a KISS frame of command SET_HARDWARE (6), whose payload the KISS specification leaves to
the TNC, carrying one line of UTF-8 JSON::

    {"picodragon_live": 1, "sim_unix_s": 1384917930.0, "speed": 10.0,
     "station": "Home", "spacecraft": "CUBESAT-1", "tle": ["NAME", "1 ...", "2 ..."]}

It is sent to every client as it connects and then every few wall seconds (so a client follows
a twin whose engine lags behind wall time x speed). Data frames (command 0) are unchanged;
ground software that does not know this frame skips non-data frames, as ``picodragon station``
always has, so the channel costs nothing to a client that ignores it. The element set is the
one the twin publishes (what the ground would have fetched from the catalogue on that day).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

from picodragon.link import kiss

__all__ = ["MAGIC", "LiveAnnouncement", "parse_announcement"]

#: the key (and its version) that marks the payload as a picodragon live announcement
MAGIC = "picodragon_live"
#: the KISS command the announcement travels in
COMMAND = kiss.SET_HARDWARE
#: a payload longer than this is not an announcement (it holds a few hundred octets)
MAX_OCTETS = 4096


@dataclass(frozen=True)
class LiveAnnouncement:
    """The twin's clock (simulated Unix seconds at the moment of sending, and simulated seconds
    per wall second), the station whose geometry it serves, and its published element set
    (``tle``: name, line 1, line 2; empty when it has none)."""

    sim_unix_s: float
    speed: float
    station: str = ""
    spacecraft: str = ""
    tle: tuple[str, ...] = ()

    def to_payload(self) -> bytes:
        """The KISS payload (one line of UTF-8 JSON)."""
        return json.dumps({
            MAGIC: 1, "sim_unix_s": self.sim_unix_s, "speed": self.speed, "station": self.station,
            "spacecraft": self.spacecraft, "tle": list(self.tle),
        }, separators=(",", ":")).encode()

    def to_kiss(self) -> bytes:
        """The whole KISS frame, ready to write to a TCP stream."""
        return kiss.encode(self.to_payload(), 0, COMMAND)


def parse_announcement(command: int, payload: bytes) -> LiveAnnouncement | None:
    """The announcement a KISS frame carries, or None when it is anything else (a data frame,
    another TNC's hardware frame, garbage): never raises."""
    if command != COMMAND or len(payload) > MAX_OCTETS:
        return None
    try:
        data = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(data, dict) or data.get(MAGIC) != 1:
        return None
    sim, speed = data.get("sim_unix_s"), data.get("speed")
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (sim, speed)):
        return None
    if not (math.isfinite(sim) and math.isfinite(speed) and speed > 0):
        return None
    tle = data.get("tle") or []
    if not isinstance(tle, list) or not all(isinstance(line, str) for line in tle):
        tle = []
    station, spacecraft = data.get("station", ""), data.get("spacecraft", "")
    return LiveAnnouncement(
        float(sim), float(speed), station if isinstance(station, str) else "",
        spacecraft if isinstance(spacecraft, str) else "", tuple(tle))

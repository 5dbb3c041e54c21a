"""Alarms: telemetry against the dictionary's limits, raised and cleared, stored.

Every field the mission's ``Dictionary`` declares with :class:`picodragon.dictionary.Limits`
is checked as its packets arrive (the core dictionary sets none: a mission's file sets the
limits of its hardware). A point's alarm state is its severity (INFO meaning no alarm); a change of state is a
transition stored in the archive's ``alarms`` table (``raised`` with the new severity, or
``cleared``) and as a ground event, so the history of every alarm can be replayed and the web
application can show what is active now.

Only live data moves the state: a packet older than the newest one already judged for that
point (a dump of stored housekeeping, a late copy from another station) is history, not news,
and does not raise or clear anything. A missing value (NaN) is no judgement either. The state
is rebuilt from the archive at start-up. Neither is a packet stamped later than its reception
(plus the station's ``FUTURE_MARGIN_S``): a station built for the mission rejects those before
they get here, and the monitor refuses them too, so that one forged or clock-faulted packet
stamped years ahead cannot become "the newest judged" and freeze an alarm for good.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from picodragon.dictionary import Dictionary, Limits, Severity
from picodragon.ground.archive import Archive
from picodragon.ground.station import FUTURE_MARGIN_S


def limits_of(dictionary: Dictionary) -> dict[str, list[tuple[str, Limits]]]:
    """Packet name -> [(field name, limits)] for the packets with limited fields."""
    out = {
        p.name: [(f.name, f.limits) for f in p.fields if f.limits is not None]
        for p in dictionary.telemetry
    }
    return {name: limited for name, limited in out.items() if limited}


@dataclass(frozen=True)
class Alarm:
    """An active alarm: which point, how bad, since when, the value that raised it."""

    point: str
    severity: Severity
    since_unix_s: float
    value: float
    detail: str


def _describe(limits: Limits, value: float, severity: Severity) -> str:
    if severity == Severity.INFO:
        return f"{value:g} back within limits"
    low = limits.critical_low if severity == Severity.CRITICAL else limits.warning_low
    high = limits.critical_high if severity == Severity.CRITICAL else limits.warning_high
    if low is not None and value < low:
        return f"{value:g} below {severity.name.lower()} limit {low:g}"
    return f"{value:g} above {severity.name.lower()} limit {high:g}"


class AlarmMonitor:
    """Checks decoded packets against the dictionary limits and keeps the alarm states.

    ``dictionary`` is the mission's; None takes the one the archive remembers
    (``Archive.dictionary()``), the core one (no limits) for an archive without.
    """

    def __init__(self, archive: Archive, *, dictionary: Dictionary | None = None) -> None:
        self.archive = archive
        self.dictionary = archive.dictionary() if dictionary is None else dictionary
        self.limits = limits_of(self.dictionary)
        self.active: dict[str, Alarm] = {}
        self._last_judged: dict[str, float] = {}
        for row in self.archive.select("alarms", order="unix_s, id"):
            point = row["point"]
            self._last_judged[point] = float(row["unix_s"])
            if row["state"] == "cleared":
                self.active.pop(point, None)
            else:
                self.active[point] = Alarm(
                    point,
                    Severity(int(row["severity"])),
                    float(row["unix_s"]),
                    float("nan") if row["value"] is None else float(row["value"]),
                    row["detail"],
                )

    def check(
        self, packet: str, values: dict[str, float], unix_s: float
    ) -> list[tuple[str, Severity]]:
        """Judge one packet's values at on-board time ``unix_s``; returns the transitions."""
        transitions = []
        for name, limits in self.limits.get(packet, ()):
            value = values.get(name)
            if value is None or math.isnan(value):
                continue
            point = f"{packet}.{name}"
            if unix_s <= self._last_judged.get(point, -math.inf):
                continue
            self._last_judged[point] = unix_s
            severity = limits.check(value)
            current = self.active.get(point)
            before = current.severity if current else Severity.INFO
            if severity == before:
                continue
            detail = _describe(limits, value, severity)
            state = "cleared" if severity == Severity.INFO else "raised"
            self.archive.insert(
                "alarms",
                {
                    "point": point,
                    "unix_s": float(unix_s),
                    "severity": int(severity),
                    "state": state,
                    "value": float(value),
                    "detail": detail,
                },
            )
            self.archive.store_event(
                unix_s,
                f"ALARM_{state.upper()}",
                int(max(severity, Severity.INFO)),
                f"{point}: {detail}",
            )
            if severity == Severity.INFO:
                self.active.pop(point, None)
            else:
                self.active[point] = Alarm(point, severity, float(unix_s), float(value), detail)
            transitions.append((point, severity))
        return transitions

    def on_decoded(self, decoded) -> None:
        """A GroundStation listener."""
        if not decoded.unix_s <= decoded.received_unix_s + FUTURE_MARGIN_S:
            return  # stamped in the future (or not a time at all): never news
        if decoded.name in self.limits:
            self.check(decoded.name, decoded.values, decoded.unix_s)

    def history(self) -> list[dict]:
        """Every alarm transition on record, oldest first."""
        return self.archive.select("alarms", order="unix_s, id")

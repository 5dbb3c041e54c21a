"""The mission clock: UTC at the edges, float seconds inside.

The runner keeps time as Unix seconds (float) so that every room agrees on one number; the
edges (files, the command line, reports) speak ISO 8601 UTC with a ``Z``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime


def parse_utc(text: str) -> datetime:
    """An ISO 8601 time; a naive time is refused rather than guessed."""
    try:
        value = datetime.fromisoformat(text.strip().replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"not an ISO 8601 time: '{text}' (e.g. 2013-11-19T12:17:00Z)") from None
    if value.tzinfo is None:
        raise ValueError(f"time '{text}' has no time zone: end it with Z for UTC")
    return value.astimezone(UTC)


def iso_z(value: datetime | float) -> str:
    """ISO 8601 UTC with a Z, to the second (microseconds when present)."""
    if not isinstance(value, datetime):
        value = datetime.fromtimestamp(float(value), UTC)
    text = value.astimezone(UTC).isoformat()
    return text.replace("+00:00", "Z")


@dataclass(frozen=True)
class MissionClock:
    """The scenario epoch and conversions between mission seconds, Unix seconds and UTC."""

    epoch: datetime

    @property
    def epoch_unix(self) -> float:
        return self.epoch.timestamp()

    def unix(self, mission_s: float) -> float:
        return self.epoch_unix + mission_s

    def mission_seconds(self, when: datetime | float) -> float:
        unix = when.timestamp() if isinstance(when, datetime) else float(when)
        return unix - self.epoch_unix

    def utc(self, mission_s: float) -> datetime:
        return datetime.fromtimestamp(self.unix(mission_s), UTC)

"""ISO 8601 UTC with a Z: the one formatter and the one parser of times at every edge.

Files, reports, the command line and the web speak ISO 8601 in UTC ending in ``Z``; inside,
time is float Unix seconds. ``timespec`` is Python's ``datetime.isoformat`` one: "auto" gives
seconds, or microseconds when there are any; "seconds" and "milliseconds" truncate (never
round up into the next second), so every room keeps the precision it always printed.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import overload

TIMESPECS = ("auto", "seconds", "milliseconds", "microseconds")
MAX_ABS_UNIX_S = 1e11
"""Unix seconds beyond this (about 3,000 years either side of 1970) are not taken as times"""


class TimeFormatError(ValueError):
    """A time that cannot be written or read as ISO 8601 UTC."""


def to_datetime(value: datetime | float) -> datetime:
    """An aware UTC datetime from a datetime (naive taken as UTC) or Unix seconds."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
    unix_s = float(value)
    if not math.isfinite(unix_s) or not -MAX_ABS_UNIX_S < unix_s < MAX_ABS_UNIX_S:
        raise TimeFormatError(f"not a time: {unix_s} s")
    try:
        return datetime.fromtimestamp(unix_s, UTC)
    except (OverflowError, OSError, ValueError):
        raise TimeFormatError(f"time out of range: {unix_s} s") from None


def iso_z(value: datetime | float, timespec: str = "auto") -> str:
    """ISO 8601 UTC ending in Z: ``2013-11-21T07:10:00Z``, ``...:00.250Z`` (timespec above)."""
    if timespec not in TIMESPECS:
        raise ValueError(f"timespec must be one of {TIMESPECS}, not {timespec!r}")
    text = to_datetime(value).isoformat(timespec=timespec)
    return text.removesuffix("+00:00") + "Z"


@overload
def iso_z_or_none(value: None, timespec: str = ...) -> None: ...
@overload
def iso_z_or_none(value: datetime | float, timespec: str = ...) -> str | None: ...
def iso_z_or_none(value, timespec="auto"):
    """Like :func:`iso_z`, but None for no time or one that cannot be a time (NaN, 1e12 s)."""
    if value is None:
        return None
    try:
        return iso_z(value, timespec)
    except TimeFormatError:
        return None


def parse_utc(text: str) -> datetime:
    """An aware UTC datetime from ISO 8601 text; a time without a zone is refused, not guessed."""
    try:
        value = datetime.fromisoformat(text.strip().replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        raise TimeFormatError(
            f"not an ISO 8601 time: '{text}' (e.g. 2013-11-19T12:17:00Z)"
        ) from None
    if value.tzinfo is None:
        raise TimeFormatError(f"time '{text}' has no time zone: end it with Z for UTC")
    return value.astimezone(UTC)


def parse_unix(text: str) -> float:
    """Unix seconds from ISO 8601 UTC text (see :func:`parse_utc`)."""
    return parse_utc(text).timestamp()

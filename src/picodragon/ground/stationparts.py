"""The parts of the station loop (:func:`picodragon.ground.operations.run_station`) that are not
the loop itself: the pass schedule it predicts and logs (with the element set's age), the one-line
checks of the rig and rotator at start, the line of their state during a pass, and the SIGINT and
SIGTERM handlers that stop it cleanly. Apart so the loop stays readable."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

from picodragon.astro.isotime import iso_z
from picodragon.config import Station
from picodragon.elements import ElementSet, ElementSetError
from picodragon.ground.elementsets import age_line, is_stale
from picodragon.ground.hamlib import HamlibError, RigClient, RotatorClient
from picodragon.ground.passes import Pass, find_passes
from picodragon.ground.tracking import PassTracker, TrackPoint


class StopNote(Protocol):
    """What the signal handlers write: the station report's ``stopped_by`` (no import of the
    loop's module, which imports this one)."""

    stopped_by: str


__all__ = ["LogTail", "Schedule", "check_hamlib", "hardware_state", "install_signal_handlers", "station_state"]

log = logging.getLogger("picodragon.ground.operations")


class Schedule:
    """The predicted passes, refreshed as they run out."""

    def __init__(
        self, element_set: ElementSet, station: Station, horizon_s: float = 86400.0
    ) -> None:
        self.element_set = element_set
        self.station = station
        self.horizon_s = horizon_s
        self.passes: list[Pass] = []
        self.until = -1.0

    def refresh(self, now: float) -> None:
        """Predict a day of passes again when less than an hour of prediction is left (or the
        clock jumped before the prediction's start); log the next pass and the set's age."""
        if now + 3600.0 < self.until and now >= self.until - self.horizon_s:
            return
        start = datetime.fromtimestamp(now, UTC)
        try:
            self.passes = find_passes(
                self.element_set, self.station, start, start + timedelta(seconds=self.horizon_s)
            )
        except (ElementSetError, ValueError) as exc:  # a set SGP4 cannot carry to this date
            log.warning("%s pass prediction failed: %s", iso_z(now, "seconds"), exc)
            self.passes = []
        self.until = now + self.horizon_s
        line = age_line(self.element_set, now)
        if is_stale(self.element_set, now):
            log.warning("%s predicting with %s", iso_z(now, "seconds"), line)
        else:
            log.info("%s predicting with %s", iso_z(now, "seconds"), line)
        upcoming = [p for p in self.passes if p.los.timestamp() >= now]
        if upcoming:
            p = upcoming[0]
            log.info("%s next pass over %s: AOS %s, max %.0f deg, LOS %s (%d passes in %.0f h)",
                     iso_z(now, "seconds"), self.station.name, iso_z(p.aos, "seconds"),
                     p.max_elevation_deg, iso_z(p.los, "seconds"), len(upcoming), self.horizon_s / 3600)
        else:
            log.info("%s no pass over %s in the next %.0f h", iso_z(now, "seconds"), self.station.name,
                     self.horizon_s / 3600)

    def reset(self, element_set: ElementSet | None = None) -> None:
        """Forget the prediction (the clock jumped, or a new element set arrived)."""
        if element_set is not None:
            self.element_set = element_set
        self.passes = []
        self.until = -1.0

    def current_or_next(self, now: float) -> Pass | None:
        """The pass under way at ``now``, or the next one."""
        self.refresh(now)
        for p in self.passes:
            if p.los.timestamp() >= now:
                return p
        return None


def hardware_state(tracker: PassTracker) -> str:
    """One line: what the rig is tuned to and where the rotator points (as last commanded)."""
    parts = []
    if tracker.rig is not None:
        down, up = tracker.tuned_downlink_hz, tracker.tuned_uplink_hz
        parts.append("rig " + (f"down {down / 1e6:.6f} MHz, up {up / 1e6:.6f} MHz" if down and up else "not tuned"))
    if tracker.rotator is not None:
        parts.append("rotator " + (f"az {tracker.pointed[0]:.1f} el {tracker.pointed[1]:.1f} deg"
                                   if tracker.pointed else "not pointed"))
    if tracker.errors:
        parts.append(f"{tracker.errors} errors")
    return "; ".join(parts)


class LogTail(logging.Handler):
    """The station log's last ``size`` lines (INFO and up, as far as the ``picodragon`` loggers'
    levels let them through: ``picodragon station`` logs INFO), kept for the pass console."""

    def __init__(self, size: int = 20) -> None:
        super().__init__(logging.INFO)
        self.lines: deque[str] = deque(maxlen=size)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(record.getMessage())
        except Exception:  # noqa: BLE001 - a bad log call must not stop the station
            self.handleError(record)


def station_state(tracker: PassTracker, point: TrackPoint | None, now: float, lines: list[str]) -> dict:
    """The station's state for mission control's pass console (``Archive.write_station_state``):
    the time (ISO UTC and Unix s), the look angles commanded (``point``, deg), where the rotator
    last accepted to point (deg; None without a rotator or before it did), the rig's tuned
    frequencies (Hz), a health text for each of rig and rotator ("none" without one, "ok", or
    "error: " and the tracker's last error when that error was theirs), and the last log lines."""
    pointed = None
    if tracker.rotator is not None and tracker.pointed is not None:
        pointed = {"azimuth_deg": round(tracker.pointed[0], 2), "elevation_deg": round(tracker.pointed[1], 2)}
    last_error = tracker.last_error or ""

    def health(client: object, prefixes: tuple[str, ...]) -> str:
        if client is None:
            return "none"
        return f"error: {last_error}" if last_error.startswith(prefixes) else "ok"

    return {
        "time": iso_z(now, "seconds"), "unix_s": float(now),
        "commanded": None if point is None else {"azimuth_deg": round(float(point.azimuth_deg), 2),
                                                  "elevation_deg": round(float(point.elevation_deg), 2)},
        "rotator_pointed": pointed,
        "rig_downlink_hz": tracker.tuned_downlink_hz, "rig_uplink_hz": tracker.tuned_uplink_hz,
        "rig": health(tracker.rig, ("downlink", "uplink")), "rotator": health(tracker.rotator, ("rotator", "park")),
        "errors": tracker.errors, "log": list(lines),
    }


async def check_hamlib(rig: RigClient | None, rotator: RotatorClient | None,
                        rigctld: str | None, rotctld: str | None) -> None:
    """One line each: does the rig answer (its frequency), does the rotator (its position).
    A failure is a warning, not the end: the station receives without them and retries."""

    def ask_rig() -> str:
        return f"answers, {rig.frequency() / 1e6:.6f} MHz"

    def ask_rotator() -> str:
        az, el = rotator.position()
        return f"answers, az {az:.1f} deg el {el:.1f} deg"

    for what, client, address, ask in (("rig", rig, rigctld, ask_rig), ("rotator", rotator, rotctld, ask_rotator)):
        if client is None:
            log.info("%s: none (--%s not given)", what, "rigctld" if what == "rig" else "rotctld")
            continue
        try:
            log.info("%s %s: %s", what, address, await asyncio.to_thread(ask))
        except (HamlibError, OSError, ValueError) as exc:
            log.warning("%s %s: does not answer (%s); carrying on without it until it does", what, address,
                        exc or type(exc).__name__)


def install_signal_handlers(stop: asyncio.Event, report: StopNote) -> list[Callable[[], None]]:
    """SIGINT and SIGTERM set ``stop`` (noting which) so the run ends cleanly; the removers."""
    loop = asyncio.get_running_loop()
    removers: list[Callable[[], None]] = []
    for sig in (signal.SIGINT, signal.SIGTERM):

        def handler(sig: signal.Signals = sig) -> None:
            report.stopped_by = sig.name
            log.warning("%s received: stopping, writing the summary", sig.name)
            stop.set()

        try:
            loop.add_signal_handler(sig, handler)
        except (NotImplementedError, RuntimeError, ValueError):
            continue
        removers.append(lambda sig=sig: loop.remove_signal_handler(sig))
    return removers

"""The mission runner: one clock driving the twin, the flight software, the link and the ground.

Time advances by events, not by a fixed small step. The flight software says when it next
wants to run (a beacon, a housekeeping sample, a timer); the runner advances the twin to that
moment (never by more than ``MAX_STEP_S`` at once, so that power and thermal see the day and
night edges), lets the flight software run, and carries every frame the radio keyed through
the channel to every station that could hear it. Geometry comes from the twin's true orbit on
a grid (see ``visibility``); the ground sees only the bytes that arrive and predicts its passes
from the element set, as a real station does.

Two fidelities. ``full`` runs the flight software at its own rates for the whole span (the
default for runs of days). ``fast`` (the default for ``--until-reentry``) runs it in detail for
the first hours and around every predicted pass, and between them advances the twin alone in
long steps with the transmitter's duty cycle as measured while the flight software ran; when
the flight software resumes it sees its clock jump, as after a sleep. What a fast run cannot
see: housekeeping sampled between passes (its store-and-forward history has gaps) and faults
that would have happened out of view.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from picodragon.config import Scenario
from picodragon.mission.clock import iso_z
from picodragon.mission.visibility import StationTrack, track

#: the longest the twin is advanced without the flight software running (s)
MAX_STEP_S = 60.0
#: spacing of the recorded history for plots (s)
#: length of the chunks over which station geometry is precomputed (s)
CHUNK_S = 6 * 3600.0
#: fast runs: the flight software runs in detail for this long after the start (RF silence,
#: antenna deployment, first beacons, detumbling checks) ...
COMMISSIONING_S = 3 * 3600.0
#: ... and from this long before each predicted pass until this long after it
PASS_LEAD_S = 900.0
PASS_TAIL_S = 300.0
#: fast runs: the longest step of the twin alone between coupled windows (s)
CRUISE_STEP_S = 6 * 3600.0


@dataclass
class RunOptions:
    start: datetime | None = None
    days: float | None = None
    until_reentry: bool = False
    db: str = "picodragon.sqlite"
    report: str | None = "picodragon-report.html"
    seed: int | None = None
    progress: bool = True
    fidelity: str | None = None
    """'full': the flight software runs at its own rates all the time; 'fast': only after the
    start and around passes, the twin alone in between (default for --until-reentry)"""
    max_days_until_reentry: float = 3650.0


@dataclass
class PassRecord:
    """One predicted pass and what happened on the link during it."""

    station: str
    pass_json: dict[str, Any]
    aos_unix: float
    los_unix: float
    frames_sent: int = 0
    frames_received: int = 0
    min_margin_db: float = float("nan")
    max_margin_db: float = float("nan")


@dataclass
class RunResult:
    scenario: Scenario
    summary: dict[str, Any]
    history: dict[str, np.ndarray]
    passes: list[PassRecord]
    db: str
    report: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@contextmanager
def _progress(enabled: bool, total_s: float, label: str) -> Iterator[Any]:
    if not enabled:
        yield None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[simday]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, transient=False) as progress:
        task = progress.add_task(label, total=total_s, simday="day 0.0")

        def update(done_s: float) -> None:
            progress.update(task, completed=done_s, simday=f"day {done_s / 86400:.2f}")

        yield update


def _fsw_config(scenario: Scenario):
    from picodragon.fsw.params import FswConfig

    radio = scenario.spacecraft.radio
    return FswConfig(
        callsign=radio.callsign,
        ssid=radio.ssid,
        telemetry_beacon_interval_s=radio.telemetry_beacon_interval_s,
        rf_silence_s=radio.rf_silence_after_ejection_s,
        beacon_text=radio.beacon_text,
        downlink_bit_rate=radio.bit_rate,
    )


def run_mission(scenario: Scenario, options: RunOptions) -> RunResult:
    """Run the scenario and return its summary, histories and pass records."""
    from picodragon.fsw import FlightSoftware
    from picodragon.ground.archive import open_archive
    from picodragon.ground.passes import find_passes
    from picodragon.ground.station import GroundStation
    from picodragon.link.budget import downlink_budget
    from picodragon.link.channel import Channel
    from picodragon.physics.twin import Twin

    wall_start = time.perf_counter()
    seed = scenario.seed if options.seed is None else options.seed
    twin = Twin(scenario, seed=seed)
    start_unix = twin.start_unix
    if options.start is not None:
        if options.start.timestamp() < start_unix:
            raise ValueError(f"--start {iso_z(options.start)} is before the deployment {iso_z(start_unix)}")
        twin.advance_to(options.start.timestamp())
        start_unix = options.start.timestamp()
    days = options.days if options.days is not None else scenario.duration_days
    if options.until_reentry:
        days = options.max_days_until_reentry
    end_unix = start_unix + days * 86400.0

    if options.db and not options.db.startswith("postgres"):
        Path(options.db).unlink(missing_ok=True)
    archive = open_archive(options.db)
    spacecraft = scenario.spacecraft
    radio_cfg = spacecraft.radio
    stations = {s.name: s for s in scenario.stations}
    ground = {
        s.name: GroundStation(s.name, archive, radio_cfg.downlink_frequency_hz) for s in scenario.stations
    }
    channel = Channel(seed)

    # the ground's own prediction, from the element set (what a real team would have)
    element_set = twin.element_set
    pass_end = datetime.fromtimestamp(min(end_unix, start_unix + 400 * 86400.0), UTC)
    pass_records: list[PassRecord] = []
    for s in scenario.stations:
        for p in find_passes(element_set, s, datetime.fromtimestamp(start_unix, UTC), pass_end):
            pass_records.append(PassRecord(s.name, p.to_json(), p.aos.timestamp(), p.los.timestamp()))
    pass_records.sort(key=lambda r: r.aos_unix)

    devices = twin.devices
    hal = build_hal(devices)
    fsw = FlightSoftware(hal, _fsw_config(scenario))
    fsw.boot()

    counters = {"frames_sent": 0, "frames_received": 0, "telemetry_points": 0}
    tracks: dict[str, StationTrack] = {}
    spans: dict[str, list[tuple[float, float]]] = {}
    chunk_end = start_unix

    fidelity = options.fidelity or ("fast" if options.until_reentry else "full")
    coupled: _Windows | None = None

    def refresh_tracks(t: float) -> None:
        nonlocal chunk_end, coupled
        chunk_end = min(t + CHUNK_S, end_unix + MAX_STEP_S)
        for name, st in stations.items():
            tr = track(twin, st, t - MAX_STEP_S, chunk_end + MAX_STEP_S)
            tracks[name] = tr
            spans[name] = tr.visible_spans(st.min_elevation_deg)
        if fidelity == "fast":
            # the engine's choice of when to run the flight software in detail uses the truth
            windows = [(start_unix, start_unix + COMMISSIONING_S)]
            windows += [(a - PASS_LEAD_S, b + PASS_TAIL_S) for sp in spans.values() for a, b in sp]
            coupled = _Windows(windows)

    def pass_at(station: str, unix_s: float) -> PassRecord | None:
        for rec in pass_records:
            if rec.station == station and rec.aos_unix - 1 <= unix_s <= rec.los_unix + 1:
                return rec
            if rec.aos_unix > unix_s + 1:
                break
        return None

    def carry(unix_s: float, frame: bytes) -> None:
        counters["frames_sent"] += 1
        for name, st in stations.items():
            if not any(a <= unix_s <= b for a, b in spans[name]):
                continue
            elevation, range_m, _ = tracks[name].at(unix_s)
            if elevation < st.min_elevation_deg:
                continue
            rec = pass_at(name, unix_s)
            budget = downlink_budget(radio_cfg, st, range_m, elevation)
            if rec is not None:
                rec.frames_sent += 1
                margin = float(budget.margin_db)
                rec.min_margin_db = np.nanmin([rec.min_margin_db, margin])
                rec.max_margin_db = np.nanmax([rec.max_margin_db, margin])
            received = channel.transmit(frame, float(budget.bit_error_rate))
            if received is None:
                continue
            outcome = ground[name].receive(received, unix_s)
            counters["frames_received"] += 1
            counters["telemetry_points"] += len(getattr(outcome, "values", {}) or {})
            if rec is not None:
                rec.frames_received += 1

    radio = devices.radio
    coupled_s = 0.0
    keyed_at_start = radio.keyed_s_total

    refresh_tracks(start_unix)
    t = start_unix
    next_wake = fsw.step()
    reentry_unix: float | None = None
    with _progress(options.progress, end_unix - start_unix, scenario.name) as update:
        next_update = t
        while t < end_unix:
            window_end = end_unix
            if coupled is not None:
                inside, edge = coupled.locate(t)
                if not inside:
                    # cruise: the twin alone, with the radio's measured duty cycle as a load
                    target = min(edge, end_unix, t + CRUISE_STEP_S, chunk_end)
                    duty = (radio.keyed_s_total - keyed_at_start) / coupled_s if coupled_s > 0 else 0.0
                    radio.pending_energy_j += duty * (target - t) * radio.transmit_load_w
                    twin.advance_to(target)
                    t = target
                    if twin.reentered:
                        reentry_unix = twin.reentry_unix
                        break
                    if update is not None:
                        update(t - start_unix)
                    if t >= chunk_end:
                        refresh_tracks(t)
                    next_wake = min(next_wake, t)
                    continue
                window_end = min(edge, chunk_end)
            t_next = min(max(next_wake, t), t + MAX_STEP_S, end_unix, window_end)
            if t_next <= t:
                t_next = min(t + 1e-3, end_unix)
            twin.advance_to(t_next)
            coupled_s += t_next - t
            t = t_next
            if t >= chunk_end:
                refresh_tracks(t)
            for sent_at, frame in radio.drain_outbox():
                carry(sent_at, frame)
            if twin.reentered:
                reentry_unix = twin.reentry_unix
                break
            if t >= next_wake:
                next_wake = fsw.step()
            if update is not None and t >= next_update:
                update(t - start_unix)
                next_update = t + 600.0
        for sent_at, frame in radio.drain_outbox():
            carry(sent_at, frame)
        if update is not None:
            update(end_unix - start_unix if reentry_unix is None else reentry_unix - start_unix)
    history = twin.history()

    archive_counts = {
        "frames": archive.count_frames(),
        "points": archive.count_points(),
    }
    archive.close()
    hist = history
    temps = [v for k, v in hist.items() if k.startswith("temperature_") and k.endswith("_c")]
    temp_all = np.concatenate(temps) if temps else np.array([np.nan])
    end_time = min(t, end_unix)
    summary: dict[str, Any] = {
        "scenario": scenario.name,
        "start": iso_z(start_unix),
        "end": iso_z(end_time),
        "sim_seconds": round(end_time - start_unix, 3),
        "wall_seconds": round(time.perf_counter() - wall_start, 3),
        "passes": [
            {**r.pass_json, "frames_sent": r.frames_sent, "frames_received": r.frames_received}
            for r in pass_records
            if r.aos_unix <= end_time
        ],
        "frames_sent": counters["frames_sent"],
        "frames_received": counters["frames_received"],
        "telemetry_points": archive_counts["points"],
        "images_captured": int(getattr(fsw, "images_captured", 0)),
        "images_received": 0,
        "commands_sent": 0,
        "commands_executed": 0,
        "battery_soc_min": _round(np.nanmin(hist["battery_soc"])) if "battery_soc" in hist else None,
        "temperature_c_min": _round(np.nanmin(temp_all)),
        "temperature_c_max": _round(np.nanmax(temp_all)),
        "reentry": iso_z(reentry_unix) if reentry_unix is not None else None,
        "db": options.db,
        "seed": seed,
    }
    result = RunResult(scenario, summary, hist, pass_records, options.db)
    if options.report:
        from picodragon.mission.report import write_report

        write_report(result, options.report)
        result.report = options.report
        summary["report"] = options.report
    return result


class _Windows:
    """Sorted, merged time windows with a fast 'am I inside, and where is the next edge' query."""

    def __init__(self, windows: list[tuple[float, float]]) -> None:
        merged: list[list[float]] = []
        for a, b in sorted(windows):
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        self.starts = np.array([w[0] for w in merged])
        self.ends = np.array([w[1] for w in merged])

    def locate(self, t: float) -> tuple[bool, float]:
        """(inside a window, the next edge: the window's end if inside, else the next start)."""
        i = int(np.searchsorted(self.ends, t, side="right"))
        if i < len(self.starts) and self.starts[i] <= t:
            return True, float(self.ends[i])
        return False, float(self.starts[i]) if i < len(self.starts) else float("inf")


def build_hal(devices: Any):
    """The HAL from the twin's devices: each HAL slot takes the device of the same name."""
    from dataclasses import fields as dataclass_fields

    from picodragon.fsw.hal import Hal


    present = {f.name: getattr(devices, f.name) for f in dataclass_fields(Hal) if hasattr(devices, f.name)}
    present["temperatures"] = list(present.get("temperatures", []))
    return Hal(**present)


def _round(value: float) -> float | None:
    value = float(value)
    return None if np.isnan(value) else round(value, 4)


def end_of(start: datetime, days: float) -> datetime:
    return start + timedelta(days=days)

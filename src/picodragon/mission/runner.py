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
the first hours and around every true pass, and between them advances the twin alone in long
steps with the transmitters' duty cycle as measured while the flight software ran out of view
(``engine``); when the flight software resumes it sees its clock jump, as after a sleep. What a
fast run cannot
see: housekeeping sampled between passes (its store-and-forward history has gaps) and faults
that would have happened out of view.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from picodragon.config import Scenario
from picodragon.config.mission import Mission, as_mission
from picodragon.dictionary.definitions import Dictionary
from picodragon.mission.catalogue import PUBLICATION_INTERVAL_S, published_element_set
from picodragon.mission.clock import iso_z
from picodragon.mission.engine import Engine, Reception
from picodragon.mission.operator import Operator

#: with companions, the spacecraft are advanced together in steps of this length (s)
LOCKSTEP_S = 600.0


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
    operate: bool = True
    """run the operations team (imaging, downloads, event dumps); False: listen only"""
    """'full': the flight software runs at its own rates all the time; 'fast': only after the
    start and around passes, the twin alone in between (default for --until-reentry)"""
    max_days_until_reentry: float = 3650.0
    on_progress: Callable[[float], None] | None = None
    """called with the simulated seconds flown so far, as the progress bar is (every ten
    simulated minutes in detail, after each long step of the twin alone): bench/scaling.py
    times the days with it"""


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
    dictionary: Dictionary | None = None
    """the mission's dictionary the run spoke (None: the core one)"""


@contextmanager
def _progress(enabled: bool, total_s: float, label: str) -> Iterator[Any]:
    if not enabled:
        yield None
        return
    from rich.progress import (
        BarColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

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


def run_mission(scenario: Scenario | Mission, options: RunOptions, *,
                dictionary: Dictionary | None = None) -> RunResult:
    """Run the mission and return its summary, histories and pass records.

    ``scenario``: a Mission, or a scenario with its ``dictionary`` (None: the one the scenario
    names, else the core). The dictionary goes to every room built here: the flight software,
    the archive, the ground stations and the operators.
    """
    from picodragon.ground.archive import open_archive
    from picodragon.ground.passes import find_passes
    from picodragon.ground.station import GroundStation

    wall_start = time.perf_counter()
    mission = as_mission(scenario, dictionary)
    scenario, dictionary = mission.scenario, mission.dictionary
    seed = scenario.seed if options.seed is None else options.seed
    fidelity = options.fidelity or ("fast" if options.until_reentry else "full")
    # the uplink key of this run: drawn from the seed, given to the spacecraft and its operators,
    # never stored in a file (a real mission loads its key from a protected file: --key-file)
    key = np.random.default_rng([seed, 0xC0DE]).bytes(32)
    engine = Engine(scenario, seed, fidelity="fast", auth_key=key, dictionary=dictionary)
    twin = engine.twin
    start_unix = engine.start_unix
    if options.start is not None:
        if options.start.timestamp() < start_unix:
            raise ValueError(f"--start {iso_z(options.start)} is before the deployment {iso_z(start_unix)}")
        engine.run_until(options.start.timestamp())  # the spacecraft has flown since its ejection
        start_unix = options.start.timestamp()
    engine.set_fidelity(fidelity)
    days = options.days if options.days is not None else scenario.duration_days
    if options.until_reentry:
        days = options.max_days_until_reentry
    end_unix = start_unix + days * 86400.0

    archive = open_archive(options.db, reset=True, dictionary=dictionary)  # a fresh archive each run
    archive.remember_mission(scenario.name, scenario.model_dump_json())  # for `serve --db` alone
    radio_cfg = scenario.spacecraft.radio
    # the stations decode only their mission's spacecraft, with times inside the mission
    mission_start = engine.start_unix

    def source(callsign: str) -> str:
        return f"{callsign}-{radio_cfg.ssid}" if radio_cfg.ssid else callsign

    ground = {
        s.name: GroundStation(s.name, archive, radio_cfg.downlink_frequency_hz,
                              spacecraft_callsigns=[source(radio_cfg.callsign)],
                              mission_start_unix_s=mission_start, dictionary=dictionary)
        for s in scenario.stations
    }

    # the ground's own prediction, from element sets (what a real team would have): the one
    # derived at ejection for the first day, then the catalogue's daily sets
    pass_records: list[PassRecord] = []
    element_sets = [("deployment", twin.element_set)]
    predicted = {"until": start_unix}
    predicted_los: dict[str, float] = {}  # each station's latest predicted LOS (Unix s)
    aos_sorted: list[float] = []  # the AOS of pass_records, in their (sorted) order
    longest = [0.0]  # the longest predicted pass (s)
    image_folder = Path(options.report).with_suffix("").with_name(Path(options.report).stem + "-images") \
        if options.report else None
    operator = Operator(archive, key, radio_cfg.callsign, radio_cfg.ssid, image_folder=image_folder,
                        targets=scenario.targets, dictionary=dictionary,
                        ground_callsign=radio_cfg.ground_callsign) if options.operate else None
    if operator is not None:
        for station in ground.values():
            for listener in operator.listeners:
                station.add_listener(listener)

    catalogue_memo: dict = {}  # the catalogue's last state and fit, for the next day's set

    def predict_through(t: float) -> None:
        while predicted["until"] < min(t + 3600.0, end_unix):
            day_start = predicted["until"]
            day_end = min(day_start + PUBLICATION_INTERVAL_S, end_unix)
            if day_start > start_unix + 1.0:
                element_sets.append((iso_z(day_start), published_element_set(twin, day_start, memo=catalogue_memo)))
            es = element_sets[-1][1]
            if operator is not None:
                operator.element_set = es
            for s in scenario.stations:
                last_los = predicted_los.get(s.name, -np.inf)
                found = find_passes(es, s, datetime.fromtimestamp(day_start, UTC),
                                    datetime.fromtimestamp(day_end, UTC))
                for p in found:
                    if p.aos.timestamp() > last_los:  # a pass across midnight is predicted once
                        pass_records.append(PassRecord(s.name, p.to_json(), p.aos.timestamp(), p.los.timestamp()))
                        predicted_los[s.name] = max(predicted_los.get(s.name, -np.inf), p.los.timestamp())
                        longest[0] = max(longest[0], p.los.timestamp() - p.aos.timestamp())
            pass_records.sort(key=lambda r: r.aos_unix)
            aos_sorted[:] = [r.aos_unix for r in pass_records]
            predicted["until"] = day_end

    predict_through(start_unix)
    frames_before = engine.frames_sent
    received = {"frames": 0, "bytes": 0, "first_contact": None}

    def pass_at(station: str, unix_s: float) -> PassRecord | None:
        # no pass that rose before this can cover unix_s: a bisection, not a scan from the
        # first pass of the mission (which made the cost per frame grow with the mission's age)
        first = bisect.bisect_left(aos_sorted, unix_s - 120.0 - longest[0])
        for k in range(first, len(pass_records)):
            rec = pass_records[k]
            if rec.station == station and rec.aos_unix - 60 <= unix_s <= rec.los_unix + 60:
                return rec
            if rec.aos_unix > unix_s + 60:
                break
        return None

    def on_frame(unix_s: float, frame: bytes, receptions: list[Reception]) -> None:
        predict_through(unix_s)
        for rx in receptions:
            rec = pass_at(rx.station, unix_s)
            if rec is not None:
                rec.frames_sent += 1
                margin = float(rx.margin_db)
                if margin == margin:  # not NaN
                    rec.min_margin_db = margin if not rec.min_margin_db <= margin else rec.min_margin_db
                    rec.max_margin_db = margin if not rec.max_margin_db >= margin else rec.max_margin_db
            if rx.frame is None:
                continue
            ground[rx.station].receive(rx.frame, unix_s)
            received["frames"] += 1
            received["bytes"] += len(rx.frame)
            if received["first_contact"] is None:
                received["first_contact"] = (unix_s, rx.station)
            if rec is not None:
                rec.frames_received += 1

    view = {"index": 0}

    def in_view(t: float) -> list[str]:
        """Stations whose predicted pass covers t (the ground's knowledge, not the truth)."""
        i = view["index"]
        while i < len(pass_records) and pass_records[i].los_unix < t - 7200.0:
            i += 1
        view["index"] = i
        names = []
        for rec in pass_records[i:]:
            if rec.aos_unix > t:
                break
            if rec.los_unix >= t:
                names.append(rec.station)
        return names

    def on_step(t: float) -> None:
        predict_through(t)
        for station, frame in operator.act(t, in_view(t)):
            engine.uplink(station, frame, t)

    # the spacecraft deployed with this one, each with its own twin and flight software, heard by
    # the same stations on its own frequency; stepped in lockstep with the main one
    companions = []
    for i, companion in enumerate(scenario.companions):
        companion_engine = Engine(companion.as_scenario(scenario), seed + 1 + i, fidelity=fidelity,
                                  dictionary=dictionary)
        companion_ground = {s.name: GroundStation(s.name, archive, companion.downlink_frequency_hz,
                                                  spacecraft_callsigns=[source(companion.callsign)],
                                                  mission_start_unix_s=mission_start,
                                                  dictionary=dictionary)
                            for s in scenario.stations}
        tally = {"name": companion.name, "callsign": companion.callsign, "frames_sent": 0,
                 "frames_received": 0}

        def companion_frame(unix_s, frame, receptions, _ground=companion_ground, _tally=tally):
            _tally["frames_sent"] += 1
            for rx in receptions:
                if rx.frame is not None:
                    _ground[rx.station].receive(rx.frame, unix_s)
                    _tally["frames_received"] += 1

        companions.append((companion_engine, companion_frame, tally))

    def advance(t_target: float, update) -> None:
        def progress(t: float) -> None:
            # the run holds one batch: what the ground archived so far is committed here, every
            # ten simulated minutes in detail and after each long step of the twin alone (one
            # commit per frame was the largest cost of the ground in a lifetime run)
            archive.flush()
            if update is not None:
                update(t - start_unix)

        step = on_step if operator is not None else None
        while engine.time < t_target and not engine.reentered:
            t = min(engine.time + LOCKSTEP_S, t_target) if companions else t_target
            engine.run_until(t, on_frame=on_frame, on_step=step, on_progress=progress)
            for companion_engine, companion_frame, _ in companions:
                if not companion_engine.reentered:
                    companion_engine.run_until(t, on_frame=companion_frame)

    faults = sorted(((start_unix + f.at_hours * 3600.0, f) for f in scenario.faults), key=lambda x: x[0])
    fault_rng = np.random.default_rng([seed, 0xFA17])
    fault_log: list[dict[str, Any]] = []
    with archive.batch(), _progress(options.progress, end_unix - start_unix, scenario.name) as bar:
        update = bar if options.on_progress is None else (
            options.on_progress if bar is None else (lambda done_s: (bar(done_s), options.on_progress(done_s))))
        for when, fault in [*faults, (end_unix, None)]:
            advance(min(when, end_unix), update)
            if fault is None or engine.reentered or when > end_unix:
                break
            fault_log.append({"time": iso_z(engine.time), "device": fault.device, "kind": fault.kind,
                              "done": engine.inject(fault, fault_rng)})
        if update is not None:
            update(min(engine.time, end_unix) - start_unix)

    reentry_unix = engine.reentry_unix
    end_time = reentry_unix if reentry_unix is not None else min(engine.time, end_unix)
    predict_through(end_time - 3600.0)
    hist = twin.history()
    if "unix_s" in hist:
        keep = hist["unix_s"] >= start_unix - 60
        hist = {k: v[keep] for k, v in hist.items()}
    if not options.db.startswith(("postgresql://", "postgres://")):
        # the element sets the ground used, newest last: for `serve` and `passes --tle`
        tle_path = Path(options.db).with_suffix(".tle")
        tle_path.write_text("".join(f"{es.name}\n{es.line1}\n{es.line2}\n" for _, es in element_sets[-1:]))
        extra_tle = str(tle_path)
    else:
        extra_tle = None
    points = archive.count_points()
    packets_received = archive.packet_counts()
    events = archive.events()
    from picodragon.mission.report import archived_overlays, last_packet

    archived = archived_overlays(archive, dictionary)
    last_housekeeping = last_packet(archive, dictionary)
    archive.close()
    ops = operator.summary() if operator is not None else {
        "images_received": 0, "commands_sent": 0, "commands_executed": 0}
    temps = [v for k, v in hist.items() if k.startswith("temperature_") and k.endswith("_c")]
    temp_all = np.concatenate(temps) if temps else np.array([np.nan])
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
        "frames_sent": engine.frames_sent - frames_before,
        "frames_received": received["frames"],
        "telemetry_points": points,
        "images_captured": int(getattr(engine.fsw, "images_captured", 0)),
        "images_received": ops["images_received"],
        "commands_sent": ops["commands_sent"],
        "commands_executed": ops["commands_executed"],
        "battery_soc_min": _round(np.nanmin(hist["battery_soc"])) if "battery_soc" in hist else None,
        "temperature_c_min": _round(np.nanmin(temp_all)),
        "temperature_c_max": _round(np.nanmax(temp_all)),
        "reentry": iso_z(reentry_unix) if reentry_unix is not None else None,
        "db": options.db,
        "seed": seed,
        "fidelity": fidelity,
    }
    first = received["first_contact"]
    extra = {
        "data_volume_bytes": received["bytes"],
        "first_contact": None if first is None else {"time": iso_z(first[0]), "station": first[1],
                                                     "hours_after_start": (first[0] - start_unix) / 3600},
        "energy": _energy_balance(hist),
        "energy_ledger": twin.energy_ledger(),  # the twin's energy books (Twin.energy_ledger)
        "events": events,
        "archived": archived,
        "last_housekeeping": last_housekeeping,
        "packets": packets_received,
        "faults": fault_log,
        "resets": {"watchdog": engine.watchdog_resets, "brownout": engine.brownout_resets},
        "cw_beacons": engine.cw_beacons,
        "companions": [tally for _, _, tally in companions],
        "operator": operator,
        "tle": extra_tle,
        "element_sets": [{"published": when, "line1": es.line1, "line2": es.line2} for when, es in element_sets],
    }
    if companions:
        summary["companions"] = [tally for _, _, tally in companions]
    result = RunResult(scenario, summary, hist, pass_records, options.db, extra=extra, dictionary=dictionary)
    if options.report:
        from picodragon.mission.report import write_report

        write_report(result, options.report)
        result.report = options.report
        summary["report"] = options.report
    return result


def _energy_balance(hist: dict[str, np.ndarray]) -> dict[str, float] | None:
    """Energy in from the cells and out to the loads over the run (Wh)."""
    if not {"unix_s", "solar_power_w", "bus_power_w"} <= set(hist) or len(hist["unix_s"]) < 2:
        return None
    t = hist["unix_s"]
    solar = float(np.trapezoid(np.nan_to_num(hist["solar_power_w"]), t)) / 3600
    bus = float(np.trapezoid(np.nan_to_num(hist["bus_power_w"]), t)) / 3600
    return {"solar_wh": solar, "loads_wh": bus, "net_wh": solar - bus,
            "days": float((t[-1] - t[0]) / 86400)}


def _round(value: float) -> float | None:
    value = float(value)
    return None if np.isnan(value) else round(value, 4)

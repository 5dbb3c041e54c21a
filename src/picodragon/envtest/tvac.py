"""The thermal-vacuum test with the flight software running and the ground watching (EGSE).

In a real thermal-vacuum test the spacecraft is powered in the chamber and its team watches it
through its own ground software. Here the flight software runs against the twin in the chamber
(``chamber.ChamberTwin``) through the mission engine (``mission.engine.Engine`` with the twin
passed in), over the whole profile; the ground station of the mission (its first) hears the
spacecraft's radio over a short link from the chamber's RF window to the station's antenna at a
fixed ``BENCH_RANGE_M`` (the real link budget at that range, the real frame formats), decodes
and archives every frame as in flight, and writes its state for mission control's pass console
during the run (every ``STATE_EVERY_S`` and after each plateau's tests), so ``picodragon web --db
ARCHIVE`` shows the test live as it would a pass. That state says ``link: "bench"`` and carries
the chamber's (``chamber_state``: profile step, plateau, set point, shroud and platen) and the
functional tests so far: the archive's station state is the contract with the web, which knows
nothing of the chamber otherwise.

At each plateau, when the planned dwell begins (the plateau's start plus the profile's soak), a
scripted functional test runs with the ground's own tools (``ground.commanding``: queued,
released, signed, sent, acknowledged, completed): the beacon was heard during the plateau, a
NOOP is accepted and completes, an image is captured (CAPTURE_IMAGE completes and the flight
software counts one more image). The laboratory's thermocouples (the twin's node temperatures
plus logger noise, the shroud set point) make the test log the analysis reads
(``tvac_analysis.analyse``) and the correlation fits; it is written beside the archive.

The flight software runs at its own rates for the whole test (the engine's ``full`` fidelity);
the twin in the chamber integrates a step in about 20 us, so a 17 h profile takes seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from picodragon.envtest import results as rs
from picodragon.envtest.chamber import Chamber, ChamberTwin
from picodragon.envtest.tvac_analysis import TvacLog, analyse, write_csv
from picodragon.envtest.tvac_profile import Profile, load_profile
from picodragon.mission.engine import Engine
from picodragon.physics import thermal as th

BENCH_RANGE_M = 3.0
"""from the chamber's RF window to the ground station's antenna in the laboratory (assumption)"""
TEST_BEFORE_EJECTION_S = 120 * 86400.0
"""default start of the test: four months before the deployment (a 2013 ISS CubeSat was handed
over months before its launch: assumption)"""
STATE_EVERY_S = 300.0
"""how often the station's state is written for the pass console (simulated s)"""
THERMOCOUPLE_NOISE_C = 0.2
"""noise of the laboratory's thermocouples (type T on a lab logger: assumption)"""
RESPONSE_WAIT_S = 180.0
"""how long the test waits for a command to complete (s)"""
SOURCE_FUNCTIONAL = "GSFC-STD-7000A 2.6.2.4 (functional tests at the plateaus; as recalled)"


class BenchEngine(Engine):
    """The engine with the spacecraft on the bench: the station always hears it, at a fixed range."""

    def _ensure_tracks(self, t: float) -> None:
        self._coupled = None

    def _refresh_tracks(self, t: float) -> None:
        self._coupled = None

    def geometry(self, station: str, unix_s: float) -> tuple[float, float, float]:
        return 90.0, BENCH_RANGE_M, 0.0

    def visible(self, station: str, unix_s: float) -> bool:
        return station in self.stations


def chamber_state(profile: Profile, twin: ChamberTwin, t_s: float) -> dict[str, Any]:
    """Where the test is, for the pass console (``link: "bench"`` in the station's state): the
    profile's step (1-based segment of its set-point timeline, ``steps`` in all), whether that
    step is a ramp or a plateau (and which plateau: "cycle N hot|cold"), the set point and the
    shroud and platen temperatures now (C; the chamber model holds the platen at the shroud's
    temperature, ``ChamberTwin.shroud_c``), the control node's temperature (C) and the time into
    the profile (h) of its whole length."""
    times, temps = profile.timeline()
    step = int(min(max(np.searchsorted(times, t_s, side="right") - 1, 0), len(times) - 2))
    plateau = next((f"cycle {p.cycle} {p.kind}" for p in profile.plateaus() if p.start_s <= t_s < p.end_s), None)
    phase = "plateau" if plateau is not None else "done" if t_s >= times[-1] else "ramp"
    unix_s = twin.start_unix + t_s
    shroud = twin.shroud_c(unix_s)
    node = twin.chamber.control_node
    node_c = None if node is None else float(twin.state.temperatures_c[th.NODE_NAMES.index(node)])
    return {"profile": profile.name, "title": profile.title, "step": step + 1, "steps": len(times) - 1,
            "phase": phase, "plateau": plateau, "setpoint_c": round(twin.setpoint_c(unix_s), 2),
            "shroud_c": round(shroud, 2), "platen_c": round(shroud, 2), "control_node": node,
            "control_node_c": None if node_c is None else round(node_c, 2),
            "hours": round(t_s / 3600.0, 3), "total_hours": round(profile.duration_s / 3600.0, 3)}


def _mission(mission: Any):
    from picodragon.config.mission import Mission, as_mission, load_mission

    if isinstance(mission, Mission):
        return mission
    if isinstance(mission, str | Path) or mission is None:
        return load_mission(mission)
    return as_mission(mission)


def run_tvac(mission: Any, profile: Profile | str, archive_path: str | Path, seed: int = 0,
             progress: Callable[[float, float], None] | None = None, *, start_unix: float | None = None,
             chamber: Chamber | None = None, log_path: str | Path | None = None) -> dict[str, Any]:
    """Fly the flight software through the profile in the chamber; the result (kind 'tvac').

    mission: a Mission, a Scenario or a name/folder/file; profile: a Profile or its name;
    archive_path: the ground's archive (SQLite file or PostgreSQL URL), written afresh;
    progress(done_s, total_s): called as simulated time passes; log_path: the thermocouple
    CSV (default: beside the archive, ``<archive stem>-thermocouples.csv``).
    """
    from picodragon.ground.archive import open_archive
    from picodragon.ground.commanding import CommandQueue, Stage
    from picodragon.ground.station import GroundStation
    from picodragon.mission.clock import iso_z

    wall = time.perf_counter()
    mission = _mission(mission)
    scenario, dictionary = mission.scenario, mission.dictionary
    profile = profile if isinstance(profile, Profile) else load_profile(profile)
    if not scenario.stations:
        raise ValueError(f"scenario {scenario.name!r} has no ground station to watch the test")
    station = scenario.stations[0]
    if start_unix is None:
        start_unix = scenario.deployment.ejection_time.timestamp() - TEST_BEFORE_EJECTION_S
    chamber = chamber or Chamber()
    twin = ChamberTwin(scenario, start_unix, profile.setpoint_at, seed=seed, chamber=chamber,
                       initial_c=profile.ambient_c)
    key = np.random.default_rng([seed, 0xC0DE]).bytes(32)
    engine = BenchEngine(scenario, seed, fidelity="full", auth_key=key, dictionary=dictionary, twin=twin)
    archive = open_archive(str(archive_path), reset=True, dictionary=dictionary)
    archive.remember_mission(scenario.name, scenario.model_dump_json())
    radio = scenario.spacecraft.radio
    source = f"{radio.callsign}-{radio.ssid}" if radio.ssid else radio.callsign
    ground = GroundStation(station.name, archive, radio.downlink_frequency_hz, spacecraft_callsigns=[source],
                           mission_start_unix_s=start_unix, dictionary=dictionary)
    queue = CommandQueue(archive, key, ack_timeout_s=60.0, completion_timeout_s=600.0, dictionary=dictionary)
    ground.add_listener(queue.on_decoded)
    heard: list[float] = []
    lines: list[str] = []
    tests: list[list[Any]] = []
    total_s = profile.duration_s
    end_unix = start_unix + total_s
    state_due = {"t": start_unix}

    def say(t: float, text: str) -> None:
        lines.append(f"{iso_z(t, 'seconds')} {text}")
        del lines[:-20]

    def write_state(t: float) -> None:
        archive.write_station_state(station.name, {
            "time": iso_z(t, "seconds"), "unix_s": float(t),
            "commanded": {"azimuth_deg": 0.0, "elevation_deg": 90.0}, "rotator_pointed": None,
            "rig_downlink_hz": radio.downlink_frequency_hz, "rig_uplink_hz": radio.uplink_frequency_hz,
            "rig": "ok", "rotator": "none", "errors": 0, "log": list(lines),
            "link": "bench", "bench_range_m": BENCH_RANGE_M,
            "chamber": chamber_state(profile, twin, t - start_unix),
            "functional_tests": [{"plateau": r[0], "test": r[1], "passed": r[2], "time": r[3], "detail": r[5]}
                                 for r in tests],
        })

    def on_frame(unix_s: float, frame: bytes, receptions) -> None:
        for rx in receptions:
            if rx.frame is not None:
                ground.receive(rx.frame, unix_s)
                heard.append(unix_s)

    def on_step(t: float) -> None:
        for frame in queue.uplink_frames(t, radio.ground_callsign, source, limit=3):
            engine.uplink(station.name, frame, t)
        if t >= state_due["t"]:
            write_state(t)
            state_due["t"] = t + STATE_EVERY_S

    def on_progress(t: float) -> None:
        if progress is not None:
            progress(min(t, end_unix) - start_unix, total_s)

    def run_to(t: float) -> None:
        engine.run_until(min(t, end_unix), on_frame=on_frame, on_step=on_step, on_progress=on_progress)

    def command(name: str, arguments: dict[str, float], t: float) -> tuple[bool, str]:
        record = queue.queue(name, arguments, t)
        queue.release(record.id, t)
        run_to(t + RESPONSE_WAIT_S)
        queue.check_timeouts(engine.time)
        return record.stage == Stage.COMPLETED, str(record.stage)

    verdicts = []
    for plateau in profile.plateaus():
        t_test = start_unix + plateau.start_s + profile.soak_h * 3600.0
        run_to(t_test)
        t = engine.time
        label = f"cycle {plateau.cycle} {plateau.kind}"
        n_heard = sum(1 for h in heard if start_unix + plateau.start_s <= h <= t)
        outcome = [("beacon heard", n_heard > 0, f"{n_heard} frames since the plateau began")]
        ok, stage = command("NOOP", {}, t)
        outcome.append(("command accepted and verified (NOOP)", ok, stage))
        images = int(getattr(engine.fsw, "images_captured", 0))
        ok, stage = command("CAPTURE_IMAGE", {"at_time": 0}, engine.time)
        captured = int(getattr(engine.fsw, "images_captured", 0)) - images
        outcome.append(("image captured (CAPTURE_IMAGE)", ok and captured > 0, f"{stage}, {captured} image"))
        for test, passed, detail in outcome:
            tests.append([label, test, passed, iso_z(t, "seconds"), round((t - start_unix) / 3600, 3), detail])
            verdicts.append(rs.verdict(f"{label}: {test}", detail, "passed", "", passed, SOURCE_FUNCTIONAL))
            say(t, f"functional test {label}: {test}: {'passed' if passed else 'FAILED'} ({detail})")
        write_state(engine.time)
    run_to(end_unix)
    write_state(engine.time)
    if progress is not None:
        progress(total_s, total_s)
    packets = archive.packet_counts()
    archive.close()

    hist = twin.history()
    rng = np.random.default_rng([seed, 0x7C])
    t_rel = hist["unix_s"] - start_unix
    channels = {"setpoint": hist["setpoint_c"],
                "shroud": hist["shroud_c"] + rng.normal(0.0, THERMOCOUPLE_NOISE_C, len(t_rel))}
    for name in th.NODE_NAMES:
        y = hist[f"temperature_{name}_c"]
        channels[name] = y + rng.normal(0.0, THERMOCOUPLE_NOISE_C, len(y))
    # power channels: the mean from each sample to the next (the rows hold the mean up to them)
    powers = {name: np.append(hist[key][1:], hist[key][-1]) for name, key in
              (("bus", "bus_power_w"), ("heater", "heater_w"), ("rf", "rf_w"), ("battery_charge", "battery_w"))}
    log = TvacLog(t_rel, channels, powers, start_unix)
    archive_text = str(archive_path)
    if log_path is None and not archive_text.startswith(("postgresql://", "postgres://")):
        log_path = Path(archive_text).with_name(Path(archive_text).stem + "-thermocouples.csv")
    if log_path is not None:
        write_csv(log, log_path, comment=f"thermal vacuum {profile.name}, {scenario.name}, start {iso_z(start_unix)}")
    res = analyse(log, profile)
    res["verdicts"] = res["verdicts"] + verdicts
    res["tables"]["functional_tests"] = rs.table(["plateau", "test", "passed", "time", "hours", "detail"], tests)
    soc = hist["battery_soc"]
    res["series"]["battery state of charge"] = rs.series(t_rel / 3600, soc, "h", "")
    res.update({
        "title": f"Thermal vacuum with the flight software running: {profile.title}",
        "archive": archive_text, "thermocouple_log": None if log_path is None else str(log_path),
        "start": iso_z(start_unix), "end": iso_z(engine.time), "scenario": scenario.name,
        "frames_sent": engine.frames_sent, "frames_received": len(heard), "packets": packets,
        "images_captured": int(getattr(engine.fsw, "images_captured", 0)),
        "sim_hours": round(total_s / 3600, 3), "wall_seconds": round(time.perf_counter() - wall, 3),
        "seed": seed,
    })
    rs.validate(res)
    return res

"""Procedures: loading with one-line errors, and runs against the command queue and the archive
(a simulated station answers inside the run's sleep), hazardous commands stopped until confirmed."""

from __future__ import annotations

from pathlib import Path

import pytest

from picodragon.dictionary.loader import load_dictionary
from picodragon.ground.procedures import (
    ArchiveProcedureGround,
    ProcedureError,
    ProcedureRun,
    load_procedure,
    parse_procedure,
)
from picodragon.ground.station import GroundStation
from tests.ground.helpers import hk_frame

CORE = load_dictionary()
KEY = bytes(range(32))

SAFE_AND_RESET = """
name = "Safe, then reset"
[[steps]]
command = "SET_MODE"
arguments = { mode = "SAFE" }
[[steps]]
wait_for = "acknowledged"
timeout = 30
[[steps]]
check = "HOUSEKEEPING.battery_voltage_v"
op = ">="
value = 7.5
within = 20
[[steps]]
command = "RESET_SOFTWARE"
[[steps]]
wait = 5
"""


class SimClock:
    """The run's clock and sleep; each sleep lets the 'station' act (uplink and answers)."""

    def __init__(self, station=None) -> None:
        self.t = 1.4e9
        self.station = station

    def __call__(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += seconds
        if self.station is not None:
            self.station(self.t)


@pytest.fixture
def ground(tmp_path):
    g = ArchiveProcedureGround(str(tmp_path / "p.sqlite"), KEY, CORE)
    yield g
    g.close()


def answering_station(ground, stage: int = 0):
    """Uplinks what is released and answers each command with ``stage`` (0 ACCEPTED, 2 FAILED);
    the housekeeping beacon says 7.9 V."""
    station = GroundStation("Hanoi", ground.archive, 437.365e6)

    def act(now: float) -> None:
        for record in ground.queue.uplink(now):
            ground.queue.on_response({"counter": record.counter, "opcode": record.opcode,
                                      "stage": stage, "code": 0}, now)
        station.receive(hk_frame(now), now)

    return act


def test_a_procedure_runs_and_stops_before_a_hazardous_command_until_confirmed(ground):
    procedure = parse_procedure(SAFE_AND_RESET, CORE)
    assert procedure.hazardous_commands() == ["RESET_SOFTWARE"]
    assert procedure.steps[0].arguments == {"mode": 5.0}  # SAFE's code in the core modes
    clock = SimClock(answering_station(ground))
    run = ProcedureRun(procedure, ground, clock=clock, sleep=clock.sleep)
    assert run.run() == "needs_confirmation" and run.waiting_for == "RESET_SOFTWARE"
    assert [r.outcome for r in run.results] == ["ok", "ok", "ok", "needs_confirmation"]
    assert "7.9" in run.results[2].detail
    assert [c.name for c in ground.queue.history()] == ["SET_MODE"]  # nothing hazardous went out
    assert run.run(confirmed={"reset_software"}) == "done"
    assert [r.outcome for r in run.results] == ["ok"] * 5
    assert [c.name for c in ground.queue.history()] == ["SET_MODE", "RESET_SOFTWARE"]


def test_an_interactive_confirmation_releases_the_hazardous_command(ground):
    clock = SimClock(answering_station(ground))
    asked = []
    run = ProcedureRun(parse_procedure(SAFE_AND_RESET, CORE), ground, clock=clock, sleep=clock.sleep)
    assert run.run(confirm=lambda step: asked.append(step.command) or True) == "done"
    assert asked == ["RESET_SOFTWARE"]


def test_a_failed_command_or_a_check_that_never_holds_stops_the_run(ground):
    clock = SimClock(answering_station(ground, stage=3))  # REJECTED
    run = ProcedureRun(parse_procedure(SAFE_AND_RESET, CORE), ground, clock=clock, sleep=clock.sleep)
    assert run.run() == "failed" and run.results[-1].outcome == "failed"
    assert "failed" in run.results[-1].detail
    low = SAFE_AND_RESET.replace("value = 7.5", "value = 9.5")
    clock = SimClock(answering_station(ground))
    run = ProcedureRun(parse_procedure(low, CORE), ground, clock=clock, sleep=clock.sleep)
    assert run.run() == "failed" and run.position == 3
    assert run.results[-1].detail == "HOUSEKEEPING.battery_voltage_v = 7.9"


def test_a_wait_for_without_an_answer_times_out(ground):
    clock = SimClock()  # no station: nothing is ever sent
    run = ProcedureRun(parse_procedure(SAFE_AND_RESET, CORE), ground, clock=clock, sleep=clock.sleep)
    assert run.run() == "failed" and run.results[-1].outcome == "timed_out"
    assert clock.t - 1.4e9 == pytest.approx(30.0, abs=1.0)


def test_a_dry_run_sends_nothing(ground):
    run = ProcedureRun(parse_procedure(SAFE_AND_RESET, CORE), None, dry_run=True)
    assert run.run() == "done"
    assert [r.outcome for r in run.results] == ["dry_run"] * 5
    assert not ground.queue.history()


@pytest.mark.parametrize(("text", "words"), [
    ("steps = [", "not valid TOML"),
    ("name = 'x'", "no steps"),
    ("[[steps]]\ncommand = 'FLY_TO_MARS'", "step 1: no command 'FLY_TO_MARS'"),
    ("[[steps]]\ncommand = 'SET_MODE'\narguments = { mode = 'WARP' }", "step 1: SET_MODE: mode = 'WARP'"),
    ("[[steps]]\ncommand = 'SET_MODE'", "argument mode is missing"),
    ("[[steps]]\nwait_for = 'sent'\ntimeout = 5", "step 1: wait_for needs a command step before it"),
    ("[[steps]]\ncommand = 'NOOP'\n[[steps]]\nwait_for = 'eaten'\ntimeout = 5", "step 2: wait_for: 'eaten'"),
    ("[[steps]]\nwait = -1", "step 1: wait must lie in"),
    ("[[steps]]\nwait = 1\ncommand = 'NOOP'", "exactly one of"),
    ("[[steps]]\ncheck = 'HOUSEKEEPING.warp'\nop = '>'\nvalue = 1\nwithin = 5", "no point 'HOUSEKEEPING.warp'"),
    ("[[steps]]\ncheck = 'HOUSEKEEPING.mode'\nop = '=~'\nvalue = 1\nwithin = 5", "op must be one of"),
    ("[[steps]]\nwait = 1\nspeed = 2", "unknown key 'speed'"),
])
def test_a_bad_procedure_is_one_line_naming_the_step(text, words):
    with pytest.raises(ProcedureError) as caught:
        parse_procedure(text, CORE, name="p.toml")
    message = str(caught.value)
    assert "\n" not in message and message.startswith("p.toml: ") and words in message


def test_yaml_procedures_load_as_toml_ones(tmp_path: Path):
    path = tmp_path / "p.yaml"
    path.write_text("name: noop\nsteps:\n  - command: NOOP\n  - wait_for: completed\n    timeout: 60\n")
    procedure = load_procedure(path, CORE)
    assert [s.kind for s in procedure.steps] == ["command", "wait_for"]
    with pytest.raises(ProcedureError, match="cannot read"):
        load_procedure(tmp_path / "absent.toml", CORE)


def test_the_packaged_missions_procedures_load_with_their_dictionary():
    from importlib import resources

    from tests.ground.helpers import reference_dictionary

    folder = resources.files("picodragon") / "missions" / "picodragon" / "procedures"
    files = sorted(p for p in folder.iterdir() if p.name.endswith(".toml"))
    assert files
    for path in files:
        procedure = load_procedure(Path(str(path)), reference_dictionary())
        assert procedure.steps and procedure.description
    assert "RESET_SOFTWARE" in load_procedure(Path(str(folder / "software-reset.toml")),
                                              reference_dictionary()).hazardous_commands()

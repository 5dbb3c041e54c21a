"""Procedures: a list of commands with waits and checks, run step by step against the ground.

A procedure (a command stack, in Yamcs's word; a script, in COSMOS's) is a TOML or YAML file::

    name = "Safe and back"
    description = "Put the spacecraft in SAFE, see it answer, check the battery"

    [[steps]]
    command = "SET_MODE"
    arguments = { mode = "SAFE" }      # a number, or an enumeration's label

    [[steps]]
    wait_for = "acknowledged"          # a stage of the previous command
    timeout = 120                      # seconds

    [[steps]]
    wait = 10                          # seconds

    [[steps]]
    check = "HOUSEKEEPING.battery_voltage_v"
    op = ">="                          # <, <=, ==, !=, >=, >
    value = 7.2
    within = 60                        # seconds to see it hold in the archive's newest packet

:func:`load_procedure` checks the whole file against the mission's dictionary before anything
runs (every command and argument, every point), and refuses it with one line naming the step
(:class:`ProcedureError`). :class:`ProcedureRun` then runs it: a command is queued and released
for the next pass through the ground's command queue (so the station that holds the contact,
or the simulated one, uplinks it and the lifecycle lands in the archive), a ``wait_for`` watches
that command's stages in the archive (a failed, timed-out or cancelled command, or the timeout,
stops the procedure), a ``check`` reads the newest value of the point until the condition holds
or its window closes. Each step's outcome is logged and kept.

A hazardous command (``hazardous = true`` in the dictionary) is released only when its name is
among the confirmed ones (``--confirm NAME`` on the command line, the name typed back in mission
control) or an interactive ``confirm`` callback says yes; otherwise the run stops before that
step (outcome ``needs_confirmation``) and can go on from there once confirmed
(:meth:`ProcedureRun.run` again). A dry run checks and logs every step and sends nothing.

Time is the caller's (``clock``, ``sleep``), so a run can follow a simulated clock; every wait
is bounded by its own timeout.
"""

from __future__ import annotations

import logging
import math
import operator
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from picodragon.dictionary import Command, Dictionary
from picodragon.dictionary.telecommand import pack_telecommand

log = logging.getLogger(__name__)

#: the comparison operators a check may use
OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt, "<=": operator.le, "==": operator.eq,
    "!=": operator.ne, ">=": operator.ge, ">": operator.gt,
}
#: the stages a ``wait_for`` may name, in lifecycle order (the ground's command stages)
WAITABLE = ("released", "sent", "acknowledged", "scheduled", "completed")
#: final stages that end a wait as a failure
FAILED_STAGES = frozenset({"failed", "timed_out", "cancelled"})
#: longest wait, timeout or check window a step may ask for (a day, in seconds)
MAX_WAIT_S = 86400.0
#: most steps in one procedure
MAX_STEPS = 500
#: how often a wait_for or a check looks at the archive again (seconds of the run's clock)
POLL_S = 1.0

_KINDS = ("command", "wait", "wait_for", "check")
_KEYS = {
    "command": {"command", "arguments", "comment"},
    "wait": {"wait", "comment"},
    "wait_for": {"wait_for", "timeout", "comment"},
    "check": {"check", "op", "value", "within", "comment"},
}


class ProcedureError(ValueError):
    """A procedure file that cannot run; one line naming the file and the step."""


@dataclass(frozen=True)
class Step:
    """One step: ``kind`` is command, wait, wait_for or check; the rest as the kind needs."""

    kind: str
    command: str = ""
    arguments: dict[str, float] = field(default_factory=dict)
    hazardous: bool = False
    seconds: float = 0.0
    stage: str = ""
    point: str = ""
    op: str = ""
    value: float = 0.0

    def describe(self) -> str:
        """The step as one line of the log."""
        if self.kind == "command":
            args = " ".join(f"{k}={v:g}" for k, v in self.arguments.items())
            return f"command {self.command}{' ' + args if args else ''}{' (hazardous)' if self.hazardous else ''}"
        if self.kind == "wait":
            return f"wait {self.seconds:g} s"
        if self.kind == "wait_for":
            return f"wait_for {self.stage} of the previous command within {self.seconds:g} s"
        return f"check {self.point} {self.op} {self.value:g} within {self.seconds:g} s"

    def to_json(self) -> dict[str, Any]:
        """The step as mission control shows it."""
        return {"kind": self.kind, "text": self.describe(), "command": self.command or None,
                "hazardous": self.hazardous}


@dataclass(frozen=True)
class Procedure:
    """A checked procedure: its name, description and steps."""

    name: str
    description: str
    steps: tuple[Step, ...]

    def hazardous_commands(self) -> list[str]:
        """The names of its hazardous commands, each once, in order."""
        return list(dict.fromkeys(s.command for s in self.steps if s.hazardous))

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "description": self.description,
                "steps": [s.to_json() for s in self.steps],
                "hazardous": self.hazardous_commands()}


def _seconds(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{what} must be a number of seconds")
    if not 0.0 <= value <= MAX_WAIT_S:
        raise ValueError(f"{what} must lie in 0 .. {MAX_WAIT_S:g} s")
    return float(value)


def _arguments(command: Command, given: Any) -> dict[str, float]:
    """The command's arguments as numbers (an enumeration's label gives its code), checked as
    the command queue will check them."""
    if not isinstance(given, dict):
        raise ValueError("arguments must be a table of name = value")
    expected = {a.name: a for a in command.arguments}
    for name in given:
        if name not in expected:
            raise ValueError(f"{command.name} takes no argument {name!r}")
    out: dict[str, float] = {}
    for name, arg in expected.items():
        if name not in given:
            raise ValueError(f"{command.name}: argument {name} is missing")
        value = given[name]
        if isinstance(value, str) and arg.enum:
            codes = {label.upper(): code for code, label in arg.enum.items()}
            if value.upper() not in codes:
                raise ValueError(f"{command.name}: {name} = {value!r} is not one of {sorted(codes)}")
            value = codes[value.upper()]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{command.name}: {name} must be a number")
        out[name] = float(value)
    try:
        pack_telecommand(command, out)
    except (ValueError, OverflowError) as exc:
        raise ValueError(str(exc)) from None
    return out


def _step(item: Any, dictionary: Dictionary, after_command: bool) -> Step:
    if not isinstance(item, dict):
        raise ValueError("a step must be a table")
    kinds = [k for k in _KINDS if k in item]
    if len(kinds) != 1:
        raise ValueError(f"a step has exactly one of {', '.join(_KINDS)}")
    kind = kinds[0]
    unknown = sorted(set(item) - _KEYS[kind])
    if unknown:
        raise ValueError(f"{kind} step: unknown key {unknown[0]!r}")
    if kind == "command":
        name = item["command"]
        command = dictionary.command(name) if isinstance(name, str) else None
        if command is None:
            raise ValueError(f"no command {name!r} in the mission's dictionary")
        return Step("command", command=command.name, hazardous=command.hazardous,
                    arguments=_arguments(command, item.get("arguments", {})))
    if kind == "wait":
        return Step("wait", seconds=_seconds(item["wait"], "wait"))
    if kind == "wait_for":
        if not after_command:
            raise ValueError("wait_for needs a command step before it")
        stage = item["wait_for"]
        if stage not in WAITABLE:
            raise ValueError(f"wait_for: {stage!r} is not one of {', '.join(WAITABLE)}")
        if "timeout" not in item:
            raise ValueError("wait_for needs a timeout (seconds)")
        return Step("wait_for", stage=stage, seconds=_seconds(item["timeout"], "timeout"))
    point, op, value = item["check"], item.get("op"), item.get("value")
    if not isinstance(point, str) or point.count(".") != 1:
        raise ValueError(f"check: {point!r} is not a point PACKET.field")
    packet_name, field_name = point.split(".")
    packet = dictionary.packet(packet_name)
    if packet is None or not any(f.name == field_name for f in packet.fields):
        raise ValueError(f"check: no point {point!r} in the mission's dictionary")
    if op not in OPERATORS:
        raise ValueError(f"check: op must be one of {' '.join(OPERATORS)}")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError("check: value must be a number")
    if "within" not in item:
        raise ValueError("check needs within (seconds)")
    return Step("check", point=point, op=op, value=float(value),
                seconds=_seconds(item["within"], "within"))


def parse_procedure(text: str, dictionary: Dictionary, *, name: str = "procedure",
                    yaml: bool = False) -> Procedure:
    """A procedure from its text (TOML, or YAML when ``yaml``), checked against ``dictionary``;
    ProcedureError with one line otherwise. ``name``: what the errors call it (its file name)."""
    try:
        if yaml:
            import yaml as pyyaml

            data = pyyaml.safe_load(text)
        else:
            data = tomllib.loads(text)
    except Exception as exc:  # noqa: BLE001 - any parse failure is one line for the operator
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ProcedureError(f"{name}: not valid {'YAML' if yaml else 'TOML'}: {first}") from None
    if not isinstance(data, dict):
        raise ProcedureError(f"{name}: a procedure is a table with steps")
    steps = data.get("steps")
    if not isinstance(steps, list) or not steps:
        raise ProcedureError(f"{name}: no steps (give [[steps]] tables)")
    if len(steps) > MAX_STEPS:
        raise ProcedureError(f"{name}: {len(steps)} steps, at most {MAX_STEPS}")
    unknown = sorted(set(data) - {"name", "description", "steps"})
    if unknown:
        raise ProcedureError(f"{name}: unknown key {unknown[0]!r}")
    out: list[Step] = []
    for i, item in enumerate(steps, 1):
        try:
            out.append(_step(item, dictionary, any(s.kind == "command" for s in out)))
        except ValueError as exc:
            raise ProcedureError(f"{name}: step {i}: {exc}") from None
    return Procedure(str(data.get("name", name)), str(data.get("description", "")), tuple(out))


def load_procedure(path: str | Path, dictionary: Dictionary) -> Procedure:
    """A procedure file (``.toml``, or ``.yaml``/``.yml``), checked; ProcedureError otherwise."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProcedureError(f"{path}: cannot read: {exc}") from None
    return parse_procedure(text, dictionary, name=path.name,
                           yaml=path.suffix.lower() in (".yaml", ".yml"))


class Ground(Protocol):
    """What a procedure needs of the ground: send a command, and read the archive."""

    def send(self, name: str, arguments: dict[str, float], now: float) -> int:
        """Queue and release a command for the next pass; its id."""

    def stages(self, command_id: int) -> list[str]:
        """The stages the command has reached, in order."""

    def latest(self, point: str) -> float | None:
        """The newest archived value of ``PACKET.field`` (None: none yet)."""


@dataclass
class StepResult:
    """What one step did: ``outcome`` is ok, failed, timed_out, needs_confirmation or dry_run."""

    index: int
    text: str
    outcome: str
    detail: str = ""
    command_id: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "text": self.text, "outcome": self.outcome,
                "detail": self.detail, "command_id": None if self.command_id is None else str(self.command_id)}


class ProcedureRun:
    """One run of a procedure: :meth:`run` goes on from where it stopped.

    ``status``: ``ready`` before it starts, ``needs_confirmation`` when stopped before a
    hazardous command (``waiting_for``: its name), ``failed`` when a step failed, ``done``.
    """

    def __init__(self, procedure: Procedure, ground: Ground | None, *,
                 clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep,
                 dry_run: bool = False,
                 on_step: Callable[[StepResult], None] | None = None) -> None:
        """``ground``: where commands go and checks read (None only for a dry run);
        ``on_step``: told of each step's result as it ends (a log, a page)."""
        if ground is None and not dry_run:
            raise ValueError("a procedure needs the ground unless it is a dry run")
        self.procedure = procedure
        self.ground = ground
        self.clock = clock
        self.sleep = sleep
        self.dry_run = dry_run
        self.on_step = on_step
        self.results: list[StepResult] = []
        self.position = 0
        self.status = "ready"
        self.waiting_for: str | None = None
        self.confirmed: set[str] = set()
        self._last_command: int | None = None

    def run(self, confirmed: set[str] | frozenset[str] = frozenset(),
            confirm: Callable[[Step], bool] | None = None) -> str:
        """Run the steps from where the run stands; the status it ends in.

        ``confirmed``: names of hazardous commands the operator confirmed (kept for the rest of
        the run); ``confirm``: asked about a hazardous command not confirmed by name (an
        interactive prompt), None to stop before it.
        """
        if self.status in ("done", "failed"):
            return self.status
        self.confirmed |= {c.upper() for c in confirmed}
        self.status, self.waiting_for = "running", None
        steps = self.procedure.steps
        while self.position < len(steps):
            step = steps[self.position]
            if (step.kind == "command" and step.hazardous and not self.dry_run
                    and step.command not in self.confirmed):
                if confirm is not None and confirm(step):
                    self.confirmed.add(step.command)
                else:
                    self._log(StepResult(self.position + 1, step.describe(), "needs_confirmation",
                                         f"{step.command} is hazardous: confirm it by name"))
                    self.status, self.waiting_for = "needs_confirmation", step.command
                    return self.status
            result = self._do(step, self.position + 1)
            self._log(result)
            self.position += 1
            if result.outcome not in ("ok", "dry_run"):
                self.status = "failed"
                return self.status
        self.status = "done"
        return self.status

    def _log(self, result: StepResult) -> None:
        if self.results and self.results[-1].outcome == "needs_confirmation" \
                and self.results[-1].index == result.index:
            self.results.pop()  # the same step, now confirmed: its stop is replaced
        self.results.append(result)
        log.info("%s: step %d: %s: %s%s", self.procedure.name, result.index, result.text,
                 result.outcome, f" ({result.detail})" if result.detail else "")
        if self.on_step is not None:
            self.on_step(result)

    def _do(self, step: Step, index: int) -> StepResult:
        text = step.describe()
        if self.dry_run:
            return StepResult(index, text, "dry_run")
        assert self.ground is not None
        if step.kind == "command":
            try:
                cid = self.ground.send(step.command, dict(step.arguments), self.clock())
            except ValueError as exc:
                return StepResult(index, text, "failed", str(exc))
            self._last_command = cid
            return StepResult(index, text, "ok", "released", cid)
        if step.kind == "wait":
            self._pause(step.seconds)
            return StepResult(index, text, "ok")
        if step.kind == "wait_for":
            return self._wait_for(step, index, text)
        return self._check(step, index, text)

    def _pause(self, seconds: float) -> None:
        end = self.clock() + seconds
        for _ in range(int(seconds / POLL_S) + 2):  # bounded even if the clock stands still
            left = end - self.clock()
            if left <= 0:
                return
            self.sleep(min(left, POLL_S))

    def _poll(self, seconds: float, test: Callable[[], tuple[bool | None, str]]) -> tuple[bool | None, str]:
        """Ask ``test`` until it answers True or False (None: not yet) or ``seconds`` pass."""
        end = self.clock() + seconds
        answer, detail = test()
        for _ in range(int(seconds / POLL_S) + 2):
            if answer is not None or self.clock() >= end:
                break
            self.sleep(min(POLL_S, max(0.0, end - self.clock())))
            answer, detail = test()
        return answer, detail

    def _wait_for(self, step: Step, index: int, text: str) -> StepResult:
        cid = self._last_command
        assert self.ground is not None and cid is not None
        ground = self.ground

        def test() -> tuple[bool | None, str]:
            reached = ground.stages(cid)
            bad = [s for s in reached if s in FAILED_STAGES]
            if bad:
                return False, f"command #{cid} {bad[0]}"
            if step.stage in reached or (step.stage != "scheduled" and "completed" in reached):
                return True, f"command #{cid} {step.stage}"
            return None, f"command #{cid} is {reached[-1] if reached else 'unknown'}"

        answer, detail = self._poll(step.seconds, test)
        if answer is None:
            return StepResult(index, text, "timed_out", detail, cid)
        return StepResult(index, text, "ok" if answer else "failed", detail, cid)

    def _check(self, step: Step, index: int, text: str) -> StepResult:
        assert self.ground is not None
        ground = self.ground
        compare = OPERATORS[step.op]

        def test() -> tuple[bool | None, str]:
            value = ground.latest(step.point)
            if value is None:
                return None, f"no {step.point} in the archive"
            if compare(value, step.value):
                return True, f"{step.point} = {value:g}"
            return None, f"{step.point} = {value:g}"

        answer, detail = self._poll(step.seconds, test)
        return StepResult(index, text, "ok" if answer else "failed", detail)

    def to_json(self) -> dict[str, Any]:
        """The run as mission control shows it."""
        return {"procedure": self.procedure.to_json(), "status": self.status,
                "waiting_for": self.waiting_for, "position": self.position,
                "dry_run": self.dry_run, "steps": [r.to_json() for r in self.results]}


class ArchiveGround:
    """The ground a procedure runs against: a command queue over an archive (the station that
    holds the contact uplinks what it releases) and the archive's reader.

    ``queue``: a :class:`~picodragon.ground.commanding.CommandQueue`; ``reader``: a
    :class:`~picodragon.ground.archive.reader.Reader` over the same archive.
    """

    def __init__(self, queue, reader) -> None:
        self.queue = queue
        self.reader = reader

    def send(self, name: str, arguments: dict[str, float], now: float) -> int:
        """Queue and release; CommandError (a ValueError) if the queue refuses it."""
        record = self.queue.queue(name, arguments, now=now)
        self.queue.release(record.id, now)
        return int(record.id)

    def stages(self, command_id: int) -> list[str]:
        found = self.reader.commands(command_id=command_id)
        return [s["stage"] for s in found[0]["stages"]] if found else []

    def latest(self, point: str) -> float | None:
        packet, name = point.split(".", 1)
        row = self.reader.latest(packet)
        return None if row is None else row["values"].get(name)


class ArchiveProcedureGround(ArchiveGround):
    """:class:`ArchiveGround` over an archive it opens itself (``db``: SQLite path or PostgreSQL
    URL) with the uplink ``key`` and the mission's ``dictionary``; :meth:`close` when done."""

    def __init__(self, db: str, key: bytes, dictionary: Dictionary) -> None:
        from picodragon.ground.archive import open_archive
        from picodragon.ground.archive.pool import Database
        from picodragon.ground.archive.reader import Reader
        from picodragon.ground.commanding import CommandQueue

        self.archive = open_archive(db, dictionary=dictionary)
        self.database = Database(db)
        super().__init__(CommandQueue(self.archive, key, dictionary=dictionary), Reader(self.database))

    def close(self) -> None:
        self.database.close()
        self.archive.close()

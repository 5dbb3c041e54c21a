"""Commands from the browser: validated against the dictionary, then given to the ground's queue.

The form a user fills is generated from the dictionary (``form_spec``), and what comes back is
checked against the same declarations (``validate``): the command must exist, every argument
must be given, be a number of the right kind (an integer for integer wire types, a key of the
enumeration when there is one), and lie inside both the declared range and what the wire type
can carry. Anything else is refused with a message naming the argument, before the ground ever
sees it.

A valid command goes to the ground's :class:`picodragon.ground.commanding.CommandQueue`, which
signs it with the uplink key and keeps its append-only lifecycle in the archive (queued,
released, sent, acknowledged, scheduled, completed, or failed, timed out, cancelled): one
writer of the lifecycle for the web, the station and the runner alike. The web only adds who
asked (the audit log). Queueing is serialised within the process, since the queue numbers
commands by the highest counter in the archive.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from picodragon.astro.isotime import iso_z_or_none
from picodragon.dictionary import Command, Dictionary, Field, core
from picodragon.dictionary.packets import EPOCH_2000_UNIX, time_tag_problem

#: the core dictionary's commands by name (what the reference flight software obeys)
COMMANDS_BY_NAME: dict[str, Command] = {c.name: c for c in core().commands}
#: arguments that carry on-board UTC seconds since 2000-01-01 without saying so by an offset
#: (the core dictionary's CAPTURE_IMAGE.at_time and DUMP_*.since, in unit "s")
UTC_ARGUMENT_NAMES = frozenset({"at_time", "since"})


def utc_epoch(f: Field) -> float | None:
    """The Unix time of a field's zero when the field is a UTC time, else None.

    The dictionary has no time type, so the rule reads what it declares: unit ``s`` with an
    offset of 946684800 (2000-01-01 in Unix seconds) is a time whose engineering value is
    already Unix seconds (zero at 1970); unit ``s`` without an offset and a name the core
    dictionary gives its on-board times (``at_time``, ``since``) is seconds since 2000-01-01.
    """
    if f.unit != "s":
        return None
    if f.offset == EPOCH_2000_UNIX:
        return 0.0
    if f.offset == 0.0 and f.name in UTC_ARGUMENT_NAMES:
        return EPOCH_2000_UNIX
    return None


def utc_arguments(command: Command | None, arguments: Any) -> dict[str, str]:
    """The arguments of a command that are UTC times, as ISO 8601 with a Z (``{name: iso}``).

    Zero in an on-board time is the flight software's "now" or "everything kept", not
    2000-01-01, so it is left as a number; so is anything that is not a number.
    """
    if command is None or not isinstance(arguments, dict):
        return {}
    out: dict[str, str] = {}
    for a in command.arguments:
        epoch, value = utc_epoch(a), arguments.get(a.name)
        if epoch is None or isinstance(value, bool) or not isinstance(value, int | float):
            continue
        if epoch and value == 0 or not math.isfinite(value):
            continue
        iso = iso_z_or_none(epoch + value, "seconds")
        if iso is not None:
            out[a.name] = iso
    return out


class CommandError(ValueError):
    """A command the dictionary does not allow; one line naming what is wrong."""


def field_spec(f: Field) -> dict[str, Any]:
    lo, hi = f.raw_range()
    eng = sorted((f.from_raw(lo), f.from_raw(hi)))
    minimum = f.minimum if f.minimum is not None else eng[0]
    maximum = f.maximum if f.maximum is not None else eng[1]
    return {
        "name": f.name, "wire": f.wire, "unit": f.unit, "description": f.description,
        "integer": not f.is_float and f.scale == 1.0 and f.offset == 0.0,
        "minimum": minimum, "maximum": maximum, "utc_epoch_unix_s": utc_epoch(f),
        "enum": None if not f.enum else [
            {"value": k, "label": v} for k, v in sorted(f.enum.items())
            if (f.minimum is None or k >= f.minimum) and (f.maximum is None or k <= f.maximum)
        ],
    }


def form_spec(dictionary: Dictionary | None = None) -> list[dict[str, Any]]:
    """Every command of the mission's dictionary (default: the core one) with its arguments'
    types and ranges and whether it is hazardous (the form asks for its name typed back):
    what the commanding form is built from."""
    commands = (dictionary if dictionary is not None else core()).commands
    return [
        {"name": c.name, "opcode": c.opcode, "description": c.description, "hazardous": c.hazardous,
         "arguments": [field_spec(a) for a in c.arguments]}
        for c in commands
    ]


def validate(name: str, arguments: dict[str, Any],
             dictionary: Dictionary | None = None) -> tuple[Command, dict[str, float | int]]:
    """The command of the mission's dictionary (default: the core one) and its arguments in
    engineering units, or CommandError."""
    command = (dictionary if dictionary is not None else core()).command(name)
    if command is None:
        raise CommandError(f"no command {name!r} in the dictionary")
    if not isinstance(arguments, dict):
        raise CommandError("arguments must be an object of name: value")
    expected = {a.name for a in command.arguments}
    extra = set(arguments) - expected
    if extra:
        raise CommandError(f"{name} takes no argument {sorted(extra)[0]!r}")
    out: dict[str, float | int] = {}
    for a in command.arguments:
        if a.name not in arguments:
            raise CommandError(f"{name}: argument {a.name} is missing")
        spec = field_spec(a)
        value = arguments[a.name]
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise CommandError(f"{name}: {a.name} must be a number")
        if isinstance(value, str):
            try:
                value = float(value.strip())
            except ValueError:
                raise CommandError(f"{name}: {a.name} must be a number, not {value[:20]!r}") from None
        value = float(value)
        if not math.isfinite(value):
            raise CommandError(f"{name}: {a.name} must be a finite number")
        if spec["integer"]:
            if value != int(value):
                raise CommandError(f"{name}: {a.name} must be a whole number")
            value = int(value)
        if not spec["minimum"] <= value <= spec["maximum"]:
            raise CommandError(
                f"{name}: {a.name} = {value:g} is outside {spec['minimum']:g} .. {spec['maximum']:g}"
            )
        if a.enum and int(value) not in a.enum:
            raise CommandError(f"{name}: {a.name} = {value:g} is not one of {sorted(a.enum)}")
        out[a.name] = value
    return command, out


_QUEUE_LOCK = threading.Lock()


class Commander:
    """The ground's command queue over one archive, opened for each operator action.

    ``key``: the uplink key the spacecraft verifies (None: the web can show commands but not
    queue them).
    """

    def __init__(self, db_url: str, key: bytes | None) -> None:
        self.db_url = db_url
        self.key = key

    @contextmanager
    def queue(self) -> Iterator[Any]:
        if self.key is None:
            raise CommandError("no uplink key: start the server with the mission's key to command")
        from picodragon.ground.archive import open_archive
        from picodragon.ground.commanding import CommandQueue

        with _QUEUE_LOCK:
            archive = open_archive(self.db_url)
            try:
                yield CommandQueue(archive, self.key)
            finally:
                archive.close()

    def send(self, command: Command, arguments: dict[str, float | int], release: bool = True,
             execute_at: float | None = None, now: float | None = None) -> int:
        """Queue a validated command (and release it for the next pass); return its id.

        CommandError (a 422 for the form) when ``execute_at`` is outside the time tags a
        telecommand can carry (the dictionary's ``time_tag_problem``), before anything else.
        """
        from picodragon.ground.commanding import CommandError as GroundError

        if execute_at is not None and time_tag_problem(execute_at):
            raise CommandError(f"execute_at: {time_tag_problem(execute_at)}")

        now = time.time() if now is None else now
        with self.queue() as q:
            try:
                record = q.queue(command.name, dict(arguments), now=now, execute_at=execute_at)
                if release:
                    q.release(record.id, now)
            except GroundError as exc:
                raise CommandError(str(exc)) from None
            return int(record.id)

    def move(self, command_id: int, action: str, now: float | None = None) -> None:
        """``release`` a queued command or ``cancel`` one not yet sent."""
        from picodragon.ground.commanding import CommandError as GroundError

        now = time.time() if now is None else now
        with self.queue() as q:
            try:
                getattr(q, action)(command_id, now)
            except GroundError as exc:
                raise CommandError(str(exc)) from None

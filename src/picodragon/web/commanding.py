"""Commands from the browser: validated against the dictionary, then handed to the ground's queue.

The form a user fills is generated from the dictionary (``form_spec``), and what comes back is
checked against the same declarations (``validate``): the command must exist, every argument
must be given, be a number of the right kind (an integer for integer wire types, a key of the
enumeration when there is one), and lie inside both the declared range and what the wire type
can carry. Anything else is refused with a message naming the argument, before the ground ever
sees it.

A valid command is queued in the archive's ``commands`` table with a first ``queued`` stage in
``command_stages`` (the append-only lifecycle the ground's commanding module owns: it releases,
sends and verifies). When ``picodragon.ground.commanding`` offers ``queue_command`` that is
used instead, so there is one writer of the lifecycle.
"""

from __future__ import annotations

import json
import math
import secrets
import time
from typing import Any

from picodragon.dictionary import COMMANDS, Command, Field

COMMANDS_BY_NAME: dict[str, Command] = {c.name: c for c in COMMANDS}


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
        "minimum": minimum, "maximum": maximum,
        "enum": None if not f.enum else [
            {"value": k, "label": v} for k, v in sorted(f.enum.items())
            if (f.minimum is None or k >= f.minimum) and (f.maximum is None or k <= f.maximum)
        ],
    }


def form_spec() -> list[dict[str, Any]]:
    """Every command with its arguments' types and ranges: what the commanding form is built from."""
    return [
        {"name": c.name, "opcode": c.opcode, "description": c.description,
         "arguments": [field_spec(a) for a in c.arguments]}
        for c in COMMANDS
    ]


def validate(name: str, arguments: dict[str, Any]) -> tuple[Command, dict[str, float | int]]:
    """The command and its arguments in engineering units, or CommandError."""
    command = COMMANDS_BY_NAME.get(name)
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


def queue_command(archive: Any, command: Command, arguments: dict[str, float | int], user: str,
                  release_unix_s: float | None = None, now: float | None = None) -> int:
    """Put a validated command in the ground's queue; return its id.

    ``release_unix_s``: hold it on the ground until then (a time-tagged release); None for the
    next opportunity.
    """
    now = time.time() if now is None else now
    try:
        from picodragon.ground import commanding as ground_commanding  # type: ignore[attr-defined]
    except ImportError:
        ground_commanding = None
    queue = getattr(ground_commanding, "queue_command", None) if ground_commanding else None
    if queue is not None:
        return int(queue(archive, command.name, arguments, user=user, release_unix_s=release_unix_s,
                         now=now))
    command_id = secrets.randbits(53)
    detail = {"user": user, "source": "web"}
    if release_unix_s is not None:
        detail["release_unix_s"] = release_unix_s
    with archive.batch():
        archive.insert("commands", {
            "id": command_id, "name": command.name, "opcode": command.opcode,
            "arguments": json.dumps(arguments, sort_keys=True), "counter": None, "key_id": None,
            "raw": None, "queued_unix_s": now,
        })
        archive.insert("command_stages", {
            "command_id": command_id, "stage": "queued", "unix_s": now,
            "detail": json.dumps(detail, sort_keys=True),
        })
    return command_id

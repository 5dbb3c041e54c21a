"""Telecommands on the wire: authenticated CCSDS telecommand packets built from the dictionary.

One telecommand is one CCSDS space packet in the information field of an AX.25 UI frame
(destination the spacecraft, e.g. ``XV9PID-0``; source the ground station; PID 0xF0):

```
primary header   6 octets  version 0, type 1 (telecommand), secondary header flag 1,
                           APID 0x100, sequence flags 0b11, the ground's sequence count,
                           data length - 1
secondary header 6 octets  CUC execution time: 4 octets of seconds since 2000-01-01T00:00:00Z
                           and 2 octets of 1/65536 s; all zero = execute on receipt
opcode           2 octets  big-endian, the Command's opcode
arguments        n octets  the Command's arguments, packed big-endian in declaration order
                           (``Command.struct``), engineering values as ``raw = (value - offset)
                           / scale``, exactly as telemetry fields
counter          4 octets  the authentication counter, big-endian, strictly increasing per key
tag              8 octets  HMAC-SHA256 over every octet before the tag (headers, opcode,
                           arguments, counter), truncated (``picodragon.link.auth``)
```

The spacecraft checks, in this order, and answers each command with COMMAND_RESPONSE packets:
the packet's shape (REJECTED BAD_PACKET), the tag (REJECTED BAD_TAG), the counter against the
replay window (REJECTED REPLAYED), the opcode (REJECTED UNKNOWN_OPCODE), the argument length
(REJECTED BAD_LENGTH) and ranges (REJECTED BAD_ARGUMENT). An accepted command is answered
ACCEPTED then COMPLETED or FAILED (with a Reason code) once executed; a command whose
execution time lies in the future is answered SCHEDULED, stored on board, and answered
COMPLETED or FAILED when it runs (kept in the event history for DUMP_EVENTS if the ground is
out of view then). CAPTURE_IMAGE with a non-zero ``at_time`` argument is scheduled the same way.

"Dump housekeeping at the next pass" is a DUMP_HOUSEKEEPING whose execution time is the
predicted acquisition of signal of that pass: the ground predicts passes, the spacecraft does
not.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import IntEnum

from picodragon.dictionary.model import Command, Field
from picodragon.dictionary.packets import (
    EPOCH_2000_UNIX,
    HEADER_SIZE,
    PRIMARY,
    Rejection,
    cuc_to_unix,
    parse_space_packet,
    space_packet,
)
from picodragon.dictionary.spacecraft import COMMANDS

try:
    from picodragon.link import auth
except ImportError:  # TEMPORARY until the link room's auth module lands
    from picodragon.dictionary import _auth_stub as auth  # type: ignore[no-redef]

COMMAND_APID = 0x100
OPCODE = struct.Struct(">H")
COUNTER = struct.Struct(">I")
TAG_SIZE = auth.TAG_SIZE
TRAILER_SIZE = COUNTER.size + TAG_SIZE
COMMANDS_BY_NAME: dict[str, Command] = {c.name: c for c in COMMANDS}
COMMANDS_BY_OPCODE: dict[int, Command] = {c.opcode: c for c in COMMANDS}


class Reason(IntEnum):
    """Why a telecommand was rejected or failed: the ``code`` of COMMAND_RESPONSE."""

    OK = 0
    BAD_FRAME = 1
    BAD_PACKET = 2
    BAD_TAG = 3
    REPLAYED = 4
    UNKNOWN_OPCODE = 5
    BAD_LENGTH = 6
    BAD_ARGUMENT = 7
    WRONG_MODE = 8
    POWER_LOW = 9
    SCHEDULE_FULL = 10
    TIME_PASSED = 11
    NO_SUCH_FILE = 12
    DEVICE_ERROR = 13
    STORE_FULL = 14
    NO_KEY = 15
    FAILED = 16
    FILE_CORRUPT = 17


class Stage(IntEnum):
    """The ``stage`` of COMMAND_RESPONSE."""

    ACCEPTED = 0
    COMPLETED = 1
    FAILED = 2
    REJECTED = 3
    SCHEDULED = 4


@dataclass(frozen=True)
class Telecommand:
    """A decoded, authenticated telecommand with its arguments in engineering units."""

    command: Command
    arguments: dict[str, float]
    counter: int
    execute_at: float | None
    """Unix seconds, None: on receipt"""
    sequence: int

    @property
    def name(self) -> str:
        return self.command.name

    @property
    def opcode(self) -> int:
        return self.command.opcode


@dataclass(frozen=True)
class CommandRejection:
    """A telecommand refused on board, with what could be read of it (never an exception)."""

    reason: Reason
    counter: int = 0
    opcode: int = 0
    detail: str = ""


def pack_arguments(command: Command, arguments: dict[str, float]) -> bytes:
    """The argument octets; ValueError when one is missing or out of its declared range."""
    raw = []
    for f in command.arguments:
        if f.name not in arguments:
            raise ValueError(f"{command.name}: argument {f.name} missing")
        value = float(arguments[f.name])
        problem = _argument_problem(f, value)
        if problem:
            raise ValueError(f"{command.name}: {problem}")
        raw.append(f.to_raw(value))
    unknown = set(arguments) - {f.name for f in command.arguments}
    if unknown:
        raise ValueError(f"{command.name}: unknown arguments {sorted(unknown)}")
    return command.struct.pack(*raw)


def _argument_problem(f: Field, value: float) -> str:
    if f.minimum is not None and value < f.minimum:
        return f"{f.name}={value} below {f.minimum}"
    if f.maximum is not None and value > f.maximum:
        return f"{f.name}={value} above {f.maximum}"
    if f.enum is not None and int(round(value)) not in f.enum:
        return f"{f.name}={value} not one of {sorted(f.enum)}"
    lo, hi = f.raw_range()
    raw = (value - f.offset) / f.scale
    if not lo <= raw <= hi:
        return f"{f.name}={value} does not fit {f.wire}"
    return ""


def encode_telecommand(command: Command | str, arguments: dict[str, float] | None, *, counter: int,
                       key: bytes, execute_at: float | None = None, sequence: int = 0) -> bytes:
    """One authenticated telecommand packet (the AX.25 information field)."""
    if isinstance(command, str):
        command = COMMANDS_BY_NAME[command]
    if not 0 <= counter <= 0xFFFFFFFF:
        raise ValueError(f"counter {counter} out of 0..2^32-1")
    body = OPCODE.pack(command.opcode) + pack_arguments(command, arguments or {})
    when = EPOCH_2000_UNIX if execute_at is None else execute_at
    # the length field must cover the trailer: build with a placeholder, then sign
    unsigned = space_packet(COMMAND_APID, sequence, when, body + bytes(TRAILER_SIZE), telecommand=True)
    signed_part = unsigned[: -TRAILER_SIZE] + COUNTER.pack(counter)
    return signed_part + auth.tag(key, signed_part)


def decode_telecommand(data: bytes, key: bytes | None,
                       window: auth.ReplayWindow | None = None) -> Telecommand | CommandRejection:
    """Check and decode a telecommand. With a window, an accepted counter is recorded in it.

    Never raises. The counter and opcode of a rejection are as read from the packet (for the
    answer), not trusted.
    """
    try:
        return _decode(bytes(data), key, window)
    except Exception as exc:  # a guard: every rule in _decode should have caught it first
        return CommandRejection(Reason.BAD_PACKET, detail=f"unexpected {type(exc).__name__}: {exc}")


def _decode(data: bytes, key: bytes | None, window: auth.ReplayWindow | None) -> Telecommand | CommandRejection:
    sp = parse_space_packet(data)
    if isinstance(sp, Rejection):
        return CommandRejection(Reason.BAD_PACKET, detail=sp.reason)
    if not sp.telecommand or sp.apid != COMMAND_APID:
        return CommandRejection(Reason.BAD_PACKET, detail=f"not a telecommand for APID 0x{COMMAND_APID:03x}")
    if len(sp.payload) < OPCODE.size + TRAILER_SIZE:
        return CommandRejection(Reason.BAD_PACKET, detail="too short for opcode, counter and tag")
    (counter,) = COUNTER.unpack_from(data, len(data) - TRAILER_SIZE)
    (opcode,) = OPCODE.unpack_from(sp.payload)
    if key is None:
        return CommandRejection(Reason.NO_KEY, counter, opcode, "no key loaded on board")
    signed_part, tag = data[:-TAG_SIZE], data[-TAG_SIZE:]
    if not auth.verify(key, signed_part, tag):
        return CommandRejection(Reason.BAD_TAG, counter, opcode, "authentication tag does not match")
    if window is not None and not window.check(counter):
        return CommandRejection(Reason.REPLAYED, counter, opcode, f"counter {counter} already used or too old")
    command = COMMANDS_BY_OPCODE.get(opcode)
    if command is None:
        return _accepted_counter(window, counter, CommandRejection(Reason.UNKNOWN_OPCODE, counter, opcode))
    args = sp.payload[OPCODE.size : len(sp.payload) - TRAILER_SIZE]
    if len(args) != command.struct.size:
        return _accepted_counter(window, counter, CommandRejection(
            Reason.BAD_LENGTH, counter, opcode, f"{command.name} takes {command.struct.size} octets"))
    values = {}
    for f, raw in zip(command.arguments, command.struct.unpack(args), strict=True):
        value = f.from_raw(raw)
        problem = _argument_problem(f, value)
        if problem:
            return _accepted_counter(window, counter, CommandRejection(Reason.BAD_ARGUMENT, counter, opcode, problem))
        values[f.name] = value
    if window is not None:
        window.accept(counter)
    seconds = int.from_bytes(data[PRIMARY.size : PRIMARY.size + 4], "big")
    fraction = int.from_bytes(data[PRIMARY.size + 4 : HEADER_SIZE], "big")
    execute_at = None if seconds == 0 and fraction == 0 else cuc_to_unix(seconds, fraction)
    return Telecommand(command, values, counter, execute_at, sp.sequence)


def _accepted_counter(window: auth.ReplayWindow | None, counter: int,
                      rejection: CommandRejection) -> CommandRejection:
    """An authentic command that is still refused uses up its counter (no replay of it either)."""
    if window is not None:
        window.accept(counter)
    return rejection

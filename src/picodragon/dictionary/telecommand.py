"""Telecommands on the wire: authenticated CCSDS telecommand packets built from the dictionary.

One telecommand is one CCSDS space packet, wrapped in the link's authentication envelope
(:mod:`picodragon.link.auth`), in the information field of an AX.25 UI frame (destination the
spacecraft, e.g. ``SAT1-0``; source the ground station's callsign; PID 0xF0)::

    key id            1 octet   which uplink key signed it (0)
    counter           4 octets  big-endian, raised by one for every command (never 0)
    -- the telecommand space packet --
    primary header    6 octets  version 0, type 1 (telecommand), secondary header flag 1,
                                APID 0x100, sequence flags 0b11, the ground's sequence count,
                                data length - 1
    secondary header  6 octets  CUC execution time: 4 octets of seconds since
                                2000-01-01T00:00:00Z, 2 octets of 1/65536 s; all zero:
                                execute on receipt
    opcode            2 octets  big-endian, the Command's opcode
    arguments         n octets  the Command's arguments packed big-endian in declaration order
                                (``Command.struct``), ``raw = (value - offset) / scale`` as for
                                telemetry fields
    -- end of the packet --
    tag              16 octets  HMAC-SHA256 over everything before it, truncated

The spacecraft checks, in this order, and answers each command with COMMAND_RESPONSE packets:
the key id and the tag (REJECTED BAD_TAG), the counter against the replay window (REJECTED
REPLAYED), the packet's shape (REJECTED BAD_PACKET), the opcode (REJECTED UNKNOWN_OPCODE), the argument length
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

from picodragon.dictionary.definitions import Dictionary
from picodragon.dictionary.loader import core
from picodragon.dictionary.model import Command, Field
from picodragon.dictionary.packets import (
    EPOCH_2000_UNIX,
    HEADER_SIZE,
    PRIMARY,
    SECONDARY,
    Rejection,
    check_time_tag,
    cuc_to_unix,
    parse_space_packet,
    space_packet,
)
from picodragon.link import auth
from picodragon.link.errors import Reason as LinkReason
from picodragon.link.errors import Rejection as LinkRejection

COMMAND_APID = 0x100
OPCODE = struct.Struct(">H")
ENVELOPE_HEADER = auth.HEADER_LENGTH
TAG_SIZE = auth.TAG_LENGTH


def __getattr__(name: str) -> object:
    """``COMMANDS``, ``COMMANDS_BY_NAME`` and ``COMMANDS_BY_OPCODE``: the core dictionary's
    commands, for callers not yet handed a Dictionary (built on first use, not at import)."""
    if name == "COMMANDS":
        return core().commands
    if name == "COMMANDS_BY_NAME":
        return {c.name: c for c in core().commands}
    if name == "COMMANDS_BY_OPCODE":
        return {c.opcode: c for c in core().commands}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def command_named(name: str, dictionary: Dictionary | None = None) -> Command:
    """The command of that name in ``dictionary`` (the core one by default); KeyError when it
    has none."""
    dictionary = dictionary or core()
    command = dictionary.command(name)
    if command is None:
        raise KeyError(f"no command {name!r} in dictionary {dictionary.name}")
    return command


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
    WRONG_DESTINATION = 18
    """a frame on the uplink addressed to another station (counted, never answered)"""
    WRONG_SOURCE = 19
    """a frame addressed to us from a station other than the mission's ground station"""
    FRAME_TOO_LONG = 20
    """a frame whose information field is over the 256 octets AX.25 allows"""


UNAUTHENTICATED = frozenset({Reason.BAD_FRAME, Reason.BAD_TAG, Reason.REPLAYED, Reason.NO_KEY,
                             Reason.WRONG_DESTINATION, Reason.WRONG_SOURCE, Reason.FRAME_TOO_LONG})
"""Refusals anyone on the band can cause at will (nothing in them is authentic): the flight
software counts them and reports them at a bounded rate, never one stored event per frame."""


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


def pack_telecommand(command: Command | str, arguments: dict[str, float] | None = None, *,
                     execute_at: float | None = None, sequence: int = 0,
                     dictionary: Dictionary | None = None) -> bytes:
    """The telecommand space packet, before authentication.

    ``command`` is a Command, or a name looked up in ``dictionary`` (the core one by default).

    ValueError when an argument is out of range or ``execute_at`` is not a valid time tag
    (``picodragon.dictionary.packets.check_time_tag``: 2000-01-01T00:00:01Z to
    2136-02-07T06:28:15Z, the CUC's 32-bit seconds).
    """
    if isinstance(command, str):
        command = command_named(command, dictionary)
    body = OPCODE.pack(command.opcode) + pack_arguments(command, arguments or {})
    when = EPOCH_2000_UNIX if execute_at is None else check_time_tag(execute_at)
    return space_packet(COMMAND_APID, sequence, when, body, telecommand=True)


def encode_telecommand(command: Command | str, arguments: dict[str, float] | None,
                       signer: auth.CommandSigner, *, execute_at: float | None = None,
                       sequence: int = 0, dictionary: Dictionary | None = None) -> bytes:
    """One authenticated telecommand: the AX.25 information field (raises the signer's counter)."""
    return signer.sign(pack_telecommand(command, arguments, execute_at=execute_at,
                                        sequence=sequence, dictionary=dictionary))


def decode_telecommand(data: bytes, verifier: auth.CommandVerifier | None,
                       dictionary: Dictionary | None = None) -> Telecommand | CommandRejection:
    """Authenticate and decode a telecommand of ``dictionary`` (the core one by default); the
    verifier records an accepted counter.

    Never raises. The counter and opcode of a rejection are as read from the message, for the
    answer only: they are not trusted.
    """
    try:
        return _decode(bytes(data), verifier, dictionary or core())
    except Exception as exc:  # a guard: every rule in _decode should have caught it first
        return CommandRejection(Reason.BAD_PACKET, detail=f"unexpected {type(exc).__name__}: {exc}")


def _peek(data: bytes) -> tuple[int, int]:
    counter = int.from_bytes(data[1:5], "big") if len(data) >= 5 else 0
    at = ENVELOPE_HEADER + HEADER_SIZE
    opcode = int.from_bytes(data[at : at + 2], "big") if len(data) >= at + 2 else 0
    return counter, opcode


def _decode(data: bytes, verifier: auth.CommandVerifier | None,
            dictionary: Dictionary) -> Telecommand | CommandRejection:
    counter, opcode = _peek(data)
    if verifier is None:
        return CommandRejection(Reason.NO_KEY, counter, opcode, "no key loaded on board")
    verified = verifier.verify(data)
    if isinstance(verified, LinkRejection):
        reason = Reason.REPLAYED if verified.reason == LinkReason.REPLAYED else Reason.BAD_TAG
        return CommandRejection(reason, counter, opcode, str(verified))
    counter = verified.counter  # from here on, every octet is authentic
    sp = parse_space_packet(verified.command)
    if isinstance(sp, Rejection):
        return CommandRejection(Reason.BAD_PACKET, counter, opcode, sp.reason)
    if not sp.telecommand or sp.apid != COMMAND_APID:
        return CommandRejection(Reason.BAD_PACKET, counter, opcode,
                                f"not a telecommand for APID 0x{COMMAND_APID:03x}")
    if len(sp.payload) < OPCODE.size:
        return CommandRejection(Reason.BAD_PACKET, counter, opcode, "no opcode")
    (opcode,) = OPCODE.unpack_from(sp.payload)
    command = dictionary.command_by_opcode(opcode)
    if command is None:
        return CommandRejection(Reason.UNKNOWN_OPCODE, counter, opcode)
    args = sp.payload[OPCODE.size :]
    if len(args) != command.struct.size:
        return CommandRejection(Reason.BAD_LENGTH, counter, opcode,
                                f"{command.name} takes {command.struct.size} octets, got {len(args)}")
    values = {}
    for f, raw in zip(command.arguments, command.struct.unpack(args), strict=True):
        value = f.from_raw(raw)
        problem = _argument_problem(f, value)
        if problem:
            return CommandRejection(Reason.BAD_ARGUMENT, counter, opcode, problem)
        values[f.name] = value
    seconds, fraction = SECONDARY.unpack_from(verified.command, PRIMARY.size)
    execute_at = None if seconds == 0 and fraction == 0 else cuc_to_unix(seconds, fraction)
    return Telecommand(command, values, counter, execute_at, sp.sequence)

"""Commanding: a queue of telecommands, each with an append-only lifecycle record.

Every command's life is a sequence of stages, each recorded once with its time and a detail
(the Yamcs idea): ``queued -> released -> sent -> acknowledged [-> scheduled] -> completed``,
or it ends ``failed`` (refused or failed on board, with the reason code's name), ``timed_out``
(a verifier's window closed without an answer: its own outcome, not a failure) or
``cancelled`` (by the operator, before it was sent). Final stages are final: an answer that
arrives after one is logged as a ground event and changes nothing.

Verification uses the spacecraft's COMMAND_RESPONSE packets (``counter, opcode, stage,
code``, see ``picodragon.dictionary.telecommand``): ACCEPTED or SCHEDULED acknowledge, REJECTED
fails at acknowledgement, COMPLETED and FAILED end it. Windows: an acknowledgement within
``ack_timeout_s`` of sending; completion within ``completion_timeout_s`` of the
acknowledgement, or of the execution time for a time-tagged command. A completion heard
without its acknowledgement (the frame was lost) implies the acknowledgement.

Authentication: each command is signed when it is queued (``picodragon.link.auth``: key id,
a counter raised by one per command, truncated HMAC-SHA256), so its bytes and counter are part
of the immutable record. The counter survives restarts: it continues from the highest counter
of that key in the archive. A command's id is ``key_id << 32 | counter``, which is also what a
response names.

Everything is stored through the archive (tables ``commands`` and ``command_stages``), so the
history survives restarts and is shared by the web application.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from enum import StrEnum

from picodragon.dictionary.spacecraft import COMMAND_RESPONSE
from picodragon.dictionary.telecommand import (
    COMMANDS_BY_NAME,
    COMMANDS_BY_OPCODE,
    Reason,
    encode_telecommand,
)
from picodragon.dictionary.telecommand import Stage as ResponseStage
from picodragon.ground.archive import Archive
from picodragon.link import auth, ax25

log = logging.getLogger(__name__)


class Stage(StrEnum):
    """The fixed stages of a command's life, in order; the last four are final."""

    QUEUED = "queued"
    RELEASED = "released"
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    SCHEDULED = "scheduled"
    COMPLETED = "completed"
    FAILED = "failed"
    TIMED_OUT = "timed_out"
    CANCELLED = "cancelled"


FINAL = frozenset({Stage.COMPLETED, Stage.FAILED, Stage.TIMED_OUT, Stage.CANCELLED})


class CommandError(ValueError):
    """A command that cannot be queued or moved on; one line for the operator."""


@dataclass
class CommandRecord:
    """One command and the stages it has reached, oldest first."""

    id: int
    name: str
    opcode: int
    arguments: dict[str, float]
    counter: int
    key_id: int
    execute_at: float | None
    queued_unix_s: float
    packet: bytes
    stages: list[tuple[Stage, float, str]] = field(default_factory=list)

    @property
    def stage(self) -> Stage:
        """The latest stage reached."""
        return self.stages[-1][0]

    @property
    def final(self) -> bool:
        """Whether the command's life is over (nothing can change it any more)."""
        return self.stage in FINAL

    def reached(self, stage: Stage) -> float | None:
        """When ``stage`` was recorded, or None."""
        for s, t, _ in self.stages:
            if s == stage:
                return t
        return None

    def to_json(self) -> dict:
        """The record for the web application and reports."""
        return {
            "id": self.id,
            "name": self.name,
            "arguments": self.arguments,
            "counter": self.counter,
            "execute_at": self.execute_at,
            "stage": str(self.stage),
            "stages": [{"stage": str(s), "unix_s": t, "detail": d} for s, t, d in self.stages],
        }


def _reason_name(code: int) -> str:
    try:
        return Reason(code).name
    except ValueError:
        return f"code {code}"


class CommandQueue:
    """The operator's commands for one spacecraft: queue, release, uplink, verify, time out."""

    def __init__(
        self,
        archive: Archive,
        key: bytes,
        key_id: int = 0,
        ack_timeout_s: float = 60.0,
        completion_timeout_s: float = 600.0,
    ) -> None:
        self.archive = archive
        self.key_id = key_id
        self.ack_timeout_s = ack_timeout_s
        self.completion_timeout_s = completion_timeout_s
        self.commands: dict[int, CommandRecord] = {}
        self._load()
        highest = max((c.counter for c in self.commands.values() if c.key_id == key_id), default=0)
        self._signer = auth.CommandSigner(key, key_id=key_id, counter=highest)
        self.sequence = len(self.commands)

    def _load(self) -> None:
        for row in self.archive.select("commands", order="id"):
            self.commands[int(row["id"])] = CommandRecord(
                id=int(row["id"]),
                name=row["name"],
                opcode=int(row["opcode"]),
                arguments=json.loads(row["arguments"])["arguments"],
                counter=int(row["counter"]),
                key_id=int(row["key_id"]),
                execute_at=json.loads(row["arguments"]).get("execute_at"),
                queued_unix_s=float(row["queued_unix_s"]),
                packet=bytes(row["raw"]),
            )
        for row in self.archive.select("command_stages", order="unix_s"):
            record = self.commands.get(int(row["command_id"]))
            if record is not None:
                record.stages.append((Stage(row["stage"]), float(row["unix_s"]), row["detail"]))
        # a command's stages follow its lifecycle: order them by stage, not by time stamp, so that
        # writers on different clocks (a console on the wall clock, a station on a rehearsal's
        # clock) cannot make a sent command look released again
        order = list(Stage)
        for record in self.commands.values():
            record.stages.sort(key=lambda s: (order.index(s[0]), s[1]))
        # the commands still open: timeouts and the uplink look only at these, so a long
        # mission's thousands of closed commands cost nothing per tick
        self._open = {cid for cid, record in self.commands.items() if not record.final}

    def _highest_counter(self) -> int:
        rows = self.archive.select("commands", {"key_id": self.key_id}, order="counter")
        return int(rows[-1]["counter"]) if rows else 0

    def refresh(self) -> int:
        """Pick up commands and stages written by other processes; returns how many are new."""
        before = {cid: len(c.stages) for cid, c in self.commands.items()}
        known = dict(self.commands)
        self.commands = {}
        self._load()
        for cid, record in self.commands.items():
            if cid in known:  # keep the objects callers hold, with the stages now on record
                known[cid].stages = record.stages
                self.commands[cid] = known[cid]
        return sum(1 for cid in self.commands if cid not in before)

    def _record(self, record: CommandRecord, stage: Stage, now: float, detail: str = "") -> None:
        if record.reached(stage) is not None:
            return
        record.stages.append((stage, float(now), detail))
        if stage in FINAL:
            self._open.discard(record.id)
        self.archive.insert(
            "command_stages",
            {"command_id": record.id, "stage": str(stage), "unix_s": float(now), "detail": detail},
        )
        if stage in (Stage.FAILED, Stage.TIMED_OUT):
            self.archive.store_event(
                now, f"COMMAND_{stage.upper()}", 2, f"{record.name} #{record.counter}: {detail}"
            )

    # -- the operator's side -------------------------------------------------------------
    def queue(
        self,
        name: str,
        arguments: dict[str, float] | None = None,
        now: float = 0.0,
        execute_at: float | None = None,
    ) -> CommandRecord:
        """Check, sign and queue one command; CommandError for an unknown name or bad arguments."""
        command = COMMANDS_BY_NAME.get(name)
        if command is None:
            raise CommandError(
                f"no command {name!r} (known: {', '.join(sorted(COMMANDS_BY_NAME))})"
            )
        arguments = {k: float(v) for k, v in (arguments or {}).items()}
        # another process (the web application, a second console) may have signed commands
        # with this key since we started: continue above the highest counter in the archive
        self._signer.counter = max(self._signer.counter, self._highest_counter())
        try:
            packet = encode_telecommand(
                command,
                arguments,
                self._signer,
                execute_at=execute_at,
                sequence=self.sequence & 0x3FFF,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.sequence += 1
        counter = self._signer.counter
        record = CommandRecord(
            id=(self.key_id << 32) | counter,
            name=name,
            opcode=command.opcode,
            arguments=arguments,
            counter=counter,
            key_id=self.key_id,
            execute_at=execute_at,
            queued_unix_s=float(now),
            packet=packet,
        )
        with self.archive.batch():
            self.archive.insert(
                "commands",
                {
                    "id": record.id,
                    "name": name,
                    "opcode": command.opcode,
                    "arguments": json.dumps({"arguments": arguments, "execute_at": execute_at}),
                    "counter": counter,
                    "key_id": self.key_id,
                    "raw": packet,
                    "queued_unix_s": float(now),
                },
            )
            self.commands[record.id] = record
            self._open.add(record.id)
            self._record(record, Stage.QUEUED, now)
        return record

    def release(self, command_id: int, now: float) -> CommandRecord:
        """Let a queued command go out at the next uplink opportunity."""
        record = self._get(command_id)
        if record.stage != Stage.QUEUED:
            raise CommandError(f"command {command_id} is {record.stage}, not queued")
        self._record(record, Stage.RELEASED, now)
        return record

    def release_all(self, now: float) -> list[CommandRecord]:
        """Release every queued command (an operator's 'go' for the next pass)."""
        return [self.release(c.id, now) for c in self.pending(Stage.QUEUED)]

    def cancel(self, command_id: int, now: float) -> CommandRecord:
        """Withdraw a command not yet sent; CommandError once it is on its way."""
        record = self._get(command_id)
        if record.stage not in (Stage.QUEUED, Stage.RELEASED):
            raise CommandError(f"command {command_id} is {record.stage}: too late to cancel")
        self._record(record, Stage.CANCELLED, now, "by the operator")
        return record

    def _get(self, command_id: int) -> CommandRecord:
        record = self.commands.get(command_id)
        if record is None:
            raise CommandError(f"no command {command_id}")
        return record

    def pending(self, stage: Stage) -> list[CommandRecord]:
        """Commands whose latest stage is ``stage``, in counter order."""
        pool = self.commands.values() if stage in FINAL else (self.commands[i] for i in self._open)
        return sorted((c for c in pool if c.stage == stage), key=lambda c: c.counter)

    def history(self) -> list[CommandRecord]:
        """Every command on record, in counter order."""
        return sorted(self.commands.values(), key=lambda c: c.counter)

    # -- the uplink ------------------------------------------------------------------------
    def uplink(self, now: float, limit: int | None = None) -> list[CommandRecord]:
        """Released commands to transmit now (marked sent); their ``packet`` is the AX.25 info."""
        out = self.pending(Stage.RELEASED)[:limit]
        with self.archive.batch():
            for record in out:
                self._record(record, Stage.SENT, now)
        return out

    def uplink_frames(
        self, now: float, source: str, destination: str, limit: int | None = None
    ) -> list[bytes]:
        """Like :meth:`uplink`, as AX.25 UI frames (without FCS, as KISS carries them)."""
        src, dst = ax25.Address.parse(source), ax25.Address.parse(destination)
        return [ax25.encode(ax25.Frame(dst, src, info=r.packet)) for r in self.uplink(now, limit)]

    # -- verification ----------------------------------------------------------------------
    def on_response(self, values: dict[str, float], now: float) -> CommandRecord | None:
        """Apply one COMMAND_RESPONSE (its decoded values); returns the command it concerned."""
        counter, opcode = int(values["counter"]), int(values["opcode"])
        stage, code = int(values["stage"]), int(values["code"])
        record = self.commands.get((self.key_id << 32) | counter)
        if record is None or record.opcode != opcode:
            self.archive.store_event(
                now, "UNKNOWN_RESPONSE", 1, f"response to counter {counter} opcode {opcode}"
            )
            return None
        if record.final:
            if record.stage != Stage.COMPLETED or stage != ResponseStage.COMPLETED:
                self.archive.store_event(
                    now,
                    "LATE_RESPONSE",
                    1,
                    f"{record.name} #{counter} is {record.stage}; ignored {ResponseStage(stage).name}",
                )
            return record
        with self.archive.batch():
            if record.reached(Stage.SENT) is None:
                self._record(record, Stage.SENT, now, "inferred from a response")
            if stage in (ResponseStage.ACCEPTED, ResponseStage.SCHEDULED):
                self._record(record, Stage.ACKNOWLEDGED, now)
                if stage == ResponseStage.SCHEDULED:
                    self._record(record, Stage.SCHEDULED, now)
            elif stage == ResponseStage.REJECTED:
                self._record(record, Stage.FAILED, now, f"rejected: {_reason_name(code)}")
            elif stage in (ResponseStage.COMPLETED, ResponseStage.FAILED):
                if record.reached(Stage.ACKNOWLEDGED) is None:
                    self._record(record, Stage.ACKNOWLEDGED, now, "implied by the completion")
                if stage == ResponseStage.COMPLETED:
                    self._record(record, Stage.COMPLETED, now)
                else:
                    self._record(record, Stage.FAILED, now, _reason_name(code))
        return record

    def on_decoded(self, decoded) -> None:
        """A GroundStation listener: COMMAND_RESPONSE packets verify commands."""
        if decoded.name == COMMAND_RESPONSE.name:
            self.on_response(decoded.values, decoded.received_unix_s)

    def check_timeouts(self, now: float) -> list[CommandRecord]:
        """Close the windows that have expired at ``now``; returns the commands timed out."""
        out = []
        with self.archive.batch():
            for record in [self.commands[i] for i in self._open]:
                if record.final:
                    continue
                sent = record.reached(Stage.SENT)
                acked = record.reached(Stage.ACKNOWLEDGED)
                if sent is not None and acked is None and now > sent + self.ack_timeout_s:
                    self._record(
                        record,
                        Stage.TIMED_OUT,
                        now,
                        f"no acknowledgement within {self.ack_timeout_s:g} s",
                    )
                    out.append(record)
                elif acked is not None:
                    start = max(acked, record.execute_at or acked)
                    if now > start + self.completion_timeout_s:
                        self._record(
                            record,
                            Stage.TIMED_OUT,
                            now,
                            f"no completion within {self.completion_timeout_s:g} s",
                        )
                        out.append(record)
        return out


def command_name(opcode: int) -> str:
    """A command's name from its opcode (for logs of unknown responses)."""
    command = COMMANDS_BY_OPCODE.get(opcode)
    return command.name if command else f"opcode {opcode}"

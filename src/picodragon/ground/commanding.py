"""Commanding: a queue of telecommands, each with an append-only lifecycle record.

It is over 500 lines because the lifecycle is one state machine (stages, verifiers with their
windows, signing at the uplink, the archive record) that must be read whole to be trusted.

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

Authentication happens at the last moment: a command is queued and released unsigned (its
name, arguments and time tag), and is given a counter and signed (``picodragon.link.auth``: key
id, a counter raised by one per command, truncated HMAC-SHA256) only when it is handed to the
radio (:meth:`CommandQueue.prepare_uplink`). Its counter and bytes are stored with the ``sent``
stage, once the write to the TNC succeeded (:meth:`CommandQueue.mark_sent`); a write that fails
leaves the command released, its signature discarded (:meth:`CommandQueue.send_failed`), to be
signed again with a new counter at the next try. So a command cancelled before it was sent never
had a counter or signature: there are no bytes of it the spacecraft would accept. The counter
survives restarts: it continues from the highest counter of that key in the archive (one
``MAX()`` query). A queue that is its archive's only commander (``sole_writer``: a simulated
run's own fresh archive, which nothing else commands) reads none of that back: the highest id
and counter and each command's stages are the ones it holds, so queueing and signing a command
write to the archive and read nothing (each read first writes the archive's pending batch).
Within :meth:`CommandQueue.holding` such a queue also holds a queued command's ``commands`` row
until it is sent (then written once with its counter and bytes, where an UPDATE would first
write the archive's pending batch) or the block ends. A command's ``id`` is given at queueing
(the next free id of the archive's ``commands`` table) and never changes; a response names a
command by its counter, which the queue maps back to the id (older archives used
``key_id << 32 | counter`` as the id: still read as they are).

The downlink is not authenticated, so a response is evidence, not an order: it moves a command
on only when its counter names a command this queue sent, with the same opcode, that awaits the
stage the response reports (an acknowledgement for a sent command; a completion for a sent,
acknowledged or scheduled one). Anything else, including an unknown stage or a value that is
not an integer, is recorded as a ``RESPONSE_REJECTED`` ground event with the reason and the
frame it came in, and changes nothing; it never raises.

Command names, opcodes, argument types and ranges come from the mission's ``Dictionary``
(``dictionary=``; by default the one the archive remembers, else the core dictionary), and
responses are the packet it names ``COMMAND_RESPONSE``.

Everything is stored through the archive (tables ``commands`` and ``command_stages``), so the
history survives restarts and is shared by the web application.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field
from enum import StrEnum

from picodragon.dictionary import Dictionary
from picodragon.dictionary.loader import core
from picodragon.dictionary.telecommand import (
    Reason,
    encode_telecommand,
    pack_telecommand,
)
from picodragon.dictionary.telecommand import Stage as ResponseStage
from picodragon.ground.archive import Archive
from picodragon.link import auth, ax25

log = logging.getLogger(__name__)

#: the name of the packet that answers commands (the core dictionary's)
RESPONSE_PACKET = "COMMAND_RESPONSE"
#: a UI frame's octets before its information field, by (source, destination) as given to
#: :meth:`CommandQueue.frame` (``ax25.encode`` is those octets, then the information)
_HEADERS: dict[tuple[str, str], bytes] = {}
MAX_HEADERS_KEPT = 64
#: how many times :meth:`CommandQueue.queue` takes a new id when another writer took the one it
#: chose at the same moment (two consoles queueing at once); more means something is wrong
ID_ATTEMPTS = 8


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

#: what each response stage may follow: the command's current stage must be one of these
AWAITING: dict[ResponseStage, frozenset[Stage]] = {
    ResponseStage.ACCEPTED: frozenset({Stage.SENT}),
    ResponseStage.SCHEDULED: frozenset({Stage.SENT, Stage.ACKNOWLEDGED}),
    ResponseStage.REJECTED: frozenset({Stage.SENT}),
    ResponseStage.COMPLETED: frozenset({Stage.SENT, Stage.ACKNOWLEDGED, Stage.SCHEDULED}),
    ResponseStage.FAILED: frozenset({Stage.SENT, Stage.ACKNOWLEDGED, Stage.SCHEDULED}),
}
#: a second copy of an answer already applied (two stations heard it): no news, no rejection
REPEATS: dict[ResponseStage, frozenset[Stage]] = {
    ResponseStage.ACCEPTED: frozenset({Stage.ACKNOWLEDGED, Stage.SCHEDULED}),
    ResponseStage.SCHEDULED: frozenset({Stage.SCHEDULED}),
}


class CommandError(ValueError):
    """A command that cannot be queued or moved on; one line for the operator."""


@dataclass
class CommandRecord:
    """One command and the stages it has reached, oldest first.

    ``counter``, ``key_id`` and ``packet`` are None until the command is signed for the uplink.
    """

    id: int
    name: str
    opcode: int
    arguments: dict[str, float]
    counter: int | None
    key_id: int | None
    execute_at: float | None
    queued_unix_s: float
    packet: bytes | None
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


class _Holding:
    """:meth:`CommandQueue.holding`'s context manager (a class: entered every tick of a run)."""

    __slots__ = ("queue",)

    def __init__(self, queue: CommandQueue) -> None:
        self.queue = queue

    def __enter__(self) -> None:
        self.queue._holding += 1

    def __exit__(self, *exc: object) -> None:
        self.queue._holding -= 1
        if not self.queue._holding:
            self.queue._write_held()


def _reason_name(code: int) -> str:
    try:
        return Reason(code).name
    except ValueError:
        return f"code {code}"


def _whole(value: object) -> int | None:
    """An integer field of a decoded packet, or None when it is not a finite whole number."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number) or number != int(number):
        return None
    return int(number)


def _stage_order(record: CommandRecord) -> None:
    # a command's stages follow its lifecycle: order them by stage, not by time stamp, so that
    # writers on different clocks (a console on the wall clock, a station on a rehearsal's
    # clock) cannot make a sent command look released again
    order = list(Stage)
    record.stages.sort(key=lambda s: (order.index(s[0]), s[1]))


class CommandQueue:
    """The operator's commands for one spacecraft: queue, release, uplink, verify, time out.

    ``dictionary`` is the mission's (its commands); None takes the one the archive remembers.
    """

    def __init__(
        self,
        archive: Archive,
        key: bytes,
        key_id: int = 0,
        ack_timeout_s: float = 60.0,
        completion_timeout_s: float = 600.0,
        *,
        dictionary: Dictionary | None = None,
        sole_writer: bool = False,
    ) -> None:
        """``sole_writer``: no other process queues, cancels or signs commands in ``archive``
        (see the module docstring); the default assumes others may."""
        self.archive = archive
        self.dictionary = archive.dictionary() if dictionary is None else dictionary
        self.sole_writer = sole_writer
        self.key_id = key_id
        self.ack_timeout_s = ack_timeout_s
        self.completion_timeout_s = completion_timeout_s
        self.commands: dict[int, CommandRecord] = {}
        self._by_counter: dict[int, int] = {}
        self._changes = 0
        """bumped with every stage added: ``next_timeout`` recomputes only after a change"""
        self._next_timeout: tuple[tuple[int, float, float], float] | None = None
        self._pending: dict[Stage, tuple[int, tuple[CommandRecord, ...]]] = {}
        """``pending``'s answer by stage, kept until a stage is added: the uplink asks for the
        released commands every tick of a pass, and most ticks nothing was added"""
        self._load()
        self._signer = auth.CommandSigner(key, key_id=key_id, counter=self._highest_counter())
        self.sequence = len(self.commands)
        self._holding = 0
        self._held: dict[int, dict] = {}
        """``commands`` rows not yet written, by id (a sole writer within ``holding``)"""

    def _load(self) -> None:
        for row in self.archive.select("commands", order="id"):
            stored = json.loads(row["arguments"])
            self.commands[int(row["id"])] = CommandRecord(
                id=int(row["id"]),
                name=row["name"],
                opcode=int(row["opcode"]),
                arguments=stored["arguments"],
                counter=None if row["counter"] is None else int(row["counter"]),
                key_id=None if row["key_id"] is None else int(row["key_id"]),
                execute_at=stored.get("execute_at"),
                queued_unix_s=float(row["queued_unix_s"]),
                packet=None if row["raw"] is None else bytes(row["raw"]),
            )
        for row in self.archive.select("command_stages", order="unix_s"):
            record = self.commands.get(int(row["command_id"]))
            if record is not None:
                record.stages.append((Stage(row["stage"]), float(row["unix_s"]), row["detail"]))
        for record in self.commands.values():
            _stage_order(record)
        self._top_id = max(self.commands, default=0)  # the highest id known here (queue's next)
        # responses name commands by counter: only the ones signed with our key
        self._by_counter = {
            r.counter: cid
            for cid, r in self.commands.items()
            if r.counter is not None and r.key_id == self.key_id
        }
        # the commands still open: timeouts and the uplink look only at these, so a long
        # mission's thousands of closed commands cost nothing per tick
        self._open = {
            cid for cid, record in self.commands.items() if record.stages and not record.final
        }

    def _highest_counter(self) -> int:
        """The highest counter of our key on record (one ``MAX()`` query, any process's)."""
        highest = self.archive.maximum("commands", "counter", {"key_id": self.key_id})
        return 0 if highest is None else int(highest)

    def holding(self) -> _Holding:
        """A context manager: within the block, a sole writer's queued commands have their
        ``commands`` row written when they are sent (one INSERT with the counter and bytes, not
        an INSERT then an UPDATE, which first writes the archive's pending batch), and at the
        block's end for the others, as they are. The archive holds the same rows either way
        once the block ends. A queue that shares its archive writes each row at once, as
        outside the block."""
        return _Holding(self)

    def _write_held(self) -> None:
        held, self._held = self._held, {}
        for row in held.values():
            self.archive.insert("commands", row)

    def refresh(self) -> int:
        """Pick up commands and stages written by other processes; returns how many are new."""
        self._write_held()
        before = {cid: len(c.stages) for cid, c in self.commands.items()}
        known = dict(self.commands)
        self.commands = {}
        self._load()
        for cid, record in self.commands.items():
            if cid in known:  # keep the objects callers hold, with what is now on record
                mine = known[cid]
                mine.stages = record.stages
                if record.packet is not None:
                    mine.counter, mine.key_id, mine.packet = (
                        record.counter,
                        record.key_id,
                        record.packet,
                    )
                self.commands[cid] = mine
        self._changes += 1
        return sum(1 for cid in self.commands if cid not in before)

    def _record(self, record: CommandRecord, stage: Stage, now: float, detail: str = "") -> None:
        if record.reached(stage) is not None:
            return
        record.stages.append((stage, float(now), detail))
        self._changes += 1
        if stage in FINAL:
            self._open.discard(record.id)
        self.archive.insert(
            "command_stages",
            {"command_id": record.id, "stage": str(stage), "unix_s": float(now), "detail": detail},
        )
        if stage in (Stage.FAILED, Stage.TIMED_OUT):
            self.archive.store_event(
                now, f"COMMAND_{stage.upper()}", 2, f"{record.name} #{record.id}: {detail}"
            )

    # -- the operator's side -------------------------------------------------------------
    def queue(
        self,
        name: str,
        arguments: dict[str, float] | None = None,
        now: float = 0.0,
        execute_at: float | None = None,
    ) -> CommandRecord:
        """Check and queue one command, unsigned; CommandError for an unknown name or bad arguments."""
        command = self.dictionary.command(name)
        if command is None:
            known = ", ".join(sorted(c.name for c in self.dictionary.commands))
            raise CommandError(f"no command {name!r} (known: {known})")
        arguments = {k: float(v) for k, v in (arguments or {}).items()}
        try:  # the same checks the signing will make: refuse now, not at the pass
            pack_telecommand(command, arguments, execute_at=execute_at)
        except (ValueError, OverflowError) as exc:
            raise CommandError(str(exc)) from None
        stored = json.dumps({"arguments": arguments, "execute_at": execute_at})
        for _ in range(ID_ATTEMPTS):
            highest = None if self.sole_writer else self.archive.maximum("commands", "id")
            command_id = max(0 if highest is None else int(highest), self._top_id)
            record = CommandRecord(
                id=command_id + 1,
                name=name,
                opcode=command.opcode,
                arguments=arguments,
                counter=None,
                key_id=None,
                execute_at=execute_at,
                queued_unix_s=float(now),
                packet=None,
            )
            row = {
                "id": record.id,
                "name": name,
                "opcode": command.opcode,
                "arguments": stored,
                "counter": None,
                "key_id": None,
                "raw": None,
                "queued_unix_s": float(now),
            }
            if self.sole_writer and self._holding:
                self._held[record.id] = row
                break
            with self.archive.batch():
                self.archive.insert("commands", row)
            if self.sole_writer:
                break
            # another process may have taken the same id a moment before (the insert of a
            # duplicate key is ignored): the row on record tells whose it is
            (mine,) = self.archive.select("commands", {"id": record.id}) or ({},)
            if all(mine.get(k) == v for k, v in row.items()):
                break
        else:
            raise CommandError(f"could not give the command an id after {ID_ATTEMPTS} tries")
        self.commands[record.id] = record
        self._top_id = max(self._top_id, record.id)
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
        """Withdraw a command not yet sent; CommandError once it is on its way.

        A command not yet sent was never signed, so nothing of it can reach the spacecraft.
        """
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
        """Commands whose latest stage is ``stage``, in the order they were queued."""
        kept = self._pending.get(stage)
        if kept is not None and kept[0] == self._changes:
            return list(kept[1])
        pool = self.commands.values() if stage in FINAL else (self.commands[i] for i in self._open)
        found = sorted((c for c in pool if c.stages and c.stage == stage), key=lambda c: c.id)
        self._pending[stage] = (self._changes, tuple(found))
        return found

    def history(self) -> list[CommandRecord]:
        """Every command on record, in the order they were queued."""
        return sorted(self.commands.values(), key=lambda c: c.id)

    # -- the uplink ------------------------------------------------------------------------
    def _still_released(self, record: CommandRecord) -> bool:
        """Whether the archive still has ``record`` released (another process may have cancelled it)."""
        if self.sole_writer:
            return True
        rows = self.archive.select("command_stages", {"command_id": record.id})
        on_record = {Stage(r["stage"]) for r in rows}
        if on_record - {Stage.QUEUED, Stage.RELEASED}:
            for r in rows:
                if record.reached(Stage(r["stage"])) is None:
                    record.stages.append((Stage(r["stage"]), float(r["unix_s"]), r["detail"]))
            _stage_order(record)
            self._changes += 1
            if record.final:
                self._open.discard(record.id)
            return False
        return True

    def prepare_uplink(self, now: float, limit: int | None = None) -> list[CommandRecord]:
        """Sign the released commands to transmit now, without marking them sent.

        Each gets the next counter and its ``packet`` (the AX.25 information field); the
        caller writes it to the radio and then calls :meth:`mark_sent`, or :meth:`send_failed`
        when the write failed. A command that can no longer be packed (a row from another
        version) fails with the reason instead.
        """
        out: list[CommandRecord] = []
        for record in self.pending(Stage.RELEASED):
            if limit is not None and len(out) >= limit:
                break
            if not self._still_released(record):
                continue
            command = self.dictionary.command(record.name)
            # another process (the web application, a second console) may have signed commands
            # with this key since we started: continue above the highest counter on record
            if not self.sole_writer:
                self._signer.counter = max(self._signer.counter, self._highest_counter())
            try:
                if command is None:
                    raise ValueError(f"no command {record.name!r} in the dictionary")
                packet = encode_telecommand(
                    command,
                    record.arguments,
                    self._signer,
                    execute_at=record.execute_at,
                    sequence=self.sequence & 0x3FFF,
                )
            except (ValueError, OverflowError) as exc:
                self._record(record, Stage.FAILED, now, f"cannot be signed: {exc}")
                continue
            self.sequence += 1
            record.counter, record.key_id, record.packet = (
                self._signer.counter,
                self.key_id,
                packet,
            )
            out.append(record)
        return out

    def mark_sent(self, record: CommandRecord, now: float) -> None:
        """Record that ``record``'s signed packet went to the radio: its counter, bytes, ``sent``."""
        if record.packet is None or record.counter is None:
            raise CommandError(f"command {record.id} was not signed for the uplink")
        signed = {"counter": record.counter, "key_id": record.key_id, "raw": record.packet}
        held = self._held.pop(record.id, None)
        with self.archive.batch():
            if held is not None:
                self.archive.insert("commands", held | signed)
            else:
                self.archive.update("commands", {"id": record.id}, signed)
            self._record(record, Stage.SENT, now)
        self._by_counter[record.counter] = record.id

    def send_failed(self, record: CommandRecord, now: float, reason: str) -> None:
        """The write of a prepared command failed: forget its signature, keep it released.

        Its counter is spent (the next try signs with a new one); a ground event records why.
        """
        record.counter = record.key_id = record.packet = None
        self.archive.store_event(now, "UPLINK_FAILED", 1, f"{record.name} #{record.id}: {reason}")

    def uplink(self, now: float, limit: int | None = None) -> list[CommandRecord]:
        """Released commands to transmit now, signed and marked sent (for callers whose radio
        cannot fail, as the simulation's); their ``packet`` is the AX.25 information field."""
        out = self.prepare_uplink(now, limit)
        if not out:  # most ticks of a pass: no transaction to open and commit
            return out
        with self.archive.batch():
            for record in out:
                self.mark_sent(record, now)
        return out

    @staticmethod
    def frame(record: CommandRecord, source: str, destination: str) -> bytes:
        """A signed command as an AX.25 UI frame (without FCS, as KISS carries it): the
        addresses, control and PID octets (encoded once per pair of addresses) and the packet."""
        if record.packet is None:
            raise CommandError(f"command {record.id} was not signed for the uplink")
        header = _HEADERS.get((source, destination))
        if header is None:
            src, dst = ax25.Address.parse(source), ax25.Address.parse(destination)
            header = ax25.encode(ax25.Frame(dst, src))
            if len(_HEADERS) < MAX_HEADERS_KEPT:
                _HEADERS[(source, destination)] = header
        if not isinstance(record.packet, bytes):  # what Frame checks of its information field
            src, dst = ax25.Address.parse(source), ax25.Address.parse(destination)
            return ax25.encode(ax25.Frame(dst, src, info=record.packet))
        return header + record.packet

    def uplink_frames(
        self, now: float, source: str, destination: str, limit: int | None = None
    ) -> list[bytes]:
        """Like :meth:`uplink`, as AX.25 UI frames (without FCS, as KISS carries them)."""
        return [self.frame(r, source, destination) for r in self.uplink(now, limit)]

    # -- verification ----------------------------------------------------------------------
    def _reject(self, now: float, why: str, frame_id: int | None) -> None:
        self.archive.store_event(now, "RESPONSE_REJECTED", 1, why, frame_id=frame_id)

    def on_response(
        self, values: dict[str, float], now: float, frame_id: int | None = None
    ) -> CommandRecord | None:
        """Apply one COMMAND_RESPONSE (its decoded values); returns the command it moved or
        concerned, None when it was rejected (recorded as a ground event). Never raises."""
        try:
            fields = {k: _whole(values.get(k)) for k in ("counter", "opcode", "stage", "code")}
        except AttributeError:
            fields = {}
        bad = [k for k in ("counter", "opcode", "stage", "code") if fields.get(k) is None]
        if bad:
            self._reject(now, f"response with {bad[0]} not a whole number", frame_id)
            return None
        counter, opcode, code = fields["counter"], fields["opcode"], fields["code"]
        try:
            stage = ResponseStage(fields["stage"])
        except ValueError:
            self._reject(now, f"response to counter {counter} with unknown stage {fields['stage']}", frame_id)
            return None
        cid = self._by_counter.get(counter)
        record = self.commands.get(cid) if cid is not None else None
        if record is None or record.opcode != opcode or record.reached(Stage.SENT) is None:
            self.archive.store_event(
                now,
                "UNKNOWN_RESPONSE",
                1,
                f"{stage.name} for counter {counter} opcode {opcode}: no command sent with them",
                frame_id=frame_id,
            )
            return None
        if record.final:
            if record.stage != Stage.COMPLETED or stage != ResponseStage.COMPLETED:
                self.archive.store_event(
                    now,
                    "LATE_RESPONSE",
                    1,
                    f"{record.name} #{record.id} is {record.stage}; ignored {stage.name}",
                    frame_id=frame_id,
                )
            return record
        if record.stage in REPEATS.get(stage, ()):
            return record
        if record.stage not in AWAITING[stage]:
            self._reject(
                now, f"{stage.name} for {record.name} #{record.id}, which is {record.stage}", frame_id
            )
            return None
        with self.archive.batch():
            if stage in (ResponseStage.ACCEPTED, ResponseStage.SCHEDULED):
                self._record(record, Stage.ACKNOWLEDGED, now)
                if stage == ResponseStage.SCHEDULED:
                    self._record(record, Stage.SCHEDULED, now)
            elif stage == ResponseStage.REJECTED:
                self._record(record, Stage.FAILED, now, f"rejected: {_reason_name(code)}")
            else:
                if record.reached(Stage.ACKNOWLEDGED) is None:
                    self._record(record, Stage.ACKNOWLEDGED, now, "implied by the completion")
                if stage == ResponseStage.COMPLETED:
                    self._record(record, Stage.COMPLETED, now)
                else:
                    self._record(record, Stage.FAILED, now, _reason_name(code))
        return record

    def on_decoded(self, decoded) -> None:
        """A GroundStation listener: COMMAND_RESPONSE packets verify commands."""
        if decoded.name == RESPONSE_PACKET:
            self.on_response(decoded.values, decoded.received_unix_s, decoded.frame_id)

    def next_timeout(self) -> float:
        """The latest moment at which ``check_timeouts`` still times nothing out (Unix s; inf
        when no open command has a window running): a caller ticking often checks this and
        calls ``check_timeouts`` only past it, with the same outcome and no archive batch per
        tick. Kept until a stage is added (or a window's length changed)."""
        key = (self._changes, self.ack_timeout_s, self.completion_timeout_s)
        if self._next_timeout is not None and self._next_timeout[0] == key:
            return self._next_timeout[1]
        earliest = float("inf")
        for i in self._open:
            record = self.commands[i]
            if record.final:
                continue
            sent = record.reached(Stage.SENT)
            acked = record.reached(Stage.ACKNOWLEDGED)
            if sent is not None and acked is None:
                earliest = min(earliest, sent + self.ack_timeout_s)
            elif acked is not None:
                earliest = min(earliest, max(acked, record.execute_at or acked) + self.completion_timeout_s)
        self._next_timeout = (key, earliest)
        return earliest

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


def command_name(opcode: int, dictionary: Dictionary | None = None) -> str:
    """A command's name from its opcode in ``dictionary`` (the core one by default), for logs."""
    command = (core() if dictionary is None else dictionary).command_by_opcode(opcode)
    return command.name if command else f"opcode {opcode}"

"""Commanding: authentication, the dictionary-driven dispatcher, and time-tagged commands.

An uplink frame's information field is decoded by the dictionary
(:func:`picodragon.dictionary.telecommand.decode_telecommand`: shape, HMAC tag, replay window,
opcode, arguments). Every outcome is answered with COMMAND_RESPONSE packets (see the
telecommand module for the stages) and a rejected command is also logged as a
COMMAND_REJECTED event; responses go to the real-time downlink and into the event history, so
one given while the ground is out of view can be dumped later.

Each component declares the commands it handles (``Component.commands``); the topology
registers their handlers here by command name (:meth:`Commanding.register`, which refuses a
name the dictionary lacks or a second handler for one). A handler returns 0 when done or a
:class:`~picodragon.dictionary.telecommand.Reason` code. A dictionary command without a
handler fails with FAILED; a handler that raises fails the command, not the software. A
command with an ``at_time`` argument (UTC seconds since 2000, as CAPTURE_IMAGE has) is
scheduled for that time when it is not 0, as a time tag would schedule it.

Refusals anyone on the band can cause (``UNAUTHENTICATED``: junk, bad tags, replays, no key,
frames for another station or from one not ours, frames over 256 octets) are never stored one
by one: a flood of them would wear the flash and push real events out of the history. Each is
counted (``refused``, by reason); the first ``refusal_answers_per_interval`` of an interval are
answered at once on the real-time downlink only (COMMAND_RESPONSE REJECTED with the code, and a
COMMAND_REJECTED event), and at the end of the interval one UPLINK_REFUSED event is stored
with the interval's count and the mask of its reason codes. A refusal of an authentic command
(its shape, opcode, arguments, a full schedule) is stored and answered as before: only the key
holder can cause those.

Time-tagged commands are kept in non-volatile storage (a CRC-protected record) and re-armed at
every boot, so they survive resets. One whose time passed while the software was down runs at
boot if at most ``LATE_GRACE_S`` late, else fails with TIME_PASSED (answered and logged as
a COMMAND_FAILED event, as is a command arriving with a time tag already that far past).

The replay window (the highest counter accepted and the bitmap of those below it, as
:class:`picodragon.link.auth.CommandVerifier` keeps them) is saved in the persistent parameters
whenever it changes, so a reset does not reopen a used counter.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from picodragon.dictionary.definitions import Dictionary
from picodragon.dictionary.loader import core
from picodragon.dictionary.packets import EPOCH_2000_UNIX, pack_telemetry
from picodragon.dictionary.telecommand import (
    UNAUTHENTICATED,
    CommandRejection,
    Reason,
    Stage,
    Telecommand,
    auth,
    decode_telecommand,
)
from picodragon.fsw.events import Sequencer
from picodragon.fsw.hal import Storage
from picodragon.fsw.params import PersistentParams
from picodragon.fsw.records import RotatingRecord
from picodragon.fsw.scheduler import Component, Handler, Port, Scheduler

LATE_GRACE_S = 60.0
SCHEDULE_KEY = "timetags"
REFUSAL_TIMER = "commanding.refusals"
AT_TIME = "at_time"
"""The argument that schedules a command (UTC seconds since 2000; 0: now)."""

__all__ = ["AT_TIME", "Commanding", "Handler", "TimeTag"]


@dataclass
class TimeTag:
    at: float
    counter: int
    opcode: int
    arguments: dict[str, float]


class Commanding(Component):
    """Receives, checks, dispatches and answers telecommands."""

    name = "commanding"
    component_id = 8
    commands = {"NOOP": "noop", "CLEAR_TIME_TAGS": "clear_time_tags",
                "LIST_TIME_TAGS": "list_time_tags"}

    def __init__(self, key: bytes | None, params: PersistentParams, save_params: Callable[[], None],
                 scheduler: Scheduler, storage: Storage, sequencer: Sequencer,
                 emit: Callable[..., None] | None, capacity: int, window_size: int,
                 refusal_interval_s: float = 60.0, refusal_answers: int = 8, *,
                 dictionary: Dictionary | None = None) -> None:
        super().__init__()
        self.dictionary = dictionary or core()
        self._response_packet = self.dictionary.packet("COMMAND_RESPONSE")
        self._entry_packet = self.dictionary.packet("TIME_TAG_ENTRY")
        self.key = key
        self.params = params
        self.save_params = save_params
        self.scheduler = scheduler
        self.storage = storage
        self._sequencer = sequencer
        if emit is not None:  # a bare callable (a test bench) instead of a connected port
            self.events_out.connect(lambda e: emit(e.at, e.name, e.arg0, e.arg1, persist=e.persist))
        self.capacity = capacity
        self.verifier = (
            auth.CommandVerifier({0: key}, window=window_size, highest=params.auth_counter_high,
                                 bitmap=params.auth_bitmap)
            if key is not None else None
        )
        self.handlers: dict[str, Handler] = {}
        self.responses_out: Port[bytes] = Port("commanding.responses_out")
        self.contact_out: Port[float] = Port("commanding.contact_out")
        self.completed_out: Port[float] = Port("commanding.completed_out")
        """the time of every command completed (after the persistent count is raised)"""
        self.listing_out: Port[bytes] = Port("commanding.listing_out")
        """TIME_TAG_ENTRY packets answering LIST_TIME_TAGS"""
        self.realtime_out: Port[bytes] = Port("commanding.realtime_out")
        """COMMAND_RESPONSE packets for the real-time downlink only, never stored: the answers
        to refusals an outsider can cause"""
        self.received = 0
        self.rejected = 0
        """telecommands refused since boot (junk addressed to us included): HK commands_rejected"""
        self.refusal_interval_s = refusal_interval_s
        self.refusal_answers = refusal_answers
        self.refused = 0
        """refusals of unauthenticated input since boot, every kind (frames for others too)"""
        self.refused_by_reason: dict[str, int] = {}
        self._interval_refused = 0
        self._interval_reasons = 0
        self._interval_answered = 0
        self.executed: deque[tuple[float, str, int]] = deque(maxlen=256)
        """the last commands run: (time, name, reason code), for inspection"""
        self._record = RotatingRecord(storage, SCHEDULE_KEY, slots=4, copies=2)
        self.schedule: list[TimeTag] = self._load()

    def register(self, name: str, handler: Handler) -> None:
        """Dispatch the dictionary command ``name`` to ``handler``; ValueError (one line) for a
        name the dictionary lacks or one that already has a handler."""
        if self.dictionary.command(name) is None:
            raise ValueError(f"a component handles command {name!r}, which dictionary "
                             f"{self.dictionary.name} does not declare")
        if name in self.handlers:
            raise ValueError(f"command {name!r} has two handlers")
        self.handlers[name] = handler

    def telemetry(self) -> dict[str, float]:
        return {"commands_received": self.received, "commands_rejected": self.rejected,
                "time_tags_pending": len(self.schedule)}

    # --- uplink -------------------------------------------------------------------------------

    def handle(self, data: bytes, now: float) -> None:
        """One uplinked telecommand packet."""
        result = decode_telecommand(data, self.verifier, self.dictionary)
        self._save_window()
        if isinstance(result, CommandRejection) and result.reason in UNAUTHENTICATED:
            self.rejected += 1
            self.refuse(now, result.reason, result.counter, result.opcode)
            return
        if isinstance(result, CommandRejection):
            self.rejected += 1
            self.emit(now, "COMMAND_REJECTED", int(result.reason), result.counter)
            self._respond(now, result.counter, result.opcode, Stage.REJECTED, result.reason)
            return
        self.received += 1
        self.contact_out.send(now)
        execute_at = result.execute_at
        if result.arguments.get(AT_TIME, 0):
            execute_at = EPOCH_2000_UNIX + result.arguments[AT_TIME]
        if execute_at is not None and execute_at > now + 0.5:
            self._schedule(result, execute_at, now)
            return
        self._respond(now, result.counter, result.opcode, Stage.ACCEPTED, Reason.OK)
        if execute_at is not None and execute_at < now - LATE_GRACE_S:
            # "capture at 03:28:10" arriving at 04:00 is not a capture now
            self.emit(now, "COMMAND_FAILED", result.opcode, int(Reason.TIME_PASSED))
            self._respond(now, result.counter, result.opcode, Stage.FAILED, Reason.TIME_PASSED)
            return
        self._execute(now, result.counter, result.opcode, dict(result.arguments))

    def refuse(self, now: float, reason: Reason, counter: int = 0, opcode: int = 0, *,
               answer: bool = True) -> None:
        """Count one refusal of unauthenticated input; answer it at once while the interval's
        answers last (``answer``: a telecommand was read, so a COMMAND_RESPONSE can name it);
        the interval's UPLINK_REFUSED summary is stored when the interval ends.

        ``counter`` and ``opcode`` are as read from the frame, not authentic: they only help the
        ground's operator see which of their frames it was.
        """
        self.refused += 1
        self.refused_by_reason[reason.name] = self.refused_by_reason.get(reason.name, 0) + 1
        if self._interval_refused == 0:
            self.scheduler.at(REFUSAL_TIMER, now + self.refusal_interval_s, self._report_refusals,
                              self)
        self._interval_refused += 1
        self._interval_reasons |= 1 << int(reason)
        if self._interval_answered >= self.refusal_answers:
            return
        self._interval_answered += 1
        self.emit(now, "COMMAND_REJECTED", int(reason), counter, persist=False)
        if answer:
            self.realtime_out.send(self._response(now, counter, opcode, Stage.REJECTED, reason))

    def _report_refusals(self, now: float) -> None:
        """The end of a refusal interval: one stored UPLINK_REFUSED event for all of it."""
        count, reasons = self._interval_refused, self._interval_reasons
        self._interval_refused = self._interval_reasons = self._interval_answered = 0
        if count:
            self.emit(now, "UPLINK_REFUSED", min(count, 0x7FFFFFFF), reasons)

    def _save_window(self) -> None:
        v = self.verifier
        if v is not None and (v.highest, v.bitmap) != (self.params.auth_counter_high, self.params.auth_bitmap):
            self.params.auth_counter_high, self.params.auth_bitmap = v.highest, v.bitmap
            self.save_params()

    # --- execution ----------------------------------------------------------------------------

    def _execute(self, now: float, counter: int, opcode: int, arguments: dict[str, float]) -> None:
        command = self.dictionary.command_by_opcode(opcode)
        assert command is not None  # decoded or stored by this dictionary
        if AT_TIME in arguments:
            arguments[AT_TIME] = 0
        handler = self.handlers.get(command.name)
        try:
            code = int(Reason.FAILED) if handler is None else int(handler(now, arguments))
        except Exception:
            code = int(Reason.FAILED)
        self.executed.append((now, command.name, code))
        if code == 0:
            self.params.commands_executed += 1
            self.save_params()
            self.completed_out.send(now)
            self._respond(now, counter, opcode, Stage.COMPLETED, Reason.OK)
        else:
            try:
                reason = Reason(code)
            except ValueError:  # a handler's private code: the dictionary knows only Reason
                reason = Reason.FAILED
            self.emit(now, "COMMAND_FAILED", opcode, int(reason))
            self._respond(now, counter, opcode, Stage.FAILED, reason)

    def _respond(self, now: float, counter: int, opcode: int, stage: Stage, code: Reason) -> None:
        self.responses_out.send(self._response(now, counter, opcode, stage, code))

    def _response(self, now: float, counter: int, opcode: int, stage: Stage, code: Reason) -> bytes:
        return pack_telemetry(
            self._response_packet,
            {"counter": counter, "opcode": opcode, "stage": int(stage), "code": int(code)},
            now, self._sequencer.next(self._response_packet.apid),
        )

    # --- time tags ----------------------------------------------------------------------------

    def _schedule(self, tc: Telecommand, at: float, now: float) -> None:
        if len(self.schedule) >= self.capacity:
            self.emit(now, "COMMAND_REJECTED", int(Reason.SCHEDULE_FULL), tc.counter)
            self._respond(now, tc.counter, tc.opcode, Stage.REJECTED, Reason.SCHEDULE_FULL)
            return
        self.schedule.append(TimeTag(at, tc.counter, tc.opcode, dict(tc.arguments)))
        self.schedule.sort(key=lambda t: t.at)
        self._save()
        self._arm()
        self.emit(now, "COMMAND_SCHEDULED", tc.opcode, int(at - EPOCH_2000_UNIX))
        self._respond(now, tc.counter, tc.opcode, Stage.SCHEDULED, Reason.OK)

    def boot(self, now: float) -> None:
        """Re-arm the stored time tags; fail those too late to run."""
        for tag in [t for t in self.schedule if t.at < now - LATE_GRACE_S]:
            self.schedule.remove(tag)
            self.emit(now, "COMMAND_FAILED", tag.opcode, int(Reason.TIME_PASSED))
            self._respond(now, tag.counter, tag.opcode, Stage.FAILED, Reason.TIME_PASSED)
        self._save()
        self._arm()

    def _arm(self) -> None:
        if self.schedule:
            self.scheduler.at("commanding.timetag", self.schedule[0].at, self._due, self,
                              absolute=True)
        else:
            self.scheduler.cancel("commanding.timetag")

    def _due(self, now: float) -> None:
        due = [t for t in self.schedule if t.at <= now]
        self.schedule = [t for t in self.schedule if t.at > now]
        self._save()  # removed before running: a reset inside a command does not repeat it
        for tag in due:
            self._execute(now, tag.counter, tag.opcode, dict(tag.arguments))
        self._arm()

    def list_time_tags(self, now: float, arguments: dict[str, float]) -> int:
        """LIST_TIME_TAGS: one TIME_TAG_ENTRY per command waiting."""
        for index, tag in enumerate(self.schedule):
            values = {"index": index, "count": len(self.schedule), "execute_unix": tag.at,
                      "counter": tag.counter, "opcode": tag.opcode}
            self.listing_out.send(pack_telemetry(self._entry_packet, values, now,
                                                 self._sequencer.next(self._entry_packet.apid)))
        return 0

    def noop(self, now: float, arguments: dict[str, float]) -> int:
        """NOOP: nothing, answered."""
        return 0

    def clear_time_tags(self, now: float, arguments: dict[str, float]) -> int:
        """CLEAR_TIME_TAGS: forget every command waiting."""
        self.clear_schedule()
        return 0

    def clear_schedule(self) -> None:
        self.schedule.clear()
        self._save()
        self._arm()

    def _load(self) -> list[TimeTag]:
        body = self._record.load()
        if body is None:
            return []
        try:
            tags = [TimeTag(**t) for t in json.loads(body)]
        except (ValueError, TypeError):
            return []
        return sorted((t for t in tags if self.dictionary.command_by_opcode(t.opcode) is not None),
                      key=lambda t: t.at)

    def _command_name(self, opcode: int) -> str:
        command = self.dictionary.command_by_opcode(opcode)
        return command.name if command is not None else f"0x{opcode:04X}"

    def _save(self) -> None:
        """Two copies in a rotating record (a full flash: the schedule lives on in RAM); an
        older generation coming back after a bit flip could run a command twice."""
        self._record.save(json.dumps([vars(t) for t in self.schedule]).encode())

    def state(self) -> dict[str, Any]:
        return super().state() | {
            "received": self.received, "rejected": self.rejected, "refused": self.refused,
            "refused_by_reason": dict(self.refused_by_reason),
            "schedule": [(t.at, self._command_name(t.opcode)) for t in self.schedule],
            "counter_high": self.params.auth_counter_high,
        }

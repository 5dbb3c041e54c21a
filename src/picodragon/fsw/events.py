"""The event log: every on-board event, declared in the dictionary, logged and sent as telemetry.

A component reports an event by name with two integer arguments (the dictionary's EVENT_REPORT
carries exactly that). The log packs an EVENT_REPORT packet for the downlink's real-time queue
and keeps the last ``capacity`` packets in non-volatile storage, so events that happened out of
view (or before a reset) can be dumped at the next pass.

The stored history is ranked by severity (:func:`stored_rank`): when full it drops the oldest
packets of the lowest severity first, so a flood of routine events never pushes out a critical
one. Reports of what anyone on the band can cause (junk on the uplink) are emitted with
``persist=False``: real-time only, the commanding component stores their rate-bounded summary.
"""

from __future__ import annotations

import functools
from collections import deque
from typing import Any

from picodragon.dictionary.definitions import Dictionary
from picodragon.dictionary.loader import core
from picodragon.dictionary.model import Severity
from picodragon.dictionary.packets import EPOCH_2000_UNIX, HEADER_SIZE, PRIMARY, pack_telemetry
from picodragon.fsw.filestore import FileStore, save_log
from picodragon.fsw.hal import Storage
from picodragon.fsw.history import PacketHistory, Playback
from picodragon.fsw.scheduler import Component, EventReport, Failure, Port

_SEVERITY_OFFSET = HEADER_SIZE + 2
"""EVENT_REPORT: event_id (u16), then severity (u8)"""
_STAGE_OFFSET = HEADER_SIZE + 4 + 2
"""COMMAND_RESPONSE: counter (u32), opcode (u16), then stage (u8)"""
_REFUSED_STAGES = (2, 3)
"""FAILED and REJECTED"""


def stored_rank(packet: bytes, dictionary: Dictionary | None = None) -> int:
    """The eviction rank of a packet in the event history: an EVENT_REPORT's severity; a
    COMMAND_RESPONSE ranks as WARNING when it tells of a failure or rejection, else INFO;
    anything else (unreadable) as DEBUG, first to go. APIDs from ``dictionary`` (the core one
    by default)."""
    if len(packet) < PRIMARY.size:
        return int(Severity.DEBUG)
    dictionary = dictionary or core()
    apid = int.from_bytes(packet[:2], "big") & 0x7FF
    if apid == dictionary.packet("EVENT_REPORT").apid and len(packet) > _SEVERITY_OFFSET:
        return min(int(packet[_SEVERITY_OFFSET]), int(Severity.CRITICAL))
    if apid == dictionary.packet("COMMAND_RESPONSE").apid and len(packet) > _STAGE_OFFSET:
        refused = packet[_STAGE_OFFSET] in _REFUSED_STAGES
        return int(Severity.WARNING if refused else Severity.INFO)
    return int(Severity.DEBUG)


class Sequencer:
    """The 14-bit CCSDS sequence count of each APID."""

    def __init__(self) -> None:
        self._counts: dict[int, int] = {}

    def next(self, apid: int) -> int:
        count = self._counts.get(apid, 0)
        self._counts[apid] = (count + 1) & 0x3FFF
        return count


class EventLog(Component):
    """Packs, sends and keeps every event; answers DUMP_EVENTS and SAVE_EVENT_LOG.

    Every component's ``events_out`` is connected to :meth:`report`; the scheduler's failures
    to :meth:`component_failed`; the command responses to :meth:`keep` (stored with the events,
    so an answer given out of view can be dumped later).
    """

    name = "events"
    component_id = 1
    commands = {"DUMP_EVENTS": "dump", "SAVE_EVENT_LOG": "save_log"}

    def __init__(self, storage: Storage, sequencer: Sequencer, capacity: int, *,
                 dictionary: Dictionary | None = None, files: FileStore | None = None) -> None:
        super().__init__()
        self.dictionary = dictionary or core()
        self._report = self.dictionary.packet("EVENT_REPORT")
        self.files = files
        self.packets_out: Port[bytes] = Port("events.packets_out")
        self.playback_out: Port[Playback] = Port("events.playback_out")
        """stored packets to play back on the downlink (DUMP_EVENTS)"""
        self.history = PacketHistory(storage, "events", capacity,
                                     rank=functools.partial(stored_rank, dictionary=self.dictionary))
        self._sequencer = sequencer
        self.recent: deque[tuple[float, str, int, int]] = deque(maxlen=64)
        self.counts: dict[str, int] = {}

    def emit(self, now: float, name: str, arg0: int = 0, arg1: int = 0, *,
             persist: bool = True) -> None:
        """Report event ``name`` (declared in the dictionary) with its two arguments.

        ``persist=False``: sent on the real-time downlink and counted, not stored (for reports
        whose number an outsider controls; their stored record is a bounded summary).
        """
        event = self.dictionary.event(name)
        if event is None:
            raise KeyError(f"no event {name!r} in dictionary {self.dictionary.name}")
        packet = pack_telemetry(
            self._report,
            {"event_id": event.event_id, "severity": int(event.severity),
             "arg0": int(arg0), "arg1": int(arg1)},
            now, self._sequencer.next(self._report.apid),
        )
        self.recent.append((now, name, int(arg0), int(arg1)))
        self.counts[name] = self.counts.get(name, 0) + 1
        if persist:
            self.history.append(packet)
        self.packets_out.send(packet)

    def report(self, event: EventReport) -> None:
        """An event a component reported on its ``events_out``."""
        self.emit(event.at, event.name, event.arg0, event.arg1, persist=event.persist)

    def component_failed(self, failure: Failure) -> None:
        """A component's scheduled work failed: COMPONENT_FAILURE (not for this log's own, which
        could not be logged)."""
        if failure.component is not self:
            self.emit(failure.at, "COMPONENT_FAILURE", failure.component.component_id,
                      failure.component.failures)

    def keep(self, packet: bytes) -> None:
        """Store a packet with the events (a command response)."""
        self.history.append(packet)

    def dump(self, now: float, arguments: dict[str, float]) -> int:
        """DUMP_EVENTS: play back the stored events and responses since ``since`` (0: all)."""
        since = EPOCH_2000_UNIX + arguments["since"] if arguments["since"] else 0.0
        self.playback_out.send(Playback(self.history.packets(since), int(arguments["max_packets"])))
        return 0

    def save_log(self, now: float, arguments: dict[str, float]) -> int:
        """SAVE_EVENT_LOG: every stored event and response into a LOG file."""
        return save_log(self.files, now, self.history.packets())

    def names(self) -> list[str]:
        """Names of the recent events, oldest first (for tests)."""
        return [name for _, name, _, _ in self.recent]

    def state(self) -> dict[str, Any]:
        return super().state() | {"counts": dict(self.counts), "stored": len(self.history)}

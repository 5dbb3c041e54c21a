"""The event log: every on-board event, declared in the dictionary, logged and sent as telemetry.

A component reports an event by name with two integer arguments (the dictionary's EVENT_REPORT
carries exactly that). The log packs an EVENT_REPORT packet for the downlink's real-time queue
and keeps the last ``capacity`` packets in non-volatile storage, so events that happened out of
view (or before a reset) can be dumped at the next pass.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from picodragon.dictionary.packets import pack_telemetry
from picodragon.dictionary.spacecraft import EVENT_REPORT, EVENTS
from picodragon.fsw.hal import Storage
from picodragon.fsw.history import PacketHistory
from picodragon.fsw.scheduler import Component, Port

EVENTS_BY_NAME = {e.name: e for e in EVENTS}


class Sequencer:
    """The 14-bit CCSDS sequence count of each APID."""

    def __init__(self) -> None:
        self._counts: dict[int, int] = {}

    def next(self, apid: int) -> int:
        count = self._counts.get(apid, 0)
        self._counts[apid] = (count + 1) & 0x3FFF
        return count


class EventLog(Component):
    """Packs, sends and keeps every event."""

    name = "events"

    def __init__(self, storage: Storage, sequencer: Sequencer, capacity: int) -> None:
        super().__init__()
        self.packets_out: Port[bytes] = Port("events.packets_out")
        self.history = PacketHistory(storage, "events", capacity)
        self._sequencer = sequencer
        self.recent: deque[tuple[float, str, int, int]] = deque(maxlen=64)
        self.counts: dict[str, int] = {}

    def emit(self, now: float, name: str, arg0: int = 0, arg1: int = 0) -> None:
        """Report event ``name`` (declared in the dictionary) with its two arguments."""
        event = EVENTS_BY_NAME[name]
        packet = pack_telemetry(
            EVENT_REPORT,
            {"event_id": event.event_id, "severity": int(event.severity),
             "arg0": int(arg0), "arg1": int(arg1)},
            now, self._sequencer.next(EVENT_REPORT.apid),
        )
        self.recent.append((now, name, int(arg0), int(arg1)))
        self.counts[name] = self.counts.get(name, 0) + 1
        self.history.append(packet)
        self.packets_out.send(packet)

    def names(self) -> list[str]:
        """Names of the recent events, oldest first (for tests)."""
        return [name for _, name, _, _ in self.recent]

    def state(self) -> dict[str, Any]:
        return super().state() | {"counts": dict(self.counts), "stored": len(self.history)}

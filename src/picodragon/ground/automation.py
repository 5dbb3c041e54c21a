"""A pass run by the station itself: what to uplink in a contact, decided from what was heard.

Getting data down in a real pass is routine work an operator should not do by hand: ask for the
events and housekeeping logged out of view, list the on-board files, start the download of each
new image, keep the contact alive (the flight software sends file chunks only while it hears the
ground), then, in later passes, ask for exactly the chunks still missing with REQUEST_CHUNKS
bitmasks, and free the flash once a file is down with its CRC-32 checked. :class:`PassAutomation`
does that from the ground's own tools, the command queue (``ground.commanding``) and the file
assembler (``ground.files``), so the simulated operations team (``mission.operator``) and the
real station (``picodragon station --auto``, ``ground.operations.run_station``) share one logic.

A contact is a station in view that heard the spacecraft less than ``contact_s`` (90 s) ago: a
command sent into silence is wasted, so nothing goes up before the spacecraft is heard. Each
contact, in this order:

1. DUMP_EVENTS since the newest event already heard (at most 40 packets);
2. DUMP_HOUSEKEEPING since the end of the previous contact (``hk_dump_packets``, 60 packets or
   about 30 s of the 1200 bit/s downlink), only when no image is on its way down;
3. the caller's ``before_list`` hook (the simulated team books its time-tagged captures here);
4. LIST_FILES, once a contact when ``should_list`` says so (by default: each contact);
5. DELETE_FILE for each file that came down whole since the last contact;
6. per valid image listed and not down yet: DOWNLINK_FILE the first time, afterwards
   REQUEST_CHUNKS for the missing chunks (at most ``request_limit`` commands of 128 chunks);
7. a NOOP when nothing was sent for ``keepalive_s`` (60 s).

A command that timed out is queued again with a new counter, up to ``max_tries`` times (NOOPs
are not retried: the next keep-alive replaces them). A file whose CRC-32 fails is forgotten and
fetched again from the start in the next contact. Time-tagged commands (:meth:`schedule`) wait
for the next contact and go up with their execution time.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection
from dataclasses import dataclass

from picodragon.dictionary.packets import EPOCH_2000_UNIX
from picodragon.ground.commanding import CommandQueue, CommandRecord
from picodragon.ground.files import FileAssembler, FileState

#: FILE_ENTRY ``kind`` of an image (the core dictionary's file kinds: 1 image, 2 housekeeping log)
IMAGE_KIND = 1


@dataclass(frozen=True)
class AutomationSettings:
    """The pace of an automated pass; the defaults are the simulated team's, in seconds."""

    keepalive_s: float = 60.0
    contact_s: float = 90.0
    hk_dump_packets: int = 60
    event_dump_packets: int = 40
    max_tries: int = 3
    request_limit: int = 4


class PassAutomation:
    """See the module docstring. Call :meth:`on_decoded` for every decoded packet (after the file
    assembler and the command queue), :meth:`note_timed_out` with what the queue's
    ``check_timeouts`` returned, and :meth:`step` each tick; then uplink what the queue has
    released, asking :meth:`keepalive_due` when nothing was."""

    def __init__(
        self,
        queue: CommandQueue,
        assembler: FileAssembler,
        *,
        spacecraft_callsign: str,
        settings: AutomationSettings | None = None,
        should_list: Callable[[float], bool] | None = None,
        before_list: Callable[[float], None] | None = None,
        on_file_down: Callable[[int, FileState], None] | None = None,
        delete_when_down: bool = True,
    ) -> None:
        """``spacecraft_callsign``: whose packets count as contact (``CALL`` or ``CALL-SSID``;
        the SSID is ignored). ``should_list(now)``: whether to list the files in this contact
        (None: every contact). ``before_list(now)``: called once a contact before the listing.
        ``on_file_down(file_id, state)``: a file came down whole with its CRC-32 checked.
        ``delete_when_down``: free the flash of a file once it is down (DELETE_FILE)."""
        self.queue = queue
        self.assembler = assembler
        self.callsign = spacecraft_callsign.split("-")[0].upper()
        self.settings = settings or AutomationSettings()
        self.should_list = should_list
        self.before_list = before_list
        self.on_file_down = on_file_down
        self.delete_when_down = delete_when_down
        self.entries: dict[int, dict[str, float]] = {}
        """FILE_ENTRY values by file id (capture time and place, kind, validity)"""
        self.stations_of: dict[int, str] = {}
        """the station in contact when each command was queued, by command id"""
        self.contact_station: str | None = None
        self.last_heard = -math.inf
        self.done_files: set[int] = set()
        self._tries: dict[int, int] = {}
        self._timed_out: list[CommandRecord] = []
        self._downlink_started: set[int] = set()
        self._to_delete: list[int] = []
        self._scheduled: list[tuple[str, dict[str, float], float]] = []
        self._last_sent = -math.inf
        self._last_event_time = EPOCH_2000_UNIX
        self._previous_contact_end = EPOCH_2000_UNIX
        self._pass_start: float | None = None
        self._pass_done: set[str] = set()
        self._files_changed = 0
        """bumped whenever ``entries`` or ``done_files`` change: ``pending_files`` is asked
        several times a tick in every contact and recomputed only after a change"""
        self._pending: tuple[tuple[int, int, int], tuple[int, ...]] | None = None

    # --- what the ground hears -----------------------------------------------------------------
    def on_decoded(self, decoded) -> None:
        """Follow the contact, the event log, the file directory and each file's progress."""
        if decoded.source.split("-")[0].upper() != self.callsign:
            return
        self.last_heard = decoded.received_unix_s
        self.contact_station = decoded.station
        name = decoded.name
        if name == "EVENT_REPORT":
            self._last_event_time = max(self._last_event_time, decoded.unix_s)
        elif name == "FILE_ENTRY":
            self.entries[int(decoded.values["file_id"])] = dict(decoded.values)
            self._files_changed += 1
        elif getattr(decoded, "chunk", None) is not None:
            self._file_progress(decoded.chunk.file_id)

    def _file_progress(self, file_id: int) -> None:
        state = self.assembler.files.get(file_id)
        if state is None or file_id in self.done_files or state.crc_ok is None:
            return
        if state.crc_ok:
            self.done_files.add(file_id)
            self._files_changed += 1
            if self.delete_when_down:
                self._to_delete.append(file_id)
            if self.on_file_down is not None:
                self.on_file_down(file_id, state)
        else:  # a chunk was corrupted past the FCS: fetch the whole file again next contact
            self.assembler.refetch(file_id, self.last_heard)
            self._downlink_started.discard(file_id)

    def note_timed_out(self, records: list[CommandRecord]) -> None:
        """Commands whose verification window closed (the queue's ``check_timeouts``): retried
        in the next contact."""
        self._timed_out.extend(records)

    # --- what the ground does ------------------------------------------------------------------
    def in_contact(self, unix_s: float, in_view: Collection[str]) -> str | None:
        """The station in contact now (in view and heard within ``contact_s``), or None."""
        if unix_s - self.last_heard < self.settings.contact_s and self.contact_station in in_view:
            return self.contact_station
        return None

    def step(self, unix_s: float, in_view: Collection[str]) -> str | None:
        """Queue and release what this moment of the pass needs; the station in contact (None:
        no contact, nothing queued). ``in_view``: the stations that see the spacecraft now."""
        if not in_view:
            if self._pass_start is not None:
                self._pass_start = None
                self._pass_done.clear()
                if self.last_heard > EPOCH_2000_UNIX:
                    self._previous_contact_end = self.last_heard
            return None
        if self._pass_start is None:
            self._pass_start = unix_s
        station = self.in_contact(unix_s, in_view)
        if station is None:
            return None
        self._plan_pass(unix_s)
        self._retry_timed_out(unix_s)
        return station

    def station_step(self, unix_s: float, station: str, in_pass: bool) -> str | None:
        """One tick of a real station (``run_station`` with ``auto``): :meth:`step`, then a
        keep-alive when nothing is released and one is due. The station's uplink sends what is
        released at its next tick. ``in_pass``: between AOS and LOS of ``station``'s pass."""
        from picodragon.ground.commanding import Stage

        contact = self.step(unix_s, [station] if in_pass else [])
        if contact is None:
            return None
        if self.queue.pending(Stage.RELEASED):
            self.note_sent(unix_s)  # they go up at the station's next uplink
        elif self.keepalive_due(unix_s):
            self.keepalive(unix_s)
            self.note_sent(unix_s)
        return contact

    def keepalive_due(self, unix_s: float) -> bool:
        """Whether a NOOP should go up now (nothing sent for ``keepalive_s``)."""
        return unix_s - self._last_sent >= self.settings.keepalive_s

    def keepalive(self, unix_s: float) -> CommandRecord:
        """Queue and release the keep-alive NOOP."""
        return self.command("NOOP", {}, unix_s)

    def note_sent(self, unix_s: float) -> None:
        """Something went up at ``unix_s`` (the keep-alive's clock restarts)."""
        self._last_sent = unix_s

    def schedule(self, name: str, arguments: dict[str, float], execute_at: float) -> None:
        """A time-tagged command to go up in the next contact (executed on board at
        ``execute_at``, Unix seconds)."""
        self._scheduled.append((name, dict(arguments), float(execute_at)))

    def command(self, name: str, arguments: dict[str, float], unix_s: float, tries: int = 1,
                execute_at: float | None = None) -> CommandRecord:
        """Queue and release one command now (CommandError if the dictionary refuses it)."""
        record = self.queue.queue(name, arguments, now=unix_s, execute_at=execute_at)
        self.queue.release(record.id, unix_s)
        self._tries[record.id] = tries
        if self.contact_station is not None:
            self.stations_of[record.id] = self.contact_station
        return record

    def pending_files(self) -> list[int]:
        """Valid images listed on board and not yet down whole."""
        key = (self._files_changed, len(self.entries), len(self.done_files))
        if self._pending is None or self._pending[0] != key:
            self._pending = (key, tuple(
                fid for fid, v in self.entries.items()
                if int(v["kind"]) == IMAGE_KIND and int(v["valid"]) == 1 and fid not in self.done_files))
        return list(self._pending[1])

    def _plan_pass(self, unix_s: float) -> None:
        s = self.settings
        if "events" not in self._pass_done:
            self._pass_done.add("events")
            since = max(round(self._last_event_time - EPOCH_2000_UNIX) + 1, 0)
            self.command("DUMP_EVENTS", {"since": since, "max_packets": s.event_dump_packets}, unix_s)
        if "housekeeping" not in self._pass_done and not self.pending_files():
            # store and forward: the housekeeping sampled out of view since the last we heard
            self._pass_done.add("housekeeping")
            since = max(round(self._previous_contact_end - EPOCH_2000_UNIX) + 1, 0)
            self.command("DUMP_HOUSEKEEPING", {"since": since, "max_packets": s.hk_dump_packets}, unix_s)
        if "before_list" not in self._pass_done:
            self._pass_done.add("before_list")
            if self.before_list is not None:
                self.before_list(unix_s)
        if "list" not in self._pass_done and (self.should_list is None or self.should_list(unix_s)):
            self._pass_done.add("list")
            self.command("LIST_FILES", {}, unix_s)
        scheduled, self._scheduled = self._scheduled, []
        for name, arguments, execute_at in scheduled:
            self.command(name, arguments, unix_s, execute_at=execute_at)
        for file_id in self._to_delete:
            self.command("DELETE_FILE", {"file_id": file_id}, unix_s)
        self._to_delete.clear()
        for file_id in self.pending_files():
            key = f"file{file_id}"
            if key in self._pass_done:
                continue
            self._pass_done.add(key)
            if file_id not in self._downlink_started:
                self._downlink_started.add(file_id)
                self.command("DOWNLINK_FILE", {"file_id": file_id}, unix_s)
            else:
                for request in self.assembler.requests(file_id)[: s.request_limit]:
                    self.command("REQUEST_CHUNKS", request, unix_s)

    def _retry_timed_out(self, unix_s: float) -> None:
        timed_out, self._timed_out = self._timed_out, []
        for record in timed_out:
            tries = self._tries.pop(record.id, self.settings.max_tries)
            if tries < self.settings.max_tries and record.name != "NOOP":
                self.command(record.name, record.arguments, unix_s, tries + 1, record.execute_at)

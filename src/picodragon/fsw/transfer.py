"""File downlink and history dumps: the downlink's low-priority packet sources.

:class:`FileTransfer` also answers the file commands (LIST_FILES, DOWNLINK_FILE,
REQUEST_CHUNKS, DELETE_FILE, ABORT_TRANSFERS); the protocol is in
:mod:`picodragon.dictionary.files`.

:class:`FileTransfer` keeps, for each file being sent, the set of chunk numbers still to send,
in non-volatile storage (one small CRC-protected record). A chunk leaves the set when the
downlink actually transmits it, and the record is rewritten at once, so after a reset
(mid-downlink included) the transfer resumes with the next chunk: none is lost, none sent twice.
Chunks go out lowest file id first, lowest chunk first, and only while the ground is in contact
(a valid telecommand within ``contact_timeout_s``) and the mode allows it, so the spacecraft
does not spend its battery talking to nobody; the downlink paces them to the link's bit rate.

:class:`HistoryDump` plays back stored packets (housekeeping, events) after a DUMP command.
"""

from __future__ import annotations

import json
import math
from collections import deque
from collections.abc import Iterable
from typing import Any

from picodragon.dictionary.definitions import Dictionary
from picodragon.dictionary.files import (
    chunk_apid,
    chunk_count,
    pack_file_chunk,
    requested_chunks,
)
from picodragon.dictionary.loader import core
from picodragon.dictionary.packets import pack_telemetry
from picodragon.dictionary.telecommand import Reason
from picodragon.fsw.events import Sequencer
from picodragon.fsw.filestore import FileStore
from picodragon.fsw.hal import Storage
from picodragon.fsw.history import Playback
from picodragon.fsw.modes import REFERENCE, ModeChanged, Modes
from picodragon.fsw.records import RotatingRecord
from picodragon.fsw.scheduler import Component, Port

RECORD_KEY = "transfer"


class FileTransfer(Component):
    """Sends the queued chunks of files; its queue survives resets."""

    name = "transfer"
    component_id = 11
    commands = {"LIST_FILES": "list_files", "DOWNLINK_FILE": "downlink_file",
                "REQUEST_CHUNKS": "request_chunks", "DELETE_FILE": "delete_file",
                "ABORT_TRANSFERS": "abort_transfers"}

    def __init__(self, files: FileStore, storage: Storage, sequencer: Sequencer,
                 chunk_size: int, contact_timeout_s: float, *,
                 dictionary: Dictionary | None = None, modes: Modes = REFERENCE) -> None:
        super().__init__()
        self.dictionary = dictionary or core()
        self._entry_packet = self.dictionary.packet("FILE_ENTRY")
        self._chunk_apid = chunk_apid(self.dictionary)
        self.files = files
        self.storage = storage
        self._sequencer = sequencer
        self.chunk_size = chunk_size
        self.contact_timeout_s = contact_timeout_s
        self.last_contact = -float("inf")
        self.table = modes
        self.mode = modes.boot
        """the mode, from the mode manager's messages: no transfers in LOW_POWER or SAFE"""
        self.listing_out: Port[bytes] = Port("transfer.listing_out")
        """FILE_ENTRY packets answering LIST_FILES"""
        self._record = RotatingRecord(storage, RECORD_KEY, slots=8, copies=2)
        self.pending: dict[int, set[int]] = self._load()
        self.chunks_sent = 0

    # --- persistence --------------------------------------------------------------------------

    def _load(self) -> dict[int, set[int]]:
        body = self._record.load()
        if body is None:
            return {}
        try:
            return {int(k): set(v) for k, v in json.loads(body).items()}
        except (ValueError, TypeError):
            return {}

    def _save(self) -> None:
        """Rewritten at every chunk sent: a rotating record (a full flash: it lives on in RAM)."""
        body = json.dumps({str(k): sorted(v) for k, v in self.pending.items()}).encode()
        self._record.save(body)

    # --- command handlers: each returns 0 or a telecommand Reason code -------------------------

    def list_files(self, now: float, arguments: dict[str, float]) -> int:
        """LIST_FILES: one FILE_ENTRY per file, its validity checked now."""
        listing = self.files.list()
        for index, info in enumerate(listing):
            q = info.quaternion
            values = {
                "index": index, "count": len(listing), "file_id": info.file_id, "kind": info.kind,
                "size_bytes": info.size_bytes, "crc32": info.crc32, "chunk_size": self.chunk_size,
                "chunk_count": chunk_count(info.size_bytes, self.chunk_size),
                "valid": int(info.valid), "created_unix": info.created_unix,
                "latitude_deg": info.latitude_deg, "longitude_deg": info.longitude_deg,
                "altitude_km": info.altitude_km if math.isfinite(info.altitude_km) else 0.0,
                "q_w": q[0], "q_x": q[1], "q_y": q[2], "q_z": q[3],
            }
            self.listing_out.send(pack_telemetry(self._entry_packet, values, now,
                                                 self._sequencer.next(self._entry_packet.apid)))
            if not info.valid:
                self.emit(now, "FILE_CORRUPT", info.file_id)
        return 0

    def downlink_file(self, now: float, arguments: dict[str, float]) -> int:
        """DOWNLINK_FILE: queue every chunk of a valid file."""
        info = self.files.info(int(arguments["file_id"]))
        if info is None:
            return int(Reason.NO_SUCH_FILE)
        if not info.valid:
            self.emit(now, "FILE_CORRUPT", info.file_id)
            return int(Reason.FILE_CORRUPT)
        pending = self.queue(info.file_id)
        self.emit(now, "TRANSFER_STARTED", info.file_id, pending)
        return 0

    def request_chunks(self, now: float, arguments: dict[str, float]) -> int:
        """REQUEST_CHUNKS: queue again the chunks the ground lacks."""
        info = self.files.info(int(arguments["file_id"]))
        if info is None:
            return int(Reason.NO_SUCH_FILE)
        if not info.valid:  # corrupted since the transfer began: say so, send nothing more
            self.forget(info.file_id)
            self.emit(now, "FILE_CORRUPT", info.file_id)
            return int(Reason.FILE_CORRUPT)
        masks = [int(arguments[f"mask{k}"]) for k in range(4)]
        self.queue(info.file_id, requested_chunks(int(arguments["first_chunk"]), masks))
        return 0

    def delete_file(self, now: float, arguments: dict[str, float]) -> int:
        """DELETE_FILE: forget its chunks and remove it from the store."""
        file_id = int(arguments["file_id"])
        self.forget(file_id)
        return 0 if self.files.delete(file_id) else int(Reason.NO_SUCH_FILE)

    def abort_transfers(self, now: float, arguments: dict[str, float]) -> int:
        """ABORT_TRANSFERS: forget every chunk still to send."""
        self.abort()
        return 0

    # --- the queue ------------------------------------------------------------------------------

    def queue(self, file_id: int, chunks: Iterable[int] | None = None) -> int:
        """Queue chunks of a file (all of them when None); returns how many are now pending, or
        -1 when the file does not exist."""
        info = self.files.info(file_id)
        if info is None:
            return -1
        count = chunk_count(info.size_bytes, self.chunk_size)
        wanted = set(range(count)) if chunks is None else {c for c in chunks if 0 <= c < count}
        self.pending.setdefault(file_id, set()).update(wanted)
        if not self.pending[file_id]:
            del self.pending[file_id]
        self._save()
        return len(self.pending.get(file_id, ()))

    def abort(self) -> None:
        self.pending.clear()
        self._save()

    def forget(self, file_id: int) -> None:
        if self.pending.pop(file_id, None) is not None:
            self._save()

    def rebase(self, offset_s: float) -> None:
        super().rebase(offset_s)
        self.last_contact += offset_s

    def mode_changed(self, change: ModeChanged) -> None:
        self.mode = change.new

    def allowed(self) -> bool:
        """Whether the mode lets files go down (not in LOW_POWER or SAFE)."""
        return self.mode not in self.table.reduced

    def contact(self, now: float) -> None:
        """The ground was heard (a valid telecommand): transfers may run."""
        self.last_contact = now

    # --- the downlink's source protocol -------------------------------------------------------

    def has_packet(self, now: float) -> bool:
        return bool(self.pending) and now - self.last_contact <= self.contact_timeout_s and self.allowed()

    def next_packet(self, now: float) -> bytes | None:
        while self.pending:
            file_id = min(self.pending)
            chunks = self.pending[file_id]
            data = self.files.read(file_id)
            if data is None or not chunks:  # deleted meanwhile
                del self.pending[file_id]
                self._save()
                continue
            chunk = min(chunks)
            chunks.discard(chunk)
            count = chunk_count(len(data), self.chunk_size)
            body = data[chunk * self.chunk_size : (chunk + 1) * self.chunk_size]
            if not chunks:
                del self.pending[file_id]
                self.emit(now, "TRANSFER_DONE", file_id)
            self._save()
            self.chunks_sent += 1
            return pack_file_chunk(file_id, chunk, count, body, now,
                                   self._sequencer.next(self._chunk_apid or 0),
                                   dictionary=self.dictionary)
        return None

    def state(self) -> dict[str, Any]:
        return super().state() | {
            "pending": {k: len(v) for k, v in self.pending.items()},
            "chunks_sent": self.chunks_sent, "last_contact": self.last_contact,
        }


class HistoryDump:
    """Plays back a list of stored packets, one per free frame."""

    def __init__(self) -> None:
        self.queue: deque[bytes] = deque(maxlen=4096)

    def play(self, playback: Playback) -> int:
        """Queue a playback (a DUMP command's answer)."""
        return self.load(playback.packets, playback.max_packets)

    def enqueue(self, packet: bytes) -> None:
        """Queue one packet (a listing's entry)."""
        self.queue.append(packet)

    def load(self, packets: Iterable[bytes], max_packets: int) -> int:
        n = 0
        for packet in packets:
            if n >= max_packets:
                break
            self.queue.append(packet)
            n += 1
        return n

    def has_packet(self, now: float) -> bool:
        return bool(self.queue)

    def next_packet(self, now: float) -> bytes | None:
        return self.queue.popleft() if self.queue else None

"""File downlink and history dumps: the downlink's low-priority packet sources.

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

import contextlib
import json
import zlib
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from picodragon.dictionary.files import FILE_CHUNK_APID, chunk_count, pack_file_chunk
from picodragon.fsw.events import Sequencer
from picodragon.fsw.filestore import FileStore
from picodragon.fsw.hal import Storage
from picodragon.fsw.scheduler import Component

RECORD_KEY = "transfer.state"


class FileTransfer(Component):
    """Sends the queued chunks of files; its queue survives resets."""

    name = "transfer"

    def __init__(self, files: FileStore, storage: Storage, sequencer: Sequencer,
                 chunk_size: int, contact_timeout_s: float) -> None:
        super().__init__()
        self.files = files
        self.storage = storage
        self._sequencer = sequencer
        self.chunk_size = chunk_size
        self.contact_timeout_s = contact_timeout_s
        self.last_contact = -float("inf")
        self.allowed: Callable[[], bool] = lambda: True
        """the mode's permission (wired by the topology)"""
        self.on_done: Callable[[float, int], None] = lambda now, file_id: None
        self.pending: dict[int, set[int]] = self._load()
        self.chunks_sent = 0

    # --- persistence --------------------------------------------------------------------------

    def _load(self) -> dict[int, set[int]]:
        blob = self.storage.read(RECORD_KEY)
        if blob is None or len(blob) < 5 or zlib.crc32(blob[4:]) != int.from_bytes(blob[:4], "big"):
            return {}
        try:
            return {int(k): set(v) for k, v in json.loads(blob[4:]).items()}
        except (ValueError, TypeError):
            return {}

    def _save(self) -> None:
        body = json.dumps({str(k): sorted(v) for k, v in self.pending.items()}).encode()
        with contextlib.suppress(OSError):  # a full flash: the queue lives on in RAM
            self.storage.write(RECORD_KEY, zlib.crc32(body).to_bytes(4, "big") + body)

    # --- commands -----------------------------------------------------------------------------

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
                self.on_done(now, file_id)
            self._save()
            self.chunks_sent += 1
            return pack_file_chunk(file_id, chunk, count, body, now,
                                   self._sequencer.next(FILE_CHUNK_APID))
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

"""File downloads: chunks into files, the list of what is still missing, the CRC at the end.

The protocol is the flight software's (``picodragon.dictionary.files``): the directory arrives
as FILE_ENTRY packets (id, kind, size, CRC-32, chunk size and count, capture metadata), the
data as FILE_CHUNK packets, chunk ``n`` holding bytes ``n * chunk_size`` onwards, in any order,
possibly duplicated (several stations) and spread over several passes. What is still missing
becomes REQUEST_CHUNKS commands for the next pass (:meth:`FileAssembler.requests`, ready for
``CommandQueue.queue``).

Each chunk is archived (``file_chunks``, once per file and chunk number) as it arrives, so a
restart loses nothing and the web application can show an image growing: :meth:`partial`
gives the bytes received so far with the gaps zero-filled, :meth:`partial_image` decodes the
longest complete prefix of a JPEG (baseline JPEG is sequential, so a prefix shows the top of
the picture). A file is complete when every chunk is in; it is *valid* only when the CRC-32
(zlib's) of the assembled bytes equals the directory's; a mismatch is an event and the file
stays invalid until chunks are fetched again (:meth:`refetch`).

A directory entry that contradicts what the ground holds for that id (another size or CRC:
the id was reused on board after a deletion) starts the file afresh.

The downlink is unauthenticated, so every entry and chunk is untrusted (hardening issue 11):

- an entry is accepted only inside the format's bounds: a chunk no larger than one frame can
  carry (:data:`MAX_CHUNK_DATA`), at most :data:`MAX_CHUNK_COUNT` chunks (a 16-bit count), a
  size no larger than ``max_file_bytes`` (the format's :data:`MAX_FILE_BYTES` unless the
  mission knows the store is smaller) and a chunk count that is the one the size and chunk size
  give. Anything else is a :class:`FileRejection`, recorded as a ``FILE_ENTRY_REJECTED`` ground
  event with its reason, and changes nothing;
- a chunk that contradicts the accepted entry (another count, a length the entry does not
  give that chunk) is a ``FILE_CHUNK_REJECTED`` event and is not kept; before any entry, the
  first chunk's count and the chunks' common length are what later chunks must agree with;
- a file is built from the chunks actually received: :meth:`assemble` zero-fills gaps only up to
  the last chunk in hand, and only for a file whose entry was accepted (its size bounded);
  without one it gives the unbroken run of chunks from the start. Memory follows what arrived,
  never what a header claims.
"""

from __future__ import annotations

import io
import math
import zlib
from dataclasses import dataclass, field

from picodragon.dictionary import Dictionary
from picodragon.dictionary.files import (
    MAX_CHUNK_DATA,
    FileChunk,
    chunk_count,
    missing_chunk_requests,
)
from picodragon.ground.archive import Archive

#: the directory packet and the enumeration of file kinds, by their names in the dictionary
ENTRY_PACKET = "FILE_ENTRY"
KINDS_ENUM = "file_kinds"
#: most chunks a file can have: FILE_ENTRY and FILE_CHUNK carry the count in 16 bits
MAX_CHUNK_COUNT = 0xFFFF
#: largest file the transfer format can describe (65,535 chunks of a full frame's data)
MAX_FILE_BYTES = MAX_CHUNK_COUNT * MAX_CHUNK_DATA
#: file ids are 16-bit on board
MAX_FILE_ID = 0xFFFF
#: the columns of a file's summary row (``files``) that the assembler rewrites
_SUMMARY_COLUMNS = ("name", "size", "chunk_size", "chunk_count", "crc32", "complete_unix_s", "crc_ok")


@dataclass(frozen=True)
class FileRejection:
    """A directory entry or chunk the ground refused, and why (also archived as an event)."""

    file_id: int | None
    reason: str


def entry_bounds(
    size: int, chunk_size: int, count: int, max_file_bytes: int = MAX_FILE_BYTES
) -> str | None:
    """Why a directory entry's sizes are outside what the format allows, or None if inside."""
    if not 1 <= chunk_size <= MAX_CHUNK_DATA:
        return f"chunk size {chunk_size} outside 1..{MAX_CHUNK_DATA} bytes"
    if not 1 <= count <= MAX_CHUNK_COUNT:
        return f"chunk count {count} outside 1..{MAX_CHUNK_COUNT}"
    if not 0 <= size <= max_file_bytes:
        return f"size {size} outside 0..{max_file_bytes} bytes"
    if count != chunk_count(size, chunk_size):
        return f"{count} chunks of {chunk_size} bytes cannot hold {size} bytes"
    return None


def _integer(values: dict[str, float], key: str) -> int | None:
    """A finite integral value of a decoded packet, or None."""
    value = values.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if not math.isfinite(value) or value != int(value):
        return None
    return int(value)


@dataclass
class FileState:
    """What the ground knows of one on-board file."""

    file_id: int
    kind: str = "UNKNOWN"
    size: int | None = None
    chunk_size: int | None = None
    chunk_count: int | None = None
    crc32: int | None = None
    first_unix_s: float = 0.0
    complete_unix_s: float | None = None
    crc_ok: bool | None = None
    chunks: dict[int, bytes] = field(default_factory=dict)
    #: bytes held in ``chunks`` (what arrived, the measure of this file's memory)
    held: int = 0

    @property
    def listed(self) -> bool:
        """Whether an accepted directory entry gave the size, chunk size and count."""
        return self.size is not None and self.chunk_size is not None and self.chunk_count is not None

    def expected_length(self, chunk: int) -> int | None:
        """The data length the accepted entry gives chunk ``chunk`` (None if unlisted)."""
        if not self.listed:
            return None
        assert self.size is not None and self.chunk_size is not None and self.chunk_count is not None
        if chunk < self.chunk_count - 1:
            return self.chunk_size
        return self.size - self.chunk_size * (self.chunk_count - 1)

    @property
    def received(self) -> int:
        """Chunks in hand."""
        return len(self.chunks)

    @property
    def complete(self) -> bool:
        """Whether every chunk is in (the CRC is judged separately)."""
        return self.chunk_count is not None and len(self.chunks) >= self.chunk_count

    def missing(self) -> list[int]:
        """Chunk numbers not yet received (empty while the chunk count is unknown)."""
        if self.chunk_count is None:
            return []
        return [n for n in range(self.chunk_count) if n not in self.chunks]

    def to_json(self) -> dict:
        """A summary for the web application and reports."""
        return {
            "file_id": self.file_id,
            "kind": self.kind,
            "size": self.size,
            "chunk_count": self.chunk_count,
            "received": self.received,
            "missing": len(self.missing()),
            "complete": self.complete,
            "crc_ok": self.crc_ok,
        }


class FileAssembler:
    """Reassembles the spacecraft's files from FILE_ENTRY and FILE_CHUNK packets.

    ``max_file_bytes`` bounds the size an entry may claim: the format's :data:`MAX_FILE_BYTES`
    by default; a mission that knows its spacecraft's file store passes the store's capacity.
    ``rejected`` counts the entries and chunks refused, by reason (each is also an event).
    ``dictionary`` is the mission's (its file kinds); None takes the one the archive remembers.
    """

    def __init__(self, archive: Archive, max_file_bytes: int = MAX_FILE_BYTES, *,
                 dictionary: Dictionary | None = None) -> None:
        self.archive = archive
        self.dictionary = archive.dictionary() if dictionary is None else dictionary
        self.kinds: dict[int, str] = self.dictionary.enums.get(KINDS_ENUM, {})
        self.max_file_bytes = max(0, min(int(max_file_bytes), MAX_FILE_BYTES))
        self.files: dict[int, FileState] = {}
        self.rejected: dict[str, int] = {}
        self._saved: dict[int, dict] = {}
        """each file's summary as last written (or read): a chunk that changes none of it
        (most of them) writes no UPDATE, which would first write the archive's pending batch"""
        self._load()

    def _load(self) -> None:
        """The files and chunks already archived (a restart loses nothing); what an older
        archive holds outside the bounds is left out, never trusted."""
        for row in self.archive.select("files", order="file_id"):
            state = FileState(
                file_id=int(row["file_id"]),
                kind=str(row["name"]).split("-")[0],
                crc32=row["crc32"],
                first_unix_s=float(row["first_unix_s"]),
                complete_unix_s=row["complete_unix_s"],
                crc_ok=None if row["crc_ok"] is None else bool(row["crc_ok"]),
            )
            size, chunk_size, count = row["size"], row["chunk_size"], row["chunk_count"]
            if None not in (size, chunk_size, count) and entry_bounds(
                int(size), int(chunk_size), int(count), self.max_file_bytes
            ) is None:
                state.size, state.chunk_size, state.chunk_count = int(size), int(chunk_size), int(count)
            elif size is None and chunk_size is not None and 1 <= int(chunk_size) <= MAX_CHUNK_DATA:
                state.chunk_size = int(chunk_size)
            if state.size is None and count is not None and 1 <= int(count) <= MAX_CHUNK_COUNT:
                state.chunk_count = int(count)
            self.files[state.file_id] = state
            self._saved[state.file_id] = {k: row[k] for k in _SUMMARY_COLUMNS}
        for row in self.archive.select("file_chunks"):
            state = self.files.get(int(row["file_id"]))
            data = bytes(row["data"])
            if state is not None and self._fits(state, int(row["chunk_index"]), data) is None:
                state.chunks[int(row["chunk_index"])] = data
                state.held += len(data)

    def _state(self, file_id: int, now: float) -> FileState:
        state = self.files.get(file_id)
        if state is None:
            state = self.files[file_id] = FileState(file_id, first_unix_s=now)
            self.archive.insert(
                "files", {"file_id": file_id, "name": f"UNKNOWN-{file_id}", "first_unix_s": now}
            )
            self._saved[file_id] = {k: None for k in _SUMMARY_COLUMNS} | {"name": f"UNKNOWN-{file_id}"}
        return state

    def _save_summary(self, state: FileState) -> None:
        """Write the file's summary row, unless it holds these values already."""
        values = {
            "name": f"{state.kind}-{state.file_id}",
            "size": state.size,
            "chunk_size": state.chunk_size,
            "chunk_count": state.chunk_count,
            "crc32": state.crc32,
            "complete_unix_s": state.complete_unix_s,
            "crc_ok": None if state.crc_ok is None else int(state.crc_ok),
        }
        if self._saved.get(state.file_id) == values:
            return
        self.archive.update("files", {"file_id": state.file_id}, values)
        self._saved[state.file_id] = values

    def _reject(
        self, what: str, file_id: int | None, reason: str, now: float, frame_id: int | None
    ) -> FileRejection:
        """Record a refused entry or chunk (an event and a count) and say why."""
        self.rejected[what] = self.rejected.get(what, 0) + 1
        name = f"FILE_{what}_REJECTED"
        subject = "unknown file" if file_id is None else f"file {file_id}"
        self.archive.store_event(
            now if math.isfinite(now) else 0.0, name, 2, f"{subject}: {reason}", "ground", frame_id
        )
        return FileRejection(file_id, reason)

    @staticmethod
    def _fits(state: FileState, index: int, data: bytes, count: int | None = None) -> str | None:
        """Why chunk ``index`` with ``data`` (of a file of ``count`` chunks, as the chunk says)
        contradicts what is known of the file, or None if it fits."""
        if not 0 <= index < MAX_CHUNK_COUNT:
            return f"chunk {index} outside 0..{MAX_CHUNK_COUNT - 1}"
        if len(data) > MAX_CHUNK_DATA:
            return f"chunk {index} holds {len(data)} bytes, more than a frame carries ({MAX_CHUNK_DATA})"
        known = state.chunk_count
        if count is not None and known is not None and count != known:
            return f"chunk {index} says {count} chunks, the file has {known}"
        if known is not None and index >= known:
            return f"chunk {index} beyond the file's {known} chunks"
        expected = state.expected_length(index)
        if expected is not None and len(data) != expected:
            return f"chunk {index} holds {len(data)} bytes, the directory gives it {expected}"
        last = (count if count is not None else known or 0) - 1
        if (
            expected is None
            and state.chunk_size is not None
            and index < last
            and len(data) != state.chunk_size
        ):
            return f"chunk {index} holds {len(data)} bytes, the file's chunks hold {state.chunk_size}"
        return None

    # -- input ------------------------------------------------------------------------------
    def on_entry(
        self, values: dict[str, float], now: float, frame_id: int | None = None
    ) -> FileState | FileRejection:
        """A FILE_ENTRY (directory) packet's values; a rejection if outside the bounds."""
        file_id = _integer(values, "file_id")
        size, crc = _integer(values, "size_bytes"), _integer(values, "crc32")
        chunk_size, count = _integer(values, "chunk_size"), _integer(values, "chunk_count")
        kind = _integer(values, "kind")
        if file_id is None or not 0 <= file_id <= MAX_FILE_ID:
            return self._reject("ENTRY", None, f"file id {values.get('file_id')!r} not a 16-bit integer", now, frame_id)
        if None in (size, crc, chunk_size, count) or not 0 <= crc <= 0xFFFFFFFF:  # type: ignore[operator]
            return self._reject("ENTRY", file_id, "size, CRC-32, chunk size or count missing or not integers", now, frame_id)
        assert size is not None and crc is not None and chunk_size is not None and count is not None
        why = entry_bounds(size, chunk_size, count, self.max_file_bytes)
        if why is not None:
            return self._reject("ENTRY", file_id, why, now, frame_id)
        with self.archive.batch():
            state = self._state(file_id, now)
            if (state.size is not None and state.size != size) or (
                state.crc32 is not None and state.crc32 != crc
            ):
                self.archive.store_event(
                    now, "FILE_REPLACED", 1, f"file {file_id}: new size or CRC on board"
                )
                self.archive.delete("file_chunks", {"file_id": file_id})
                state.chunks.clear()
                state.held = 0
                state.complete_unix_s = state.crc_ok = None
            state.kind = self.kinds.get(kind if kind is not None else -1, "UNKNOWN")
            state.size, state.crc32 = size, crc
            state.chunk_size, state.chunk_count = chunk_size, count
            # chunks heard before the entry that it contradicts were someone else's: drop them
            for index, data in list(state.chunks.items()):
                why = self._fits(state, index, data)
                if why is not None:
                    self._reject("CHUNK", file_id, why, now, None)
                    del state.chunks[index]
                    state.held -= len(data)
                    self.archive.delete("file_chunks", {"file_id": file_id, "chunk_index": index})
            self._check(state, now)
            self._save_summary(state)
        return state

    def on_chunk(
        self, chunk: FileChunk, now: float, frame_id: int | None = None
    ) -> FileState | FileRejection:
        """One FILE_CHUNK; duplicates are harmless, contradictions are refused."""
        state = self.files.get(chunk.file_id)
        probe = state if state is not None else FileState(chunk.file_id)
        why = self._fits(probe, chunk.chunk, chunk.data, chunk.chunk_count)
        if why is None and not 1 <= chunk.chunk_count <= MAX_CHUNK_COUNT:
            why = f"chunk count {chunk.chunk_count} outside 1..{MAX_CHUNK_COUNT}"
        if why is not None:
            return self._reject("CHUNK", chunk.file_id, why, now, frame_id)
        with self.archive.batch():
            state = self._state(chunk.file_id, now)
            if state.chunk_count is None:
                state.chunk_count = chunk.chunk_count
            if chunk.chunk not in state.chunks:
                data = bytes(chunk.data)
                state.chunks[chunk.chunk] = data
                state.held += len(data)
                self.archive.insert(
                    "file_chunks",
                    {
                        "file_id": chunk.file_id,
                        "chunk_index": chunk.chunk,
                        "data": data,
                        "unix_s": now,
                    },
                )
                if state.chunk_size is None and chunk.chunk < chunk.chunk_count - 1:
                    state.chunk_size = len(data)
                self._check(state, now)
                self._save_summary(state)
        return state

    def on_decoded(self, decoded) -> None:
        """A GroundStation listener: directory entries and chunks."""
        fid = getattr(decoded, "frame_id", None)
        if decoded.name == ENTRY_PACKET:
            self.on_entry(decoded.values, decoded.received_unix_s, fid)
        elif getattr(decoded, "chunk", None) is not None:
            self.on_chunk(decoded.chunk, decoded.received_unix_s, fid)

    def _check(self, state: FileState, now: float) -> None:
        if not state.complete or state.crc32 is None or state.crc_ok is not None:
            return
        data = self.assemble(state.file_id)
        state.crc_ok = zlib.crc32(data) == state.crc32 and (
            state.size is None or len(data) == state.size
        )
        state.complete_unix_s = now
        if state.crc_ok:
            self.archive.store_event(
                now,
                "FILE_COMPLETE",
                1,
                f"file {state.file_id} ({state.kind}, {len(data)} bytes) complete, CRC good",
            )
        else:
            self.archive.store_event(
                now,
                "FILE_CORRUPT",
                2,
                f"file {state.file_id}: CRC-32 of the assembled file does not match",
            )

    # -- output -----------------------------------------------------------------------------
    def missing(self, file_id: int) -> list[int]:
        """Chunk numbers still to fetch (all of them if the file is unknown but listed)."""
        state = self.files.get(file_id)
        return state.missing() if state else []

    def requests(self, file_id: int) -> list[dict[str, int]]:
        """REQUEST_CHUNKS arguments for everything missing (fewest commands)."""
        return missing_chunk_requests(file_id, self.missing(file_id))

    def refetch(self, file_id: int, now: float) -> list[dict[str, int]]:
        """Forget a file's chunks after a CRC failure; REQUEST_CHUNKS arguments for all of them."""
        state = self.files[file_id]
        with self.archive.batch():
            self.archive.delete("file_chunks", {"file_id": file_id})
            state.chunks.clear()
            state.crc_ok = state.complete_unix_s = None
            self._save_summary(state)
        return self.requests(file_id)

    def assemble(self, file_id: int) -> bytes:
        """The file as far as received, built from the chunks in hand.

        A file whose directory entry was accepted has its gaps zero-filled (so offsets stay
        right) up to the end of the last chunk received, never beyond its bounded size; a file
        without one gives its unbroken run of chunks from the start (:meth:`prefix`): without
        the entry nothing bounds what the chunks' numbers claim. The bytes built are at most
        the file's accepted size, or the bytes received.
        """
        state = self.files[file_id]
        if not state.chunks:
            return b""
        if not state.listed:
            return self.prefix(file_id)
        assert state.chunk_size is not None and state.size is not None
        last = max(state.chunks)
        end = min(state.chunk_size * last + len(state.chunks[last]), state.size)
        out = bytearray(end)
        for n, data in state.chunks.items():
            start = n * state.chunk_size
            piece = data[: max(0, end - start)]
            out[start : start + len(piece)] = piece
        return bytes(out)

    partial = assemble

    def prefix(self, file_id: int) -> bytes:
        """The longest run of chunks received from the start, without gaps."""
        state = self.files[file_id]
        parts = []
        for n in range(len(state.chunks)):  # bounded by what arrived, not by a claimed count
            data = state.chunks.get(n)
            if data is None:
                break
            parts.append(data)
        return b"".join(parts)

    def partial_image(self, file_id: int):
        """A PIL image of what can be decoded so far (None if not even the header is in)."""
        from PIL import Image, ImageFile

        data = self.prefix(file_id)
        if not data:
            return None
        previous = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = True
        try:
            image = Image.open(io.BytesIO(data))
            image.load()
            return image
        except (OSError, SyntaxError, ValueError):
            return None
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = previous

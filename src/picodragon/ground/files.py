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
"""

from __future__ import annotations

import io
import zlib
from dataclasses import dataclass, field

from picodragon.dictionary.files import FILE_KINDS, FileChunk, missing_chunk_requests
from picodragon.dictionary.spacecraft import FILE_ENTRY
from picodragon.ground.archive import Archive


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
    """Reassembles the spacecraft's files from FILE_ENTRY and FILE_CHUNK packets."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.files: dict[int, FileState] = {}
        self._load()

    def _load(self) -> None:
        for row in self.archive.select("files", order="file_id"):
            self.files[int(row["file_id"])] = FileState(
                file_id=int(row["file_id"]),
                kind=row["name"].split("-")[0],
                size=row["size"],
                chunk_size=row["chunk_size"],
                chunk_count=row["chunk_count"],
                crc32=row["crc32"],
                first_unix_s=float(row["first_unix_s"]),
                complete_unix_s=row["complete_unix_s"],
                crc_ok=None if row["crc_ok"] is None else bool(row["crc_ok"]),
            )
        for row in self.archive.select("file_chunks"):
            state = self.files.get(int(row["file_id"]))
            if state is not None:
                state.chunks[int(row["chunk_index"])] = bytes(row["data"])

    def _state(self, file_id: int, now: float) -> FileState:
        state = self.files.get(file_id)
        if state is None:
            state = self.files[file_id] = FileState(file_id, first_unix_s=now)
            self.archive.insert(
                "files", {"file_id": file_id, "name": f"UNKNOWN-{file_id}", "first_unix_s": now}
            )
        return state

    def _save_summary(self, state: FileState) -> None:
        self.archive.update(
            "files",
            {"file_id": state.file_id},
            {
                "name": f"{state.kind}-{state.file_id}",
                "size": state.size,
                "chunk_size": state.chunk_size,
                "chunk_count": state.chunk_count,
                "crc32": state.crc32,
                "complete_unix_s": state.complete_unix_s,
                "crc_ok": None if state.crc_ok is None else int(state.crc_ok),
            },
        )

    # -- input ------------------------------------------------------------------------------
    def on_entry(self, values: dict[str, float], now: float) -> FileState:
        """A FILE_ENTRY (directory) packet's values."""
        file_id = int(values["file_id"])
        size, crc = int(values["size_bytes"]), int(values["crc32"])
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
                state.complete_unix_s = state.crc_ok = None
            state.kind = FILE_KINDS.get(int(values["kind"]), "UNKNOWN")
            state.size, state.crc32 = size, crc
            state.chunk_size = int(values["chunk_size"])
            state.chunk_count = int(values["chunk_count"])
            self._check(state, now)
            self._save_summary(state)
        return state

    def on_chunk(self, chunk: FileChunk, now: float) -> FileState:
        """One FILE_CHUNK; duplicates are harmless."""
        with self.archive.batch():
            state = self._state(chunk.file_id, now)
            if state.chunk_count is None or state.chunk_count != chunk.chunk_count:
                state.chunk_count = chunk.chunk_count
            if chunk.chunk not in state.chunks:
                state.chunks[chunk.chunk] = chunk.data
                self.archive.insert(
                    "file_chunks",
                    {
                        "file_id": chunk.file_id,
                        "chunk_index": chunk.chunk,
                        "data": chunk.data,
                        "unix_s": now,
                    },
                )
                if state.chunk_size is None and chunk.chunk < chunk.chunk_count - 1:
                    state.chunk_size = len(chunk.data)
                self._check(state, now)
                self._save_summary(state)
        return state

    def on_decoded(self, decoded) -> None:
        """A GroundStation listener: directory entries and chunks."""
        if decoded.name == FILE_ENTRY.name:
            self.on_entry(decoded.values, decoded.received_unix_s)
        elif getattr(decoded, "chunk", None) is not None:
            self.on_chunk(decoded.chunk, decoded.received_unix_s)

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
        """The file as far as received, gaps filled with zeros (so offsets stay right)."""
        state = self.files[file_id]
        if not state.chunks:
            return b""
        size = state.chunk_size or max(len(c) for c in state.chunks.values())
        last = max(state.chunks)
        out = bytearray(size * last + len(state.chunks[last]))
        for n, data in state.chunks.items():
            out[n * size : n * size + len(data)] = data
        if state.size is not None and state.complete:
            del out[state.size :]
        return bytes(out)

    partial = assemble

    def prefix(self, file_id: int) -> bytes:
        """The longest run of chunks received from the start, without gaps."""
        state = self.files[file_id]
        parts = []
        for n in range(state.chunk_count or 0):
            if n not in state.chunks:
                break
            parts.append(state.chunks[n])
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

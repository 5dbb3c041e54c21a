"""The on-board file store: images and logs with a CRC and metadata, in limited flash.

Each file is two storage blobs: ``file.<id>.data`` (the bytes) and ``file.<id>.meta`` (a small
record: kind, size, CRC-32 of the data taken when written, creation time, position and
attitude; itself protected by its own CRC-32). Flash can flip bits: a file is reported valid
only when its metadata record checks and the data's CRC-32 matches the recorded one, checked
each time the directory is listed or a file is read, never cached. A file whose metadata no
longer checks is listed as corrupt with what can be known (its id and size).

Capacity is ``filestore_capacity_bytes`` of file data; a file that does not fit is refused
(STORE_FULL) rather than evicting one the ground has not fetched yet; the ground deletes files
with DELETE_FILE. File ids count up from 1 and are never reused within the 16-bit range (the
next id is kept in the store itself so a reset does not repeat one).
"""

from __future__ import annotations

import json
import math
import zlib
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from picodragon.dictionary.telecommand import Reason
from picodragon.fsw.hal import Storage

IMAGE, LOG = 1, 2


@dataclass
class FileInfo:
    """What the store knows of one file (``valid`` checked afresh when listed)."""

    file_id: int
    kind: int
    size_bytes: int
    crc32: int
    created_unix: float
    latitude_deg: float = math.nan
    longitude_deg: float = math.nan
    altitude_km: float = math.nan
    quaternion: tuple[float, float, float, float] = (math.nan,) * 4
    valid: bool = True


class FileStore:
    """Files in non-volatile storage, with integrity checks."""

    def __init__(self, storage: Storage, capacity_bytes: int) -> None:
        self.storage = storage
        self.capacity_bytes = capacity_bytes
        self._sizes: dict[int, int] = {}
        """file id -> data size, read from the storage at boot and kept up to date by the store
        (the only writer of its keys): listing keys and sizing blobs at every housekeeping
        packet would cost more than everything else"""
        self._scan()
    # --- keys ---------------------------------------------------------------------------------

    @staticmethod
    def _data_key(file_id: int) -> str:
        return f"file.{file_id}.data"

    @staticmethod
    def _meta_key(file_id: int) -> str:
        return f"file.{file_id}.meta"

    def _scan(self) -> None:
        self._sizes.clear()
        stored = self.storage.keys()
        for key in stored:
            parts = key.split(".")
            if len(parts) == 3 and parts[0] == "file" and parts[1].isdigit():
                data = self.storage.read(self._data_key(int(parts[1])))
                self._sizes[int(parts[1])] = len(data) if data is not None else 0

    def ids(self) -> list[int]:
        return sorted(self._sizes)

    def count(self) -> int:
        """How many files are stored (``len(ids())`` without sorting them)."""
        return len(self._sizes)

    # --- writing ------------------------------------------------------------------------------

    def used_bytes(self) -> int:
        return sum(self._sizes.values())

    def free_bytes(self) -> int:
        return max(0, self.capacity_bytes - self.used_bytes())

    def _next_id(self) -> int:
        blob = self.storage.read("file.next_id")
        candidates = [max(self.ids(), default=0) + 1]
        if blob is not None and len(blob) == 4 and zlib.crc32(blob[:2]) & 0xFFFF == int.from_bytes(blob[2:4], "big"):
            candidates.append(int.from_bytes(blob[:2], "big"))
        file_id = max(candidates)
        if file_id > 0xFFFF:
            file_id = 1
        while file_id in self.ids():
            file_id += 1
        nxt = (file_id + 1).to_bytes(2, "big") if file_id < 0xFFFF else (1).to_bytes(2, "big")
        self.storage.write("file.next_id", nxt + (zlib.crc32(nxt) & 0xFFFF).to_bytes(2, "big"))
        return file_id

    def store(self, kind: int, data: bytes, created_unix: float, *, latitude_deg: float = math.nan,
              longitude_deg: float = math.nan, altitude_km: float = math.nan,
              quaternion: tuple[float, float, float, float] | None = None) -> FileInfo | None:
        """Write a file; None when it does not fit (or the flash refuses the write)."""
        if len(data) > self.free_bytes():
            return None
        try:
            file_id = self._next_id()
        except OSError:
            return None
        info = FileInfo(file_id, kind, len(data), zlib.crc32(data), created_unix, latitude_deg,
                        longitude_deg, altitude_km, tuple(quaternion) if quaternion else (math.nan,) * 4)
        self._sizes[file_id] = len(data)
        try:
            self.storage.write(self._data_key(file_id), bytes(data))
            self.storage.write(self._meta_key(file_id), _pack_meta(info))
        except OSError:
            self.delete(file_id)
            return None
        return info

    def delete(self, file_id: int) -> bool:
        existed = self._sizes.pop(file_id, None) is not None
        self.storage.delete(self._data_key(file_id))
        self.storage.delete(self._meta_key(file_id))
        return existed

    # --- reading ------------------------------------------------------------------------------

    def info(self, file_id: int) -> FileInfo | None:
        """The file's record with ``valid`` checked now; None when no such file."""
        data = self.storage.read(self._data_key(file_id))
        meta = _unpack_meta(self.storage.read(self._meta_key(file_id)))
        if data is None and meta is None:
            return None
        if meta is None:  # the record is lost: the file can never be proven intact
            return FileInfo(file_id, 0, len(data or b""), 0, 0.0, valid=False)
        meta.valid = data is not None and len(data) == meta.size_bytes and zlib.crc32(data) == meta.crc32
        return meta

    def list(self) -> list[FileInfo]:
        return [info for file_id in self.ids() if (info := self.info(file_id)) is not None]

    def read(self, file_id: int) -> bytes | None:
        return self.storage.read(self._data_key(file_id))

    def state(self) -> dict[str, Any]:
        return {"files": [(f.file_id, f.size_bytes, f.valid) for f in self.list()],
                "free_bytes": self.free_bytes()}


def save_log(files: FileStore | None, now: float, packets: Iterable[bytes]) -> int:
    """A LOG file of stored packets (u16 length, packet, repeated): the file protocol then
    brings them down about four to a frame, and asks again for what a pass lost. 0 when
    stored, else the telecommand Reason (STORE_FULL; DEVICE_ERROR without a file store)."""
    if files is None:
        return int(Reason.DEVICE_ERROR)
    data = b"".join(len(p).to_bytes(2, "big") + p for p in packets)
    info = files.store(LOG, data, now)
    return 0 if info is not None else int(Reason.STORE_FULL)


def _pack_meta(info: FileInfo) -> bytes:
    record = asdict(info)
    record.pop("valid")
    body = json.dumps(record, sort_keys=True, allow_nan=True).encode()
    return zlib.crc32(body).to_bytes(4, "big") + body


def _unpack_meta(blob: bytes | None) -> FileInfo | None:
    if blob is None or len(blob) < 5 or zlib.crc32(blob[4:]) != int.from_bytes(blob[:4], "big"):
        return None
    try:
        record = json.loads(blob[4:])
        record["quaternion"] = tuple(record["quaternion"])
        return FileInfo(**record)
    except (ValueError, TypeError, KeyError):
        return None

"""The file transfer protocol's packets: directory entries, chunks, and the missing-chunk request.

Images and logs live on board as files with an id, a kind, a size, a CRC-32 (zlib's, the
ISO-HDLC polynomial) taken when the file was written, and metadata. The protocol
(docs/fsw.md, "File transfer"):

1. LIST_FILES: the spacecraft sends one FILE_ENTRY telemetry packet per file (``index`` of
   ``count``), with ``valid`` = 1 only if the file's CRC checks at the time of listing.
2. DOWNLINK_FILE(file_id): every chunk of the file is queued; each goes out as a FILE_CHUNK
   space packet (APID 0x021): a fixed header (file id, chunk number, chunk count, data length)
   then the data. Chunk ``n`` holds bytes ``n * chunk_size`` up to ``(n + 1) * chunk_size`` of
   the file, so the ground places each one where it belongs whatever the order of arrival.
3. REQUEST_CHUNKS(file_id, first_chunk, mask0..mask3): the ground asks again for the chunks it
   lacks, 128 chunks a command: bit ``j`` (least significant first) of ``mask<k>`` asks for
   chunk ``first_chunk + 32 k + j``. :func:`missing_chunk_requests` builds them.
4. The ground assembles the chunks and compares the CRC-32 with the directory entry's: a file is
   complete and valid only when they match.

Transfers run only while the ground is in contact (a valid telecommand within the contact
timeout) and resume across passes and resets: the spacecraft keeps the set of chunks still to
send in non-volatile storage and removes each one as it is transmitted.

FILE_ENTRY is an ordinary fixed-size telemetry packet (decoded by ``decode_telemetry``);
FILE_CHUNK has a variable data field and is decoded by :func:`decode_file_chunk`;
:func:`decode_downlink` takes any downlinked packet and returns whichever applies.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from picodragon.dictionary.definitions import Dictionary
from picodragon.dictionary.loader import core
from picodragon.dictionary.packets import (
    HEADER_SIZE,
    Rejection,
    TelemetryPacket,
    decode_telemetry,
    parse_space_packet,
    saturate_time_stamp,
    space_packet,
)

__all__ = [
    "CHUNKS_PER_REQUEST",
    "MAX_CHUNK_DATA",
    "FileChunk",
    "chunk_apid",
    "chunk_count",
    "decode_downlink",
    "decode_file_chunk",
    "missing_chunk_requests",
    "pack_file_chunk",
    "requested_chunks",
]

_CHUNK = struct.Struct(">HHHH")
"""The chunk header: file id, chunk number, chunk count, data length (the core dictionary's
FILE_CHUNK declares the same four u16 fields; a test keeps the two equal)."""


def __getattr__(name: str) -> object:
    """The core dictionary's transfer items under their old names (``FILE_CHUNK_APID``,
    ``FILE_CHUNK_HEADER``, ``FILE_ENTRY``, ``FILE_KINDS``), for callers not yet handed a
    Dictionary."""
    dictionary = core()
    if name == "FILE_CHUNK_APID":
        return chunk_apid(dictionary)
    if name == "FILE_CHUNK_HEADER":
        return dictionary.chunk_header
    if name == "FILE_ENTRY":
        return dictionary.packet("FILE_ENTRY")
    if name == "FILE_KINDS":
        return dictionary.enums.get("file_kinds", {})
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def chunk_apid(dictionary: Dictionary | None = None) -> int | None:
    """The APID of ``dictionary``'s file chunks (the core one by default), None when it
    declares no file-chunk header (a mission without file transfer)."""
    header = (dictionary or core()).chunk_header
    return None if header is None else header.apid

#: largest chunk data that fits an AX.25 information field of 256 octets
MAX_CHUNK_DATA = 256 - HEADER_SIZE - _CHUNK.size
#: chunks one REQUEST_CHUNKS command can ask for
CHUNKS_PER_REQUEST = 128


@dataclass(frozen=True)
class FileChunk:
    file_id: int
    chunk: int
    chunk_count: int
    data: bytes
    sequence: int
    unix_s: float


def pack_file_chunk(file_id: int, chunk: int, chunk_count: int, data: bytes, unix_s: float,
                    sequence: int, *, dictionary: Dictionary | None = None) -> bytes:
    """One FILE_CHUNK space packet of ``dictionary`` (the core one by default; the time stamp
    saturates at the CUC range's ends, as telemetry's does); ValueError for data over
    MAX_CHUNK_DATA, numbers that do not fit, or a dictionary without file chunks."""
    apid = chunk_apid(dictionary)
    if apid is None:
        raise ValueError("this dictionary declares no file-chunk header")
    if len(data) > MAX_CHUNK_DATA:
        raise ValueError(f"chunk data {len(data)} > {MAX_CHUNK_DATA} bytes")
    if not (0 <= file_id <= 0xFFFF and 0 <= chunk < chunk_count <= 0xFFFF):
        raise ValueError(f"file {file_id} chunk {chunk} of {chunk_count} does not fit the header")
    body = _CHUNK.pack(file_id, chunk, chunk_count, len(data)) + bytes(data)
    return space_packet(apid, sequence, saturate_time_stamp(unix_s), body)


def decode_file_chunk(data: bytes, dictionary: Dictionary | None = None) -> FileChunk | Rejection:
    """A FILE_CHUNK of ``dictionary`` (the core one by default) from its bytes, or why not
    (never raises)."""
    sp = parse_space_packet(data)
    if isinstance(sp, Rejection):
        return sp
    if sp.telecommand or sp.apid != chunk_apid(dictionary):
        return Rejection(f"not a file chunk (APID 0x{sp.apid:03x})")
    if len(sp.payload) < _CHUNK.size:
        return Rejection("file chunk shorter than its header")
    file_id, chunk, count, length = _CHUNK.unpack_from(sp.payload)
    if length > MAX_CHUNK_DATA:  # no frame carries more: bound what the ground buffers
        return Rejection(f"file chunk says {length} data bytes, at most {MAX_CHUNK_DATA} fit a frame")
    body = sp.payload[_CHUNK.size :]
    if len(body) != length:
        return Rejection(f"file chunk says {length} data bytes, {len(body)} present")
    if chunk >= count:
        return Rejection(f"chunk {chunk} of {count}")
    return FileChunk(file_id, chunk, count, bytes(body), sp.sequence, sp.unix_s)


def decode_downlink(data: bytes,
                    dictionary: Dictionary | None = None) -> TelemetryPacket | FileChunk | Rejection:
    """Any downlinked packet of ``dictionary`` (the core one by default): a FILE_CHUNK, or a
    fixed telemetry packet (never raises)."""
    chunk = decode_file_chunk(data, dictionary)
    if isinstance(chunk, FileChunk):
        return chunk
    return decode_telemetry(data, dictionary)


def chunk_count(size_bytes: int, chunk_size: int) -> int:
    return max(1, -(-size_bytes // chunk_size))


def missing_chunk_requests(file_id: int, missing: set[int] | list[int]) -> list[dict[str, int]]:
    """REQUEST_CHUNKS arguments asking for every chunk in ``missing`` (fewest commands)."""
    requests: list[dict[str, int]] = []
    pending = sorted(set(missing))
    while pending:
        first = pending[0]
        masks = [0, 0, 0, 0]
        rest = []
        for n in pending:
            offset = n - first
            if offset < CHUNKS_PER_REQUEST:
                masks[offset // 32] |= 1 << (offset % 32)
            else:
                rest.append(n)
        requests.append({"file_id": file_id, "first_chunk": first,
                         **{f"mask{k}": masks[k] for k in range(4)}})
        pending = rest
    return requests


def requested_chunks(first_chunk: int, masks: list[int] | tuple[int, ...]) -> list[int]:
    """The chunk numbers a REQUEST_CHUNKS asks for (the inverse of missing_chunk_requests)."""
    return [first_chunk + 32 * k + j for k, mask in enumerate(masks) for j in range(32)
            if mask >> j & 1]

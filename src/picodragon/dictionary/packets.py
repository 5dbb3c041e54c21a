"""Telemetry on the wire: CCSDS space packets carried in the AX.25 information field.

Primary header (CCSDS 133.0-B-2): version 0, type 0 (telemetry) or 1 (telecommand), secondary
header flag 1, the APID, sequence flags 0b11 (unsegmented), a 14-bit sequence count and the
data length minus one. Secondary header: time as CUC, 4 bytes of seconds since
2000-01-01T00:00:00 UTC (no leap seconds counted) and 2 bytes of 1/65536 s.

Decoding never raises: garbage yields a Rejection with a reason, as the ground's server loops
need.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from datetime import UTC, datetime

from picodragon.astro.isotime import iso_z
from picodragon.dictionary.definitions import Dictionary
from picodragon.dictionary.loader import core
from picodragon.dictionary.model import Packet

#: 2000-01-01T00:00:00Z in Unix seconds
EPOCH_2000_UNIX = 946_684_800
PRIMARY = struct.Struct(">HHH")
SECONDARY = struct.Struct(">IH")
HEADER_SIZE = PRIMARY.size + SECONDARY.size



def __getattr__(name: str) -> dict:
    """``PACKETS_BY_APID`` and ``PACKETS_BY_NAME``: the core dictionary's fixed telemetry
    packets, for callers not yet handed a Dictionary (built on first use, not at import)."""
    if name == "PACKETS_BY_APID":
        return {p.apid: p for p in core().telemetry}
    if name == "PACKETS_BY_NAME":
        return {p.name: p for p in core().telemetry}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


CUC_SECONDS_SPAN = 1 << 32
"""The CUC time code's 4 octets of seconds count 0 .. 2**32 - 1 after the epoch."""
TIME_TAG_FIRST_UNIX = float(EPOCH_2000_UNIX + 1)
"""The earliest time tag a telecommand can carry, 2000-01-01T00:00:01Z (all-zero means "on
receipt", so the epoch itself is not a time)."""
TIME_TAG_LAST_UNIX = float(EPOCH_2000_UNIX + CUC_SECONDS_SPAN - 1)
"""The latest time tag a telecommand can carry, 2136-02-07T06:28:15Z (32-bit seconds)."""


def _iso(unix_s: float) -> str:
    return iso_z(unix_s, "seconds")


def time_tag_problem(unix_s: float) -> str:
    """Why ``unix_s`` cannot be a telecommand's time tag, or "" when it can.

    The one statement of the valid range that every layer (ground queue, web form, command
    line, the packer itself) checks: a tag outside it would not fit the CUC's 32-bit seconds
    and, masked, would wrap into another century (a tag in 2137 running at once, one in 1999
    scheduled for 2136).
    """
    try:
        value = float(unix_s)
    except (TypeError, ValueError, OverflowError):
        return f"time tag {unix_s!r} is not a number"
    if value != value or value in (float("inf"), float("-inf")):
        return f"time tag {value} is not a finite time"
    if not TIME_TAG_FIRST_UNIX <= value <= TIME_TAG_LAST_UNIX:
        return (f"time tag {value:.0f} (Unix s) outside the range a telecommand can carry: "
                f"{_iso(TIME_TAG_FIRST_UNIX)} to {_iso(TIME_TAG_LAST_UNIX)}")
    return ""


def check_time_tag(unix_s: float) -> float:
    """``unix_s`` as a float when it is a valid time tag; ValueError (one line) when not."""
    problem = time_tag_problem(unix_s)
    if problem:
        raise ValueError(problem)
    return float(unix_s)


def unix_to_cuc(unix_s: float) -> tuple[int, int]:
    """Unix seconds to CUC (seconds since 2000, 1/65536 s); ValueError when not representable.

    Nothing is masked: a time before 2000-01-01 or from 2136-02-07T06:28:16Z on has no CUC
    code, and wrapping it would move it by 136 years.
    """
    since = float(unix_s) - EPOCH_2000_UNIX
    if not 0.0 <= since < CUC_SECONDS_SPAN:  # also false for NaN
        raise ValueError(f"time {unix_s} (Unix s) outside the CUC range "
                         f"{_iso(EPOCH_2000_UNIX)} to {_iso(TIME_TAG_LAST_UNIX)}")
    seconds = int(since // 1)
    fraction = min(int(round((since - seconds) * 65536)), 65535)
    return seconds, fraction


def cuc_to_unix(seconds: int, fraction: int) -> float:
    return EPOCH_2000_UNIX + seconds + fraction / 65536


def saturate_time_stamp(unix_s: float) -> float:
    """A telemetry time stamp held inside the CUC range (its ends when outside).

    For the flight software's own stamps: an on-board clock upset (an RTC read as 1970) must
    not stop the telemetry that lets the ground see and fix it, and a stamp pinned at 2000 or
    2136 is plainly wrong where a wrapped one would look plausible. NaN raises ValueError.
    """
    value = float(unix_s)
    if value != value:
        raise ValueError("time stamp is NaN")
    return min(max(value, float(EPOCH_2000_UNIX)), TIME_TAG_LAST_UNIX)


def space_packet(apid: int, sequence: int, unix_s: float, payload: bytes, telecommand: bool = False) -> bytes:
    """Wrap a payload in a CCSDS primary header and a CUC time secondary header.

    ValueError when the APID is out of range or the time has no CUC code (see ``unix_to_cuc``).
    """
    if not 0 <= apid < 2048:
        raise ValueError(f"APID {apid} out of range 0..2047")
    seconds, fraction = unix_to_cuc(unix_s)
    body = SECONDARY.pack(seconds, fraction) + payload
    word0 = (int(telecommand) << 12) | (1 << 11) | apid
    word1 = (0b11 << 14) | (sequence & 0x3FFF)
    return PRIMARY.pack(word0, word1, len(body) - 1) + body


def pack_telemetry(packet: Packet | str, values: dict[str, float], unix_s: float, sequence: int,
                   *, dictionary: Dictionary | None = None) -> bytes:
    """One telemetry packet from engineering values (missing values go out as the lowest code).

    ``packet`` is a Packet, or a name looked up in ``dictionary`` (the core one by default;
    KeyError for a name it lacks). The time stamp saturates at the CUC range's ends
    (``saturate_time_stamp``).
    """
    if isinstance(packet, str):
        packet = (dictionary or core()).packet(packet)
    return space_packet(packet.apid, sequence, saturate_time_stamp(unix_s),
                        packet.pack_values(values))


@dataclass(frozen=True)
class SpacePacket:
    apid: int
    sequence: int
    telecommand: bool
    unix_s: float
    payload: bytes


@dataclass(frozen=True)
class TelemetryPacket:
    """A decoded telemetry packet with engineering values."""

    name: str
    apid: int
    sequence: int
    unix_s: float
    values: dict[str, float]

    @property
    def time(self) -> datetime:
        return datetime.fromtimestamp(self.unix_s, UTC)


@dataclass(frozen=True)
class Rejection:
    """Why some bytes are not a packet we know; never an exception."""

    reason: str


def parse_space_packet(data: bytes) -> SpacePacket | Rejection:
    if len(data) < HEADER_SIZE:
        return Rejection(f"too short for a space packet: {len(data)} bytes")
    word0, word1, length = PRIMARY.unpack_from(data)
    if word0 >> 13:
        return Rejection(f"unknown packet version {word0 >> 13}")
    if not word0 & (1 << 11):
        return Rejection("no secondary header")
    if len(data) != PRIMARY.size + length + 1:
        return Rejection(f"length field says {length + 1} data bytes, {len(data) - PRIMARY.size} present")
    seconds, fraction = SECONDARY.unpack_from(data, PRIMARY.size)
    return SpacePacket(
        apid=word0 & 0x7FF,
        sequence=word1 & 0x3FFF,
        telecommand=bool(word0 & (1 << 12)),
        unix_s=cuc_to_unix(seconds, fraction),
        payload=bytes(data[HEADER_SIZE:]),
    )


def decode_telemetry(data: bytes, dictionary: Dictionary | None = None) -> TelemetryPacket | Rejection:
    """Decode one fixed telemetry packet of ``dictionary`` (the core one by default) from its
    bytes into engineering values; never raises.

    The file-chunk header's APID is not a fixed packet here (its data follow the header):
    ``picodragon.dictionary.files.decode_file_chunk`` reads those.
    """
    sp = parse_space_packet(data)
    if isinstance(sp, Rejection):
        return sp
    if sp.telecommand:
        return Rejection("a telecommand, not telemetry")
    dictionary = dictionary or core()
    packet = dictionary.packet_by_apid(sp.apid)
    if packet is None or packet is dictionary.chunk_header:
        return Rejection(f"unknown APID 0x{sp.apid:03x}")
    if len(sp.payload) != packet.size:
        return Rejection(f"{packet.name} needs {packet.size} bytes, got {len(sp.payload)}")
    raw = packet.struct.unpack(sp.payload)
    values = {}
    for f, r in zip(packet.fields, raw, strict=True):
        if not f.is_float and r == f.raw_range()[0] and f.wire.startswith("i"):
            values[f.name] = float("nan")
        else:
            values[f.name] = f.from_raw(r)
    return TelemetryPacket(packet.name, sp.apid, sp.sequence, sp.unix_s, values)

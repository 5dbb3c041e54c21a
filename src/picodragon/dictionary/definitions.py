"""One mission's dictionary as an object: its packets, commands, events and enumerations.

A mission's files (``picodragon.dictionary.loader``) give one ``Dictionary``; the mission hands
it to each room (flight software, ground, archive, web), so no room imports a mission's packets
by name. The object is immutable and checks, when it is made, what the wire needs: APIDs,
opcodes and event ids unique, names unique, every packet within the space packet's size.
Lookups by name, APID and opcode are dictionaries built once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from picodragon.dictionary.model import Command, Event, Packet

MAX_PACKET_DATA = 256 - 12
"""Largest user data field (octets) a frame can carry: an AX.25 information field of 256 octets
(AX.25 2.2, N1) less the 6-octet primary header and the 6-octet CUC time code
(``picodragon.dictionary.packets.HEADER_SIZE``; a test keeps the two equal)."""

APID_MAX = 0x7FF
"""APIDs are 11 bits (CCSDS 133.0-B-2); 0x7FF is the idle packet's and is refused."""


class DictionaryError(ValueError):
    """A dictionary that cannot be used; the message is one line naming the file and item."""


@dataclass(frozen=True)
class Dictionary:
    """Telemetry packets, commands, events and named enumerations of one mission.

    ``telemetry`` are the fixed-size packets ``decode_telemetry`` reads; ``chunk_header`` is the
    file-chunk header whose data follow it. ``enums`` holds the named enumerations fields refer
    to (``modes`` among them, when the flight software has modes).
    """

    name: str
    telemetry: tuple[Packet, ...]
    commands: tuple[Command, ...]
    events: tuple[Event, ...]
    enums: dict[str, dict[int, str]] = field(default_factory=dict)
    chunk_header: Packet | None = None
    _by_apid: dict[int, Packet] = field(init=False, repr=False, compare=False)
    _by_name: dict[str, Packet] = field(init=False, repr=False, compare=False)
    _commands_by_name: dict[str, Command] = field(init=False, repr=False, compare=False)
    _commands_by_opcode: dict[int, Command] = field(init=False, repr=False, compare=False)
    _events_by_id: dict[int, Event] = field(init=False, repr=False, compare=False)
    _events_by_name: dict[str, Event] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        packets = self.telemetry + ((self.chunk_header,) if self.chunk_header else ())
        by_apid = _unique(packets, lambda p: p.apid, "APID", lambda k: f"0x{k:03X}")
        for packet in packets:
            if not 0 <= packet.apid < APID_MAX:
                raise DictionaryError(f"packet {packet.name}: APID {packet.apid} outside 0..0x7FE")
            if packet.size > MAX_PACKET_DATA:
                raise DictionaryError(
                    f"packet {packet.name}: {packet.size} octets of fields, more than the "
                    f"{MAX_PACKET_DATA} a frame carries"
                )
        set_ = object.__setattr__
        set_(self, "_by_apid", by_apid)
        set_(self, "_by_name", _unique(packets, lambda p: p.name, "packet name"))
        set_(self, "_commands_by_name", _unique(self.commands, lambda c: c.name, "command name"))
        set_(self, "_commands_by_opcode",
             _unique(self.commands, lambda c: c.opcode, "opcode", lambda k: f"0x{k:04X}"))
        set_(self, "_events_by_id", _unique(self.events, lambda e: e.event_id, "event id"))
        set_(self, "_events_by_name", _unique(self.events, lambda e: e.name, "event name"))

    # -- lookups ---------------------------------------------------------------------------
    def packet(self, name: str) -> Packet:
        """The packet of that name; KeyError names the known ones."""
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"no packet {name!r} in dictionary {self.name}") from None

    def packet_by_apid(self, apid: int) -> Packet | None:
        return self._by_apid.get(apid)

    def command(self, name: str) -> Command | None:
        return self._commands_by_name.get(name)

    def command_by_opcode(self, opcode: int) -> Command | None:
        return self._commands_by_opcode.get(opcode)

    def event(self, name: str) -> Event | None:
        return self._events_by_name.get(name)

    def event_by_id(self, event_id: int) -> Event | None:
        return self._events_by_id.get(event_id)

    @property
    def modes(self) -> dict[int, str]:
        """The flight software's modes by number (empty for a mission without them)."""
        return self.enums.get("modes", {})

    def has_packet(self, name: str) -> bool:
        return name in self._by_name

    def summary(self) -> dict[str, object]:
        """What the dictionary defines, for ``picodragon check``."""
        return {
            "name": self.name,
            "packets": [
                {"name": p.name, "apid": p.apid, "fields": len(p.fields), "octets": p.size}
                for p in self.telemetry
            ],
            "commands": [
                {"name": c.name, "opcode": c.opcode, "arguments": [a.name for a in c.arguments]}
                for c in self.commands
            ],
            "events": [
                {"name": e.name, "id": e.event_id, "severity": e.severity.name} for e in self.events
            ],
            "enums": sorted(self.enums),
        }


def _unique(items: Iterable, key, what: str, show=str) -> dict:
    out: dict = {}
    for item in items:
        k = key(item)
        if k in out:
            raise DictionaryError(
                f"duplicate {what} {show(k)}: {out[k].name} and {item.name}"
            )
        out[k] = item
    return out

"""A minimal ground segment for the flight software's tests, built only from the dictionary.

It frames telecommands (the dictionary's telecommand format in AX.25 UI frames), sorts what
the spacecraft sends into telemetry, file chunks and command responses, and reassembles files
from chunks the way any ground could from the dictionary's declarations: nothing here imports
the flight software.
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass, field

from picodragon.dictionary.definitions import Dictionary
from picodragon.dictionary.files import decode_file_chunk, missing_chunk_requests
from picodragon.dictionary.packets import TelemetryPacket, decode_telemetry
from picodragon.dictionary.telecommand import encode_telecommand
from picodragon.link import ax25
from picodragon.link.auth import CommandSigner
from tests.fsw.identity import GROUND_CALLSIGN, SPACECRAFT_CALLSIGN

KEY = b"pico-dragon-test-key-0123456789ab"


@dataclass
class Reassembly:
    file_id: int
    chunk_count: int
    chunks: dict[int, bytes] = field(default_factory=dict)
    duplicates: int = 0

    def missing(self) -> set[int]:
        return set(range(self.chunk_count)) - set(self.chunks)

    def data(self) -> bytes:
        return b"".join(self.chunks[i] for i in range(self.chunk_count))


@dataclass
class Ground:
    """Uplinks commands and digests downlinked frames."""

    key: bytes = KEY
    callsign: str = GROUND_CALLSIGN
    spacecraft: str = SPACECRAFT_CALLSIGN
    counter: int = 0
    telemetry: list[TelemetryPacket] = field(default_factory=list)
    files: dict[int, Reassembly] = field(default_factory=dict)
    directory: dict[int, dict[str, float]] = field(default_factory=dict)
    seen: int = 0
    dictionary: Dictionary | None = None
    """the mission's dictionary (None: the core one)"""

    def frame(self, name: str, arguments: dict[str, float] | None = None, *,
              execute_at: float | None = None, counter: int | None = None,
              key: bytes | None = None) -> bytes:
        """An uplink frame for one command (the next counter unless one is given)."""
        if counter is None:
            self.counter += 1
            counter = self.counter
        signer = CommandSigner(key or self.key, counter=counter - 1)
        info = encode_telecommand(name, arguments, signer, execute_at=execute_at,
                                  dictionary=self.dictionary)
        return ax25.encode(ax25.Frame(ax25.Address(self.spacecraft), ax25.Address(self.callsign),
                                      info=info))

    def receive(self, frames: list[tuple[float, bytes]]) -> None:
        """Digest the downlinked frames of the radio's record not seen yet."""
        self.digest(frames[self.seen :])
        self.seen = len(frames)

    def digest(self, frames: list[tuple[float, bytes]]) -> None:
        """Digest these downlinked frames."""
        for _, raw in frames:
            frame = ax25.decode(raw)
            assert isinstance(frame, ax25.Frame), frame
            chunk = decode_file_chunk(frame.info, self.dictionary)
            if hasattr(chunk, "file_id"):
                entry = self.files.setdefault(chunk.file_id, Reassembly(chunk.file_id, chunk.chunk_count))
                if chunk.chunk in entry.chunks:
                    entry.duplicates += 1
                entry.chunks[chunk.chunk] = chunk.data
                continue
            packet = decode_telemetry(frame.info, self.dictionary)
            assert isinstance(packet, TelemetryPacket), packet
            self.telemetry.append(packet)
            if packet.name == "FILE_ENTRY":
                self.directory[int(packet.values["file_id"])] = packet.values

    def responses(self, counter: int | None = None) -> list[tuple[str, int]]:
        """(stage, code) of every COMMAND_RESPONSE received (for one counter if given)."""
        enum = {0: "ACCEPTED", 1: "COMPLETED", 2: "FAILED", 3: "REJECTED", 4: "SCHEDULED"}
        return [(enum[int(p.values["stage"])], int(p.values["code"])) for p in self.telemetry
                if p.name == "COMMAND_RESPONSE" and (counter is None or p.values["counter"] == counter)]

    def named(self, name: str) -> list[TelemetryPacket]:
        return [p for p in self.telemetry if p.name == name]

    def requests_for(self, file_id: int) -> list[dict[str, int]]:
        entry = self.files.get(file_id)
        if entry is None:
            count = int(self.directory[file_id]["chunk_count"])
            return missing_chunk_requests(file_id, set(range(count)))
        return missing_chunk_requests(file_id, entry.missing())

    def file_ok(self, file_id: int) -> bool:
        entry = self.files.get(file_id)
        listing = self.directory.get(file_id)
        return (entry is not None and listing is not None and not entry.missing()
                and zlib.crc32(entry.data()) == int(listing["crc32"]))


class LossyLink:
    """Drops each frame with probability ``loss`` (both directions), deterministically seeded."""

    def __init__(self, loss: float, seed: int) -> None:
        self.loss = loss
        self.rng = random.Random(seed)

    def passes(self) -> bool:
        return self.rng.random() >= self.loss

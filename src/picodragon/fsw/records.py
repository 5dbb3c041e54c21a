"""Small records in non-volatile storage: CRC-checked, generation-numbered, wear-levelled.

A record the software rewrites often (the persistent parameters at every command, the transfer
queue at every chunk) would wear out one flash block in a long mission if written to one key.
:class:`RotatingRecord` writes generation ``g`` to slot ``g mod slots``, in ``copies`` copies,
so each key takes ``1/slots`` of the writes; reading takes the newest generation whose CRC
checks, so a bit flip or a reset in the middle of a write costs at most the latest generation
(none, with two copies). Layout of each copy: CRC-32 of the rest (4 octets), generation
(8 octets, big-endian), the body.
"""

from __future__ import annotations

import contextlib
import zlib

from picodragon.fsw.hal import Storage


class RotatingRecord:
    """One logical record under the keys ``<prefix>.<slot>.<copy>``."""

    def __init__(self, storage: Storage, prefix: str, slots: int = 8, copies: int = 1) -> None:
        self.storage = storage
        self.prefix = prefix
        self.slots = slots
        self.copies = copies
        self.generation = 0

    def _keys(self) -> list[str]:
        stored = self.storage.keys()
        return [k for k in stored if k.startswith(self.prefix + ".")]

    def load(self) -> bytes | None:
        """The newest intact body (None when there is none), and remember its generation."""
        best: tuple[int, bytes] | None = None
        for key in self._keys():
            blob = self.storage.read(key)
            if blob is None or len(blob) < 12 or zlib.crc32(blob[4:]) != int.from_bytes(blob[:4], "big"):
                continue
            generation = int.from_bytes(blob[4:12], "big")
            if best is None or generation > best[0]:
                best = (generation, bytes(blob[12:]))
        if best is None:
            return None
        self.generation = best[0]
        return best[1]

    def save(self, body: bytes) -> bool:
        """Write the next generation; False when no copy could be written (a full flash)."""
        self.generation += 1
        rest = self.generation.to_bytes(8, "big") + body
        blob = zlib.crc32(rest).to_bytes(4, "big") + rest
        slot = self.generation % self.slots
        written = False
        for copy in range(self.copies):
            with contextlib.suppress(OSError):
                self.storage.write(f"{self.prefix}.{slot}.{copy}", blob)
                written = True
        return written

    def any_stored(self) -> bool:
        """Whether some copy exists at all (intact or not)."""
        return bool(self._keys())

"""The archive's packet catalogue: which table holds which packet's fields, and what a point
name means.

Telemetry is stored one table per packet (``tm_<packet>``, one column per field) and the
``packet_catalog`` table lists them. A point is named ``PACKET.field`` as in the dictionary; the
ingest side's readers also accept a bare field name when exactly one packet has it. This is the
one resolver of point names for every reader of the archive (the ingest-side ``Archive`` and the
read pool's :class:`~picodragon.ground.archive.reader.Reader`).
"""

from __future__ import annotations

from dataclasses import dataclass

from picodragon.ground.archive.base import ArchiveError


class QueryError(ArchiveError, ValueError):
    """A request naming something the archive does not hold; one line (mission control: a 404)."""


@dataclass
class Catalog:
    """The archive's packet tables: packet name -> (table, fields in column order)."""

    packets: dict[str, tuple[str, tuple[str, ...]]]

    def resolve(self, point: str, bare: bool = False) -> tuple[str, str, tuple[str, ...]]:
        """The (table, field, fields of that table) of a point ``PACKET.field``.

        ``bare=True`` also accepts a field name alone when exactly one packet has it. Raises
        :class:`QueryError` naming the point when the archive does not hold it.
        """
        packet, dot, field = point.partition(".")
        if dot:
            entry = self.packets.get(packet)
            if entry is not None and field in entry[1]:
                return entry[0], field, entry[1]
        elif bare:
            owners = [entry for entry in self.packets.values() if point in entry[1]]
            if len(owners) > 1:
                raise QueryError(f"point {point} is in several packets: name it as PACKET.{point}")
            if owners:
                return owners[0][0], point, owners[0][1]
        raise QueryError(f"no telemetry point {point} in the archive")

    def point_names(self) -> list[str]:
        """Every point as ``PACKET.field``, by packet name, fields in column order."""
        return [f"{packet}.{f}" for packet, (_, fields) in sorted(self.packets.items()) for f in fields]

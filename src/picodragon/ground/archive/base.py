"""The archive interface, shared by its SQLite and PostgreSQL backends.

It is over 500 lines because it is the schema and the writer of every table, shared by both
backends so that their behaviour cannot drift; the reads live in ``reader.py``.

Schema (the same tables on both backends; ``BLOB`` is ``BYTEA`` on PostgreSQL):

- ``frames(seq, id, raw, first_unix_s, first_station, frequency_hz, rejection)``: one row per
  distinct frame content, stored in arrival order (``seq``). ``id`` is the first 63 bits of
  the BLAKE2b hash of the raw bytes, so the copies of one transmission heard by several
  stations (identical bytes) map to one row without a read-before-write, from any number of
  processes at once (a unique index on ``id``, or on SQLite the two tables of frame_ids.py;
  the API's frame ids are these). Two different frames
  sharing an id has a probability of about n^2 / 2^64 (5e-6 for ten million frames). Ids are
  larger than 2^53: JavaScript must read them as strings. ``rejection`` says why a frame could
  not be decoded (NULL when it was).
- ``receptions(frame_seq, station, unix_s, frequency_hz)``: every hearing of a frame, by whom,
  when and on which frequency (the Doppler-shifted one the radio was tuned to). Rows that
  belong to a frame refer to its ``seq``, resolved from the content address once per batch:
  their unique indexes then grow in arrival order, and only ``frames.id`` takes inserts in
  random order (what limits ingest once an archive outgrows the page cache).
- ``tm_<packet>(seq, frame_seq, unix_s, <one DOUBLE column per field>)``: decoded telemetry, one
  row per packet (one insert per frame instead of one per value is what makes ingest fast), created
  on first use from the field names; ``packet_catalog(packet, table_name, fields)`` lists them.
- ``events(id, frame_id, unix_s, source, name, severity, message)``: on-board events (from
  frames; a frame's events are stored once) and ground events (alarms, command outcomes).
- ``commands`` and ``command_stages``: the command lifecycle, append-only (see commanding.py).
- ``files`` and ``file_chunks``: chunked file downloads (see files.py).
- ``alarms``: limit transitions, raised and cleared (see alarms.py).
- ``archive_meta(key, value)``: what the archive knows of itself; ``dictionary_xtce`` is the
  mission's dictionary (its XTCE export), written when an archive is opened with a dictionary,
  so a reader given only the archive (``picodragon serve --db``) shows that mission's packets;
  ``mission`` is the mission's name and scenario (JSON, :meth:`Archive.remember_mission`,
  written by ``picodragon run`` and ``satnogs import``), so that reader also shows its
  spacecraft, stations and orbit.

An archive opened with a mission's ``Dictionary`` creates the table of every telemetry packet
at once, from the declarations, and remembers the dictionary. Opened later with another
dictionary (another mission, a new version), packets it has not seen get their tables and
fields appended to a packet get their columns (empty in older rows: the dictionary's rule is
that a packet only grows at the end); a packet whose archived fields are gone from the new
declaration, or whose unit changed, is refused with one line (:class:`ArchiveError`) naming
the packet and the fields, since its rows would no longer mean what its columns say. Refusing
rather than versioning the table keeps one table per packet name, which every reader (the
web, the exports) relies on; a changed packet takes a new name or a new archive.

Atomicity: every write belongs to a transaction; outside :meth:`Archive.batch` each call commits
before it returns, inside one everything commits at the end of the ``with`` block. A write is
*acknowledged* when its commit returns; a crash (even kill -9) after that loses nothing, a crash
before it loses the whole uncommitted batch and nothing else (SQLite in WAL mode, PostgreSQL).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import operator
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from picodragon.dictionary.definitions import Dictionary, DictionaryError
from picodragon.dictionary.model import Packet

log = logging.getLogger(__name__)

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,50}$")


class ArchiveError(RuntimeError):
    """A request the archive cannot serve (unknown point, bad name); one line for the user."""


def frame_id(raw: bytes) -> int:
    """The content address of a frame: the first 63 bits of its BLAKE2b digest."""
    return int.from_bytes(hashlib.blake2b(raw, digest_size=8).digest(), "big") >> 1


def table_for(packet: str) -> str:
    """The table of a packet's decoded values; ArchiveError for a name that is not an identifier."""
    if not _IDENT.match(packet):
        raise ArchiveError(f"packet name {packet!r} is not a valid identifier")
    return "tm_" + packet.lower()


@dataclass(frozen=True)
class Reception:
    """One hearing of a frame: which station, when, on which (tuned) frequency."""

    station: str
    unix_s: float
    frequency_hz: float


@dataclass(frozen=True)
class FrameRecord:
    """A stored frame with every reception of it."""

    id: int
    raw: bytes
    first_unix_s: float
    rejection: str | None
    receptions: tuple[Reception, ...]


#: tables and their columns; types are backend-neutral names mapped by each backend
SCHEMA: dict[str, tuple[tuple[str, str], ...]] = {
    "frames": (
        ("seq", "SERIAL"),
        ("id", "BIGINT NOT NULL UNIQUE"),
        ("raw", "BLOB NOT NULL"),
        ("first_unix_s", "DOUBLE NOT NULL"),
        ("first_station", "TEXT NOT NULL"),
        ("frequency_hz", "DOUBLE"),
        ("rejection", "TEXT"),
    ),
    "receptions": (
        ("frame_seq", "BIGINT NOT NULL"),
        ("station", "TEXT NOT NULL"),
        ("unix_s", "DOUBLE NOT NULL"),
        ("frequency_hz", "DOUBLE"),
    ),
    "packet_catalog": (
        ("packet", "TEXT PRIMARY KEY"),
        ("table_name", "TEXT NOT NULL"),
        ("fields", "TEXT NOT NULL"),
    ),
    "events": (
        ("id", "SERIAL"),
        ("frame_id", "BIGINT"),
        ("unix_s", "DOUBLE NOT NULL"),
        ("source", "TEXT NOT NULL"),
        ("name", "TEXT NOT NULL"),
        ("severity", "INTEGER NOT NULL"),
        ("message", "TEXT NOT NULL"),
    ),
    "commands": (
        ("id", "BIGINT PRIMARY KEY"),
        ("name", "TEXT NOT NULL"),
        ("opcode", "INTEGER NOT NULL"),
        ("arguments", "TEXT NOT NULL"),
        ("counter", "BIGINT"),
        ("key_id", "INTEGER"),
        ("raw", "BLOB"),
        ("queued_unix_s", "DOUBLE NOT NULL"),
    ),
    "command_stages": (
        ("command_id", "BIGINT NOT NULL"),
        ("stage", "TEXT NOT NULL"),
        ("unix_s", "DOUBLE NOT NULL"),
        ("detail", "TEXT NOT NULL"),
    ),
    "files": (
        ("file_id", "BIGINT PRIMARY KEY"),
        ("name", "TEXT NOT NULL"),
        ("size", "BIGINT"),
        ("chunk_size", "INTEGER"),
        ("chunk_count", "INTEGER"),
        ("crc32", "BIGINT"),
        ("first_unix_s", "DOUBLE NOT NULL"),
        ("complete_unix_s", "DOUBLE"),
        ("crc_ok", "INTEGER"),
    ),
    "file_chunks": (
        ("file_id", "BIGINT NOT NULL"),
        ("chunk_index", "INTEGER NOT NULL"),
        ("data", "BLOB NOT NULL"),
        ("unix_s", "DOUBLE NOT NULL"),
    ),
    "alarms": (
        ("id", "SERIAL"),
        ("point", "TEXT NOT NULL"),
        ("unix_s", "DOUBLE NOT NULL"),
        ("severity", "INTEGER NOT NULL"),
        ("state", "TEXT NOT NULL"),
        ("value", "DOUBLE"),
        ("detail", "TEXT NOT NULL"),
    ),
    "archive_meta": (
        ("key", "TEXT PRIMARY KEY"),
        ("value", "TEXT NOT NULL"),
    ),
}
#: tables added after archives were first written: an older archive lacks them until opened
LATER_TABLES = frozenset({"archive_meta"})
#: the ``archive_meta`` key of the mission's dictionary (XTCE text)
DICTIONARY_KEY = "dictionary_xtce"
#: the ``archive_meta`` key of the mission that wrote the archive: JSON ``{"name", "scenario"}``
MISSION_KEY = "mission"
#: the ``archive_meta`` key prefix of a station's last state during a pass (JSON; the station's
#: name follows the colon), for mission control's live pass console
STATION_STATE_PREFIX = "station_state:"


@functools.lru_cache(maxsize=8)
def dictionary_from_xtce(text: str) -> Dictionary:
    """The Dictionary an archive stored (its XTCE text), parsed once per distinct text."""
    from picodragon.dictionary.xtce_import import load_xtce_text

    return load_xtce_text(text, origin="the archive's dictionary")


def dictionary_to_xtce(dictionary: Dictionary) -> str:
    """The XTCE text an archive stores for ``dictionary`` (read back to an equal Dictionary)."""
    from picodragon.dictionary.xtce import to_xtce

    return to_xtce(dictionary, name="archive")


def packet_change(packet: Packet, archived: Sequence[str], before: Packet | None) -> str | None:
    """Why ``packet`` cannot be stored in the table holding ``archived`` fields, or None.

    ``before`` is the same packet in the dictionary the archive remembers (None if it holds
    none). Fields only appended are fine; fields gone (removed or renamed) or with another
    unit are not: the old rows would be read under the new meaning.
    """
    names = [f.name for f in packet.fields]
    gone = [f for f in archived if f not in names]
    if gone:
        return f"field{'s' if len(gone) > 1 else ''} {', '.join(gone)} archived but gone from it"
    if before is not None:
        units = {f.name: f.unit for f in before.fields}
        moved = [f"{f.name} ({units[f.name] or 'no unit'} -> {f.unit or 'no unit'})"
                 for f in packet.fields if f.name in units and units[f.name] != f.unit]
        if moved:
            return f"unit changed: {', '.join(moved)}"
    return None

#: unique keys that make repeated writes of the same fact idempotent
UNIQUE: dict[str, tuple[str, ...]] = {
    "receptions": ("frame_seq", "station", "unix_s"),
    "events": ("frame_id", "name", "unix_s"),
    "command_stages": ("command_id", "stage"),
    "file_chunks": ("file_id", "chunk_index"),
}
INDEXES: dict[str, tuple[str, ...]] = {
    "frames": ("first_unix_s",),
    "receptions": ("unix_s",),  # mission control's Frames page: newest receptions first, by span
    "events": ("unix_s",),
    "alarms": ("unix_s",),
    # the command queue's highest counter of its key, asked at each signature: a MAX() over the
    # index's last entry, not a scan of every command the mission has sent
    "commands": ("key_id, counter",),
}


class _Batch:
    """The context manager :meth:`Archive.batch` returns: a class rather than a generator, since
    a live station opens one per frame (tens of thousands a second) and a generator's
    ``contextmanager`` costs several times as much to enter and leave."""

    __slots__ = ("_archive",)

    def __init__(self, archive: Archive) -> None:
        self._archive = archive

    def __enter__(self) -> Archive:
        self._archive._depth += 1
        return self._archive

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        self._archive._batch_ended(kind is not None)


class Archive:
    """Raw frames, telemetry points, events, commands, files and alarms behind one interface.

    Subclasses provide the connection and five primitives: ``_exec`` (one statement),
    ``_rows`` (a query), ``_bulk`` (many rows into one table, duplicates ignored), ``_commit``
    and ``_rollback``. Everything else, including the schema, lives here.
    """

    backend = "abstract"
    placeholder = "?"
    type_map: dict[str, str] = {}

    def __init__(self, dictionary: Dictionary | None = None) -> None:
        self._opened_with = dictionary
        self._pending: dict[str, tuple[tuple[str, ...], list[tuple]]] = {}
        self._depth = 0
        self._writing = False
        self._catalog: dict[str, tuple[str, tuple[str, ...]]] = {}
        self._fast: dict[str, tuple] = {}

    # -- primitives (backend) -------------------------------------------------------------
    def _exec(self, sql: str, params: Sequence = ()) -> None:
        raise NotImplementedError

    def _rows(self, sql: str, params: Sequence = ()) -> list[tuple]:
        raise NotImplementedError

    def _bulk(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        raise NotImplementedError

    def _commit(self) -> None:
        raise NotImplementedError

    def _rollback(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Write what is pending, commit and release the connection."""
        raise NotImplementedError

    def _table_altered(self, table: str) -> None:
        """A hook for backends that cache something shaped like a table."""

    # -- schema -------------------------------------------------------------------------
    def _column_type(self, decl: str) -> str:
        for neutral, actual in self.type_map.items():
            decl = decl.replace(neutral, actual)
        return decl

    def _column_decl(self, table: str, name: str, decl: str) -> str:
        """The declaration of one column of a new table (a backend may keep a key elsewhere)."""
        return self._column_type(decl)

    def _create_schema(self) -> None:
        for table, columns in SCHEMA.items():
            cols = ", ".join(f"{name} {self._column_decl(table, name, decl)}" for name, decl in columns)
            unique = UNIQUE.get(table)
            if unique:
                cols += f", UNIQUE ({', '.join(unique)})"
            self._exec(f"CREATE TABLE IF NOT EXISTS {table} ({cols})")
        for table, columns in INDEXES.items():
            for col in columns:
                name = col.replace(", ", "_")
                self._exec(f"CREATE INDEX IF NOT EXISTS ix_{table}_{name} ON {table} ({col})")
        self._commit()
        self._reload_catalog()
        if self._opened_with is not None:
            try:
                self._adopt(self._opened_with)
            except ArchiveError:
                self._rollback()
                self.close()
                raise

    # -- the mission's dictionary --------------------------------------------------------
    def _stored_xtce(self) -> str | None:
        p = self.placeholder
        rows = self._rows(f"SELECT value FROM archive_meta WHERE key = {p}", (DICTIONARY_KEY,))
        return str(rows[0][0]) if rows else None

    def _adopt(self, dictionary: Dictionary) -> None:
        """Check ``dictionary`` against what is archived, create its packets' tables, store it.

        ArchiveError (one line) for a packet whose archived fields it no longer declares or
        whose units it changed; nothing is written then.
        """
        text = dictionary_to_xtce(dictionary)
        stored_text = self._stored_xtce()
        before: Dictionary | None = None
        if stored_text is not None and stored_text != text:
            try:
                before = dictionary_from_xtce(stored_text)
            except DictionaryError as exc:
                log.warning("the archive's stored dictionary is unreadable, replaced: %s", exc)
        for packet in dictionary.telemetry:
            archived = self._catalog.get(packet.name)
            previous = before.packet(packet.name) if before and before.has_packet(packet.name) else None
            why = packet_change(packet, archived[1] if archived else (), previous)
            if why is not None:
                raise ArchiveError(
                    f"archive {self._where()}: packet {packet.name} changed in dictionary "
                    f"{dictionary.name!r}: {why}; give the changed packet a new name or use a "
                    "new archive"
                )
        for packet in dictionary.telemetry:
            self._ensure_packet_table(packet.name, [f.name for f in packet.fields])
        if stored_text != text:
            p = self.placeholder
            self._exec(f"DELETE FROM archive_meta WHERE key = {p}", (DICTIONARY_KEY,))
            self._exec(f"INSERT INTO archive_meta (key, value) VALUES ({p}, {p})",
                       (DICTIONARY_KEY, text))
            self._commit()

    def _where(self) -> str:
        """The archive's location for messages (a backend names its file or database)."""
        return self.backend

    def dictionary(self) -> Dictionary:
        """The mission's dictionary this archive remembers (the last it was opened with).

        An archive never opened with one (or written before archives kept it) gives the core
        dictionary (``picodragon.dictionary.core()``): what the reference flight software sends.
        ArchiveError (one line) when what is stored cannot be read back.
        """
        text = self._stored_xtce()
        if text is None:
            from picodragon.dictionary.loader import core

            return core()
        try:
            return dictionary_from_xtce(text)
        except DictionaryError as exc:
            raise ArchiveError(f"archive {self._where()}: its dictionary is unreadable ({exc}); "
                               "open it with the mission to store it again") from None

    def remember_mission(self, name: str, scenario_json: str) -> None:
        """Record which mission writes this archive: its name and its scenario as JSON (the
        spacecraft, stations and orbit a reader given only the archive shows). Commits."""
        p = self.placeholder
        self._flush_pending_only()
        self._exec(f"DELETE FROM archive_meta WHERE key = {p}", (MISSION_KEY,))
        self._exec(f"INSERT INTO archive_meta (key, value) VALUES ({p}, {p})",
                   (MISSION_KEY, json.dumps({"name": str(name), "scenario": str(scenario_json)})))
        if self._depth == 0:
            self._commit()

    def write_station_state(self, station: str, state: dict) -> None:
        """Record ``station``'s state now (JSON: time, look angles, rig and rotator health, its
        last log lines; see ``picodragon.ground.stationparts.station_state``), replacing the
        previous one: mission control's pass console shows the last. Commits."""
        p = self.placeholder
        key = STATION_STATE_PREFIX + str(station)
        self._flush_pending_only()
        self._exec(f"DELETE FROM archive_meta WHERE key = {p}", (key,))
        self._exec(f"INSERT INTO archive_meta (key, value) VALUES ({p}, {p})", (key, json.dumps(state)))
        if self._depth == 0:
            self._commit()

    def station_state(self, station: str) -> dict | None:
        """What :meth:`write_station_state` last recorded for ``station``, or None."""
        rows = self._rows(f"SELECT value FROM archive_meta WHERE key = {self.placeholder}",
                          (STATION_STATE_PREFIX + str(station),))
        try:
            found = json.loads(rows[0][0]) if rows else None
        except (TypeError, ValueError):
            return None
        return found if isinstance(found, dict) else None

    def remembered_mission(self) -> dict | None:
        """What :meth:`remember_mission` recorded (``{"name", "scenario"}``), or None."""
        rows = self._rows(f"SELECT value FROM archive_meta WHERE key = {self.placeholder}", (MISSION_KEY,))
        if not rows:
            return None
        try:
            found = json.loads(rows[0][0])
        except (TypeError, ValueError):
            return None
        return found if isinstance(found, dict) and isinstance(found.get("name"), str) else None

    def _reload_catalog(self) -> None:
        """Read the packet tables' catalog again: another process may have added to it."""
        if self._pending or self._depth:
            return
        for packet, table, fields in self._rows(
            "SELECT packet, table_name, fields FROM packet_catalog"
        ):
            self._catalog[packet] = (table, tuple(json.loads(fields)))

    def _ensure_packet_table(
        self, packet: str, fields: Sequence[str]
    ) -> tuple[str, tuple[str, ...]]:
        known = self._catalog.get(packet)
        if known is not None and all(f in known[1] for f in fields):
            return known
        for f in fields:
            if not _IDENT.match(f) or f in ("frame_seq", "seq", "unix_s"):
                raise ArchiveError(f"field name {f!r} of packet {packet} cannot be a column")
        table = table_for(packet)
        double = self._column_type("DOUBLE")
        if known is None:
            cols = ", ".join(f'"{f}" {double}' for f in fields)
            self._exec(
                f"CREATE TABLE IF NOT EXISTS {table} (seq {self._column_type('SERIAL')}, "
                f"frame_seq BIGINT NOT NULL UNIQUE, "
                f"unix_s {double} NOT NULL{', ' if cols else ''}{cols})"
            )
            self._exec(f"CREATE INDEX IF NOT EXISTS ix_{table}_unix_s ON {table} (unix_s)")
            all_fields = tuple(fields)
        else:
            added = [f for f in fields if f not in known[1]]
            if added:
                self._flush_pending_only()
            for f in added:
                self._exec(f'ALTER TABLE {table} ADD COLUMN "{f}" {double}')
            self._table_altered(table)
            all_fields = known[1] + tuple(added)
        self._exec(f"DELETE FROM packet_catalog WHERE packet = {self.placeholder}", (packet,))
        p = self.placeholder
        self._exec(
            f"INSERT INTO packet_catalog (packet, table_name, fields) VALUES ({p}, {p}, {p})",
            (packet, table, json.dumps(list(all_fields))),
        )
        if self._depth == 0:
            self._commit()
        self._catalog[packet] = (table, all_fields)
        return self._catalog[packet]

    # -- transactions -------------------------------------------------------------------
    def batch(self) -> _Batch:
        """Group writes into one transaction, committed (acknowledged) when the block ends.

        A ``with`` block: blocks nest (the outermost commits); an exception out of the
        outermost rolls the whole transaction back and is raised on.
        """
        return _Batch(self)

    def _batch_ended(self, failed: bool) -> None:
        """The end of a :meth:`batch` block: commit at the outermost, or roll back on failure."""
        self._depth -= 1
        if self._depth:
            return
        if failed:
            self._pending.clear()
            self._rollback()
            self._forget_uncommitted_tables()
        else:
            self.flush()

    def flush(self) -> None:
        """Write everything pending and commit; after it returns, the writes are durable."""
        try:
            self._write_pending()
            self._commit()
        except BaseException:
            self._pending.clear()
            self._rollback()
            self._forget_uncommitted_tables()
            raise

    def _forget_uncommitted_tables(self) -> None:
        """After a rollback: packet tables (or columns) created in the lost transaction are
        gone, so the catalog is read again rather than trusted."""
        self._catalog.clear()
        self._fast.clear()
        try:
            self._reload_catalog()
        except Exception:  # the connection itself is broken: the next call will say so
            log.debug("catalog not reloaded after a rollback", exc_info=True)

    def _write_pending(self) -> None:
        """Write the pending rows into the open transaction (frames first).

        Rows that refer to a frame (receptions, telemetry) carry its content address until
        here; they are stored against the frame's ``seq``, looked up once per batch, so their
        unique indexes grow in arrival order instead of in random hash order.
        """
        pending, self._pending = self._pending, {}
        self._writing = True
        try:
            self._write_rows(pending)
        finally:
            self._writing = False

    def _write_rows(self, pending: dict[str, tuple[tuple[str, ...], list[tuple]]]) -> None:
        frames = pending.pop("frames", None)
        fresh: dict[int, int] = {}
        if frames is not None and frames[1]:
            fresh = self._store_frames(frames[0], frames[1])
        by_frame = {t: e for t, e in pending.items() if t in self._BY_FRAME or t.startswith("tm_")}
        # the usual case first: every row names a frame just stored (no look-up by content)
        renamed = {t: self._by_seq(rows, fresh) for t, (_, rows) in by_frame.items()}
        ids = {row[0] for t, (_, rows) in by_frame.items() if renamed[t] is None for row in rows}
        older = ids.difference(fresh) if fresh else ids
        seqs = self._frame_seqs(older) if older else {}
        for table, (columns, rows) in by_frame.items():
            columns = ("frame_seq", *columns[1:])
            new, old = renamed[table], []
            if new is None:  # rows of frames archived before (or never stored) among them
                new = [(fresh[r[0]], *r[1:]) for r in rows if r[0] in fresh] if fresh else []
                old = [(seqs[r[0]], *r[1:]) for r in rows if r[0] in seqs] if seqs else []
            if len(new) + len(old) < len(rows):
                log.warning(
                    "%s: %d rows name frames never stored; not archived",
                    table,
                    len(rows) - len(new) - len(old),
                )
            if new:
                self._bulk_fresh(table, columns, new)
            if old:
                self._bulk(table, columns, old)
        for table, (columns, rows) in pending.items():
            if rows and table not in by_frame:
                self._bulk(table, columns, rows)

    @staticmethod
    def _by_seq(rows: list[tuple], seqs: dict[int, int]) -> list[tuple] | None:
        """``rows`` with their first column (a content address) replaced by the frame's ``seq``
        when every one is in ``seqs`` (the usual case: rows of frames just stored), else None."""
        if not seqs:
            return None
        seq_of = seqs.__getitem__
        try:
            return [(seq_of(r[0]), *r[1:]) for r in rows]
        except KeyError:
            return None

    _BY_FRAME = frozenset({"receptions"})

    #: frames pending in a batch at which :meth:`_spill` is called (0: never)
    _spill_frames = 0

    def _spill(self) -> None:
        """Write what is pending into the open transaction before the batch ends (a backend
        may do it in the background; it commits nothing)."""
        self._write_pending()

    def _store_frames(self, columns: tuple[str, ...], rows: list[tuple]) -> dict[int, int]:
        """Write frame rows (duplicates ignored); return content address -> seq of the frames
        this call stored, none of which was in the archive before it.

        Rows that refer to those frames cannot clash with any stored row, so a backend may
        write them by a faster path (:meth:`_bulk_fresh`). This default stores through
        :meth:`_bulk` and claims no frame as new: everything takes the general path.
        """
        self._bulk("frames", columns, rows)
        return {}

    def _bulk_fresh(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        """Write rows that refer only to frames :meth:`_store_frames` just stored (so only
        duplicates among ``rows`` themselves can clash); by default as :meth:`_bulk`."""
        self._bulk(table, columns, rows)

    def _frame_seqs(self, ids: set[int]) -> dict[int, int]:
        """Content address -> seq for the frames among ``ids`` that are stored."""
        out: dict[int, int] = {}
        ids = list(ids)
        step = 5000
        for lo in range(0, len(ids), step):
            chunk = ids[lo : lo + step]
            marks = ", ".join([self.placeholder] * len(chunk))
            for fid, seq in self._rows(f"SELECT id, seq FROM frames WHERE id IN ({marks})", chunk):
                out[int(fid)] = int(seq)
        return out

    def _pending_rows(self, table: str, columns: tuple[str, ...]) -> list[tuple]:
        """The list of ``table``'s pending rows of ``columns`` (other columns pending: written first)."""
        entry = self._pending.get(table)
        if entry is None or entry[0] is not columns and entry[0] != columns:
            if entry is not None:
                self._write_pending()
            entry = self._pending[table] = (columns, [])
        return entry[1]

    def _add(self, table: str, columns: tuple[str, ...], row: tuple) -> None:
        self._pending_rows(table, columns).append(row)
        if self._depth == 0:
            self.flush()

    # -- frames and telemetry -----------------------------------------------------------
    _FRAME_COLS = ("id", "raw", "first_unix_s", "first_station", "frequency_hz", "rejection")
    _RECEPTION_COLS = ("frame_id", "station", "unix_s", "frequency_hz")  # frame_id -> frame_seq

    def store_frame(
        self,
        raw: bytes,
        station: str,
        unix_s: float,
        frequency_hz: float,
        rejection: str | None = None,
    ) -> int:
        """Archive one received frame and who heard it; return the frame's id.

        The same bytes from several stations (or twice from one) make one frame with several
        receptions.
        """
        raw = bytes(raw)
        fid = frame_id(raw)
        pending_frames = self._pending.get("frames")
        if (
            self._spill_frames
            and pending_frames is not None
            and len(pending_frames[1]) >= self._spill_frames
            and self._depth
        ):
            self._spill()  # at a frame's boundary: every row of the frames before goes with them
            pending_frames = None
        row = (fid, raw, float(unix_s), station, float(frequency_hz), rejection)
        if pending_frames is None:
            self._pending["frames"] = (self._FRAME_COLS, [row])
        else:
            pending_frames[1].append(row)
        self._add(
            "receptions", self._RECEPTION_COLS, (fid, station, float(unix_s), float(frequency_hz))
        )
        return fid

    def store_points(
        self, frame_id: int, packet_name: str, unix_s: float, values: dict[str, float]
    ) -> None:
        """Archive the decoded values of one packet of a frame (stored once per frame)."""
        known = self._fast.get(packet_name)
        if known is not None and len(values) == len(known[3]):
            try:  # the usual case: exactly the packet's fields, in one C call
                row = known[4](values)
            except KeyError:
                row = None
            if row is not None:
                self._add(known[0], known[1], (frame_id, float(unix_s), *row))
                return
        if known is None or not values.keys() <= known[2]:
            table, fields = self._ensure_packet_table(packet_name, list(values))
            if len(fields) > 1:
                getter = operator.itemgetter(*fields)
            else:
                getter = lambda v, f=tuple(fields): tuple(v[x] for x in f)  # noqa: E731
            known = self._fast[packet_name] = (
                table,
                ("frame_id", "unix_s", *fields),
                frozenset(fields),
                fields,
                getter,
            )
        table, columns, _, fields, _ = known
        get = values.get
        self._add(table, columns, (frame_id, float(unix_s), *[get(f) for f in fields]))

    def store_event(
        self,
        unix_s: float,
        name: str,
        severity: int,
        message: str,
        source: str = "ground",
        frame_id: int | None = None,
    ) -> None:
        """Archive an event: on board (with its frame) or on the ground (alarms, commands)."""
        self._add(
            "events",
            ("frame_id", "unix_s", "source", "name", "severity", "message"),
            (frame_id, float(unix_s), source, name, int(severity), message),
        )

    def count_frames(self) -> int:
        """Distinct frames stored (copies heard by several stations count once)."""
        return int(self._rows("SELECT COUNT(*) FROM frames")[0][0])

    def count_receptions(self) -> int:
        """Receptions stored: every hearing of every frame."""
        return int(self._rows("SELECT COUNT(*) FROM receptions")[0][0])

    def count_points(self) -> int:
        """Telemetry values archived: rows times fields, over every packet table."""
        self._reload_catalog()
        total = 0
        for table, fields in self._catalog.values():
            total += int(self._rows(f"SELECT COUNT(*) FROM {table}")[0][0]) * len(fields)
        return total

    def packet_counts(self) -> dict[str, int]:
        """Packets archived, by packet name (every packet with a table, received or not)."""
        self._reload_catalog()
        return {packet: int(self._rows(f"SELECT COUNT(*) FROM {table}")[0][0])
                for packet, (table, _) in sorted(self._catalog.items())}

    def point_names(self) -> list[str]:
        """Every archived telemetry point as ``PACKET.field``."""
        self._reload_catalog()
        return sorted(f"{p}.{f}" for p, (_, fields) in self._catalog.items() for f in fields)

    def _resolve(self, name: str) -> tuple[str, str]:
        """(table, field) of a point ``PACKET.field`` or a field name only one packet has (the
        archive's one resolver, ``catalog.Catalog``; its error is an ArchiveError)."""
        from picodragon.ground.archive.catalog import Catalog

        self._reload_catalog()
        table, field, _ = Catalog(self._catalog).resolve(name, bare=True)
        return table, field

    def points(
        self, name: str, start_unix: float = -np.inf, end_unix: float = np.inf
    ) -> tuple[np.ndarray, np.ndarray]:
        """Times (Unix s) and values of one point, ``name`` or ``PACKET.name``, in time order."""
        table, field = self._resolve(name)
        p = self.placeholder
        lo = -1e300 if not np.isfinite(start_unix) else float(start_unix)
        hi = 1e300 if not np.isfinite(end_unix) else float(end_unix)
        rows = self._rows(
            f'SELECT unix_s, "{field}" FROM {table} WHERE unix_s >= {p} AND unix_s <= {p} ORDER BY unix_s',
            (lo, hi),
        )
        if not rows:
            return np.empty(0), np.empty(0)
        data = np.array(rows, dtype=float)
        return data[:, 0], data[:, 1]

    def packets(
        self, packet: str, start_unix: float = -1e300, end_unix: float = 1e300
    ) -> dict[str, np.ndarray]:
        """Every field of one packet over a span, as columns (``unix_s`` and ``frame_id`` too)."""
        self._reload_catalog()
        entry = self._catalog.get(packet)
        if entry is None:
            raise ArchiveError(f"no packet {packet} in the archive")
        table, fields = entry
        p = self.placeholder
        quoted = "".join(f', t."{f}"' for f in fields)
        rows = self._rows(
            f"SELECT f.id, t.unix_s{quoted} FROM {table} t "
            f"JOIN frames f ON f.seq = t.frame_seq "
            f"WHERE t.unix_s >= {p} AND t.unix_s <= {p} ORDER BY t.unix_s",
            (float(start_unix), float(end_unix)),
        )
        names = ("frame_id", "unix_s", *fields)
        if not rows:
            return {n: np.empty(0) for n in names}
        cols = list(zip(*rows, strict=True))
        out = {"frame_id": np.array(cols[0], dtype=np.int64)}
        for n, c in zip(names[1:], cols[1:], strict=True):
            out[n] = np.array([np.nan if x is None else x for x in c], dtype=float)
        return out

    def frames(
        self, start_unix: float = -1e300, end_unix: float = 1e300, limit: int = 10_000
    ) -> list[FrameRecord]:
        """Frames first heard in a span, oldest first, each with all its receptions."""
        p = self.placeholder
        rows = self._rows(
            f"SELECT seq, id, raw, first_unix_s, rejection FROM frames WHERE first_unix_s >= {p} "
            f"AND first_unix_s <= {p} ORDER BY first_unix_s LIMIT {int(limit)}",
            (float(start_unix), float(end_unix)),
        )
        out = []
        for seq, fid, raw, first, rejection in rows:
            recs = self._rows(
                f"SELECT station, unix_s, frequency_hz FROM receptions WHERE frame_seq = {p} ORDER BY unix_s",
                (seq,),
            )
            out.append(
                FrameRecord(
                    int(fid),
                    bytes(raw),
                    float(first),
                    rejection,
                    tuple(Reception(s, float(u), float(f)) for s, u, f in recs),
                )
            )
        return out

    def events(self, start_unix: float = -1e300, end_unix: float = 1e300) -> list[dict]:
        """Events (on board and on the ground) in a span, in time order, as dicts."""
        p = self.placeholder
        rows = self._rows(
            f"SELECT frame_id, unix_s, source, name, severity, message FROM events "
            f"WHERE unix_s >= {p} AND unix_s <= {p} ORDER BY unix_s, id",
            (float(start_unix), float(end_unix)),
        )
        keys = ("frame_id", "unix_s", "source", "name", "severity", "message")
        return [dict(zip(keys, r, strict=True)) for r in rows]

    # -- generic access for the commanding, files and alarms modules --------------------
    def insert(self, table: str, row: dict) -> None:
        """Append one row (duplicates of a unique key ignored); commits unless in a batch."""
        if table not in SCHEMA:
            raise ArchiveError(f"no table {table}")
        self._add(table, tuple(row), tuple(row.values()))

    def update(self, table: str, key: dict, values: dict) -> None:
        """Change columns of the rows matching ``key`` (only for mutable summaries: files)."""
        if table not in SCHEMA:
            raise ArchiveError(f"no table {table}")
        self._flush_pending_only()
        p = self.placeholder
        sets = ", ".join(f"{c} = {p}" for c in values)
        where = " AND ".join(f"{c} = {p}" for c in key)
        self._exec(f"UPDATE {table} SET {sets} WHERE {where}", (*values.values(), *key.values()))
        if self._depth == 0:
            self._commit()

    def delete(self, table: str, key: dict) -> None:
        """Remove the rows matching ``key`` (only derived data: a file's chunks to refetch)."""
        if table not in SCHEMA:
            raise ArchiveError(f"no table {table}")
        self._flush_pending_only()
        p = self.placeholder
        where = " AND ".join(f"{c} = {p}" for c in key)
        self._exec(f"DELETE FROM {table} WHERE {where}", tuple(key.values()))
        if self._depth == 0:
            self._commit()

    def select(self, table: str, where: dict | None = None, order: str = "") -> list[dict]:
        """Rows of a table as dicts, optionally filtered by equality and ordered."""
        if table not in SCHEMA:
            raise ArchiveError(f"no table {table}")
        self._flush_pending_only()
        cols = [c for c, _ in SCHEMA[table]]
        p = self.placeholder
        sql = f"SELECT {', '.join(cols)} FROM {table}"
        params: tuple = ()
        if where:
            sql += " WHERE " + " AND ".join(f"{c} = {p}" for c in where)
            params = tuple(where.values())
        if order:
            if not all(_IDENT.match(o.strip()) for o in order.split(",")):
                raise ArchiveError(f"bad order {order!r}")
            sql += f" ORDER BY {order}"
        out = []
        for r in self._rows(sql, params):
            out.append(
                {
                    c: (bytes(v) if isinstance(v, memoryview) else v)
                    for c, v in zip(cols, r, strict=True)
                }
            )
        return out

    def maximum(self, table: str, column: str, where: dict | None = None) -> float | int | None:
        """``MAX(column)`` over the rows matching ``where`` (equality), None when there are none.

        One indexed aggregate instead of reading the rows: the command queue asks it for the
        highest counter and id before every signature.
        """
        if table not in SCHEMA:
            raise ArchiveError(f"no table {table}")
        if column not in {c for c, _ in SCHEMA[table]}:
            raise ArchiveError(f"no column {column} in {table}")
        self._flush_pending_only()
        p = self.placeholder
        sql = f"SELECT MAX({column}) FROM {table}"
        params: tuple = ()
        if where:
            if not all(c in {n for n, _ in SCHEMA[table]} for c in where):
                raise ArchiveError(f"bad filter {sorted(where)} for {table}")
            sql += " WHERE " + " AND ".join(f"{c} = {p}" for c in where)
            params = tuple(where.values())
        rows = self._rows(sql, params)
        return rows[0][0] if rows else None

    def _flush_pending_only(self) -> None:
        self._write_pending()

    def _before_read(self) -> None:
        """Inside a batch, a read sees the batch's own writes: the pending rows go into the open
        transaction first (not committed). A run that holds one batch over many frames (the
        mission runner, committing every few simulated minutes) then reads what it wrote."""
        if self._depth and self._pending and not self._writing:
            self._write_pending()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

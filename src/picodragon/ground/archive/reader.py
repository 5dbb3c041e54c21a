"""Every read mission control makes of the archive, through the read pool.

The ingest side (``base.Archive``) is built for batched writes and offers whole-span reads;
mission control needs small, indexed, paged questions: the latest housekeeping, the last contact,
events matching a search, the active alarms, each command with its stages, each file with its
chunk map, and long charts from the rollups. They are asked here in SQL over the archive's
tables, on SQLite and PostgreSQL alike, and every one tolerates an archive that has not yet
created a table (a fresh database before the first frame). Mission control's one table of its
own among them, ``web_alarm_acks`` (who acknowledged which alarm), is kept here too.

Point names are ``PACKET.field`` as in the dictionary, resolved by the archive's one
:class:`~picodragon.ground.archive.catalog.Catalog`; a command's stages are the ground's
(:class:`picodragon.ground.commanding.Stage`), in their lifecycle order.

It is over 500 lines because every question mission control asks of the archive is kept in
this one reader, so the SQL of the read side stays in one place beside the pool it runs on.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from picodragon.dictionary.files import MAX_CHUNK_DATA
from picodragon.ground.archive.base import MISSION_KEY, STATION_STATE_PREFIX
from picodragon.ground.archive.catalog import Catalog, QueryError
from picodragon.ground.archive.pool import Database
from picodragon.ground.archive.rollups import Rollups, Series, quote
from picodragon.ground.commanding import FINAL, Stage
from picodragon.ground.files import MAX_CHUNK_COUNT, entry_bounds

__all__ = ["Catalog", "QueryError", "Reader", "finite"]

#: a stage's place in the command lifecycle (the ground's Stage enumeration is in order)
STAGE_ORDER = {s.value: i for i, s in enumerate(Stage)}
FINAL_STAGES = frozenset(s.value for s in FINAL)

#: how long a cached receptions tally (the frames page's total and its stations) is kept before
#: it is recounted from scratch [s]: between recounts only receptions newer than the tally's
#: watermark are counted, so one archived late with an earlier time shows within this long
TALLY_REFRESH_S = 60.0
#: the most tallies kept (one per filter combination the frames page asked for)
TALLY_ENTRIES = 64


def finite(x: Any) -> float | None:
    """A float for JSON, or None for missing, NaN and infinite values."""
    if x is None:
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


class Reader:
    """Every read mission control makes, over one read pool (:class:`Database`)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.rollups = Rollups(db)
        self._tallies: OrderedDict[tuple, tuple[Any, float, float]] = OrderedDict()
        self._tally_lock = threading.Lock()
        self._recount_lock = threading.Lock()  # one recount at a time: concurrent misses wait for it

    # -- telemetry ----------------------------------------------------------------------
    def catalog(self) -> Catalog:
        if not self.db.table_exists("packet_catalog"):
            return Catalog({})
        return Catalog({
            p: (t, tuple(json.loads(f)))
            for p, t, f in self.db.rows("SELECT packet, table_name, fields FROM packet_catalog")
        })

    def point_names(self) -> list[str]:
        """Archived points as ``PACKET.field``, by packet, fields in column order."""
        return self.catalog().point_names()

    def latest(self, packet: str) -> dict[str, Any] | None:
        """The newest packet of a kind, by on-board time, as {unix_s, values}."""
        entry = self.catalog().packets.get(packet)
        if entry is None:
            return None
        table, fields = entry
        row = self.db.one(
            f"SELECT unix_s{''.join(', ' + quote(f) for f in fields)} FROM {table} ORDER BY unix_s DESC LIMIT 1"
        )
        if row is None:
            return None
        return {"unix_s": float(row[0]), "values": {f: finite(v) for f, v in zip(fields, row[1:], strict=True)}}

    def warm_up(self, stop: threading.Event | None = None) -> None:
        """Bring every packet table's rollups up to date (what the first long chart would do).

        Runs on connections of its own (it is meant for a background thread) and stops between
        tables when ``stop`` is set.
        """
        db = Database(self.db.url)
        try:
            rollups = Rollups(db, lock=self.rollups._lock)
            for table, fields in Reader(db).catalog().packets.values():
                if stop is not None and stop.is_set():
                    return
                rollups.refresh(table, fields, force=True)
        finally:
            db.close()

    def series(self, point: str, start: float, end: float, max_points: int) -> Series:
        table, field, fields = self.catalog().resolve(point)
        return self.rollups.series(table, fields, field, point, start, end, max_points)

    def time_span(self) -> tuple[float, float] | None:
        """First and last on-board time of any telemetry (for default chart ranges)."""
        lo, hi = math.inf, -math.inf
        for table, _ in self.catalog().packets.values():
            # two statements: SQLite answers a lone MIN or MAX from the unix_s index's end, but
            # scans the whole index for both in one (a week of 1 Hz: 0.5 s per status request)
            first = self.db.one(f"SELECT MIN(unix_s) FROM {table}")
            if first and first[0] is not None:
                last = self.db.one(f"SELECT MAX(unix_s) FROM {table}")
                lo, hi = min(lo, float(first[0])), max(hi, float(last[0]))
        return None if lo > hi else (lo, hi)

    def mission(self) -> dict[str, Any] | None:
        """The mission that wrote the archive (``{"name", "scenario"}``, the scenario as JSON;
        see ``Archive.remember_mission``), or None when none was recorded."""
        if not self.db.table_exists("archive_meta"):
            return None
        row = self.db.one("SELECT value FROM archive_meta WHERE key = ?", (MISSION_KEY,))
        if row is None:
            return None
        try:
            found = json.loads(row[0])
        except (TypeError, ValueError):
            return None
        return found if isinstance(found, dict) and isinstance(found.get("name"), str) else None

    def station_state(self, station: str) -> dict[str, Any] | None:
        """A station's last state during a pass (``Archive.write_station_state``), or None."""
        if not self.db.table_exists("archive_meta"):
            return None
        row = self.db.one("SELECT value FROM archive_meta WHERE key = ?", (STATION_STATE_PREFIX + station,))
        try:
            found = json.loads(row[0]) if row is not None else None
        except (TypeError, ValueError):
            return None
        return found if isinstance(found, dict) else None

    # -- contact ------------------------------------------------------------------------
    def last_contact(self) -> dict[str, Any] | None:
        if not self.db.table_exists("receptions"):
            return None
        row = self.db.one("SELECT station, unix_s FROM receptions ORDER BY unix_s DESC LIMIT 1")
        return None if row is None else {"station": row[0], "unix_s": float(row[1])}

    def change_marker(self) -> tuple:
        """A cheap fingerprint that changes whenever the archive receives something new."""
        marks: list[Any] = []
        for table in ("receptions", "events", "command_stages", "alarms", "file_chunks"):
            if self.db.table_exists(table):
                col = "unix_s"
                marks.append(self.db.one(f"SELECT MAX({col}) FROM {table}")[0])
            else:
                marks.append(None)
        if self.db.table_exists("web_alarm_acks"):
            marks.append(self.db.one("SELECT COUNT(*) FROM web_alarm_acks")[0])
        if self.db.table_exists("commands"):
            marks.append(self.db.one("SELECT COUNT(*) FROM commands")[0])
        return tuple(marks)

    # -- frames -------------------------------------------------------------------------
    def _frame_filter(self, station: str, start: float, end: float, outcome: str) -> tuple[str, list[Any]]:
        """The WHERE clause of the frames list: receptions by station and time, frames by outcome."""
        where = ["r.unix_s >= ?", "r.unix_s <= ?"]
        params: list[Any] = [start, end]
        if station:
            where.append("r.station = ?")
            params.append(station)
        if outcome == "decoded":
            where.append("f.rejection IS NULL")
        elif outcome == "rejected":
            where.append("f.rejection IS NOT NULL")
        elif outcome != "all":
            raise QueryError(f"outcome must be all, decoded or rejected, not {outcome[:20]!r}")
        return " AND ".join(where), params

    def frames(self, station: str = "", start: float = -1e300, end: float = 1e300, outcome: str = "all",
               limit: int = 100, offset: int = 0) -> dict[str, Any]:
        """Every hearing of a frame, newest first: when and by which station on which frequency,
        the frame's bytes, its rejection (None when it decoded) and the packet it decoded to.

        One row per reception (a frame heard by two stations is two arrivals); ``total`` counts
        the rows matching the filters. ``packet`` comes from the telemetry row that refers to the
        frame (None for a decoded frame that left no telemetry row, such as a file chunk).
        """
        if not (self.db.table_exists("frames") and self.db.table_exists("receptions")):
            return {"total": 0, "frames": []}
        clause, params = self._frame_filter(station, start, end, outcome)
        join = "FROM receptions r JOIN frames f ON f.seq = r.frame_seq"

        def count(lo: float, hi: float) -> int:
            # the frame is joined only when the outcome filter needs it (every reception has one)
            part, values = self._frame_filter(station, lo, hi, outcome)
            source = join if "f." in part else "FROM receptions r"
            return int(self.db.one(f"SELECT COUNT(*) {source} WHERE {part}", values)[0])

        total = self._tally(("count", clause, *params), start, end, count, 0, lambda a, b: a + b)
        rows = self.db.rows(
            f"SELECT f.seq, f.id, r.station, r.unix_s, r.frequency_hz, f.raw, f.rejection {join} WHERE {clause} "
            "ORDER BY r.unix_s DESC, f.seq DESC, r.station LIMIT ? OFFSET ?",
            [*params, int(limit), int(offset)],
        )
        packets = self._packets_of({int(r[0]) for r in rows if r[6] is None})
        out = [{"seq": int(seq), "id": int(fid), "station": st, "unix_s": float(t), "frequency_hz": finite(hz),
                "raw": bytes(raw), "rejection": rej, "packet": packets.get(int(seq))}
               for seq, fid, st, t, hz, raw, rej in rows]
        return {"total": int(total), "frames": out}

    def _packets_of(self, seqs: set[int]) -> dict[int, str]:
        """Frame seq -> the name of the packet decoded from it, for the frames among ``seqs``."""
        found: dict[int, str] = {}
        if not seqs:
            return found
        marks = ", ".join("?" * len(seqs))
        for packet, (table, _) in sorted(self.catalog().packets.items()):
            for (seq,) in self.db.rows(f"SELECT frame_seq FROM {table} WHERE frame_seq IN ({marks})", sorted(seqs)):
                found.setdefault(int(seq), packet)
        return found

    def frame(self, frame_id: int) -> dict[str, Any] | None:
        """One frame by its id (content address): bytes, rejection, every reception, the packets
        decoded from it with their fields, and the on-board events it carried; None if unknown."""
        if not self.db.table_exists("frames"):
            return None
        where, params = self._by_frame_id(frame_id)
        row = self.db.one("SELECT seq, id, raw, first_unix_s, first_station, frequency_hz, rejection FROM frames "
                          f"WHERE {where}", params)
        if row is None:
            return None
        seq = int(row[0])
        receptions = [{"station": s, "unix_s": float(t), "frequency_hz": finite(hz)} for s, t, hz in self.db.rows(
            "SELECT station, unix_s, frequency_hz FROM receptions WHERE frame_seq = ? ORDER BY unix_s, station",
            (seq,))] if self.db.table_exists("receptions") else []
        packets = []
        for packet, (table, fields) in sorted(self.catalog().packets.items()):
            got = self.db.one(f"SELECT unix_s{''.join(', ' + quote(f) for f in fields)} FROM {table} "
                              "WHERE frame_seq = ?", (seq,))
            if got is not None:
                packets.append({"name": packet, "unix_s": float(got[0]),
                                "fields": {f: finite(v) for f, v in zip(fields, got[1:], strict=True)}})
        events = []
        if self.db.table_exists("events"):
            keys = ("unix_s", "source", "name", "severity", "message")
            events = [dict(zip(keys, r, strict=True)) for r in self.db.rows(
                "SELECT unix_s, source, name, severity, message FROM events WHERE frame_id = ? ORDER BY unix_s, id",
                (int(row[1]),))]
        return {"seq": seq, "id": int(row[1]), "raw": bytes(row[2]), "first_unix_s": float(row[3]),
                "first_station": row[4], "frequency_hz": finite(row[5]), "rejection": row[6],
                "receptions": receptions, "packets": packets, "events": events}

    def _by_frame_id(self, frame_id: int) -> tuple[str, tuple[int, ...]]:
        """The condition on ``frames`` (and its parameters) that picks a frame by content address.

        An SQLite archive keeps the addresses in frame_ids.py's two tables (``frames.id`` has no
        index there), read in one statement (one snapshot, whatever a writer merges meanwhile);
        PostgreSQL, and SQLite archives no writer has opened since those tables came, index
        ``frames.id`` itself.
        """
        if self.db.table_exists("frame_ids") and self.db.table_exists("frame_ids_recent"):
            return ("seq IN (SELECT seq FROM frame_ids WHERE id = ? "
                    "UNION ALL SELECT seq FROM frame_ids_recent WHERE id = ?)", (frame_id, frame_id))
        return "id = ?", (frame_id,)

    def frame_stations(self) -> list[str]:
        """The stations that heard any frame (for the frames page's filter)."""
        if not self.db.table_exists("receptions"):
            return []

        def stations(lo: float, hi: float) -> frozenset[str]:
            return frozenset(r[0] for r in self.db.rows(
                "SELECT DISTINCT station FROM receptions WHERE unix_s >= ? AND unix_s <= ?", (lo, hi)))

        empty: frozenset[str] = frozenset()
        return sorted(self._tally(("stations",), -math.inf, math.inf, stations, empty, lambda a, b: a | b))

    def _tally(self, key: tuple, start: float, end: float, part: Callable[[float, float], Any], empty: Any,
               merge: Callable[[Any, Any], Any]) -> Any:
        """A question over the receptions from ``start`` to ``end`` (``part(lo, hi)``), answered
        as a cached part up to a watermark (the newest reception's time when it was counted)
        merged with a fresh part after it.

        Counting a week of 1 Hz receptions scans the whole index (0.54 s on SQLite, for every
        frames page); with the tally a request reads only the receptions since the watermark,
        so its cost stays flat as the archive grows, and the whole is recounted every
        ``TALLY_REFRESH_S`` (a reception archived late with an earlier time shows within that).
        """
        with self._tally_lock:
            entry = self._tallies.get(key)
        if entry is None or time.monotonic() - entry[2] > TALLY_REFRESH_S:
            entry = self._recount(key, start, end, part, empty)
        # the bounds are given as one range (not an extra condition) so the unix_s index
        # serves the fresh part from the watermark on
        lo = max(start, math.nextafter(entry[1], math.inf))
        return merge(entry[0], part(lo, end) if lo <= end else empty)

    def _recount(self, key: tuple, start: float, end: float, part: Callable[[float, float], Any],
                 empty: Any) -> tuple[Any, float, float]:
        with self._recount_lock:
            with self._tally_lock:
                entry = self._tallies.get(key)
            now = time.monotonic()
            if entry is not None and now - entry[2] <= TALLY_REFRESH_S:
                return entry  # another request recounted it while this one waited
            newest = self.db.one("SELECT MAX(unix_s) FROM receptions")
            mark = float(newest[0]) if newest and newest[0] is not None else -math.inf
            hi = min(end, mark)
            entry = (part(start, hi) if start <= hi else empty, mark, now)
            with self._tally_lock:
                self._tallies[key] = entry
                self._tallies.move_to_end(key)
                while len(self._tallies) > TALLY_ENTRIES:
                    self._tallies.popitem(last=False)
            return entry

    # -- events -------------------------------------------------------------------------
    def events(self, text: str = "", min_severity: int = 0, source: str = "", start: float = -1e300,
               end: float = 1e300, limit: int = 100, offset: int = 0) -> dict[str, Any]:
        """Events newest first, filtered by text (name or message), severity, source and span."""
        if not self.db.table_exists("events"):
            return {"total": 0, "events": []}
        where = ["unix_s >= ?", "unix_s <= ?", "severity >= ?"]
        params: list[Any] = [start, end, min_severity]
        if text:
            where.append("(LOWER(name) LIKE ? OR LOWER(message) LIKE ?)")
            pattern = "%" + text.lower().replace("\\", "").replace("%", "").replace("_", "") + "%"
            params += [pattern, pattern]
        if source:
            where.append("source = ?")
            params.append(source)
        clause = " AND ".join(where)
        total = self.db.one(f"SELECT COUNT(*) FROM events WHERE {clause}", params)[0]
        rows = self.db.rows(
            f"SELECT id, unix_s, source, name, severity, message FROM events WHERE {clause} "
            "ORDER BY unix_s DESC, id DESC LIMIT ? OFFSET ?",
            [*params, int(limit), int(offset)],
        )
        keys = ("id", "unix_s", "source", "name", "severity", "message")
        return {"total": int(total), "events": [dict(zip(keys, r, strict=True)) for r in rows]}

    # -- alarms -------------------------------------------------------------------------
    def ensure_schema(self) -> None:
        db = self.db
        db.execute(
            "CREATE TABLE IF NOT EXISTS web_alarm_acks (alarm_id BIGINT PRIMARY KEY, user_name TEXT NOT NULL, "
            f"unix_s {db.double} NOT NULL, comment TEXT NOT NULL)"
        )

    def alarms(self, active_only: bool = False, limit: int = 200) -> list[dict[str, Any]]:
        """Alarm transitions newest first, each with its acknowledgement; ``active_only`` keeps,
        per point, the latest transition when it is not a clear."""
        if not self.db.table_exists("alarms"):
            return []
        cols = ("SELECT a.id, a.point, a.unix_s, a.severity, a.state, a.value, a.detail, k.user_name, k.unix_s "
                "FROM alarms a LEFT JOIN web_alarm_acks k ON k.alarm_id = a.id ")
        if active_only:  # the newest transition of each point (ties: the later row)
            rows = self.db.rows(
                cols + "JOIN (SELECT point, MAX(unix_s) AS t FROM alarms GROUP BY point) l "
                "ON l.point = a.point AND l.t = a.unix_s ORDER BY a.unix_s DESC, a.id DESC")
        else:
            rows = self.db.rows(cols + "ORDER BY a.unix_s DESC, a.id DESC LIMIT ?", (int(limit),))
        out = []
        seen: set[str] = set()
        for r in rows:
            item = {
                "id": int(r[0]), "point": r[1], "unix_s": float(r[2]), "severity": int(r[3]),
                "state": r[4], "value": finite(r[5]), "detail": r[6],
                "acknowledged_by": r[7], "acknowledged_unix_s": finite(r[8]),
            }
            if active_only:
                if r[1] in seen:
                    continue
                seen.add(r[1])
                if str(r[4]).lower() in ("cleared", "clear", "ok", "normal"):
                    continue
            out.append(item)
            if len(out) >= limit:
                break
        return out

    def acknowledge(self, alarm_id: int, user: str, comment: str, now: float) -> bool:
        """Record an operator's acknowledgement; False when there is no such alarm."""
        if not self.db.table_exists("alarms") or self.db.one("SELECT 1 FROM alarms WHERE id = ?", (alarm_id,)) is None:
            return False
        with self.db.transaction():
            self.db.execute("DELETE FROM web_alarm_acks WHERE alarm_id = ?", (alarm_id,))
            self.db.execute(
                "INSERT INTO web_alarm_acks (alarm_id, user_name, unix_s, comment) VALUES (?, ?, ?, ?)",
                (alarm_id, user, now, comment),
            )
        return True

    # -- commands -----------------------------------------------------------------------
    def commands(self, limit: int = 100, offset: int = 0, command_id: int | None = None) -> list[dict[str, Any]]:
        """Commands newest first, each with its stages in lifecycle order (queued, released, sent,
        acknowledged, scheduled, then the final one), not by time: stages are stamped by the clock
        of whoever acted, and in a rehearsal the command line's UTC and the station's twin clock
        are years apart."""
        if not self.db.table_exists("commands"):
            return []
        if command_id is not None:
            rows = self.db.rows(
                "SELECT id, name, opcode, arguments, counter, queued_unix_s FROM commands WHERE id = ?",
                (command_id,),
            )
        else:
            rows = self.db.rows(
                "SELECT id, name, opcode, arguments, counter, queued_unix_s FROM commands "
                "ORDER BY queued_unix_s DESC, id DESC LIMIT ? OFFSET ?",
                (int(limit), int(offset)),
            )
        if not rows:
            return []
        ids = [int(r[0]) for r in rows]
        stages: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
        marks = ", ".join("?" * len(ids))
        if self.db.table_exists("command_stages"):
            for cid, stage, unix_s, detail in self.db.rows(
                f"SELECT command_id, stage, unix_s, detail FROM command_stages WHERE command_id IN ({marks}) "
                "ORDER BY unix_s", ids,
            ):
                stages[int(cid)].append({"stage": stage, "unix_s": float(unix_s), "detail": detail})
        for st in stages.values():  # lifecycle order, then time: each stage is stamped by the clock of
            # whoever acted (the command line's UTC, a rehearsing station's twin clock), which may disagree
            st.sort(key=lambda s: (STAGE_ORDER.get(s["stage"], 99), s["unix_s"]))
        out = []
        for cid, name, opcode, arguments, counter, queued in rows:
            try:
                args = json.loads(arguments)
            except (TypeError, ValueError):
                args = arguments
            execute_at = None
            if isinstance(args, dict) and "arguments" in args:  # the ground queue's record
                execute_at = finite(args.get("execute_at"))
                args = args["arguments"]
            st = stages[int(cid)]
            out.append({
                "id": str(cid), "name": name, "opcode": int(opcode), "arguments": args, "execute_at": execute_at,
                "counter": None if counter is None else int(counter), "queued_unix_s": float(queued),
                "stages": st, "stage": _current_stage(st),
            })
        return out

    # -- files and images ---------------------------------------------------------------
    def files(self, limit: int = 200, file_id: int | None = None) -> list[dict[str, Any]]:
        """Downloaded (or downloading) files newest first, with received and missing chunks."""
        if not self.db.table_exists("files"):
            return []
        cols = "file_id, name, size, chunk_size, chunk_count, crc32, first_unix_s, complete_unix_s, crc_ok"
        if file_id is not None:
            rows = self.db.rows(f"SELECT {cols} FROM files WHERE file_id = ?", (file_id,))
        else:
            rows = self.db.rows(f"SELECT {cols} FROM files ORDER BY first_unix_s DESC LIMIT ?", (int(limit),))
        out = []
        for r in rows:
            fid = int(r[0])
            have = sorted(int(c[0]) for c in self.db.rows(
                "SELECT chunk_index FROM file_chunks WHERE file_id = ?", (fid,)))
            count = None if r[4] is None else int(r[4])
            missing = [] if count is None else sorted(set(range(count)) - set(have))
            out.append({
                "file_id": str(fid), "name": r[1], "size": None if r[2] is None else int(r[2]),
                "chunk_size": None if r[3] is None else int(r[3]), "chunk_count": count,
                "first_unix_s": float(r[6]), "complete_unix_s": finite(r[7]),
                "crc_ok": None if r[8] is None else bool(r[8]),
                "chunks_received": len(have), "missing_chunks": missing,
                "complete": count is not None and not missing,
            })
        return out

    def file_entry(self, file_id: int) -> dict[str, Any] | None:
        """The spacecraft's newest directory entry (FILE_ENTRY packet) for a file, if heard.

        It says what the file holds (``kind``), when it was written and, for an image, where the
        spacecraft was: the true footprint, better than the ground's own orbit estimate.
        """
        entry = self.catalog().packets.get("FILE_ENTRY")
        if entry is None or "file_id" not in entry[1]:
            return None
        table, fields = entry
        row = self.db.one(
            f"SELECT unix_s{''.join(', ' + quote(f) for f in fields)} FROM {table} WHERE file_id = ? "
            "ORDER BY unix_s DESC LIMIT 1", (float(file_id),),
        )
        if row is None:
            return None
        return {"unix_s": float(row[0]), **{f: finite(v) for f, v in zip(fields, row[1:], strict=True)}}

    def file_info(self, file_id: int) -> dict[str, Any] | None:
        found = self.files(file_id=file_id)
        return found[0] if found else None

    def file_bytes(self, file_id: int) -> tuple[bytes, dict[str, Any]] | None:
        """The file's bytes as far as received, built from the chunks in the archive.

        The files row comes from the unauthenticated downlink (or an older archive), so its
        sizes are checked again here against the transfer format's bounds
        (``picodragon.ground.files.entry_bounds``). Within them, missing chunks are zero-filled up
        to the end of the last chunk received, never past the file's size; outside them (or with
        no directory entry) only the unbroken run of chunks from the start is given. Either way
        the bytes built are bounded by the chunks stored, never by what a header claims.
        """
        info = self.file_info(file_id)
        if info is None:
            return None
        size, chunk_size, count = info["size"], info["chunk_size"], info["chunk_count"]
        listed = None not in (size, chunk_size, count) and entry_bounds(size, chunk_size, count) is None
        rows = self.db.rows(
            "SELECT chunk_index, data FROM file_chunks WHERE file_id = ? ORDER BY chunk_index", (file_id,))
        chunks = [(int(i), bytes(d)) for i, d in rows if 0 <= int(i) < MAX_CHUNK_COUNT and len(d) <= MAX_CHUNK_DATA]
        if not listed:
            parts = []
            for expected, (index, data) in enumerate(chunks):
                if index != expected:
                    break
                parts.append(data)
            return b"".join(parts), info
        inside = [(i, d) for i, d in chunks if i < count]
        if not inside:
            return b"", info
        last, tail = inside[-1]
        end = min(last * chunk_size + len(tail), size)
        out = bytearray(end)
        for index, data in inside:
            start = index * chunk_size
            piece = data[: max(0, min(chunk_size, end - start))]
            out[start : start + len(piece)] = piece
        return bytes(out), info


def _current_stage(stages: list[dict[str, Any]]) -> str:
    """Where a command is: its final stage if it has one, else the furthest along its lifecycle
    (not merely the latest by time: clocks of different writers may disagree)."""
    if not stages:
        return "queued"
    return max(stages, key=lambda s: (s["stage"] in FINAL_STAGES, STAGE_ORDER.get(s["stage"], -1)))["stage"]

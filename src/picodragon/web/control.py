"""What mission control's routes share: the archive, the queries, the clock, the orbit.

One :class:`MissionControl` per application holds the archive's read pool and reader, the
ground's command queue (through ``Commander``), the login throttle, the mission's dictionary
(what the telemetry, events and commanding pages are built from), and the mission's stations
and element set, from which passes are predicted and cached in 10-minute steps.

"Now" is the wall clock for a live archive and the archive's last time for a simulated or
replayed one (older than a day): countdowns, the ground track and the times commands are queued
at all follow it, so a 2013 run reads as it happened.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from fastapi import Request

from picodragon.astro.isotime import iso_z_or_none
from picodragon.dictionary import Dictionary, core
from picodragon.ground.archive.pool import Database
from picodragon.ground.archive.reader import Reader
from picodragon.ground.archive.users import adopt_users, users_store
from picodragon.web import auth
from picodragon.web.auth import Session
from picodragon.web.commanding import Commander

SESSION_COOKIE = "pd_session"
#: if the newest archived data is older than this, the archive is a replay or a simulation and
#: "now" is the archive's last time, not the wall clock
REPLAY_AGE_S = 86400.0


def iso_z(unix_s: float | None) -> str | None:
    """Unix seconds as ISO 8601 UTC with milliseconds and a Z (None for no or absurd times)."""
    return iso_z_or_none(unix_s, "milliseconds")


class MissionControl:
    """What the routes share: the database, the queries, the dictionary, the stations and orbit.

    ``dictionary``: the mission's; when not given, the one the archive remembers (an archive
    opened with a mission's dictionary), else ``mission_dictionary`` (the scenario's), else the
    core dictionary. ``users``: where the users, sessions and audit log live (default:
    ``picodragon-users.sqlite`` beside a SQLite archive, the archive itself on PostgreSQL; see
    ``picodragon.ground.archive.users.users_store``).
    """

    def __init__(self, db_url: str, scenario: Any = None, element_set: Any = None,
                 live_interval_s: float = 1.0, key: bytes | None = None,
                 dictionary: Dictionary | None = None, mission_dictionary: Dictionary | None = None,
                 users: str | None = None) -> None:
        self.db = Database(db_url)
        self.users_url = users_store(db_url, users)
        self.users_db = self.db if self.users_url == db_url else Database(self.users_url)
        if self.users_db is not self.db:
            auth.attach_store(self.db, self.users_db)
            auth.ensure_schema(self.db)
            adopt_users(self.users_db, self.db, time.time())  # users an older archive still holds
        self.commander = Commander(db_url, key)
        self.throttle = auth.LoginThrottle()
        self.queries = Reader(self.db)
        self.live_interval_s = live_interval_s
        self.scenario = scenario
        self.element_set = element_set
        self.pass_cache: dict[tuple, list[dict[str, Any]]] = {}
        stored = self._ensure_archive(db_url)
        self.dictionary: Dictionary = dictionary if dictionary is not None else (stored or mission_dictionary or core())
        self._ensure_schemas()
        self.db.generation_hook = self._ensure_schemas

    def _ensure_schemas(self) -> None:
        """The web's own tables (again, if the archive file was replaced by a new run)."""
        auth.ensure_schema(self.db)
        self.queries.ensure_schema()
        self.queries.rollups.ensure_schema()

    @staticmethod
    def _ensure_archive(db_url: str) -> Dictionary | None:
        """Create the ground's tables if the database is new, so every query finds them; return
        the mission's dictionary the archive remembers, if it remembers one beyond the core."""
        from picodragon.ground.archive import open_archive

        archive = open_archive(db_url)
        try:
            remembered = getattr(archive, "dictionary", None)
            stored = remembered() if callable(remembered) else None
        finally:
            archive.close()
        return None if stored is None or stored == core() else stored

    # -- sessions -----------------------------------------------------------------------
    def session(self, request: Request) -> tuple[Session | None, bool]:
        """The request's session and whether it came as a bearer token (no CSRF needed)."""
        header = request.headers.get("authorization", "")
        if header.lower().startswith("bearer "):
            return auth.session_for(self.db, header[7:].strip()), True
        return auth.session_for(self.db, request.cookies.get(SESSION_COOKIE)), False

    # -- time ---------------------------------------------------------------------------
    #: with ``serve --live``: the clock a live twin announces (ground.stationclock), else None
    twin_clock: Any = None

    def mission_now(self) -> tuple[float, str]:
        """'Now' for countdowns: a followed twin's clock (``serve --live``), else the wall clock,
        or the archive's last time for a replay."""
        if self.twin_clock is not None and self.twin_clock.following:
            return self.twin_clock(), "twin clock"
        wall = time.time()
        contact = self.queries.last_contact()
        span = self.queries.time_span()
        last = max([x for x in (contact and contact["unix_s"], span and span[1]) if x], default=None)
        if last is not None and wall - last > REPLAY_AGE_S:
            return last, "archive"
        return wall, "wall clock"

    # -- orbit --------------------------------------------------------------------------
    def stations(self) -> list[Any]:
        return list(self.scenario.stations) if self.scenario is not None else []

    def next_passes(self, now: float, days: float = 1.0) -> list[dict[str, Any]]:
        if self.element_set is None or not self.stations():
            return []
        return [p for p in passes_from(self, int(now // 600), days) if p["los_unix_s"] >= now]


def passes_from(mc: MissionControl, start_bucket: int, days: float) -> list[dict[str, Any]]:
    """Passes of every station from ``start_bucket`` (10-minute units) on, cached per bucket."""
    from picodragon.ground.passes import find_passes_many

    key = (start_bucket, float(days))
    cached = mc.pass_cache.get(key)
    if cached is None:
        start = datetime.fromtimestamp(start_bucket * 600, UTC)
        end = datetime.fromtimestamp(start_bucket * 600 + days * 86400 + 600, UTC)
        found = find_passes_many([mc.element_set], mc.stations(), start, end)
        cached = []
        for p in sorted(found, key=lambda p: p.aos):
            d = p.to_json()
            d["aos_unix_s"] = p.aos.timestamp()
            d["los_unix_s"] = p.los.timestamp()
            d["tca_unix_s"] = p.tca.timestamp()
            cached.append(d)
        if len(mc.pass_cache) > 64:
            mc.pass_cache.clear()
        mc.pass_cache[key] = cached
    return [dict(p) for p in cached]


def load_scenario(scenario: str | None) -> tuple[Any, Any]:
    """The scenario's stations and an element set for the ground's orbit knowledge.

    The ground room sees no physics, so its element set is the carrier's (the ISS, from which
    a CubeSat leaves at about 1 m/s: the two orbits stay within tens of kilometres for days), as
    a team would use before the first catalogue elements of its satellite exist.
    """
    from picodragon.config import load_scenario
    from picodragon.elements import ElementSet

    scn = load_scenario(scenario)
    line1, line2 = scn.deployment.carrier_tle
    return scn, ElementSet.from_lines(line1, line2, scn.spacecraft.name)




def load_mission(ref: str | None) -> tuple[Any, Any, Dictionary]:
    """A mission folder, scenario file or packaged name (default: the reference mission) as
    (scenario, element set as in :func:`load_scenario`, the mission's dictionary)."""
    from picodragon.config.mission import load_mission as load
    from picodragon.elements import ElementSet

    mission = load(ref)
    scn = mission.scenario
    line1, line2 = scn.deployment.carrier_tle
    return scn, ElementSet.from_lines(line1, line2, scn.spacecraft.name), mission.dictionary


def archived_mission(db_url: str) -> tuple[Any, Any, Dictionary] | None:
    """The mission the archive remembers (``picodragon run`` and ``satnogs import`` record it) as
    (scenario, element set as in :func:`load_scenario`, the scenario's dictionary or the core
    one), or None when it remembers none or its record no longer validates (then the caller
    falls back to the reference mission, as before archives kept it)."""
    import logging

    from pydantic import ValidationError

    from picodragon.config.loader import ConfigError
    from picodragon.config.mission import load_mission_dictionary
    from picodragon.config.models import Scenario
    from picodragon.elements import ElementSet

    db = Database(db_url)
    try:
        found = Reader(db).mission()
    finally:
        db.close()
    if found is None or not isinstance(found.get("scenario"), str):
        return None
    try:
        scn = Scenario.model_validate_json(found["scenario"])
        line1, line2 = scn.deployment.carrier_tle
        element_set = ElementSet.from_lines(line1, line2, scn.spacecraft.name)
    except (ValidationError, ValueError) as exc:
        logging.getLogger(__name__).warning("the archive's mission %s is unreadable: %s", found["name"], exc)
        return None
    try:
        dictionary = load_mission_dictionary(scn)
    except ConfigError:  # its dictionary file is elsewhere: the archive's own copy is used anyway
        dictionary = core()
    return scn, element_set, dictionary

"""The archive's read side: the one point resolver (catalog) and mission control's access
tables (users, sessions, audit), stored only through ground/archive."""

from __future__ import annotations

import pytest

from picodragon.ground.archive import users
from picodragon.ground.archive.catalog import Catalog, QueryError
from picodragon.ground.archive.pool import Database

CATALOG = Catalog({"HOUSEKEEPING": ("tm_housekeeping", ("mode", "battery_voltage_v")),
                   "ADCS": ("tm_adcs", ("mode", "rate_x"))})


def test_points_resolve_by_packet_and_field():
    assert CATALOG.resolve("HOUSEKEEPING.mode") == ("tm_housekeeping", "mode", ("mode", "battery_voltage_v"))
    assert CATALOG.resolve("battery_voltage_v", bare=True)[:2] == ("tm_housekeeping", "battery_voltage_v")
    assert CATALOG.point_names() == ["ADCS.mode", "ADCS.rate_x", "HOUSEKEEPING.mode",
                                     "HOUSEKEEPING.battery_voltage_v"]


@pytest.mark.parametrize(("name", "bare", "message"), [
    ("HOUSEKEEPING.nothing", False, "no telemetry point HOUSEKEEPING.nothing"),
    ("NOPE.mode", False, "no telemetry point NOPE.mode"),
    ("battery_voltage_v", False, "no telemetry point battery_voltage_v"),
    ("mode", True, "in several packets"),
])
def test_unknown_or_ambiguous_points_are_one_line_errors(name, bare, message):
    with pytest.raises(QueryError, match=message):
        CATALOG.resolve(name, bare=bare)


def test_access_tables_round_trip(tmp_path):
    db = Database(str(tmp_path / "a.sqlite"))
    try:
        users.ensure_schema(db)
        users.ensure_schema(db)  # idempotent
        users.put_user(db, "olga", "h1", "operator", 10.0)
        users.add_session(db, "t1", "olga", "c1", 11.0, 100.0)
        assert users.credentials(db, "olga") == ("h1", "operator", 0)
        assert users.session_row(db, "t1") == ("olga", "operator", "c1", 100.0)
        users.replace_hash(db, "olga", "not-h1", "h2")  # changed meanwhile: kept
        assert users.credentials(db, "olga")[0] == "h1"
        users.replace_hash(db, "olga", "h1", "h2")
        assert users.credentials(db, "olga")[0] == "h2"
        users.put_user(db, "olga", "h3", "viewer", 12.0)  # a reset ends the sessions
        assert users.session_row(db, "t1") is None
        users.add_session(db, "t2", "olga", "c2", 200.0, 300.0)  # forgets expired sessions
        users.end_session(db, "t2")
        assert users.session_row(db, "t2") is None
        assert users.list_users(db) == [{"name": "olga", "role": "viewer", "created_unix_s": 12.0}]
        users.append_audit(db, 5.0, "olga", "login", "{}", "ok")
        users.append_audit(db, 6.0, "olga", "logout", "{}", "ok")
        assert [a["action"] for a in users.audit_log(db)] == ["logout", "login"]
        assert users.delete_user(db, "olga") and not users.delete_user(db, "olga")
        assert users.credentials(db, "olga") is None
    finally:
        db.close()

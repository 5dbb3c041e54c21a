"""Mission control builds its telemetry, events and commanding pages from the mission's
dictionary (``create_app(dictionary=...)``), not from a module of names."""

from __future__ import annotations

import dataclasses

import pytest

from picodragon.dictionary import Limits, core
from picodragon.web.points import field_of, limit_state, point_info
from tests.web.conftest import TestClient, bearer
from tests.web.fixtures import KEY, populate


def small_mission():
    """The core dictionary cut down to two commands and one event, with a tight battery limit."""
    base = core()
    hk = base.packet("HOUSEKEEPING")
    fields = tuple(dataclasses.replace(f, limits=Limits(warning_low=100.0)) if f.name == "battery_voltage_v"
                   else f for f in hk.fields)
    telemetry = tuple(dataclasses.replace(p, fields=fields) if p.name == "HOUSEKEEPING" else p
                      for p in base.telemetry)
    return dataclasses.replace(base, name="small", telemetry=telemetry, commands=base.commands[:2],
                               events=base.events[:1])


@pytest.fixture
def small_client(sqlite_url):
    from picodragon.web.app import create_app
    from picodragon.web.auth import create_user

    populate(sqlite_url, hours=0.2)
    create_user(sqlite_url, "olga", "olga-operator-1", "operator")
    with TestClient(create_app(sqlite_url, key=KEY, dictionary=small_mission())) as c:
        yield c


def test_the_pages_show_the_given_dictionary(small_client):
    d = small_mission()
    headers = bearer(small_client, "olga")
    got = small_client.get("/api/dictionary", headers=headers).json()
    assert [c["name"] for c in got["commands"]] == [c.name for c in d.commands]
    assert [e["name"] for e in got["events"]] == [d.events[0].name]
    hk = next(p for p in got["packets"] if p["name"] == "HOUSEKEEPING")
    battery = next(p for p in hk["points"] if p["name"] == "HOUSEKEEPING.battery_voltage_v")
    assert battery["limits"]["warning_low"] == 100.0
    # the status page checks housekeeping against the same limits
    status = small_client.get("/api/status", headers=headers).json()
    assert status["housekeeping"]["limits"]["battery_voltage_v"] == "warning"


def test_a_command_outside_the_dictionary_is_refused(small_client):
    d = small_mission()
    outside = next(c for c in core().commands if d.command(c.name) is None and not c.arguments)
    headers = bearer(small_client, "olga")
    r = small_client.post("/api/commands", json={"name": outside.name}, headers=headers)
    assert r.status_code == 422 and "no command" in r.json()["detail"]


def test_point_info_and_limit_state_follow_the_dictionary():
    d = small_mission()
    assert point_info("HOUSEKEEPING.battery_voltage_v", d)["limits"]["warning_low"] == 100.0
    assert point_info("NO_SUCH.point", d) == {"name": "NO_SUCH.point", "unit": "", "description": "",
                                              "limits": None, "enum": None}
    f = field_of("HOUSEKEEPING.battery_voltage_v", d)
    assert limit_state(7.0, f) == "warning" and limit_state(None, f) == "none"
    assert limit_state(150.0, f) == "ok"
    assert limit_state(1.0, field_of("HOUSEKEEPING.no_such_field", d)) == "none"

"""Commanding shows UTC times, never raw on-board seconds: a time tag or an argument that is a
UTC time (by the dictionary's unit and offset, or the core's on-board time names) as ISO 8601."""

from __future__ import annotations

import pytest

from picodragon.dictionary import Field, core
from picodragon.web.commanding import form_spec, utc_arguments, utc_epoch
from tests.web.conftest import bearer


def test_which_fields_are_utc_times():
    assert utc_epoch(Field("at_time", "u32", unit="s")) == 946684800.0  # on-board: since 2000
    assert utc_epoch(Field("since", "u32", unit="s")) == 946684800.0
    assert utc_epoch(Field("created_unix", "u32", unit="s", offset=946684800.0)) == 0.0  # already Unix
    assert utc_epoch(Field("interval_s", "u16", unit="s")) is None  # a duration
    assert utc_epoch(Field("at_time", "u32")) is None  # no unit: not a time


def test_utc_arguments_leave_zero_and_non_times_alone():
    capture = core().command("CAPTURE_IMAGE")
    assert utc_arguments(capture, {"at_time": 438_233_460}) == {"at_time": "2013-11-20T03:31:00Z"}
    assert utc_arguments(capture, {"at_time": 0}) == {}  # 0: "now" on board
    dump = core().command("DUMP_HOUSEKEEPING")
    assert utc_arguments(dump, {"since": 438_233_460, "max_packets": 5}) == {"since": "2013-11-20T03:31:00Z"}
    assert utc_arguments(None, {"at_time": 1}) == {}
    spec = {c["name"]: c for c in form_spec()}
    (at_time,) = spec["CAPTURE_IMAGE"]["arguments"]
    assert at_time["utc_epoch_unix_s"] == 946684800.0


def test_commanding_api_gives_time_arguments_in_utc(sqlite_client):
    operator = bearer(sqlite_client, "olga")
    r = sqlite_client.post("/api/commands", headers=operator, json={
        "name": "CAPTURE_IMAGE", "arguments": {"at_time": 438_233_460}, "release": False,
        "execute_at": "2013-11-20T03:30:00Z"})
    assert r.status_code == 201, r.text
    assert r.json()["arguments_utc"] == {"at_time": "2013-11-20T03:31:00Z"}
    listed = sqlite_client.get("/api/commands", headers=bearer(sqlite_client, "victor")).json()[0]
    assert listed["arguments"] == {"at_time": 438_233_460}  # the raw value stays for scripts
    assert listed["arguments_utc"] == {"at_time": "2013-11-20T03:31:00Z"}
    assert listed["execute"] == "2013-11-20T03:30:00.000Z"


@pytest.mark.parametrize("name", ["DUMP_HOUSEKEEPING", "DUMP_EVENTS"])
def test_dictionary_marks_since_as_utc(sqlite_client, name):
    d = sqlite_client.get("/api/dictionary", headers=bearer(sqlite_client, "victor")).json()
    command = next(c for c in d["commands"] if c["name"] == name)
    since = next(a for a in command["arguments"] if a["name"] == "since")
    assert since["utc_epoch_unix_s"] == 946684800.0


def test_telemetry_marks_utc_time_points(sqlite_client):
    from picodragon.web.points import point_info

    assert point_info("FILE_ENTRY.created_unix")["utc_epoch_unix_s"] == 0.0  # already Unix seconds
    assert "utc_epoch_unix_s" not in point_info("HOUSEKEEPING.uptime_s")  # a duration
    viewer = bearer(sqlite_client, "victor")
    points = {p["name"]: p for p in sqlite_client.get("/api/points", headers=viewer).json()}
    assert points["FILE_ENTRY.created_unix"]["utc_epoch_unix_s"] == 0.0
    series = sqlite_client.get("/api/telemetry", headers=viewer, params={
        "point": "FILE_ENTRY.created_unix", "start": "2013-11-20T00:00:00Z"}).json()["series"][0]
    assert series["utc_epoch_unix_s"] == 0.0 and series["mean"] == [1384905600.0 + 900]

"""The JSON API over a known archive, on SQLite and PostgreSQL: what operators' scripts rely on."""

from __future__ import annotations

import csv
import io

import pytest

from tests.web.conftest import bearer
from tests.web.fixtures import T0


@pytest.fixture
def viewer(client):
    return bearer(client, "victor")


@pytest.fixture
def operator(client):
    return bearer(client, "olga")


def test_status_reports_mode_power_alarms_and_passes(client, viewer):
    s = client.get("/api/status", headers=viewer).json()
    assert s["mode"] == {"value": 2, "name": "NOMINAL"}
    assert s["clock"] == "archive"  # a 2013 archive is a replay: "now" is its last time
    assert s["last_contact"]["station"] == "VNSC Hanoi"
    hk = s["housekeeping"]
    assert hk["values"]["battery_soc_pct"] == pytest.approx(80.0)
    assert hk["limits"]["battery_voltage_v"] == "ok"
    # obc_temperature was raised then cleared: only the battery voltage alarm is active
    assert [a["point"] for a in s["active_alarms"]] == ["HOUSEKEEPING.battery_voltage_v"]
    passes = s["next_passes"]["VNSC Hanoi"]
    assert passes and all(p["los_unix_s"] >= s["now_unix_s"] for p in passes)
    assert passes[0]["countdown_s"] == pytest.approx(passes[0]["aos_unix_s"] - s["now_unix_s"], abs=0.1)


def test_telemetry_raw_span_matches_the_archive(client, viewer):
    r = client.get("/api/telemetry", headers=viewer, params={
        "point": "HOUSEKEEPING.battery_voltage_v", "start": "2013-11-20T00:00:00Z", "end": "2013-11-20T00:10:00Z"})
    s = r.json()["series"][0]
    assert s["level_s"] == 0 and s["unit"] == "V"
    assert s["limits"]["critical_low"] == 6.2
    assert len(s["t"]) == 61  # every 10 s, both ends included
    assert s["t"][0] == T0 and s["mean"] == s["min"] == s["max"]


def test_telemetry_downsampling_keeps_extremes(client, viewer):
    params = {"point": ["HOUSEKEEPING.battery_voltage_v", "HOUSEKEEPING.obc_temperature_c"],
              "start": "2013-11-19T00:00:00Z", "end": "2013-11-21T00:00:00Z", "max_points": 50}
    data = client.get("/api/telemetry", headers=viewer, params=params).json()
    raw = client.get("/api/telemetry", headers=viewer, params={
        "point": "HOUSEKEEPING.battery_voltage_v", "start": "2013-11-20T00:00:00Z",
        "end": "2013-11-20T02:00:00Z", "max_points": 5000}).json()["series"][0]
    volts = data["series"][0]
    assert volts["level_s"] >= 60 and len(volts["t"]) <= 50
    assert min(volts["min"]) == pytest.approx(min(raw["min"]), abs=1e-3)
    assert max(volts["max"]) == pytest.approx(max(raw["max"]), abs=1e-3)
    assert all(lo <= m <= hi for lo, m, hi in zip(volts["min"], volts["mean"], volts["max"], strict=True))


def test_telemetry_csv_is_what_the_chart_shows(client, viewer):
    params = {"point": "HOUSEKEEPING.obc_temperature_c", "start": "2013-11-20T00:00:00Z",
              "end": "2013-11-20T00:05:00Z"}
    js = client.get("/api/telemetry", headers=viewer, params=params).json()["series"][0]
    text = client.get("/api/telemetry.csv", headers=viewer, params=params).text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == len(js["t"])
    assert rows[0]["time_utc"] == "2013-11-20T00:00:00.000Z"
    assert float(rows[3]["mean"]) == pytest.approx(js["mean"][3])


@pytest.mark.parametrize(("params", "status"), [
    ({"point": "HOUSEKEEPING.nothing"}, 404),
    ({"point": "NOPACKET.x"}, 404),
    ({"point": "HOUSEKEEPING.battery_voltage_v", "start": "yesterday"}, 422),
    ({"point": "HOUSEKEEPING.battery_voltage_v", "start": "2013-11-20T00:00:00"}, 422),
    ({"point": "HOUSEKEEPING.battery_voltage_v", "start": "2013-11-21T00:00:00Z", "end": "2013-11-20T00:00:00Z"}, 422),
    ({"point": "HOUSEKEEPING.battery_voltage_v", "max_points": 1}, 422),
    ({}, 422),
])
def test_telemetry_rejects_bad_requests(client, viewer, params, status):
    assert client.get("/api/telemetry", headers=viewer, params=params).status_code == status


def test_events_search_filter_and_page(client, viewer):
    everything = client.get("/api/events", headers=viewer).json()
    assert everything["total"] == 5
    times = [e["unix_s"] for e in everything["events"]]
    assert times == sorted(times, reverse=True)
    hits = client.get("/api/events", headers=viewer, params={"q": "battery"}).json()
    assert [e["name"] for e in hits["events"]] == ["LOW_BATTERY"]
    warnings = client.get("/api/events", headers=viewer, params={"min_severity": 2}).json()
    assert {e["name"] for e in warnings["events"]} == {"LOW_BATTERY", "COMMAND_TIMEOUT"}
    ground = client.get("/api/events", headers=viewer, params={"source": "ground"}).json()
    assert [e["name"] for e in ground["events"]] == ["COMMAND_TIMEOUT"]
    page2 = client.get("/api/events", headers=viewer, params={"limit": 2, "offset": 2}).json()
    assert [e["id"] for e in page2["events"]] == [e["id"] for e in everything["events"][2:4]]
    # SQL wildcards in the search text are taken literally, not as patterns
    assert client.get("/api/events", headers=viewer, params={"q": "%"}).json()["total"] == 5


def test_alarm_acknowledgement(client, viewer, operator):
    active = client.get("/api/alarms", headers=viewer, params={"active": True}).json()
    alarm = active[0]
    assert alarm["acknowledged_by"] is None
    r = client.post(f"/api/alarms/{alarm['id']}/ack", headers=operator, json={"comment": "battery checked"})
    assert r.status_code == 200
    again = client.get("/api/alarms", headers=viewer, params={"active": True}).json()[0]
    assert again["acknowledged_by"] == "olga"
    assert client.post("/api/alarms/999999/ack", headers=operator, json={}).status_code == 404
    assert len(client.get("/api/alarms", headers=viewer).json()) == 3


def test_command_form_spec_comes_from_the_dictionary(client, viewer):
    spec = {c["name"]: c for c in client.get("/api/dictionary", headers=viewer).json()["commands"]}
    mode = spec["SET_MODE"]["arguments"][0]
    assert (mode["minimum"], mode["maximum"]) == (1, 5)
    assert [e["label"] for e in mode["enum"]] == ["DETUMBLE", "NOMINAL", "IMAGING", "LOW_POWER", "SAFE"]
    beacon = spec["SET_BEACON_INTERVAL"]["arguments"][0]
    assert (beacon["minimum"], beacon["maximum"], beacon["integer"]) == (10, 3600, True)


@pytest.mark.parametrize(("body", "message"), [
    ({"name": "SELF_DESTRUCT", "arguments": {}}, "no command"),
    ({"name": "SET_MODE", "arguments": {}}, "missing"),
    ({"name": "SET_MODE", "arguments": {"mode": 0}}, "outside"),
    ({"name": "SET_MODE", "arguments": {"mode": 2.5}}, "whole number"),
    ({"name": "SET_MODE", "arguments": {"mode": "two"}}, "number"),
    ({"name": "SET_BEACON_INTERVAL", "arguments": {"interval_s": 5}}, "outside"),
    ({"name": "SET_BEACON_INTERVAL", "arguments": {"interval_s": 60, "extra": 1}}, "no argument"),
    ({"name": "CAPTURE_IMAGE", "arguments": {"at_time": -1}}, "outside"),
    ({"name": "CAPTURE_IMAGE", "arguments": {"at_time": 2**32}}, "outside"),
])
def test_commands_outside_the_dictionary_are_refused(client, operator, body, message):
    r = client.post("/api/commands", headers=operator, json=body)
    assert r.status_code == 422 and message in r.json()["detail"]
    assert client.get("/api/commands", headers=operator).json() == []


def test_a_command_is_signed_queued_released_and_audited(client, operator):
    r = client.post("/api/commands", headers=operator, json={
        "name": "CAPTURE_IMAGE", "arguments": {"at_time": 0}, "execute_at": "2013-11-20T03:30:00Z"})
    assert r.status_code == 201, r.text
    cmd = r.json()
    assert cmd["name"] == "CAPTURE_IMAGE" and cmd["stage"] == "released"
    assert [s["stage"] for s in cmd["stages"]] == ["queued", "released"]
    assert cmd["arguments"] == {"at_time": 0} and cmd["execute"] == "2013-11-20T03:30:00.000Z"
    # signed only when handed to the radio (hardening, finding 5): no counter while released
    assert cmd["counter"] is None
    assert client.get(f"/api/commands/{cmd['id']}", headers=operator).json()["id"] == cmd["id"]
    assert client.get("/api/commands/12345", headers=operator).status_code == 404
    assert client.get("/api/commands/abc", headers=operator).status_code == 422
    plan = client.get("/api/passes", headers=operator).json()["plan"]
    assert plan[0]["command_id"] == cmd["id"] and plan[0]["pass"]["station"] == "VNSC Hanoi"
    admin = bearer(client, "ada")
    audit = client.get("/api/audit", headers=admin).json()
    assert any(a["action"] == "command" and cmd["id"] in a["detail"] and a["user"] == "olga" for a in audit)


def test_release_and_cancel(client, operator, viewer):
    held = client.post("/api/commands", headers=operator, json={"name": "NOOP", "release": False}).json()
    assert held["stage"] == "queued"
    plan = client.get("/api/passes", headers=viewer).json()["plan"]
    assert plan[0]["stage"] == "queued" and plan[0]["pass"] is None
    assert client.post(f"/api/commands/{held['id']}/release", headers=viewer).status_code == 403
    assert client.post(f"/api/commands/{held['id']}/release", headers=operator).json()["stage"] == "released"
    r = client.post(f"/api/commands/{held['id']}/release", headers=operator)
    assert r.status_code == 409 and "not queued" in r.json()["detail"]
    assert client.post(f"/api/commands/{held['id']}/cancel", headers=operator).json()["stage"] == "cancelled"
    assert client.post(f"/api/commands/{held['id']}/cancel", headers=operator).status_code == 409
    assert client.post("/api/commands/999999/cancel", headers=operator).status_code == 404


def test_commanding_needs_the_uplink_key(tmp_path):
    from tests.web.conftest import make_client

    with make_client(str(tmp_path / "a.sqlite"), key=None) as c:
        r = c.post("/api/commands", headers=bearer(c, "olga"), json={"name": "NOOP"})
        assert r.status_code == 503 and "uplink key" in r.json()["detail"]


def test_images_with_chunk_maps_and_footprints(client, viewer):
    images = {i["name"]: i for i in client.get("/api/images", headers=viewer).json()}
    whole, partial = images["img_0007.jpg"], images["img_0008.jpg"]
    assert whole["complete"] and whole["missing_chunks"] == []
    assert not partial["complete"] and partial["missing_chunks"] == [12, 13, 20]
    # image 7: the spacecraft's directory entry says when and where it was taken (when the
    # archive could store the entry; else as image 8)
    fp = whole["footprint"]
    if any(p["name"] == "FILE_ENTRY.file_id" for p in client.get("/api/points", headers=viewer).json()):
        assert whole["captured"] == "2013-11-20T00:15:00.000Z"
        assert (fp["latitude_deg"], fp["longitude_deg"], fp["altitude_km"], fp["source"]) == \
            (16.0, 108.0, 415.0, "spacecraft")
    else:
        assert whole["captured"] == "2013-11-20T00:16:10.000Z" and fp["source"] == "ground orbit"
    # image 8: no entry heard; the IMAGE_CAPTURED event's time, the ground's orbit
    assert partial["captured"] == "2013-11-20T00:32:50.000Z"
    fp = partial["footprint"]
    assert fp["source"] == "ground orbit" and -52 < fp["latitude_deg"] < 52 and 350 < fp["altitude_km"] < 450
    jpeg = client.get(whole["url"], headers=viewer)
    assert jpeg.headers["content-type"] == "image/jpeg" and jpeg.content[:2] == b"\xff\xd8"
    assert len(jpeg.content) == whole["size"]
    for img in (whole, partial):
        png = client.get(img["preview_url"], headers=viewer)
        assert png.status_code == 200 and png.content[:4] == b"\x89PNG"
    assert client.get("/images/999/preview.png", headers=viewer).status_code == 404
    assert client.get("/api/images/x", headers=viewer).status_code == 422


def test_track_and_passes(client, viewer):
    t = client.get("/api/track", headers=viewer).json()
    lons = [x for x in t["track"]["longitude_deg"] if x is not None]
    lats = [x for x in t["track"]["latitude_deg"] if x is not None]
    assert all(-180 <= x <= 180 for x in lons) and max(abs(x) for x in lats) < 52.5  # ISS inclination 51.6
    station = t["stations"][0]
    assert station["name"] == "VNSC Hanoi" and len(station["footprint"]["latitude_deg"]) > 50
    passes = client.get("/api/passes", headers=viewer, params={"days": 1}).json()["passes"]
    assert passes and all(p["station"] == "VNSC Hanoi" and p["max_elevation_deg"] >= 5 for p in passes)
    assert client.get("/api/track", headers=viewer, params={"step_s": 5, "start": "2013-11-01T00:00:00Z",
                                                             "end": "2013-12-01T00:00:00Z"}).status_code == 422


def test_everything_is_served_locally(client, viewer):
    assert client.get("/plotly.min.js").status_code == 200
    m = client.get("/map.jpg")
    assert m.status_code == 200 and m.content[:2] == b"\xff\xd8"
    for page in ("/", "/telemetry", "/track", "/images", "/commanding", "/events"):
        html = client.get(page, headers=viewer).text
        assert "http://" not in html and "https://" not in html, page
    assert "cdn" not in client.get("/static/app.js").text.lower()


def test_a_fresh_database_serves_empty_answers(tmp_path):
    from tests.web.conftest import make_client

    with make_client(str(tmp_path / "empty.sqlite"), populated=False) as c:
        h = bearer(c, "victor")
        s = c.get("/api/status", headers=h).json()
        assert s["housekeeping"] is None and s["mode"] is None and s["active_alarms"] == []
        assert c.get("/api/points", headers=h).json() == []
        assert c.get("/api/events", headers=h).json()["total"] == 0
        assert c.get("/api/images", headers=h).json() == []
        assert c.get("/api/telemetry", headers=h, params={"point": "HOUSEKEEPING.mode"}).status_code == 404


def test_live_stream_sends_status_then_ends(client, viewer):
    with client.stream("GET", "/api/live", headers=viewer, params={"max_seconds": 1}) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        text = "".join(r.iter_text())
    assert "event: status" in text
    first = text.split("event: status\ndata: ", 1)[1].split("\n\n", 1)[0]
    import json

    assert json.loads(first)["mode"]["name"] == "NOMINAL"


def test_image_footprint_from_the_spacecraft_directory_entry(sqlite_url):
    """A FILE_ENTRY row (written here by hand, as the archive would) gives kind, time and place."""
    import json
    import sqlite3

    from tests.web.conftest import make_client

    with make_client(sqlite_url) as client:
        fields = ["index", "count", "file_id", "kind", "size_bytes", "crc32", "chunk_size", "chunk_count", "valid",
                  "created_unix", "latitude_deg", "longitude_deg", "altitude_km"]
        con = sqlite3.connect(sqlite_url)
        con.execute("DROP TABLE IF EXISTS tm_file_entry")
        con.execute("CREATE TABLE tm_file_entry (frame_id BIGINT PRIMARY KEY, unix_s REAL NOT NULL, "
                    + ", ".join(f'"{f}" REAL' for f in fields) + ")")
        con.execute("DELETE FROM packet_catalog WHERE packet = 'FILE_ENTRY'")
        con.execute("INSERT INTO packet_catalog VALUES ('FILE_ENTRY', 'tm_file_entry', ?)", (json.dumps(fields),))
        con.execute("INSERT INTO tm_file_entry VALUES (1, ?, 0, 1, 7, 1, 4000, 0, 200, 20, 1, ?, -33.9, 151.2, 420.5)",
                    (T0 + 990, T0 + 900))
        con.execute("INSERT INTO tm_file_entry VALUES (2, ?, 0, 1, 8, 2, 4000, 0, 200, 20, 1, ?, 0, 0, 0)",
                    (T0 + 990, T0 + 900))
        con.commit()
        con.close()
        viewer = bearer(client, "victor")
        images = {i["file_id"]: i for i in client.get("/api/images", headers=viewer).json()}
        assert set(images) == {"7"}  # file 8 is a LOG by its entry, whatever its name
        fp = images["7"]["footprint"]
        assert images["7"]["captured"] == "2013-11-20T00:15:00.000Z"
        assert (fp["latitude_deg"], fp["longitude_deg"], fp["altitude_km"], fp["source"]) == \
            (-33.9, 151.2, 420.5, "spacecraft")


def test_a_new_run_replacing_the_sqlite_file_is_followed(tmp_path):
    """``picodragon run`` deletes and recreates its SQLite file: the server follows the path."""
    import os

    from picodragon.web.auth import create_user
    from tests.web.conftest import USERS, make_client
    from tests.web.fixtures import populate

    db = str(tmp_path / "mission.sqlite")
    with make_client(db) as c:
        assert c.get("/api/status", headers=bearer(c, "victor")).json()["mode"]["name"] == "NOMINAL"
        fresh = str(tmp_path / "next.sqlite")
        populate(fresh, hours=0.1)
        for suffix in ("-wal", "-shm"):
            if os.path.exists(db + suffix):
                os.remove(db + suffix)
        os.replace(fresh, db)
        create_user(db, "victor", USERS["victor"][1], "viewer")  # the users lived in the old file
        status = c.get("/api/status", headers=bearer(c, "victor")).json()
        assert status["housekeeping"]["time"] == "2013-11-20T00:05:50.000Z"

"""The Frames page's API over a known archive, on SQLite and PostgreSQL: every frame as it
arrived, filtered by station, time and outcome, one frame in full, and the CSV export."""

from __future__ import annotations

import csv
import io

import pytest

from picodragon.ground.archive import open_archive
from picodragon.ground.station import GroundStation
from picodragon.link import ax25
from picodragon.web.routes.frames import addresses, hex_dump
from tests.web.conftest import bearer, make_client
from tests.web.fixtures import STATION, T0, frame_for

#: a second station hearing one housekeeping frame the first station also heard
SECOND = "Test Gdansk"
#: when the extra frames arrive: after the populated two hours
LATE = T0 + 3 * 3600


def add_frames(db: str) -> None:
    """A garbage frame (rejected: not a packet), a frame from an unknown spacecraft's address
    still parsed, and one housekeeping frame heard by two stations."""
    from picodragon.dictionary import pack_telemetry
    from tests.web.fixtures import hk_values

    archive = open_archive(db)
    try:
        first = GroundStation(STATION, archive, 437.365e6)
        second = GroundStation(SECOND, archive, 437.370e6)
        garbage = ax25.encode(ax25.Frame(ax25.Address("CQ"), ax25.Address("XV9PID"), info=b"\x00\x01junk"))
        first.receive(garbage, LATE)
        packet = pack_telemetry("HOUSEKEEPING", hk_values(LATE + 10, 1), LATE + 10, 77)
        first.receive(frame_for(packet), LATE + 10.2)
        second.receive(frame_for(packet), LATE + 10.4)
    finally:
        archive.close()


@pytest.fixture
def frames_client(db_url):
    with make_client(db_url) as c:
        add_frames(db_url)
        yield c


@pytest.fixture
def viewer(frames_client):
    return bearer(frames_client, "victor")


def test_frames_newest_first_with_station_frequency_and_addresses(frames_client, viewer):
    r = frames_client.get("/api/frames", headers=viewer, params={"limit": 3})
    assert r.status_code == 200, r.text
    data = r.json()
    newest = data["frames"][0]
    assert newest["station"] == SECOND and newest["time"] == "2013-11-20T03:00:10.400Z"
    assert newest["frequency_mhz"] == pytest.approx(437.37)
    assert (newest["source"], newest["destination"]) == ("XV9PID", "CQ")
    assert newest["outcome"] == "decoded" and newest["packet"] == "HOUSEKEEPING"
    assert data["frames"][1]["id"] == newest["id"]  # the same frame, heard by both stations
    assert set(data["stations"]) == {STATION, SECOND}
    assert data["total"] == 720 + 2 + 1 + 3  # housekeeping, events, a FILE_ENTRY, and ours


def test_a_rejected_frame_shows_its_reason(frames_client, viewer):
    data = frames_client.get("/api/frames", headers=viewer, params={"outcome": "rejected"}).json()
    assert data["total"] == 1
    (row,) = data["frames"]
    assert row["outcome"] == "rejected" and row["packet"] is None
    assert row["rejection"] and row["time"] == "2013-11-20T03:00:00.000Z"
    detail = frames_client.get(f"/api/frames/{row['id']}", headers=viewer).json()
    assert detail["rejection"] == row["rejection"] and detail["packets"] == []
    assert "junk" in detail["dump"][-1] and detail["hex"].endswith(b"junk".hex())


def test_filters_by_station_time_and_outcome(frames_client, viewer):
    only = frames_client.get("/api/frames", headers=viewer, params={"station": SECOND}).json()
    assert only["total"] == 1 and only["frames"][0]["station"] == SECOND
    late = frames_client.get("/api/frames", headers=viewer, params={
        "start": "2013-11-20T03:00:05Z", "end": "2013-11-20T04:00:00Z"}).json()
    assert late["total"] == 2
    decoded = frames_client.get("/api/frames", headers=viewer, params={
        "start": "2013-11-20T02:59:00Z", "outcome": "decoded"}).json()
    assert {f["outcome"] for f in decoded["frames"]} == {"decoded"} and decoded["total"] == 2
    page = frames_client.get("/api/frames", headers=viewer, params={"limit": 2, "offset": 2}).json()
    assert len(page["frames"]) == 2 and page["frames"][0]["time"] == "2013-11-20T03:00:00.000Z"


def test_a_decoded_frame_gives_its_fields_and_receptions(frames_client, viewer):
    newest = frames_client.get("/api/frames", headers=viewer, params={"limit": 1}).json()["frames"][0]
    detail = frames_client.get(f"/api/frames/{newest['id']}", headers=viewer).json()
    assert [r["station"] for r in detail["receptions"]] == [STATION, SECOND]
    (packet,) = detail["packets"]
    assert packet["name"] == "HOUSEKEEPING" and packet["time"] == "2013-11-20T03:00:10.000Z"
    assert packet["fields"]["battery_soc_pct"] == pytest.approx(80.0)
    assert frames_client.get("/api/frames/123", headers=viewer).status_code == 404
    assert frames_client.get("/api/frames/12x", headers=viewer).status_code == 422


def test_csv_export_follows_the_filters(frames_client, viewer):
    r = frames_client.get("/api/frames.csv", headers=viewer, params={"start": "2013-11-20T02:59:00Z"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [x["station"] for x in rows] == [SECOND, STATION, STATION]
    assert rows[2]["outcome"] == "rejected" and rows[2]["rejection"]
    assert rows[0]["hex"] == rows[1]["hex"] and rows[0]["packet"] == "HOUSEKEEPING"


def test_frames_need_a_session_and_bad_filters_are_422(frames_client, viewer):
    assert frames_client.get("/api/frames").status_code == 401
    assert frames_client.get("/api/frames", headers=viewer, params={"outcome": "maybe"}).status_code == 422
    assert frames_client.get("/api/frames", headers=viewer, params={"start": "yesterday"}).status_code == 422
    assert frames_client.get("/api/frames", headers=viewer, params={
        "start": "2013-11-21T00:00:00Z", "end": "2013-11-20T00:00:00Z"}).status_code == 422


def test_frames_of_an_empty_archive(sqlite_url):
    with make_client(sqlite_url, populated=False) as c:
        data = c.get("/api/frames", headers=bearer(c, "victor")).json()
    assert data == {"total": 0, "offset": 0, "frames": [], "stations": []}


def test_hex_dump_and_addresses_of_garbage():
    assert hex_dump(b"AB\x00" * 6) == ["0000  41 42 00 41 42 00 41 42 00 41 42 00 41 42 00 41  AB.AB.AB.AB.AB.A",
                                       "0010  42 00                                            B."]
    assert addresses(b"\x01\x02") == (None, None)


def test_time_fields_of_a_decoded_frame_are_given_in_utc(frames_client, viewer):
    found = frames_client.get("/api/frames", headers=viewer, params={
        "start": "2013-11-20T00:16:30Z", "end": "2013-11-20T00:16:31Z"}).json()
    (row,) = [f for f in found["frames"] if f["packet"] == "FILE_ENTRY"]  # beside a housekeeping frame
    (packet,) = frames_client.get(f"/api/frames/{row['id']}", headers=viewer).json()["packets"]
    assert packet["fields"]["created_unix"] == T0 + 900  # the value, as archived (Unix seconds)
    assert packet["fields_utc"] == {"created_unix": "2013-11-20T00:15:00.000Z"}

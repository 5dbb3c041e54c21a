"""The live pass console's API (/api/console) and page, on SQLite and PostgreSQL: the predicted
sky track of a station's current or next pass, the spacecraft's look angles and Doppler now, and
the station's last state as the station loop writes it (``Archive.write_station_state``)."""

from __future__ import annotations

import numpy as np

from picodragon.ground.archive import open_archive
from picodragon.link.doppler import SPEED_OF_LIGHT
from tests.web.conftest import bearer
from tests.web.fixtures import STATION

STATE = {"time": "2013-11-20T01:00:00Z", "unix_s": 1384909200.0,
         "commanded": {"azimuth_deg": 123.4, "elevation_deg": 21.5},
         "rotator_pointed": {"azimuth_deg": 123.0, "elevation_deg": 21.0},
         "rig_downlink_hz": 437.3672e6, "rig_uplink_hz": 145.9490e6,
         "rig": "ok", "rotator": "error: rotator: connection refused", "errors": 1,
         "log": ["2013-11-20T01:00:00Z AOS over VNSC Hanoi (LOS 2013-11-20T01:09:00Z)"]}


def test_console_gives_the_pass_the_spacecraft_now_and_the_station_state(client, db_url):
    viewer = bearer(client, "victor")
    before = client.get("/api/console", headers=viewer)
    assert before.status_code == 200, before.text
    c = before.json()
    assert c["station"] == STATION and c["state"] is None
    # the next (or current) pass: its sky track runs from the station's mask (5 deg) up to its
    # maximum and down to the mask again
    p, sky = c["pass"], c["sky_track"]
    assert p is not None and p["los_unix_s"] > p["aos_unix_s"]
    el = np.array(sky["elevation_deg"])
    assert len(el) == len(sky["azimuth_deg"]) == len(sky["time"]) >= 10
    assert abs(el[0] - 5.0) < 0.5 and abs(el[-1] - 5.0) < 1.5
    assert p["max_elevation_deg"] - 5.0 < el.max() <= p["max_elevation_deg"] + 0.01  # 10 s samples
    assert all(0 <= a <= 360 for a in sky["azimuth_deg"])
    # now: Doppler is -rr/c times the downlink frequency
    sc = c["spacecraft"]
    assert -90 <= sc["elevation_deg"] <= 90 and sc["range_km"] > 300
    expected = -sc["range_rate_m_s"] / SPEED_OF_LIGHT * c["downlink_hz"]
    assert abs(sc["doppler_hz"] - expected) < 0.01 * max(1.0, abs(expected))
    # the station's state, written through the archive, comes back as it was written
    with open_archive(db_url) as archive:
        archive.write_station_state(STATION, {**STATE, "errors": 0})
        archive.write_station_state(STATION, STATE)  # the last replaces the one before
        assert archive.station_state(STATION) == STATE
    after = client.get("/api/console", headers=viewer, params={"station": STATION}).json()
    assert after["state"] == STATE


def test_console_refuses_an_unknown_station_and_strangers(client):
    assert client.get("/api/console").status_code == 401
    viewer = bearer(client, "victor")
    assert client.get("/api/console", headers=viewer, params={"station": "Atlantis"}).status_code == 404


def test_console_page_is_served(client):
    viewer = bearer(client, "victor")
    html = client.get("/console", headers=viewer).text
    assert 'id="sky"' in html and 'id="c-log"' in html and "/plotly.min.js" in html
    assert "console: console_" in client.get("/static/app.js").text

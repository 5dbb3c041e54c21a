"""The live pass console's API (/api/console) and page, on SQLite and PostgreSQL: the predicted
sky track of a station's current or next pass, the spacecraft's look angles and Doppler now, and
the station's last state as the station loop writes it (``Archive.write_station_state``)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from picodragon.ground.archive import open_archive
from picodragon.link.doppler import SPEED_OF_LIGHT
from picodragon.web.routes.console import bench_view
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


BENCH = {**STATE, "link": "bench", "bench_range_m": 3.0,
         "chamber": {"profile": "lab", "step": 2, "steps": 5, "phase": "plateau", "plateau": "cycle 1 hot",
                     "setpoint_c": 40.0, "shroud_c": 38.5, "platen_c": 38.5},
         "functional_tests": [{"plateau": "cycle 1 hot", "test": "beacon heard", "passed": True,
                               "time": "2013-11-20T01:00:00Z", "detail": "12 frames", "extra": 1}, "junk"]}


def test_console_shows_a_bench_state_as_a_test_not_a_pass(client, db_url):
    """A station whose state says ``link: "bench"`` (a thermal-vacuum test): no sky, pass or
    Doppler even with an element set; the chamber and the well-formed functional tests."""
    viewer = bearer(client, "victor")
    with open_archive(db_url) as archive:
        archive.write_station_state(STATION, BENCH)
    c = client.get("/api/console", headers=viewer).json()
    assert c["link"] == "bench" and c["state"] == BENCH
    assert c["pass"] is None and c["sky_track"] is None and c["spacecraft"] is None
    assert c["chamber"] == BENCH["chamber"]
    assert c["functional_tests"] == [{k: v for k, v in BENCH["functional_tests"][0].items() if k != "extra"}]
    with open_archive(db_url) as archive:  # back on the radio: the pass again
        archive.write_station_state(STATION, STATE)
    c = client.get("/api/console", headers=viewer).json()
    assert c["link"] == "radio" and c["chamber"] is None and c["sky_track"] is not None


json_values = st.recursive(st.none() | st.booleans() | st.floats(allow_nan=False) | st.text(max_size=8),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                       max_size=4), max_leaves=20)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["chamber", "functional_tests", "link", "log"]), json_values))
def test_bench_view_takes_any_archived_state(state):
    """Whatever JSON the archive holds as a station state, the bench view is well-formed."""
    view = bench_view(state)
    assert view["link"] == "bench"
    assert view["chamber"] is None or view["chamber"] == state["chamber"]
    tests = view["functional_tests"]
    assert tests is None or all(set(t) == {"plateau", "test", "passed", "time", "detail"} for t in tests)

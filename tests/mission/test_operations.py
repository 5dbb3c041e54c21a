"""Two days of operations: a commanded image of Vietnam comes down whole, commands complete."""

from __future__ import annotations

import sqlite3
import zlib
from datetime import UTC, datetime

import numpy as np
import pytest
from PIL import Image

from picodragon.astro.sun import sun_elevation_deg
from picodragon.config import load_scenario
from picodragon.mission.operator import imaging_opportunity
from picodragon.mission.runner import RunOptions, run_mission
from picodragon.physics.orbit import deployed_element_set


@pytest.fixture(scope="module")
def two_days(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ops")
    options = RunOptions(days=2, db=str(folder / "a.sqlite"), report=str(folder / "r.html"), progress=False)
    return run_mission(load_scenario(), options), folder


def _target_box() -> tuple[tuple[float, float], tuple[float, float]]:
    """The reference mission's target (Vietnam's mainland box) as (lat range, lon range), deg."""
    (target,) = load_scenario().targets
    assert target.box_deg is not None
    lat0, lat1, lon0, lon1 = target.box_deg
    return (lat0, lat1), (lon0, lon1)


def test_an_image_is_commanded_captured_and_received_whole(two_days):
    result, folder = two_days
    s = result.summary
    assert s["images_captured"] >= 1
    assert s["images_received"] >= 1
    operator = result.extra["operator"]
    image = next(f for f in operator.assembler.files.values() if f.crc_ok)
    data = (folder / "r-images" / f"image-{image.file_id:04d}.jpg").read_bytes()
    assert zlib.crc32(data) & 0xFFFFFFFF == image.crc32
    with Image.open(folder / "r-images" / f"image-{image.file_id:04d}.jpg") as img:
        assert img.size == (640, 480)
    # it was taken where and when it was booked: over Vietnam
    entry = operator.entries[image.file_id]
    box_lat, box_lon = _target_box()
    assert box_lat[0] - 1 <= entry["latitude_deg"] <= box_lat[1] + 1
    assert box_lon[0] - 1 <= entry["longitude_deg"] <= box_lon[1] + 1
    # and the archive holds it as mission control will show it
    with sqlite3.connect(folder / "a.sqlite") as db:
        assert db.execute("select count(*) from file_chunks").fetchone()[0] >= image.chunk_count


def test_commands_are_followed_to_completion(two_days):
    result, folder = two_days
    s = result.summary
    assert s["commands_sent"] > 0
    assert s["commands_executed"] > 0
    operator = result.extra["operator"]
    capture = next(c for c in operator.queue.history() if c.name == "CAPTURE_IMAGE")
    stages = [str(stage) for stage, _, _ in capture.stages]
    assert stages[:3] == ["queued", "released", "sent"]
    assert "scheduled" in stages and stages[-1] == "completed"
    with sqlite3.connect(folder / "a.sqlite") as db:
        assert db.execute("select count(*) from commands").fetchone()[0] == s["commands_sent"]


def test_imaging_opportunity_is_over_vietnam_in_daylight():
    es = deployed_element_set(load_scenario())
    start = es.epoch.timestamp() - 6 * 86400  # the deployment day
    when = imaging_opportunity(es, load_scenario().start.timestamp(), targets=load_scenario().targets)
    assert when is not None and when > start
    from skyfield.api import EarthSatellite, load, wgs84

    ts = load.timescale()
    t = ts.from_datetime(datetime.fromtimestamp(when, UTC))
    lat, lon = wgs84.latlon_of(EarthSatellite(es.line1, es.line2, "", ts).at(t))
    box_lat, box_lon = _target_box()
    assert box_lat[0] <= lat.degrees <= box_lat[1]
    assert box_lon[0] <= lon.degrees <= box_lon[1]
    assert sun_elevation_deg(np.array([when]), np.array([lat.degrees]), np.array([lon.degrees]))[0] > 20


def test_sun_elevation_against_skyfield():
    from pathlib import Path

    import skyfield_data
    from skyfield.api import Loader, wgs84

    load = Loader(str(Path(skyfield_data.__file__).parent / "data"), expire=False)
    eph = load("de421.bsp")
    ts = load.timescale(builtin=True)
    unix = np.array([1384865820.0, 1384900000.0, 1385000000.0])
    for u in unix:
        t = ts.from_datetime(datetime.fromtimestamp(u, UTC))
        alt, _, _ = (eph["earth"] + wgs84.latlon(21.0, 105.8)).at(t).observe(eph["sun"]).apparent().altaz()
        ours = sun_elevation_deg(np.array([u]), np.array([21.0]), np.array([105.8]))[0]
        assert abs(ours - alt.degrees) < 0.7  # refraction and the almanac series' precision



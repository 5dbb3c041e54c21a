"""Imaging targets are mission data (issue 16): the operator aims at the scenario's targets."""

from __future__ import annotations

import numpy as np
import pytest

from picodragon.astro.frames import teme_to_itrs
from picodragon.astro.sun import sun_elevation_deg
from picodragon.astro.timescales import unix_to_jd
from picodragon.astro.wgs84 import geodetic
from picodragon.config import load_scenario
from picodragon.config.models import Target
from picodragon.mission.operator import Operator, imaging_opportunity, over_target
from picodragon.physics.orbit import deployed_element_set


def _sub_point(es, unix_s: float) -> tuple[float, float]:
    jd, fr = unix_to_jd(np.array([unix_s]))
    _, r, _ = es.satrec.sgp4_array(jd, fr)
    r_e, _ = teme_to_itrs(np.asarray(r) * 1e3, None, np.array([unix_s]))
    lat, lon, _ = geodetic(r_e)
    return float(lat[0]), float(lon[0])


def test_circle_and_box():
    circle = Target(name="c", latitude_deg=0.0, longitude_deg=0.0, radius_km=500.0)
    lat = np.array([0.0, 4.0, 5.0, 0.0])
    lon = np.array([0.0, 0.0, 0.0, -4.4])
    assert over_target(circle, lat, lon).tolist() == [True, True, False, True]  # 1 deg = 111.2 km
    box = Target(name="b", latitude_deg=0.0, longitude_deg=0.0, radius_km=1.0, box_deg=(-1, 1, -5, 5))
    assert over_target(box, lat, lon).tolist() == [True, False, False, True]


def test_reference_mission_declares_vietnam():
    (target,) = load_scenario().targets
    assert target == Target(name="Vietnam", latitude_deg=16.0, longitude_deg=105.8, radius_km=900.0,
                            min_sun_elevation_deg=20.0, box_deg=(8.5, 23.4, 102.1, 109.5),
                            assumed=["min_sun_elevation_deg"])


def test_the_operator_has_no_targets_or_callsign_of_its_own():
    """Targets and the ground's callsign are the mission's: required, never a default."""
    import inspect

    for function in (Operator.__init__, imaging_opportunity):
        parameter = inspect.signature(function).parameters["targets"]
        assert parameter.default is inspect.Parameter.empty
        assert parameter.kind is inspect.Parameter.KEYWORD_ONLY
    ground = inspect.signature(Operator.__init__).parameters["ground_callsign"]
    assert ground.default is inspect.Parameter.empty and ground.kind is inspect.Parameter.KEYWORD_ONLY


@pytest.mark.parametrize(("lat", "lon"), [(-15.0, -47.9), (48.9, 2.35)])
def test_the_opportunity_is_over_the_target_in_daylight(lat, lon):
    scenario = load_scenario()
    es = deployed_element_set(scenario)
    target = Target(name="t", latitude_deg=lat, longitude_deg=lon, radius_km=1500.0, min_sun_elevation_deg=15.0)
    when = imaging_opportunity(es, scenario.start.timestamp(), 2 * 86400.0, targets=[target])
    assert when is not None
    sub_lat, sub_lon = _sub_point(es, when)
    assert over_target(target, np.array([sub_lat]), np.array([sub_lon]))[0]
    assert sun_elevation_deg(np.array([when]), np.array([sub_lat]), np.array([sub_lon]))[0] >= 15.0


def test_no_targets_no_opportunity():
    scenario = load_scenario()
    es = deployed_element_set(scenario)
    assert imaging_opportunity(es, scenario.start.timestamp(), targets=[]) is None
    polar_night = Target(name="p", latitude_deg=-80.0, longitude_deg=0.0, radius_km=100.0,
                         min_sun_elevation_deg=60.0)  # out of reach of a 51.6 deg orbit
    assert imaging_opportunity(es, scenario.start.timestamp(), targets=[polar_night]) is None


def _opportunity_on_the_whole_grid(es, start_unix: float, targets, span_s: float = 86400.0,
                                   step_s: float = 20.0) -> float | None:
    """The plain search: every point of the grid looked at closely."""
    times = start_unix + np.arange(0.0, span_s, step_s)
    jd, fr = unix_to_jd(times)
    err, r_teme, _ = es.satrec.sgp4_array(jd, fr)
    r_teme = np.where((np.asarray(err) != 0)[:, None], np.nan, np.asarray(r_teme) * 1e3)
    lat, lon, _ = geodetic(teme_to_itrs(r_teme, None, times)[0])
    best, best_elevation = None, -np.inf
    for target in targets:
        idx = np.flatnonzero(over_target(target, lat, lon))
        if len(idx):
            elevation = sun_elevation_deg(times[idx], lat[idx], lon[idx])
            k = int(np.argmax(elevation))
            if elevation[k] >= target.min_sun_elevation_deg and elevation[k] > best_elevation:
                best, best_elevation = float(times[idx[k]]), float(elevation[k])
    return best


def test_looking_closely_only_near_the_targets_finds_what_the_whole_grid_finds():
    scenario = load_scenario()
    es = deployed_element_set(scenario)
    rng = np.random.default_rng(14)
    targets = [list(scenario.targets),
               [Target(name="small", latitude_deg=35.0, longitude_deg=139.0, radius_km=5.0,
                       min_sun_elevation_deg=-5.0)],
               [Target(name="dateline", latitude_deg=-20.0, longitude_deg=179.0, radius_km=900.0,
                       min_sun_elevation_deg=10.0, box_deg=(-30.0, -10.0, 170.0, 180.0))],
               [Target(name="huge", latitude_deg=0.0, longitude_deg=0.0, radius_km=100.0,
                       min_sun_elevation_deg=30.0, box_deg=(-60.0, 60.0, -170.0, 170.0))]]
    found = 0
    for day in range(0, 40, 3):
        start = scenario.start.timestamp() + day * 86400.0 + float(rng.uniform(0, 86400.0))
        for group in targets:
            expected = _opportunity_on_the_whole_grid(es, start, group)
            assert imaging_opportunity(es, start, targets=group) == expected
            found += expected is not None
    assert found > 20

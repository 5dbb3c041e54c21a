"""Pass prediction against Skyfield's find_events (the oracle), within one second."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from skyfield.api import EarthSatellite, load, wgs84

from picodragon.config import Station, load_scenario
from picodragon.elements import ElementSet, tle_checksum
from picodragon.ground.passes import Pass, find_passes, find_passes_many, look_angles

ISS = load_scenario().deployment.carrier_tle


def _with_checksum(line: str) -> str:
    return line[:68] + str(tle_checksum(line))


# a second, different orbit: polar, sun-synchronous, 850 km (NOAA-19-like elements)
SSO = tuple(
    _with_checksum(line)
    for line in (
        "1 33591U 09005A   13330.51024931  .00000075  00000-0  65290-4 0  9990",
        "2 33591  99.1341 283.7409 0013958  94.0329 266.2434 14.11788385249200",
    )
)
STATIONS = [
    Station(
        name="VNSC Hanoi",
        latitude_deg=21.047,
        longitude_deg=105.8,
        altitude_m=20,
        min_elevation_deg=5,
    ),
    Station(
        name="Tokyo", latitude_deg=35.73, longitude_deg=139.64, altitude_m=40, min_elevation_deg=0
    ),
    Station(name="Kitakyushu", latitude_deg=33.89, longitude_deg=130.84, min_elevation_deg=10),
    Station(
        name="Svalbard",
        latitude_deg=78.23,
        longitude_deg=15.39,
        altitude_m=500,
        min_elevation_deg=5,
    ),
    Station(name="Punta Arenas", latitude_deg=-53.16, longitude_deg=-70.91, min_elevation_deg=3),
]
START = datetime(2013, 11, 20, tzinfo=UTC)


def skyfield_passes(lines, station, start, end, mask):
    """(rise, culmination, set) triples from Skyfield, whole passes only."""
    ts = load.timescale(builtin=True)
    sat = EarthSatellite(*lines, ts=ts)
    site = wgs84.latlon(station.latitude_deg, station.longitude_deg, station.altitude_m)
    t, events = sat.find_events(site, ts.from_datetime(start), ts.from_datetime(end), mask)
    times = t.utc_datetime()
    out, rise, peak = [], None, None
    for when, kind in zip(times, events, strict=True):
        if kind == 0:
            rise, peak = when, None
        elif kind == 1 and rise is not None:
            peak = when if peak is None else peak  # first culmination if several
        elif kind == 2 and rise is not None and peak is not None:
            out.append((rise, peak, when))
            rise = peak = None
    return out


@pytest.mark.parametrize("lines", [ISS, SSO], ids=["iss", "sso"])
def test_agrees_with_skyfield_over_30_days_at_several_stations(lines):
    es = ElementSet.from_lines(*lines)
    end = START + timedelta(days=30)
    ours = find_passes_many([es], STATIONS, START, end)
    compared = 0
    for station in STATIONS:
        theirs = skyfield_passes(lines, station, START, end, station.min_elevation_deg)
        mine = [p for p in ours if p.station == station.name and p.aos >= START and p.los <= end]
        assert len(mine) == len(theirs), station.name
        compared += len(mine)
        for p, (rise, peak, fall) in zip(mine, theirs, strict=True):
            assert abs((p.aos - rise).total_seconds()) < 1.0
            assert abs((p.los - fall).total_seconds()) < 1.0
            assert abs((p.tca - peak).total_seconds()) < 1.0
    assert compared > 100


def test_pass_geometry_is_consistent():
    es = ElementSet.from_lines(*ISS)
    station = STATIONS[0]
    passes = find_passes(es, station, START, START + timedelta(days=3))
    assert passes
    for p in passes:
        assert p.aos < p.tca < p.los
        assert station.min_elevation_deg <= p.max_elevation_deg <= 90
        t = np.array([p.aos.timestamp(), p.tca.timestamp(), p.los.timestamp()])
        look = look_angles(es, station, t)
        np.testing.assert_allclose(look.elevation_deg[[0, 2]], station.min_elevation_deg, atol=0.01)
        assert look.elevation_deg[1] == pytest.approx(p.max_elevation_deg, abs=0.01)
        assert look.azimuth_deg[0] == pytest.approx(p.aos_azimuth_deg, abs=0.01)
        assert look.range_rate_m_s[0] < 0 < look.range_rate_m_s[2]


def test_override_mask_and_station_mask():
    es = ElementSet.from_lines(*ISS)
    station = STATIONS[0]
    low = find_passes(es, station, START, START + timedelta(days=5), min_elevation_deg=0.0)
    own = find_passes(es, station, START, START + timedelta(days=5))
    high = find_passes(es, station, START, START + timedelta(days=5), min_elevation_deg=30.0)
    assert len(low) > len(own) > len(high) > 0
    assert all(p.max_elevation_deg >= 30 for p in high)


def test_pass_in_progress_at_start_is_returned_whole():
    es = ElementSet.from_lines(*ISS)
    station = STATIONS[0]
    first = find_passes(es, station, START, START + timedelta(days=1))[0]
    inside = first.tca
    again = find_passes(es, station, inside, inside + timedelta(hours=1))
    assert again[0].aos == pytest.approx(first.aos, abs=timedelta(milliseconds=5))
    assert again[0].los == pytest.approx(first.los, abs=timedelta(milliseconds=5))


def test_json_contract():
    p = Pass(
        "VNSC Hanoi",
        datetime(2013, 11, 20, 3, 26, 47, 631000, tzinfo=UTC),
        datetime(2013, 11, 20, 3, 31, 1, tzinfo=UTC),
        datetime(2013, 11, 20, 3, 35, 14, tzinfo=UTC),
        88.1,
        321.0,
        141.0,
    )
    record = p.to_json()
    assert record["aos"] == "2013-11-20T03:26:47.631Z"
    assert {
        "station",
        "aos",
        "tca",
        "los",
        "max_elevation_deg",
        "aos_azimuth_deg",
        "los_azimuth_deg",
    } <= set(record)


def test_empty_and_reversed_windows():
    es = ElementSet.from_lines(*ISS)
    assert find_passes(es, STATIONS[0], START, START) == []
    assert find_passes(es, STATIONS[0], START, START - timedelta(days=1)) == []


def test_long_spans_in_chunks_give_the_same_passes(monkeypatch):
    import picodragon.ground.passes as passes

    es = [ElementSet.from_lines(*ISS), ElementSet.from_lines(*SSO)]
    end = START + timedelta(days=6)
    whole = find_passes_many(es, STATIONS, START, end)
    calls = []
    original = passes._find_passes_chunk

    def counting(*args):
        calls.append(args[2:4])
        return original(*args)

    monkeypatch.setattr(passes, "_find_passes_chunk", counting)
    monkeypatch.setattr(passes, "MAX_GRID_CELLS", 3_000)  # chunks of about two days
    chunked = find_passes_many(es, STATIONS, START, end)
    assert len(calls) >= 2
    assert len(chunked) == len(whole) > 50
    for p, q in zip(whole, chunked, strict=True):
        assert (p.satellite, p.station) == (q.satellite, q.station)
        assert abs((p.aos - q.aos).total_seconds()) < 0.01
        assert abs((p.los - q.los).total_seconds()) < 0.01

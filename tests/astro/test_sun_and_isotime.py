"""The almanac Sun against JPL DE421, the Sun's elevation against Skyfield, and ISO 8601 text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pytest
from skyfield.api import wgs84
from skyfield.sgp4lib import TEME

from picodragon.astro.isotime import TimeFormatError, iso_z, iso_z_or_none, parse_unix, parse_utc
from picodragon.astro.sun import sun_direction_itrs, sun_elevation_deg, sun_position
from picodragon.astro.timescales import skyfield_time
from picodragon.physics.timebase import ephemeris

YEAR_2013 = np.linspace(1.356e9, 1.419e9, 300)


def test_sun_direction_is_de421_to_a_hundredth_of_a_degree():
    eph = ephemeris()
    ref = eph["earth"].at(skyfield_time(YEAR_2013)).observe(eph["sun"]).apparent().frame_xyz(TEME).m.T
    ours = sun_position(YEAR_2013)
    cos = np.einsum("ij,ij->i", ref, ours) / np.linalg.norm(ref, axis=1) / np.linalg.norm(ours, axis=1)
    assert np.degrees(np.arccos(np.clip(cos, -1, 1))).max() < 0.01
    assert np.abs(np.linalg.norm(ours, axis=1) / np.linalg.norm(ref, axis=1) - 1).max() < 1e-4
    assert sun_position(float(YEAR_2013[0])).shape == (1, 3)
    np.testing.assert_allclose(np.linalg.norm(sun_direction_itrs(YEAR_2013), axis=1), 1.0)


def test_sun_elevation_is_skyfields_over_hanoi():
    eph = ephemeris()
    place = wgs84.latlon(21.0285, 105.8542)
    t = 1384863420.0 + np.arange(0, 86400, 600.0)
    alt, _, _ = (eph["earth"] + place).at(skyfield_time(t)).observe(eph["sun"]).apparent().altaz()
    ours = sun_elevation_deg(t, 21.0285, 105.8542)
    assert np.abs(ours - alt.degrees).max() < 0.03  # almanac, parallax, aberration: measured 0.01
    per_point = sun_elevation_deg(t[:3], np.full(3, 21.0285), np.full(3, 105.8542))
    np.testing.assert_allclose(per_point, ours[:3])


def test_iso_z_formats_every_room_s_precision():
    t = 1384863420.25
    assert iso_z(t) == "2013-11-19T12:17:00.250000Z"
    assert iso_z(1384863420.0) == "2013-11-19T12:17:00Z"
    assert iso_z(t, "seconds") == "2013-11-19T12:17:00Z"
    assert iso_z(1384863420.9999, "milliseconds") == "2013-11-19T12:17:00.999Z"  # truncates
    aware = datetime(2013, 11, 19, 19, 17, tzinfo=timezone(timedelta(hours=7)))
    assert iso_z(aware) == "2013-11-19T12:17:00Z"
    assert iso_z(datetime(2013, 11, 19, 12, 17)) == "2013-11-19T12:17:00Z"  # naive is UTC
    with pytest.raises(ValueError):
        iso_z(t, "hours")


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf"), 1e11, -1e11, 1e300])
def test_not_a_time_is_a_typed_error_or_none(bad):
    with pytest.raises(TimeFormatError):
        iso_z(bad)
    assert iso_z_or_none(bad) is None
    assert iso_z_or_none(None) is None


def test_parse_round_trip_and_refusals():
    t = 1384863420.25
    assert parse_unix(iso_z(t)) == t
    assert parse_utc("2013-11-19T12:17:00z") == datetime(2013, 11, 19, 12, 17, tzinfo=UTC)
    assert parse_utc(" 2013-11-19T19:17:00+07:00 ").hour == 12
    for bad in ("2013-11-19T12:17:00", "yesterday", "", "2013-13-01T00:00:00Z"):
        with pytest.raises(TimeFormatError):
            parse_utc(bad)

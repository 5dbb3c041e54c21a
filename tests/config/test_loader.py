"""The reference scenario loads with the published facts; bad files give one-line errors."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from importlib import resources

import pytest

from picodragon.config import ConfigError, list_scenarios, load_scenario, parse_station
from picodragon.config.loader import scenario_from_dict
from picodragon.elements import ElementSet, ElementSetError, tle_checksum


def reference_dict() -> dict:
    text = (resources.files("picodragon") / "missions" / "picodragon" / "mission.toml").read_text().replace(
        'dictionary = "dictionary.toml"',
        f'dictionary = "{resources.files("picodragon") / "missions" / "picodragon" / "dictionary.toml"}"')
    return tomllib.loads(text)


def test_reference_scenario_carries_the_published_facts():
    s = load_scenario()
    sc = s.spacecraft
    assert s.name == "picodragon-2013"
    assert sc.mass_kg == 1.0 and sc.size_m == (0.10, 0.10, 0.1135)
    assert (sc.camera.width_px, sc.camera.height_px) == (640, 480)
    assert sc.radio.callsign == "XV9PID"
    assert sc.radio.downlink_frequency_hz == 437.365e6 and sc.radio.downlink_power_w == 0.8
    assert sc.radio.beacon_frequency_hz == 437.250e6
    assert s.deployment.ejection_time == datetime(2013, 11, 19, 12, 17, tzinfo=UTC)
    assert s.deployment.ejection_aft_of_nadir_deg == 45.0
    assert s.stations[0].name == "VNSC Hanoi"
    assert "picodragon-2013" in list_scenarios()


def test_every_unpublished_parameter_is_marked():
    s = load_scenario()
    assert "uplink_frequency_hz" in s.spacecraft.radio.assumed
    assert "ejection_speed_m_s" in s.deployment.assumed
    assert "battery_capacity_wh" in s.spacecraft.power.assumed
    assert "horizontal_fov_deg" in s.spacecraft.camera.assumed


def test_assumed_must_name_real_fields():
    data = reference_dict()
    data["spacecraft"]["radio"]["assumed"] = ["no_such_field"]
    with pytest.raises(ConfigError, match="spacecraft.radio.*no_such_field"):
        scenario_from_dict(data)


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("stations", 0, "latitude_deg"), 123.0, "stations.0.latitude_deg"),
        (("spacecraft", "radio", "callsign"), "xv9pid!", "spacecraft.radio.callsign"),
        (("spacecraft", "mass_kg"), -1.0, "spacecraft.mass_kg"),
        (("deployment", "ejection_time"), "2013-11-19T12:17:00", "deployment.ejection_time"),
    ],
)
def test_bad_values_name_the_field(path, value, field):
    data = reference_dict()
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(ConfigError) as info:
        scenario_from_dict(data, "x.toml")
    message = str(info.value)
    assert field in message and "\n" not in message


def test_bad_tle_checksum_is_refused():
    data = reference_dict()
    line1, line2 = data["deployment"]["carrier_tle"]
    bad = line1[:68] + str((int(line1[68]) + 1) % 10)
    data["deployment"]["carrier_tle"] = [bad, line2]
    with pytest.raises(ConfigError, match="checksum"):
        scenario_from_dict(data)


def test_tle_checksum_matches_the_published_lines():
    s = load_scenario()
    for line in s.deployment.carrier_tle:
        assert tle_checksum(line) == int(line[68])
    es = ElementSet.from_lines(*s.deployment.carrier_tle)
    assert es.epoch.date().isoformat() == "2013-11-25"
    with pytest.raises(ElementSetError, match="69"):
        ElementSet.from_lines(s.deployment.carrier_tle[0][:60], s.deployment.carrier_tle[1])


def test_missing_and_broken_files(tmp_path):
    with pytest.raises(ConfigError, match="no scenario named"):
        load_scenario("no-such-scenario")
    with pytest.raises(ConfigError, match="not found"):
        load_scenario(str(tmp_path / "absent.toml"))
    broken = tmp_path / "broken.toml"
    broken.write_text("name = 'x\n[spacecraft\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_scenario(str(broken))


def test_station_from_coordinates_and_names():
    s = load_scenario()
    assert parse_station("vnsc hanoi", s).name == "VNSC Hanoi"
    st = parse_station("35.0,139.5,40", s)
    assert (st.latitude_deg, st.longitude_deg, st.altitude_m) == (35.0, 139.5, 40.0)
    with pytest.raises(ConfigError, match="latitude_deg"):
        parse_station("95,10", s)
    with pytest.raises(ConfigError, match="unknown station"):
        parse_station("Atlantis", s)


def test_packaged_scenarios_all_load():
    for name in list_scenarios():
        scenario = load_scenario(name)
        assert scenario.name == name


def test_extends_merges_tables_and_replaces_lists(tmp_path):
    child = tmp_path / "child.toml"
    child.write_text('extends = "picodragon-2013"\nname = "child"\n[spacecraft.radio]\nline_loss_db = 3.0\n')
    s = load_scenario(str(child))
    assert s.name == "child"
    assert s.spacecraft.radio.line_loss_db == 3.0
    assert s.spacecraft.radio.callsign == "XV9PID"  # the rest of the table comes from the parent
    loop = tmp_path / "loop.toml"
    loop.write_text(f'extends = "{loop}"\nname = "loop"\n')
    with pytest.raises(ConfigError, match="loop"):
        load_scenario(str(loop))


@pytest.mark.parametrize(("fault", "message"), [
    ({"at_hours": 1, "device": "computer", "kind": "stuck"}, "reset"),
    ({"at_hours": 1, "device": "gyro", "kind": "bit_flip"}, "computer or the storage"),
    ({"at_hours": 1, "device": "flux capacitor", "kind": "dead"}, "device"),
    ({"at_hours": -1, "device": "gyro", "kind": "dead"}, "at_hours"),
])
def test_bad_faults_are_refused(fault, message):
    data = reference_dict()
    data["faults"] = [fault]
    with pytest.raises(ConfigError, match=message):
        scenario_from_dict(data)

"""A scenario starts from [deployment] (carrier TLE + ejection) or from [orbit] (an element set:
inline TLE lines, a TLE file or an OMM file), issue 16."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

import numpy as np
import pytest

from picodragon.config import load_scenario
from picodragon.config.loader import ConfigError, packaged_missions_folder, scenario_from_dict
from picodragon.elements import ElementSet
from picodragon.physics.orbit import deployed_element_set, propagate_sgp4

ISS = ("1 25544U 98067A   13329.81056895  .00017555  00000-0  30885-3 0  1015",
       "2 25544  51.6512  27.5741 0001256 103.0346   4.9903 15.50551370859772")
OTHER = ("1 39413U 13066AA  13330.50000000  .00010000  00000-0  15000-3 0  9991",
         "2 39413  51.6500  25.0000 0010000  90.0000 270.0000 15.60000000  1004")
OMM_CSV = (
    "OBJECT_NAME,OBJECT_ID,EPOCH,MEAN_MOTION,ECCENTRICITY,INCLINATION,RA_OF_ASC_NODE,"
    "ARG_OF_PERICENTER,MEAN_ANOMALY,EPHEMERIS_TYPE,CLASSIFICATION_TYPE,NORAD_CAT_ID,"
    "ELEMENT_SET_NO,REV_AT_EPOCH,BSTAR,MEAN_MOTION_DOT,MEAN_MOTION_DDOT\n"
    "ISS (ZARYA),1998-067A,2013-11-25T19:27:13.157280,15.5055137,0.0001256,51.6512,27.5741,"
    "103.0346,4.9903,0,U,25544,101,85977,0.00030885,0.00017555,0\n"
)


def _data(**orbit) -> dict:
    data = load_scenario().model_dump(mode="json", exclude_none=True)
    data.pop("deployment")
    data["targets"] = []
    if orbit:
        data["orbit"] = orbit
    return data


def _epoch(lines) -> float:
    return ElementSet.from_lines(*lines).epoch.timestamp()


def test_inline_tle_starts_at_its_epoch_without_rf_silence():
    scenario = scenario_from_dict(_data(tle=list(ISS)))
    assert scenario.start.timestamp() == pytest.approx(_epoch(ISS), abs=1e-3)
    assert scenario.spacecraft.radio.rf_silence_after_ejection_s == 0.0
    published = deployed_element_set(scenario)
    assert (published.line1, published.line2) == ISS
    assert published.name == scenario.spacecraft.name


def test_start_and_deployment_phase_are_kept():
    start = datetime(2013, 11, 26, tzinfo=UTC)
    scenario = scenario_from_dict(_data(tle=list(ISS), start="2013-11-26T00:00:00Z", deployment_phase=True))
    assert scenario.start == start
    assert scenario.spacecraft.radio.rf_silence_after_ejection_s == 1800.0


def test_twin_starts_on_the_element_set():
    from picodragon.physics.twin import Twin

    scenario = scenario_from_dict(_data(tle=list(ISS), start="2013-11-26T00:00:00Z"))
    twin = Twin(scenario, attitude=False)
    t0 = datetime(2013, 11, 26, tzinfo=UTC).timestamp()
    assert twin.start_unix == pytest.approx(t0)
    r_sgp4, _, _ = propagate_sgp4(ElementSet.from_lines(*ISS).satrec, [t0])
    assert np.linalg.norm(twin.state_teme([t0])[0][0] - r_sgp4[0]) < 1.0  # metres


def test_tle_file_relative_to_the_mission_file(tmp_path):
    source = packaged_missions_folder() / "picodragon"
    shutil.copy(source / "dictionary.toml", tmp_path / "dictionary.toml")
    text = (source / "mission.toml").read_text(encoding="utf-8")
    head, _, rest = text.partition("[deployment]")
    rest = rest[rest.index("[[stations]]"):]
    (tmp_path / "elements").mkdir()
    (tmp_path / "elements" / "sats.tle").write_text(f"OTHER\n{OTHER[0]}\n{OTHER[1]}\nISS\n{ISS[0]}\n{ISS[1]}\n")
    text = head + '[orbit]\ntle_file = "elements/sats.tle"\n\n' + rest
    (tmp_path / "mission.toml").write_text(text.replace("norad_id = 39413", "norad_id = 25544"))
    scenario = load_scenario(tmp_path)
    assert tuple(scenario.deployment.carrier_tle) == ISS  # the one of the spacecraft's number


def test_omm_file(tmp_path):
    path = tmp_path / "iss.csv"
    path.write_text(OMM_CSV)
    scenario = scenario_from_dict(_data(omm_file=str(path)))
    ours = ElementSet.from_lines(*scenario.deployment.carrier_tle).satrec
    ref = ElementSet.from_lines(*ISS).satrec
    for field in ("inclo", "nodeo", "ecco", "argpo", "mo", "no_kozai", "bstar"):
        assert getattr(ours, field) == pytest.approx(getattr(ref, field), rel=1e-6, abs=1e-9), field
    assert scenario.start.timestamp() == pytest.approx(_epoch(ISS), abs=1e-3)


@pytest.mark.parametrize(("data", "message"), [
    (_data(), "give [deployment] (carrier TLE and ejection) or [orbit]"),
    ({**_data(tle=list(ISS)), "deployment": {"carrier_tle": list(OTHER), "ejection_time": "2013-11-26T00:00:00Z"}},
     "give [deployment] or [orbit], not both"),
    (_data(tle=list(ISS), tle_file="x.tle"), "give one of tle, tle_file or omm_file (not tle and tle_file)"),
    (_data(tle_file="/nonexistent/x.tle"), "cannot read /nonexistent/x.tle"),
    (_data(tle=[ISS[0], ISS[1][:-1] + "3"]), "orbit"),
])
def test_one_line_errors(data, message):
    with pytest.raises(ConfigError) as info:
        scenario_from_dict(data)
    assert message in str(info.value) and "\n" not in str(info.value)


def test_a_file_with_several_sets_and_none_of_ours(tmp_path):
    path = tmp_path / "two.tle"
    path.write_text(f"{ISS[0]}\n{ISS[1]}\n{ISS[0]}\n{ISS[1]}\n")
    with pytest.raises(ConfigError, match="2 element sets and 0 with the spacecraft's norad_id"):
        scenario_from_dict(_data(tle_file=str(path)))

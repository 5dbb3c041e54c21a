"""Spacecraft properties as mission data (issue 16): solar panels per face, the camera the
renderer can draw, ADCS and thermal constants; refusals are one line listing every problem."""

from __future__ import annotations

import pytest

from picodragon.config import load_scenario
from picodragon.config.loader import ConfigError, scenario_from_dict
from picodragon.config.models import Adcs, Power, Thermal


def _data(**power) -> dict:
    data = load_scenario().model_dump(mode="json", exclude_none=True)
    if power:
        p = data["spacecraft"]["power"]
        for key in ("cell_area_m2", "cell_faces"):
            p.pop(key, None)
        p.update(power)
    return data


def test_short_form_is_one_body_panel_a_face():
    power = load_scenario().spacecraft.power
    panels = power.solar_panels()
    assert [p.face for p in panels] == ["+X", "-X", "+Y", "-Y", "+Z"]
    assert all(p.kind == "body" and p.area_m2 == power.cell_area_m2 and p.efficiency == 0.28 for p in panels)


def test_a_3u_with_larger_long_sides_and_wings():
    data = _data(panels=[
        {"face": "+X", "area_m2": 0.018}, {"face": "-X", "area_m2": 0.018, "efficiency": 0.30},
        {"face": "+Z", "area_m2": 0.006},
        {"face": "+X", "area_m2": 0.03, "kind": "deployable"},
    ])
    data["spacecraft"]["size_m"] = [0.1, 0.1, 0.34]
    scenario = scenario_from_dict(data)
    sc = scenario.spacecraft
    assert sc.power.panel_area_efficiency_sum() == pytest.approx(0.28 * (0.018 + 0.006 + 0.03) + 0.30 * 0.018)
    antennas = sum(a.length_m * a.width_m / 2 for a in sc.appendages)  # the reference's tape
    assert sc.mean_cross_section_m2 == pytest.approx((0.01 + 0.034 + 0.034) / 2 + 0.015 + antennas)


def test_refusals_are_one_line_and_complete():
    data = _data(panels=[{"face": "+X", "area_m2": 0.02}])  # a 1U face is 113.5 cm^2
    data["spacecraft"]["camera"] = {"width_px": 4096, "height_px": 4096}
    data["spacecraft"]["adcs"] = {"rod_br_t": 0.5}
    with pytest.raises(ConfigError) as info:
        scenario_from_dict(data)
    text = str(info.value)
    assert "\n" not in text
    assert "16 megapixels" in text and "rod_br_t must be below rod_bs_t" in text
    data["spacecraft"].pop("camera")
    data["spacecraft"].pop("adcs")
    with pytest.raises(ConfigError, match=r"body-mounted cells larger than their face: \+X \(200 cm\^2 > 114 cm\^2\)"):
        scenario_from_dict(data)


@pytest.mark.parametrize(("power", "message"), [
    ({"panels": [{"face": "+X", "area_m2": 0.005}], "cell_area_m2": 0.005, "cell_faces": ["+X"]}, "not both"),
    ({"cell_area_m2": 0.005}, "give panels, or cell_area_m2 with cell_faces"),
    ({}, "give panels, or cell_area_m2 with cell_faces"),
])
def test_one_form_of_array(power, message):
    base = load_scenario().spacecraft.power.model_dump()
    for key in ("cell_area_m2", "cell_faces", "panels"):
        base.pop(key)
    with pytest.raises(ValueError, match=message):
        Power.model_validate({**base, **power})


def test_camera_aspect_beyond_the_lens_is_refused():
    data = _data()
    data["spacecraft"]["camera"] = {"width_px": 100, "height_px": 4000, "horizontal_fov_deg": 120}
    with pytest.raises(ConfigError, match="vertical field of view would be"):
        scenario_from_dict(data)


def test_adcs_and_thermal_defaults_are_todays_constants():
    from picodragon.physics import attitude, thermal

    adcs, th = Adcs(), Thermal()
    assert adcs.magnet_am2 == attitude.BAR_MAGNET_AM2 and adcs.rod_bs_t == attitude.ROD_BS_T
    assert adcs.rod_br_t == attitude.ROD_BR_T and adcs.rod_hc_a_m == attitude.ROD_HC_A_M
    assert adcs.tipoff_sigma_deg_s == attitude.TIPOFF_SIGMA_DEG_S
    assert list(adcs.com_offset_m) == attitude.COM_OFFSET_M.tolist()
    assert th.face_absorptivity == thermal.FACE_ABSORPTIVITY and th.face_emissivity == thermal.FACE_EMISSIVITY
    assert 273.15 + th.initial_temperature_c == thermal.INITIAL_TEMPERATURE_K

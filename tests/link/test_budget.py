"""Link budget: hand-checked lines, vectorisation, BER and FER."""

from __future__ import annotations

import numpy as np
import pytest

from picodragon.config import load_scenario
from picodragon.link import budget


@pytest.fixture(scope="module")
def scenario():  # type: ignore[no-untyped-def]
    return load_scenario("picodragon-2013")


def test_free_space_loss_hand_value() -> None:
    # 20 log10(4 pi * 1000 km * 437.365 MHz / c) = 145.26 dB
    assert budget.free_space_path_loss_db(1e6, 437.365e6) == pytest.approx(145.26, abs=0.01)


def test_noncoherent_fsk_ber() -> None:
    assert budget.fsk_noncoherent_ber(0.0) == pytest.approx(0.5 * np.exp(-0.5))
    assert budget.required_eb_n0_db(1e-5) == pytest.approx(13.35, abs=0.01)


def test_frame_error_rate() -> None:
    assert budget.frame_error_rate(0.0, 1000) == 0.0
    assert budget.frame_error_rate(1e-3, 1000) == pytest.approx(1 - 0.999**1000)
    assert budget.frame_error_rate(0.5, 10) == pytest.approx(1 - 0.5**10)


def test_downlink_vectorised(scenario) -> None:  # type: ignore[no-untyped-def]
    radio, station = scenario.spacecraft.radio, scenario.stations[0]
    ranges = np.array([2300e3, 1000e3, 410e3])
    elevations = np.array([0.0, 30.0, 90.0])
    b = budget.downlink_budget(radio, station, ranges, elevations)
    assert b.frequency_hz == radio.downlink_frequency_hz
    assert np.shape(b.margin_db) == (3,)
    assert np.all(np.diff(b.margin_db) > 0)  # closer is better
    one = budget.downlink_budget(radio, station, 1000e3, 30.0)
    assert float(one.margin_db) == pytest.approx(b.margin_db[1])
    assert float(np.asarray(one.eb_n0_db)) == pytest.approx(
        float(np.asarray(one.margin_db)) + one.required_eb_n0_db
    )
    assert 0 <= float(np.asarray(one.bit_error_rate)) <= 0.5
    assert np.all(np.diff(b.system_noise_temperature_k) < 0)


def test_uplink(scenario) -> None:  # type: ignore[no-untyped-def]
    radio, station = scenario.spacecraft.radio, scenario.stations[0]
    b = budget.uplink_budget(radio, station, np.array([1000e3]), np.array([30.0]))
    assert b.frequency_hz == radio.uplink_frequency_hz
    assert b.to_dict()["margin_db"] == [pytest.approx(float(b.margin_db[0]))]


def test_slant_range() -> None:
    assert budget.slant_range_m(90.0, 410e3) == pytest.approx(410e3)
    # horizon: sqrt((R+h)^2 - R^2)
    r = budget.EARTH_RADIUS_M
    assert budget.slant_range_m(0.0, 410e3) == pytest.approx(np.sqrt((r + 410e3) ** 2 - r**2))


def test_dipole_pattern() -> None:
    g = budget.dipole_gain_dbi(np.array([0.0, 90.0, 180.0]))
    assert g[1] == pytest.approx(2.15, abs=0.01)
    assert g[0] == g[2] == -20.0


def test_noise_and_beam() -> None:
    assert budget.galactic_noise_k(437e6) == pytest.approx(38.8, abs=0.5)  # P.372: Fa -8.7 dB
    assert budget.yagi_beamwidth_deg(14.0) == pytest.approx(40.5, abs=0.1)
    assert budget.pointing_loss_db(20.25, 40.5) == pytest.approx(3.0)
    assert budget.ground_fraction(0.0, 40.0) == pytest.approx(0.5)


def test_afsk_fm_threshold() -> None:
    # the AMSAT-IARU tool's AFSK/FM threshold: Eb/N0 22 dB for BER 1e-4
    assert budget.required_eb_n0_db(1e-4, 9.7) == pytest.approx(22.0, abs=0.05)


def test_reference_lines(scenario) -> None:  # type: ignore[no-untyped-def]
    radio, station = scenario.spacecraft.radio, scenario.stations[0]
    b = budget.downlink_budget(radio, station, budget.slant_range_m(90.0, 410e3), 90.0)
    assert isinstance(b.margin_db, float)
    assert b.eirp_dbw == pytest.approx(10 * np.log10(0.8) - 1.0)
    assert b.path_loss_db == pytest.approx(137.5, abs=0.1)
    assert b.system_noise_temperature_k == pytest.approx(500.0, abs=0.1)
    low = budget.downlink_budget(radio, station, budget.slant_range_m(0.0, 410e3), 0.0)
    assert low.atmospheric_loss_db > b.atmospheric_loss_db
    assert low.system_noise_temperature_k > b.system_noise_temperature_k
    assert low.margin_db < b.margin_db


def test_attitude_pattern(scenario) -> None:  # type: ignore[no-untyped-def]
    radio, station = scenario.spacecraft.radio, scenario.stations[0]
    off_axis = np.array([0.0, 45.0, 90.0])
    b = budget.downlink_budget(radio, station, 1e6, 30.0, spacecraft_off_axis_deg=off_axis)
    assert np.argmax(b.margin_db) == 2 and np.shape(b.eirp_dbw) == (3,)
    up = budget.uplink_budget(radio, station, 1e6, 30.0, spacecraft_off_axis_deg=off_axis)
    assert np.argmax(up.margin_db) == 2


def test_as_dict_is_flat_numbers_and_the_modulation(scenario) -> None:  # type: ignore[no-untyped-def]
    radio, station = scenario.spacecraft.radio, scenario.stations[0]
    b = budget.downlink_budget(radio, station, budget.slant_range_m(10.0, 410e3), 10.0)
    raw = b.as_dict()
    assert raw.pop("modulation") == "AFSK1200"
    data = {k: float(v) for k, v in raw.items()}  # what `picodragon link-budget` does
    for key in ("frequency_hz", "eirp_dbw", "path_loss_db", "g_over_t_db_k", "eb_n0_db",
                "required_eb_n0_db", "margin_db"):  # fmt: skip
        assert np.isfinite(data[key])


def test_path_loss_against_amsat_iaru_example() -> None:
    # the AMSAT-IARU Link Budget tool's example: 2420.28 km (10 deg from 826 km) -> 152.9 dB
    assert budget.free_space_path_loss_db(2420.28e3, 437e6) == pytest.approx(152.9, abs=0.05)


def test_station_off_boresight(scenario) -> None:  # type: ignore[no-untyped-def]
    radio, station = scenario.spacecraft.radio, scenario.stations[0]
    half_beam = budget.yagi_beamwidth_deg(station.antenna_gain_dbi) / 2
    off = np.array([0.0, half_beam, 90.0])
    b = budget.downlink_budget(radio, station, 1e6, 30.0, station_off_boresight_deg=off)
    assert b.pointing_loss_db == pytest.approx([0.0, 3.0, budget.SIDELOBE_FLOOR_DB])
    assert b.margin_db[0] - b.margin_db[1] == pytest.approx(3.0)
    up = budget.uplink_budget(radio, station, 1e6, 30.0, station_off_boresight_deg=off)
    assert np.shape(up.margin_db) == (3,)


def test_one_geometry_gives_the_array_path_numbers(scenario) -> None:  # type: ignore[no-untyped-def]
    """A frame's budget (floats, no numpy) is every line of the vectorised one at that point."""
    radio, station = scenario.spacecraft.radio, scenario.stations[0]
    elevations = np.array([-3.0, 0.0, 5.0, 30.0, 90.0])
    ranges = budget.slant_range_m(elevations, 420e3)
    for fn in (budget.downlink_budget, budget.uplink_budget):
        for off in (None, 12.0):
            whole = fn(radio, station, ranges, elevations, station_off_boresight_deg=off)
            for k, (r, e) in enumerate(zip(ranges.tolist(), elevations.tolist(), strict=True)):
                one = fn(radio, station, r, e, station_off_boresight_deg=off)
                for name, value in one.to_dict().items():
                    if name != "modulation":
                        expected = np.broadcast_to(getattr(whole, name), ranges.shape)[k]
                        assert value == pytest.approx(float(expected), rel=1e-13, abs=1e-25), name


def test_a_budget_from_its_fields_is_the_one_the_dataclass_builds(scenario) -> None:  # type: ignore[no-untyped-def]
    """The runner's per-frame budgets skip the frozen dataclass's __init__: the object is the
    same (equal, same hash and dict, still frozen); a missing or unknown field is refused."""
    import dataclasses

    radio, station = scenario.spacecraft.radio, scenario.stations[0]
    for one in (budget.downlink_budget(radio, station, 1.2e6, 23.4),
                budget.uplink_budget(radio, station, 9.0e5, 41.0)):
        built = budget.Budget(**dataclasses.asdict(one))
        assert one == built and hash(one) == hash(built) and repr(one) == repr(built)
        assert one.to_dict() == built.to_dict()
        with pytest.raises(dataclasses.FrozenInstanceError):
            one.margin_db = 0.0  # type: ignore[misc]
    values = dataclasses.asdict(one)
    with pytest.raises(TypeError):
        budget.Budget._of({k: v for k, v in values.items() if k != "margin_db"})
    with pytest.raises(TypeError):
        budget.Budget._of({**{k: v for k, v in values.items() if k != "margin_db"}, "margin": 1.0})

"""Sensors: truth plus bias and noise, quantisation, sample hold, and the fault API."""

from __future__ import annotations

import math

import numpy as np
import pytest

from picodragon.physics.twin import Twin


@pytest.fixture(scope="module")
def twin(scenario):
    tw = Twin(scenario, seed=7)
    tw.advance_to(tw.start_unix + 3000)
    return tw


def test_magnetometer_reads_the_body_field(twin):
    mag = twin.devices.magnetometer
    truth = twin.field_body_t()
    reading = mag.read_t()
    assert reading.shape == (3,)
    assert np.all(np.abs(reading - truth) < 8e-6)  # 2 uT bias (1 sigma), 150 nT noise
    q = mag.quantum
    np.testing.assert_allclose(reading / q, np.round(reading / q), atol=1e-6)


def test_gyro_reads_the_body_rate(twin):
    g = twin.devices.gyro.read_rad_s()
    assert np.all(np.abs(g - twin.body_rate_rad_s()) < math.radians(1.5))


def test_sample_is_held_within_the_sample_period(twin):
    mag = twin.devices.magnetometer
    a = mag.read_t()
    b = mag.read_t()
    np.testing.assert_array_equal(a, b)


def test_panel_currents_follow_the_sun(twin):
    i = twin.devices.sun_sensors.read_a()
    assert i.shape == (6,) and np.all(i >= 0)
    assert i[5] == 0.0  # the camera face carries no cells
    s_b, frac = twin.sun_body()
    if frac > 0.99:
        lit = np.concatenate([s_b, -s_b])[[0, 3, 1, 4, 2, 5]] > 0.3
        assert np.all(i[lit & (np.arange(6) != 5)] > 0.1)


@pytest.mark.parametrize("kind", ["dead", "stuck", "bias_jump", "noisy"])
def test_fault_api(scenario, kind):
    tw = Twin(scenario, seed=2)
    sensor = tw.devices.temperatures[7]
    before = sensor.read_c()
    sensor.inject_fault(kind, bias=25.0, sigma=10.0)
    tw.advance_to(tw.start_unix + 600)
    values = [sensor.read_c() for _ in range(20)]
    if kind == "dead":
        assert all(math.isnan(v) for v in values)
    elif kind == "stuck":
        assert all(v == before for v in values)
    elif kind == "bias_jump":
        truth = tw.node_temperatures_c()[7]
        assert all(abs(v - truth - 25.0) < 3.0 for v in values)
    else:
        assert np.std(values) > 3.0
    sensor.clear_fault()
    assert abs(sensor.read_c() - tw.node_temperatures_c()[7]) < 3.0
    with pytest.raises(ValueError):
        sensor.inject_fault("melted")


def test_temperature_sensor_locations(twin):
    names = [s.location for s in twin.devices.temperatures]
    assert names == ["+X", "-X", "+Y", "-Y", "+Z", "-Z", "structure", "battery", "obc"]


def test_storage_and_switches(twin):
    st = twin.devices.storage
    st.write("a", b"123")
    assert st.read("a") == b"123" and st.keys() == ["a"]
    st.delete("a")
    assert st.read("a") is None
    with pytest.raises(OSError):
        st.write("big", bytes(st.capacity_bytes + 1))
    sw = twin.devices.switches
    with pytest.raises(ValueError):
        sw.set_load("warp_drive", True)
    assert "camera" in sw.loads()

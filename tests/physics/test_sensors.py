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
    reading = np.array(mag.read_t())
    assert reading.shape == (3,)
    assert np.all(np.abs(reading - truth) < 8e-6)  # 2 uT bias (1 sigma), 150 nT noise
    q = mag.quantum
    np.testing.assert_allclose(reading / q, np.round(reading / q), atol=1e-6)


def test_gyro_reads_the_body_rate(twin):
    g = np.array(twin.devices.gyro.read_rad_s())
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


def test_switched_power_follows_the_switches():
    """``switched_power_w`` (a sum kept since the last switching) is the sum over the loads on,
    after every switching; the loads' watts cannot change behind its back."""
    from picodragon.physics.devices import PowerSwitchesDevice

    loads = {"radio": 0.4, "camera": 0.7, "heater": 0.5}
    sw = PowerSwitchesDevice(loads, {"radio": True})
    rng = np.random.default_rng(5)
    for _ in range(40):
        sw.set_load(str(rng.choice(list(loads))), bool(rng.integers(2)))
        assert sw.switched_power_w() == sum(w for k, w in loads.items() if sw.is_on(k))
        assert sw.on_w("heater") == (0.5 if sw.is_on("heater") else 0.0)
    with pytest.raises(TypeError):
        sw.loads_w["heater"] = 2.0
    with pytest.raises(ValueError):
        sw.on_w("warp_drive")


def test_telemetry_quantisation_is_numpy_s():
    """``devices._quantised`` (the power, temperature, magnetometer and gyro reads' steps, in Python floats) is
    np.rint(x / q) * q to the bit: halves to even, the sign of a zero, NaN and infinities."""
    from picodragon.physics.devices import _quantised

    rng = np.random.default_rng(17)
    values = [0.05, 0.15, -0.05, -0.04, 0.04, -0.0, 0.0, 0.0005, -0.0005, 0.5, 1.5, 2.5, -0.5, -1.5,
              4503599627370497.0, 1e300, -1e300, math.inf,
              -math.inf, *rng.normal(0.0, 30.0, 3000).tolist(), *rng.normal(0.0, 0.002, 1000).tolist()]
    for q in (1.0, 0.1, 0.01, 0.001):
        for x in values:
            expected = np.rint(np.float64(x) / q) * q
            assert np.float64(_quantised(x, q)).tobytes() == expected.tobytes()
        assert math.isnan(_quantised(math.nan, q))


def test_position_and_attitude_estimates(twin):
    fix = twin.devices.position.read()
    snap = twin.snapshot()
    assert abs(fix.latitude_deg - snap["latitude_deg"]) < 0.01
    assert abs(fix.altitude_m / 1e3 - snap["altitude_km"]) < 0.1
    q = twin.devices.attitude.read_quaternion()
    if q is not None:  # None while the body still turns faster than 5 deg/s
        dot = abs(float(np.dot(q, twin.attitude.q)))
        assert dot > np.cos(np.radians(20) / 2)


def test_cw_beacon_antenna_and_watchdog_energy(scenario):
    a, b = Twin(scenario, attitude=False), Twin(scenario, attitude=False)
    cw = b.devices.cw
    cw.send("PICO DRAGON VIETNAM", 20.0)
    out = cw.drain_outbox()
    assert out == [(b.start_unix, "PICO DRAGON VIETNAM", 20.0)]
    ant = b.devices.antenna
    assert ant.switch_closed()
    ant.burn(3.0)
    assert ant.switch_closed()
    ant.burn(3.0)
    assert not ant.switch_closed() and ant.deployed
    expected = cw.keyed_s_total * scenario.spacecraft.power.transmit_load_w + 6.0 * ant.burn_power_w
    a.advance_to(a.start_unix + 60)
    b.advance_to(b.start_unix + 60)
    assert expected * 0.89 < a._energy_j - b._energy_j < expected / 0.96
    wd = b.devices.watchdog
    wd.kick()
    b.advance_to(b.start_unix + 100)
    assert not wd.expired()
    b.advance_to(b.start_unix + 200)
    assert wd.expired()


def test_the_fault_free_reads_equal_the_general_path(scenario):
    """The devices' fault-free fast paths (no ``_apply``) read what the general path reads: a
    zero bias jump sends the same draws through ``_apply``."""
    fast, general = Twin(scenario, seed=3), Twin(scenario, seed=3)
    for device in ("magnetometer", "gyro", "power", "sun_sensors"):
        getattr(general.devices, device).inject_fault("bias_jump", bias=0.0)
    for sensor in general.devices.temperatures:
        sensor.inject_fault("bias_jump", bias=0.0)
    for k in range(1, 6):
        for tw in (fast, general):
            tw.advance_to(tw.start_unix + 7.0 * k)
        a, b = fast.devices, general.devices
        assert a.magnetometer.read_t() == b.magnetometer.read_t()
        assert a.gyro.read_rad_s() == b.gyro.read_rad_s()
        assert a.power.read() == b.power.read()
        assert [s.read_c() for s in a.temperatures] == [s.read_c() for s in b.temperatures]
        np.testing.assert_array_equal(a.sun_sensors.read_a(), b.sun_sensors.read_a())


def test_three_axis_reads_equal_the_array_samples(scenario):
    """Magnetometer and gyro reads (``_read3``, floats) give, to the bit, what the array path
    (``_sample``) gives on the same draws, new samples and held ones alike."""
    floats, arrays = Twin(scenario, seed=4), Twin(scenario, seed=4)
    for k in range(1, 60):
        for tw in (floats, arrays):
            tw.advance_to(tw.start_unix + 0.37 * k)
        for name, read in (("magnetometer", "read_t"), ("gyro", "read_rad_s")):
            a = np.array(getattr(getattr(floats.devices, name), read)())
            b = getattr(arrays.devices, name)._sample()
            assert a.tobytes() == b.tobytes()


def test_compiled_panel_currents_match_the_numpy_reference(twin):
    """``_panel_currents`` (scalars, compiled) against the numpy formulation it replaced, over
    random attitudes, orbits and Sun directions, with and without attitude."""
    from picodragon.physics.state import SpacecraftState

    sensor = twin.devices.sun_sensors
    rng = np.random.default_rng(11)
    state = SpacecraftState(time=0.0, start_unix=0.0)
    sensor._state = state
    try:
        for k in range(200):
            q = rng.normal(size=4)
            state.q = None if k % 10 == 0 else q / np.linalg.norm(q)
            r = rng.normal(size=3)
            state.r_teme = r / np.linalg.norm(r) * rng.uniform(6.5e6, 7.5e6)
            state.sun_teme = rng.normal(size=3) * 1.5e11
            state.sunlit_fraction = float(rng.uniform())
            np.testing.assert_allclose(sensor._truth(), sensor._truth_numpy(), rtol=1e-12, atol=1e-15)
    finally:
        sensor._state = twin.state

"""The HAL: the fakes and the twin's devices satisfy its protocols; every command has a handler."""

from __future__ import annotations

import pytest

from picodragon.dictionary import core
from picodragon.fsw import hal
from tests.fsw.fakes import make_bench

PROTOCOLS = {
    "clock": hal.Clock, "radio": hal.Radio, "power": hal.PowerSensor,
    "switches": hal.PowerSwitches, "storage": hal.Storage, "camera": hal.Camera,
    "magnetometer": hal.Magnetometer, "gyro": hal.Gyro, "position": hal.PositionSource,
    "attitude": hal.AttitudeSource, "cw": hal.CwBeacon, "antenna": hal.AntennaDeployer,
    "watchdog": hal.Watchdog,
}


def check(devices: hal.Hal) -> list[str]:
    fitted = []
    for name, protocol in PROTOCOLS.items():
        device = getattr(devices, name)
        if device is not None:
            assert isinstance(device, protocol), f"{name} does not satisfy {protocol.__name__}"
            fitted.append(name)
    for sensor in devices.temperatures:
        assert isinstance(sensor, hal.TemperatureSensor)
    return fitted


def test_fakes_satisfy_the_protocols():
    devices = make_bench().hal()
    check(devices)
    assert isinstance(devices.clock, hal.SettableClock)


def test_twin_devices_satisfy_the_protocols():
    twin_module = pytest.importorskip("picodragon.physics.twin")
    loader = pytest.importorskip("picodragon.config.loader")
    d = twin_module.Twin(loader.load_scenario(), seed=0).devices
    devices = hal.Hal(**{name: getattr(d, name) for name in
                         ("clock", "radio", "power", "temperatures") if hasattr(d, name)})
    for name in PROTOCOLS:
        if hasattr(d, name) and name not in ("clock", "radio", "power"):
            setattr(devices, name, getattr(d, name))
    fitted = check(devices)
    assert {"clock", "radio", "power", "switches", "storage", "camera"} <= set(fitted)
    assert isinstance(devices.clock, hal.SettableClock)  # ADJUST_TIME works on the twin
    if hasattr(devices.switches, "loads"):  # the load names the software switches exist
        assert {"radio", "camera", "heater"} <= set(devices.switches.loads())
    locations = [s.location for s in devices.temperatures]
    assert any("obc" in loc for loc in locations) and any("batt" in loc for loc in locations)


def test_every_dictionary_command_has_a_handler():
    bench = make_bench()
    bench.fsw.boot()
    assert set(bench.fsw.commanding.handlers) == {c.name for c in core().commands}

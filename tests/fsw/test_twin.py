"""The flight software against the twin's devices (picodragon.physics), as the mission runs it.

The test plays the mission runner's part (advance the world to the time the software asks
for, then step it) but imports nothing of the mission room.
"""

from __future__ import annotations

import pytest

from picodragon.dictionary.packets import decode_telemetry
from picodragon.fsw import FlightSoftware, FswConfig
from picodragon.fsw.hal import Hal
from picodragon.link import ax25
from tests.fsw.ground import KEY, Ground

twin_module = pytest.importorskip("picodragon.physics.twin")
loader = pytest.importorskip("picodragon.config.loader")


@pytest.fixture(scope="module")
def flown():
    """Three hours from ejection, with a capture commanded at 2 h and a thermistor stuck at 1 h."""
    twin = twin_module.Twin(loader.load_scenario(), seed=3)
    d = twin.devices
    hal = Hal(clock=d.clock, radio=d.radio, power=d.power, temperatures=list(d.temperatures),
              switches=d.switches, storage=d.storage, camera=d.camera,
              magnetometer=d.magnetometer, gyro=d.gyro)
    fsw = FlightSoftware(hal, FswConfig(auth_key=KEY))
    fsw.boot()
    start = twin.time
    ground = Ground()
    frames: list[tuple[float, bytes]] = []
    script = {start + 3600: lambda: d.temperatures[0].inject_fault("stuck"),
              start + 7200: lambda: d.radio.deliver_uplink(ground.frame("CAPTURE_IMAGE", {"at_time": 0}))}
    t, wake = start, fsw.step()
    while t < start + 3 * 3600:
        due = min(script, default=float("inf"))
        t = min(max(wake, t + 1e-3), due, start + 3 * 3600)
        twin.advance_to(t)
        if t >= due:
            script.pop(due)()
        frames += d.radio.drain_outbox()
        wake = fsw.step()
    frames += d.radio.drain_outbox()
    return start, fsw, frames, ground


def test_rf_silent_for_30_minutes_on_the_twin(flown):
    start, _, frames, _ = flown
    assert frames
    assert min(t for t, _ in frames) >= start + 1800


def test_housekeeping_beacons_decode_with_the_twins_values(flown):
    start, fsw, frames, _ = flown
    packets = [decode_telemetry(ax25.decode(raw).info) for _, raw in frames]
    hk = [p for p in packets if getattr(p, "name", "") == "HOUSEKEEPING"]
    assert len(hk) > 250  # every 30 s for 2.5 hours
    last = hk[-1].values
    assert 6.0 < last["battery_voltage_v"] < 8.5
    assert -60 < last["obc_temperature_c"] < 80
    assert last["mode"] in (1, 2)


def test_a_stuck_twin_thermistor_is_flagged(flown):
    _, fsw, _, _ = flown
    flagged = fsw.sensors.state()["flagged"]
    assert list(flagged.values()) == ["stuck"]
    assert "SENSOR_FLAGGED" in fsw.events.names()


def test_commanded_capture_stores_a_twin_jpeg(flown):
    _, fsw, frames, ground = flown
    ground.receive(frames)
    assert ground.responses(1) == [("ACCEPTED", 0), ("COMPLETED", 0)]
    (info,) = fsw.files.list()
    data = fsw.files.read(info.file_id)
    assert data[:2] == b"\xff\xd8" and info.valid

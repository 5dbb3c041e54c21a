"""The flight software against the twin's devices (picodragon.physics), as the mission runs it.

The test plays the mission runner's part (advance the world to the time the software asks
for, deliver uplink frames, collect what it radiates) but imports nothing of the mission room.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields

import pytest

from picodragon.dictionary.packets import decode_telemetry
from picodragon.fsw import FlightSoftware
from picodragon.fsw.hal import Hal
from picodragon.link import ax25
from tests.fsw.fakes import bench_config
from tests.fsw.ground import KEY, Ground, LossyLink

twin_module = pytest.importorskip("picodragon.physics.twin")
loader = pytest.importorskip("picodragon.config.loader")


class World:
    """The twin and the flight software, advanced together event by event."""

    def __init__(self, seed: int) -> None:
        self.twin = twin_module.Twin(loader.load_scenario(), seed=seed)
        d = self.devices = self.twin.devices
        # every HAL slot takes the twin's device of that name, when it has one
        present = {f.name: getattr(d, f.name) for f in fields(Hal) if hasattr(d, f.name)}
        present["temperatures"] = list(present["temperatures"])
        self.hal = Hal(**present)
        self.fsw = FlightSoftware(self.hal, bench_config(auth_key=KEY))
        self.fsw.boot()
        self.hardware_resets = 0
        self.start = self.twin.time
        self.frames: list[tuple[float, bytes]] = []
        self.wake = self.fsw.step()

    def advance(self, t_end: float, at: dict[float, Callable[[], None]] | None = None) -> None:
        at = dict(at or {})
        t = self.twin.time
        while t < t_end:
            due = min(at, default=float("inf"))
            t = min(max(self.wake, t + 1e-3), due, t_end)
            self.twin.advance_to(t)
            if t >= due:
                at.pop(due)()
            self.frames += self.devices.radio.drain_outbox()
            watchdog = getattr(self.devices, "watchdog", None)
            if watchdog is not None and watchdog.expired():  # the hardware resets the computer
                self.hardware_resets += 1
                self.fsw = FlightSoftware(self.hal, self.fsw.config)
                self.fsw.boot()
                watchdog.kick()
            self.wake = self.fsw.step()
        self.frames += self.devices.radio.drain_outbox()


@pytest.fixture(scope="module")
def flown():
    """Three hours from ejection, a thermistor stuck at 1 h, a capture commanded at 2 h; then
    the image is fetched over a 20 % lossy link in 5-minute passes."""
    world = World(seed=3)
    d, ground = world.devices, Ground()
    start = world.start
    world.advance(start + 3 * 3600, {
        start + 3600: lambda: d.temperatures[0].inject_fault("stuck"),
        start + 7200: lambda: d.radio.deliver_uplink(ground.frame("CAPTURE_IMAGE", {"at_time": 0})),
    })
    ground.receive(world.frames)
    world.passes = 0
    link = LossyLink(0.2, seed=5)
    aos = world.twin.time
    while world.passes < 10:
        world.passes += 1
        seen = len(world.frames)
        for k in range(10):  # one command every 30 s for five minutes
            if (file_id := next(iter(ground.directory), None)) is None:
                frame = ground.frame("LIST_FILES")
            elif file_id not in ground.files and k == 0:
                frame = ground.frame("DOWNLINK_FILE", {"file_id": file_id})
            elif file_id in ground.files and ground.files[file_id].missing() and k in (0, 6):
                frame = ground.frame("REQUEST_CHUNKS", ground.requests_for(file_id)[0])
            else:
                frame = ground.frame("NOOP")
            if link.passes():
                d.radio.deliver_uplink(frame)
            world.advance(aos + 30 * (k + 1))
        heard = [f for f in world.frames[seen:] if f[0] <= aos + 300 and link.passes()]
        ground.digest(heard)
        if ground.directory and ground.file_ok(next(iter(ground.directory))):
            break
        aos += 1800
        world.advance(aos)
    return world, ground


def test_rf_silent_for_30_minutes_on_the_twin(flown):
    world, _ = flown
    assert min(t for t, _ in world.frames) >= world.start + 1800
    antenna = getattr(world.devices, "antenna", None)
    if antenna is not None:
        assert antenna.deployed and world.start + 1800 <= antenna.deployed_at <= world.start + 1900
    assert world.hardware_resets == 0


def test_housekeeping_beacons_decode_with_the_twins_values(flown):
    world, _ = flown
    packets = [decode_telemetry(ax25.decode(raw).info) for t, raw in world.frames
               if t < world.start + 3 * 3600]
    hk = [p for p in packets if getattr(p, "name", "") == "HOUSEKEEPING"]
    assert len(hk) > 250  # every 30 s for 2.5 hours
    last = hk[-1].values
    assert 6.0 < last["battery_voltage_v"] < 8.5
    assert -60 < last["obc_temperature_c"] < 80
    assert last["mode"] in (1, 2)


def test_a_stuck_twin_thermistor_is_flagged(flown):
    world, _ = flown
    flagged = world.fsw.sensors.state()["flagged"]
    assert list(flagged.values()) == ["stuck"]
    assert "SENSOR_FLAGGED" in world.fsw.events.names()


def test_the_twins_image_reaches_the_ground_byte_identical_over_several_lossy_passes(flown):
    world, ground = flown
    assert ground.responses(1) == [("ACCEPTED", 0), ("COMPLETED", 0)]
    (info,) = world.fsw.files.list()
    original = world.fsw.files.read(info.file_id)
    assert original[:2] == b"\xff\xd8" and info.valid
    if world.hal.position is not None:  # metadata from the twin's position and attitude
        assert -52 <= info.latitude_deg <= 52 and 380 < info.altitude_km < 440
    if world.hal.attitude is not None and all(q == q for q in info.quaternion):
        assert abs(sum(q * q for q in info.quaternion) - 1) < 1e-3  # (unknown while tumbling)
    assert ground.file_ok(info.file_id)
    assert ground.files[info.file_id].data() == original
    assert world.passes >= 2


def test_a_low_reading_battery_on_the_twin_enters_low_power_and_recovers():
    world = World(seed=4)
    start, power = world.start, world.devices.power
    world.advance(start + 3600, {start + 2400: lambda: power.inject_fault("bias_jump", bias=-1.6)})
    fsw = world.fsw
    assert fsw.mode == 4  # LOW_POWER
    assert "LOW_BATTERY" in fsw.events.names()
    assert fsw.beacon.interval() == 120.0
    world.advance(start + 5400, {start + 4000: power.clear_fault})
    assert fsw.mode == 2
    assert "BATTERY_RECOVERED" in fsw.events.names()


def test_a_cold_twin_battery_inhibits_charging_and_the_software_hears_of_it():
    """The twin's charger stops below 0 degC (physics.power); the software reads the flag through
    the HAL, tells the ground (event, housekeeping) and heats the battery (issue 15)."""
    from picodragon.physics import thermal

    world = World(seed=6)
    world.advance(world.start + 2400)
    assert "CHARGE_INHIBITED" not in world.fsw.events.names()
    world.twin._temp_k[:] = 263.15  # a cold soak: every node at -10 degC
    world.advance(world.twin.time + 120)
    assert world.twin.state.charge_inhibited
    assert world.fsw.events.names().count("CHARGE_INHIBITED") == 1
    assert world.twin.switches.is_on("heater")
    hk = decode_telemetry(world.fsw.housekeeping.packet(world.twin.time), world.fsw.dictionary).values
    assert hk["charge_inhibited"] == 1
    assert hk["charge_phase"] == 3  # INHIBITED
    world.twin._temp_k[thermal.BATTERY] = 283.15  # warmed: the charger is back
    world.advance(world.twin.time + 60)
    assert "CHARGE_RESUMED" in world.fsw.events.names()

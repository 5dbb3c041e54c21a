"""Sensor validation alone: range, stuck, recovery, schedules."""

from __future__ import annotations

import math

from picodragon.fsw.hal import Hal
from picodragon.fsw.sensors import SensorMonitor
from tests.fsw.fakes import FakeClock, FakePower, FakeRadio, FakeTemperature, FakeVector


def monitor(stuck_samples: int = 5) -> tuple[SensorMonitor, FakeTemperature, FakeVector]:
    clock = FakeClock()
    temp = FakeTemperature("obc", 20.0)
    gyro = FakeVector((0.01, 0.0, 0.0), 1e-4)
    hal = Hal(clock=clock, radio=FakeRadio(clock), power=FakePower(clock), temperatures=[temp],
              gyro=gyro)
    return SensorMonitor(hal, stuck_samples=stuck_samples), temp, gyro


def test_a_reading_repeated_stuck_samples_times_is_flagged_and_reads_nan():
    m, temp, _ = monitor()
    temp.stuck_at = 21.5
    for i in range(5):
        m.sample()
        assert m.channels["temperature_c:obc"].flagged == (i == 4)
    assert math.isnan(m.temperature("obc"))
    assert m.flags == 1 << 8


def test_recovery_needs_three_good_changing_readings():
    m, temp, _ = monitor()
    temp.value = 500.0
    m.sample()
    assert m.channels["temperature_c:obc"].reason == "range"
    temp.value = 20.0
    m.sample()
    m.sample()
    assert m.channels["temperature_c:obc"].flagged
    m.sample()
    assert not m.channels["temperature_c:obc"].flagged and m.newly_recovered


def test_a_dead_vector_sensor_is_flagged_at_once():
    m, _, gyro = monitor()
    gyro.stuck_at = (float("nan"),) * 3
    m.sample()
    assert m.channels["gyro_rad_s"].flagged and all(math.isnan(x) for x in m.vectors["gyro_rad_s"])


def test_groups_are_read_on_their_own_schedules():
    m, temp, _ = monitor()
    reads = []
    original = temp.read_c
    temp.read_c = lambda: reads.append(1) or original()
    for t in range(0, 100, 10):
        m.sample(now=float(t))
    assert len(reads) == 4  # every 30 s: at 0, 30, 60, 90


def test_clear_forgets_every_flag():
    m, temp, _ = monitor()
    temp.value = -200.0
    m.sample()
    m.clear()
    assert m.flags == 0

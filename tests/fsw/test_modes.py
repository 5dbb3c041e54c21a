"""Modes and fault protection: low power, temperatures, sensor validation, watchdog, boot loop."""

from __future__ import annotations

import math

from picodragon.dictionary.packets import decode_telemetry
from picodragon.fsw.modes import DETUMBLE, LOW_POWER, NOMINAL, SAFE
from tests.fsw.fakes import T0, bench_config, make_bench
from tests.fsw.ground import KEY, Ground

DEPLOYED = T0 + 2000


def nominal_bench(**overrides):
    bench = make_bench(bench_config(auth_key=KEY, **overrides))
    bench.run_until(DEPLOYED)
    assert bench.fsw.mode == NOMINAL
    return bench


def test_detumble_until_the_rates_are_low():
    bench = make_bench()
    bench.gyro.value = (0.2, 0.1, -0.1)
    bench.run_until(T0 + 2400)
    assert bench.fsw.mode == DETUMBLE
    bench.gyro.value = (0.01, 0.0, 0.0)
    bench.run_until(T0 + 2500)
    assert bench.fsw.mode == NOMINAL


def test_low_battery_enters_low_power_sheds_loads_and_recovers():
    bench = nominal_bench()

    def discharge(power, t):
        # the battery sags for an hour, then charges back
        if t < DEPLOYED + 600:
            power.voltage, power.soc = 7.6, 0.6
        elif t < DEPLOYED + 4200:
            power.voltage, power.soc = 6.7, 0.2
        else:
            power.voltage, power.soc = 7.6, 0.6

    bench.power.script = discharge
    bench.run_until(DEPLOYED + 1200)
    assert bench.fsw.mode == LOW_POWER
    assert bench.switches.loads["camera"] is False
    assert bench.fsw.beacon.interval() == 120.0
    assert "LOW_BATTERY" in bench.fsw.events.names()
    bench.run_until(DEPLOYED + 5000)
    assert bench.fsw.mode == NOMINAL
    assert "BATTERY_RECOVERED" in bench.fsw.events.names()
    assert bench.fsw.beacon.interval() == 30.0


def test_low_power_has_hysteresis():
    bench = nominal_bench()
    bench.power.voltage, bench.power.soc = 6.8, 0.3
    bench.run_until(DEPLOYED + 60)
    assert bench.fsw.mode == LOW_POWER
    bench.power.voltage, bench.power.soc = 7.1, 0.4  # above entry, below exit
    bench.run_until(DEPLOYED + 600)
    assert bench.fsw.mode == LOW_POWER


def test_a_stuck_voltage_sensor_is_flagged_and_ignored():
    bench = nominal_bench()
    from picodragon.fsw.hal import PowerReading

    bench.power.stuck = PowerReading(6.0, 0.1, 0.8, 1.0, 1.0)  # stuck low, would mean low power
    bench.run_until(DEPLOYED + 30)
    assert bench.fsw.mode == LOW_POWER  # at first it is believed
    bench.run_until(DEPLOYED + 600)
    channel = bench.fsw.sensors.channels["battery_voltage_v"]
    assert channel.flagged and channel.reason == "stuck"
    assert "SENSOR_FLAGGED" in bench.fsw.events.names()
    assert math.isnan(bench.fsw.sensors.value("battery_voltage_v"))
    assert bench.fsw.mode == NOMINAL  # the state of charge alone says the battery is fine
    assert bench.fsw.housekeeping.values(bench.clock.t)["sensor_flags"] & 1


def test_an_out_of_range_temperature_is_flagged_and_does_not_trigger_safe():
    bench = nominal_bench()
    bench.temperatures[0].value = 400.0  # a broken thermistor, not a fire
    bench.run_until(DEPLOYED + 60)
    channel = bench.fsw.sensors.channels["temperature_c:obc"]
    assert channel.flagged and channel.reason == "range"
    assert bench.fsw.mode == NOMINAL
    bench.temperatures[0].value = 21.0
    bench.run_until(DEPLOYED + 200)  # three good readings, one every 30 s
    assert not channel.flagged
    assert "SENSOR_RECOVERED" in bench.fsw.events.names()


def test_a_stuck_gyro_is_flagged():
    bench = nominal_bench()
    bench.gyro.stuck_at = (0.01, 0.01, 0.01)
    bench.run_until(DEPLOYED + 600)
    assert bench.fsw.sensors.channels["gyro_rad_s"].flagged


def test_over_temperature_enters_safe_which_only_the_ground_leaves():
    bench = nominal_bench()
    bench.temperatures[0].value = 75.0
    bench.run_until(DEPLOYED + 30)
    assert bench.fsw.mode == SAFE
    assert "TEMPERATURE_ALARM" in bench.fsw.events.names()
    bench.temperatures[0].value = 25.0
    bench.run_until(DEPLOYED + 600)
    assert bench.fsw.mode == SAFE
    bench.power_cycle()  # the latch survives a reset
    bench.run_until(bench.clock.t + 60)
    assert bench.fsw.mode == SAFE
    ground = Ground()
    bench.radio.uplink.append(ground.frame("SET_MODE", {"mode": NOMINAL}))
    bench.run_until(bench.clock.t + 30)
    assert bench.fsw.mode == NOMINAL


def test_cold_battery_switches_the_heater():
    bench = nominal_bench()
    bench.temperatures[1].value = 0.0
    bench.run_until(DEPLOYED + 30)
    assert bench.switches.loads["heater"] is True
    bench.temperatures[1].value = 8.0
    bench.run_until(DEPLOYED + 60)
    assert bench.switches.loads["heater"] is False


def _housekeeping(bench) -> dict[str, float]:
    return decode_telemetry(bench.fsw.housekeeping.packet(bench.clock.now()), bench.fsw.dictionary).values


def test_charge_inhibit_is_told_heats_the_battery_and_is_downlinked():
    """A cold battery's charger off (issue 15): one CHARGE_INHIBITED event, the heater on even
    above the thermostat's threshold, the flag in housekeeping; back: CHARGE_RESUMED, heater off."""
    bench = nominal_bench()
    bench.temperatures[1].value = 10.0  # over the thermostat's off threshold: heater off
    bench.run_until(DEPLOYED + 30)
    assert bench.switches.loads.get("heater") is not True
    assert _housekeeping(bench)["charge_inhibited"] == 0
    bench.power.charge_inhibited = True
    bench.run_until(DEPLOYED + 120)
    assert bench.fsw.events.names().count("CHARGE_INHIBITED") == 1
    assert bench.switches.loads["heater"] is True
    assert bench.fsw.modes.charge_inhibited and bench.fsw.mode == NOMINAL  # no mode change
    assert _housekeeping(bench)["charge_inhibited"] == 1
    bench.power.charge_inhibited = False
    bench.run_until(DEPLOYED + 240)
    assert "CHARGE_RESUMED" in bench.fsw.events.names()
    assert bench.switches.loads["heater"] is False  # the thermostat rules again (10 degC)
    assert _housekeeping(bench)["charge_inhibited"] == 0


def test_the_charge_phase_is_downlinked_as_the_power_system_says():
    bench = nominal_bench()
    bench.run_until(DEPLOYED + 20)
    assert _housekeeping(bench)["charge_phase"] == 4  # not reported: UNKNOWN
    for phase in (0, 1, 2, 3):
        bench.power.charge_phase = phase
        bench.run_until(bench.clock.t + 20)
        assert _housekeeping(bench)["charge_phase"] == phase
    bench.power.charge_phase = 9  # nonsense from the power system: UNKNOWN, not a wrong phase
    bench.run_until(bench.clock.t + 20)
    assert _housekeeping(bench)["charge_phase"] == 4


def test_a_power_reading_that_fails_sends_no_charge_flag():
    bench = nominal_bench()
    bench.power.read = lambda: (_ for _ in ()).throw(OSError("EPS bus"))
    bench.run_until(DEPLOYED + 60)
    assert _housekeeping(bench)["charge_inhibited"] == 2  # UNKNOWN, not NO
    assert _housekeeping(bench)["charge_phase"] == 4
    assert "CHARGE_INHIBITED" not in bench.fsw.events.names()


def test_watchdog_resets_the_software_when_a_component_stalls():
    bench = nominal_bench()
    bench.fsw.modes.stalled = True
    bench.run_until(DEPLOYED + 120)
    assert bench.fsw.resets == 1
    assert bench.fsw.params.reset_cause == 1  # WATCHDOG
    assert bench.fsw.mode == NOMINAL  # back to work after the reset
    assert bench.watchdog.kicks > 0
    sent_after = [t for t, _ in bench.radio.sent if t > DEPLOYED + 60]
    assert sent_after


def test_a_failing_handler_is_counted_and_does_not_stop_the_others():
    bench = nominal_bench()

    def broken(now):
        raise RuntimeError("boom")

    bench.fsw.scheduler.every("control", bench.fsw.beacon, broken)
    bench.run_until(DEPLOYED + 60)
    assert bench.fsw.beacon.failures >= 5
    assert "COMPONENT_FAILURE" in bench.fsw.events.names()
    assert bench.fsw.mode == NOMINAL


def test_a_boot_loop_ends_in_safe_mode():
    bench = nominal_bench(boot_loop_resets=4)
    for _ in range(4):
        bench.clock.t += 60
        bench.power_cycle()
    bench.run_until(bench.clock.t + 30)
    assert bench.fsw.mode == SAFE
    assert bench.fsw.params.safe_latched
    logged = [decode_telemetry(p).values["event_id"] for p in bench.fsw.events.history.packets()]
    assert 16 in logged  # BOOT_LOOP, reported by the boot that found the loop


def test_corrupted_parameters_fall_back_to_the_other_copy():
    bench = nominal_bench()
    newest = next(k for k in reversed(bench.storage.last_written) if k.startswith("params."))
    count = bench.fsw.params.boot_count
    bench.storage.flip_bit(newest)
    bench.power_cycle()
    assert bench.fsw.params.boot_count == count + 1
    assert bench.fsw.params.antenna_deployed
    assert "PARAMS_DEFAULTED" not in bench.fsw.events.names()


def test_both_parameter_copies_lost_boots_on_defaults_and_says_so():
    bench = nominal_bench()
    for key in [k for k in list(bench.storage.blobs) if k.startswith("params.")]:
        bench.storage.flip_bit(key)
    bench.power_cycle()
    assert "PARAMS_DEFAULTED" in bench.fsw.events.names()
    bench.run_until(bench.clock.t + 3600)
    assert bench.radio.sent[-1][0] > bench.clock.t - 60  # beaconing again


def test_imaging_mode_keeps_the_camera_on_and_times_out():
    bench = nominal_bench()
    ground = Ground()
    bench.radio.uplink.append(ground.frame("SET_MODE", {"mode": 3}))
    bench.run_until(bench.clock.t + 20)
    assert bench.fsw.mode == 3 and bench.switches.loads["camera"] is True
    bench.radio.uplink.append(ground.frame("CAPTURE_IMAGE", {"at_time": 0}))
    bench.run_until(bench.clock.t + 20)
    assert len(bench.camera.captures) == 1 and bench.switches.loads["camera"] is True
    bench.run_until(bench.clock.t + 600)
    assert bench.fsw.mode == NOMINAL and bench.switches.loads["camera"] is False


def test_imaging_is_refused_while_the_battery_is_low():
    bench = nominal_bench()
    bench.power.voltage, bench.power.soc = 6.7, 0.2
    bench.run_until(DEPLOYED + 30)
    ground = Ground()
    bench.radio.uplink.append(ground.frame("SET_MODE", {"mode": 3}))
    bench.run_until(bench.clock.t + 20)
    ground.receive(bench.radio.sent)
    assert ground.responses(1)[-1] == ("FAILED", 9)  # POWER_LOW
    assert bench.fsw.mode == LOW_POWER


def test_without_a_gyro_detumble_ends_at_once():
    bench = make_bench()
    bench.gyro = None
    bench.fsw = type(bench.fsw)(bench.hal(), bench.config)
    bench.run_until(T0 + 1900)
    assert bench.fsw.mode == NOMINAL


def test_a_cold_battery_below_the_safe_limit_enters_safe():
    bench = nominal_bench()
    bench.temperatures[1].value = -35.0
    bench.run_until(DEPLOYED + 60)
    assert bench.fsw.mode == SAFE
    assert bench.switches.loads["heater"] is True


def test_outer_panel_temperatures_do_not_trigger_safe():
    bench = make_bench()
    from tests.fsw.fakes import FakeTemperature

    bench.temperatures.append(FakeTemperature("+X", -60.0, 13))
    bench.fsw = type(bench.fsw)(bench.hal(), bench.config)
    bench.run_until(DEPLOYED)
    assert bench.fsw.mode == NOMINAL


def test_a_hung_watchdog_component_is_caught_by_the_hardware_watchdog():
    bench = nominal_bench()
    bench.fsw.watchdog.stalled = True  # the software watchdog itself stops: no more kicks
    bench.run_until(DEPLOYED + 600)
    assert bench.watchdog.resets == 1
    assert bench.fsw.params.reset_cause == 0  # the software did not see it coming
    assert bench.fsw.mode == NOMINAL


def test_devices_that_raise_do_not_stop_the_software():
    bench = make_bench()

    def broken(*args, **kwargs):
        raise OSError("bus error")

    bench.antenna.burn = broken
    bench.antenna.switch_closed = broken
    bench.cw.send = broken
    bench.power.read = broken
    bench.temperatures[0].read_c = broken
    bench.run_until(T0 + 3000)
    assert bench.fsw.params.antenna_attempts == 5  # every attempt spent, then on with the mission
    assert "ANTENNA_FAILED" in bench.fsw.events.names()
    assert bench.fsw.sensors.channels["battery_voltage_v"].flagged
    sent = len(bench.radio.sent)
    bench.radio.transmit = broken
    bench.run_until(T0 + 3600)
    assert bench.fsw.downlink.dropped > 10 and len(bench.radio.sent) == sent
    assert bench.fsw.resets == 0 and bench.fsw.params.boot_count == 1


def test_commanded_resets_are_not_a_boot_loop():
    bench = nominal_bench()
    ground = Ground()
    for _ in range(5):
        bench.radio.uplink.append(ground.frame("RESET_SOFTWARE"))
        bench.run_until(bench.clock.t + 60)
    assert bench.fsw.params.boot_count == 6
    assert bench.fsw.mode != SAFE


def test_a_hard_reset_loses_ram_but_not_the_mission():
    from picodragon.fsw.params import ResetCause

    bench = nominal_bench()
    for _ in range(3):
        bench.fsw.events.emit(bench.clock.now(), "HEATER", 1)  # queued, not yet sent
    bench.fsw.hard_reset(ResetCause.WATCHDOG)
    assert bench.fsw.params.reset_cause == int(ResetCause.WATCHDOG)
    assert bench.fsw.params.boot_count == 2 and bench.fsw.params.antenna_deployed
    assert "HEATER" not in bench.fsw.events.names()
    bench.fsw.hard_reset()
    assert bench.fsw.params.reset_cause == int(ResetCause.POWER_ON)
    bench.run_until(bench.clock.t + 120)
    assert bench.fsw.mode in (1, 2) and bench.radio.sent[-1][0] > bench.clock.t - 60

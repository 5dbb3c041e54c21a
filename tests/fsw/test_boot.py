"""Boot and deployment: RF silence for 30 minutes, antenna release with retries, beacons."""

from __future__ import annotations

from picodragon.dictionary.packets import decode_telemetry
from picodragon.link import ax25
from tests.fsw.fakes import T0, bench_config, make_bench


def decoded(bench):
    out = []
    for t, raw in bench.radio.sent:
        frame = ax25.decode(raw)
        assert isinstance(frame, ax25.Frame)
        out.append((t, frame, decode_telemetry(frame.info)))
    return out


def test_rf_silent_for_30_minutes_then_beacons_at_the_interval():
    bench = make_bench()
    bench.run_until(T0 + 3600)
    assert bench.radio.offered_while_disabled == 0
    times = [t for t, _ in bench.radio.sent]
    assert times and min(times) >= T0 + 1800
    assert bench.cw.sent and min(t for t, _ in bench.cw.sent) >= T0 + 1800
    assert all(t >= T0 + 1800 for t in bench.antenna.burns)
    assert bench.radio.enable_log[0] == (T0, False)
    hk = [(t, p) for t, _, p in decoded(bench) if getattr(p, "name", "") == "HOUSEKEEPING"]
    stamps = [p.unix_s for _, p in hk]
    gaps = [b - a for a, b in zip(stamps, stamps[1:], strict=False)]
    assert len(hk) >= 55
    assert all(abs(g - 30.0) < 0.01 for g in gaps), gaps
    # sent when packed, or after the frames queued before it (the event burst at deployment)
    assert all(0 <= t - p.unix_s < 10.0 for t, p in hk)


def test_beacon_frames_are_ui_frames_from_the_callsign_with_housekeeping():
    bench = make_bench()
    bench.run_until(T0 + 1900)
    frames = decoded(bench)
    assert frames
    t, frame, packet = next(x for x in frames if getattr(x[2], "name", "") == "HOUSEKEEPING")
    assert frame.source == ax25.Address("XV9PID", 0)
    assert frame.destination == ax25.Address("CQ")
    assert frame.pid == 0xF0
    values = packet.values
    assert values["boot_count"] == 1
    assert abs(values["battery_voltage_v"] - 7.8) < 0.02
    assert abs(values["obc_temperature_c"] - 20.0) < 0.5
    assert values["antenna_deployed"] == 1
    assert 0 <= t - packet.unix_s < 10.0
    names = {getattr(p, "name", "") for _, _, p in frames}
    assert "EVENT_REPORT" in names


def test_events_of_the_sequence_are_reported_after_the_silence():
    bench = make_bench()
    bench.run_until(T0 + 1900)
    log = bench.fsw.events.names()
    for name in ("BOOT", "RF_SILENCE_OVER", "ANTENNA_BURN", "ANTENNA_DEPLOYED", "MODE_CHANGE"):
        assert name in log
    reported = [p.values["event_id"] for _, _, p in decoded(bench) if p.name == "EVENT_REPORT"]
    assert 1 in reported and 2 in reported  # BOOT (queued during the silence) and RF_SILENCE_OVER


def test_antenna_burn_retried_while_the_switch_reads_closed():
    bench = make_bench()
    bench.antenna.burns_needed = 3
    bench.run_until(T0 + 1800 + 200)
    assert len(bench.antenna.burns) == 3
    assert bench.antenna.burns[1] - bench.antenna.burns[0] >= 60
    assert bench.fsw.params.antenna_deployed
    first_tx = min(t for t, _ in bench.radio.sent)
    assert first_tx >= bench.antenna.burns[-1]


def test_antenna_gives_up_after_the_last_attempt_and_transmits_anyway():
    bench = make_bench(bench_config(antenna_max_attempts=2))
    bench.antenna.burns_needed = 99
    bench.run_until(T0 + 1800 + 400)
    assert len(bench.antenna.burns) == 2
    assert "ANTENNA_FAILED" in bench.fsw.events.names()
    assert bench.radio.sent


def test_reset_during_silence_keeps_the_original_end_of_silence():
    bench = make_bench()
    bench.run_until(T0 + 1000)
    bench.power_cycle()
    bench.run_until(T0 + 1799)
    assert not bench.radio.sent
    bench.run_until(T0 + 1900)
    assert min(t for t, _ in bench.radio.sent) >= T0 + 1800
    assert bench.fsw.params.boot_count == 2


def test_reset_after_deployment_transmits_at_once_and_counts_boots():
    bench = make_bench()
    bench.run_until(T0 + 2000)
    bench.power_cycle()
    t_reset = bench.clock.t
    bench.run_until(t_reset + 100)
    assert any(t_reset <= t < t_reset + 35 for t, _ in bench.radio.sent)
    assert len(bench.antenna.burns) == 1
    assert bench.fsw.params.boot_count == 2
    assert bench.fsw.params.reset_cause == 0


def test_state_is_inspectable():
    bench = make_bench()
    bench.run_until(T0 + 1900)
    state = bench.fsw.state()
    assert state["deployment"]["ready"] is True
    assert state["downlink"]["frames_sent"] == len(bench.radio.sent)
    assert "control" in state["scheduler"]["groups"]

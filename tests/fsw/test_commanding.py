"""Commanding: authentication, replay protection, acknowledgement, time tags."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from picodragon.dictionary.packets import EPOCH_2000_UNIX
from picodragon.dictionary.telecommand import Reason
from tests.fsw.fakes import T0, bench_config, make_bench
from tests.fsw.ground import KEY, Ground

DEPLOYED = T0 + 2000


def deployed_bench(**overrides):
    bench = make_bench(bench_config(auth_key=KEY, **overrides))
    bench.run_until(DEPLOYED)
    return bench, Ground()


def uplink(bench, ground, *frames, settle=30.0):
    for frame in frames:
        bench.radio.uplink.append(frame)
    bench.run_until(bench.clock.t + settle)
    ground.receive(bench.radio.sent)


def test_a_valid_command_is_accepted_then_completed():
    bench, ground = deployed_bench()
    uplink(bench, ground, ground.frame("NOOP"))
    assert ground.responses(1) == [("ACCEPTED", 0), ("COMPLETED", 0)]
    assert bench.fsw.commanding.received == 1


def test_forged_command_is_rejected_and_logged():
    bench, ground = deployed_bench()
    uplink(bench, ground, ground.frame("SET_MODE", {"mode": 5}, key=b"not the key, but long enough"))
    assert ground.responses(1) == [("REJECTED", int(Reason.BAD_TAG))]
    assert bench.fsw.mode != 5
    assert bench.fsw.commanding.rejected == 1
    assert "COMMAND_REJECTED" in bench.fsw.events.names()


def test_tampered_command_is_rejected():
    bench, ground = deployed_bench()
    frame = bytearray(ground.frame("SET_MODE", {"mode": 2}))
    frame[-17] ^= 0x01  # the mode argument, under the 16-octet tag
    uplink(bench, ground, bytes(frame))
    assert ground.responses()[-1] == ("REJECTED", int(Reason.BAD_TAG))


def test_replayed_command_is_rejected_and_logged():
    bench, ground = deployed_bench()
    frame = ground.frame("NOOP")
    uplink(bench, ground, frame)
    uplink(bench, ground, frame)
    assert ground.responses(1) == [("ACCEPTED", 0), ("COMPLETED", 0), ("REJECTED", int(Reason.REPLAYED))]
    assert bench.fsw.events.counts["COMMAND_REJECTED"] == 1


def test_replay_is_still_rejected_after_a_reset():
    bench, ground = deployed_bench()
    frame = ground.frame("NOOP")
    uplink(bench, ground, frame)
    bench.power_cycle()
    uplink(bench, ground, frame)
    assert ground.responses(1)[-1] == ("REJECTED", int(Reason.REPLAYED))
    uplink(bench, ground, ground.frame("NOOP"))
    assert ground.responses(2)[-1] == ("COMPLETED", 0)


def test_commands_are_refused_without_a_key():
    bench = make_bench(bench_config(auth_key=None))
    bench.run_until(DEPLOYED)
    ground = Ground()
    uplink(bench, ground, ground.frame("NOOP"))
    assert ground.responses(1) == [("REJECTED", int(Reason.NO_KEY))]


def test_out_of_range_argument_is_rejected():
    bench, ground = deployed_bench()
    from picodragon.dictionary.telecommand import COMMANDS_BY_NAME, encode_telecommand

    # a ground that does not check: forge a valid tag over a bad argument
    command = COMMANDS_BY_NAME["SET_BEACON_INTERVAL"]
    from dataclasses import replace

    lax = replace(command, arguments=tuple(replace(a, minimum=None) for a in command.arguments))
    from picodragon.link.auth import CommandSigner

    info = encode_telecommand(lax, {"interval_s": 1}, CommandSigner(KEY, counter=6))
    from picodragon.link import ax25

    frame = ax25.encode(ax25.Frame(ax25.Address("XV9PID"), ax25.Address("VNSC"), info=info))
    uplink(bench, ground, frame)
    assert ground.responses(7) == [("REJECTED", int(Reason.BAD_ARGUMENT))]


def test_frames_from_another_station_or_for_another_satellite_are_ignored():
    bench, ground = deployed_bench()
    other = Ground(callsign="JA1XYZ")
    uplink(bench, ground, other.frame("NOOP"), Ground(spacecraft="XV9ABC").frame("NOOP"))
    assert ground.responses() == []


def test_set_mode_and_beacon_interval_are_executed():
    bench, ground = deployed_bench()
    uplink(bench, ground, ground.frame("SET_MODE", {"mode": 5}),
           ground.frame("SET_BEACON_INTERVAL", {"interval_s": 60}))
    assert bench.fsw.mode == 5
    assert bench.fsw.beacon.telemetry_interval_s == 60
    assert ground.responses(2)[-1] == ("COMPLETED", 0)


def test_time_tagged_capture_happens_at_its_time():
    bench, ground = deployed_bench()
    at = DEPLOYED + 3 * 3600 + 0.5
    uplink(bench, ground, ground.frame("CAPTURE_IMAGE", {"at_time": 0}, execute_at=at))
    assert ground.responses(1) == [("SCHEDULED", 0)]
    bench.run_until(at + 60)
    assert bench.camera.captures == [at]
    ground.receive(bench.radio.sent)
    assert ground.responses(1) == [("SCHEDULED", 0), ("COMPLETED", 0)]


def test_capture_at_time_argument_schedules_a_capture():
    bench, ground = deployed_bench()
    at_2000 = int(DEPLOYED - EPOCH_2000_UNIX) + 5000
    uplink(bench, ground, ground.frame("CAPTURE_IMAGE", {"at_time": at_2000}))
    bench.run_until(EPOCH_2000_UNIX + at_2000 + 10)
    assert bench.camera.captures == [EPOCH_2000_UNIX + at_2000]


def test_time_tags_survive_a_reset():
    bench, ground = deployed_bench()
    at = DEPLOYED + 3600
    uplink(bench, ground, ground.frame("CAPTURE_IMAGE", {"at_time": 0}, execute_at=at))
    bench.power_cycle()
    bench.run_until(at + 30)
    assert bench.camera.captures == [at]


def test_a_time_tag_missed_during_a_long_outage_fails_with_time_passed():
    bench, ground = deployed_bench()
    at = DEPLOYED + 600
    uplink(bench, ground, ground.frame("NOOP", execute_at=at))
    bench.clock.t = at + 3600  # the computer was off across the time tag
    bench.power_cycle()
    bench.run_until(bench.clock.t + 60)
    ground.receive(bench.radio.sent)
    assert ground.responses(1)[-1] == ("FAILED", int(Reason.TIME_PASSED))


def test_dump_housekeeping_at_the_next_pass_sends_the_stored_history():
    bench, ground = deployed_bench(housekeeping_interval_s=60.0)
    next_pass = DEPLOYED + 5 * 3600
    uplink(bench, ground, ground.frame("DUMP_HOUSEKEEPING", {"since": 0, "max_packets": 2000},
                                       execute_at=next_pass))
    bench.run_until(next_pass + 1200)
    ground.receive(bench.radio.sent)
    stamps = sorted(p.unix_s for p in ground.named("HOUSEKEEPING"))
    # the history covers the time out of view, at the housekeeping interval
    old = [t for t in stamps if t < next_pass - 600]
    assert len(old) > 250
    assert ground.named("ADCS")


def test_commanded_reset_reboots_with_the_cause():
    bench, ground = deployed_bench()
    uplink(bench, ground, ground.frame("RESET_SOFTWARE"))
    assert bench.fsw.params.boot_count == 2
    assert bench.fsw.params.reset_cause == 2


def test_an_exception_escaping_the_components_resets_the_software():
    bench, ground = deployed_bench()

    def explode(data, now):
        raise RuntimeError("corrupted state")

    bench.fsw.commanding.handle = explode
    uplink(bench, ground, ground.frame("NOOP"))
    assert bench.fsw.params.reset_cause == 3  # EXCEPTION
    uplink(bench, ground, ground.frame("NOOP"))
    assert ground.responses(2)[-1] == ("COMPLETED", 0)


def test_counters_for_the_mission_summary_persist():
    bench, ground = deployed_bench()
    uplink(bench, ground, ground.frame("CAPTURE_IMAGE", {"at_time": 0}), ground.frame("NOOP"))
    bench.power_cycle()
    assert bench.fsw.images_captured == 1
    assert bench.fsw.commands_executed == 2


def test_file_management_commands():
    bench, ground = deployed_bench()
    uplink(bench, ground, ground.frame("CAPTURE_IMAGE", {"at_time": 0}),
           ground.frame("SAVE_EVENT_LOG"), ground.frame("LIST_FILES"))
    kinds = {int(v["file_id"]): int(v["kind"]) for v in ground.directory.values()}
    assert sorted(kinds.values()) == [1, 2]
    log_id = next(fid for fid, kind in kinds.items() if kind == 2)
    log = bench.fsw.files.read(log_id)
    from picodragon.dictionary.packets import decode_telemetry

    first = decode_telemetry(log[2 : 2 + int.from_bytes(log[:2], "big")])
    assert first.name == "EVENT_REPORT" and first.values["event_id"] == 1  # BOOT
    uplink(bench, ground, ground.frame("DOWNLINK_FILE", {"file_id": log_id}),
           ground.frame("ABORT_TRANSFERS"), ground.frame("DELETE_FILE", {"file_id": log_id}),
           ground.frame("DELETE_FILE", {"file_id": log_id}))
    assert bench.fsw.transfer.pending == {}
    assert ground.responses(7)[-1] == ("FAILED", int(Reason.NO_SUCH_FILE))
    assert len(bench.fsw.files.list()) == 1


def test_directory_entries_carry_position_and_attitude():
    from tests.fsw.fakes import FakeAttitude, FakePosition

    bench = make_bench(bench_config(auth_key=KEY))
    bench.position, bench.attitude = FakePosition(), FakeAttitude()
    bench.fsw = type(bench.fsw)(bench.hal(), bench.config)
    bench.run_until(DEPLOYED)
    ground = Ground()
    uplink(bench, ground, ground.frame("CAPTURE_IMAGE", {"at_time": 0}), ground.frame("LIST_FILES"))
    (entry,) = ground.directory.values()
    assert abs(entry["latitude_deg"] - 21.05) < 0.01 and abs(entry["longitude_deg"] - 105.8) < 0.01
    assert abs(entry["altitude_km"] - 410.0) < 0.01
    assert abs(entry["q_w"] - 0.5) < 1e-4 and abs(entry["q_y"] + 0.5) < 1e-4
    assert entry["valid"] == 1 and abs(entry["created_unix"] - bench.camera.captures[0]) < 1


def test_a_full_flash_refuses_the_image_but_keeps_flying():
    bench, ground = deployed_bench()
    bench.storage.capacity_bytes = sum(len(b) for b in bench.storage.blobs.values()) + 2000
    uplink(bench, ground, ground.frame("CAPTURE_IMAGE", {"at_time": 0}))
    assert ground.responses(1)[-1] == ("FAILED", int(Reason.STORE_FULL))
    bench.run_until(bench.clock.t + 3600)
    uplink(bench, ground, ground.frame("NOOP"))
    assert ground.responses(2)[-1] == ("COMPLETED", 0)


def test_reset_software_completion_is_sent_after_the_reboot():
    bench, ground = deployed_bench()
    bench.run_until(bench.clock.t + 1)  # the link is free
    uplink(bench, ground, ground.frame("RESET_SOFTWARE"), settle=60)
    assert ground.responses(1) == [("ACCEPTED", 0), ("COMPLETED", 0)]
    assert bench.fsw.params.reset_cause == 2


def test_the_time_tag_store_has_a_capacity():
    bench, ground = deployed_bench(time_tag_capacity=2)
    later = DEPLOYED + 7200
    uplink(bench, ground, *(ground.frame("NOOP", execute_at=later + i) for i in range(3)))
    assert [ground.responses(c)[-1] for c in (1, 2, 3)] == [
        ("SCHEDULED", 0), ("SCHEDULED", 0), ("REJECTED", int(Reason.SCHEDULE_FULL))]
    uplink(bench, ground, ground.frame("CLEAR_TIME_TAGS"))
    bench.run_until(later + 60)
    assert bench.fsw.commanding.executed[-1][1] == "CLEAR_TIME_TAGS"


def test_garbage_on_the_uplink_is_counted_never_fatal():
    import random

    from picodragon.link import ax25

    bench, ground = deployed_bench()
    rng = random.Random(11)
    to_us = ax25.Address("XV9PID")
    for _ in range(300):
        info = rng.randbytes(rng.randrange(0, 120))
        bench.radio.uplink.append(rng.randbytes(rng.randrange(0, 60)))
        bench.radio.uplink.append(ax25.encode(ax25.Frame(to_us, ax25.Address("VNSC"), info=info)))
    bench.run_until(bench.clock.t + 60)
    assert bench.fsw.commanding.rejected == 300
    assert bench.fsw.resets == 0 and bench.fsw.params.boot_count == 1
    uplink(bench, ground, ground.frame("NOOP"))
    assert ground.responses(1)[-1] == ("COMPLETED", 0)


def test_state_is_plain_data():
    import json

    bench, _ = deployed_bench()
    json.dumps(bench.fsw.state())


def test_the_next_critical_time_names_time_tags_and_the_deployment():
    bench = make_bench(bench_config(auth_key=KEY))
    bench.fsw.boot()
    assert bench.fsw.next_critical_time() == T0 + 1800  # end of the RF silence
    bench.run_until(DEPLOYED)
    assert bench.fsw.next_critical_time() == float("inf")
    ground = Ground()
    uplink(bench, ground, ground.frame("NOOP", execute_at=DEPLOYED + 5000.25))
    assert bench.fsw.next_critical_time() == DEPLOYED + 5000.25


def test_capture_an_image_at_03_28_10_utc():
    from datetime import UTC, datetime, timedelta

    bench, ground = deployed_bench()
    now = datetime.fromtimestamp(bench.clock.t, UTC)
    at = now.replace(hour=3, minute=28, second=10, microsecond=0)
    if at <= now:
        at += timedelta(days=1)
    uplink(bench, ground, ground.frame("CAPTURE_IMAGE", {"at_time": 0}, execute_at=at.timestamp()),
           ground.frame("NOOP", execute_at=at.timestamp() + 3600), ground.frame("LIST_TIME_TAGS"))
    listed = ground.named("TIME_TAG_ENTRY")
    assert [(p.values["execute_unix"], p.values["opcode"]) for p in listed] == [
        (at.timestamp(), 3), (at.timestamp() + 3600, 1)]
    bench.run_until(at.timestamp() + 60)
    (taken,) = bench.camera.captures
    assert datetime.fromtimestamp(taken, UTC).strftime("%H:%M:%S") == "03:28:10"


def test_adjust_time_corrects_the_clock_and_time_tags_keep_their_utc_times():
    bench = make_bench(bench_config(auth_key=KEY))
    bench.clock.offset = -90.0  # the on-board clock runs 90 s slow from the start
    bench.run_until(DEPLOYED)
    ground = Ground()
    at = DEPLOYED + 3600.0  # UTC
    uplink(bench, ground, ground.frame("CAPTURE_IMAGE", {"at_time": 0}, execute_at=at),
           ground.frame("ADJUST_TIME", {"offset_ms": 90_000}))
    assert bench.clock.offset == 0.0
    assert ground.responses(2)[-1] == ("COMPLETED", 0)
    bench.run_until(at + 60)
    assert bench.camera.captures == [at]  # at the true time, not 90 s late
    assert "TIME_ADJUSTED" in bench.fsw.events.names()


def test_large_clock_corrections_neither_stall_nor_reset_the_software():
    bench, ground = deployed_bench()
    for offset_ms in (3_600_000, -7_200_000):
        uplink(bench, ground, ground.frame("ADJUST_TIME", {"offset_ms": offset_ms}))
        start = bench.clock.t
        bench.run_until(start + 600)
        beacons = [t for t, _ in bench.radio.sent if t >= bench.clock.t - 600]
        assert len(beacons) >= 19, offset_ms
    assert bench.fsw.resets == 0 and bench.fsw.params.boot_count == 1
    assert bench.fsw.mode == 2


def test_a_clock_jumping_back_does_not_stall_the_software():
    bench, ground = deployed_bench()
    bench.run_until(bench.clock.t + 60)
    bench.clock.offset = -1800.0  # an RTC upset: half an hour back
    start = bench.clock.t
    bench.run_until(start + 300)
    assert len([t for t, _ in bench.radio.sent if t > start]) >= 9  # beacons carry on
    assert "TIME_ADJUSTED" in bench.fsw.events.names()
    assert bench.fsw.resets == 0


def test_a_command_for_a_time_long_past_fails_rather_than_running_now():
    bench, ground = deployed_bench()
    uplink(bench, ground, ground.frame("CAPTURE_IMAGE", {"at_time": 0},
                                       execute_at=bench.clock.t - 600))
    assert ground.responses(1) == [("ACCEPTED", 0), ("FAILED", int(Reason.TIME_PASSED))]
    assert not bench.camera.captures


def test_a_handler_returning_an_unknown_code_fails_the_command_cleanly():
    bench, ground = deployed_bench()
    bench.fsw.commanding.handlers["NOOP"] = lambda now, a: 999
    uplink(bench, ground, ground.frame("NOOP"))
    assert ground.responses(1)[-1] == ("FAILED", int(Reason.FAILED))
    assert bench.fsw.resets == 0


@settings(max_examples=20, deadline=None)
@given(st.lists(st.sampled_from(["new", "replay", "forged", "reset", "late"]), min_size=1,
                max_size=25))
def test_no_command_ever_runs_twice_and_no_forgery_ever_runs(actions):
    import random

    bench, ground = deployed_bench()
    rng = random.Random(len(actions))
    sent: list[bytes] = []
    held: list[bytes] = []  # signed but delivered later, out of order
    for action in actions:
        if action == "new":
            sent.append(ground.frame("NOOP"))
            bench.radio.uplink.append(sent[-1])
        elif action == "late":
            held.append(ground.frame("NOOP"))
        elif action == "replay" and sent:
            bench.radio.uplink.append(rng.choice(sent))
        elif action == "forged":
            bench.radio.uplink.append(ground.frame("SET_MODE", {"mode": 5},
                                                   key=b"an attacker's guess of the key"))
        elif action == "reset":
            bench.power_cycle()
        if held and rng.random() < 0.5:
            frame = held.pop()
            sent.append(frame)
            bench.radio.uplink.append(frame)
        bench.run_until(bench.clock.t + 5)
    bench.run_until(bench.clock.t + 120)
    ground.receive(bench.radio.sent)
    completed = [int(p.values["counter"]) for p in ground.named("COMMAND_RESPONSE")
                 if p.values["stage"] == 1]
    assert len(completed) == len(set(completed))
    forged_ran = [p for p in ground.named("COMMAND_RESPONSE")
                  if p.values["opcode"] == 2 and p.values["stage"] in (0, 1)]
    assert not forged_ran  # (SAFE may still come, from a boot loop of resets)

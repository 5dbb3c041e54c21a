"""Camera, file store and file downlink: images reach the ground byte-identical."""

from __future__ import annotations

import zlib

from hypothesis import example, given, settings
from hypothesis import strategies as st

from picodragon.dictionary.files import decode_file_chunk
from picodragon.link import ax25
from tests.fsw.fakes import T0, bench_config, make_bench
from tests.fsw.ground import KEY, Ground, LossyLink

DEPLOYED = T0 + 2000
ORBIT_S = 5560.0


def bench_with_image(size=40_000, **overrides):
    bench = make_bench(bench_config(auth_key=KEY, **overrides))
    bench.camera.size = size
    bench.run_until(DEPLOYED)
    ground = Ground()
    bench.radio.uplink.append(ground.frame("CAPTURE_IMAGE", {"at_time": 0}))
    bench.run_until(DEPLOYED + 30)
    ground.receive(bench.radio.sent)
    assert ground.responses(1)[-1] == ("COMPLETED", 0)
    return bench, ground


def test_capture_stores_the_image_with_crc_and_metadata():
    bench, ground = bench_with_image(size=5000)
    (info,) = bench.fsw.files.list()
    assert info.valid and info.kind == 1
    assert info.size_bytes == 5006
    assert abs(info.created_unix - bench.camera.captures[0]) < 1e-6
    assert not bench.switches.loads["camera"]  # powered only for the capture
    assert ("camera", True) in bench.switches.log


def test_capture_refused_in_low_power():
    bench = make_bench(bench_config(auth_key=KEY))
    bench.run_until(DEPLOYED)
    bench.power.voltage, bench.power.soc = 6.5, 0.1
    bench.run_until(DEPLOYED + 60)
    ground = Ground()
    bench.radio.uplink.append(ground.frame("CAPTURE_IMAGE", {"at_time": 0}))
    bench.run_until(DEPLOYED + 120)
    ground.receive(bench.radio.sent)
    assert ground.responses(1)[-1] == ("FAILED", 8)
    assert not bench.camera.captures


def test_store_full_is_reported_and_nothing_half_written():
    bench, ground = bench_with_image(size=3000, filestore_capacity_bytes=5000)
    bench.radio.uplink.append(ground.frame("CAPTURE_IMAGE", {"at_time": 0}))
    bench.run_until(bench.clock.t + 30)
    ground.receive(bench.radio.sent)
    assert ground.responses(2)[-1] == ("FAILED", 14)
    assert len(bench.fsw.files.list()) == 1


def run_pass(bench, ground, link, aos, los, actions):
    """One pass: the ground uplinks ``actions(now)`` each 30 s; frames cross the lossy link."""
    bench.run_until(aos)
    ground.seen = len(bench.radio.sent)  # what was sent out of view is lost
    t = aos
    while t < los:
        for frame in actions(t):
            if link.passes():
                bench.radio.uplink.append(frame)
        t = min(t + 30.0, los)
        bench.run_until(t)
        new = [f for f in bench.radio.sent[ground.seen :] if f[0] <= los and link.passes()]
        ground.seen = len(bench.radio.sent)
        ground.digest(new)


def fetch_file(bench, ground, link, file_id, passes, pass_s=300.0, after_each=None):
    """The ground's side of the protocol, pass after pass, until the file is whole."""
    aos = bench.clock.t + 600
    used = 0
    for _ in range(passes):
        state = {"started": False}

        def actions(now, state=state, aos=aos):
            if file_id not in ground.directory:
                return [ground.frame("LIST_FILES")]
            if file_id not in ground.files and not state["started"]:
                state["started"] = True
                return [ground.frame("DOWNLINK_FILE", {"file_id": file_id})]
            entry = ground.files.get(file_id)
            if entry is not None and entry.missing() and now - aos > 120:
                return [ground.frame("REQUEST_CHUNKS", r) for r in ground.requests_for(file_id)[:2]]
            return [ground.frame("NOOP")]  # keeps the contact alive

        run_pass(bench, ground, link, aos, aos + pass_s, actions)
        used += 1
        if after_each is not None:
            after_each(bench)
        if ground.file_ok(file_id):
            return used
        aos += ORBIT_S
    return used


def test_image_reaches_the_ground_byte_identical_over_a_lossy_link_in_several_passes():
    bench, ground = bench_with_image(size=40_000)
    (info,) = bench.fsw.files.list()
    original = bench.fsw.files.read(info.file_id)
    passes = fetch_file(bench, ground, LossyLink(0.2, seed=7), info.file_id, passes=12)
    assert ground.file_ok(info.file_id)
    assert ground.files[info.file_id].data() == original
    assert passes >= 2  # 200 chunks at 1200 bit/s do not fit one 5-minute pass


def test_reset_mid_download_resumes_without_losing_or_duplicating_chunks():
    bench, ground = bench_with_image(size=20_000)
    (info,) = bench.fsw.files.list()
    bench.radio.uplink.append(ground.frame("DOWNLINK_FILE", {"file_id": info.file_id}))
    start = bench.clock.t
    bench.run_until(start + 60)
    sent_before = bench.fsw.transfer.chunks_sent
    assert 5 < sent_before < 100
    bench.power_cycle()
    bench.radio.uplink.append(ground.frame("NOOP"))  # the ground is still there: contact
    t = bench.clock.t
    for _ in range(10):
        t += 60
        bench.run_until(t)
        bench.radio.uplink.append(ground.frame("NOOP"))
    bench.radio.uplink.append(ground.frame("LIST_FILES"))
    bench.run_until(t + 30)
    ground.receive(bench.radio.sent)
    chunks = [c for _, raw in bench.radio.sent
              if hasattr(c := decode_file_chunk(ax25.decode(raw).info), "chunk")]
    numbers = [c.chunk for c in chunks]
    assert sorted(numbers) == list(range(101))  # every chunk exactly once
    assert ground.files[info.file_id].duplicates == 0
    assert ground.file_ok(info.file_id)
    assert bench.fsw.params.boot_count == 2


def test_transfer_pauses_out_of_contact_and_resumes_at_the_next_pass():
    bench, ground = bench_with_image(size=20_000, contact_timeout_s=60.0)
    (info,) = bench.fsw.files.list()
    bench.radio.uplink.append(ground.frame("DOWNLINK_FILE", {"file_id": info.file_id}))
    bench.run_until(bench.clock.t + 600)
    sent = bench.fsw.transfer.chunks_sent
    assert 10 < sent < 101  # stopped a minute after the last command
    bench.run_until(bench.clock.t + 3000)
    assert bench.fsw.transfer.chunks_sent == sent
    bench.radio.uplink.append(ground.frame("NOOP"))
    bench.run_until(bench.clock.t + 50)
    assert bench.fsw.transfer.chunks_sent > sent


def test_a_corrupted_file_is_listed_invalid_and_not_sent():
    bench, ground = bench_with_image(size=5000)
    (info,) = bench.fsw.files.list()
    bench.storage.flip_bit(f"file.{info.file_id}.data")
    bench.radio.uplink.append(ground.frame("LIST_FILES"))
    bench.radio.uplink.append(ground.frame("DOWNLINK_FILE", {"file_id": info.file_id}))
    bench.run_until(bench.clock.t + 60)
    ground.receive(bench.radio.sent)
    assert ground.directory[info.file_id]["valid"] == 0
    assert ground.responses(3)[-1] == ("FAILED", 17)
    assert "FILE_CORRUPT" in bench.fsw.events.names()
    data = bench.fsw.files.read(info.file_id)
    assert zlib.crc32(data) != info.crc32


def test_a_file_whose_metadata_is_corrupted_is_listed_as_unknown_and_invalid():
    bench, ground = bench_with_image(size=5000)
    (info,) = bench.fsw.files.list()
    bench.storage.flip_bit(f"file.{info.file_id}.meta")
    bench.radio.uplink.append(ground.frame("LIST_FILES"))
    bench.run_until(bench.clock.t + 30)
    ground.receive(bench.radio.sent)
    entry = ground.directory[info.file_id]
    assert entry["valid"] == 0 and entry["kind"] == 0 and entry["size_bytes"] == 5006


@settings(max_examples=15, deadline=None)
@example([5.0, 5.0, 5.0, 5.0])
@given(st.lists(st.floats(min_value=1.0, max_value=200.0), min_size=1, max_size=4))
def test_any_resets_during_a_transfer_send_every_chunk_exactly_once(reset_after):
    # (so many resets in an hour would otherwise be a boot loop, and SAFE pauses transfers)
    bench, ground = bench_with_image(size=12_000, boot_loop_resets=99)
    (info,) = bench.fsw.files.list()
    bench.radio.uplink.append(ground.frame("DOWNLINK_FILE", {"file_id": info.file_id}))
    for delay in reset_after:
        bench.run_until(bench.clock.t + delay)
        bench.power_cycle()
        bench.radio.uplink.append(ground.frame("NOOP"))
    for _ in range(12):
        bench.run_until(bench.clock.t + 30)
        bench.radio.uplink.append(ground.frame("NOOP"))
    numbers = [c.chunk for _, raw in bench.radio.sent
               if hasattr(c := decode_file_chunk(ax25.decode(raw).info), "chunk")]
    assert sorted(numbers) == list(range(61))


def test_the_downlink_never_offers_more_than_the_link_carries():
    bench, ground = bench_with_image(size=20_000)
    (info,) = bench.fsw.files.list()
    bench.radio.uplink.append(ground.frame("DOWNLINK_FILE", {"file_id": info.file_id}))
    start = len(bench.radio.sent)
    bench.run_until(bench.clock.t + 100)
    sent = bench.radio.sent[start:]
    downlink = bench.fsw.downlink
    assert len(sent) > 30
    for (t0, frame), (t1, _) in zip(sent, sent[1:], strict=False):
        assert t1 - t0 >= downlink.airtime_s(len(frame)) / downlink.duty - 1e-6  # float at 1e9 s
    # and it keeps the link busy: 100 s at 1200 bit/s and 80 % duty carry about 40 such frames
    busy = sum(downlink.airtime_s(len(f)) for _, f in sent)
    assert busy > 0.7 * 0.8 * 100


def test_requests_for_a_file_corrupted_mid_transfer_are_refused():
    bench, ground = bench_with_image(size=5000)
    (info,) = bench.fsw.files.list()
    bench.radio.uplink.append(ground.frame("DOWNLINK_FILE", {"file_id": info.file_id}))
    bench.run_until(bench.clock.t + 10)
    bench.storage.flip_bit(f"file.{info.file_id}.data")
    bench.radio.uplink.append(ground.frame("REQUEST_CHUNKS", {
        "file_id": info.file_id, "first_chunk": 0, "mask0": 1, "mask1": 0, "mask2": 0, "mask3": 0}))
    bench.run_until(bench.clock.t + 30)
    ground.receive(bench.radio.sent)
    assert ground.responses(3)[-1] == ("FAILED", 17)
    assert bench.fsw.transfer.pending == {}


def test_a_day_of_housekeeping_comes_down_as_a_log_file_over_a_lossy_link():
    from picodragon.dictionary.packets import decode_telemetry

    bench = make_bench(bench_config(auth_key=KEY))
    bench.run_until(T0 + 86400)
    ground = Ground()
    bench.radio.uplink.append(ground.frame("SAVE_HOUSEKEEPING_LOG", {"since": 0, "max_packets": 3000}))
    bench.run_until(bench.clock.t + 10)
    (info,) = bench.fsw.files.list()
    assert info.kind == 2
    fetch_file(bench, ground, LossyLink(0.2, seed=3), info.file_id, passes=12)
    assert ground.file_ok(info.file_id)
    log, packets = ground.files[info.file_id].data(), []
    while log:
        n = int.from_bytes(log[:2], "big")
        packets.append(decode_telemetry(log[2 : 2 + n]))
        log = log[2 + n :]
    hk = [p for p in packets if p.name == "HOUSEKEEPING"]
    assert len(hk) >= 1380 and {p.name for p in packets} == {"HOUSEKEEPING", "ADCS"}
    chunks = int(ground.directory[info.file_id]["chunk_count"])
    assert chunks < len(packets) / 3  # several packets a frame, unlike a dump

"""Seven simulated days under random faults: sensor faults, resets, watchdog stalls, flash bit
flips (random and from wear), a full flash, a transmitter that fails, low battery, a failing
camera, on-board clock jumps (which the ground measures and corrects with ADJUST_TIME), a lossy
link. Afterwards the software must still beacon and accept
commands, and no corrupted file may ever have been reported valid, on board or on the ground."""

from __future__ import annotations

import random
import zlib

import pytest

from picodragon.fsw.hal import PowerReading
from tests.fsw.fakes import T0, bench_config, make_bench
from tests.fsw.ground import KEY, Ground, LossyLink

DAY = 86400.0
PASS_EVERY_S = 6 * 3600.0
PASS_S = 600.0


class Campaign:
    """The fault injector, the ground and the invariants of one seven-day run."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.bench = make_bench(bench_config(auth_key=KEY, filestore_capacity_bytes=150_000))
        self.bench.camera.size = 8_000
        # a worn flash: past 60 writes of a block, one write in 50 lands with a bit flipped
        self.bench.storage.wear_limit = 60
        self.bench.storage.worn_flip_probability = 0.02
        self.ground = Ground()
        self.link = LossyLink(0.2, seed)
        self.originals: dict[int, int] = {}  # CRC-32 of every image the camera ever produced
        self.faults: list[tuple[float, str]] = []
        self.cleanups: list[tuple[float, object]] = []
        self.safe_recoveries = 0
        self.heard_at: list[tuple[float, bytes]] = []
        self.corrections = 0

    # --- faults ------------------------------------------------------------------------------

    def inject(self, now: float) -> None:
        b, rng = self.bench, self.rng
        kind = rng.choice(["stuck_temperature", "dead_gyro", "stuck_power", "reset", "stall",
                           "bit_flip", "bit_flip", "low_battery", "camera_broken", "clock_jump",
                           "flash_full", "radio_fault"])
        self.faults.append((now, kind))
        until = now + rng.uniform(1800, 4 * 3600)
        if kind == "stuck_temperature":
            sensor = rng.choice(b.temperatures)
            sensor.stuck_at = sensor.read_c()
            self.cleanups.append((until, lambda s=sensor: setattr(s, "stuck_at", None)))
        elif kind == "dead_gyro":
            b.gyro.stuck_at = (float("nan"),) * 3
            self.cleanups.append((until, lambda: setattr(b.gyro, "stuck_at", None)))
        elif kind == "stuck_power":
            b.power.stuck = PowerReading(7.7, 0.1, 0.75, 1.0, 1.0)
            self.cleanups.append((until, lambda: setattr(b.power, "stuck", None)))
        elif kind == "reset":
            b.power_cycle()
        elif kind == "stall":
            rng.choice([b.fsw.modes, b.fsw.housekeeping]).stalled = True
        elif kind == "bit_flip":
            for _ in range(rng.randint(1, 3)):
                b.storage.flip_bit()
        elif kind == "low_battery":
            b.power.voltage, b.power.soc = 6.6, 0.15
            self.cleanups.append((until, lambda: (setattr(b.power, "voltage", 7.8),
                                                  setattr(b.power, "soc", 0.8))))
        elif kind == "clock_jump":  # an RTC upset: the on-board clock is suddenly wrong
            b.clock.offset += rng.choice([-1, 1]) * rng.uniform(30, 1800)
        elif kind == "flash_full":  # every write fails until cleared
            b.storage.capacity_bytes = 0
            self.cleanups.append((until, lambda: setattr(b.storage, "capacity_bytes", None)))
        elif kind == "radio_fault":  # the transmitter's driver raises
            b.radio.failing = True
            self.cleanups.append((until, lambda: setattr(b.radio, "failing", False)))
        elif kind == "camera_broken":
            b.camera.broken = True
            self.cleanups.append((until, lambda: setattr(b.camera, "broken", False)))

    def clean(self, now: float) -> None:
        for item in [c for c in self.cleanups if c[0] <= now]:
            self.cleanups.remove(item)
            item[1]()

    # --- invariants ---------------------------------------------------------------------------

    def record_camera(self) -> None:
        camera = self.bench.camera
        while len(self.originals) < len(camera.produced):
            data = camera.produced[len(self.originals)]
            self.originals[len(self.originals)] = zlib.crc32(data)

    def check_store(self) -> None:
        """On board: a file listed valid holds exactly an image the camera produced."""
        self.record_camera()
        known = set(self.originals.values())
        for info in self.bench.fsw.files.list():
            if info.valid:
                data = self.bench.fsw.files.read(info.file_id)
                assert zlib.crc32(data) in known and zlib.crc32(data) == info.crc32

    # --- passes -------------------------------------------------------------------------------

    def uplink(self, frame: bytes) -> None:
        if self.link.passes():
            self.bench.radio.uplink.append(frame)

    def downlink(self, los: float) -> None:
        b, g = self.bench, self.ground
        new = [f for f in b.radio.sent[g.seen :] if f[0] <= los and self.link.passes()]
        g.seen = len(b.radio.sent)
        g.digest(new)
        self.heard_at += [(t, raw) for t, raw in new]

    def clock_error(self, since: float) -> float | None:
        """The on-board clock's error as the ground sees it: the time stamp of the last
        housekeeping beacon heard since ``since`` minus the time it was heard (its queueing
        delay is small)."""
        from picodragon.dictionary.packets import decode_telemetry
        from picodragon.link import ax25

        for heard, raw in reversed(self.heard_at[-50:]):
            if heard < since:
                return None
            packet = decode_telemetry(ax25.decode(raw).info)
            if getattr(packet, "name", "") == "HOUSEKEEPING":
                return packet.unix_s - heard
        return None

    def run_pass(self, aos: float) -> None:
        b, g = self.bench, self.ground
        g.seen = len(b.radio.sent)
        los = aos + PASS_S
        self.uplink(g.frame("LIST_FILES"))
        self.uplink(g.frame("CAPTURE_IMAGE", {"at_time": 0}))
        hk = g.named("HOUSEKEEPING")
        if hk and hk[-1].values["mode"] == 5:  # the operators bring it out of SAFE
            self.uplink(g.frame("SET_MODE", {"mode": 2}))
            self.safe_recoveries += 1

        t = aos
        corrected = False
        while t < los:
            error = self.clock_error(since=aos)
            if not corrected and error is not None and abs(error) > 5.0:  # correct the clock
                self.uplink(g.frame("ADJUST_TIME", {"offset_ms": int(-error * 1000)}))
                self.corrections += 1
                corrected = True
            wanted = [fid for fid, e in g.directory.items()
                      if e["valid"] == 1 and not g.file_ok(fid)]
            if wanted:
                fid = wanted[0]
                entry = g.files.get(fid)
                if entry is None:
                    self.uplink(g.frame("DOWNLINK_FILE", {"file_id": fid}))
                else:
                    for r in g.requests_for(fid)[:1]:
                        self.uplink(g.frame("REQUEST_CHUNKS", r))
            else:
                self.uplink(g.frame("NOOP"))
            t += 60
            self.step_to(t)
            self.downlink(los)

    def step_to(self, t_end: float) -> None:
        self.bench.run_until(t_end)

    def run(self, days: float) -> None:
        b = self.bench
        b.run_until(T0 + 2400)
        t = b.clock.t
        next_fault = t + self.rng.uniform(3600, 3 * 3600)
        next_pass = t + PASS_EVERY_S / 2
        end = T0 + days * DAY
        while t < end:
            t = min(next_fault, next_pass, end, *(c[0] for c in self.cleanups))
            self.step_to(t)
            self.clean(t)
            if t >= next_fault:
                self.inject(t)
                next_fault = t + self.rng.uniform(1800, 4 * 3600)
            if t >= next_pass:
                self.run_pass(t)
                t = b.clock.t
                next_pass += PASS_EVERY_S
            self.check_store()
        for _, cleanup in self.cleanups:
            cleanup()
        self.cleanups.clear()


@pytest.mark.slow
def test_seven_days_of_random_faults():
    check_campaign(seed=2013)


def check_campaign(seed: int) -> None:
    """Run seven faulty days and check the invariants (other seeds: call this directly)."""
    campaign = Campaign(seed)
    campaign.run(days=7)
    b, g = campaign.bench, campaign.ground
    kinds = {k for _, k in campaign.faults}
    assert {"reset", "stall", "bit_flip", "low_battery", "flash_full", "radio_fault"} <= kinds
    assert b.fsw.resets + b.fsw.params.boot_count > 3

    # still beaconing: a quiet hour with the faults cleared
    end = b.clock.t
    b.run_until(end + 3600)
    recent = [t for t, _ in b.radio.sent if t > end + 1800]
    assert len(recent) >= 25

    # still accepting commands, and the clock can be put right
    g.seen = len(b.radio.sent)
    b.radio.uplink.append(g.frame("NOOP"))
    b.run_until(b.clock.t + 30)
    g.receive(b.radio.sent)
    assert g.responses(g.counter)[-1] == ("COMPLETED", 0)
    campaign.heard_at = list(b.radio.sent[-20:])
    error = campaign.clock_error(since=end)
    b.radio.uplink.append(g.frame("ADJUST_TIME", {"offset_ms": int(-error * 1000)}))
    b.run_until(b.clock.t + 30)
    assert abs(b.clock.offset) < 10.0

    # no corrupted file ever reported valid: every valid listing matches a camera image, and
    # every file the ground completed from chunks matches the listing's CRC
    campaign.record_camera()
    known = set(campaign.originals.values())
    entries = g.named("FILE_ENTRY")
    assert entries and b.camera.produced
    for entry in entries:
        if entry.values["valid"] == 1:
            assert int(entry.values["crc32"]) in known
    completed = [fid for fid in g.files if g.file_ok(fid)]
    assert completed, "the ground fetched no file in seven days"
    for fid in completed:
        assert zlib.crc32(g.files[fid].data()) in known

"""Scripted device fakes satisfying the HAL protocols, and a small event-driven runner.

Each fake is as dumb as possible and fully controllable from a test: values are attributes a
test sets (or functions of time), every action is recorded. Readings carry a little noise, as
a real ADC's do, so the stuck-sensor check does not flag them.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from picodragon.fsw import FlightSoftware, FswConfig
from picodragon.fsw.hal import Hal, PositionFix, PowerReading
from tests.fsw.identity import BEACON_TEXT, GROUND_CALLSIGN, SPACECRAFT_CALLSIGN

T0 = 1_384_863_420.0  # 2013-11-19T12:17:00Z, the ejection


def bench_config(**overrides: object) -> FswConfig:
    """The flight software's parameters on the bench: the reference mission's callsigns and
    beacon text, and whatever a test overrides."""
    values: dict[str, object] = {"callsign": SPACECRAFT_CALLSIGN,
                                 "ground_callsign": GROUND_CALLSIGN, "beacon_text": BEACON_TEXT}
    values.update(overrides)
    return FswConfig(**values)  # type: ignore[arg-type]


class FakeClock:
    """True time ``t`` (the test's), read by the on-board clock with an ``offset`` (its error),
    which ADJUST_TIME corrects through ``set_time``."""

    def __init__(self, t: float = T0) -> None:
        self.t = t
        self.offset = 0.0

    def now(self) -> float:
        return self.t + self.offset

    def set_time(self, unix_s: float) -> None:
        self.offset = unix_s - self.t


class FakeRadio:
    """Records every frame offered while keyed on; an uplink queue the test fills."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.enabled = True
        self.sent: list[tuple[float, bytes]] = []
        self.offered_while_disabled = 0
        self.uplink: deque[bytes] = deque()
        self.enable_log: list[tuple[float, bool]] = []
        self.failing = False
        """fault hook: transmit() raises"""

    def transmit(self, frame: bytes) -> None:
        if self.failing:
            raise OSError("transmitter does not answer")
        if self.enabled:
            self.sent.append((self.clock.t, bytes(frame)))  # true time: when the ground hears it
        else:
            self.offered_while_disabled += 1

    def receive(self) -> bytes | None:
        return self.uplink.popleft() if self.uplink else None

    def set_enabled(self, enabled: bool) -> None:
        self.enabled = enabled
        self.enable_log.append((self.clock.t, enabled))


class FakePower:
    """A power system whose values the test sets (or a function of time sets)."""

    def __init__(self, clock: FakeClock, seed: int = 1) -> None:
        self.clock = clock
        self.voltage = 7.8
        self.soc = 0.8
        self.current = 0.1
        self.solar = 1.5
        self.bus = 1.0
        self.charge_inhibited = False
        self.charge_phase: int | None = None
        self.rng = random.Random(seed)
        self.script: Callable[[FakePower, float], None] | None = None
        self.stuck: PowerReading | None = None

    def read(self) -> PowerReading:
        if self.stuck is not None:
            return self.stuck
        if self.script is not None:
            self.script(self, self.clock.t)
        n = self.rng.gauss
        return PowerReading(self.voltage + n(0, 0.003), self.current + n(0, 0.002), self.soc,
                            self.solar, self.bus, self.charge_inhibited, self.charge_phase)


class FakeTemperature:
    def __init__(self, location: str, value: float, seed: int = 2) -> None:
        self._location = location
        self.value = value
        self.stuck_at: float | None = None
        self.rng = random.Random(seed)

    @property
    def location(self) -> str:
        return self._location

    def read_c(self) -> float:
        if self.stuck_at is not None:
            return self.stuck_at
        return self.value + self.rng.gauss(0, 0.05)


class FakeSwitches:
    def __init__(self) -> None:
        self.loads: dict[str, bool] = {}
        self.log: list[tuple[str, bool]] = []

    def set_load(self, name: str, on: bool) -> None:
        self.loads[name] = on
        self.log.append((name, on))

    def is_on(self, name: str) -> bool:
        return self.loads.get(name, False)


class FlashStorage:
    """Non-volatile storage with a capacity, wear and a bit-flip fault hook.

    Wear: once a key has been written ``wear_limit`` times, each further write of it lands
    with one bit flipped with probability ``worn_flip_probability`` (a worn-out block).
    """

    def __init__(self, seed: int = 3, capacity_bytes: int | None = None,
                 wear_limit: int | None = None, worn_flip_probability: float = 0.0) -> None:
        self.blobs: dict[str, bytearray] = {}
        self.writes: dict[str, int] = {}
        self.rng = random.Random(seed)
        self.capacity_bytes = capacity_bytes
        self.wear_limit = wear_limit
        self.worn_flip_probability = worn_flip_probability
        self.worn_flips = 0
        self.last_written: list[str] = []

    def read(self, key: str) -> bytes | None:
        blob = self.blobs.get(key)
        return None if blob is None else bytes(blob)

    def write(self, key: str, data: bytes) -> None:
        if self.capacity_bytes is not None:
            used = sum(len(b) for k, b in self.blobs.items() if k != key)
            if used + len(data) > self.capacity_bytes:
                raise OSError(f"flash full: {used + len(data)} > {self.capacity_bytes} bytes")
        self.blobs[key] = bytearray(data)
        self.writes[key] = self.writes.get(key, 0) + 1
        self.last_written.append(key)
        del self.last_written[:-64]
        worn = self.wear_limit is not None and self.writes[key] > self.wear_limit
        if worn and data and self.rng.random() < self.worn_flip_probability:
            self.worn_flips += 1
            self.flip_bit(key)

    def delete(self, key: str) -> None:
        self.blobs.pop(key, None)

    def keys(self) -> list[str]:
        return list(self.blobs)

    def flip_bit(self, key: str | None = None) -> str | None:
        """Flip one random bit of ``key`` (a random non-empty blob if None); returns the key."""
        keys = [k for k, v in self.blobs.items() if v] if key is None else [key]
        if not keys:
            return None
        key = self.rng.choice(sorted(keys))
        blob = self.blobs[key]
        i = self.rng.randrange(len(blob) * 8)
        blob[i // 8] ^= 1 << (i % 8)
        return key


class FakeCamera:
    def __init__(self, clock: FakeClock, size: int = 6000, seed: int = 4) -> None:
        self.clock = clock
        self.size = size
        self.rng = random.Random(seed)
        self.captures: list[float] = []
        self.produced: list[bytes] = []
        self.broken = False

    def capture(self) -> bytes | None:
        if self.broken:
            return None
        self.captures.append(self.clock.t)  # true time, whatever the on-board clock says
        body = self.rng.randbytes(self.size)
        image = b"\xff\xd8\xff\xe0" + body + b"\xff\xd9"
        self.produced.append(image)
        return image


class FakeAntenna:
    def __init__(self, clock: FakeClock, burns_needed: int = 1) -> None:
        self.clock = clock
        self.burns_needed = burns_needed
        self.burns: list[float] = []

    def burn(self, duration_s: float) -> None:
        self.burns.append(self.clock.t)

    def switch_closed(self) -> bool:
        return len(self.burns) < self.burns_needed


class FakeVector:
    """A magnetometer or gyro: a fixed vector plus noise, or stuck."""

    def __init__(self, value: tuple[float, float, float], sigma: float, seed: int = 5) -> None:
        self.value = value
        self.sigma = sigma
        self.stuck_at: tuple[float, float, float] | None = None
        self.rng = random.Random(seed)

    def _read(self) -> tuple[float, float, float]:
        if self.stuck_at is not None:
            return self.stuck_at
        x, y, z = self.value
        g = self.rng.gauss
        return (x + g(0, self.sigma), y + g(0, self.sigma), z + g(0, self.sigma))

    read_t = _read
    read_rad_s = _read


class FakePosition:
    def read(self) -> PositionFix | None:
        return PositionFix(21.05, 105.8, 410_000.0)


class FakeAttitude:
    def read_quaternion(self) -> tuple[float, float, float, float] | None:
        return (0.5, 0.5, -0.5, 0.5)


class FakeCw:
    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.enabled = True
        self.sent: list[tuple[float, str]] = []

    def send(self, text: str, wpm: float) -> None:
        if self.enabled:
            self.sent.append((self.clock.t, text))

    def set_enabled(self, enabled: bool) -> None:
        self.enabled = enabled


class FakeWatchdog:
    """A hardware watchdog: ``expired`` once not kicked for ``timeout_s`` (the bench then
    power-cycles the computer, as the real one would)."""

    def __init__(self, clock: FakeClock, timeout_s: float = 120.0) -> None:
        self.clock = clock  # counts true time (its own oscillator), not the on-board clock
        self.timeout_s = timeout_s
        self.kicks = 0
        self.last_kick = clock.t
        self.resets = 0

    def kick(self) -> None:
        self.kicks += 1
        self.last_kick = self.clock.t

    def expired(self) -> bool:
        return self.clock.t - self.last_kick > self.timeout_s


@dataclass
class Bench:
    """A flight software over fakes, and the fakes, for one test."""

    clock: FakeClock
    radio: FakeRadio
    power: FakePower
    temperatures: list[FakeTemperature]
    switches: FakeSwitches
    storage: FlashStorage
    camera: FakeCamera
    antenna: FakeAntenna
    gyro: FakeVector
    magnetometer: FakeVector
    cw: FakeCw
    watchdog: FakeWatchdog
    config: FswConfig
    position: FakePosition | None = None
    attitude: FakeAttitude | None = None
    fsw: FlightSoftware = field(init=False)
    steps: int = 0

    def __post_init__(self) -> None:
        self.fsw = FlightSoftware(self.hal(), self.config)

    def hal(self) -> Hal:
        return Hal(
            clock=self.clock, radio=self.radio, power=self.power,
            temperatures=list(self.temperatures), switches=self.switches, storage=self.storage,
            camera=self.camera, magnetometer=self.magnetometer, gyro=self.gyro, cw=self.cw,
            antenna=self.antenna, watchdog=self.watchdog, position=self.position,
            attitude=self.attitude,
        )

    def power_cycle(self) -> None:
        """A hard reset: a new software instance over the same devices and storage."""
        self.fsw = FlightSoftware(self.hal(), self.config)
        self.watchdog.last_kick = self.clock.t
        self.fsw.boot()

    def run_until(self, t_end: float, on_step: Callable[[Bench], None] | None = None,
                  max_dt: float | None = None) -> None:
        """Advance the clock event by event (as the mission runner does) up to ``t_end``."""
        if not self.fsw.booted:
            self.fsw.boot()
        stuck = 0
        while True:
            if self.watchdog.expired():
                self.watchdog.resets += 1
                self.power_cycle()
            wanted = self.fsw.step()
            self.steps += 1
            if on_step is not None:
                on_step(self)
            nxt = min(wanted - self.clock.offset, t_end)  # on-board time to true time
            if max_dt is not None:
                nxt = min(nxt, self.clock.t + max_dt)
            if self.radio.uplink:
                nxt = self.clock.t  # a frame arrived: step at once
            if self.clock.t >= t_end:
                return
            stuck = stuck + 1 if nxt <= self.clock.t else 0
            if stuck > 1000:
                raise RuntimeError(f"the flight software keeps asking for t={nxt} at {self.clock.t}")
            self.clock.t = max(nxt, self.clock.t)


def make_bench(config: FswConfig | None = None, **overrides: object) -> Bench:
    clock = FakeClock()
    bench = Bench(
        clock=clock,
        radio=FakeRadio(clock),
        power=FakePower(clock),
        temperatures=[FakeTemperature("obc", 20.0, 11), FakeTemperature("battery", 15.0, 12)],
        switches=FakeSwitches(),
        storage=FlashStorage(),
        camera=FakeCamera(clock),
        antenna=FakeAntenna(clock),
        gyro=FakeVector((0.01, -0.01, 0.005), 1e-4, 6),
        magnetometer=FakeVector((2e-5, -1e-5, 3e-5), 1e-8, 7),
        cw=FakeCw(clock),
        watchdog=FakeWatchdog(clock),
        config=config or bench_config(**overrides),
    )
    return bench

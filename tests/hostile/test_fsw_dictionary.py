"""Hostile input to the dictionary's decoders and the flight software's uplink (issue 11).

Every property runs with the standing suite's case count (``@hostile``: 3,000 by default).
Promises kept on every case: the decoders never raise (a typed Rejection instead); only the
exact signed bytes of a telecommand verify, so a mutated one is never executed; the flight
software fed arbitrary frames never resets and stores at most one summary event an interval
for all of it. Plus the time-tag range at each layer: the ground's queue, the web's commander
and the command line refuse a tag the CUC cannot carry (issue 11, finding 4).
"""

from __future__ import annotations

import json
import math
import random
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from picodragon.dictionary.files import (
    MAX_CHUNK_DATA,
    FileChunk,
    decode_downlink,
    decode_file_chunk,
    pack_file_chunk,
)
from picodragon.dictionary.packets import (
    PACKETS_BY_NAME,
    Rejection,
    SpacePacket,
    TelemetryPacket,
    decode_telemetry,
    parse_space_packet,
    space_packet,
)
from picodragon.dictionary.telecommand import (
    COMMANDS,
    CommandRejection,
    Telecommand,
    decode_telecommand,
    encode_telecommand,
)
from picodragon.fsw.commanding import Commanding
from picodragon.fsw.events import Sequencer
from picodragon.fsw.params import PersistentParams
from picodragon.fsw.scheduler import Scheduler
from picodragon.link import ax25
from picodragon.link.auth import CommandSigner, CommandVerifier
from tests.fsw.fakes import T0, FlashStorage, bench_config, make_bench
from tests.hostile.fuzz import hostile

KEY = b"hostile-suite-uplink-key-0123456789"
T = 1_400_000_000.0
Y1999 = datetime(1999, 6, 1, tzinfo=UTC).timestamp()
Y2137 = datetime(2137, 1, 1, tzinfo=UTC).timestamp()


def mutate(data: bytes, seed: int) -> bytes:
    """``data`` with a bit flipped, octets replaced, cut short, extended, or octets inserted
    (which, where and what drawn from ``seed``); never ``data`` itself."""
    rng = random.Random(seed)
    n = len(data)
    kind = rng.randrange(5)
    at = rng.randrange(n) if n else 0
    extra = rng.randbytes(rng.randint(1, 8))
    if kind == 0:
        bit = rng.randrange(8)
        out = data[:at] + bytes([data[at] ^ (1 << bit)]) + data[at + 1 :]
    elif kind == 1:
        out = data[:at] + extra + data[at + len(extra) :]
    elif kind == 2:
        out = data[:at]
    elif kind == 3:
        out = data + rng.randbytes(rng.randint(1, 64))
    else:
        out = data[:at] + extra + data[at:]
    return out if out != data else data[:-1]


SEEDS = st.integers(0, 2**32 - 1)


# --- telemetry space packets -----------------------------------------------------------------

def valid_telemetry(seed: int) -> bytes:
    """A valid telemetry packet of any kind, its values drawn at random (raw codes)."""
    rng = random.Random(seed)
    packet = PACKETS_BY_NAME[sorted(PACKETS_BY_NAME)[rng.randrange(len(PACKETS_BY_NAME))]]
    payload = rng.randbytes(packet.size)
    return space_packet(packet.apid, rng.randrange(0x4000), T + rng.uniform(0, 1e8), payload)


@hostile
@given(st.binary(max_size=300))
def test_telemetry_decoding_of_arbitrary_bytes_never_raises(data):
    assert isinstance(parse_space_packet(data), SpacePacket | Rejection)
    assert isinstance(decode_telemetry(data), TelemetryPacket | Rejection)


@hostile
@given(SEEDS, SEEDS)
def test_telemetry_decoding_of_mutated_packets_never_raises(packet_seed, mutation_seed):
    data = mutate(valid_telemetry(packet_seed), mutation_seed)
    decoded = decode_telemetry(data)
    assert isinstance(decoded, TelemetryPacket | Rejection)
    if isinstance(decoded, TelemetryPacket):  # a flip inside a value: still a whole packet
        assert decoded.name in PACKETS_BY_NAME and len(data) == 12 + PACKETS_BY_NAME[decoded.name].size
        decoded.time  # noqa: B018  (every decodable stamp is a datetime)


# --- telecommands ----------------------------------------------------------------------------

def signed_command(seed: int) -> tuple:
    """A valid (command, arguments, counter, execute_at) drawn from ``seed``: every command of
    the dictionary, arguments anywhere in their declared ranges."""
    rng = random.Random(seed)
    command = COMMANDS[rng.randrange(len(COMMANDS))]
    arguments = {}
    for f in command.arguments:
        lo, hi = sorted(f.from_raw(r) for r in f.raw_range())
        lo = max(lo, f.minimum) if f.minimum is not None else lo
        hi = min(hi, f.maximum) if f.maximum is not None else hi
        if f.enum:
            arguments[f.name] = float(rng.choice(sorted(k for k in f.enum if lo <= k <= hi)))
        else:
            arguments[f.name] = float(rng.randint(math.ceil(lo), math.floor(hi)))
    execute_at = None if rng.random() < 0.5 else T + rng.uniform(0, 1e8)
    return command, arguments, rng.randrange(1000), execute_at


def sign(command, arguments, counter, execute_at) -> bytes:
    return encode_telecommand(command, arguments, CommandSigner(KEY, counter=counter),
                              execute_at=execute_at)


@hostile
@given(st.binary(max_size=300))
def test_telecommand_decoding_of_arbitrary_bytes_never_raises_never_accepts(data):
    result = decode_telecommand(data, CommandVerifier({0: KEY}))
    assert isinstance(result, CommandRejection)
    assert isinstance(decode_telecommand(data, None), CommandRejection)


@hostile
@given(SEEDS, SEEDS)
def test_only_the_exact_signed_bytes_verify(command_seed, mutation_seed):
    command, arguments, counter, execute_at = signed_command(command_seed)
    good = sign(command, arguments, counter, execute_at)
    data = mutate(good, mutation_seed)
    verifier = CommandVerifier({0: KEY})
    assert isinstance(decode_telecommand(data, verifier), CommandRejection)
    accepted = decode_telecommand(good, verifier)  # the original still verifies afterwards
    assert isinstance(accepted, Telecommand) and accepted.name == command.name


class Dispatcher:
    """The flight software's commanding component alone, every handler a recorder."""

    def __init__(self) -> None:
        self.ran: list[str] = []
        self.events: list[tuple[str, bool]] = []
        self.storage = FlashStorage()
        self.scheduler = Scheduler()
        self.commanding = Commanding(
            KEY, PersistentParams(), lambda: None, self.scheduler, self.storage, Sequencer(),
            self._emit, capacity=32, window_size=64)
        self.commanding.handlers = {c.name: self._handler(c.name) for c in COMMANDS}
        self.out: list[bytes] = []
        self.commanding.responses_out.connect(self.out.append)
        self.commanding.realtime_out.connect(self.out.append)

    def _handler(self, name):
        def run(now, arguments):
            self.ran.append(name)
            return 0
        return run

    def _emit(self, now, name, arg0=0, arg1=0, *, persist=True):
        self.events.append((name, persist))


@hostile
@given(SEEDS, SEEDS)
def test_the_dispatcher_never_executes_or_schedules_a_mutated_command(command_seed, mutation_seed):
    command, arguments, counter, execute_at = signed_command(command_seed)
    good = sign(command, arguments, counter, execute_at)
    d = Dispatcher()
    d.commanding.handle(mutate(good, mutation_seed), T)
    assert d.ran == [] and d.commanding.schedule == [] and d.commanding.received == 0
    assert all(not persist for name, persist in d.events)  # nothing stored per refused frame
    d.commanding.handle(good, T)
    assert d.commanding.received == 1


# --- file chunks and entries -----------------------------------------------------------------

@hostile
@given(st.binary(max_size=300))
def test_file_chunk_and_entry_decoding_of_arbitrary_bytes_never_raises(data):
    chunk = decode_file_chunk(data)
    assert isinstance(chunk, FileChunk | Rejection)
    if isinstance(chunk, FileChunk):
        assert len(chunk.data) <= MAX_CHUNK_DATA and chunk.chunk < chunk.chunk_count
    assert isinstance(decode_downlink(data), FileChunk | TelemetryPacket | Rejection)


def valid_chunk(seed: int) -> bytes:
    rng = random.Random(seed)
    count = rng.randint(1, 0xFFFF)
    return pack_file_chunk(rng.randrange(0x10000), rng.randrange(count), count,
                           rng.randbytes(rng.randint(0, MAX_CHUNK_DATA)), T, rng.randrange(0x4000))


@hostile
@given(st.booleans(), SEEDS, SEEDS)
def test_file_chunk_and_entry_decoding_of_mutated_packets_never_raises(chunk, packet_seed, mutation_seed):
    valid = valid_chunk(packet_seed) if chunk else valid_telemetry(packet_seed)
    data = mutate(valid, mutation_seed)
    decoded = decode_downlink(data)
    assert isinstance(decoded, FileChunk | TelemetryPacket | Rejection)
    if isinstance(decoded, FileChunk):
        assert len(decoded.data) <= MAX_CHUNK_DATA and decoded.chunk < decoded.chunk_count


# --- the flight software's uplink ------------------------------------------------------------

US, GROUND = ax25.Address("XV9PID"), ax25.Address("VNSC")
_BENCH: list = []


def uplink_bench():
    """One deployed flight software for the whole property (its state carries across cases,
    as a spacecraft's would across a night of junk)."""
    if not _BENCH:
        bench = make_bench(bench_config(auth_key=KEY))
        bench.run_until(T0 + 2000)
        _BENCH.append((bench, bench.clock.t, _event_writes(bench.storage)))
    return _BENCH[0]


def _event_writes(storage: FlashStorage) -> int:
    return sum(n for k, n in storage.writes.items() if k.startswith("events."))


def hostile_frame(seed: int) -> bytes:
    """Arbitrary bytes, a frame to us with an arbitrary or a mutated signed telecommand, a frame
    for another station, or one over 256 octets."""
    rng = random.Random(seed)
    kind = rng.randrange(5)
    if kind == 0:
        return rng.randbytes(rng.randint(0, 400))
    if kind == 1:
        return ax25.encode(ax25.Frame(US, GROUND, info=rng.randbytes(rng.randint(0, 256))))
    if kind == 2:
        info = mutate(sign(*signed_command(seed)), seed)[:256]
        return ax25.encode(ax25.Frame(US, GROUND, info=info))
    if kind == 3:
        return ax25.encode(ax25.Frame(ax25.Address("N0CALL"), GROUND, info=rng.randbytes(20)))
    return ax25.encode(ax25.Frame(US, GROUND)) + rng.randbytes(rng.randint(257, 400))


frames = st.one_of(st.binary(max_size=400), SEEDS.map(hostile_frame))


@hostile
@given(st.lists(frames, min_size=1, max_size=4))
def test_the_uplink_handler_never_fails_and_stores_one_summary_an_interval(batch):
    bench, start, writes_at_start = uplink_bench()
    before = bench.fsw.commanding.refused
    bench.radio.uplink.extend(batch)
    bench.run_until(bench.clock.t + 1.0)
    assert bench.fsw.resets == 0 and bench.fsw.commanding.received == 0
    assert bench.fsw.commanding.refused == before + len(batch)
    assert "COMPONENT_FAILURE" not in bench.fsw.events.counts
    intervals = (bench.clock.t - start) / bench.config.refusal_report_interval_s
    assert _event_writes(bench.storage) - writes_at_start <= intervals + 2


# --- the time-tag range at every layer -------------------------------------------------------

@pytest.mark.parametrize("when", [Y1999, Y2137, math.nan])
def test_the_ground_queue_refuses_an_unrepresentable_time_tag(tmp_path, when):
    from picodragon.ground.archive import open_archive
    from picodragon.ground.commanding import CommandError, CommandQueue

    archive = open_archive(tmp_path / "station.sqlite")
    try:
        queue = CommandQueue(archive, KEY)
        with pytest.raises(CommandError, match="time tag"):
            queue.queue("NOOP", {}, now=T, execute_at=when)
        assert queue.queue("NOOP", {}, now=T, execute_at=T + 600).execute_at == T + 600
    finally:
        archive.close()


@pytest.mark.parametrize("when", [Y1999, Y2137])
def test_the_web_commander_refuses_an_unrepresentable_time_tag(tmp_path, when):
    from picodragon.web.commanding import COMMANDS_BY_NAME, Commander, CommandError

    commander = Commander(str(tmp_path / "station.sqlite"), KEY)
    with pytest.raises(CommandError, match="execute_at: time tag"):
        commander.send(COMMANDS_BY_NAME["NOOP"], {}, True, when, now=T)


def test_the_command_line_refuses_an_unrepresentable_time_tag(tmp_path):
    key = tmp_path / "uplink.key"
    key.write_text(KEY.hex())
    db = tmp_path / "station.sqlite"
    result = subprocess.run(
        [sys.executable, "-m", "picodragon.cli", "command", "NOOP", "--at", "1999-12-31T23:00:00Z",
         "--key-file", str(key), "--db", str(db)],
        capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "time tag" in lines[0], result.stderr
    assert not db.exists()
    json.dumps(lines)  # one printable line

"""The station runs its passes itself (``run_station(auto=True)``, ``station --auto``): against an
in-process fake spacecraft over KISS TCP on 127.0.0.1 it lists the files, downloads an image
whose first pass lost chunks, and completes it in the next pass by gap requests alone."""

from __future__ import annotations

import asyncio
import time
import zlib
from datetime import UTC, datetime, timedelta

from picodragon.dictionary import pack_telemetry
from picodragon.dictionary.files import chunk_count, pack_file_chunk, requested_chunks
from picodragon.dictionary.telecommand import CommandRejection, decode_telecommand
from picodragon.ground.archive import open_archive
from picodragon.ground.automation import AutomationSettings, PassAutomation
from picodragon.ground.commanding import CommandQueue, Stage
from picodragon.ground.files import FileAssembler
from picodragon.ground.operations import run_station
from picodragon.ground.passes import find_passes
from picodragon.link import auth, ax25
from picodragon.link.kiss_tcp import KissTcpServer
from tests.ground.helpers import frame_of, hk_frame
from tests.ground.test_files import jpeg
from tests.ground.test_operations import ISS, KEY, STATION

CHUNK = 200
FILE_ID = 7
DROPPED = {2, 5, 6, 11}
"""chunks the first pass loses"""


class FakeSpacecraft:
    """Answers telecommands as the reference flight software would, enough for a download: a
    beacon while in view, ACCEPTED and COMPLETED for each command, the directory for
    LIST_FILES, the chunks for DOWNLINK_FILE (losing ``DROPPED`` the first time) and
    REQUEST_CHUNKS."""

    def __init__(self, server: KissTcpServer, clock, image: bytes) -> None:
        self.server, self.clock, self.image = server, clock, image
        self.count = chunk_count(len(image), CHUNK)
        self.in_view = True
        self.heard: list[str] = []
        self.sequence = 0
        self.verifier = auth.CommandVerifier({0: KEY})
        self.downlinks = 0

    async def send(self, packet: bytes) -> None:
        self.sequence += 1
        await self.server.broadcast(frame_of(packet))

    async def chunks(self, numbers) -> None:
        for i in numbers:
            data = self.image[i * CHUNK:(i + 1) * CHUNK]
            await self.send(pack_file_chunk(FILE_ID, i, self.count, data, self.clock(), self.sequence))

    async def answer(self, payload: bytes) -> None:
        tc = decode_telecommand(ax25.decode(payload).info, self.verifier)
        if isinstance(tc, CommandRejection):
            return
        self.heard.append(tc.name)
        for stage in (0, 1):  # ACCEPTED, COMPLETED
            values = {"counter": tc.counter, "opcode": tc.opcode, "stage": stage, "code": 0}
            await self.send(pack_telemetry("COMMAND_RESPONSE", values, self.clock(), self.sequence))
        if tc.name == "LIST_FILES":
            values = {"index": 0, "count": 1, "file_id": FILE_ID, "kind": 1,
                      "size_bytes": len(self.image), "crc32": zlib.crc32(self.image),
                      "chunk_size": CHUNK, "chunk_count": self.count, "valid": 1,
                      "created_unix": 1.4e9}
            await self.send(pack_telemetry("FILE_ENTRY", values, self.clock(), self.sequence))
        elif tc.name == "DOWNLINK_FILE":
            self.downlinks += 1
            await self.chunks(i for i in range(self.count) if self.downlinks > 1 or i not in DROPPED)
        elif tc.name == "REQUEST_CHUNKS":
            a = tc.arguments
            masks = [int(a[f"mask{k}"]) for k in range(4)]
            await self.chunks(requested_chunks(int(a["first_chunk"]), masks))

    async def run(self, stop: asyncio.Event) -> None:
        beacon = 0
        while not stop.is_set():
            try:
                frame = await asyncio.wait_for(self.server.received.get(), 0.1)
            except TimeoutError:
                frame = None
            if not self.in_view:
                continue
            beacon += 1
            await self.server.broadcast(hk_frame(self.clock(), beacon))
            if frame is not None:
                await self.answer(frame.payload)


async def _until(test, seconds: float) -> bool:
    for _ in range(int(seconds / 0.05)):  # bounded
        if test():
            return True
        await asyncio.sleep(0.05)
    return test()


def test_station_downloads_an_image_with_gaps_by_itself(tmp_path):
    db = str(tmp_path / "auto.sqlite")
    start = datetime(2013, 11, 20, tzinfo=UTC)
    first, second = find_passes(ISS, STATION, start, start + timedelta(days=1))[:2]
    image = jpeg(3)

    async def scenario():
        server = await KissTcpServer().start()
        t0 = time.monotonic()
        base = [first.aos.timestamp() + 10.0]

        def clock() -> float:
            return base[0] + time.monotonic() - t0

        stop = asyncio.Event()
        craft = FakeSpacecraft(server, clock, image)
        craft_task = asyncio.create_task(craft.run(stop))
        run = asyncio.create_task(run_station(
            kiss=f"127.0.0.1:{server.port}", element_set=ISS, station=STATION,
            spacecraft_callsign="XV9PID", station_callsign="VNSC", downlink_hz=437.365e6,
            uplink_hz=145.95e6, db=db, key=KEY, duration_s=86400.0, stop=stop, clock=clock,
            tick_s=0.1, auto=True))
        # first pass: the station lists the files and starts the download; four chunks are lost
        assert await _until(lambda: craft.downlinks == 1, 20)
        await asyncio.sleep(0.5)
        # out of view: the fake falls silent and the clock moves past LOS
        craft.in_view = False
        base[0] += first.los.timestamp() + 120.0 - clock()
        await asyncio.sleep(0.6)
        # the next pass: the station asks for the missing chunks alone
        base[0] += second.aos.timestamp() + 10.0 - clock()
        craft.in_view = True
        assert await _until(lambda: "REQUEST_CHUNKS" in craft.heard, 20)
        await asyncio.sleep(0.8)
        stop.set()
        report = await asyncio.wait_for(run, 30)
        await craft_task
        await server.close()
        return report, craft

    report, craft = asyncio.run(scenario())
    assert craft.downlinks == 1  # the file was never fetched whole a second time
    assert craft.heard[:3] == ["DUMP_EVENTS", "DUMP_HOUSEKEEPING", "LIST_FILES"]
    assert "DELETE_FILE" not in craft.heard  # hazardous: the station never frees the flash alone
    assert report.passes_tracked == 2
    with open_archive(db) as archive:
        files = FileAssembler(archive)
        assert files.files[FILE_ID].crc_ok
        assert files.assemble(FILE_ID) == image
        names = [c.name for c in CommandQueue(archive, KEY).history()]
    assert names.count("REQUEST_CHUNKS") == 1 and names.count("DOWNLINK_FILE") == 1


class _Heard:
    """A decoded packet as the automation sees it (the station's Decoded has these fields)."""

    def __init__(self, name: str, t: float, values: dict | None = None) -> None:
        self.source, self.station, self.name = "XV9PID-1", "Hanoi", name
        self.received_unix_s = self.unix_s = t
        self.values = values or {}
        self.chunk = None


def test_automation_keeps_the_contact_alive_and_retries_what_timed_out(tmp_path):
    with open_archive(str(tmp_path / "a.sqlite")) as archive:
        queue = CommandQueue(archive, KEY, ack_timeout_s=30.0)
        auto = PassAutomation(queue, FileAssembler(archive), spacecraft_callsign="XV9PID",
                              settings=AutomationSettings(keepalive_s=60.0, max_tries=2))
        t = 1.4e9
        assert auto.step(t, ["Hanoi"]) is None  # in view but not heard: nothing goes up
        assert not queue.history()
        auto.on_decoded(_Heard("HOUSEKEEPING", t + 1))
        assert auto.step(t + 2, ["Hanoi"]) == "Hanoi"
        assert [c.name for c in queue.pending(Stage.RELEASED)] == ["DUMP_EVENTS", "DUMP_HOUSEKEEPING",
                                                                   "LIST_FILES"]
        sent = queue.uplink(t + 2)
        auto.note_sent(t + 2)
        assert not auto.keepalive_due(t + 30)
        assert auto.keepalive_due(t + 62)
        # nobody answered: each is tried once more (max_tries 2), then given up
        auto.on_decoded(_Heard("HOUSEKEEPING", t + 60))
        auto.note_timed_out(queue.check_timeouts(t + 40))
        auto.step(t + 61, ["Hanoi"])
        retried = queue.pending(Stage.RELEASED)
        assert [c.name for c in retried] == [c.name for c in sent]
        queue.uplink(t + 61)
        auto.on_decoded(_Heard("HOUSEKEEPING", t + 100))
        auto.note_timed_out(queue.check_timeouts(t + 100))
        auto.step(t + 101, ["Hanoi"])
        assert not queue.pending(Stage.RELEASED)
        # the contact ends; the next one dumps the housekeeping since the last packet heard
        assert auto.step(t + 700, []) is None
        auto.on_decoded(_Heard("HOUSEKEEPING", t + 6000))
        auto.step(t + 6001, ["Hanoi"])
        dump = [c for c in queue.pending(Stage.RELEASED) if c.name == "DUMP_HOUSEKEEPING"]
        assert dump and dump[0].arguments["since"] > 0

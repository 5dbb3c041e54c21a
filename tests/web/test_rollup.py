"""Server-side downsampling: rollups agree with the raw rows, follow new and late data."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from picodragon.ground.archive import open_archive
from picodragon.web.db import Database
from picodragon.web.queries import Queries
from picodragon.web.rollup import Series, fold
from tests.web.fixtures import T0, hk_values, receive_housekeeping

POINT = "HOUSEKEEPING.obc_temperature_c"


def write(db: str, times, temps, received: float | None = None) -> None:
    archive = open_archive(db)
    try:
        with archive.batch():
            for i, (t, v) in enumerate(zip(times, temps, strict=True)):
                receive_housekeeping(archive, float(t), i, values=hk_values(t, i) | {"obc_temperature_c": float(v)},
                                     received=received)
    finally:
        archive.close()


def check(q: Queries, times, temps, start, end, n):
    """What a chart shows covers every value in the span, and nothing beyond one bucket of it.

    Rollup buckets are aligned to their width, so the buckets at the edges of a span may hold
    values up to one bucket width outside it: the granularity of the downsampled view.
    """
    s = q.series(POINT, start, end, n)
    assert len(s.t) <= n
    slack = s.level_s if s.level_s else 0
    inside = [v for t, v in zip(times, temps, strict=True) if start <= t <= end]
    near = [v for t, v in zip(times, temps, strict=True) if start - slack <= t <= end + slack]
    if inside:
        assert np.nanmin(s.vmin) <= min(inside) + 0.006
        assert np.nanmax(s.vmax) >= max(inside) - 0.006
    if near:
        assert np.nanmin(s.vmin) >= min(near) - 0.006
        assert np.nanmax(s.vmax) <= max(near) + 0.006
    else:
        assert len(s.t) == 0
    assert np.all((s.vmin <= s.mean + 1e-9) & (s.mean <= s.vmax + 1e-9))
    return s


def test_long_spans_read_rollups_and_keep_min_max_mean(tmp_path):
    db = str(tmp_path / "a.sqlite")
    rng = np.random.default_rng(1)
    times = T0 + np.arange(0, 3 * 86400, 20.0)
    temps = np.round(20 + 10 * np.sin(times / 5000) + rng.normal(0, 1, times.size), 2)
    temps[1234] = 70.0  # a spike the operator must see at any zoom
    write(db, times, temps)
    q = Queries(Database(db))
    s = check(q, times, temps, T0, T0 + 3 * 86400, 200)
    assert s.level_s >= 60
    assert np.nanmax(s.vmax) == pytest.approx(70.0, abs=0.01)
    s2 = check(q, times, temps, T0 + 40_000, T0 + 120_000, 300)
    assert s2.level_s >= 60


def test_new_and_late_data_reach_the_rollups(tmp_path):
    db = str(tmp_path / "a.sqlite")
    times = T0 + np.arange(0, 86400, 60.0)
    write(db, times, np.full(times.size, 20.0))
    q = Queries(Database(db))
    span = (T0, T0 + 2 * 86400)
    assert np.nanmax(q.series(POINT, *span, 100).vmax) == pytest.approx(20.0)
    # live: newer data
    write(db, [T0 + 86400 + 30], [33.0])
    q.rollups._last_refresh.clear()
    assert np.nanmax(q.series(POINT, *span, 100).vmax) == pytest.approx(33.0)
    # late: stored history downlinked now, with on-board times hours ago
    write(db, [T0 + 3600 + 7], [-15.0], received=T0 + 86400 + 100)
    q.rollups._last_refresh.clear()
    s = q.series(POINT, *span, 100)
    assert np.nanmin(s.vmin) == pytest.approx(-15.0)
    # even a copy that claims an old reception time (a replayed recording) is seen, by arrival order
    write(db, [T0 + 7200 + 3], [-25.0], received=T0 + 7200 + 3)
    q.rollups._last_refresh.clear()
    assert np.nanmin(q.series(POINT, *span, 100).vmin) == pytest.approx(-25.0)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    offsets=st.lists(st.floats(0, 200_000, allow_nan=False), min_size=1, max_size=60, unique=True),
    start=st.floats(-10_000, 150_000), width=st.floats(25_000, 400_000), n=st.integers(10, 80),
)
def test_downsampled_extremes_match_brute_force(tmp_path_factory, offsets, start, width, n):
    db = str(tmp_path_factory.mktemp("h") / "a.sqlite")
    times = [T0 + round(o, 3) for o in offsets]
    temps = [round(20 + 30 * math.sin(o), 2) for o in offsets]
    write(db, times, temps)
    q = Queries(Database(db))
    check(q, times, temps, T0 + start, T0 + start + width, n)


def test_fold_merges_buckets_by_weight():
    s = Series("p", np.array([0.5, 1.5, 2.5, 3.5]), np.array([1.0, 3.0, 5.0, np.nan]),
               np.array([0.0, 2.0, 4.0, np.nan]), np.array([2.0, 4.0, 6.0, np.nan]), 1)
    s.weights = np.array([1.0, 3.0, 1.0, 0.0])
    f = fold(s, 0.0, 4.0, 2)
    assert list(f.mean) == [pytest.approx((1 + 9) / 4)] + [pytest.approx(5.0)]
    assert list(f.vmin) == [0.0, 4.0] and list(f.vmax) == [4.0, 6.0]


def test_rollups_on_postgresql():
    from tests.web.fixtures import postgres_url

    with postgres_url() as url:
        times = T0 + np.arange(0, 2 * 86400, 120.0)
        temps = np.round(10 * np.cos(times / 7000), 2)
        temps[100] = 99.0
        write(url, times, temps)
        q = Queries(Database(url))
        try:
            s = check(q, times, temps, T0, T0 + 2 * 86400, 100)
            assert s.level_s >= 60 and np.nanmax(s.vmax) == pytest.approx(99.0)
            write(url, [T0 + 500.5], [-40.0], received=T0 + 3 * 86400)
            q.rollups._last_refresh.clear()
            assert np.nanmin(q.series(POINT, T0, T0 + 2 * 86400, 100).vmin) == pytest.approx(-40.0)
        finally:
            q.db.close()

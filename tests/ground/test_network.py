"""The network planner: the same passes as the single-pair finder, whatever the blocks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from picodragon.ground import network
from picodragon.ground.network import NetworkSummary, PassTable, block_shape, plan_network
from picodragon.ground.passes import find_passes
from picodragon.ground.station_file import read_stations
from picodragon.ground.synthetic_network import (
    sun_synchronous_inclination_deg,
    synthetic_catalogue,
    synthetic_stations,
)

START = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def sats():
    return synthetic_catalogue(6, START, seed=4)


@pytest.fixture(scope="module")
def sites():
    return synthetic_stations(4, seed=4)


def _pairs(table: PassTable) -> dict[tuple[str, str], np.ndarray]:
    out: dict[tuple[str, str], list[float]] = {}
    for s, g, a in zip(table.satellite.tolist(), table.station.tolist(), table.aos.tolist(), strict=True):
        out.setdefault((table.satellites[s], table.stations[g]), []).append(a)
    return {k: np.array(v) for k, v in out.items()}


@pytest.mark.parametrize("exact", [False, True])
def test_agrees_with_the_single_pair_finder(sats, sites, exact):
    end = START + timedelta(days=2)
    table = plan_network(sats, sites, START, end, exact=exact)
    assert isinstance(table, PassTable) and len(table) > 50
    by_pair = _pairs(table)
    checked = 0
    for es in sats[:3]:
        for site in sites[:3]:
            ref = find_passes(es, site, START, end)
            mine = by_pair.get((es.name, site.name), np.empty(0))
            assert len(mine) == len(ref), (es.name, site.name)
            rows = np.flatnonzero(
                (np.array(table.satellites)[table.satellite] == es.name)
                & (np.array(table.stations)[table.station] == site.name))
            for p, i in zip(ref, rows, strict=True):
                assert abs(table.aos[i] - p.aos.timestamp()) < 1.0
                assert abs(table.los[i] - p.los.timestamp()) < 1.0
                assert abs(table.tca[i] - p.tca.timestamp()) < 1.0
                assert abs(table.max_elevation_deg[i] - p.max_elevation_deg) < 0.05
                checked += 1
    assert checked > 10


def test_blocks_and_time_chunks_do_not_change_the_plan(sats, sites, monkeypatch):
    end = START + timedelta(days=3)
    whole = plan_network(sats, sites, START, end)
    monkeypatch.setattr(network, "MAX_CHUNK_S", 86400.0 * 0.7)  # chunk edges fall inside passes
    # a budget for one satellite and two stations a block
    step = 5700.0 / network.GRID_PER_ORBIT
    tiny = 2 * ((0.7 * 86400 + 6000) / step + 1) * network.BYTES_PER_CELL / 1e6
    shape = block_shape(len(sats), len(sites), 0.7 * 86400 + 6000, step, tiny)
    assert shape[0] == 1 and shape[1] < len(sites)
    chunked = plan_network(sats, sites, START, end, budget_mb=tiny)
    assert len(chunked) == len(whole)
    assert np.array_equal(chunked.satellite, whole.satellite)
    assert np.array_equal(chunked.station, whole.station)
    for col in ("aos", "tca", "los"):
        assert np.max(np.abs(getattr(chunked, col) - getattr(whole, col))) < 1.0


def test_summary_counts_the_table(sats, sites):
    end = START + timedelta(days=1)
    table = plan_network(sats, sites, START, end)
    summary = plan_network(sats, sites, START, end, summary_only=True)
    assert isinstance(summary, NetworkSummary)
    assert summary.passes == len(table)
    assert summary.passes_per_station.tolist() == np.bincount(table.station, minlength=len(sites)).tolist()
    assert summary.passes_per_satellite.tolist() == np.bincount(table.satellite, minlength=len(sats)).tolist()
    assert summary.to_json()["contact_hours"] == pytest.approx(float(np.sum(table.los - table.aos)) / 3600, abs=0.1)


def test_pass_records_round_trip(sats, sites):
    table = plan_network(sats[:1], sites[:1], START, START + timedelta(days=1))
    records = table.passes()
    assert len(records) == len(table) > 0
    assert records[0].satellite == sats[0].name and records[0].station == sites[0].name
    assert abs(records[0].aos.timestamp() - table.aos[0]) < 1e-3


def test_synthetic_catalogue_is_leo_and_seeded():
    a = synthetic_catalogue(40, START, seed=9)
    b = synthetic_catalogue(40, START, seed=9)
    assert [x.line2 for x in a] == [x.line2 for x in b]
    periods_min = np.array([2 * np.pi / x.satrec.no_kozai for x in a])
    assert np.all((periods_min > 90) & (periods_min < 103))
    assert 97.3 < sun_synchronous_inclination_deg(500) < 97.5  # Vallado's table: 97.4 at 500 km


def test_empty_and_inverted_spans(sats, sites):
    assert len(plan_network(sats, sites, START, START)) == 0
    assert len(plan_network([], sites, START, START + timedelta(days=1))) == 0


def test_station_file_csv_and_toml():
    csv = "name,latitude_deg,longitude_deg,altitude_m,min_elevation_deg,owner\nA,10,20,5,3,x\nB,-1,2,,,y\n"
    found = read_stations(csv, "net.csv")
    assert [s.name for s in found] == ["A", "B"]
    assert found[0].min_elevation_deg == 3 and found[1].altitude_m == 0
    toml = '[[stations]]\nname = "C"\nlatitude_deg = 1.0\nlongitude_deg = 2.0\n'
    assert read_stations(toml, "net.toml")[0].name == "C"


@pytest.mark.parametrize("text, origin, words", [
    ("name,lat\nA,1\n", "a.csv", "header lacks"),
    ("name,latitude_deg,longitude_deg\nA,95,0\n", "a.csv", "line 2: latitude_deg"),
    ("name,latitude_deg,longitude_deg\nA,1,2\nA,3,4\n", "a.csv", "appears twice"),
    ("name,latitude_deg,longitude_deg\n", "a.csv", "no stations"),
    ("[[stations]]\nname = 1\n", "a.toml", "station 1"),
    ("x = [", "a.toml", "not TOML"),
])
def test_station_file_refusals_are_one_line(text, origin, words):
    with pytest.raises(ValueError, match=words) as err:
        read_stations(text, origin)
    assert "\n" not in str(err.value)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=300), toml=st.booleans())
def test_station_file_parser_never_crashes(text, toml):
    try:
        found = read_stations(text, "x.toml" if toml else "x.csv")
    except ValueError as exc:
        assert "\n" not in str(exc)
    else:
        assert found and len({s.name for s in found}) == len(found)


@pytest.mark.timeout(300)
def test_tasks_on_a_dask_client_give_the_same_plan(sats, sites):
    distributed = pytest.importorskip("dask.distributed")
    end = START + timedelta(days=1)
    whole = plan_network(sats, sites, START, end)
    # a worker thread in this process (in-process transport: no port is opened)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        seen = []
        table = network.plan_network_on(client, sats, sites, START, end, satellites_per_task=2,
                                        progress=lambda done, total: seen.append((done, total)))
        summary = network.plan_network_on(client, sats, sites, START, end, summary_only=True,
                                          satellites_per_task=4)
    assert seen[-1] == (3, 3)
    assert table.satellites == whole.satellites and len(table) == len(whole)
    assert np.array_equal(table.satellite, whole.satellite) and np.array_equal(table.station, whole.station)
    assert np.max(np.abs(table.aos - whole.aos)) < 1.0
    assert summary.passes == len(whole)
    assert summary.passes_per_satellite.tolist() == np.bincount(whole.satellite, minlength=len(sats)).tolist()


def test_threads_give_the_same_plan(sats, sites):
    end = START + timedelta(days=2)
    one = plan_network(sats, sites, START, end, budget_mb=0.5)
    two = plan_network(sats, sites, START, end, budget_mb=0.5, threads=2)
    assert len(one) == len(two) > 0
    for col in ("satellite", "station", "aos", "tca", "los"):
        assert np.array_equal(getattr(one, col), getattr(two, col))

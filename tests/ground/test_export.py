"""Exports of telemetry (CSV, Parquet; wide and long) and passes (CSV)."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta

import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest

from picodragon.config import load_scenario
from picodragon.elements import ElementSet
from picodragon.ground.archive import ArchiveError
from picodragon.ground.export import export_passes_csv, export_telemetry
from picodragon.ground.passes import find_passes
from picodragon.ground.station import GroundStation
from tests.ground.helpers import hk_frame

T = 1.4e9


@pytest.fixture
def filled(archive):
    station = GroundStation("Hanoi", archive, 437e6)
    for i in range(20):
        station.receive(hk_frame(T + 30 * i, i, battery_voltage_v=7.0 + i / 100), T + 30 * i + 0.3)
    return archive


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_packet_wide(filled, tmp_path, suffix):
    path = tmp_path / f"hk{suffix}"
    assert (
        export_telemetry(filled, path, packet="HOUSEKEEPING", start_unix=T, end_unix=T + 300) == 11
    )
    table = pa_csv.read_csv(path) if suffix == ".csv" else pq.read_table(path)
    assert table.num_rows == 11
    assert table.column("battery_voltage_v").to_pylist()[3] == pytest.approx(7.03)
    assert {"unix_s", "time", "frame_id", "mode"} <= set(table.column_names)
    assert not list(tmp_path.glob(".*tmp"))


def test_points_long_parquet(filled, tmp_path):
    path = tmp_path / "points.parquet"
    rows = export_telemetry(filled, path, points=["battery_voltage_v", "HOUSEKEEPING.mode"])
    table = pq.read_table(path)
    assert rows == table.num_rows == 40
    assert set(table.column("point").to_pylist()) == {"battery_voltage_v", "HOUSEKEEPING.mode"}
    t = table.column("unix_s").to_pylist()
    assert t == sorted(t)
    assert str(table.schema.field("time").type) == "timestamp[ms, tz=UTC]"


def test_bad_suffix_is_a_clear_error(filled, tmp_path):
    with pytest.raises(ArchiveError, match="csv or .parquet"):
        export_telemetry(filled, tmp_path / "x.xlsx", packet="HOUSEKEEPING")


def test_passes_csv(tmp_path):
    scenario = load_scenario()
    es = ElementSet.from_lines(*scenario.deployment.carrier_tle)
    start = datetime(2013, 11, 20, tzinfo=UTC)
    passes = find_passes(es, scenario.stations[0], start, start + timedelta(days=2))
    path = tmp_path / "passes.csv"
    assert export_passes_csv(passes, path) == len(passes)
    with path.open() as f:
        rows = list(csv.DictReader(f))
    assert rows[0]["aos"].endswith("Z") and float(rows[0]["duration_s"]) > 0

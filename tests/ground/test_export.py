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


# --- the orbit as a CCSDS OEM, read back by ccsds-ndm ---------------------------------------


def _element_set() -> ElementSet:
    scenario = load_scenario()
    return ElementSet.from_lines(*scenario.deployment.carrier_tle, name="CARRIER")


@pytest.mark.parametrize("suffix", [".oem", ".xml"])
def test_oem_read_back_by_ccsds_ndm(tmp_path, suffix):
    ndm_io = pytest.importorskip("ccsds_ndm.ndm_io")
    from sgp4.api import jday

    from picodragon.ground.export import export_oem

    es = _element_set()
    start = float(round(es.epoch.timestamp()) + 600)
    path = tmp_path / f"orbit{suffix}"
    assert export_oem([es], path, start, start + 3600, step_s=60) == 61
    text = path.read_text()
    assert text.lstrip().startswith("<?xml" if suffix == ".xml" else "CCSDS_OEM_VERS")
    oem = ndm_io.NdmIo().from_path(path)
    segment = oem.body.segment[0]
    assert segment.metadata.ref_frame == "TEME" and segment.metadata.time_system == "UTC"
    assert segment.metadata.center_name == "EARTH" and segment.metadata.object_name == "CARRIER"
    vectors = segment.data.state_vector
    assert len(vectors) == 61
    # the 10th vector is SGP4's own state at that epoch, in km and km/s
    when = datetime.fromisoformat(vectors[10].epoch).replace(tzinfo=UTC)
    assert when == datetime.fromtimestamp(start + 600, UTC)
    _, r, v = es.satrec.sgp4(*jday(when.year, when.month, when.day, when.hour, when.minute,
                                   when.second + when.microsecond / 1e6))
    got_r = [vectors[10].x.value, vectors[10].y.value, vectors[10].z.value]
    got_v = [vectors[10].x_dot.value, vectors[10].y_dot.value, vectors[10].z_dot.value]
    assert got_r == pytest.approx(r, abs=1e-5)  # 1 cm
    assert got_v == pytest.approx(v, abs=1e-8)
    assert 6500 < sum(c * c for c in got_r) ** 0.5 < 7000


def test_oem_one_segment_per_element_set():
    from picodragon.elements import tle_checksum
    from picodragon.ground.export import oem_states

    es = _element_set()
    # the same elements published a day later: the ground switches to them at their epoch
    day = float(es.line1[20:32]) + 1
    line1 = f"{es.line1[:20]}{day:012.8f}{es.line1[32:68]}"
    later = ElementSet.from_lines(line1 + str(tle_checksum(line1)), es.line2, "LATER")
    t0 = es.epoch.timestamp()
    segments = oem_states([later, es], t0, t0 + 2 * 86400, 600)
    assert [s[0].name for s in segments] == ["CARRIER", "LATER"]
    switch = later.epoch.timestamp()
    assert segments[0][1].max() < switch <= segments[1][1].min()
    assert sum(s[1].size for s in segments) == 2 * 144 + 1
    assert segments[1][2].shape[1] == 3


def test_oem_refuses_an_empty_span_and_no_element_set(tmp_path):
    from picodragon.ground.export import OemError, export_oem

    es = _element_set()
    t0 = es.epoch.timestamp()
    with pytest.raises(OemError, match="empty"):
        export_oem([es], tmp_path / "x.oem", t0, t0)
    with pytest.raises(OemError, match="no element set"):
        export_oem([], tmp_path / "x.oem", t0, t0 + 60)
    assert not list(tmp_path.iterdir())

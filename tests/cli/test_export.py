"""`picodragon export`: telemetry to CSV and Parquet, the orbit to a CCSDS OEM read back by
ccsds-ndm; bad input one line, exit 2, nothing written; `picodragon --version`."""

from __future__ import annotations

import json

import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest

from picodragon.cli import main
from picodragon.config import load_scenario
from picodragon.elements import ElementSet
from picodragon.ground.archive import open_archive
from picodragon.ground.station import GroundStation
from tests.ground.helpers import hk_frame

T = 1.4e9


def cli(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_:
        main(list(args))
    out, err = capsys.readouterr()
    return int(exit_.value.code or 0), out, err


@pytest.fixture
def run_folder(tmp_path):
    """An archive with 20 housekeeping packets and, beside it, the element set `run` writes."""
    db = tmp_path / "run.sqlite"
    archive = open_archive(str(db))
    station = GroundStation("Hanoi", archive, 437e6)
    for i in range(20):
        station.receive(hk_frame(T + 30 * i, i, battery_voltage_v=7.0 + i / 100), T + 30 * i + 0.3)
    archive.close()
    line1, line2 = load_scenario().deployment.carrier_tle
    es = ElementSet.from_lines(line1, line2, "CARRIER")
    (tmp_path / "run.tle").write_text(f"{es.name}\n{es.line1}\n{es.line2}\n")
    return db, es


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_telemetry_points(capsys, run_folder, tmp_path, fmt):
    db, _ = run_folder
    out = tmp_path / f"points.{fmt}"
    code, text, err = cli(capsys, "export", "--db", str(db), "--what", "telemetry", "--format", fmt,
                          "--out", str(out), "--point", "HOUSEKEEPING.battery_voltage_v",
                          "--start", "2014-05-13T16:53:20Z", "--end", "2014-05-13T16:58:20Z")
    assert code == 0, err
    table = pa_csv.read_csv(out) if fmt == "csv" else pq.read_table(out)
    assert table.column_names == ["unix_s", "time", "point", "value"]
    assert table.num_rows == 11  # T .. T + 300 s, one every 30 s
    assert set(table.column("point").to_pylist()) == {"HOUSEKEEPING.battery_voltage_v"}
    assert table.column("value").to_pylist()[2] == pytest.approx(7.02)
    assert f"11 rows -> {out}" in text


def test_telemetry_one_packet_wide_format_from_the_suffix(capsys, run_folder, tmp_path):
    db, _ = run_folder
    out = tmp_path / "hk.parquet"
    code, _, err = cli(capsys, "export", "--db", str(db), "--packet", "HOUSEKEEPING", "--out", str(out),
                       "--json", str(tmp_path / "e.json"))
    assert code == 0, err
    table = pq.read_table(out)
    assert table.num_rows == 20 and "battery_voltage_v" in table.column_names
    assert json.loads((tmp_path / "e.json").read_text()) == {
        "what": "telemetry", "format": "parquet", "out": str(out), "rows": 20}


@pytest.mark.parametrize("fmt", ["kvn", "xml"])
def test_oem_from_the_element_sets_beside_the_archive(capsys, run_folder, tmp_path, fmt):
    ndm_io = pytest.importorskip("ccsds_ndm.ndm_io")
    db, es = run_folder
    out = tmp_path / f"orbit.{fmt}"
    code, text, err = cli(capsys, "export", "--db", str(db), "--what", "oem", "--format", fmt,
                          "--out", str(out), "--step", "120")
    assert code == 0, err
    assert "721 state vectors" in text  # a day at 120 s from the element set's epoch
    oem = ndm_io.NdmIo().from_path(out)
    segment = oem.body.segment[0]
    assert segment.metadata.object_name == "CARRIER" and segment.metadata.ref_frame == "TEME"
    assert len(segment.data.state_vector) == 721
    assert segment.data.state_vector[0].epoch.startswith(f"{es.epoch:%Y-%m-%dT%H:%M}")


def test_oem_with_a_tle_file_and_a_span(capsys, run_folder, tmp_path):
    ndm_io = pytest.importorskip("ccsds_ndm.ndm_io")
    db, es = run_folder
    tle = tmp_path / "other.tle"
    tle.write_text((tmp_path / "run.tle").read_text())
    out = tmp_path / "orbit.oem"
    start = es.epoch.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    code, _, err = cli(capsys, "export", "--db", str(tmp_path / "absent.sqlite"), "--what", "oem",
                       "--tle", str(tle), "--out", str(out), "--start", start, "--step", "30",
                       "--end", (es.epoch.replace(microsecond=0)).strftime("%Y-%m-%dT%H:%M:59Z"))
    assert code == 0, err
    vectors = ndm_io.NdmIo().from_path(out).body.segment[0].data.state_vector
    assert 2 <= len(vectors) <= 3


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--what", "orbit"], ["--what", "telemetry, oem"]),
        (["--what", "oem", "--format", "csv"], ["--format", "kvn, xml"]),
        (["--format", "xlsx"], ["--format", "csv, parquet"]),
        (["--point", "HOUSEKEEPING.nothing"], ["--point", "HOUSEKEEPING.nothing"]),
        (["--packet", "NOPE"], ["NOPE"]),
        (["--start", "2014-05-14T00:00:00Z", "--end", "2014-05-13T00:00:00Z"], ["--end"]),
        (["--what", "oem", "--step", "0"], ["--step"]),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(capsys, run_folder, tmp_path, args, words):
    db, _ = run_folder
    out = tmp_path / "x.csv"
    code, _, err = cli(capsys, "export", "--db", str(db), "--out", str(out), *args)
    assert code == 2, err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    for word in words:
        assert word in lines[0]
    assert not out.exists()


def test_oem_without_element_sets_says_where_they_were_looked_for(capsys, run_folder, tmp_path):
    db, _ = run_folder
    (tmp_path / "run.tle").unlink()
    code, _, err = cli(capsys, "export", "--db", str(db), "--what", "oem", "--out", str(tmp_path / "o.oem"))
    assert code == 2 and "run.tle" in err and "--tle" in err


def test_version(capsys):
    from picodragon import __version__

    code, text, _ = cli(capsys, "--version")
    assert code == 0
    assert text.startswith("picodragon ") and __version__ in text

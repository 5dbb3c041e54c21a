"""`picodragon passes` over many satellites and stations (--elements, --stations, --scheduler),
and `constellation`'s refusals: JSON on stdout, one-line errors with exit 2, nothing written."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from picodragon.cli import main
from picodragon.ground.network import plan_network
from picodragon.ground.synthetic_network import synthetic_catalogue, synthetic_stations

START = datetime(2026, 12, 1, tzinfo=UTC)


def _run(args: list[str]) -> int:
    try:
        main(args)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


@pytest.fixture
def files(tmp_path):
    sats = synthetic_catalogue(4, START, seed=7)
    sites = synthetic_stations(3, seed=7)
    tle = tmp_path / "sats.tle"
    tle.write_text("".join(f"{s.name}\n{s.line1}\n{s.line2}\n" for s in sats))
    csv = tmp_path / "net.csv"
    csv.write_text("name,latitude_deg,longitude_deg,altitude_m,min_elevation_deg\n" + "".join(
        f"{s.name},{s.latitude_deg},{s.longitude_deg},{s.altitude_m},{s.min_elevation_deg}\n" for s in sites))
    return sats, sites, tle, csv


PLAN = ["passes", "--start", "2026-12-01T00:00:00Z", "--days", "1"]


def test_plan_from_files_as_json(files, capsys):
    sats, sites, tle, csv = files
    assert _run([*PLAN, "--elements", str(tle), "--stations", str(csv), "--json", "-"]) == 0
    records = json.loads(capsys.readouterr().out)
    expected = plan_network(sats, sites, START, START + timedelta(days=1))
    assert len(records) == len(expected) > 10
    assert {r["satellite"] for r in records} <= {s.name for s in sats}
    assert {r["station"] for r in records} <= {s.name for s in sites}
    assert set(records[0]) >= {"station", "satellite", "aos", "tca", "los", "max_elevation_deg",
                               "aos_azimuth_deg", "los_azimuth_deg"}
    assert all(r["aos"] < r["tca"] < r["los"] for r in records)


def test_summary_json(files, capsys):
    _, _, tle, csv = files
    assert _run([*PLAN, "--elements", str(tle), "--stations", str(csv), "--summary", "--json", "-"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["satellites"] == 4 and data["stations"] == 3 and data["passes"] > 10


def test_one_station_by_name_with_many_elements(files, capsys):
    _, sites, tle, _ = files
    station = f"{sites[0].latitude_deg},{sites[0].longitude_deg}"
    assert _run([*PLAN, "--elements", str(tle), "--station", station, "--json", "-"]) == 0
    assert len({r["satellite"] for r in json.loads(capsys.readouterr().out)}) >= 2


@pytest.mark.parametrize("change, words", [
    (["--stations", "BAD"], "header lacks"),
    (["--stations", "MISSING"], "--stations"),
    (["--elements", "BADTLE"], ""),
    (["--station", "0,0"], "not both"),
    (["--scheduler", "tcp://127.0.0.1:1"], "--scheduler"),
])
def test_bad_network_input_is_one_line_and_exit_2(files, tmp_path, capsys, change, words):
    _, _, tle, csv = files
    (tmp_path / "bad.csv").write_text("a,b\n1,2\n")
    (tmp_path / "bad.tle").write_text("1 garbage\n2 garbage\n")
    paths = {"BAD": str(tmp_path / "bad.csv"), "MISSING": str(tmp_path / "nope.csv"),
             "BADTLE": str(tmp_path / "bad.tle")}
    args = {"--elements": str(tle), "--stations": str(csv)}
    args.update({change[0]: paths.get(change[1], change[1])})
    out = tmp_path / "out.json"
    flat = [x for kv in args.items() for x in kv]
    assert _run([*PLAN, *flat, "--json", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("picodragon: ") and "\n" not in err and words in err
    assert not out.exists()


def test_passes_needs_a_station(capsys):
    assert _run(PLAN) == 2
    assert "--station" in capsys.readouterr().err


@pytest.mark.parametrize("args, words", [
    (["--count", "0"], "--count"),
    (["--days", "0"], "--days"),
    (["--workers", "0"], "--workers"),
    (["--stations", "MISSING"], "--stations"),
])
def test_constellation_refusals(tmp_path, capsys, args, words):
    args = [str(tmp_path / "nope.csv") if a == "MISSING" else a for a in args]
    out = tmp_path / "c.json"
    assert _run(["constellation", *args, "--json", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert words in err and "\n" not in err
    assert not out.exists()


def test_help_of_the_verbs(capsys):
    for verb in ("passes", "constellation"):
        assert _run([verb, "--help"]) == 0
    out = capsys.readouterr().out
    assert "--stations" in out and "--scheduler" in out and "--count" in out

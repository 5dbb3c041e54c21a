"""`run` keeps an earlier run's archive and report unless --force; `link-budget` reads in MHz."""

from __future__ import annotations

import pytest

from picodragon.cli import main
from picodragon.cli.flight import budget_lines
from picodragon.ground.archive import open_archive


def cli(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_:
        main(list(args))
    out, err = capsys.readouterr()
    return int(exit_.value.code or 0), out, err


def _one_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    return lines[0]


def test_an_earlier_archive_is_kept_without_force(capsys, tmp_path):
    db = tmp_path / "a.sqlite"
    open_archive(str(db)).close()
    before = db.read_bytes()
    code, _, err = cli(capsys, "run", "--days", "0.001", "--quiet", "--db", str(db), "--report", "")
    assert code == 2
    line = _one_line(err)
    assert "--force" in line and str(db) in line
    assert db.read_bytes() == before


def test_an_earlier_report_is_kept_without_force(capsys, tmp_path):
    report = tmp_path / "r.html"
    report.write_text("the first run's report")
    code, _, err = cli(capsys, "run", "--days", "0.001", "--quiet", "--db", str(tmp_path / "new.sqlite"),
                       "--report", str(report))
    assert code == 2 and "--report" in _one_line(err) and "--force" in err
    assert report.read_text() == "the first run's report"
    assert not (tmp_path / "new.sqlite").exists()


def test_force_replaces_them(capsys, tmp_path):
    db = tmp_path / "a.sqlite"
    open_archive(str(db)).close()
    report = tmp_path / "r.html"
    report.write_text("old")
    code, _, err = cli(capsys, "run", "--days", "0.001", "--quiet", "--db", str(db), "--report", str(report),
                       "--force")
    assert code == 0, err
    assert report.read_text().startswith("<!DOCTYPE html>")


def test_link_budget_reads_in_mhz_within_80_columns(capsys):
    code, out, err = cli(capsys, "link-budget")
    assert code == 0, err
    assert "e+08" not in out
    frequency = next(line for line in out.splitlines() if "frequency" in line)
    assert frequency.split()[-1] == "MHz" and 400 < float(frequency.split()[-2]) < 500
    assert max(len(line) for line in out.splitlines()) <= 80
    assert any(line.split()[-1] == "dB/K" for line in out.splitlines())


def test_budget_lines_units():
    lines = budget_lines({"frequency_hz": 437.365e6, "margin_db": 4.981, "system_noise_temperature_k": 570.49,
                          "bit_rate": 1200.0, "modulation": "AFSK1200"})
    assert [ln.split() for ln in lines] == [
        ["frequency", "437.3650", "MHz"], ["margin", "4.98", "dB"],
        ["system", "noise", "temperature", "570.5", "K"], ["bit", "rate", "1200", "bit/s"],
        ["modulation", "AFSK1200"]]


def test_the_passes_table_fits_80_columns_and_keeps_the_seconds():
    from datetime import UTC, datetime
    from types import SimpleNamespace

    from rich.console import Console

    from picodragon.cli.flight import pass_table

    t = datetime(2013, 11, 19, 17, 36, 45, 123456, tzinfo=UTC)
    p = SimpleNamespace(aos=t, tca=t, los=t, max_elevation_deg=41.3, aos_azimuth_deg=203.0,
                        los_azimuth_deg=51.0, duration_s=486.0)
    console = Console(width=80, record=True, color_system=None)
    console.print(pass_table([p, p], "A station with a long name"))
    lines = console.export_text().splitlines()
    assert max(len(line) for line in lines) <= 80
    text = "\n".join(lines)
    assert "2013-11-19 17:36:45" in text and "…" not in text and ".123" not in text
    for head in ("AOS (UTC)", "TCA", "LOS", "max el", "AOS az", "LOS az", "minutes"):
        assert head in text

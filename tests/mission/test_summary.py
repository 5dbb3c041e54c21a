"""The printed run summary fits an 80-column terminal and keeps the minutes of every time."""

from __future__ import annotations

import re
from types import SimpleNamespace

from rich.console import Console

from picodragon.mission.summary import TERMINAL_COLUMNS, print_summary, short_utc


def _result(n_passes: int = 3) -> SimpleNamespace:
    passes = [
        {
            "station": "VNSC Hoa Lac ground station with a long name",
            "aos": f"2013-11-21T0{i}:10:05.123456Z",
            "tca": f"2013-11-21T0{i}:15:05.123456Z",
            "los": f"2013-11-21T0{i}:20:59.999999Z",
            "max_elevation_deg": 45.25,
            "frames_sent": 1234,
            "frames_received": 1200,
        }
        for i in range(n_passes)
    ]
    summary = {
        "scenario": "a scenario",
        "start": "2013-11-21T00:00:00.250000Z",
        "end": "2013-11-23T00:00:00Z",
        "sim_seconds": 172800.0,
        "wall_seconds": 12.3,
        "passes": passes,
        "frames_sent": 5000,
        "frames_received": 4000,
        "telemetry_points": 123456,
        "images_captured": 3,
        "images_received": 2,
        "commands_sent": 10,
        "commands_executed": 9,
        "battery_soc_min": 0.734,
        "temperature_c_min": -12.0,
        "temperature_c_max": 31.5,
        "reentry": None,
        "db": "/a/rather/long/path/to/the/archive/of/this/run/picodragon-run.sqlite",
        "report": "picodragon-report.html",
    }
    return SimpleNamespace(summary=summary, extra={"resets": {"watchdog": 1, "brownout": 0}})


def _render(result) -> list[str]:
    console = Console(width=TERMINAL_COLUMNS, record=True, color_system=None, force_terminal=False)
    print_summary(result, console)
    return console.export_text().splitlines()


def test_every_line_fits_80_columns_and_no_cell_is_cut():
    lines = _render(_result())
    assert lines and max(len(line) for line in lines) <= TERMINAL_COLUMNS
    text = "\n".join(lines)
    # every AOS is whole, to the second, and the LOS keeps its minutes and seconds
    for i in range(3):
        assert f"2013-11-21 0{i}:10:05" in text
        assert f"0{i}:20:59" in text
    assert not re.search(r"\d{2}:\d{2}:\d{2}\.\d", text)
    assert "1234" in text and "1200" in text


def test_the_span_and_resets_show():
    text = "\n".join(_render(_result(0)))
    assert "2013-11-21 00:00:00 -> 2013-11-23 00:00:00 UTC" in text
    assert "2.00 days" in text
    assert "watchdog 1, brownout 0" in text


def test_short_utc():
    assert short_utc("2013-11-21T07:10:05.999Z") == "2013-11-21 07:10:05"
    assert short_utc("2013-11-21T07:10:05Z", clock_only=True) == "07:10:05"
    assert short_utc("not a time") == "not a time"
    assert short_utc(None) == ""

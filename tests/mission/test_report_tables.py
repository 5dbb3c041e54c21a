"""The report's tables: chunk ranges, decoded names, events with the noise counted, bounded
pass tables and per-day pass bars for long runs, a table of contents."""

from __future__ import annotations

import re

from picodragon.dictionary import core
from picodragon.mission.report import (
    MAX_PASS_BARS,
    MAX_PASS_ROWS,
    NOISE_EVENTS,
    _events_table,
    _pass_figure,
    _pass_table,
    chunk_ranges,
    decode_event_message,
)

T0 = 1385000000.0


def test_chunk_ranges():
    assert chunk_ranges([0, 1, 2, 5, 7, 8]) == "0-2, 5, 7-8"
    assert chunk_ranges([9]) == "9"
    assert chunk_ranges([]) == "none"
    assert chunk_ranges([3, 1, 2, 2]) == "1-3"


def test_event_messages_name_modes_reset_causes_and_the_heater():
    d = core()
    assert decode_event_message("MODE_CHANGE", "mode 2 -> 5", d) == "mode NOMINAL -> SAFE"
    assert decode_event_message("BOOT", "boot number 3, reset cause 1", d) == "boot number 3, reset cause WATCHDOG"
    assert decode_event_message("HEATER", "battery heater 1 (1 on, 0 off)", d) == "battery heater on"
    assert decode_event_message("HEATER", "battery heater 0 (1 on, 0 off)", d) == "battery heater off"
    assert decode_event_message("LOW_BATTERY", "battery low: 6400 mV", d) == "battery low: 6400 mV"
    # an unknown number stays a number
    assert decode_event_message("MODE_CHANGE", "mode 2 -> 99", d) == "mode NOMINAL -> 99"


def _event(i: int, name: str, severity: int, message: str) -> dict:
    return {"unix_s": T0 + 60 * i, "name": name, "severity": severity, "message": message, "source": "fsw"}


def test_events_count_the_noise_and_list_the_rest_decoded():
    events = [_event(i, "HEATER", 1, f"battery heater {i % 2} (1 on, 0 off)") for i in range(500)]
    events += [_event(600, "MODE_CHANGE", 1, "mode 2 -> 5"), _event(601, "LOW_BATTERY", 2, "battery low: 6400 mV")]
    events += [_event(602 + i, "LATE_RESPONSE", 1, "PING #3 is completed; ignored ACCEPTED") for i in range(40)]
    page = _events_table(events, dictionary=core())
    counts, listing = page.split("id='event-list'")
    assert re.search(r"HEATER \(routine\)</td><td>info</td><td>500</td>", counts)
    assert re.search(r"LATE_RESPONSE \(routine\)</td><td>info</td><td>40</td>", counts)
    assert "540 routine events" in page
    assert "battery heater" not in listing and "LATE_RESPONSE" not in listing
    assert "mode NOMINAL -&gt; SAFE" in listing and "battery low: 6400 mV" in listing
    assert "filterEvents" in page and {"HEATER", "LATE_RESPONSE"} <= NOISE_EVENTS
    # times to the second
    assert not re.search(r"\d\d:\d\d:\d\d\.\d", page)


def _passes(n: int) -> list[dict]:
    out = []
    for i in range(n):
        aos = T0 + 5400 * i
        iso = lambda t: f"2013-11-{21 + int((t - T0) // 86400):02d}T{int((t - T0) % 86400 // 3600):02d}:00:00.123456Z"  # noqa: E731
        out.append({"station": "HANOI", "aos": iso(aos), "tca": iso(aos + 300), "los": iso(aos + 600),
                    "max_elevation_deg": 30.0, "aos_azimuth_deg": 10.0, "los_azimuth_deg": 200.0,
                    "frames_sent": 50, "frames_received": 40, "max_margin_db": 6.0})
    return out


def test_a_long_runs_pass_table_is_bounded():
    html = _pass_table(_passes(400))
    assert html.count("<tr>") == MAX_PASS_ROWS + 2  # the head, the listed passes, the gap
    assert "200 passes not listed" in html and "class='scroll'" in html
    assert ".123456" not in html
    short = _pass_table(_passes(5))
    assert short.count("<tr>") == 6 and "not listed" not in short


def test_a_long_runs_pass_bars_are_per_day():
    few = _pass_figure(_passes(10))
    assert len(few.data[0]["x"]) == 10
    many = _pass_figure(_passes(MAX_PASS_BARS + 40))
    days = many.data[0]["x"]
    assert len(days) < MAX_PASS_BARS and len(set(days)) == len(days)
    assert sum(many.data[0]["y"]) == 50 * (MAX_PASS_BARS + 40)
    assert "per day" in many.layout["title"]["text"]
    # the legend sits below the plot, clear of the date labels
    assert many.layout["legend"]["y"] < 0


def test_values_are_decoded_by_the_dictionary():
    from picodragon.mission.report import decoded_value

    fields = {f.name: f for f in core().packet("HOUSEKEEPING").fields}
    assert decoded_value(fields["mode"], 5) == "SAFE (5)"
    assert decoded_value(fields["reset_cause"], 1) == "WATCHDOG (1)"
    assert decoded_value(fields["sensor_flags"], 9) == "0x00000009 (bits 0, 3)"
    assert decoded_value(fields["sensor_flags"], 0) == "0x00000000 (none set)"
    assert decoded_value(fields["battery_voltage_v"], 7.4213).startswith("7.421 ")
    assert decoded_value(fields["mode"], None) == "n/a"


def test_the_last_housekeeping_table(tmp_path):
    from picodragon.ground.archive import open_archive
    from picodragon.ground.station import GroundStation
    from picodragon.mission.report import _last_packet_table, last_packet
    from tests.ground.helpers import hk_frame

    archive = open_archive(str(tmp_path / "a.sqlite"))
    try:
        assert last_packet(archive, core()) is None
        station = GroundStation("Hanoi", archive, 437e6)
        for i in range(3):
            station.receive(hk_frame(T0 + 30 * i, i, battery_voltage_v=7.0 + i / 10), T0 + 30 * i + 0.3)
        last = last_packet(archive, core())
    finally:
        archive.close()
    assert last is not None and last["unix_s"] == T0 + 60
    page = _last_packet_table(last, core())
    assert re.search(r"<td>mode</td><td>[A-Z_]+ \(\d\)</td>", page)
    assert re.search(r"<td>sensor_flags</td><td>0x[0-9A-F]{8} \(", page)

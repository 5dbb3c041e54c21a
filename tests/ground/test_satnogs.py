"""SatNOGS interop (issue 17): SiDS records out (file and POST to a local server), SatNOGS frame
files in through the station, and the round trip between the two."""

from __future__ import annotations

import http.server
import json
import threading
import urllib.parse

import pytest

from picodragon.config.mission import load_mission
from picodragon.ground.archive import open_archive
from picodragon.ground.satnogs import (
    SatnogsError,
    SidsRecord,
    check_url,
    import_frames,
    mission_station,
    parse_frames,
    post_records,
    read_frames_file,
    records_from_archive,
    sids_location,
    write_records,
)
from picodragon.ground.station import GroundStation
from tests.ground.helpers import hk_frame

T0 = 1_592_275_630.0  # 2020-06-16T02:47:10Z


def _reference_station(path):
    archive = open_archive(str(path))
    return GroundStation("VNSC Hanoi", archive, 437.365e6)


def test_sids_fields_as_satnogs_db_takes_them():
    record = SidsRecord(45598, "UVG", T0 + 0.48, b"\x01\xab", -90.489, -14.604, 123.45, 10.0)
    fields = record.fields()
    assert fields == {"noradID": "45598", "source": "UVG", "timestamp": "2020-06-16T02:47:10.480Z",
                      "frame": "01AB", "locator": "longLat", "longitude": "90.4890W",
                      "latitude": "14.6040S", "azimuth": "123.5", "elevation": "10.0",
                      "version": fields["version"]}
    assert "azimuth" not in SidsRecord(1, "X", T0, b"\x00", 0.0, 0.0).fields()
    assert sids_location(105.8, 21.047) == ("105.8000E", "21.0470N")
    assert sids_location(350.0, 0.0) == ("10.0000W", "0.0000N")  # 0..360 east as stations allow


def test_export_import_round_trip(tmp_path):
    first = _reference_station(tmp_path / "a.sqlite")
    frames = [(T0 + 10 * i, hk_frame(T0 + 10 * i - 1, i, battery_voltage_v=7.0 + i / 10)) for i in range(5)]
    import_frames(first, frames)
    first.receive(b"\xff" * 20, T0 + 100)  # rejected: stays out of the export
    records = records_from_archive(first.archive, 39413, "VNSC", 105.8, 21.047)
    assert [r.unix_s for r in records] == [t for t, _ in frames]
    for name in ("out.jsonl", "out.csv"):
        out = tmp_path / name
        assert write_records(records, out) == 5
        if name.endswith(".jsonl"):
            assert parse_frames(out.read_text()) == frames  # JSON Lines read back exactly
            second = _reference_station(tmp_path / "b.sqlite")
            report = import_frames(second, read_frames_file(out))
            assert (report.frames, report.decoded, report.rejected) == (5, 5, 0)
            t, v = second.archive.points("battery_voltage_v")
            assert v.tolist() == pytest.approx([7.0, 7.1, 7.2, 7.3, 7.4])
            assert [f.raw for f in second.archive.frames()] == [f for _, f in frames]
            second.archive.close()
        else:
            header = out.read_text().splitlines()[0]
            assert header == "noradID,source,timestamp,frame,locator,longitude,latitude,azimuth,elevation,version"
    assert len(records_from_archive(first.archive, 1, "X", 0, 0, include_rejected=True)) == 6
    assert records_from_archive(first.archive, 1, "X", 0, 0, station="elsewhere") == []
    first.archive.close()


def test_satnogs_network_and_db_forms_are_read(tmp_path):
    lines = "# an observation\n2020-06-16 02:47:10|0102ab\n\n2020-06-16T02:47:11.500Z|03 04\n"
    assert parse_frames(lines) == [(T0, b"\x01\x02\xab"), (T0 + 1.5, b"\x03\x04")]
    api = [{"sat_id": "X", "norad_cat_id": 45598, "frame": "0102AB", "observer": "CALL-1-EL00",
            "timestamp": "2020-06-16T02:47:10Z", "app_source": "network"}]
    assert parse_frames(json.dumps(api)) == [(T0, b"\x01\x02\xab")]
    assert parse_frames(json.dumps({"next": None, "results": api})) == [(T0, b"\x01\x02\xab")]


@pytest.mark.parametrize("text, message", [
    ("2020-06-16 02:47:10 0102", ":1: expected 'YYYY-MM-DD HH:MM:SS|HEX'"),
    ("2020-06-16 02:47:10|01zz", ":1: frame is not hex"),
    ("2020-06-16 02:47:10|", ":1: empty frame"),
    ("yesterday|0102", ":1: not a UTC time"),
    ("ok\n2020-06-16 02:47:10|" + "00" * 5000, "expected"),
    ('[{"frame": "01"}]', "frame 1: no timestamp"),
    ('{"results": 3}', "a list of frames"),
    ('{"frame": "01", "timestamp": 5}\n', "timestamp is not text"),
    ("2020-06-16 02:47:10|" + "00" * 5000, "a frame of 5000 octets"),
])
def test_bad_frame_files_are_one_line_errors(text, message):
    with pytest.raises(SatnogsError) as caught:
        parse_frames(text, "obs.txt")
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_unreadable_files_are_errors(tmp_path):
    binary = tmp_path / "b.bin"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(SatnogsError, match="not a text file"):
        read_frames_file(binary)
    with pytest.raises(SatnogsError, match="cannot read"):
        read_frames_file(tmp_path / "missing.txt")


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/x", "http://", "127.0.0.1:80",
                                 "javascript:alert(1)"])
def test_only_http_urls_are_posted_to(url):
    with pytest.raises(SatnogsError, match="http"):
        check_url(url)


class _Server:
    """A SiDS endpoint on 127.0.0.1 (a free port), answering with the statuses it is given."""

    def __init__(self, statuses: list[int]) -> None:
        self.received: list[dict[str, str]] = []
        self.content_types: list[str] = []
        statuses = list(statuses)
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server API
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length).decode("ascii")
                outer.content_types.append(self.headers.get("Content-Type", ""))
                status = statuses.pop(0) if statuses else 201
                if status < 300:
                    outer.received.append(dict(urllib.parse.parse_qsl(body)))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/api/telemetry/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)


RECORDS = [SidsRecord(45598, "UVG", T0 + i, bytes([i, 0xAB]), -90.489, 14.604) for i in range(3)]


def test_post_sends_every_sids_field_form_encoded():
    with _Server([]) as server:
        report = post_records(RECORDS, server.url, sleep=lambda s: None)
    assert (report.sent, report.attempts) == (3, 3)
    assert server.received == [r.fields() for r in RECORDS]
    assert server.received[0]["frame"] == "00AB" and server.received[0]["longitude"] == "90.4890W"
    assert set(server.content_types) == {"application/x-www-form-urlencoded"}


def test_post_retries_server_errors_a_bounded_number_of_times():
    slept: list[float] = []
    with _Server([503, 500]) as server:
        report = post_records(RECORDS[:1], server.url, retries=2, backoff_s=0.5, sleep=slept.append)
    assert (report.sent, report.attempts) == (1, 3) and slept == [0.5, 1.0]
    with _Server([503] * 10) as server, pytest.raises(SatnogsError) as caught:
        post_records(RECORDS, server.url, retries=1, sleep=lambda s: None)
    assert "record 1" in str(caught.value) and "HTTP 503" in str(caught.value)
    assert "(0 sent before it)" in str(caught.value)


def test_post_does_not_retry_a_refusal():
    with _Server([201, 400]) as server, pytest.raises(SatnogsError) as caught:
        post_records(RECORDS, server.url, retries=5, sleep=lambda s: pytest.fail("slept"))
    assert "record 2" in str(caught.value) and "HTTP 400" in str(caught.value)
    assert "(1 sent before it)" in str(caught.value) and len(server.received) == 1


def test_post_to_nothing_listening_is_a_clear_error():
    from tests.conftest import free_port

    with pytest.raises(SatnogsError, match="record 1 .* failed: "):
        post_records(RECORDS, f"http://127.0.0.1:{free_port()}/", retries=1, timeout_s=2,
                     sleep=lambda s: None)


def test_a_receive_only_missions_station_decodes_with_its_kaitai_struct(tmp_path):
    pytest.importorskip("satnogsdecoders")
    from picodragon.config.loader import packaged_missions_folder

    folder = packaged_missions_folder() / "quetzal1"
    mission = load_mission(folder)
    archive = open_archive(str(tmp_path / "q.sqlite"), dictionary=mission.dictionary)
    station = mission_station(mission.scenario, mission.dictionary, archive)
    assert station.sources is None and station.frame_decoder is not None
    sample = (folder / "sample-frame.hex").read_text().strip()
    report = import_frames(station, parse_frames(f"2020-06-16 02:47:10|{sample}\n"))
    assert (report.decoded, report.rejected) == (1, 0)
    assert archive.packets("QUETZAL1")["package_counter"].tolist() == [973.0]
    with pytest.raises(KeyError, match="no station"):
        mission_station(mission.scenario, mission.dictionary, archive, "nowhere")
    archive.close()

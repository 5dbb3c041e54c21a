"""The receive-only mission and SatNOGS verbs on the command line (issues 16, 17): `satnogs
import` and `satnogs export` (file and POST to 127.0.0.1), passes of Quetzal-1 from its element
set, `run` refused in one line, bad input one line with exit 2 and nothing written."""

from __future__ import annotations

import json

import pytest

from picodragon.config.loader import packaged_missions_folder
from tests.cli.test_files import run_cli

pytest.importorskip("satnogsdecoders", reason="the satnogs extra (satnogs-decoders) is not installed")

QUETZAL = packaged_missions_folder() / "quetzal1"
SAMPLE = (QUETZAL / "sample-frame.hex").read_text().strip()


@pytest.fixture
def observation(tmp_path):
    path = tmp_path / "obs.txt"
    path.write_text(f"2020-06-16 02:47:10|{SAMPLE}\n2020-06-16 02:47:20|00ff\n", encoding="utf-8")
    return path


def test_import_then_export_a_receive_only_missions_frames(tmp_path, observation, capsys):
    db, out = tmp_path / "q.sqlite", tmp_path / "out.jsonl"
    report = tmp_path / "import.json"
    assert run_cli(["satnogs", "import", str(observation), "--mission", str(QUETZAL), "--db", str(db),
                    "--json", str(report)]) == 0
    assert json.loads(report.read_text()) == {"file": str(observation), "frames": 2, "decoded": 1,
                                              "rejected": 1}
    assert run_cli(["satnogs", "export", "--mission", str(QUETZAL), "--db", str(db),
                    "--out", str(out), "--source", "TG9ABC"]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 1  # the rejected 00ff stays out
    assert rows[0]["noradID"] == "45598" and rows[0]["source"] == "TG9ABC"
    assert rows[0]["frame"] == SAMPLE.upper() and rows[0]["timestamp"] == "2020-06-16T02:47:10.000Z"
    assert rows[0]["longitude"] == "90.4890W" and rows[0]["latitude"] == "14.6040N"
    assert "1 frames ->" in capsys.readouterr().out


def test_export_posts_to_a_local_server(tmp_path, observation):
    from tests.ground.test_satnogs import _Server

    db = tmp_path / "q.sqlite"
    assert run_cli(["satnogs", "import", str(observation), "--mission", str(QUETZAL), "--db", str(db)]) == 0
    with _Server([]) as server:
        assert run_cli(["satnogs", "export", "--mission", str(QUETZAL), "--db", str(db),
                        "--post", server.url]) == 0
    assert [r["frame"] for r in server.received] == [SAMPLE.upper()]
    assert server.received[0]["source"] == "UVG Guatemala"


@pytest.mark.parametrize("argv, message", [
    (["satnogs", "export", "--db", "{db}"], "give one of --out FILE or --post URL"),
    (["satnogs", "export", "--db", "{db}", "--out", "{tmp}/x.jsonl", "--post", "http://127.0.0.1:9/"],
     "give one of --out FILE or --post URL"),
    (["satnogs", "export", "--db", "{db}", "--post", "file:///etc/passwd"], "--post: give an http://"),
    (["satnogs", "export", "--db", "{tmp}/none.sqlite", "--out", "{tmp}/x.jsonl"], "archive not found"),
    (["satnogs", "export", "--db", "{db}", "--out", "{tmp}/x.jsonl", "--station", "Mars"], "no station 'Mars'"),
    (["satnogs", "import", "{tmp}/missing.txt", "--db", "{db}"], "FILE"),
    (["satnogs", "import", "{tmp}/bad.txt", "--db", "{db}"], "bad.txt:2: frame is not hex"),
    (["run", "--db", "{tmp}/r.sqlite", "--report", "{tmp}/r.html"], "is receive-only: nothing to simulate"),
])
def test_bad_input_is_one_line_exit_2(tmp_path, observation, capsys, argv, message):
    db = tmp_path / "q.sqlite"
    assert run_cli(["satnogs", "import", str(observation), "--mission", str(QUETZAL), "--db", str(db)]) == 0
    (tmp_path / "bad.txt").write_text("2020-06-16 02:47:10|00\n2020-06-16 02:47:11|zz\n")
    capsys.readouterr()
    before = sorted(p.name for p in tmp_path.iterdir())
    args = [a.format(db=db, tmp=tmp_path) for a in argv] + ["--mission", str(QUETZAL)]
    assert run_cli(args) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("q.sqlite")) == \
        [n for n in before if not n.startswith("q.sqlite")]


def test_passes_of_a_receive_only_mission_from_its_element_set(capsys):
    assert run_cli(["passes", "--mission", str(QUETZAL), "--station", "UVG Guatemala",
                    "--start", "2020-06-16T00:00:00Z", "--days", "1", "--json", "-"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found and all(p["station"] == "UVG Guatemala" for p in found)
    assert all(p["max_elevation_deg"] >= 10.0 for p in found)


def test_check_lists_the_receive_only_missions_packet(capsys):
    assert run_cli(["check", "--mission", str(QUETZAL), "--json", "-"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["dictionary"]["own"] == ["QUETZAL1"]
    assert data["spacecraft"]["norad_id"] == 45598

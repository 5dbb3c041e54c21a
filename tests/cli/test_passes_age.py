"""`picodragon passes` says the age of the element set it used and warns past 14 days; it reads
OMM files as well as TLE."""

from __future__ import annotations

import json

from picodragon.cli import main
from picodragon.config import load_scenario
from picodragon.elements import ElementSet
from picodragon.physics.orbit import deployed_element_set

ARGS = ["passes", "--station", "VNSC Hanoi", "--days", "1"]


def _run(args: list[str]) -> int:
    try:
        main(args)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def test_the_age_is_said_beside_the_table(capsys):
    assert _run([*ARGS, "--start", "2013-11-20T00:00:00Z"]) == 0
    captured = capsys.readouterr()
    assert "0.5 days old at 2013-11-20T00:00:00Z" in captured.out and "WARNING" not in captured.out
    assert captured.err == ""


def test_a_set_older_than_the_threshold_warns_on_stderr(capsys, tmp_path):
    es: ElementSet = deployed_element_set(load_scenario())
    omm = tmp_path / "pico.json"  # the same set as an OMM JSON record (CelesTrak's field names)
    s = es.satrec
    import math

    deg = 180.0 / math.pi
    omm.write_text(json.dumps({
        "OBJECT_NAME": "PICO DRAGON", "OBJECT_ID": "1998-067ZZ", "EPOCH": es.epoch.strftime("%Y-%m-%dT%H:%M:%S.%f"),
        "MEAN_MOTION": s.no_kozai * 720.0 / math.pi, "ECCENTRICITY": s.ecco, "INCLINATION": s.inclo * deg,
        "RA_OF_ASC_NODE": s.nodeo * deg, "ARG_OF_PERICENTER": s.argpo * deg, "MEAN_ANOMALY": s.mo * deg,
        "EPHEMERIS_TYPE": 0, "CLASSIFICATION_TYPE": "U", "NORAD_CAT_ID": s.satnum, "ELEMENT_SET_NO": 999,
        "REV_AT_EPOCH": 0, "BSTAR": s.bstar, "MEAN_MOTION_DOT": 0, "MEAN_MOTION_DDOT": 0}))
    assert _run([*ARGS, "--start", "2013-12-20T00:00:00Z", "--tle", str(omm), "--json", "-"]) == 0
    captured = capsys.readouterr()
    assert isinstance(json.loads(captured.out), list)  # the JSON contract keeps its shape
    assert captured.err.startswith("picodragon: warning: element set PICO DRAGON")
    assert "WARNING older than 14 days" in captured.err and len(captured.err.splitlines()) == 1

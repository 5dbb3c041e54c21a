"""A fault campaign in a run: faults land at their time and the spacecraft keeps working."""

from __future__ import annotations

from picodragon.config.loader import scenario_from_dict
from picodragon.mission.runner import RunOptions, run_mission
from tests.config.test_loader import reference_dict


def test_faults_are_injected_and_the_spacecraft_survives(tmp_path):
    data = reference_dict()
    data["faults"] = [
        {"at_hours": 0.2, "device": "temperature:obc", "kind": "dead"},
        {"at_hours": 0.9, "device": "computer", "kind": "reset"},
        {"at_hours": 1.0, "device": "storage", "kind": "bit_flip"},
        {"at_hours": 1.1, "device": "temperature:obc", "kind": "clear"},
    ]
    scenario = scenario_from_dict(data)
    result = run_mission(scenario, RunOptions(days=0.1, db=str(tmp_path / "a.sqlite"), report=None,
                                              progress=False, operate=False))
    log = result.extra["faults"]
    assert [f["device"] for f in log] == ["temperature:obc", "computer", "storage", "temperature:obc"]
    assert log[1]["done"] == "software reset"
    assert log[0]["time"] == "2013-11-19T12:29:00Z"
    # still beaconing after the reset (RF silence is over: the reset keeps the antenna state)
    assert result.summary["frames_sent"] > 100


def test_companions_fly_with_their_own_radio(tmp_path):
    from picodragon.config import load_scenario

    trio = load_scenario("jssod-2013-trio")
    assert [c.name for c in trio.companions] == ["ARDUSAT-1", "ARDUSAT-X"]
    ardusat = trio.companions[0].as_scenario(trio)
    assert ardusat.spacecraft.radio.callsign == "ARDU1"
    assert (ardusat.deployment.ejection_time - trio.deployment.ejection_time).total_seconds() == 180
    result = run_mission(trio, RunOptions(days=0.3, db=str(tmp_path / "a.sqlite"), report=None,
                                          progress=False, operate=False))
    tallies = result.summary["companions"]
    assert [t["callsign"] for t in tallies] == ["ARDU1", "ARDUX"]
    assert all(t["frames_sent"] > 0 and t["frames_received"] > 0 for t in tallies)
    import sqlite3

    with sqlite3.connect(tmp_path / "a.sqlite") as db:
        freqs = {round(f) for (f,) in db.execute("select distinct frequency_hz from receptions")}
    assert freqs == {437_365_000, 437_325_000, 437_345_000}

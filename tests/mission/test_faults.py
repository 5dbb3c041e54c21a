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

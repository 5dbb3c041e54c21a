"""A constellation of one design: Walker-spread orbits, and a tiny run on a LocalCluster."""

from __future__ import annotations

import pytest

from picodragon.config import Station, load_scenario
from picodragon.mission.constellation import (
    combine,
    member_element_sets,
    member_scenarios,
    run_constellation,
    walker_planes,
)
from picodragon.physics.orbit import deployed_element_set

#: a belt of stations under a 51.6-degree orbit, so that a tenth of a day sees passes
BELT = [Station(name=f"B{lat:+03d}{lon:+04d}", latitude_deg=lat, longitude_deg=lon)
        for lat in (-30, 0, 30) for lon in range(-180, 180, 45)]


def test_members_spread_in_node_and_anomaly():
    ref = deployed_element_set(load_scenario())
    sets = member_element_sets(ref, 10)
    assert walker_planes(10) == 2 and walker_planes(50) == 5
    nodes = sorted({round(es.satrec.nodeo, 6) for es in sets})
    assert len(nodes) == 2
    anomalies = {(round(es.satrec.nodeo, 6), round(es.satrec.mo, 6)) for es in sets}
    assert len(anomalies) == 10
    assert {round(es.satrec.inclo, 8) for es in sets} == {round(ref.satrec.inclo, 8)}
    assert {es.satrec.no_kozai for es in sets} == {ref.satrec.no_kozai}
    assert sets[0].line2[:17] == ref.line2[:17] and sets[0].line2[51:68] == ref.line2[51:68]


def test_member_scenarios_fly_their_own_orbits_over_the_network():
    scn = load_scenario()
    members = member_scenarios(scn, 3, BELT[:4])
    assert [m.stations[0].name for m in members] == [BELT[0].name] * 3
    assert len({m.orbit.tle for m in members}) == 3
    # one design: the same spacecraft (its radio, too, bar the RF silence after an ejection,
    # which a member starting from an element set has behind it)
    for m in members:
        assert m.orbit is not None and m.spacecraft.power == scn.spacecraft.power
        assert m.spacecraft.model_dump(exclude={"radio"}) == scn.spacecraft.model_dump(exclude={"radio"})
        assert m.spacecraft.radio.callsign == scn.spacecraft.radio.callsign


def test_combine_adds_up_the_members():
    rows = [
        {"member": 1, "scenario": "b", "passes": 2, "frames_sent": 10, "frames_received": 4,
         "alarms": 1, "battery_soc_min": 0.8, "wall_seconds": 1.0,
         "per_station": {"X": {"passes": 2, "frames_received": 4}}},
        {"member": 0, "scenario": "a", "passes": 1, "frames_sent": 5, "frames_received": 3,
         "alarms": 0, "battery_soc_min": 0.9, "wall_seconds": 1.0,
         "per_station": {"X": {"passes": 1, "frames_received": 3}}},
    ]
    out = combine(rows, ["X", "Y"])
    assert out["passes"] == 3 and out["frames_received"] == 7 and out["alarms"] == 1
    assert out["per_station"] == {"X": {"passes": 3, "frames_received": 7},
                                  "Y": {"passes": 0, "frames_received": 0}}
    assert [m["scenario"] for m in out["per_spacecraft"]] == ["a", "b"]


@pytest.mark.timeout(600)
def test_two_spacecraft_on_a_local_cluster():
    report = run_constellation(load_scenario(), 2, 0.1, BELT, workers=1)
    assert report["spacecraft"] == 2 and report["scheduler"].startswith("LocalCluster")
    assert report["passes"] > 0
    assert report["passes"] == sum(s["passes"] for s in report["per_station"].values())
    assert 0 < report["frames_received"] <= report["frames_sent"]
    assert [m["scenario"].split()[-1] for m in report["per_spacecraft"]] == ["1/2", "2/2"]
    assert all(m["frames_sent"] > 0 for m in report["per_spacecraft"])

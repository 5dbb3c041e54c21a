"""Pass planning over a network: station conflicts, contacts, capacity, requests, JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from picodragon.config import Station, load_scenario
from picodragon.elements import ElementSet, tle_checksum
from picodragon.ground.passes import find_passes_many
from picodragon.ground.planner import Plan, Request, plan_passes

SCENARIO = load_scenario()
RADIO = SCENARIO.spacecraft.radio
START = datetime(2013, 11, 20, tzinfo=UTC)


def _line(text: str) -> str:
    return text[:68] + str(tle_checksum(text))


ISS = ElementSet.from_lines(*SCENARIO.deployment.carrier_tle, name="PICO")
l1, l2 = SCENARIO.deployment.carrier_tle
# a sister in the same orbit a few minutes behind: its passes clash with PICO's at each station
SISTER = ElementSet.from_lines(
    _line(l1[:2] + "39999" + l1[7:68] + "0"),
    _line(l2[:2] + "39999" + l2[7:43] + f"{(4.9903 - 15.0) % 360:8.4f}" + l2[51:68] + "0"),
    name="SISTER",
)
STATIONS = {
    s.name: s
    for s in [
        SCENARIO.stations[0],
        Station(name="Tokyo", latitude_deg=35.73, longitude_deg=139.64, min_elevation_deg=5),
        Station(name="Kitakyushu", latitude_deg=33.89, longitude_deg=130.84, min_elevation_deg=5),
    ]
}


@pytest.fixture(scope="module")
def passes():
    return find_passes_many(
        [ISS, SISTER], list(STATIONS.values()), START, START + timedelta(days=2)
    )


def make_plan(passes, requests=(), **kw):
    return plan_passes(
        passes,
        {"PICO": ISS, "SISTER": SISTER},
        {"PICO": RADIO, "SISTER": RADIO},
        STATIONS,
        list(requests),
        satellite_priority={"PICO": 2, "SISTER": 1},
        **kw,
    )


def test_a_station_follows_one_satellite_at_a_time(passes):
    plan = make_plan(passes, setup_s=120)
    assert plan.conflicts  # the sister trails by minutes: clashes must exist
    for station in STATIONS:
        spans = sorted(
            (p.aos.timestamp(), p.los.timestamp())
            for c in plan.for_station(station)
            for p in c.passes
            if p.station == station
        )
        for (_, b0), (a1, _) in zip(spans, spans[1:], strict=False):
            assert a1 >= b0 + 240 - 1e-6
    # the priority satellite keeps its passes
    pico_passes = [p for p in passes if p.satellite == "PICO"]
    kept = [p for c in plan.contacts for p in c.passes if p.satellite == "PICO"]
    assert len(kept) == len(pico_passes)


def test_contacts_merge_overlapping_stations_and_have_capacity(passes):
    plan = make_plan(passes)
    multi = [c for c in plan.contacts if len(c.passes) > 1]
    assert multi, "Tokyo and Kitakyushu share passes"
    for c in plan.contacts:
        assert c.prime_station in {p.station for p in c.passes}
        assert 0 <= c.usable_s <= c.end_unix_s - c.start_unix_s + 1
        assert c.capacity_bytes == int(c.usable_s * RADIO.bit_rate / 8 * 0.5)


def test_requests_by_priority_deadline_and_volume(passes):
    plan0 = make_plan(passes)
    pico = [c for c in plan0.contacts if c.satellite == "PICO"]
    first_cap = pico[0].capacity_bytes
    requests = [
        Request("file", "PICO", priority=1, volume_bytes=int(first_cap * 1.5), label="image 7"),
        Request("command", "PICO", priority=5, command="SET_MODE", arguments={"mode": 3}),
        Request(
            "telemetry_dump",
            "PICO",
            priority=9,
            volume_bytes=1000,
            deadline_unix_s=pico[0].end_unix_s,
        ),
        Request("file", "PICO", priority=0, volume_bytes=10**9, label="too big"),
    ]
    plan = make_plan(passes, requests)
    pico = [c for c in plan.contacts if c.satellite == "PICO"]
    kinds0 = [a.request.kind for a in pico[0].allocations]
    assert kinds0[:2] == ["telemetry_dump", "command"]
    image = [
        (i, a.volume_bytes)
        for i, c in enumerate(pico)
        for a in c.allocations
        if a.request.label == "image 7"
    ]
    assert len(image) >= 2 and sum(v for _, v in image) == requests[0].volume_bytes
    assert [r.label for r in plan.unassigned] == ["too big"]
    for c in plan.contacts:
        assert c.used_bytes <= c.capacity_bytes


def test_plan_round_trips_through_json(passes):
    plan = make_plan(passes, [Request("command", "PICO", command="NOOP")])
    text = json.dumps(plan.to_json())
    again = Plan.from_json(json.loads(text))
    assert again.to_json() == plan.to_json()


def test_bad_request_is_a_clear_error():
    with pytest.raises(ValueError, match="kind"):
        Request("selfie", "PICO")
    with pytest.raises(ValueError, match="names its command"):
        Request("command", "PICO")


def test_contact_actions_are_valid_commands(passes):
    from picodragon.dictionary.telecommand import COMMANDS_BY_NAME, pack_arguments

    requests = [
        Request("telemetry_dump", "PICO", priority=3, volume_bytes=5000, arguments={"since": 0}),
        Request("file", "PICO", priority=2, volume_bytes=2000, arguments={"file_id": 7}),
        Request("command", "PICO", priority=1, command="SET_MODE", arguments={"mode": 3}),
    ]
    plan = make_plan(passes, requests)
    actions = [a for c in plan.contacts for a in c.actions()]
    names = [n for n, _ in actions]
    assert names[:3] == ["DUMP_HOUSEKEEPING", "DOWNLINK_FILE", "SET_MODE"]
    for name, arguments in actions:
        pack_arguments(COMMANDS_BY_NAME[name], arguments)  # raises if the dictionary disagrees

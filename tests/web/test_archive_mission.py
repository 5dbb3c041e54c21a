"""``serve --db`` of another mission's archive shows that mission: its spacecraft's name and
orbit on the status, track and page headers, its own packet on the telemetry page and its own
command on the commanding page (issue 16), from what the run left in the archive; a mission or
scenario given to the server still overrides it."""

from __future__ import annotations

import pytest

from picodragon.config.mission import load_mission
from picodragon.config.template import write_mission
from picodragon.dictionary import pack_telemetry
from picodragon.ground.archive import open_archive
from picodragon.ground.station import GroundStation
from picodragon.link import ax25
from tests.web.conftest import USERS, TestClient, bearer
from tests.web.fixtures import KEY, T0


@pytest.fixture(scope="module")
def owlsat(tmp_path_factory):
    """A mission made as ``picodragon new owlsat`` makes it."""
    folder = tmp_path_factory.mktemp("missions") / "owlsat"
    write_mission(folder)
    return load_mission(folder)


def archive_of(mission, db: str) -> None:
    """What a run of the mission leaves: its dictionary and name in the archive, and an
    EXPERIMENT packet (the mission's own) received by its station."""
    archive = open_archive(db, dictionary=mission.dictionary)
    try:
        archive.remember_mission(mission.name, mission.scenario.model_dump_json())
        station = GroundStation(mission.scenario.stations[0].name, archive, 437e6, dictionary=mission.dictionary)
        packet = pack_telemetry("EXPERIMENT", {"samples": 12, "period_s": 30, "battery_voltage_v": 7.9}, T0, 1,
                                dictionary=mission.dictionary)
        callsign = mission.scenario.spacecraft.radio.callsign
        station.receive(ax25.encode(ax25.Frame(ax25.Address("CQ"), ax25.Address(callsign), info=packet)), T0 + 0.2)
    finally:
        archive.close()


def client_for(db: str, **options) -> TestClient:
    from picodragon.web.app import create_app
    from picodragon.web.auth import create_user

    for name, (role, password) in USERS.items():
        create_user(db, name, password, role)
    return TestClient(create_app(db, key=KEY, **options))


def test_the_archive_of_a_new_mission_is_served_as_that_mission(owlsat, db_url):
    archive_of(owlsat, db_url)
    with client_for(db_url) as c:
        viewer = bearer(c, "victor")
        status = c.get("/api/status", headers=viewer).json()
        assert status["spacecraft"] == "OWLSAT"
        assert status["stations"] == [s.name for s in owlsat.scenario.stations]
        track = c.get("/api/track", headers=viewer).json()
        assert track["element_set"]["name"] == "OWLSAT"
        assert "OWLSAT" in c.get("/telemetry", headers=viewer).text
        points = [p["name"] for p in c.get("/api/points", headers=viewer).json()]
        assert "EXPERIMENT.samples" in points
        series = c.get("/api/telemetry", headers=viewer, params={"point": "EXPERIMENT.samples",
                                                                  "start": "2013-11-19T00:00:00Z"}).json()
        assert series["series"][0]["mean"] == [12.0]
        commands = [x["name"] for x in c.get("/api/dictionary", headers=viewer).json()["commands"]]
        assert "SET_EXPERIMENT_PERIOD" in commands
        r = c.post("/api/commands", headers=bearer(c, "olga"),
                   json={"name": "SET_EXPERIMENT_PERIOD", "arguments": {"period_s": 60}, "release": False})
        assert r.status_code == 201, r.text


def test_a_mission_given_to_the_server_overrides_the_archive(owlsat, sqlite_url):
    archive_of(owlsat, sqlite_url)
    with client_for(sqlite_url, scenario="quetzal1") as c:
        status = c.get("/api/status", headers=bearer(c, "victor")).json()
    assert status["spacecraft"] == "QUETZAL-1"


def test_the_element_sets_beside_the_archive_give_the_orbit(owlsat, tmp_path):
    from picodragon.elements import ElementSet

    db = tmp_path / "run.sqlite"
    archive_of(owlsat, str(db))
    line1, line2 = owlsat.scenario.deployment.carrier_tle
    (tmp_path / "run.tle").write_text(f"OWLSAT FROM ITS RUN\n{line1}\n{line2}\n")
    assert ElementSet.from_lines(line1, line2, "x")  # the file holds a valid set
    with client_for(str(db)) as c:
        track = c.get("/api/track", headers=bearer(c, "victor")).json()
    assert track["element_set"]["name"] == "OWLSAT FROM ITS RUN"


def test_an_archive_without_a_mission_is_the_reference_one(sqlite_url):
    from tests.web.fixtures import populate

    populate(sqlite_url, hours=0.1)
    with client_for(sqlite_url) as c:
        status = c.get("/api/status", headers=bearer(c, "victor")).json()
    assert status["spacecraft"] == "PICO DRAGON"


def test_a_receive_only_missions_import_shows_in_mission_control(tmp_path):
    """Quetzal-1's frames from a SatNOGS observation, imported: mission control names it, lists
    its two frames (one decoded to its own packet, one rejected with the reason) and plots it."""
    pytest.importorskip("satnogsdecoders", reason="the satnogs extra (satnogs-decoders) is not installed")
    from picodragon.config.loader import packaged_missions_folder
    from tests.cli.test_files import run_cli

    quetzal = packaged_missions_folder() / "quetzal1"
    sample = (quetzal / "sample-frame.hex").read_text().strip()
    observation = tmp_path / "obs.txt"
    observation.write_text(f"2020-06-16 02:47:10|{sample}\n2020-06-16 02:47:20|00ff\n", encoding="utf-8")
    db = tmp_path / "q.sqlite"
    assert run_cli(["satnogs", "import", str(observation), "--mission", str(quetzal), "--db", str(db),
                    "--json", str(tmp_path / "import.json")]) == 0
    with client_for(str(db)) as c:
        viewer = bearer(c, "victor")
        assert c.get("/api/status", headers=viewer).json()["spacecraft"] == "QUETZAL-1"
        frames = c.get("/api/frames", headers=viewer).json()
        assert [(f["time"], f["outcome"]) for f in frames["frames"]] == [
            ("2020-06-16T02:47:20.000Z", "rejected"), ("2020-06-16T02:47:10.000Z", "decoded")]
        assert frames["frames"][0]["rejection"] and frames["frames"][1]["packet"] == "QUETZAL1"
        assert frames["stations"] == ["UVG Guatemala"]
        assert any(p["name"].startswith("QUETZAL1.") for p in c.get("/api/points", headers=viewer).json())

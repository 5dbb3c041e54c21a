"""The EGSE run (envtest.tvac): the flight software through a TVAC profile, the ground archiving, functional tests per plateau."""

from __future__ import annotations

import dataclasses
import json

import pytest

from picodragon.envtest import results as rs
from picodragon.envtest.chamber import Chamber
from picodragon.envtest.tvac import run_tvac
from picodragon.envtest.tvac_analysis import read_csv
from picodragon.envtest.tvac_profile import load_profile

AS_BUILT = {"face_emissivity": 0.7, "g_face_structure_w_k": 0.4, "g_obc_structure_w_k": 0.4,
            "structure_specific_heat": 1000.0}
"""the test article differs from the design model (what the correlation must find)"""


@pytest.fixture(scope="module")
def short_run(tmp_path_factory):
    """One cycle of the university-lab profile (about 9 simulated hours) flown by an article
    whose thermal parameters are AS_BUILT."""
    from picodragon.config.mission import Mission, load_mission
    from picodragon.envtest.chamber import thermal_spacecraft

    design = load_mission("picodragon-2013")
    article = Mission(design.scenario.model_copy(update={
        "spacecraft": thermal_spacecraft(design.scenario.spacecraft, AS_BUILT)}), design.dictionary)
    folder = tmp_path_factory.mktemp("tvac")
    profile = dataclasses.replace(load_profile("university-lab"), cycles=1)
    seen: list[tuple[float, float]] = []
    live: list[dict] = []
    station = design.scenario.stations[0].name

    def progress(done: float, total: float) -> None:
        """Note the progress; about every eighth of the run, read the station's state as a
        second reader (the web) would while the test runs, into ``live-states.json``."""
        seen.append((done, total))
        if done < total and done >= len(live) * total / 8:
            from picodragon.ground.archive import open_archive

            with open_archive(str(folder / "tvac.sqlite")) as reader:
                live.append({"done_s": done, "state": reader.station_state(station)})

    res = run_tvac(article, profile, folder / "tvac.sqlite", seed=3, progress=progress)
    (folder / "live-states.json").write_text(json.dumps(live))
    return res, profile, folder, seen


def test_functional_tests_pass_at_every_plateau(short_run) -> None:
    res, profile, _, _ = short_run
    rs.validate(res)
    table = res["tables"]["functional_tests"]
    assert len(table["rows"]) == 3 * len(profile.plateaus())
    assert {r[1] for r in table["rows"]} == {"beacon heard", "command accepted and verified (NOOP)",
                                            "image captured (CAPTURE_IMAGE)"}
    assert all(r[2] for r in table["rows"]), table["rows"]
    assert res["images_captured"] == len(profile.plateaus())
    assert res["cycles"] == 1
    assert res["frames_received"] == res["frames_sent"] > 100  # every frame heard over the bench link
    # the shroud trimmed on the structure brings it to each test temperature (whether it is then
    # stable long enough depends on the article: this one's low emissivity settles slowly)
    reached = [v for v in res["verdicts"] if "at the test temperature" in v["criterion"]]
    assert len(reached) == len(profile.plateaus()) and all(v["passed"] for v in reached), reached


def test_the_archive_holds_the_test_as_a_pass(short_run) -> None:
    from picodragon.ground.archive import open_archive

    res, _, _, _ = short_run
    archive = open_archive(res["archive"])
    try:
        packets = archive.packet_counts()
        assert packets["HOUSEKEEPING"] > 100 and packets["COMMAND_RESPONSE"] >= 4
        from picodragon.config.loader import load_scenario

        state = archive.station_state(load_scenario("picodragon-2013").stations[0].name)
        assert state is not None and any("functional test" in line for line in state["log"])
        stages = [c["name"] for c in archive.select("commands", order="id")]
        assert stages == ["NOOP", "CAPTURE_IMAGE", "NOOP", "CAPTURE_IMAGE"]
    finally:
        archive.close()


def test_the_thermocouple_log_follows_the_chamber(short_run) -> None:
    res, profile, _, seen = short_run
    log = read_csv(res["thermocouple_log"])
    assert set(log.temperatures) >= {"setpoint", "shroud", "structure", "battery", "obc"}
    assert log.temperatures["setpoint"].max() == pytest.approx(profile.hot_c)
    trim = log.temperatures["shroud"] - log.temperatures["setpoint"]
    assert abs(trim).max() <= Chamber().max_offset_c + 1.0  # the lab's trim, bounded (plus noise)
    assert trim.min() < -1.0  # at the cold plateau the powered spacecraft needs a colder shroud
    assert log.powers["bus"].mean() > 0.0
    assert seen[-1][0] == pytest.approx(seen[-1][1])


def test_mission_control_reads_the_test(short_run, monkeypatch) -> None:
    """`picodragon web --db ARCHIVE`: the spacecraft's housekeeping and the station's log of the tests."""
    import warnings

    from picodragon.web import auth
    from picodragon.web.app import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    res = short_run[0]
    monkeypatch.setattr(auth, "SCRYPT_N", 2**10)  # test-only cost, as tests/web do
    auth.create_user(res["archive"], "tester", "tester-pass-123", "viewer")
    with TestClient(create_app(res["archive"])) as client:
        token = client.post("/api/login", json={"name": "tester", "password": "tester-pass-123"}).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        status = client.get("/api/status", headers=headers).json()
        assert status["housekeeping"]["values"]["bus_power_w"] > 0
        console = client.get("/api/console", headers=headers).json()
        assert any("image captured" in line for line in console["state"]["log"])


def test_the_station_state_says_bench_and_follows_the_chamber_during_the_run(short_run) -> None:
    """Read while the run went on (a browser on ``picodragon web --db ARCHIVE`` during the test):
    the state says bench, its chamber walks through the profile's steps and its plateaus, and
    the functional tests appear as they run, never taken back."""
    _, profile, folder, _ = short_run
    live = [s for s in json.loads((folder / "live-states.json").read_text()) if s["state"] is not None]
    assert len(live) >= 5
    assert all(s["state"]["link"] == "bench" for s in live)
    chambers = [s["state"]["chamber"] for s in live]
    steps = [c["step"] for c in chambers]
    assert steps == sorted(steps) and steps[-1] > steps[0]
    assert {c["plateau"] for c in chambers} >= {"cycle 1 hot", "cycle 1 cold"}
    times, temps = profile.timeline()
    for c in chambers:
        assert 1 <= c["step"] <= c["steps"] == len(times) - 1
        assert (c["phase"] == "plateau") == (temps[c["step"] - 1] == temps[c["step"]])
        assert abs(c["shroud_c"] - c["setpoint_c"]) <= Chamber().max_offset_c
        assert c["platen_c"] == c["shroud_c"]
        assert min(temps) <= c["setpoint_c"] <= max(temps)
    counts = [len(s["state"]["functional_tests"]) for s in live]
    assert counts == sorted(counts) and counts[0] < counts[-1]
    assert chambers[0]["hours"] < chambers[-1]["hours"] < chambers[-1]["total_hours"]


def test_the_console_shows_the_test_as_a_bench_not_a_sky(short_run, monkeypatch) -> None:
    """/api/console on the TVAC archive: no pass, sky track or Doppler; the chamber's state and
    every functional test with its verdict (the archive's station state is the contract)."""
    import warnings

    from picodragon.web import auth
    from picodragon.web.app import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    res, profile, _, _ = short_run
    monkeypatch.setattr(auth, "SCRYPT_N", 2**10)
    auth.create_user(res["archive"], "bench-viewer", "bench-pass-123", "viewer")
    with TestClient(create_app(res["archive"])) as client:
        token = client.post("/api/login", json={"name": "bench-viewer", "password": "bench-pass-123"}).json()["token"]
        c = client.get("/api/console", headers={"Authorization": f"Bearer {token}"}).json()
    assert c["link"] == "bench"
    assert c["pass"] is None and c["sky_track"] is None and c["spacecraft"] is None
    assert c["chamber"]["profile"] == profile.name and c["chamber"]["phase"] == "done"
    assert c["chamber"]["step"] == c["chamber"]["steps"]
    table = res["tables"]["functional_tests"]["rows"]
    assert [(t["plateau"], t["test"], t["passed"]) for t in c["functional_tests"]] == [(r[0], r[1], r[2]) for r in table]


def test_the_design_model_correlates_to_the_article_through_the_egse_log(short_run) -> None:
    from picodragon.envtest.correlation import correlate

    res = short_run[0]
    fit = correlate("picodragon-2013", res["thermocouple_log"])
    assert rs.passed(fit), fit["verdicts"]
    assert fit["after"]["std_c"] < 0.3 < fit["before"]["std_c"]  # down to the thermocouples' noise
    for name, value in AS_BUILT.items():
        assert fit["parameters"][name] == pytest.approx(value, rel=0.1), name

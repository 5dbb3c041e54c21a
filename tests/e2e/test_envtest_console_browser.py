"""Mission control's pass console watching a thermal-vacuum test, in headless Chromium.

A short TVAC run (one cycle of the university-lab profile, the flight software against the twin
in the chamber) writes its archive; ``picodragon.web.serve`` on 127.0.0.1 serves it and a viewer
opens /console: the chamber card (profile, step, set point, shroud, platen, the functional tests
with their verdicts, the housekeeping) is shown and the sky plot is not (a bench has no sky). A
new state written into the archive (as the run writes one every few simulated minutes) appears
without a reload. No console error, nothing fetched off the host. The page is photographed
(docs/screenshots/envtest-console.png for docs/envtest.md with PICODRAGON_SCREENSHOTS=1, else a
temporary folder). Waits are bounded by Playwright timeouts; nothing asserts how long anything
took.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from pathlib import Path

import pytest

from tests.web.fixtures import running_server

SHOTS = (Path(__file__).resolve().parents[2] / "docs" / "screenshots"
         if os.environ.get("PICODRAGON_SCREENSHOTS") == "1"
         else Path(tempfile.gettempdir()) / "picodragon-screenshots")
WAIT_MS = 20_000
VIEWER = ("vera", "vera-viewer-pass-1")


@pytest.fixture(scope="module")
def tvac(tmp_path_factory):
    """The archive of a one-cycle TVAC run, served; (archive path, URL, result, station)."""
    from picodragon.config.mission import load_mission
    from picodragon.envtest.tvac import run_tvac
    from picodragon.envtest.tvac_profile import load_profile
    from picodragon.web.auth import create_user

    mission = load_mission("picodragon-2013")
    db = str(tmp_path_factory.mktemp("tvac-console") / "tvac.sqlite")
    profile = dataclasses.replace(load_profile("university-lab"), cycles=1)
    res = run_tvac(mission, profile, db, seed=5)
    create_user(db, VIEWER[0], VIEWER[1], "viewer")
    with running_server(db, live_interval_s=0.3) as url:
        yield db, url, res, mission.scenario.stations[0].name


def test_the_console_shows_the_chamber_not_a_sky(browser, tvac) -> None:
    from picodragon.ground.archive import open_archive

    db, url, res, station = tvac
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("request", lambda r: errors.append(f"off-host request {r.url}")
            if not r.url.startswith(url) and not r.url.startswith(("data:", "blob:")) else None)
    page.goto(url + "/")
    page.fill("#name", VIEWER[0])
    page.fill("#password", VIEWER[1])
    page.click("#login-button")
    page.wait_for_selector("#who", timeout=WAIT_MS)
    page.goto(url + "/console")
    page.wait_for_selector("#chamber-card:not([hidden])", timeout=WAIT_MS)
    page.wait_for_function("() => document.querySelectorAll('#ch-hk tr').length > 3", timeout=WAIT_MS)
    assert page.locator("#sky-card").is_hidden() and page.locator("#now-table").is_hidden()
    assert page.locator("#sky .main-svg").count() == 0  # no sky plot drawn for a bench
    assert page.inner_text("#ch-profile").startswith("University-lab")
    assert page.inner_text("#ch-step").startswith("5 of 5")
    assert page.inner_text("#ch-shroud").endswith("°C") and page.inner_text("#ch-platen").endswith("°C")
    rows = page.locator("#ch-tests tr")
    expected = res["tables"]["functional_tests"]["rows"]
    assert rows.count() == len(expected) == 6
    assert page.locator("#ch-tests td.val.ok", has_text="passed").count() == sum(bool(r[2]) for r in expected)
    assert "functional test cycle 1 cold" in page.inner_text("#c-log")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "envtest-console.png"), full_page=True)
    # a new state in the archive (a failed test, the shroud moved) shows without a reload
    with open_archive(db) as archive:
        state = archive.station_state(station)
        state["chamber"] = {**state["chamber"], "shroud_c": -12.34}
        state["functional_tests"] = state["functional_tests"] + [
            {"plateau": "cycle 1 cold", "test": "beacon heard", "passed": False, "time": state["time"],
             "detail": "0 frames since the plateau began"}]
        archive.write_station_state(station, state)
    page.wait_for_function("() => document.getElementById('ch-shroud').textContent.startsWith('-12.34')", timeout=WAIT_MS)
    page.wait_for_selector("#ch-tests td.val.critical >> text=FAILED", timeout=WAIT_MS)
    assert page.inner_text("#ch-tests-note") == "6 passed, 1 failed"
    assert not errors, errors
    context.close()

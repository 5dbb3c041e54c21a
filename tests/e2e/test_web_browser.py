"""Mission control in a real browser: Playwright driving Debian's chromium, headless, on 127.0.0.1.

An operator logs in, watches housekeeping arrive live, sends a command and sees it reach
``completed`` (the test plays the ground's and the spacecraft's parts: the ground's
``CommandQueue`` sends it, and the spacecraft's COMMAND_RESPONSE frames reach a station whose
queue verifies them, as in a pass), and opens a received image. A viewer finds commanding refused in the page
and at the API (403). Each page is photographed (into docs/screenshots/ for the README with
PICODRAGON_SCREENSHOTS=1).

Waits are bounded by Playwright timeouts; nothing asserts how long anything took.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest

from tests.web.fixtures import (
    KEY,
    STATION,
    T0,
    frame_for,
    hk_values,
    populate,
    receive_housekeeping,
    running_server,
)

#: the README's screenshots are refreshed with PICODRAGON_SCREENSHOTS=1; otherwise they go to a
#: temporary folder, so an ordinary test run leaves the working tree clean
SHOTS = (Path(__file__).resolve().parents[2] / "docs" / "screenshots"
         if os.environ.get("PICODRAGON_SCREENSHOTS") == "1"
         else Path(tempfile.gettempdir()) / "picodragon-screenshots")
WAIT_MS = 20_000
PASSWORDS = {"olga": ("operator", "olga-operator-1"), "victor": ("viewer", "victor-viewer-1"),
             "ada": ("admin", "ada-admin-pass-1")}


@pytest.fixture(scope="module")
def mission(tmp_path_factory):
    from picodragon.web.auth import create_user

    db = str(tmp_path_factory.mktemp("web") / "mission.sqlite")
    populate(db)
    for name, (role, password) in PASSWORDS.items():
        create_user(db, name, password, role)
    log = str(tmp_path_factory.getbasetemp() / "server.log")
    with running_server(db, live_interval_s=0.3, log_path=log) as url:
        yield db, url


def login(browser, url: str, name: str):
    context = browser.new_context(viewport={"width": 1360, "height": 880})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("request", lambda r: errors.append(f"off-host request {r.url}")
            if not r.url.startswith(url) and not r.url.startswith(("data:", "blob:")) else None)
    page.goto(url + "/")
    page.fill("#name", name)
    page.fill("#password", PASSWORDS[name][1])
    page.click("#login-button")
    page.wait_for_selector("#who", timeout=WAIT_MS)
    return context, page, errors


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_wrong_password_is_refused(browser, mission):
    _, url = mission
    context = browser.new_context()
    page = context.new_page()
    page.goto(url + "/telemetry")
    assert "/login" in page.url
    page.fill("#name", "olga")
    page.fill("#password", "not-her-password")
    page.click("#login-button")
    page.wait_for_selector("#login-error", timeout=WAIT_MS)
    shot(page, "login")
    context.close()


def test_operator_sees_live_telemetry(browser, mission):
    db, url = mission
    from picodragon.ground.archive import open_archive

    context, page, errors = login(browser, url, "olga")
    page.wait_for_function("() => document.getElementById('mode').textContent.includes('NOMINAL')", timeout=WAIT_MS)
    page.wait_for_selector("#passes tr", timeout=WAIT_MS)
    shot(page, "overview")

    telemetry = context.new_page()
    telemetry.goto(url + "/telemetry?point=HOUSEKEEPING.battery_voltage_v&point=HOUSEKEEPING.obc_temperature_c"
                   "&start=2013-11-20T01:00:00Z")
    telemetry.wait_for_selector("#chart-0 .main-svg", timeout=WAIT_MS)
    before = int(telemetry.get_attribute("#chart-0", "data-points"))

    # a pass goes on: new housekeeping frames reach the archive while both pages are open
    archive = open_archive(db)
    try:
        last = T0 + 2 * 3600
        for i in range(5):
            values = hk_values(last + i, i) | {"battery_voltage_v": 8.123}
            receive_housekeeping(archive, last + 10 * (i + 1), 10_000 + i, values=values)
    finally:
        archive.close()
    page.wait_for_function("() => document.getElementById('battery_voltage_v').textContent === '8.12 V'",
                           timeout=WAIT_MS)
    telemetry.wait_for_function(
        f"() => Number(document.getElementById('chart-0')?.dataset.points) > {before}", timeout=WAIT_MS)
    telemetry.check("#separate")
    telemetry.click("#plot")
    telemetry.wait_for_selector("#chart-1 .main-svg", timeout=WAIT_MS)
    shot(telemetry, "telemetry")
    assert not [e for e in errors if "off-host" in e], errors
    context.close()


def test_operator_commands_and_sees_completion(browser, mission):
    db, url = mission
    from picodragon.dictionary import pack_telemetry
    from picodragon.ground.archive import open_archive
    from picodragon.ground.commanding import CommandQueue
    from picodragon.ground.station import GroundStation

    context, page, errors = login(browser, url, "olga")
    page.goto(url + "/commanding")
    page.wait_for_selector("#command-name option", state="attached", timeout=WAIT_MS)
    page.select_option("#command-name", "SET_MODE")
    page.select_option("#arg-mode", "3")
    page.click("#send-command")
    page.wait_for_function("() => document.getElementById('command-result').textContent.startsWith('released')",
                           timeout=WAIT_MS)
    row = page.locator("tr.command").first
    row.wait_for(timeout=WAIT_MS)
    command_id = int(row.get_attribute("data-id"))
    assert row.get_attribute("data-stage") == "released"

    # the ground sends it at the pass; the spacecraft accepts and completes it: its
    # COMMAND_RESPONSE frames reach a station whose command queue verifies them
    archive = open_archive(db)
    try:
        queue = CommandQueue(archive, KEY)
        now = T0 + 2 * 3600 + 120  # mission time: the archive's pass, not the wall clock
        (sent,) = queue.uplink(now)
        assert sent.id == command_id
        station = GroundStation(STATION, archive, 437.365e6)
        station.add_listener(queue.on_decoded)
        for stage_code in (0, 1):  # ACCEPTED, then COMPLETED
            packet = pack_telemetry("COMMAND_RESPONSE", {"counter": sent.counter, "opcode": sent.opcode,
                                                         "stage": stage_code, "code": 0}, now + 2 + stage_code, 2)
            station.receive(frame_for(packet), now + 2 + stage_code)
    finally:
        archive.close()
    page.wait_for_selector(f"tr.command[data-id='{command_id}'][data-stage='completed']", timeout=WAIT_MS)
    # a time-tagged image kept in the queue, and a NOOP released for the next pass
    page.select_option("#command-name", "CAPTURE_IMAGE")
    page.fill("#at-time-iso", "2013-11-20T03:31:00Z")
    assert page.input_value("#arg-at_time") == str(438_233_460)  # seconds since 2000-01-01
    page.uncheck("#release")
    page.click("#send-command")
    page.wait_for_function("() => document.getElementById('command-result').textContent.startsWith('queued')",
                           timeout=WAIT_MS)
    page.select_option("#command-name", "NOOP")
    page.check("#release")
    page.click("#send-command")
    page.wait_for_function("() => document.getElementById('command-result').textContent.startsWith('released')",
                           timeout=WAIT_MS)
    page.wait_for_selector("tr.command[data-stage='queued'] button.release", timeout=WAIT_MS)
    # the time tag reads as a UTC time, not as on-board seconds
    assert "at_time=2013-11-20 03:31:00Z" in page.inner_text("tr.command[data-stage='queued'] td.arguments")
    shot(page, "commanding")

    # the plan and the audit log know about it
    page.goto(url + "/track")
    page.wait_for_selector("#map .main-svg", timeout=WAIT_MS)
    page.wait_for_selector("#map image", state="attached", timeout=WAIT_MS)
    assert page.locator("#map .legendtext", has_text="terminator").count() == 1
    page.wait_for_selector("#pass-table tr", timeout=WAIT_MS)
    page.wait_for_function("() => document.getElementById('plan').textContent.includes('waits for release')",
                           timeout=WAIT_MS)
    shot(page, "track")
    record = page.evaluate(f"fetch('/api/commands/{command_id}').then(r => r.json())")
    assert record["stage"] == "completed"
    assert [s["stage"] for s in record["stages"]] == ["queued", "released", "sent", "acknowledged", "completed"]
    context.close()


def test_operator_opens_an_image_and_acknowledges_an_alarm(browser, mission):
    _, url = mission
    context, page, errors = login(browser, url, "olga")
    page.goto(url + "/images")
    page.wait_for_selector(".thumb.complete", timeout=WAIT_MS)
    page.wait_for_selector(".thumb.partial .chunks i.missing", timeout=WAIT_MS)
    page.click(".thumb.complete")
    page.wait_for_function("() => document.getElementById('detail-img').naturalWidth > 0", timeout=WAIT_MS)
    page.wait_for_selector("#detail-map .main-svg", timeout=WAIT_MS)
    shot(page, "images")

    page.goto(url + "/events")
    page.wait_for_selector("#event-table tr.event", timeout=WAIT_MS)
    page.fill("#q", "battery")
    page.click("#search")
    page.wait_for_function("() => document.querySelectorAll('#event-table tr.event').length === 1", timeout=WAIT_MS)
    page.fill("#q", "")
    page.click("#search")
    page.locator("button.ack").first.click()
    page.wait_for_function("() => document.getElementById('alarm-table').textContent.includes('✓ olga')",
                           timeout=WAIT_MS)
    shot(page, "events")
    assert not [e for e in errors if "off-host" in e], errors
    context.close()


def test_viewer_reads_frames_as_they_arrive(browser, mission):
    db, url = mission
    from picodragon.ground.archive import open_archive
    from picodragon.ground.station import GroundStation
    from picodragon.link import ax25

    context, page, errors = login(browser, url, "victor")
    page.goto(url + "/frames")
    page.wait_for_selector("#frame-table tr.frame", timeout=WAIT_MS)
    # a frame the ground cannot decode arrives while the page is open: it appears, with its reason
    archive = open_archive(db)
    try:
        garbage = ax25.encode(ax25.Frame(ax25.Address("CQ"), ax25.Address("XV9PID"), info=b"\x00\x01noise"))
        GroundStation(STATION, archive, 437.365e6).receive(garbage, T0 + 3 * 3600)
    finally:
        archive.close()
    page.wait_for_selector("#frame-table tr.frame[data-outcome='rejected']", timeout=WAIT_MS)
    page.locator("#frame-table tr.frame[data-outcome='rejected']").first.click()
    page.wait_for_function("() => document.getElementById('frame-dump').textContent.includes('noise')",
                           timeout=WAIT_MS)
    assert "Rejected" in page.inner_text("#frame-fields")
    page.select_option("#frame-outcome", "decoded")
    page.click("#frame-apply")
    page.wait_for_function("() => [...document.querySelectorAll('#frame-table tr.frame')].every("
                           "r => r.dataset.outcome === 'decoded')", timeout=WAIT_MS)
    page.locator("#frame-table tr.frame").first.click()
    page.wait_for_selector("#frame-fields table.packet-fields", timeout=WAIT_MS)
    assert "outcome=decoded" in page.get_attribute("#frame-csv", "href")
    shot(page, "frames")
    assert not [e for e in errors if "off-host" in e], errors
    context.close()


def test_viewer_cannot_command(browser, mission):
    _, url = mission
    context, page, errors = login(browser, url, "victor")
    page.goto(url + "/commanding")
    page.wait_for_selector("#command-refused", state="visible", timeout=WAIT_MS)
    assert page.is_disabled("#send-command")
    # the page's own session, with its CSRF token, straight at the API: refused
    status = page.evaluate("""async () => {
        const csrf = document.querySelector('meta[name=csrf-token]').content;
        const r = await fetch('/api/commands', {method: 'POST', headers: {'Content-Type': 'application/json',
            'X-CSRF-Token': csrf}, body: JSON.stringify({name: 'NOOP', arguments: {}})});
        return r.status; }""")
    assert status == 403
    shot(page, "commanding-viewer")
    # and with a bearer token from the API login
    token = page.evaluate("""async () => (await (await fetch('/api/login', {method: 'POST',
        headers: {'Content-Type': 'application/json'},
        body: JSON.stringify({name: 'victor', password: 'victor-viewer-1'})})).json()).token""")
    status = page.evaluate("""async (token) => (await fetch('/api/commands', {method: 'POST',
        headers: {'Content-Type': 'application/json', 'Authorization': 'Bearer ' + token},
        body: JSON.stringify({name: 'NOOP', arguments: {}})})).status""", token)
    assert status == 403
    assert page.locator("#nav-admin").count() == 0
    context.close()


def test_admin_sees_users_and_audit(browser, mission):
    _, url = mission
    context, page, errors = login(browser, url, "ada")
    status = page.evaluate("""async () => (await fetch('/api/commands', {method: 'POST', headers: {
        'Content-Type': 'application/json', 'X-CSRF-Token': document.querySelector('meta[name=csrf-token]').content},
        body: JSON.stringify({name: 'SET_BEACON_INTERVAL', arguments: {interval_s: 60}})})).status""")
    assert status == 201
    page.goto(url + "/admin")
    page.wait_for_selector("#audit tr", timeout=WAIT_MS)
    assert "SET_BEACON_INTERVAL" in page.inner_text("#audit")
    shot(page, "admin")
    detail = json.dumps(page.evaluate("fetch('/api/audit').then(r => r.json())"))
    assert '\\"user\\": \\"ada\\"' in detail or "ada" in detail
    context.close()


def test_a_new_missions_archive_has_its_own_telemetry_page(browser, tmp_path):
    """`serve --db` over the archive of a mission made by `picodragon new`: its name in the
    header, its own packet on the telemetry page (issue 16)."""
    from picodragon.config.mission import load_mission
    from picodragon.config.template import write_mission
    from picodragon.dictionary import pack_telemetry
    from picodragon.ground.archive import open_archive
    from picodragon.ground.station import GroundStation
    from picodragon.link import ax25
    from picodragon.web.auth import create_user

    write_mission(tmp_path / "owlsat")
    owlsat = load_mission(tmp_path / "owlsat")
    db = str(tmp_path / "owlsat.sqlite")
    archive = open_archive(db, dictionary=owlsat.dictionary)
    try:
        archive.remember_mission(owlsat.name, owlsat.scenario.model_dump_json())
        station = GroundStation(owlsat.scenario.stations[0].name, archive, 437e6, dictionary=owlsat.dictionary)
        callsign = owlsat.scenario.spacecraft.radio.callsign
        with archive.batch():
            for i in range(60):
                packet = pack_telemetry("EXPERIMENT", {"samples": i % 17, "period_s": 30, "battery_voltage_v": 7.9},
                                        T0 + 30 * i, i, dictionary=owlsat.dictionary)
                frame = ax25.encode(ax25.Frame(ax25.Address("CQ"), ax25.Address(callsign), info=packet))
                station.receive(frame, T0 + 30 * i + 0.2)
    finally:
        archive.close()
    create_user(db, "victor", PASSWORDS["victor"][1], "viewer")
    with running_server(db, live_interval_s=0.3) as url:
        context, page, errors = login(browser, url, "victor")
        page.goto(url + "/telemetry?point=EXPERIMENT.samples&start=2013-11-20T00:00:00Z")
        page.wait_for_selector("#chart-0 .main-svg", timeout=WAIT_MS)
        assert "OWLSAT" in page.inner_text(".brand")
        assert int(page.get_attribute("#chart-0", "data-points")) == 60
        shot(page, "telemetry-second-mission")
        assert not [e for e in errors if "off-host" in e], errors
        context.close()


def test_viewer_follows_a_pass_on_the_console(browser, mission):
    """The live pass console: the predicted pass in the sky plot, the spacecraft's look angles
    and Doppler, and the station's state as the station loop writes it (here: waiting at the
    pass's AOS azimuth before AOS, as the tracker points the rotator, and its log)."""
    db, url = mission
    from picodragon.ground.archive import open_archive

    context, page, errors = login(browser, url, "victor")
    page.goto(url + "/console")
    page.wait_for_selector("#sky .main-svg", timeout=WAIT_MS)
    c = page.evaluate("fetch('/api/console').then(r => r.json())")
    assert c["pass"] is not None and c["sky_track"] is not None
    aos_az = c["sky_track"]["azimuth_deg"][0]
    log_lines = [f"{c['now'][:19]}Z preparing for the pass: AOS {c['pass']['aos'][:19]}Z, "
                 f"max {c['pass']['max_elevation_deg']:.0f} deg",
                 f"{c['now'][:19]}Z rig down 437.365000 MHz, up 145.950000 MHz; rotator az {aos_az:.1f} el 0.0 deg"]
    archive = open_archive(db)
    try:
        archive.write_station_state(STATION, {
            "time": c["now"], "unix_s": 0.0, "commanded": {"azimuth_deg": aos_az, "elevation_deg": 0.0},
            "rotator_pointed": {"azimuth_deg": aos_az, "elevation_deg": 0.0},
            "rig_downlink_hz": 437.365e6, "rig_uplink_hz": 145.95e6, "rig": "ok", "rotator": "ok",
            "errors": 0, "log": log_lines})
    finally:
        archive.close()
    # the page refreshes every 2 s: the station's state appears without a reload
    page.wait_for_function("() => document.getElementById('c-log').textContent.includes('preparing for the pass')",
                           timeout=WAIT_MS)
    page.wait_for_selector("#sky .legendtext >> text=antenna (rotator)", timeout=WAIT_MS)
    assert page.locator("#sky .legendtext", has_text="predicted pass").count() == 1
    assert "Hz on 437.365 MHz" in page.inner_text("#c-doppler")
    assert page.inner_text("#c-rotator") == "ok"
    shot(page, "console")
    assert not errors, errors
    context.close()

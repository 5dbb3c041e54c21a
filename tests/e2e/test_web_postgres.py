"""Mission control over a PostgreSQL archive, in a real browser (Playwright driving Debian's
chromium, headless, on 127.0.0.1): the same pages work on the second backend."""

from __future__ import annotations

import pytest

from tests.conftest import require_program
from tests.web.fixtures import CHROMIUM_ARGS, populate, postgres_url, running_server

WAIT_MS = 20_000


@pytest.fixture(scope="module")
def pg_mission():
    from picodragon.web.auth import create_user

    with postgres_url() as url:
        populate(url)
        create_user(url, "olga", "olga-operator-1", "operator")
        with running_server(url) as base:
            yield base


def test_operator_on_postgresql(pg_mission):
    chromium = require_program("chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(pg_mission + "/")
            page.fill("#name", "olga")
            page.fill("#password", "olga-operator-1")
            page.click("#login-button")
            page.wait_for_function("() => document.getElementById('mode').textContent.includes('NOMINAL')",
                                   timeout=WAIT_MS)
            page.goto(pg_mission + "/telemetry?point=HOUSEKEEPING.battery_voltage_v&start=2013-11-19T00:00:00Z"
                      "&end=2013-11-21T00:00:00Z")
            page.wait_for_selector("#chart-0 .main-svg", timeout=WAIT_MS)
            assert "s buckets" in page.inner_text("#telemetry-note")  # two days: read from the rollups
            page.goto(pg_mission + "/commanding")
            page.wait_for_selector("#command-name option", state="attached", timeout=WAIT_MS)
            page.click("#send-command")  # NOOP
            page.wait_for_selector("tr.command[data-stage='released']", timeout=WAIT_MS)
            page.goto(pg_mission + "/images")
            page.wait_for_selector(".thumb.partial .chunks i.missing", timeout=WAIT_MS)
        finally:
            browser.close()

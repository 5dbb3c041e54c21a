"""The mission report opens offline in headless Chromium and shows every section with data."""

from __future__ import annotations

import pytest

from picodragon.config import load_scenario
from picodragon.mission.runner import RunOptions, run_mission
from tests.conftest import require_program

CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SECTIONS = ["Mission results", "Orbit", "Ground track", "Passes", "Power", "Thermal", "Attitude",
            "Images", "Commands", "Events and faults"]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    path = folder / "report.html"
    run_mission(load_scenario(), RunOptions(days=2, db=str(folder / "a.sqlite"), report=str(path), progress=False))
    return path


def test_report_renders_offline_with_every_section(report, tmp_path):
    chromium = require_program("chromium")
    from playwright.sync_api import sync_playwright

    outside: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 900})
            page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(("file:", "data:")) else None)
            page.goto(report.as_uri())
            page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 8",
                                   timeout=60_000)
            headings = page.locator("section h2").all_inner_texts()
            for section in SECTIONS:
                assert section in headings
            # real data: plotted traces, a received image, commands and passes in their tables
            assert page.locator("#orbit .scatterlayer .trace").count() >= 1
            assert page.locator("#images figure img").count() >= 1
            assert page.locator("#commands tbody tr").count() >= 3
            assert page.locator("#passes tbody tr").count() >= 5
            natural = page.eval_on_selector("#images figure img", "img => img.naturalWidth")
            assert natural == 640
            # the contents link to every section; the event filter hides what does not match
            assert page.locator("nav.toc a").count() == len(headings)
            rows = page.locator("#event-list tbody tr")
            if rows.count():
                page.fill("#event-filter", "no event says this")
                assert all(not r.is_visible() for r in rows.all())
                page.fill("#event-filter", "")
            # the page stays a page: long tables scroll in their boxes (the lifetime report was
            # 47,814 px tall before)
            assert page.evaluate("document.body.scrollHeight") < 15_000
            page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        finally:
            browser.close()
    assert outside == []  # nothing was fetched from anywhere: the report is self-contained

"""The environmental test report opens offline in headless Chromium: every section, plots drawn.

The campaign folder holds hand-made results of every kind (tests/envtest/campaign_fixtures.py);
the report must load nothing from anywhere, raise no console error, draw
its plots (log-log PSD, overlaid surveys, the TVAC timeline, residual bars) and show the verdict
table. Each section is photographed (into docs/screenshots/envtest-*.png for docs/envtest.md
with PICODRAGON_SCREENSHOTS=1, else a temporary folder). Waits are bounded by Playwright
timeouts; nothing asserts how long anything took.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from tests.envtest.campaign_fixtures import write_campaign

SHOTS = (Path(__file__).resolve().parents[2] / "docs" / "screenshots"
         if os.environ.get("PICODRAGON_SCREENSHOTS") == "1"
         else Path(tempfile.gettempdir()) / "picodragon-screenshots")
WAIT_MS = 60_000
SECTIONS = {"summary": "Summary", "verdicts": "Verdicts", "random": "Random vibration",
            "sine": "Sine surveys and pre/post comparison", "tvac": "Thermal vacuum",
            "correlation": "Thermal model correlation"}


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    from picodragon.envtest.report import write_report

    folder = write_campaign(tmp_path_factory.mktemp("envtest") / "campaign")
    return write_report(folder, folder / "report.html")


def test_envtest_report_in_a_browser(browser, report) -> None:
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    errors: list[str] = []
    outside: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(("file:", "data:", "blob:")) else None)
    page.goto(report.as_uri())
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 8", timeout=WAIT_MS)
    assert page.locator("section h2").all_inner_texts() == list(SECTIONS.values())
    assert page.locator("#summary-verdict").inner_text() == "PASS"
    assert page.locator("#summary-verdict").is_visible()
    # every criterion in the verdict table, with its source, visible
    rows = page.locator("#verdicts table.verdicts tbody tr")
    assert rows.count() >= 10
    assert rows.first.is_visible() and "GSFC-STD-7000" in rows.first.inner_text()
    # plots drawn with data: the PSD on log axes with its bands, the surveys overlaid, plateaus
    assert page.locator("#random .js-plotly-plot").count() >= 3
    assert page.locator("#random .js-plotly-plot").first.locator(".scatterlayer .trace").count() == 5
    assert page.evaluate("document.querySelector('#random .js-plotly-plot').layout.xaxis.type") == "log"
    assert page.locator("#sine-overlay .js-plotly-plot").count() == 3
    assert page.locator("#tvac .js-plotly-plot").first.locator(".shapelayer path").count() >= 4
    assert page.locator("#correlation .residuals .bars .point").count() == 4
    assert page.locator("#tvac table[data-table='functional_tests'] tbody tr").count() == 4
    assert page.locator("nav.toc a").count() == len(SECTIONS)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for anchor in ("summary", "random", "sine", "tvac", "correlation"):
        page.locator(f"#{anchor}").screenshot(path=str(SHOTS / f"envtest-{anchor}.png"))
    page.close()
    assert errors == []
    assert outside == []  # nothing fetched: the report is self-contained

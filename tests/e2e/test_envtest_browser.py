"""The reference mission's environmental test campaign, and its report in headless Chromium.

The module runs the whole campaign once (``envtest.campaign.run_campaign`` on the reference
mission: per axis the sine survey, random at GEVS qualification and the survey again, then the
thermal-vacuum run with the flight software and the correlation) and opens its report offline:
every section is there, no console error, nothing is fetched, the plots are drawn with data
(log-log PSD with its bands, surveys before and after overlaid, the TVAC timeline with its
plateaus shaded, residual bars), the verdict table shows every criterion with its source and the
summary verdict is the campaign's. Each section is photographed (into
docs/screenshots/envtest-*.png for docs/envtest.md with PICODRAGON_SCREENSHOTS=1, else a
temporary folder). Waits are bounded by Playwright timeouts; nothing asserts how long anything
took.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest

SHOTS = (Path(__file__).resolve().parents[2] / "docs" / "screenshots"
         if os.environ.get("PICODRAGON_SCREENSHOTS") == "1"
         else Path(tempfile.gettempdir()) / "picodragon-screenshots")
WAIT_MS = 60_000
SECTIONS = {"summary": "Summary", "verdicts": "Verdicts", "random": "Random vibration",
            "sine": "Sine surveys and pre/post comparison", "tvac": "Thermal vacuum",
            "correlation": "Thermal model correlation"}


@pytest.fixture(scope="module")
def campaign(tmp_path_factory) -> Path:
    from picodragon.config.mission import load_mission
    from picodragon.envtest.campaign import run_campaign

    folder = tmp_path_factory.mktemp("envtest") / "campaign"
    run_campaign(load_mission(), folder, seed=1)
    return folder


def test_the_campaign_ran_every_step(campaign) -> None:
    manifest = json.loads((campaign / "campaign.json").read_text())
    assert manifest["skipped"] == []
    assert len(manifest["steps"]) == 14
    # the functional tests ran at every plateau of the profile and the correlation wrote its scenario
    tvac = json.loads((campaign / "tvac.json").read_text())
    assert len(tvac["tables"]["functional_tests"]["rows"]) >= 8
    assert (campaign / "correlated-scenario.toml").is_file()


def test_envtest_report_in_a_browser(browser, campaign) -> None:
    manifest = json.loads((campaign / "campaign.json").read_text())
    report = campaign / "report.html"
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    errors: list[str] = []
    outside: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(("file:", "data:", "blob:")) else None)
    page.goto(report.as_uri())
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 12", timeout=WAIT_MS)
    assert page.locator("section h2").all_inner_texts() == list(SECTIONS.values())
    verdict = page.locator("#summary-verdict")
    assert verdict.is_visible() and verdict.inner_text() == ("PASS" if manifest["passed"] else "FAIL")
    # every criterion of every step in the verdict table, each with its source
    total = sum(v["total"] for v in manifest["verdicts"].values())
    rows = page.locator("#verdicts table.verdicts tbody tr")
    assert rows.count() == total > 30
    assert all(cells[-1].strip() for cells in (r.split("\t") for r in rows.all_inner_texts()))
    assert rows.first.is_visible()
    # plots drawn with data
    psd = "document.querySelector('#random .js-plotly-plot')"
    assert page.evaluate(f"{psd}.layout.xaxis.type") == "log" and page.evaluate(f"{psd}.layout.yaxis.type") == "log"
    names = page.evaluate(f"{psd}.data.map(t => t.name)")
    assert any("spec" in n for n in names) and any("tol" in n for n in names) and any("abort" in n for n in names)
    assert page.locator("#sine-overlay .js-plotly-plot").count() == 3
    overlay = page.evaluate("document.querySelector('#sine-overlay .js-plotly-plot').data.map(t => t.name)")
    assert any(n.startswith("sine_pre_X") for n in overlay) and any(n.startswith("sine_post_X") for n in overlay)
    assert page.locator("#tvac .js-plotly-plot").first.locator(".shapelayer path").count() >= 8
    assert page.locator("#tvac table[data-table='functional_tests'] tbody tr").count() >= 8
    assert page.locator("#correlation .residuals .bars .point").count() >= 6
    assert page.locator("#correlation table[data-table='recovered'] tbody tr").count() >= 3
    assert page.locator("nav.toc a").count() == len(SECTIONS)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for anchor in ("summary", "random", "sine", "tvac", "correlation"):
        first = page.locator(f"#{anchor} .step").first if anchor != "summary" else page.locator("#summary")
        head = page.locator(f"#{anchor} #sine-overlay") if anchor == "sine" else first
        head.screenshot(path=str(SHOTS / f"envtest-{anchor}.png"))
    page.close()
    assert errors == []
    assert outside == []  # nothing fetched: the report is self-contained

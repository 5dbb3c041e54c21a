"""The campaign report (envtest.report): every section of a full folder, any subset, refusals, offline."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from picodragon.envtest import results as R
from picodragon.envtest.report import read_campaign, write_report
from tests.envtest.campaign_fixtures import random_result, tvac_result, write_campaign


@pytest.fixture
def campaign(tmp_path):
    return write_campaign(tmp_path / "campaign")


def _sections(text: str) -> list[str]:
    return re.findall(r"<section id='([a-z-]+)'>", text)


def test_full_campaign_has_every_section_and_verdict(campaign, tmp_path) -> None:
    out = write_report(campaign, tmp_path / "report.html")
    text = out.read_text()
    assert _sections(text) == ["summary", "verdicts", "random", "sine", "tvac", "correlation"]
    assert "id='summary-verdict' class='verdict pass'>PASS" in text
    # every verdict of every step appears with its source
    for path in campaign.glob("*.json"):
        if path.name == "campaign.json":
            continue
        for v in R.load(path).verdicts:
            assert v["source"] in text
    assert "id='sine-overlay'" in text  # pre and post surveys overlaid
    assert "data-table='functional_tests'" in text and "data-table='mode_shifts'" in text
    assert "class='residuals'" in text  # before/after bars of the correlation
    from plotly.offline import get_plotlyjs

    assert text.count(get_plotlyjs()[:300]) == 1  # plotly.js embedded once
    assert "fixture-sat" in text
    assert "<th>random spec</th><td>gevs-qual-random</td>" in text  # what the campaign ran with


def test_plots_are_log_log_for_psd_and_shaded_for_plateaus(campaign, tmp_path) -> None:
    text = write_report(campaign, tmp_path / "report.html").read_text()
    random_part = text.split("<section id='random'>")[1].split("</section>")[0]
    assert '"type":"log"' in random_part.replace(" ", "")
    tvac_part = text.split("<section id='tvac'>")[1].split("</section>")[0]
    assert tvac_part.count('"type":"rect"') == 4  # the four plateaus of the fixture


def test_offline_no_url_is_loaded(campaign, tmp_path) -> None:
    text = write_report(campaign, tmp_path / "report.html").read_text()
    # no tag loads anything: no script or image source, no stylesheet (plotly.js itself holds
    # URLs in strings, which it never fetches for these plots; the browser test checks requests)
    assert not re.search(r"<(script|img|link|iframe)[^>]*\s(src|href)\s*=", text)
    assert "<script src" not in text


def test_a_failed_criterion_fails_the_summary(tmp_path) -> None:
    folder = write_campaign(tmp_path / "c", failing=True)
    text = write_report(folder, tmp_path / "r.html").read_text()
    assert "id='summary-verdict' class='verdict fail'>FAIL" in text
    assert "compare_Y: first mode frequency shift" in text


def test_any_subset_of_steps(tmp_path) -> None:
    folder = tmp_path / "only"
    folder.mkdir()
    R.save(random_result("Z"), folder / "random_Z.json")
    text = write_report(folder, tmp_path / "r.html").read_text()
    assert _sections(text) == ["summary", "verdicts", "random"]
    R.save(tvac_result(), folder / "tvac.json")
    _, steps = read_campaign(folder)
    assert [s for s, _ in steps] == ["random_Z", "tvac"]


@pytest.mark.parametrize("name, content, message", [
    ("broken.json", '{"kind": "random", "title": ', "broken.json: not JSON"),
    ("foreign.json", json.dumps({"name": "package.json"}), "not an envtest result"),
    ("campaign.json", "[1, 2]", "not a campaign manifest"),
])
def test_broken_or_foreign_files_are_refused_and_nothing_written(campaign, tmp_path, name, content, message) -> None:
    (campaign / name).write_text(content)
    out = tmp_path / "report.html"
    with pytest.raises(R.ResultError, match=message):
        write_report(campaign, out)
    assert not out.exists()


def test_missing_or_empty_folder(tmp_path) -> None:
    with pytest.raises(R.ResultError, match="folder not found"):
        read_campaign(tmp_path / "nope")
    with pytest.raises(R.ResultError, match="no step results"):
        read_campaign(tmp_path)


def test_text_from_files_is_escaped(tmp_path) -> None:
    folder = tmp_path / "x"
    folder.mkdir()
    res = random_result()
    res["title"] = "<img src=x onerror=alert(1)>"
    R.save(res, folder / "random_X.json")
    text = write_report(folder, tmp_path / "r.html").read_text()
    assert "<img src=x" not in text


JSON = st.recursive(st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=8),
                    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=5),
                    max_leaves=25)
MANIFEST_KEYS = st.fixed_dictionaries({}, optional={k: JSON for k in ("mission", "seed", "created", "steps", "skipped")})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(manifest=MANIFEST_KEYS | JSON)
def test_any_manifest_gives_a_report_or_a_clear_refusal(tmp_path, manifest) -> None:
    """campaign.json comes from outside (a folder someone hands over): never a crash."""
    folder = tmp_path / "m"
    folder.mkdir(exist_ok=True)
    R.save(random_result(), folder / "random_X.json")
    (folder / "campaign.json").write_text(json.dumps(manifest))
    out = tmp_path / "r.html"
    try:
        write_report(folder, out)
    except R.ResultError as exc:
        assert "campaign.json" in str(exc)
    else:
        assert "<section id='random'>" in out.read_text()

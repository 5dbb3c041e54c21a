"""Figures quoted in README.md and docs/*.md agree with bench/results/*.json (bench/_figures.py).

The docs' marked figures (``<!-- bench: FILE PATH [SCALE] [FORMAT] -->text<!-- /bench -->``) must
say what their results file says, so a figure cannot drift from the last run of its bench; the
rest checks the marker machinery itself on small made-up documents.
"""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import _figures  # noqa: E402


def test_every_marked_figure_in_the_docs_matches_its_results() -> None:
    docs = _figures.docs()
    assert ROOT / "README.md" in docs
    marked = [f for doc in docs for f in _figures.figures(doc)]
    assert marked, "no marked figures found: the markers were lost"
    wrong = [
        f"{f.doc.relative_to(ROOT)}:{f.line}: {f.spec}: says {f.text!r}, results say {f.expected!r}"
        for f in marked
        if f.text != f.expected
    ]
    assert not wrong, "run `.venv/bin/python bench/_figures.py --write`:\n" + "\n".join(wrong)


@pytest.fixture
def results(tmp_path: Path) -> Path:
    folder = tmp_path / "results"
    folder.mkdir()
    (folder / "x.json").write_text(json.dumps({
        "sets": [{"set": "noise", "ours": 83, "speed": 63.14}, {"set": "fm", "ours": 91, "speed": 112.5}],
        "rate": 3055038.6,
        "rows": [{"days": 121.517}],
        "name": "afsk",
    }))
    return folder


@pytest.mark.parametrize(
    ("spec", "text"),
    [
        ("x.json sets[set=noise].ours", "83"),
        ("x.json sets[set=fm].speed .0f", "112"),
        ("x.json sets.1.ours", "91"),
        ("x.json rate /1e6 .1f", "3.1"),
        ("x.json rate ,.0f", "3,055,039"),
        ("x.json rows.0.days *24 .0f", "2916"),
        ("x.json rows.0.days", "121.517"),
        ("x.json name", "afsk"),
        ("x.json name .2", "af"),
    ],
)
def test_render_follows_the_spec(results: Path, spec: str, text: str) -> None:
    assert _figures.render(spec, results) == text


@pytest.mark.parametrize(
    "spec",
    [
        "y.json rate",  # no such file
        "x.json nope",  # no such key
        "x.json sets[set=hum].ours",  # no element matches
        "x.json sets.7.ours",  # index out of range
        "x.json name .1f",  # a number's format on text
        "x.json name /2",  # a scale on text
        "x.json rate .1f .2f",  # two formats
        "x.json",  # no path
    ],
)
def test_a_broken_marker_is_refused(results: Path, spec: str) -> None:
    with pytest.raises(_figures.FigureError):
        _figures.render(spec, results)


def test_rewrite_fixes_stale_spans_and_check_sees_them(results: Path, tmp_path: Path) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text(
        "| set | ours |\n|---|---|\n"
        "| noise | <!-- bench: x.json sets[set=noise].ours -->80<!-- /bench --> |\n"
        "| fm | <!-- bench: x.json sets[set=fm].ours -->91<!-- /bench --> |\n"
    )
    stale = [f for f in _figures.figures(doc, results) if f.text != f.expected]
    assert [(f.line, f.text, f.expected) for f in stale] == [(3, "80", "83")]
    assert _figures.rewrite(doc, results) == (1, [])
    assert "-->83<!--" in doc.read_text()
    assert all(f.text == f.expected for f in _figures.figures(doc, results))
    assert _figures.rewrite(doc, results) == (0, [])


def test_rewrite_keeps_an_unresolved_span_and_reports_it(results: Path, tmp_path: Path) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text(
        "<!-- bench: x.json sets[set=noise].ours -->80<!-- /bench -->\n"
        "<!-- bench: x.json missing -->?<!-- /bench -->\n"
    )
    changed, errors = _figures.rewrite(doc, results)
    assert changed == 1
    assert len(errors) == 1 and errors[0].startswith("doc.md:2:")
    assert doc.read_text() == (
        "<!-- bench: x.json sets[set=noise].ours -->83<!-- /bench -->\n"
        "<!-- bench: x.json missing -->?<!-- /bench -->\n"
    )
    with pytest.raises(_figures.FigureError, match="doc.md:2"):
        _figures.figures(doc, results)


def test_an_unclosed_marker_is_refused(results: Path, tmp_path: Path) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text("<!-- bench: x.json rate -->3<!-- /bench --> and <!-- bench: x.json rate -->3\n")
    with pytest.raises(_figures.FigureError, match="without"):
        _figures.figures(doc, results)
    with pytest.raises(_figures.FigureError, match="without"):
        _figures.rewrite(doc, results)


@settings(max_examples=300, deadline=None)
@given(
    path=st.sampled_from(["rate", "sets[set=noise].ours", "sets.0", "name", "rows.0.days", "x[", "a=b]"])
    | st.text(max_size=20),
    extra=st.lists(st.sampled_from(["/0", "*nan", "/1e3", ".1f", ",d", "s", "%", "*x", ".0f"]) | st.text(max_size=6),
                   max_size=3),
)
def test_any_marker_spec_renders_or_is_refused_in_one_error(tmp_path_factory, path: str, extra: list[str]) -> None:
    folder = tmp_path_factory.mktemp("r")
    (folder / "x.json").write_text(json.dumps({"rate": 3.5, "sets": [{"set": "noise", "ours": 3}], "name": "a",
                                               "rows": [{"days": 1.25}]}))
    spec = " ".join(["x.json", path, *extra])
    with contextlib.suppress(_figures.FigureError):
        assert isinstance(_figures.render(spec, folder), str)

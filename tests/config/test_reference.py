"""docs/missions.md holds the reference of every mission.toml field as the models make it."""

from __future__ import annotations

from pathlib import Path

from picodragon.config.reference import BEGIN, END, reference_markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "missions.md"


def test_the_field_reference_in_the_docs_is_the_models():
    text = DOC.read_text(encoding="utf-8")
    start, end = text.index(BEGIN), text.index(END) + len(END)
    assert text[start:end] + "\n" == reference_markdown(), (
        "docs/missions.md's field reference drifted from the models: regenerate it with "
        "picodragon.config.reference.reference_markdown()")


def test_every_section_and_field_is_listed():
    made = reference_markdown()
    for section in ("[spacecraft.radio]", "[[stations]]", "[flight_software]", "[[targets]]"):
        assert f"### {section}" in made
    for field in ("ground_callsign", "extra_components", "dictionary", "min_elevation_deg"):
        assert f"| `{field}` |" in made

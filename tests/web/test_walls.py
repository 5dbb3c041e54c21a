"""The web room's wall: it may use ground, dictionary, config, elements and link, never physics,
fsw or mission (it must serve a real spacecraft's archive as well as the twin's)."""

from __future__ import annotations

from pathlib import Path

from tests.test_walls import imported_modules

WEB = Path(__file__).resolve().parents[2] / "src" / "picodragon" / "web"
FORBIDDEN = ("picodragon.physics", "picodragon.fsw", "picodragon.mission", "picodragon.cli")


def test_web_imports_no_physics_fsw_or_mission():
    breaches = [f"{p.name} imports {name}" for p in sorted(WEB.rglob("*.py")) for name in imported_modules(p)
                if any(name == f or name.startswith(f + ".") for f in FORBIDDEN)]
    assert not breaches, breaches


def test_no_page_or_script_names_another_host():
    for path in list((WEB / "templates").iterdir()) + list((WEB / "static").iterdir()):
        text = path.read_text(encoding="utf-8").replace('xmlns="http://www.w3.org/2000/svg"', "")
        assert "http://" not in text and "https://" not in text, path.name

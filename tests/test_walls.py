"""The rooms and their walls (docs/architecture.md): imports are checked, not trusted."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "picodragon"

FORBIDDEN = {
    "physics": ("picodragon.fsw", "picodragon.ground", "picodragon.mission", "picodragon.link", "picodragon.web", "picodragon.envtest"),
    "fsw": ("picodragon.physics", "picodragon.ground", "picodragon.mission", "picodragon.config", "picodragon.web", "picodragon.envtest"),
    "link": ("picodragon.fsw", "picodragon.ground", "picodragon.physics", "picodragon.mission", "picodragon.web", "picodragon.envtest"),
    "ground": ("picodragon.fsw", "picodragon.physics", "picodragon.mission", "picodragon.envtest"),
    "dictionary": ("picodragon.fsw", "picodragon.ground", "picodragon.physics", "picodragon.mission", "picodragon.envtest"),
    # the test campaign integrates like the mission room (the TVAC run flies fsw against the twin
    # and archives through the ground) but no face of it lives inside: web and cli come to it
    "envtest": ("picodragon.web", "picodragon.cli"),
    # the shared vocabulary of time and frames lies below every room: it imports none of them
    "astro": tuple(
        f"picodragon.{room}"
        for room in ("physics", "fsw", "link", "ground", "mission", "web", "config", "dictionary", "envtest",
                     "elements", "cli")
    ),
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("room", sorted(FORBIDDEN))
def test_room_keeps_its_walls(room):
    breaches = []
    for path in sorted((SRC / room).rglob("*.py")):
        for name in imported_modules(path):
            if any(name == f or name.startswith(f + ".") for f in FORBIDDEN[room]):
                breaches.append(f"{path.relative_to(SRC)} imports {name}")
    assert not breaches, "\n".join(breaches)


def test_every_room_may_import_astro():
    """No room forbids the shared vocabulary (docs/architecture.md, "Shared vocabularies")."""
    assert not [room for room, forbidden in FORBIDDEN.items()
                if any(f == "picodragon.astro" or "picodragon.astro".startswith(f + ".") for f in forbidden)]


def test_astro_imports_nothing_of_picodragon_at_run_time():
    """Importing the vocabulary loads no other module of picodragon (no import loop possible)."""
    import subprocess
    import sys

    code = (
        "import sys, picodragon.astro;"
        "print(','.join(sorted(m for m in sys.modules if m.startswith('picodragon.') "
        "and not m.startswith('picodragon.astro'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""

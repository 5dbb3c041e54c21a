"""The rooms and their walls (docs/architecture.md): imports are checked, not trusted."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "picodragon"

FORBIDDEN = {
    "physics": ("picodragon.fsw", "picodragon.ground", "picodragon.mission", "picodragon.link", "picodragon.web"),
    "fsw": ("picodragon.physics", "picodragon.ground", "picodragon.mission", "picodragon.config", "picodragon.web"),
    "link": ("picodragon.fsw", "picodragon.ground", "picodragon.physics", "picodragon.mission", "picodragon.web"),
    "ground": ("picodragon.fsw", "picodragon.physics", "picodragon.mission"),
    "dictionary": ("picodragon.fsw", "picodragon.ground", "picodragon.physics", "picodragon.mission"),
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

"""Small modules with one idea each (issue 12): none over 500 lines unless its docstring says why."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "picodragon"
LIMIT = 500


def test_long_modules_say_why_in_their_docstring() -> None:
    unexplained = []
    for path in sorted(SRC.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        lines = text.count("\n")
        if lines <= LIMIT:
            continue
        doc = ast.get_docstring(ast.parse(text)) or ""
        if f"over {LIMIT} lines because" not in doc:
            unexplained.append(f"{path.relative_to(SRC)} ({lines} lines)")
    assert not unexplained, "split these, or say why they are one module: " + ", ".join(unexplained)

"""The archive is the only door to ground data: no SQL statement in src/ outside ground/archive/.

Every string literal (f-strings with their holes as ``?``) of every module is searched for the
shape of an SQL statement; docstrings are prose and are left out. A statement found elsewhere
belongs in ``picodragon.ground.archive`` (reader, rollups, users, pool or a backend), behind a
method the other room calls.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "picodragon"
ARCHIVE = SRC / "ground" / "archive"
STATEMENT = re.compile(
    r"\bSELECT\b.+\bFROM\b|\bINSERT\s+INTO\b|\bUPDATE\s+\S+\s+SET\b|\bDELETE\s+FROM\b|\bREPLACE\s+INTO\b"
    r"|\b(CREATE|DROP|ALTER)\s+(TEMP\s+|TEMPORARY\s+|UNIQUE\s+)?(TABLE|INDEX|SCHEMA|VIEW)\b|\bPRAGMA\s+\w"
    r"|\bBEGIN\s+(IMMEDIATE|EXCLUSIVE|TRANSACTION)\b|\bCOPY\s+\S+.*\bFROM\s+STDIN\b|\bON\s+CONFLICT\b",
    re.DOTALL,  # keywords in capitals, as every statement of the code base writes them: prose says 'select'
)


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def sql_literals(path: Path, root: Path = SRC.parent) -> list[str]:
    """``file:line: text`` for every string literal of ``path`` shaped like an SQL statement."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _docstrings(tree)
    inside_fstrings = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            text = "".join(v.value if isinstance(v, ast.Constant) else "?" for v in node.values)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) in skip or id(node) in inside_fstrings:
                continue
            text = node.value
        else:
            continue
        if STATEMENT.search(text):
            found.append(f"{path.relative_to(root)}:{node.lineno}: {text[:60]!r}")
    return found


def test_no_sql_outside_the_archive():
    found = [hit for p in sorted(SRC.rglob("*.py")) if ARCHIVE not in p.parents for hit in sql_literals(p)]
    assert not found, "SQL outside ground/archive/:\n" + "\n".join(found)


def test_the_scan_sees_sql_in_plain_and_formatted_strings(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        '"""Docs may say SELECT x FROM y."""\n'
        'A = "SELECT name FROM web_users WHERE name = ?"\n'
        'B = f"INSERT INTO {table} (a) VALUES (?)"\n'
        'C = "select the mode from the menu"\n'
        'D = f"DELETE FROM {t} WHERE id = ?"\n',
        encoding="utf-8",
    )
    hits = sql_literals(sample, tmp_path)
    assert [h.split(":")[1] for h in hits] == ["2", "3", "5"]

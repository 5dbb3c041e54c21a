"""The bench runner (bench/_run.py) and the meta every bench records (bench/_meta.py).

Fake benches in a temporary folder: one that works, one that fails, one whose peer is missing
(prints ``skipped: ...``), one that hangs past its time limit; the runner must classify each
and go on. No figure is timed here: the hang is bounded by the runner's own limit.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import _meta  # noqa: E402
import _run  # noqa: E402


def _script(folder: Path, name: str, body: str) -> Path:
    path = folder / f"{name}.py"
    path.write_text(f"import sys, time\n{body}\n")
    return path


def test_run_one_classifies_ok_failed_skipped_and_timeout(tmp_path: Path) -> None:
    ok = _run.run_one(_script(tmp_path, "ok", "print('ours 3 peer 2')"), timeout_s=60)
    failed = _run.run_one(_script(tmp_path, "bad", "sys.exit(3)"), timeout_s=60)
    skipped = _run.run_one(_script(tmp_path, "nojvm", "print('skipped: no Java runtime')"), timeout_s=60)
    hung = _run.run_one(_script(tmp_path, "hang", "time.sleep(60)"), timeout_s=1)
    assert (ok["status"], ok["exit_code"]) == ("ok", 0)
    assert (failed["status"], failed["exit_code"]) == ("failed", 3)
    assert (skipped["status"], skipped["skip_reason"]) == ("skipped", "no Java runtime")
    assert hung["status"] == "timeout"
    for entry in (ok, failed, skipped, hung):
        assert len(entry["load_average_before"]) == 3 and len(entry["load_average_after"]) == 3
        assert entry["wall_s"] >= 0


def test_the_benches_are_the_public_scripts_in_name_order() -> None:
    found = [p.stem for p in _run.benches()]
    assert found == sorted(found)
    assert not [n for n in found if n.startswith("_")]
    assert "modem" in found and "physics" in found
    assert not set(found) & set(_run.INCLUDED_IN), "a bench another one runs is left to it"
    assert [p.stem for p in _run.benches(["physics", "modem"])] == ["modem", "physics"]
    with pytest.raises(ValueError, match="no such bench"):
        _run.benches(["nope"])


def test_an_unknown_bench_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run.main(["--only", "nope"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_meta_records_commit_load_and_dates() -> None:
    _meta.start()
    m = _meta.meta()
    assert m["commit"] is None or len(m["commit"]) == 40
    assert len(m["load_average_start"]) == 3 and len(m["load_average_end"]) == 3
    assert m["date_start"] <= m["date"] and m["date"].endswith("Z")
    assert m["cpu_count"] >= 1
    paths = m["dirty_paths"]
    assert paths is None or m["dirty"] == bool(paths)
    assert paths is None or all(q.startswith(("src/", "bench/")) for q in paths)


def test_skip_keeps_the_last_figures_and_marks_them(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = tmp_path / "orekit.json"
    result.write_text(json.dumps({"rows": [{"days": 121.5}]}))
    assert _meta.skip(result, "no Java runtime") == 0
    data = json.loads(result.read_text())
    assert data["rows"] == [{"days": 121.5}]
    assert data["skipped"]["reason"] == "no Java runtime" and "commit" in data["skipped"]["meta"]
    assert capsys.readouterr().out == "skipped: no Java runtime\n"

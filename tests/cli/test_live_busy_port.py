"""`live` on a busy port: one line and exit 2, whether the check at the boundary sees it or the
port is taken between that check and the server's bind."""

from __future__ import annotations

import socket

import pytest

from picodragon.cli import main


@pytest.fixture
def busy_port():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        yield taken.getsockname()[1]


def _run(capsys, port: int) -> tuple[int, list[str]]:
    with pytest.raises(SystemExit) as exit_:
        main(["live", "--kiss", f"127.0.0.1:{port}", "--duration", "1", "--speed", "100"])
    lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    return int(exit_.value.code or 0), lines


def test_the_boundary_check(capsys, busy_port):
    code, lines = _run(capsys, busy_port)
    assert code == 2 and len(lines) == 1 and f"127.0.0.1:{busy_port}" in lines[0] and "--kiss" in lines[0]


def test_a_port_taken_after_the_check(capsys, busy_port, monkeypatch):
    import picodragon.cli.operations as operations

    monkeypatch.setattr(operations, "bindable", lambda *_: None)
    code, lines = _run(capsys, busy_port)
    assert code == 2, lines
    assert len(lines) == 1 and "cannot listen" in lines[0] and "Traceback" not in "".join(lines)

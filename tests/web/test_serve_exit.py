"""`picodragon serve` ends as a service should: exit 0 after Ctrl-C or SIGTERM (a clean
shutdown), one line and exit 2 when it cannot start; never uvicorn's exit 3 or a death by signal."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time

import pytest

from picodragon.ground.archive import open_archive
from tests.conftest import free_port

#: the command with SIGINT's default Python handler, whatever the test runner's parent ignores
CHILD = ("import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
         "from picodragon.cli import main; main(sys.argv[1:])")


@pytest.fixture
def archive_db(tmp_path):
    db = tmp_path / "m.sqlite"
    open_archive(str(db)).close()
    return str(db)


def _wait_listening(port: int, proc: subprocess.Popen) -> None:
    for _ in range(600):  # at most 60 s
        if proc.poll() is not None:
            raise AssertionError(f"serve exited early: {proc.communicate()[1][-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("serve never listened")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_stop_by_signal_exits_0(archive_db, tmp_path, sig):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", CHILD, "serve", "--db", archive_db, "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        _wait_listening(port, proc)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err[-2000:]
    assert "Traceback" not in err and "Application shutdown complete" in err


def test_a_failed_start_is_a_serve_error_not_exit_3(archive_db):
    from picodragon.web import ServeError, serve

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ServeError, match=f"127.0.0.1:{port}"):
            serve(archive_db, host="127.0.0.1", port=port)
    # the handlers the server replaced are back
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL


def test_the_cli_turns_a_failed_start_into_one_line_and_exit_2(archive_db, monkeypatch, capsys):
    import picodragon.web as web
    from picodragon.cli import main

    def failing(db, **_):
        raise web.ServeError("mission control could not start on 127.0.0.1:1 (see the log above)")

    monkeypatch.setattr(web, "serve", failing)
    with pytest.raises(SystemExit) as exit_:
        main(["serve", "--db", archive_db, "--port", str(free_port())])
    assert exit_.value.code == 2
    lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert lines == ["picodragon: mission control could not start on 127.0.0.1:1 (see the log above)"]


def test_bad_input_exits_2(tmp_path, capsys):
    from picodragon.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["serve", "--db", str(tmp_path / "absent.sqlite"), "--port", str(free_port())])
    assert exit_.value.code == 2

"""`picodragon station` that never reaches its TNC: exit 1 and one line saying so (its log and
--json are still written). The TNC here answers the start-up check once, then is gone."""

from __future__ import annotations

import json
import socket
import threading

from picodragon.cli import main


def test_a_station_that_never_reached_its_tnc_exits_1(tmp_path, capsys):
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def answer_once() -> None:  # the CLI's reachability check, then the TNC goes away
        server.settimeout(30)
        try:
            conn, _ = server.accept()
            conn.close()
        finally:
            server.close()

    thread = threading.Thread(target=answer_once, daemon=True)
    thread.start()
    try:
        main(["station", "--kiss", f"127.0.0.1:{port}", "--db", str(tmp_path / "st.sqlite"), "--duration", "3",
              "--json", str(tmp_path / "st.json")])
        code = 0
    except SystemExit as exc:
        code = exc.code
    thread.join(timeout=30)
    err = capsys.readouterr().err
    assert code == 1
    assert err.strip().splitlines()[-1].startswith(f"picodragon: station never reached its TNC at 127.0.0.1:{port}")
    assert "retrying in" in err  # the log said so as it happened
    report = json.loads((tmp_path / "st.json").read_text())
    assert report["tnc_connections"] == 0 and report["last_error"].startswith("TNC ")


def test_a_tle_url_that_does_not_answer_is_one_line_and_exit_2(tmp_path, capsys):
    with socket.create_server(("127.0.0.1", 0)) as s:
        port = s.getsockname()[1]  # closed again: nothing listens there
    tnc = socket.create_server(("127.0.0.1", 0))
    try:
        main(["station", "--kiss", f"127.0.0.1:{tnc.getsockname()[1]}", "--db", str(tmp_path / "st.sqlite"),
              "--tle", f"http://127.0.0.1:{port}/iss.tle", "--duration", "1"])
        code = 0
    except SystemExit as exc:
        code = exc.code
    finally:
        tnc.close()
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert err.startswith(f"picodragon: --tle: cannot fetch http://127.0.0.1:{port}/iss.tle")
    assert list(tmp_path.iterdir()) == []  # nothing cached, no archive made

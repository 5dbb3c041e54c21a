"""The command line's promise under hostile invocations: one line on stderr, exit 2, nothing written.

A table of bad invocations across every verb (non-finite and negative numbers, empty strings,
times outside what the code can represent, unreachable services, missing files, folders where
files are expected and files where folders are expected, existing files that are not our
archive given as ``--db``). Each runs in-process through ``picodragon.cli.main`` (the entry
point's own path, usage errors included) in a fresh working folder, and asserts:

- exit code 2 and exactly one non-empty line on stderr, with no traceback;
- no file created, changed or removed in the working folder (a snapshot before and after, which
  covers every input file given: they live there too).

A few run as real subprocesses to prove the shell path. Cases that used to hang are bounded by
pytest-timeout; nothing here times anything.
"""

from __future__ import annotations

import hashlib
import os
import socket
import sqlite3
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest

from picodragon import cli

KEY_HEX = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
T0 = "2013-11-19T12:17:00Z"
FAR_FUTURE = "9999-12-31T23:59:59Z"
FAR_PAST = "0001-01-01T00:00:00Z"
PASSES = ["passes", "--station", "VNSC Hanoi", "--start", T0, "--days", "1"]
RUN = ["run", "--days", "0.001", "--quiet", "--db", "{w}/new.sqlite", "--report", ""]
LIVE = ["live", "--duration", "0.5", "--kiss", "127.0.0.1:0"]
STATION = ["station", "--kiss", "{listen}", "--duration", "1", "--db", "{w}/st.sqlite"]
COMMAND = ["command", "NOOP", "--key-file", "{key}", "--db", "{w}/st.sqlite"]
USERS = ["users", "add", "alice", "--password-env", "PD_TEST_PASSWORD", "--db", "{w}/users.sqlite"]
MONTE = ["montecarlo", "--runs", "1", "--days", "0.001", "--workers", "1", "--no-lifetime",
         "--page", "{w}/mc.html"]
SERVE = ["serve", "--db", "{archive}", "--port", "{free}"]
BAD_NUMBERS = ["nan", "inf", "-inf", "-1"]


def _cases() -> Iterator[tuple[str, list[str]]]:
    """(id, argv template): every one a bad invocation."""
    # run
    for v in [*BAD_NUMBERS, "0", "1e6", ""]:
        yield f"run-days-{v}", [*RUN, "--days", v]
    for v in [FAR_FUTURE, FAR_PAST, "1900-01-01T00:00:00Z", "2200-01-01T00:00:00Z", "", "2013-11-19",
              "nan", "2013-11-18T00:00:00Z"]:
        yield f"run-start-{v}", [*RUN, "--start", v]
    yield "run-seed-neg", [*RUN, "--seed", "-1"]
    for v in ["", "slow"]:
        yield f"run-fidelity-{v}", [*RUN, "--fidelity", v]
    for v in ["{notes}", "{folder}", "{foreign}", "", "{w}/missing/a.sqlite", "{notes}/a.sqlite",
              "{pg}"]:
        yield f"run-db-{v}", [*RUN, "--db", v]
    for v in ["{folder}", "{w}/missing/r.html", "{notes}/r.html"]:
        yield f"run-report-{v}", [*RUN, "--report", v]
    for v in ["{folder}", "{w}/missing/o.json", "{notes}/o.json", ""]:
        yield f"run-json-{v}", [*RUN, "--json", v]
    for v in ["", "{folder}", "{w}/missing.toml", "{notes}"]:
        yield f"run-scenario-{v}", [*RUN, "--scenario", v]
    # passes
    for v in [*BAD_NUMBERS, "0", "367", ""]:
        yield f"passes-days-{v}", [*PASSES, "--days", v]
    for v in [FAR_FUTURE, FAR_PAST, "", "2013-11-19", "1800-01-01T00:00:00Z", "2090-01-01T00:00:00Z"]:
        yield f"passes-start-{v}", [*PASSES, "--start", v]
    for v in ["nan", "inf", "-90", "90"]:
        yield f"passes-minel-{v}", [*PASSES, "--min-elevation", v]
    for v in ["", "nan,nan", "inf,0", "0,0,nan", "0,0,-1e9", "0,nan"]:
        yield f"passes-station-{v}", [*PASSES, "--station", v]
    for v in ["{w}/missing.tle", "{folder}", "{notes}", "", "{empty}", "{notes}/x.tle"]:
        yield f"passes-tle-{v}", [*PASSES, "--tle", v]
    for v in ["{folder}", "{notes}/x.json", ""]:
        yield f"passes-json-{v}", [*PASSES, "--json", v]
    # lifetime
    for v in ["", "{folder}", "{notes}", "{w}/missing.toml"]:
        yield f"lifetime-scenario-{v}", ["lifetime", "--scenario", v]
    for v in ["{folder}", "{w}/missing/x.json"]:
        yield f"lifetime-json-{v}", ["lifetime", "--json", v]
    for v in ["", "NRLMSIS21", "jb2008"]:
        yield f"lifetime-atmosphere-{v}", ["lifetime", "--atmosphere", v]
    # link-budget
    for v in ["nan", "inf", "-1", "91", ""]:
        yield f"budget-elevation-{v}", ["link-budget", "--elevation", v]
    for v in ["", "nan,0", "Atlantis"]:
        yield f"budget-station-{v}", ["link-budget", "--station", v]
    yield "budget-json-folder", ["link-budget", "--json", "{folder}"]
    # modem
    mod = ["modem", "mod", "--in", "{kiss}", "--out", "{w}/out.wav"]
    for v in ["{w}/missing.kiss", "{folder}", "", "{notes}", "{empty}"]:
        yield f"mod-in-{v}", [*mod, "--in", v]
    for v in ["{folder}", "{w}/missing/x.wav", "{notes}/x.wav", ""]:
        yield f"mod-out-{v}", [*mod, "--out", v]
    for v in ["0", "-1", "1000000"]:
        yield f"mod-rate-{v}", [*mod, "--sample-rate", v]
    for v in ["{w}/missing.wav", "{folder}", "{notes}", "{empty}", "{badwav}", ""]:
        yield f"demod-{v}", ["modem", "demod", v]
    yield "demod-json-folder", ["modem", "demod", "{wav}", "--json", "{folder}"]
    iq = ["modem", "demod", "{wav}", "--iq", "--format", "cu8", "--rate", "48000"]  # SDR IQ (issue 17)
    for v in [*BAD_NUMBERS, "0", "1e12", ""]:
        yield f"demod-iq-rate-{v}", [*iq, "--rate", v]
    for v in ["nan", "inf", "0", "-1", ""]:
        yield f"demod-iq-center-{v}", [*iq, "--center", v]
    for v in ["", "ci64"]:
        yield f"demod-iq-format-{v}", [*iq, "--format", v]
    for v in [FAR_FUTURE, FAR_PAST, "", "2013-11-19"]:
        yield f"demod-iq-start-{v}", [*iq, "--start", v]
    for v in ["", "Atlantis", "nan,0"]:
        yield f"demod-iq-station-{v}", [*iq, "--start", "2013-11-20T03:26:30Z", "--station", v]
    yield "demod-iq-station-no-time", [*iq, "--station", "0,0"]
    yield "demod-iq-tle-alone", [*iq, "--tle", "{notes}"]
    yield "demod-iq-odd-length", ["modem", "demod", "{notes}", "--iq", "--format", "cs16", "--rate", "48000"]
    yield "demod-iq-no-format", ["modem", "demod", "{empty}", "--iq", "--rate", "48000"]
    yield "demod-iq-no-rate", ["modem", "demod", "{wav}", "--iq", "--format", "cu8"]
    yield "demod-rate-without-iq", ["modem", "demod", "{wav}", "--rate", "48000"]
    # serve
    for v in ["0", "-1", "65536", "{busy}"]:
        yield f"serve-port-{v}", [*SERVE, "--port", v]
    for v in ["{w}/missing.sqlite", "{notes}", "{folder}", "{foreign}", "", "{pg}", "{empty}"]:
        yield f"serve-db-{v}", [*SERVE, "--db", v]
    for v in ["{w}/missing.tle", "{folder}", "{notes}"]:
        yield f"serve-tle-{v}", [*SERVE, "--tle", v]
    for v in ["{w}/missing.key", "{folder}", "{shortkey}", ""]:
        yield f"serve-key-{v}", [*SERVE, "--key-file", v]
    # live
    for v in [*BAD_NUMBERS, "0", "1e9"]:
        yield f"live-speed-{v}", [*LIVE, "--speed", v]
    for v in [*BAD_NUMBERS, "0"]:
        yield f"live-duration-{v}", [*LIVE, "--duration", v]
    for v in ["", "nohost", "127.0.0.1:99999", "{busy}", ":8001"]:
        yield f"live-kiss-{v}", [*LIVE, "--kiss", v]
    for v in [FAR_FUTURE, "1900-01-01T00:00:00Z", "", "2013-11-19"]:
        yield f"live-start-{v}", [*LIVE, "--start", v]
    yield "live-station-unknown", [*LIVE, "--station", "Atlantis"]
    yield "live-seed-neg", [*LIVE, "--seed", "-1"]
    for v in ["{w}/missing.key", "{folder}", "{shortkey}"]:
        yield f"live-key-{v}", [*LIVE, "--key-file", v]
    # station
    for v in ["{closed}", "", "nocolon", "127.0.0.1:70000"]:
        yield f"station-kiss-{v}", [*STATION, "--kiss", v]
    for option in ["--rigctld", "--rotctld"]:
        for v in ["{closed}", "nocolon"]:
            yield f"station{option}-{v}", [*STATION, option, v]
    for v in [*BAD_NUMBERS, "0"]:
        yield f"station-duration-{v}", [*STATION, "--duration", v]
    for v in [*BAD_NUMBERS, "0"]:
        yield f"station-speed-{v}", [*STATION, "--speed", v]
    for v in [FAR_FUTURE, FAR_PAST, "", "2013-11-19"]:
        yield f"station-simstart-{v}", [*STATION, "--sim-start", v]
    for v in ["{notes}", "{folder}", "{foreign}", "", "{pg}", "{notes}/st.sqlite"]:
        yield f"station-db-{v}", [*STATION, "--db", v]
    for v in ["{w}/missing.tle", "{folder}", "{notes}"]:
        yield f"station-tle-{v}", [*STATION, "--tle", v]
    for v in ["{w}/missing.key", "{folder}", "{shortkey}"]:
        yield f"station-key-{v}", [*STATION, "--key-file", v]
    yield "station-name-unknown", [*STATION, "--station", "Atlantis"]
    yield "station-json-folder", [*STATION, "--json", "{folder}"]
    # command
    yield "command-name-empty", ["command", "", "--key-file", "{key}", "--db", "{w}/st.sqlite"]
    yield "command-name-unknown", ["command", "SELF_DESTRUCT", "--key-file", "{key}", "--db", "{w}/st.sqlite"]
    for v in ["X", "mode=nan", "mode=inf", "mode=", "mode=-inf", "mode=1e999", f"mode={FAR_FUTURE}"]:
        yield f"command-arg-{v}", ["command", "SET_MODE", v, "--key-file", "{key}", "--db", "{w}/st.sqlite"]
    for v in [FAR_FUTURE, "", "yesterday", FAR_PAST]:
        yield f"command-at-{v}", [*COMMAND, "--at", v]
    for v in ["{notes}", "{folder}", "{foreign}", "", "{pg}", "{w}/missing/st.sqlite"]:
        yield f"command-db-{v}", [*COMMAND, "--db", v]
    for v in ["{w}/missing.key", "{folder}", "{shortkey}", ""]:
        yield f"command-key-{v}", [*COMMAND, "--key-file", v]
    yield "command-no-key", ["command", "NOOP", "--db", "{w}/st.sqlite"]
    # users
    for v in ["", "bad name!"]:
        yield f"users-name-{v}", ["users", "add", v, *USERS[3:]]
    for v in ["", "god"]:
        yield f"users-role-{v}", [*USERS, "--role", v]
    for v in ["{notes}", "{folder}", "{foreign}", "", "{pg}", "{w}/missing/u.sqlite"]:
        yield f"users-db-{v}", [*USERS, "--db", v]
    for v in ["PD_TEST_UNSET", "PD_TEST_EMPTY", "PD_TEST_SHORT"]:
        yield f"users-password-{v}", [*USERS, "--password-env", v]
    # montecarlo
    for v in ["0", "-1"]:
        yield f"mc-runs-{v}", [*MONTE, "--runs", v]
    for v in ["0", "-1", "100000"]:
        yield f"mc-workers-{v}", [*MONTE, "--workers", v]
    for v in [*BAD_NUMBERS, "0"]:
        yield f"mc-days-{v}", [*MONTE, "--days", v]
    for v in ["tcp://{closed}", ""]:
        yield f"mc-scheduler-{v}", [*MONTE, "--scheduler", v]
    for v in ["{folder}", "{w}/missing/x.html", "{notes}/x.html", ""]:
        yield f"mc-page-{v}", [*MONTE, "--page", v]
    yield "mc-json-folder", [*MONTE, "--json", "{folder}"]
    yield "mc-seed-neg", [*MONTE, "--seed", "-1"]
    # xtce
    for v in ["{folder}", "{w}/missing/x.xml", "{notes}/x.xml", ""]:
        yield f"xtce-out-{v}", ["xtce", "--out", v]


CASES = list(_cases())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def sockets() -> Iterator[dict[str, str]]:
    """A port that refuses, one held busy (listening), one listening that never answers."""
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(8)
    listen = socket.socket()
    listen.bind(("127.0.0.1", 0))
    listen.listen(64)
    try:
        yield {
            "closed": f"127.0.0.1:{_free_port()}",
            "busy": str(busy.getsockname()[1]),
            "listen": f"127.0.0.1:{listen.getsockname()[1]}",
            "free": str(_free_port()),
            "pg": f"postgresql://nobody@127.0.0.1:{_free_port()}/nothing",
        }
    finally:
        busy.close()
        listen.close()


@pytest.fixture(scope="module")
def archive_template(tmp_path_factory) -> bytes:
    """The bytes of a real (empty) archive, made once by the code under test."""
    from picodragon.ground.archive import open_archive

    path = tmp_path_factory.mktemp("archive") / "a.sqlite"
    open_archive(str(path)).close()
    return path.read_bytes()


def _workdir(w: Path, archive_bytes: bytes) -> dict[str, str]:
    """The working folder's inputs, good and bad."""
    (w / "notes.txt").write_text("my notes: not a database\n")
    (w / "folder").mkdir()
    (w / "empty").write_bytes(b"")
    (w / "key.hex").write_text(KEY_HEX + "\n")
    (w / "short.key").write_text("abcd\n")
    (w / "archive.sqlite").write_bytes(archive_bytes)
    foreign = sqlite3.connect(w / "foreign.sqlite")
    foreign.execute("CREATE TABLE recipes (name TEXT)")
    foreign.commit()
    foreign.close()
    (w / "frames.kiss").write_bytes(bytes.fromhex("c000") + b"\x82\xa0\xa4\xa6@@`\x9e\x9c\xa6\x82\x9a@a\x03\xf0hi\xc0")
    (w / "bad.wav").write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00")
    import wave

    with wave.open(str(w / "quiet.wav"), "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(8000)
        f.writeframes(b"\x00\x00" * 800)
    return {
        "w": str(w), "notes": str(w / "notes.txt"), "folder": str(w / "folder"), "empty": str(w / "empty"),
        "key": str(w / "key.hex"), "shortkey": str(w / "short.key"), "archive": str(w / "archive.sqlite"),
        "foreign": str(w / "foreign.sqlite"), "kiss": str(w / "frames.kiss"), "badwav": str(w / "bad.wav"),
        "wav": str(w / "quiet.wav"),
    }


def _snapshot(root: Path) -> dict[str, tuple]:
    """Every file and folder under root: kind, mode, size, mtime and content hash."""
    seen: dict[str, tuple] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            st = p.lstat()
            digest = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else ""
            seen[str(p.relative_to(root))] = (st.st_mode, st.st_size, st.st_mtime_ns, digest)
    return seen


@pytest.fixture(scope="module")
def built_app() -> Iterator[None]:
    """Build the click command from the Typer app once (Typer rebuilds it on every call, which
    is most of an in-process invocation's cost); ``main`` still runs as the entry point does."""
    import typer.main

    command = typer.main.get_command(cli.app)
    original = cli.app

    def app(args: list[str], standalone_mode: bool) -> object:
        return command.main(args=args, standalone_mode=standalone_mode, prog_name="picodragon")

    cli.app = app  # type: ignore[assignment]
    try:
        yield
    finally:
        cli.app = original


def invoke(argv: list[str], capsys) -> tuple[object, str, str]:
    """Run the entry point in-process: (exit code or the exception, stdout, stderr)."""
    try:
        cli.main(argv)
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    except BaseException as exc:  # noqa: BLE001 - a crash is what this test looks for
        code = exc
    out, err = capsys.readouterr()
    return code, out, err


def assert_kept_promise(code: object, err: str) -> None:
    """Exit 2, one non-empty stderr line, no traceback."""
    assert not isinstance(code, BaseException), f"crashed: {code!r}"
    assert code == 2, f"exit {code!r}, stderr: {err!r}"
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, f"stderr has {len(lines)} lines: {err!r}"
    assert "Traceback" not in err


@pytest.mark.timeout(60)
@pytest.mark.parametrize(("name", "template"), CASES, ids=[c[0] for c in CASES])
def test_bad_invocation(name, template, tmp_path, monkeypatch, capsys, sockets, archive_template, built_app):
    """One bad invocation: one line on stderr, exit 2, the working folder untouched."""
    w = tmp_path / "w"
    w.mkdir()
    values = {**_workdir(w, archive_template), **sockets}
    argv = [part.format(**values) for part in template]
    monkeypatch.chdir(w)
    monkeypatch.delenv("PICODRAGON_UPLINK_KEY", raising=False)
    monkeypatch.setenv("PD_TEST_PASSWORD", "correct horse battery staple")
    monkeypatch.setenv("PD_TEST_EMPTY", "")
    monkeypatch.setenv("PD_TEST_SHORT", "x")
    monkeypatch.delenv("PD_TEST_UNSET", raising=False)
    before = _snapshot(w)
    code, _out, err = invoke(argv, capsys)
    after = _snapshot(w)
    assert_kept_promise(code, err)
    assert after == before, f"the working folder changed: {sorted(set(after.items()) ^ set(before.items()))}"


def test_the_table_is_large_and_covers_every_verb():
    """At least 133 bad invocations, and every verb of `picodragon --help` has some."""
    assert len(CASES) >= 133
    assert len({c[0] for c in CASES}) == len(CASES)
    verbs = {c[1][0] if c[1][0] not in ("modem", "users") else " ".join(c[1][:2]) for c in CASES}
    assert verbs >= {"run", "passes", "lifetime", "link-budget", "modem mod", "modem demod", "serve",
                     "live", "station", "command", "users add", "montecarlo", "xtce"}


SHELL_CASES = [
    ["run", "--days", "nan", "--quiet", "--report", ""],
    ["run", "--db", "notes.txt", "--days", "0.001", "--quiet", "--report", ""],
    ["passes", "--station", "VNSC Hanoi", "--start", FAR_FUTURE, "--days", "1"],
    ["xtce", "--out", "folder"],
    ["montecarlo", "--workers", "0", "--runs", "1"],
]


@pytest.mark.timeout(120)
@pytest.mark.parametrize("argv", SHELL_CASES, ids=[" ".join(a[:2]) for a in SHELL_CASES])
def test_bad_invocation_from_the_shell(argv, tmp_path, archive_template):
    """The same promise through a real process (the console script's path)."""
    w = tmp_path / "w"
    w.mkdir()
    _workdir(w, archive_template)
    before = _snapshot(w)
    env = {k: v for k, v in os.environ.items() if k != "PICODRAGON_UPLINK_KEY"}
    r = subprocess.run([sys.executable, "-m", "picodragon.cli", *argv], capture_output=True, text=True,
                       timeout=110, cwd=w, env=env)
    assert_kept_promise(r.returncode, r.stderr)
    assert _snapshot(w) == before


def test_reference_scenario_is_readable():
    """Guard for the table's assumptions: the packaged scenario exists and has VNSC Hanoi."""
    text = (resources.files("picodragon") / "missions" / "picodragon" / "mission.toml").read_text().replace(
        'dictionary = "dictionary.toml"',
        f'dictionary = "{resources.files("picodragon") / "missions" / "picodragon" / "dictionary.toml"}"')
    assert any(s["name"] == "VNSC Hanoi" for s in tomllib.loads(text)["stations"])

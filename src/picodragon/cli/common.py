"""What every verb shares: the Typer apps, the boundary checks of every input, option types.

The ``picodragon`` command: one function per verb, no logic of its own.

Contract (DESIGN.md): times are ISO 8601 UTC with a Z; every verb with ``--json PATH`` writes
that file (``-`` for stdout); bad input exits 2 with one clear line on stderr and writes
nothing.

Every input is checked here, at the boundary, before any work or any write: numbers are finite
and in a named range, times lie within what the ephemeris covers, files to read exist and are
files, files to write have a folder and are not folders, services (TNC, rigctld, rotctld, dask
scheduler, PostgreSQL) accept a connection, listening ports are free, and an existing ``--db``
file is used only if it is one of our SQLite archives. Anything else that goes wrong is a bug:
exit 1 with its traceback and one line saying so.
"""

from __future__ import annotations

import functools
import json
import math
import os
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="picodragon: twin, flight software, radio link and ground segment of a 1U CubeSat.",
    pretty_exceptions_enable=False,
)
modem_app = typer.Typer(
    no_args_is_help=True, help="The modems (AFSK 1200, G3RUH 9600 and 4800): audio files in and out."
)
app.add_typer(modem_app, name="modem")
satnogs_app = typer.Typer(
    no_args_is_help=True,
    help="SatNOGS interop: archived frames out as SiDS records (file or POST), frame files in.")
app.add_typer(satnogs_app, name="satnogs")


class UserError(Exception):
    """Bad input from the user: reported as one line, exit code 2."""


def _user_errors() -> tuple[type[BaseException], ...]:
    """The typed errors that mean "the input was bad", raised by the code the verbs call.

    A bare ValueError is not among them: inputs are checked here, at the boundary, so any
    other exception is a bug and shows as one (exit 1, traceback, see :func:`main`).
    """
    from picodragon.config import ConfigError
    from picodragon.elements import ElementSetError
    from picodragon.ground.archive import ArchiveError
    from picodragon.ground.commanding import CommandError

    # ArchiveError: an archive that is not ours, or a PostgreSQL server that refuses us
    errors: tuple[type[BaseException], ...] = (UserError, ConfigError, ElementSetError, CommandError,
                                               ArchiveError)
    try:
        from picodragon.web.auth import AuthError
    except ImportError:  # pragma: no cover - the web extra is part of the package today
        return errors
    return (*errors, AuthError)


def verb(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the known kinds of bad input into one stderr line and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except _user_errors() as exc:
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            typer.echo(f"picodragon: {message}", err=True)
            raise typer.Exit(2) from None

    return wrapper


# -- checks at the boundary: each raises UserError naming the option and the reason ---------

#: times the code can represent: the first satellite (1957-10-04) to the end of the planetary
#: ephemeris the twin and the pass predictor use (DE421 ends in October 2053)
EARLIEST_UTC = datetime(1957, 10, 4, tzinfo=UTC)
LATEST_UTC = datetime(2053, 1, 1, tzinfo=UTC)
CONNECT_TIMEOUT_S = 3.0


def number(value: float, option: str, low: float, high: float, *, low_open: bool = False) -> float:
    """A finite number within [low, high] (or (low, high] with ``low_open``), else a UserError."""
    below = value <= low if low_open else value < low
    if not math.isfinite(value) or below or value > high:
        bracket = "(" if low_open else "["
        raise UserError(f"{option} must be a finite number in {bracket}{low:g}, {high:g}] (got {value})")
    return value


def utc_time(text: str, option: str) -> datetime:
    """An ISO 8601 UTC time between EARLIEST_UTC and LATEST_UTC, else a UserError."""
    from picodragon.mission.clock import parse_utc

    try:
        value = parse_utc(text)
    except (ValueError, OverflowError) as exc:
        raise UserError(f"{option}: {exc}") from None
    if not EARLIEST_UTC <= value < LATEST_UTC:
        raise UserError(f"{option} must be between 1957-10-04 and 2053-01-01 (the span of the "
                        f"solar-system ephemeris; got {text.strip()})")
    return value


def input_file(path: Path, option: str) -> Path:
    """An existing, readable regular file, else a UserError."""
    if not str(path).strip() or str(path) == ".":
        raise UserError(f"{option}: the file name is empty")
    if path.is_dir():
        raise UserError(f"{option}: {path} is a folder, not a file")
    if not path.is_file():
        raise UserError(f"{option}: file not found: {path}")
    if not os.access(path, os.R_OK):
        raise UserError(f"{option}: cannot read {path}: permission denied")
    return path


def output_path(path: str | Path | None, option: str, *, stdout_ok: bool = True) -> None:
    """A file we may create or replace: its folder exists and is writable, it is not a folder."""
    if path is None or (stdout_ok and str(path) == "-"):
        return
    text = str(path)
    if not text.strip() or text == ".":
        raise UserError(f"{option}: the file name is empty")
    target = Path(text)
    if target.is_dir():
        raise UserError(f"{option}: {text} is a folder, not a file")
    if not target.parent.is_dir():
        raise UserError(f"{option}: cannot write {text}: folder {target.parent} does not exist")
    if not os.access(target.parent, os.W_OK):
        raise UserError(f"{option}: cannot write {text}: folder {target.parent} is not writable")
    if target.exists() and not target.is_file():
        raise UserError(f"{option}: {text} exists and is not a regular file")


def archive_target(db: str, option: str = "--db", *, must_exist: bool = False) -> str:
    """An archive we may open: a reachable PostgreSQL URL, or an SQLite path that is ours or new.

    An existing file is used (or, by ``run``, replaced) only if it is an SQLite database with
    our tables; anything else is refused with the file untouched.
    """
    from picodragon.ground.archive import check_sqlite_path, is_postgres_url

    if is_postgres_url(db):
        from urllib.parse import urlsplit

        try:
            parts = urlsplit(db)
            host, port = parts.hostname, parts.port or 5432
        except ValueError as exc:
            raise UserError(f"{option}: not a PostgreSQL URL: {exc}") from None
        if host:  # no host: a local socket, which libpq finds and reports itself
            reachable(host, port, f"{option} PostgreSQL")
        return db
    exists = check_sqlite_path(db, must_exist=must_exist)
    if must_exist and exists and Path(db).stat().st_size == 0:
        raise UserError(f"{option}: {db} is empty, not an archive (run `picodragon run` first)")
    return db


def reachable(host: str, port: int, what: str) -> None:
    """Connect once (bounded by CONNECT_TIMEOUT_S) to prove a service listens, else UserError."""
    import socket

    try:
        with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise UserError(f"{what} at {host}:{port} is not reachable ({reason})") from None


def bindable(host: str, port: int, what: str) -> None:
    """Prove we may listen on host:port (bind and release at once), else a UserError."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, kind, proto, _name, address = infos[0]
        with socket.socket(family, kind, proto) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(address)
    except (OSError, UnicodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise UserError(f"{what}: cannot listen on {host}:{port} ({reason})") from None


def scenario_of(ref: str | None) -> Any:
    """The scenario, refusing an empty name or a folder with one line."""
    from picodragon.config import load_scenario

    if ref is not None:
        if not ref.strip():
            raise UserError("--scenario: the name is empty")
        if Path(ref).is_dir():
            raise UserError(f"--scenario: {ref} is a folder, not a TOML file")
    return load_scenario(ref)


def mission_of(mission: Path | None, scenario: str | None) -> Any:
    """The Mission (scenario + dictionary) of ``--mission DIR`` and/or ``--scenario``, loaded once.

    With ``--mission``, ``--scenario`` may name a variant file in that folder (``network`` or
    ``network.toml``) or any scenario file; without it, ``--scenario`` is what it always was
    (a packaged name or a TOML file) and nothing gives the default mission.
    """
    from picodragon.config.loader import mission_file
    from picodragon.config.mission import load_mission

    if mission is None:
        scenario_of(scenario)  # the old checks of --scenario, one line each
        return load_mission(scenario)
    if not str(mission).strip():
        raise UserError("--mission: the folder name is empty")
    if mission.is_file():
        raise UserError(f"--mission: {mission} is a file; give the mission's folder (the one "
                        "holding mission.toml)")
    main_file = mission_file(mission)
    if scenario is None:
        return load_mission(main_file)
    if not scenario.strip():
        raise UserError("--scenario: the name is empty")
    for candidate in (mission / scenario, mission / f"{scenario}.toml"):
        if candidate.is_file():
            return load_mission(candidate)
    if Path(scenario).is_file():
        return load_mission(Path(scenario))
    raise UserError(f"--scenario: no variant '{scenario}' in {mission} (give a .toml file of that folder)")


def simulated(loaded: Any) -> Any:
    """The mission, refused in one line when it is receive-only (no twin to simulate)."""
    if getattr(loaded.scenario, "receive_only", False):
        raise UserError(f"mission {loaded.scenario.name} is receive-only: nothing to simulate (it "
                        "has passes, modem demod, satnogs import|export and serve)")
    return loaded


def write_json(path: str | None, data: Any) -> None:
    """Write JSON to a file atomically (or to stdout for '-')."""
    if path is None:
        return
    text = json.dumps(data, indent=2, default=str) + "\n"
    if path == "-":
        sys.stdout.write(text)
        return
    output_path(path, "--json")
    target = Path(path)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    os.replace(tmp, target)


ScenarioOpt = Annotated[
    str | None,
    typer.Option("--scenario", help="packaged scenario name or a TOML file (with --mission: a variant "
                 "file of that folder) [default: the reference mission]"),
]
JsonOpt = Annotated[str | None, typer.Option("--json", help="write a JSON summary here ('-' for stdout)")]
MissionOpt = Annotated[Path | None, typer.Option(
    "--mission", help="a mission folder (mission.toml and its dictionary; `picodragon new` writes one)")]


#: the longest run asked for by --days (ten years: a 1U from the ISS re-enters within two or
#: three; --until-reentry stops by itself)
MAX_RUN_DAYS = 3660


def _host_port(text: str, what: str) -> tuple[str, int]:
    """HOST:PORT with an ASCII-digit port below 65536, else a UserError."""
    host, _, port = text.rpartition(":")
    if not host.strip() or not (port.isascii() and port.isdigit()) or len(port) > 5 or not 0 <= int(port) < 65536:
        raise UserError(f"{what} must be HOST:PORT, e.g. 127.0.0.1:8001 (got '{text}')")
    return host, int(port)


def read_key(key_file: Path | None) -> bytes | None:
    """The uplink authentication key: a file of hex (or raw bytes), or $PICODRAGON_UPLINK_KEY."""
    if key_file is not None:
        input_file(key_file, "--key-file")
        raw = key_file.read_bytes().strip()
        try:
            key = bytes.fromhex(raw.decode("ascii"))
        except (UnicodeDecodeError, ValueError):
            key = raw
    elif os.environ.get("PICODRAGON_UPLINK_KEY"):
        try:
            key = bytes.fromhex(os.environ["PICODRAGON_UPLINK_KEY"])
        except ValueError:
            raise UserError("PICODRAGON_UPLINK_KEY must be hex") from None
    else:
        return None
    if len(key) < 16:
        raise UserError("the uplink key must be at least 16 bytes")
    return key


KeyOpt = Annotated[Path | None, typer.Option("--key-file", help="uplink key (hex) [default: $PICODRAGON_UPLINK_KEY]")]


#: the longest --duration of live and station: a year of wall (or station-clock) time
MAX_WALL_SECONDS = 366 * 86400.0


def _element_set(scn, tle: Path | None):
    """The station's orbit knowledge: a TLE file, or the scenario spacecraft's derived set."""
    from picodragon.elements import read_tle_file

    if tle is not None:
        input_file(tle, "--tle")
        return read_tle_file(tle.read_text(encoding="utf-8", errors="replace"))[0]
    from picodragon.physics.orbit import deployed_element_set

    return deployed_element_set(scn)


users_app = typer.Typer(no_args_is_help=True, help="Mission control users and their roles.")
app.add_typer(users_app, name="users")
DbOpt = Annotated[str, typer.Option(help="archive: SQLite path or postgresql:// URL")]


#: LocalCluster worker processes: at most this many (each holds a twin)
MAX_WORKERS = 256

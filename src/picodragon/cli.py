"""The ``picodragon`` command: one function per verb, no logic of its own.

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
from datetime import UTC, datetime, timedelta
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


def _check_tle_beside(db: str) -> None:
    """``run`` writes the element sets beside its archive (DB.tle): only a new file or a TLE."""
    from picodragon.elements import ElementSetError, read_tle_file

    tle = Path(db).with_suffix(".tle")
    if tle.is_dir():
        raise UserError(f"--db: run writes its element sets to {tle}, which is a folder")
    if tle.exists():
        try:
            read_tle_file(tle.read_text(encoding="utf-8", errors="replace"))
        except (ElementSetError, OSError):
            raise UserError(f"--db: run writes its element sets to {tle}, which exists and is not "
                            "a TLE file: refusing to replace it") from None


@app.command()
@verb
def run(
    scenario: ScenarioOpt = None,
    mission: MissionOpt = None,
    start: Annotated[str | None, typer.Option(help="ISO 8601 UTC start [default: the deployment]")] = None,
    days: Annotated[float | None, typer.Option(help="simulated days [default: the scenario's]")] = None,
    until_reentry: Annotated[bool, typer.Option("--until-reentry", help="run until re-entry")] = False,
    db: Annotated[str, typer.Option(help="archive: SQLite path or postgresql:// URL")] = "picodragon.sqlite",
    report: Annotated[str | None, typer.Option(help="HTML report path")] = "picodragon-report.html",
    json_path: JsonOpt = None,
    seed: Annotated[int | None, typer.Option(help="random seed [default: the scenario's]")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="no progress bar")] = False,
    fidelity: Annotated[str | None, typer.Option(
        help="full: flight software in detail all the time; fast: only around passes "
             "[default: full, fast with --until-reentry]")] = None,
) -> None:
    """Run a mission: twin, flight software, link and ground together; archive and report."""
    from picodragon.mission.clock import iso_z
    from picodragon.mission.runner import RunOptions, run_mission
    from picodragon.mission.summary import print_summary

    if days is not None:
        number(days, "--days", 0, MAX_RUN_DAYS, low_open=True)
    if fidelity not in (None, "full", "fast"):
        raise UserError("--fidelity must be 'full' or 'fast'")
    if seed is not None and not 0 <= seed < 2**63:
        raise UserError("--seed must be between 0 and 2**63 - 1")
    begin = utc_time(start, "--start") if start is not None else None
    archive_target(db)
    output_path(report or None, "--report", stdout_ok=False)
    output_path(json_path, "--json")
    if not db.startswith(("postgresql://", "postgres://")):
        _check_tle_beside(db)
    loaded = simulated(mission_of(mission, scenario))
    scn = loaded.scenario
    deployed = scn.deployment.ejection_time
    if begin is not None and not deployed <= begin <= deployed + timedelta(days=MAX_RUN_DAYS):
        raise UserError(f"--start must be between the deployment {iso_z(deployed)} and "
                        f"{MAX_RUN_DAYS} days after it (got {start})")
    options = RunOptions(
        start=begin,
        days=days,
        until_reentry=until_reentry,
        db=db,
        report=report or None,
        seed=seed,
        progress=not quiet,
        fidelity=fidelity,
    )
    result = run_mission(loaded, options)
    print_summary(result)
    write_json(json_path, result.summary)


@app.command()
@verb
def passes(
    station: Annotated[str, typer.Option(help="station name from the scenario, or LAT,LON[,ALT_M]")],
    start: Annotated[str, typer.Option(help="ISO 8601 UTC")],
    days: Annotated[float, typer.Option(help="days to search")],
    tle: Annotated[Path | None, typer.Option(help="TLE file [default: the scenario's spacecraft]")] = None,
    min_elevation: Annotated[float | None, typer.Option(help="degrees [default: the station's mask]")] = None,
    scenario: ScenarioOpt = None,
    mission: MissionOpt = None,
    json_path: JsonOpt = None,
) -> None:
    """Predict passes of the spacecraft over a station."""
    from rich.console import Console
    from rich.table import Table

    from picodragon.config import parse_station
    from picodragon.elements import read_tle_file
    from picodragon.ground.passes import find_passes
    from picodragon.mission.clock import iso_z

    number(days, "--days", 0, 366, low_open=True)
    if min_elevation is not None and (not math.isfinite(min_elevation) or not -5 <= min_elevation < 90):
        raise UserError("--min-elevation must be between -5 and 90 degrees")
    begin = utc_time(start, "--start")
    if begin + timedelta(days=days) >= LATEST_UTC:
        raise UserError("--start plus --days must end before 2053-01-01 (the ephemeris' span)")
    output_path(json_path, "--json")
    scn = mission_of(mission, scenario).scenario
    site = parse_station(station, scn)
    if tle is not None:
        input_file(tle, "--tle")
        element_sets = read_tle_file(tle.read_text(encoding="utf-8", errors="replace"))
    else:
        from picodragon.physics.orbit import deployed_element_set

        element_sets = [deployed_element_set(scn)]
    found = []
    for es in element_sets:
        found += find_passes(es, site, begin, begin + timedelta(days=days), min_elevation)
    found.sort(key=lambda p: p.aos)
    if json_path != "-":
        table = Table(title=f"Passes over {site.name}")
        for column in ("AOS (UTC)", "TCA", "LOS", "max el", "AOS az", "LOS az"):
            table.add_column(column)
        for p in found:
            table.add_row(iso_z(p.aos), iso_z(p.tca), iso_z(p.los), f"{p.max_elevation_deg:.1f}",
                          f"{p.aos_azimuth_deg:.0f}", f"{p.los_azimuth_deg:.0f}")
        Console().print(table)
    write_json(json_path, [p.to_json() for p in found])


@app.command()
@verb
def lifetime(
    scenario: ScenarioOpt = None,
    json_path: JsonOpt = None,
    mission: MissionOpt = None,
    atmosphere: Annotated[str, typer.Option(
        help="the atmosphere 'days' uses: nrlmsis21 (NRLMSIS 2.1) or nrlmsise00 (NRLMSISE-00); "
        "every one is run for 'by_atmosphere'")] = "nrlmsis21",
) -> None:
    """Predict the orbital lifetime (re-entry at 120 km) from physics and space weather, in every
    atmosphere model (the spread between them shows the density model's uncertainty)."""
    from picodragon.physics.atmosphere import ATMOSPHERES
    from picodragon.physics.decay import predict_lifetime

    if atmosphere not in ATMOSPHERES:
        raise UserError(f"--atmosphere must be one of {', '.join(ATMOSPHERES)}; got {atmosphere!r}")
    output_path(json_path, "--json")
    result = predict_lifetime(mission_of(mission, scenario).scenario, atmosphere=atmosphere, compare=True)
    if json_path != "-":
        typer.echo(f"start {result['start']}  re-entry {result['reentry']}  ({result['days']:.1f} days)")
        typer.echo(f"model: {result['model']}")
        by = result["by_atmosphere"]
        known = [d for d in by.values() if d is not None]
        spread = f"  (spread {max(known) - min(known):.1f} days)" if len(known) > 1 else ""
        typer.echo("by atmosphere: " + ", ".join(
            f"{name} {'no re-entry' if d is None else f'{d:.1f} days'}" for name, d in by.items()) + spread)
    write_json(json_path, result)


@app.command("link-budget")
@verb
def link_budget(
    scenario: ScenarioOpt = None,
    mission: MissionOpt = None,
    elevation: Annotated[float, typer.Option(help="elevation in degrees")] = 10.0,
    station: Annotated[str | None, typer.Option(help="station [default: the scenario's first]")] = None,
    json_path: JsonOpt = None,
) -> None:
    """The downlink budget of the scenario at one elevation, at the radio's bit rate and with its
    modulation's required Eb/N0."""
    from picodragon.config import parse_station
    from picodragon.link.budget import downlink_budget, slant_range_m

    number(elevation, "--elevation", 0, 90)
    output_path(json_path, "--json")
    scn = mission_of(mission, scenario).scenario
    site = parse_station(station, scn) if station is not None else scn.stations[0]
    altitude_m = 410e3  # nominal ISS-deployed altitude for the table; the run uses true geometry
    budget = downlink_budget(scn.spacecraft.radio, site, slant_range_m(elevation, altitude_m), elevation)
    data = {k: v if isinstance(v, str) else float(v) for k, v in budget.to_dict().items()}
    if json_path != "-":
        for key, value in data.items():
            typer.echo(f"{key:>22}: {value:>12}" if isinstance(value, str) else f"{key:>22}: {value:12.4g}")
    write_json(json_path, data)


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


@app.command()
@verb
def live(
    speed: Annotated[float, typer.Option(help="simulated seconds per wall second")] = 1.0,
    kiss: Annotated[str, typer.Option(help="KISS TCP address to serve the radio on")] = "127.0.0.1:8001",
    scenario: ScenarioOpt = None,
    mission: MissionOpt = None,
    start: Annotated[str | None, typer.Option(help="ISO 8601 UTC [default: the deployment]")] = None,
    station: Annotated[str | None, typer.Option(help="the station whose geometry decides what is heard")] = None,
    anywhere: Annotated[bool, typer.Option("--anywhere", help="ignore geometry: every frame goes through")] = False,
    duration: Annotated[float | None, typer.Option(help="stop after this many wall seconds")] = None,
    seed: Annotated[int | None, typer.Option(help="random seed")] = None,
    key_file: KeyOpt = None,
) -> None:
    """Run the twin in real time (or faster) with its radio on KISS TCP."""
    import asyncio

    from rich.console import Console

    from picodragon.mission.clock import iso_z
    from picodragon.mission.live import run_live

    number(speed, "--speed", 0, 10_000, low_open=True)
    if duration is not None:
        number(duration, "--duration", 0, MAX_WALL_SECONDS, low_open=True)
    if seed is not None and not 0 <= seed < 2**63:
        raise UserError("--seed must be between 0 and 2**63 - 1")
    begin = utc_time(start, "--start") if start is not None else None
    host, port = _host_port(kiss, "--kiss")
    bindable(host, port, "--kiss")
    auth_key = read_key(key_file)
    loaded = simulated(mission_of(mission, scenario))
    scn = loaded.scenario
    deployed = scn.deployment.ejection_time
    if begin is not None and begin < deployed:
        raise UserError(f"--start {start} is before the deployment {iso_z(deployed)}")
    if station is not None:
        from picodragon.config import parse_station

        station = parse_station(station, scn).name
    console = Console(stderr=True)

    def ready(bound: int) -> None:
        console.print(f"picodragon live: {scn.spacecraft.name} on KISS TCP {host}:{bound} at {speed:g}x")

    def show(status) -> None:
        console.print(f"{iso_z(status.sim_unix)[:19]}Z  keyed {status.frames_keyed}  "
                      f"to clients {status.frames_to_clients}  uplinks {status.uplinks_delivered}/"
                      f"{status.frames_from_clients}  clients {status.clients}  "
                      f"{'in view' if status.visible else 'out of view'}", highlight=False)

    status = asyncio.run(run_live(
        loaded, host=host, port=port, speed=speed, start_unix=begin.timestamp() if begin else None,
        station=station, anywhere=anywhere, duration_s=duration, seed=seed, auth_key=auth_key,
        on_ready=ready, on_status=show))
    for line in status.log:
        console.print(line)


def _element_set(scn, tle: Path | None):
    """The station's orbit knowledge: a TLE file, or the scenario spacecraft's derived set."""
    from picodragon.elements import read_tle_file

    if tle is not None:
        input_file(tle, "--tle")
        return read_tle_file(tle.read_text(encoding="utf-8", errors="replace"))[0]
    from picodragon.physics.orbit import deployed_element_set

    return deployed_element_set(scn)


@app.command()
@verb
def station(
    kiss: Annotated[str, typer.Option(help="the TNC's KISS TCP address (Direwolf, or `picodragon live`)")],
    rigctld: Annotated[str | None, typer.Option(help="rigctld HOST:PORT for Doppler tuning")] = None,
    rotctld: Annotated[str | None, typer.Option(help="rotctld HOST:PORT for antenna pointing")] = None,
    db: DbOpt = "picodragon-station.sqlite",
    scenario: ScenarioOpt = None,
    mission: MissionOpt = None,
    station_name: Annotated[str | None, typer.Option("--station", help="station [default: the scenario's first]")] = None,
    tle: Annotated[Path | None, typer.Option(help="TLE file [default: the scenario's spacecraft]")] = None,
    key_file: KeyOpt = None,
    duration: Annotated[float | None, typer.Option(help="stop after this many seconds (station clock)")] = None,
    sim_start: Annotated[str | None, typer.Option(
        help="rehearsal: the station clock starts at this ISO time (match `live --start`)")] = None,
    speed: Annotated[float, typer.Option(help="rehearsal: station clock seconds per wall second")] = 1.0,
    json_path: JsonOpt = None,
) -> None:
    """A real ground station: receive and archive, Doppler tuning, antenna pointing, uplink."""
    import time as _time

    from picodragon.config import parse_station
    from picodragon.ground.operations import run_station_blocking

    number(speed, "--speed", 0, 10_000, low_open=True)
    if duration is not None:
        number(duration, "--duration", 0, MAX_WALL_SECONDS, low_open=True)
    begin = utc_time(sim_start, "--sim-start") if sim_start is not None else None
    services = [("--kiss", _host_port(kiss, "--kiss"))]
    for name, value in (("--rigctld", rigctld), ("--rotctld", rotctld)):
        if value is not None:
            services.append((name, _host_port(value, name)))
    archive_target(db)
    output_path(json_path, "--json")
    key = read_key(key_file)
    loaded = mission_of(mission, scenario)
    scn = loaded.scenario
    site = parse_station(station_name, scn) if station_name is not None else scn.stations[0]
    element_set = _element_set(scn, tle)
    for name, (host, port) in services:
        reachable(host, port, name)
    clock = _time.time
    if begin is not None:
        t0, m0 = begin.timestamp(), _time.monotonic()

        def clock() -> float:
            return t0 + (_time.monotonic() - m0) * speed

    radio = scn.spacecraft.radio
    report = run_station_blocking(
        kiss=kiss, element_set=element_set, station=site,
        downlink_hz=radio.downlink_frequency_hz, uplink_hz=radio.uplink_frequency_hz,
        rigctld=rigctld, rotctld=rotctld, db=db, key=key,
        spacecraft_callsign=f"{radio.callsign}-{radio.ssid}" if radio.ssid else radio.callsign,
        station_callsign=radio.ground_callsign, dictionary=loaded.dictionary,
        mission_start_unix_s=scn.start.timestamp(), duration_s=duration, clock=clock,
        tick_s=min(1.0, 1.0 / speed) if speed > 1 else 1.0)
    data = report.to_json()
    if json_path != "-":
        typer.echo(f"{data['station']}: {data['frames']} frames ({data['decoded']} decoded), "
                   f"{data['commands_sent']} commands sent, {data['passes_tracked']} passes tracked")
    write_json(json_path, data)


@app.command()
@verb
def command(
    name: Annotated[str, typer.Argument(help="command name from the dictionary, e.g. CAPTURE_IMAGE")],
    arguments: Annotated[list[str] | None, typer.Argument(help="ARG=VALUE pairs")] = None,
    db: DbOpt = "picodragon-station.sqlite",
    at: Annotated[str | None, typer.Option(help="execute on board at this ISO time (time-tagged)")] = None,
    hold: Annotated[bool, typer.Option("--hold", help="queue without releasing it for uplink")] = False,
    key_file: KeyOpt = None,
    mission: MissionOpt = None,
    scenario: ScenarioOpt = None,
) -> None:
    """Queue (and release) a signed telecommand; `picodragon station` uplinks it in the next pass."""
    import time as _time

    from picodragon.dictionary import core
    from picodragon.dictionary.telecommand import pack_telecommand
    from picodragon.ground.archive import open_archive
    from picodragon.ground.commanding import CommandQueue

    key = read_key(key_file)
    if key is None:
        raise UserError("commanding needs the uplink key: --key-file or $PICODRAGON_UPLINK_KEY")
    # the mission's dictionary when one is named; else the core's commands, as before
    dictionary = mission_of(mission, scenario).dictionary if mission or scenario else core()
    commands_by_name = {c.name: c for c in dictionary.commands}
    if name.upper() not in commands_by_name:
        raise UserError(f"no command '{name}' (known: {', '.join(sorted(commands_by_name))})")
    args: dict[str, float] = {}
    for pair in arguments or []:
        key_name, sep, value = pair.partition("=")
        if not sep:
            raise UserError(f"argument '{pair}' is not ARG=VALUE")
        if "T" in value:
            args[key_name] = float(utc_time(value, f"argument {key_name}").timestamp() - 946_684_800)
        else:
            try:
                args[key_name] = float(value)
            except ValueError:
                raise UserError(f"argument {key_name}: '{value}' is not a number or an ISO time") from None
        if not math.isfinite(args[key_name]):
            raise UserError(f"argument {key_name}: '{value}' is not a finite number")
    execute_at = utc_time(at, "--at").timestamp() if at is not None else None
    try:  # the checks the queue and the signing make, before the archive is opened or created
        pack_telecommand(commands_by_name[name.upper()], args, execute_at=execute_at)
    except (ValueError, OverflowError) as exc:
        raise UserError(str(exc)) from None
    archive_target(db)
    archive = open_archive(db, dictionary=dictionary if mission or scenario else None)
    try:
        queue = CommandQueue(archive, key, dictionary=dictionary)
        record = queue.queue(name.upper(), args, now=_time.time(), execute_at=execute_at)
        if not hold:
            queue.release(record.id, _time.time())
    finally:
        archive.close()
    typer.echo(f"{'queued' if hold else 'released'} {record.name} #{record.id} (counter {record.counter})")


users_app = typer.Typer(no_args_is_help=True, help="Mission control users and their roles.")
app.add_typer(users_app, name="users")
DbOpt = Annotated[str, typer.Option(help="archive: SQLite path or postgresql:// URL")]


@app.command()
@verb
def serve(
    db: DbOpt = "picodragon.sqlite",
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    scenario: ScenarioOpt = None,
    mission: MissionOpt = None,
    tle: Annotated[Path | None, typer.Option(
        help="the spacecraft's element set [default: the one a run left beside its archive]")] = None,
    key_file: KeyOpt = None,
    secure_cookies: Annotated[bool, typer.Option(
        "--secure-cookies", help="mark cookies Secure (HTTPS only): for a deployment behind TLS")] = False,
) -> None:
    """Mission control in the browser, over the archive."""
    from picodragon.web import serve as serve_web

    if not 0 < port < 65536:
        raise UserError("--port must be between 1 and 65535")
    if not host.strip():
        raise UserError("--host is empty")
    if not db.startswith("postgres") and not Path(db).exists() and db.strip():
        raise UserError(f"archive not found: {db} (run `picodragon run` first, or give --db)")
    archive_target(db, must_exist=True)
    if tle is None and not db.startswith("postgres") and Path(db).with_suffix(".tle").is_file():
        tle = Path(db).with_suffix(".tle")
    if tle is not None:
        input_file(tle, "--tle")
    key = read_key(key_file)
    options: dict[str, Any] = {}
    if mission is not None or scenario is not None:
        loaded = mission_of(mission, scenario)
        # the web loads its stations and orbit from the same reference; the pages speak its dictionary
        ref = scenario
        if mission is not None:
            ref = str(mission) if scenario is None else next(
                (str(c) for c in (mission / scenario, mission / f"{scenario}.toml") if c.is_file()), scenario)
        options = {"scenario": ref, "dictionary": loaded.dictionary}
    bindable(host, port, "--port")
    serve_web(db, host=host, port=port, tle=str(tle) if tle else None, key=key,
              secure_cookies=secure_cookies, **options)


@users_app.command("add")
@verb
def users_add(
    name: Annotated[str, typer.Argument(help="user name")],
    role: Annotated[str, typer.Option(help="viewer, operator or admin")] = "viewer",
    db: DbOpt = "picodragon.sqlite",
    password_env: Annotated[str | None, typer.Option(
        help="read the password from this environment variable instead of asking")] = None,
) -> None:
    """Add a user (or change the password and role of an existing one)."""
    from picodragon.web.auth import _check_name, _check_password, _check_role, create_user

    _check_name(name)
    _check_role(role)
    archive_target(db)
    if password_env is not None:
        password = os.environ.get(password_env)
        if not password:
            raise UserError(f"environment variable {password_env} is empty or not set")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    _check_password(password)
    user = create_user(db, name, password, role)
    typer.echo(f"user {user.name} ({user.role}) saved in {db}")


#: LocalCluster worker processes: at most this many (each holds a twin)
MAX_WORKERS = 256


def _check_scheduler(address: str) -> None:
    """A dask scheduler address (tcp://HOST:PORT or HOST:PORT) that accepts a connection."""
    text = address.strip()
    if "://" in text:
        protocol, _, text = text.partition("://")
        if protocol != "tcp":
            raise UserError(f"--scheduler: only tcp:// addresses are supported (got '{address}')")
    host, port = _host_port(text, "--scheduler")
    reachable(host, port, "--scheduler")


@app.command()
@verb
def montecarlo(
    runs: Annotated[int, typer.Option(help="number of runs")] = 20,
    scheduler: Annotated[str | None, typer.Option(help="dask scheduler address [default: a LocalCluster]")] = None,
    scenario: ScenarioOpt = None,
    mission: MissionOpt = None,
    days: Annotated[float | None, typer.Option(help="simulated days per run [default: the scenario's]")] = None,
    seed: Annotated[int, typer.Option(help="campaign seed")] = 0,
    workers: Annotated[int, typer.Option(help="LocalCluster worker processes")] = 2,
    lifetime: Annotated[bool, typer.Option(help="also predict each run's re-entry")] = True,
    page: Annotated[str, typer.Option(help="HTML page of the distributions")] = "picodragon-montecarlo.html",
    json_path: JsonOpt = None,
) -> None:
    """Vary the uncertain inputs over many runs on dask.distributed."""
    from picodragon.mission.montecarlo import run_campaign, write_page

    if not 1 <= runs <= 100_000:
        raise UserError("--runs must be between 1 and 100000")
    if not 1 <= workers <= MAX_WORKERS:
        raise UserError(f"--workers must be between 1 and {MAX_WORKERS}")
    if days is not None:
        number(days, "--days", 0, MAX_RUN_DAYS, low_open=True)
    if not 0 <= seed < 2**63:
        raise UserError("--seed must be between 0 and 2**63 - 1")
    output_path(page, "--page", stdout_ok=False)
    output_path(json_path, "--json")
    if scheduler is not None:
        _check_scheduler(scheduler)
    loaded = simulated(mission_of(mission, scenario))
    scn = loaded.scenario
    campaign = run_campaign(loaded, runs, scheduler=scheduler, days=days, seed=seed, lifetime=lifetime,
                            progress=json_path != "-", workers=workers)
    write_page(campaign, scn, page)
    data = {"scenario": scn.name, "runs": len(campaign.runs), "scheduler": campaign.scheduler,
            "wall_seconds": campaign.wall_seconds, "statistics": campaign.statistics(),
            "results": campaign.runs, "page": page}
    if json_path != "-":
        typer.echo(f"{len(campaign.runs)} runs in {campaign.wall_seconds:.1f} s on {campaign.scheduler}; page: {page}")
    write_json(json_path, data)


@app.command()
@verb
def xtce(
    out: Annotated[Path, typer.Option(help="XTCE file to write ('-' for stdout)")] = Path("-"),
    mission: MissionOpt = None,
    scenario: ScenarioOpt = None,
) -> None:
    """Export a mission's dictionary as XTCE 1.2, for Yamcs, COSMOS or space-packet-parser
    (without --mission or --scenario: the core dictionary, as before)."""
    import re

    from picodragon.dictionary.xtce import to_xtce

    if str(out) != "-":
        output_path(out, "--out", stdout_ok=False)
    if mission is not None or scenario is not None:
        dictionary = mission_of(mission, scenario).dictionary
        text = to_xtce(dictionary, name=re.sub(r"[^A-Za-z0-9_]", "_", dictionary.name))
    else:
        text = to_xtce()
    if str(out) == "-":
        sys.stdout.write(text)
        return
    out.write_text(text, encoding="utf-8")
    typer.echo(f"dictionary -> {out}")


@app.command()
@verb
def new(
    name: Annotated[Path, typer.Argument(help="the mission folder to write (its name is the mission's)")],
    size: Annotated[str, typer.Option(help="1U or 3U")] = "1U",
    callsign: Annotated[str | None, typer.Option(
        help="the spacecraft's callsign [default: from NAME]")] = None,
    ground_callsign: Annotated[str, typer.Option(help="your ground station's callsign")] = "N0CALL",
    station: Annotated[str | None, typer.Option(help="NAME,LAT,LON[,ALT_M] [default: an example site]")] = None,
    bit_rate: Annotated[int, typer.Option(help="downlink bit rate: 1200 (AFSK) or 9600 (G3RUH FSK)")] = 1200,
    tle: Annotated[Path | None, typer.Option(
        help="the spacecraft's TLE file [default: a deployment from an ISS-like orbit]")] = None,
    force: Annotated[bool, typer.Option("--force", help="write into an existing, non-empty folder")] = False,
) -> None:
    """Write a ready mission folder from a template: `picodragon run --mission NAME/` flies it."""
    from picodragon.config.template import write_mission

    if tle is not None:
        input_file(tle, "--tle")
    written = write_mission(name, size=size.upper(), callsign=callsign.upper() if callsign else None,
                            ground_callsign=ground_callsign.upper(), station=station,
                            bit_rate=bit_rate, tle=tle, force=force)
    for path in written:
        typer.echo(f"wrote {path}")
    typer.echo(f"next: picodragon check --mission {name}/ && picodragon run --mission {name}/")


@app.command()
@verb
def check(
    mission: MissionOpt = None,
    scenario: ScenarioOpt = None,
    json_path: JsonOpt = None,
) -> None:
    """Validate a mission (scenario, dictionary, orbit, own components) and list what it defines."""
    from picodragon.config.mission import describe_mission

    output_path(json_path, "--json")
    if mission is None and scenario is None:
        raise UserError("give --mission DIR (or --scenario NAME|FILE) to check")
    data = describe_mission(mission_of(mission, scenario))
    if json_path != "-":
        typer.echo(f"mission {data['name']}: {data['spacecraft']['name']} ({data['spacecraft']['callsign']}), "
                   f"orbit from {data['orbit']['source']}, {len(data['stations'])} station(s): "
                   + ", ".join(st["name"] for st in data["stations"]))
        typer.echo(f"dictionary {data['dictionary']['name']}: "
                   f"{len(data['dictionary']['packets'])} packets ({', '.join(p['name'] for p in data['dictionary']['packets'])}), "
                   f"{len(data['dictionary']['commands'])} commands, {len(data['dictionary']['events'])} events"
                   + (f"; own: {', '.join(data['dictionary']['own'])}" if data["dictionary"]["own"] else ""))
        if data["flight_software"]["extra_components"]:
            typer.echo("own components: " + ", ".join(data["flight_software"]["extra_components"]))
        typer.echo("ok")
    write_json(json_path, data)


@modem_app.command("mod")
@verb
def modem_mod(
    in_path: Annotated[Path, typer.Option("--in", help="KISS stream, or one hex frame a line")],
    out_path: Annotated[Path, typer.Option("--out", help="WAV file to write")],
    sample_rate: Annotated[int, typer.Option(help="samples per second")] = 44100,
    emphasis: Annotated[bool, typer.Option("--emphasis", help="pre-emphasise (6 dB/octave), as into an FM transmitter")] = False,
    mode: Annotated[str, typer.Option(help="afsk1200, g3ruh9600 or g3ruh4800")] = "afsk1200",
) -> None:
    """Modulate AX.25 frames into AFSK 1200 (or G3RUH 9600/4800) audio."""
    from picodragon.link.modem_files import MODES, check_rate, modulate_file

    input_file(in_path, "--in")
    if mode not in MODES:
        raise UserError(f"--mode must be one of {', '.join(MODES)}, got {mode!r}")
    if not 8000 <= sample_rate <= 192000:
        raise UserError("--sample-rate must be between 8000 and 192000")
    try:
        check_rate(sample_rate, mode)
    except ValueError as exc:
        raise UserError(f"--sample-rate: {exc}") from None
    output_path(out_path, "--out", stdout_ok=False)
    try:  # the reader's ValueErrors are about the file's content, which the user gave
        count = modulate_file(in_path, out_path, sample_rate=sample_rate, emphasis=emphasis, mode=mode)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    typer.echo(f"{count} frames -> {out_path}")


def _iq_frames(wav: Path, mode: str, fix: bool, fast: bool, rate: float | None, center: float | None,
               iq_format: str | None, start: str | None, station: str | None, tle: Path | None,
               scenario: str | None, mission: Path | None) -> list[dict[str, Any]]:
    """``modem demod --iq``: the recording described (options and SigMF agreeing), the signal's
    offset from its centre (the mission's downlink minus the centre, plus the pass's Doppler
    with --start/--station), then the link's IQ receiver and modem."""
    from picodragon.link.iq import (
        FORMATS,
        MAX_RATE_HZ,
        MIN_RATE_HZ,
        OffsetCurve,
        demodulate_iq,
        open_recording,
    )

    if rate is not None:
        number(rate, "--rate", MIN_RATE_HZ, MAX_RATE_HZ)
    if center is not None:
        number(center, "--center", 0, 1e12, low_open=True)
    if iq_format is not None and iq_format not in FORMATS:
        raise UserError(f"--format must be one of {', '.join(FORMATS)}, got {iq_format!r}")
    begin = utc_time(start, "--start") if start is not None else None
    doppler = station is not None or start is not None
    if tle is not None and not doppler:
        raise UserError("--tle is for the Doppler correction: give --start and --station too")
    try:  # the reader's ValueErrors are about the files and options the user gave
        recording = open_recording(wav, fmt=iq_format, sample_rate_hz=rate, center_hz=center, start=begin)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    offset = None
    if doppler or center is not None or mission is not None or scenario is not None:
        from picodragon.astro.isotime import iso_z
        from picodragon.config import parse_station
        from picodragon.ground.iq_doppler import recording_doppler

        scn = mission_of(mission, scenario).scenario
        downlink = scn.spacecraft.radio.downlink_frequency_hz
        centre = recording.center_hz if recording.center_hz is not None else downlink
        offset = OffsetCurve.fixed(downlink - centre)
        if doppler:
            if recording.start is None:
                raise UserError("--station: the Doppler correction needs the time of the first sample: "
                                "give --start ISO (or a SigMF file with core:datetime)")
            if not EARLIEST_UTC <= recording.start < LATEST_UTC:
                raise UserError(f"the recording's start {iso_z(recording.start)} lies outside "
                                "1957-10-04 to 2053-01-01 (the span of the ephemeris)")
            site = parse_station(station, scn) if station is not None else scn.stations[0]
            curve = recording_doppler(_element_set(scn, tle), site, recording.start, recording.duration_s,
                                      downlink, centre)
            if not curve.visible:
                typer.echo(f"picodragon: note: the spacecraft is below {site.name}'s horizon throughout "
                           "the recording", err=True)
            offset = curve.offset
    try:
        return demodulate_iq(recording, mode=mode, offset=offset, fix=fix, fast=fast)
    except ValueError as exc:
        raise UserError(str(exc)) from None


@modem_app.command("demod")
@verb
def modem_demod(
    wav: Annotated[Path, typer.Argument(help="audio file to decode (WAV, FLAC, OGG...), or an SDR IQ file with --iq")],
    fix: Annotated[bool, typer.Option("--fix", help="repair frames whose FCS fails by flipping unreliable bits (AFSK)")] = False,
    fast: Annotated[bool, typer.Option("--fast", help="5 demodulators instead of 19 (AFSK)")] = False,
    mode: Annotated[str | None, typer.Option(
        help="afsk1200, g3ruh9600, g3ruh4800, or auto (each the rate can carry) [default: with --iq and "
        "--mission/--scenario the mission radio's mode, else afsk1200]")] = None,
    json_path: JsonOpt = None,
    iq: Annotated[bool, typer.Option("--iq", help="the file is SDR IQ: cu8, cs8, cs16 or cf32 (a SigMF "
                                     ".sigmf-meta beside it is read)")] = False,
    rate: Annotated[float | None, typer.Option(help="IQ sample rate, Hz [default: the SigMF file's]")] = None,
    center: Annotated[float | None, typer.Option(
        help="IQ centre frequency, Hz [default: the SigMF file's, else the mission's downlink]")] = None,
    iq_format: Annotated[str | None, typer.Option(
        "--format", help="IQ sample format: cu8, cs8, cs16, cf32 [default: the file name's or SigMF's]")] = None,
    start: Annotated[str | None, typer.Option(
        help="ISO 8601 UTC of the first IQ sample: corrects the pass's Doppler [default: SigMF's]")] = None,
    station: Annotated[str | None, typer.Option(
        help="the recording's station, name or LAT,LON[,ALT_M]: corrects the pass's Doppler")] = None,
    tle: Annotated[Path | None, typer.Option(help="TLE file for the Doppler [default: the mission's spacecraft]")] = None,
    scenario: ScenarioOpt = None,
    mission: MissionOpt = None,
) -> None:
    """Demodulate AFSK 1200 (or G3RUH 9600/4800) audio, or SDR IQ with --iq, into AX.25 frames."""
    from picodragon.link.modem_files import MODES, demodulate_file

    input_file(wav, "IQ file" if iq else "WAV file")
    if mode is None:  # a mission's recording is in the mission radio's mode
        given_mission = iq and (mission is not None or scenario is not None)
        mode = mission_of(mission, scenario).scenario.spacecraft.radio.modem_mode if given_mission else "afsk1200"
    if mode not in (*MODES, "auto"):
        raise UserError(f"--mode must be one of {', '.join(MODES)}, auto; got {mode!r}")
    output_path(json_path, "--json")
    if iq:
        frames = _iq_frames(wav, mode, fix, fast, rate, center, iq_format, start, station, tle, scenario, mission)
    else:
        given = [name for name, value in (("--rate", rate), ("--center", center), ("--format", iq_format),
                                          ("--start", start), ("--station", station), ("--tle", tle),
                                          ("--scenario", scenario), ("--mission", mission)) if value is not None]
        if given:
            raise UserError(f"{given[0]} applies to SDR IQ files: add --iq")
        try:  # the reader's ValueErrors are about the file's content, which the user gave
            frames = demodulate_file(wav, fix=fix, fast=fast, mode=mode)
        except ValueError as exc:
            raise UserError(str(exc)) from None
    if json_path != "-":
        for f in frames:
            typer.echo(f"{f['source']}>{f['destination']}: {f['info']}")
        typer.echo(f"{len(frames)} frames decoded")
    write_json(json_path, frames)


@satnogs_app.command("export")
@verb
def satnogs_export(
    db: DbOpt,
    mission: MissionOpt = None,
    scenario: ScenarioOpt = None,
    out: Annotated[Path | None, typer.Option("--out", help="write SiDS records here (.csv, else JSON Lines)")] = None,
    post: Annotated[str | None, typer.Option("--post", help="POST each record (SiDS form) to this http(s) URL")] = None,
    station: Annotated[str | None, typer.Option(help="the mission's station whose receptions to export [default: every frame, the first station's place]")] = None,
    source: Annotated[str | None, typer.Option(help="SiDS source: the receiving station's callsign [default: the station's name]")] = None,
    include_rejected: Annotated[bool, typer.Option("--include-rejected", help="also frames the ground rejected")] = False,
) -> None:
    """Export archived frames as SiDS records, the form SatNOGS DB takes from stations."""
    from picodragon.ground.archive import open_archive
    from picodragon.ground.satnogs import (
        SatnogsError,
        check_url,
        post_records,
        records_from_archive,
        write_records,
    )

    if (out is None) == (post is None):
        raise UserError("give one of --out FILE or --post URL")
    if post is not None:
        try:
            check_url(post)
        except SatnogsError as exc:
            raise UserError(f"--post: {exc}") from None
    else:
        output_path(out, "--out", stdout_ok=False)
    if source is not None and not source.strip():
        raise UserError("--source: the callsign is empty")
    archive_target(db, must_exist=True)
    scn = mission_of(mission, scenario).scenario
    places = {s.name: s for s in scn.stations}
    if station is not None and station not in places:
        raise UserError(f"--station: mission {scn.name} has no station {station!r} (it has {', '.join(places)})")
    place = places[station] if station is not None else scn.stations[0]
    archive = open_archive(db)
    try:
        records = records_from_archive(archive, scn.spacecraft.norad_id, source or place.name,
                                       place.longitude_deg, place.latitude_deg, station=station,
                                       include_rejected=include_rejected)
    finally:
        archive.close()
    try:
        if out is not None:
            typer.echo(f"{write_records(records, out)} frames -> {out}")
        else:
            report = post_records(records, post)
            typer.echo(f"{report.sent} frames posted to {post} ({report.attempts} attempts)")
    except SatnogsError as exc:
        raise UserError(str(exc)) from None


@satnogs_app.command("import")
@verb
def satnogs_import(
    frames_file: Annotated[Path, typer.Argument(help="a SatNOGS frame file: 'YYYY-MM-DD HH:MM:SS|HEX' lines, the DB API's JSON, or our SiDS JSON Lines")],
    db: DbOpt,
    mission: MissionOpt = None,
    scenario: ScenarioOpt = None,
    station: Annotated[str | None, typer.Option(help="the mission's station to file them under [default: its first]")] = None,
    json_path: JsonOpt = None,
) -> None:
    """Import a SatNOGS observation's frames into the archive, decoded as if heard live."""
    from picodragon.ground.archive import open_archive
    from picodragon.ground.satnogs import (
        SatnogsError,
        import_frames,
        mission_station,
        read_frames_file,
    )

    input_file(frames_file, "FILE")
    output_path(json_path, "--json")
    archive_target(db)
    loaded = mission_of(mission, scenario)
    scn = loaded.scenario
    if station is not None and station not in {s.name for s in scn.stations}:
        raise UserError(f"--station: mission {scn.name} has no station {station!r}")
    receive = getattr(scn, "receive", None)
    if receive is not None and receive.packet is not None and not loaded.dictionary.has_packet(receive.packet):
        raise UserError(f"mission {scn.name}: [receive] packet {receive.packet} is not in its dictionary")
    try:
        frames = read_frames_file(frames_file)
    except SatnogsError as exc:
        raise UserError(str(exc)) from None
    archive = open_archive(db, dictionary=loaded.dictionary)
    try:
        archive.remember_mission(scn.name, scn.model_dump_json())  # for `serve --db` alone
        report = import_frames(mission_station(scn, loaded.dictionary, archive, station), frames)
    finally:
        archive.close()
    data = {"file": str(frames_file), "frames": report.frames, "decoded": report.decoded,
            "rejected": report.rejected}
    if json_path != "-":
        typer.echo(f"{report.frames} frames: {report.decoded} decoded, {report.rejected} rejected -> {db}")
    write_json(json_path, data)


def main(argv: list[str] | None = None) -> None:
    """Entry point: usage errors, too, are one line on stderr with exit code 2."""
    try:  # typer vendors its own click from 0.2x on
        from typer._click.exceptions import UsageError as ClickUsageError
    except ImportError:  # pragma: no cover - older typer
        from click.exceptions import UsageError as ClickUsageError
    abort_types = (typer.Abort, KeyboardInterrupt)

    try:
        result = app(args=argv, standalone_mode=False)
    except ClickUsageError as exc:
        message = exc.format_message()
        if message:  # an empty message follows a help page shown for a bare group
            hint = f" (see: {exc.ctx.command_path} --help)" if exc.ctx else ""
            typer.echo(f"picodragon: {message}{hint}", err=True)
        sys.exit(2)
    except abort_types:
        typer.echo("picodragon: interrupted", err=True)
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception:
        # not bad input (that is caught at the boundary as a UserError): a bug, shown as one
        import traceback

        traceback.print_exc()
        typer.echo("picodragon: internal error (a bug, not your input): please report it with the "
                   "traceback above", err=True)
        sys.exit(1)
    sys.exit(result if isinstance(result, int) else 0)


if __name__ == "__main__":
    main()

"""Verbs of operations: live, station, command, serve, users."""

from __future__ import annotations

import contextlib
import math
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from picodragon.cli.common import (
    MAX_WALL_SECONDS,
    DbOpt,
    JsonOpt,
    KeyOpt,
    MissionOpt,
    ScenarioOpt,
    UserError,
    _host_port,
    app,
    archive_target,
    bindable,
    input_file,
    mission_of,
    number,
    output_path,
    reachable,
    read_key,
    simulated,
    users_app,
    utc_time,
    verb,
    write_json,
)


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
    import errno

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
        console.print(f"picodragon live: {scn.spacecraft.name} on KISS TCP {host}:{bound} at {speed:g}x "
                      "(it tells clients its clock and element set: `picodragon station` follows them)")

    def show(status) -> None:
        console.print(f"{iso_z(status.sim_unix)[:19]}Z  keyed {status.frames_keyed}  "
                      f"to clients {status.frames_to_clients}  uplinks {status.uplinks_delivered}/"
                      f"{status.frames_from_clients}  clients {status.clients}  "
                      f"{'in view' if status.visible else 'out of view'}", highlight=False)

    try:
        status = asyncio.run(run_live(
            loaded, host=host, port=port, speed=speed, start_unix=begin.timestamp() if begin else None,
            station=station, anywhere=anywhere, duration_s=duration, seed=seed, auth_key=auth_key,
            on_ready=ready, on_status=show))
    except OSError as exc:  # the port taken between the check above and the server's bind
        if exc.errno not in (errno.EADDRINUSE, errno.EADDRNOTAVAIL, errno.EACCES):
            raise
        raise UserError(f"--kiss: cannot listen on {host}:{port} ({exc.strerror or exc})") from None
    for line in status.log:
        console.print(line)


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
    tle: Annotated[str | None, typer.Option(
        help="element sets: a TLE or OMM (XML, JSON, CSV) file, a folder of them, or an http(s) URL "
             "(cached beside --db) [default: a `picodragon live` TNC's, else the scenario's spacecraft's]")] = None,
    key_file: KeyOpt = None,
    duration: Annotated[float | None, typer.Option(help="stop after this many seconds (station clock)")] = None,
    sim_start: Annotated[str | None, typer.Option(
        help="rehearsal: the station clock starts at this ISO time [default: UTC, or the clock a "
             "`picodragon live` TNC announces]")] = None,
    speed: Annotated[float, typer.Option(help="rehearsal: station clock seconds per wall second")] = 1.0,
    auto: Annotated[bool, typer.Option(
        "--auto", help="run each pass itself: dumps, file listing, image download with gap "
                       "requests, keep-alive, retries (needs the key; never deletes a file)")] = False,
    json_path: JsonOpt = None,
) -> None:
    """A real ground station: receive and archive, Doppler tuning, antenna pointing, uplink.

    It logs to stderr what it does (checks, passes with the element set's age, AOS/LOS, frames,
    commands, rig and rotator errors) and a summary at the end, also on Ctrl-C or SIGTERM. Against
    `picodragon live` it follows the twin's clock and element set by itself. Exit 1 when it never
    reached its TNC."""
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
    if auto and key is None:
        raise UserError("--auto sends commands: it needs the uplink key (--key-file or $PICODRAGON_UPLINK_KEY)")
    loaded = mission_of(mission, scenario)
    scn = loaded.scenario
    site = parse_station(station_name, scn) if station_name is not None else scn.stations[0]
    element_set = _station_element_set(scn, tle, db)
    for name, (host, port) in services:
        reachable(host, port, name)
    clock = _time.time
    if begin is not None:
        t0, m0 = begin.timestamp(), _time.monotonic()

        def clock() -> float:
            return t0 + (_time.monotonic() - m0) * speed

    radio = scn.spacecraft.radio
    with _log_to_stderr():
        report = run_station_blocking(
            kiss=kiss, element_set=element_set, station=site,
            downlink_hz=radio.downlink_frequency_hz, uplink_hz=radio.uplink_frequency_hz,
            rigctld=rigctld, rotctld=rotctld, db=db, key=key,
            spacecraft_callsign=f"{radio.callsign}-{radio.ssid}" if radio.ssid else radio.callsign,
            station_callsign=radio.ground_callsign, dictionary=loaded.dictionary,
            mission_start_unix_s=scn.start.timestamp(), duration_s=duration, clock=clock,
            tick_s=min(1.0, 1.0 / speed) if speed > 1 else 1.0, auto=auto,
            follow_tnc=begin is None, follow_tnc_elements=tle is None, handle_signals=True)
    data = report.to_json()
    if json_path != "-":
        typer.echo(f"{data['station']}: {data['frames']} frames ({data['decoded']} decoded), "
                   f"{data['commands_sent']} commands sent, {data['passes_tracked']} passes tracked")
    write_json(json_path, data)
    if report.tnc_connections == 0:
        typer.echo(f"picodragon: station never reached its TNC at {kiss} ({report.last_error or 'no connection'})",
                   err=True)
        raise typer.Exit(1)


def _station_element_set(scn, tle: str | None, db: str):
    """The station's element set by the one rule (:func:`picodragon.ground.elementsets.resolve`)
    that mission control also follows: --tle (file, folder or URL), else the set a run left beside
    the archive (``DB.tle``), else the mission's published set; its age is logged per pass."""
    from picodragon.elements import ElementSetError
    from picodragon.ground.elementsets import resolve
    from picodragon.physics.orbit import deployed_element_set

    if tle is not None and not tle.strip():
        raise UserError("--tle is empty")
    if tle is not None and not tle.startswith(("http://", "https://")) and not Path(tle).is_dir():
        input_file(Path(tle), "--tle")
    try:
        return resolve(tle, lambda: deployed_element_set(scn), archive=db).element_set
    except ElementSetError as exc:
        raise UserError(f"--tle: {exc}") from None


@contextlib.contextmanager
def _log_to_stderr() -> Iterator[None]:
    """The station's log while it runs: one concise line per event on stderr (times in them are
    UTC); the handler and level are taken back afterwards (the verb may run in-process)."""
    import logging
    import sys

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("station %(levelname)s %(message)s"))
    logger = logging.getLogger("picodragon")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


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
    confirm: Annotated[str | None, typer.Option(
        "--confirm", help="a hazardous command's name typed back (else it is asked for, or refused)")] = None,
) -> None:
    """Queue (and release) a signed telecommand; `picodragon station` uplinks it in the next pass.
    A hazardous command (the dictionary's ``hazardous``) is released only with its name confirmed."""
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
    chosen = commands_by_name[name.upper()]
    if chosen.hazardous and not hold and (confirm or "").strip().upper() != chosen.name:
        typed = ""
        if confirm is None and sys.stdin.isatty():
            typed = typer.prompt(f"{chosen.name} is hazardous: type its name to release it", default="",
                                 show_default=False)
        if typed.strip().upper() != chosen.name:
            raise UserError(f"{chosen.name} is hazardous: confirm it with --confirm {chosen.name} (or --hold it)")
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
    users: UsersOpt = None,
    live: Annotated[str | None, typer.Option(
        help="a rehearsal: HOST:PORT of `picodragon live`'s KISS TCP port, whose clock becomes "
             "mission control's now")] = None,
) -> None:
    """Mission control in the browser, over the archive."""
    from picodragon.web import ServeError
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
    if users is not None:
        _users_path(users)
        options["users"] = str(users)
    if live is not None:
        _host_port(live, "--live")
        options["live"] = live
    bindable(host, port, "--port")
    try:  # returns after Ctrl-C or SIGTERM: exit 0
        serve_web(db, host=host, port=port, tle=str(tle) if tle else None, key=key,
                  secure_cookies=secure_cookies, **options)
    except ServeError as exc:
        raise UserError(str(exc)) from None


UsersOpt = Annotated[Path | None, typer.Option(
    "--users", help="the users' store, a SQLite file [default: picodragon-users.sqlite beside a "
    "SQLite --db, the archive itself on PostgreSQL]")]


def _users_path(path: Path, option: str = "--users") -> None:
    """A users' store we may open: a new file in a writable folder, or one of our SQLite files."""
    output_path(path, option, stdout_ok=False)
    archive_target(str(path), option)


@users_app.command("add")
@verb
def users_add(
    name: Annotated[str, typer.Argument(help="user name")],
    role: Annotated[str, typer.Option(help="viewer, operator or admin")] = "viewer",
    db: DbOpt = "picodragon.sqlite",
    password_env: Annotated[str | None, typer.Option(
        help="read the password from this environment variable instead of asking")] = None,
    users: UsersOpt = None,
) -> None:
    """Add a user (or change the password and role of an existing one) in the users' store of
    the archive: picodragon-users.sqlite beside a SQLite archive (a new run does not replace it),
    the archive itself on PostgreSQL, or --users."""
    from picodragon.ground.archive.users import users_store
    from picodragon.web.auth import _check_name, _check_password, _check_role, create_user

    _check_name(name)
    _check_role(role)
    archive_target(db)
    if users is not None:
        _users_path(users)
    elif not db.startswith("postgres"):
        _users_path(Path(users_store(db)), "--db (the users' file beside it)")
    if password_env is not None:
        password = os.environ.get(password_env)
        if not password:
            raise UserError(f"environment variable {password_env} is empty or not set")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    _check_password(password)
    store = users_store(db, str(users) if users is not None else None)
    user = create_user(store, name, password, role)
    typer.echo(f"user {user.name} ({user.role}) saved in {store}")

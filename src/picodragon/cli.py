"""The ``picodragon`` command: one function per verb, no logic of its own.

Contract (DESIGN.md): times are ISO 8601 UTC with a Z; every verb with ``--json PATH`` writes
that file (``-`` for stdout); bad input exits 2 with one clear line on stderr and writes
nothing.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import tempfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="picodragon: twin, flight software, radio link and ground segment of a 1U CubeSat.",
    pretty_exceptions_enable=False,
)
modem_app = typer.Typer(no_args_is_help=True, help="The AFSK 1200 modem: WAV files in and out.")
app.add_typer(modem_app, name="modem")


class UserError(Exception):
    """Bad input from the user: reported as one line, exit code 2."""


def _user_errors() -> tuple[type[BaseException], ...]:
    from picodragon.config import ConfigError
    from picodragon.elements import ElementSetError

    return (UserError, ConfigError, ElementSetError, ValueError, FileNotFoundError)


def verb(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the known kinds of bad input into one stderr line and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except _user_errors() as exc:
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            typer.echo(f"picodragon: {message}", err=True)
            raise typer.Exit(2) from None

    return wrapper


def write_json(path: str | None, data: Any) -> None:
    """Write JSON to a file atomically (or to stdout for '-')."""
    if path is None:
        return
    text = json.dumps(data, indent=2, default=str) + "\n"
    if path == "-":
        sys.stdout.write(text)
        return
    target = Path(path)
    if not target.parent.exists():
        raise UserError(f"cannot write {path}: folder {target.parent} does not exist")
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    os.replace(tmp, target)


ScenarioOpt = Annotated[
    str | None,
    typer.Option("--scenario", help="packaged scenario name or a TOML file [default: picodragon-2013]"),
]
JsonOpt = Annotated[str | None, typer.Option("--json", help="write a JSON summary here ('-' for stdout)")]


@app.command()
@verb
def run(
    scenario: ScenarioOpt = None,
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
    from picodragon.config import load_scenario
    from picodragon.mission.clock import parse_utc
    from picodragon.mission.runner import RunOptions, run_mission
    from picodragon.mission.summary import print_summary

    scn = load_scenario(scenario)
    if days is not None and days <= 0:
        raise UserError("--days must be positive")
    if fidelity not in (None, "full", "fast"):
        raise UserError("--fidelity must be 'full' or 'fast'")
    options = RunOptions(
        start=parse_utc(start) if start else None,
        days=days,
        until_reentry=until_reentry,
        db=db,
        report=report or None,
        seed=seed,
        progress=not quiet,
        fidelity=fidelity,
    )
    result = run_mission(scn, options)
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
    json_path: JsonOpt = None,
) -> None:
    """Predict passes of the spacecraft over a station."""
    from rich.console import Console
    from rich.table import Table

    from picodragon.config import load_scenario, parse_station
    from picodragon.elements import read_tle_file
    from picodragon.ground.passes import find_passes
    from picodragon.mission.clock import iso_z, parse_utc

    if not 0 < days <= 366:
        raise UserError("--days must be between 0 and 366")
    if min_elevation is not None and not -5 <= min_elevation < 90:
        raise UserError("--min-elevation must be between -5 and 90 degrees")
    scn = load_scenario(scenario)
    site = parse_station(station, scn)
    begin = parse_utc(start)
    if tle is not None:
        if not tle.is_file():
            raise UserError(f"TLE file not found: {tle}")
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
def lifetime(scenario: ScenarioOpt = None, json_path: JsonOpt = None) -> None:
    """Predict the orbital lifetime (re-entry at 120 km) from physics and space weather."""
    from picodragon.config import load_scenario
    from picodragon.physics.decay import predict_lifetime

    result = predict_lifetime(load_scenario(scenario))
    if json_path != "-":
        typer.echo(f"start {result['start']}  re-entry {result['reentry']}  ({result['days']:.1f} days)")
        typer.echo(f"model: {result['model']}")
    write_json(json_path, result)


@app.command("link-budget")
@verb
def link_budget(
    scenario: ScenarioOpt = None,
    elevation: Annotated[float, typer.Option(help="elevation in degrees")] = 10.0,
    station: Annotated[str | None, typer.Option(help="station [default: the scenario's first]")] = None,
    json_path: JsonOpt = None,
) -> None:
    """The downlink budget of the scenario at one elevation."""
    from picodragon.config import load_scenario, parse_station
    from picodragon.link.budget import downlink_budget, slant_range_m

    if not 0 <= elevation <= 90:
        raise UserError("--elevation must be between 0 and 90 degrees")
    scn = load_scenario(scenario)
    site = parse_station(station, scn) if station else scn.stations[0]
    altitude_m = 410e3  # nominal ISS-deployed altitude for the table; the run uses true geometry
    budget = downlink_budget(scn.spacecraft.radio, site, slant_range_m(elevation, altitude_m), elevation)
    data = {k: float(v) for k, v in budget.to_dict().items()}
    if json_path != "-":
        for key, value in data.items():
            typer.echo(f"{key:>22}: {value:12.4g}")
    write_json(json_path, data)


def _host_port(text: str, what: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 <= int(port) < 65536:
        raise UserError(f"{what} must be HOST:PORT, e.g. 127.0.0.1:8001 (got '{text}')")
    return host, int(port)


def read_key(key_file: Path | None) -> bytes | None:
    """The uplink authentication key: a file of hex (or raw bytes), or $PICODRAGON_UPLINK_KEY."""
    if key_file is not None:
        if not key_file.is_file():
            raise UserError(f"key file not found: {key_file}")
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


@app.command()
@verb
def live(
    speed: Annotated[float, typer.Option(help="simulated seconds per wall second")] = 1.0,
    kiss: Annotated[str, typer.Option(help="KISS TCP address to serve the radio on")] = "127.0.0.1:8001",
    scenario: ScenarioOpt = None,
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

    from picodragon.config import load_scenario
    from picodragon.mission.clock import iso_z, parse_utc
    from picodragon.mission.live import run_live

    if speed <= 0 or speed > 10_000:
        raise UserError("--speed must be between 0 and 10000")
    if duration is not None and duration <= 0:
        raise UserError("--duration must be positive")
    host, port = _host_port(kiss, "--kiss")
    scn = load_scenario(scenario)
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
        scn, host=host, port=port, speed=speed, start_unix=parse_utc(start).timestamp() if start else None,
        station=station, anywhere=anywhere, duration_s=duration, seed=seed, auth_key=read_key(key_file),
        on_ready=ready, on_status=show))
    for line in status.log:
        console.print(line)


def _element_set(scn, tle: Path | None):
    """The station's orbit knowledge: a TLE file, or the scenario spacecraft's derived set."""
    from picodragon.elements import read_tle_file

    if tle is not None:
        if not tle.is_file():
            raise UserError(f"TLE file not found: {tle}")
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

    from picodragon.config import load_scenario, parse_station
    from picodragon.ground.operations import run_station_blocking
    from picodragon.mission.clock import parse_utc

    _host_port(kiss, "--kiss")
    for name, value in (("--rigctld", rigctld), ("--rotctld", rotctld)):
        if value is not None:
            _host_port(value, name)
    if speed <= 0 or speed > 10_000:
        raise UserError("--speed must be between 0 and 10000")
    scn = load_scenario(scenario)
    site = parse_station(station_name, scn) if station_name else scn.stations[0]
    clock = _time.time
    if sim_start is not None:
        t0, m0 = parse_utc(sim_start).timestamp(), _time.monotonic()

        def clock() -> float:
            return t0 + (_time.monotonic() - m0) * speed

    radio = scn.spacecraft.radio
    report = run_station_blocking(
        kiss=kiss, element_set=_element_set(scn, tle), station=site,
        downlink_hz=radio.downlink_frequency_hz, uplink_hz=radio.uplink_frequency_hz,
        rigctld=rigctld, rotctld=rotctld, db=db, key=read_key(key_file),
        spacecraft_callsign=radio.callsign, duration_s=duration, clock=clock,
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
) -> None:
    """Queue (and release) a signed telecommand; `picodragon station` uplinks it in the next pass."""
    import time as _time

    from picodragon.ground.archive import open_archive
    from picodragon.ground.commanding import CommandQueue
    from picodragon.mission.clock import parse_utc

    key = read_key(key_file)
    if key is None:
        raise UserError("commanding needs the uplink key: --key-file or $PICODRAGON_UPLINK_KEY")
    args: dict[str, float] = {}
    for pair in arguments or []:
        key_name, sep, value = pair.partition("=")
        if not sep:
            raise UserError(f"argument '{pair}' is not ARG=VALUE")
        try:
            args[key_name] = float(parse_utc(value).timestamp() - 946_684_800) if "T" in value else float(value)
        except ValueError:
            raise UserError(f"argument {key_name}: '{value}' is not a number or an ISO time") from None
    archive = open_archive(db)
    try:
        queue = CommandQueue(archive, key)
        record = queue.queue(name.upper(), args, now=_time.time(),
                             execute_at=parse_utc(at).timestamp() if at else None)
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
    tle: Annotated[Path | None, typer.Option(
        help="the spacecraft's element set [default: the one a run left beside its archive]")] = None,
    key_file: KeyOpt = None,
) -> None:
    """Mission control in the browser, over the archive."""
    from picodragon.web import serve as serve_web

    if not 0 < port < 65536:
        raise UserError("--port must be between 1 and 65535")
    if not db.startswith("postgres") and not Path(db).exists():
        raise UserError(f"archive not found: {db} (run `picodragon run` first, or give --db)")
    if tle is None and not db.startswith("postgres") and Path(db).with_suffix(".tle").is_file():
        tle = Path(db).with_suffix(".tle")
    if tle is not None and not tle.is_file():
        raise UserError(f"TLE file not found: {tle}")
    serve_web(db, host=host, port=port, scenario=scenario, tle=str(tle) if tle else None,
              key=read_key(key_file))


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
    from picodragon.web.auth import create_user

    if password_env:
        password = os.environ.get(password_env)
        if not password:
            raise UserError(f"environment variable {password_env} is empty or not set")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    user = create_user(db, name, password, role)
    typer.echo(f"user {user.name} ({user.role}) saved in {db}")


@app.command()
@verb
def montecarlo(
    runs: Annotated[int, typer.Option(help="number of runs")] = 20,
    scheduler: Annotated[str | None, typer.Option(help="dask scheduler address [default: a LocalCluster]")] = None,
    scenario: ScenarioOpt = None,
    days: Annotated[float | None, typer.Option(help="simulated days per run [default: the scenario's]")] = None,
    seed: Annotated[int, typer.Option(help="campaign seed")] = 0,
    workers: Annotated[int, typer.Option(help="LocalCluster worker processes")] = 2,
    lifetime: Annotated[bool, typer.Option(help="also predict each run's re-entry")] = True,
    page: Annotated[str, typer.Option(help="HTML page of the distributions")] = "picodragon-montecarlo.html",
    json_path: JsonOpt = None,
) -> None:
    """Vary the uncertain inputs over many runs on dask.distributed."""
    from picodragon.config import load_scenario
    from picodragon.mission.montecarlo import run_campaign, write_page

    if not 1 <= runs <= 100_000:
        raise UserError("--runs must be between 1 and 100000")
    scn = load_scenario(scenario)
    campaign = run_campaign(scn, runs, scheduler=scheduler, days=days, seed=seed, lifetime=lifetime,
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
def xtce(out: Annotated[Path, typer.Option(help="XTCE file to write ('-' for stdout)")] = Path("-")) -> None:
    """Export the spacecraft dictionary as XTCE 1.2, for Yamcs, COSMOS or space-packet-parser."""
    from picodragon.dictionary.xtce import to_xtce

    text = to_xtce()
    if str(out) == "-":
        sys.stdout.write(text)
        return
    if not out.parent.exists():
        raise UserError(f"cannot write {out}: folder {out.parent} does not exist")
    out.write_text(text, encoding="utf-8")
    typer.echo(f"dictionary -> {out}")


@modem_app.command("mod")
@verb
def modem_mod(
    in_path: Annotated[Path, typer.Option("--in", help="KISS stream, or one hex frame a line")],
    out_path: Annotated[Path, typer.Option("--out", help="WAV file to write")],
    sample_rate: Annotated[int, typer.Option(help="samples per second")] = 44100,
    emphasis: Annotated[bool, typer.Option("--emphasis", help="pre-emphasise (6 dB/octave), as into an FM transmitter")] = False,
) -> None:
    """Modulate AX.25 frames into AFSK 1200 audio."""
    from picodragon.link.modem_files import modulate_file

    if not in_path.is_file():
        raise UserError(f"input file not found: {in_path}")
    if not 8000 <= sample_rate <= 192000:
        raise UserError("--sample-rate must be between 8000 and 192000")
    count = modulate_file(in_path, out_path, sample_rate=sample_rate, emphasis=emphasis)
    typer.echo(f"{count} frames -> {out_path}")


@modem_app.command("demod")
@verb
def modem_demod(
    wav: Annotated[Path, typer.Argument(help="WAV file to decode")],
    fix: Annotated[bool, typer.Option("--fix", help="repair frames whose FCS fails by flipping unreliable bits")] = False,
    fast: Annotated[bool, typer.Option("--fast", help="5 demodulators instead of 19")] = False,
    json_path: JsonOpt = None,
) -> None:
    """Demodulate AFSK 1200 audio into AX.25 frames."""
    from picodragon.link.modem_files import demodulate_file

    if not wav.is_file():
        raise UserError(f"WAV file not found: {wav}")
    frames = demodulate_file(wav, fix=fix, fast=fast)
    if json_path != "-":
        for f in frames:
            typer.echo(f"{f['source']}>{f['destination']}: {f['info']}")
        typer.echo(f"{len(frames)} frames decoded")
    write_json(json_path, frames)


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
    sys.exit(result if isinstance(result, int) else 0)


if __name__ == "__main__":
    main()

"""Network-scale verbs: ``passes`` for many satellites over many stations, and ``constellation``.

``passes --elements FILE --stations FILE [--scheduler ADDRESS|local]`` plans every satellite of
an element-set file over every station of a station file (ground.network); ``constellation``
flies many spacecraft of the mission's design, one dask task each (mission.constellation).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from picodragon.cli.common import (
    MAX_RUN_DAYS,
    MAX_WORKERS,
    JsonOpt,
    MissionOpt,
    ScenarioOpt,
    UserError,
    app,
    input_file,
    mission_of,
    number,
    output_path,
    simulated,
    verb,
    write_json,
)

#: passes shown as a table on a terminal; more are summed up (the JSON has them all)
TABLE_ROWS = 60


@contextmanager
def _progress(show: bool, total: int, label: str) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on stderr (none when the JSON goes to stdout), stopped on the way out."""
    from picodragon.mission.montecarlo import _bar

    bar = _bar(show, total, label, stderr=True)
    try:
        yield (lambda done, _total: bar(done)) if bar else None
    finally:
        if bar:
            bar(None)


def read_stations_option(path: Path, option: str = "--stations") -> list:
    """The stations of a CSV or TOML file, or a UserError naming the option."""
    from picodragon.ground.station_file import read_stations

    input_file(path, option)
    try:
        return read_stations(path.read_text(encoding="utf-8", errors="replace"), path.name)
    except ValueError as exc:
        raise UserError(f"{option}: {exc}") from None


def scheduler_option(scheduler: str | None) -> str | None:
    """``local`` (a LocalCluster) as None, an address checked for a listening scheduler."""
    if scheduler is None or scheduler.strip().lower() == "local":
        return None
    from picodragon.cli.flight import _check_scheduler

    _check_scheduler(scheduler)
    return scheduler


def network_passes(element_sets: list, stations: list, begin: datetime, days: float,
                   min_elevation: float | None, scheduler: str | None, use_dask: bool,
                   exact: bool, summary: bool, json_path: str | None) -> None:
    """The ``passes`` verb over many satellites and stations (in this process or on dask)."""
    from picodragon.ground.network import NetworkSummary, plan_network, plan_network_on

    end = begin + timedelta(days=days)
    show = json_path != "-"
    if use_dask:
        from picodragon.mission.montecarlo import dask_client

        with dask_client(scheduler) as (client, where):
            tasks = -(-len(element_sets) // 50)
            with _progress(show, tasks, "passes") as bar:
                found = plan_network_on(client, element_sets, stations, begin, end, min_elevation,
                                        exact=exact, summary_only=summary, progress=bar)
        if show:
            typer.echo(f"planned on {where}")
    else:
        found = plan_network(element_sets, stations, begin, end, min_elevation, exact=exact,
                             summary_only=summary)
    result = found if isinstance(found, NetworkSummary) else NetworkSummary.of(found)
    if show:
        _say(found, result)
    if summary:
        write_json(json_path, result.to_json())
    else:
        write_json(json_path, [p.to_json() for p in found.passes()])


def _say(found: Any, result: Any) -> None:
    from rich.console import Console

    from picodragon.ground.network import PassTable

    s = result.to_json()
    typer.echo(f"{s['passes']} passes of {s['satellites']} satellites over {s['stations']} stations, "
               f"{s['contact_hours']} contact hours")
    if isinstance(found, PassTable) and 0 < len(found) <= TABLE_ROWS:
        from picodragon.cli.flight import pass_table

        Console().print(pass_table(found.passes(), "the network"))


@app.command()
@verb
def constellation(
    count: Annotated[int, typer.Option(help="spacecraft of the mission's design")] = 50,
    days: Annotated[float, typer.Option(help="simulated days per spacecraft")] = 1.0,
    stations: Annotated[Path | None, typer.Option(
        help="the network (CSV: name,latitude_deg,longitude_deg[,altitude_m,min_elevation_deg]; or "
        "TOML [[stations]]) [default: the mission's stations]")] = None,
    scheduler: Annotated[str | None, typer.Option(
        help="dask scheduler address, or 'local' [default: a LocalCluster]")] = None,
    workers: Annotated[int, typer.Option(help="LocalCluster worker processes")] = 2,
    scenario: ScenarioOpt = None,
    mission: MissionOpt = None,
    json_path: JsonOpt = None,
) -> None:
    """Fly COUNT spacecraft of the mission's design (orbits spread in node and anomaly, each with
    its own flight software and archive) over one network, one dask task each; report passes and
    frames per station and per spacecraft, and alarms."""
    from picodragon.mission.constellation import run_constellation
    if not 1 <= count <= 10_000:
        raise UserError("--count must be between 1 and 10000")
    number(days, "--days", 0, MAX_RUN_DAYS, low_open=True)
    if not 1 <= workers <= MAX_WORKERS:
        raise UserError(f"--workers must be between 1 and {MAX_WORKERS}")
    output_path(json_path, "--json")
    sites = read_stations_option(stations) if stations is not None else None
    address = scheduler_option(scheduler)
    loaded = simulated(mission_of(mission, scenario))
    show = json_path != "-"
    with _progress(show, count, "constellation") as bar:
        report = run_constellation(loaded, count, days, sites, address, workers, progress=bar)
    if show:
        typer.echo(f"{report['spacecraft']} spacecraft x {days:g} d over {report['stations']} stations "
                   f"on {report['scheduler']} in {report['wall_seconds']:.1f} s: {report['passes']} "
                   f"passes, {report['frames_received']} of {report['frames_sent']} frames received, "
                   f"{report['alarms']} alarms")
    write_json(json_path, report)

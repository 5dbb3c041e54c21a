"""Verbs that fly or predict a mission: run, passes, lifetime, link-budget, montecarlo."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from picodragon.cli.common import (
    LATEST_UTC,
    MAX_RUN_DAYS,
    MAX_WORKERS,
    JsonOpt,
    MissionOpt,
    ScenarioOpt,
    UserError,
    _host_port,
    app,
    archive_target,
    input_file,
    mission_of,
    number,
    output_path,
    reachable,
    simulated,
    utc_time,
    verb,
    write_json,
)


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


def _refuse_to_replace(db: str, report: str | None) -> None:
    """Without --force, an earlier run's archive (a non-empty SQLite file) or report stays."""
    earlier = Path(db)
    if earlier.is_file() and earlier.stat().st_size > 0:
        raise UserError(f"--db: {db} holds an earlier run's archive: give --force to replace it, or "
                        "another --db")
    if report is not None and Path(report).is_file():
        raise UserError(f"--report: {report} exists: give --force to replace it, or another --report")


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
    force: Annotated[bool, typer.Option("--force", help="replace an earlier run's archive and report "
                                        "[default: refuse, and name them]")] = False,
) -> None:
    """Run a mission: twin, flight software, link and ground together; archive and report.

    An existing SQLite archive or report is replaced only with --force: a second run in the same
    folder would otherwise wipe the first one's data without a word."""
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
        if not force:
            _refuse_to_replace(db, report or None)
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
    start: Annotated[str, typer.Option(help="ISO 8601 UTC")],
    days: Annotated[float, typer.Option(help="days to search")],
    station: Annotated[str | None, typer.Option(
        help="station name from the scenario, or LAT,LON[,ALT_M] (or give --stations)")] = None,
    tle: Annotated[Path | None, typer.Option(
        help="TLE or OMM (XML, JSON, CSV) file [default: the scenario's spacecraft]")] = None,
    min_elevation: Annotated[float | None, typer.Option(help="degrees [default: the station's mask]")] = None,
    elements: Annotated[Path | None, typer.Option(
        help="network plan: every element set of this TLE or OMM file at once (columns, bounded "
        "memory)")] = None,
    stations: Annotated[Path | None, typer.Option(
        help="network plan: every station of this file (CSV: name,latitude_deg,longitude_deg"
        "[,altitude_m,min_elevation_deg]; or TOML [[stations]])")] = None,
    scheduler: Annotated[str | None, typer.Option(
        help="network plan on dask: a scheduler address, or 'local' for a LocalCluster of 2 "
        "processes on 127.0.0.1")] = None,
    exact: Annotated[bool, typer.Option(
        help="network plan: finish every event on SGP4 (default: the two-body refinement, a few "
        "tenths of a second)")] = False,
    summary: Annotated[bool, typer.Option(
        help="network plan: the JSON is the totals (passes per station and per satellite) "
        "instead of every pass")] = False,
    scenario: ScenarioOpt = None,
    mission: MissionOpt = None,
    json_path: JsonOpt = None,
) -> None:
    """Predict passes of the spacecraft over a station; says each element set's age at --start
    and warns (stderr) past 14 days. With --elements, --stations or --scheduler: a network plan
    of many satellites over many stations."""
    from rich.console import Console

    from picodragon.config import parse_station
    from picodragon.ground.passes import find_passes

    number(days, "--days", 0, 366, low_open=True)
    if min_elevation is not None and (not math.isfinite(min_elevation) or not -5 <= min_elevation < 90):
        raise UserError("--min-elevation must be between -5 and 90 degrees")
    begin = utc_time(start, "--start")
    if begin + timedelta(days=days) >= LATEST_UTC:
        raise UserError("--start plus --days must end before 2053-01-01 (the ephemeris' span)")
    output_path(json_path, "--json")
    if station is not None and stations is not None:
        raise UserError("give --station or --stations, not both")
    if tle is not None and elements is not None:
        raise UserError("give --tle or --elements, not both")
    if station is None and stations is None:
        raise UserError("give --station NAME|LAT,LON[,ALT_M] or --stations FILE")
    scn = mission_of(mission, scenario).scenario
    if elements is not None or stations is not None or scheduler is not None:
        from picodragon.cli.network import network_passes, read_stations_option, scheduler_option

        sites = read_stations_option(stations) if stations is not None else [parse_station(station, scn)]
        address = scheduler_option(scheduler)
        source = elements if elements is not None else tle
        if source is not None:
            from picodragon.ground.elementsets import read_element_sets

            input_file(source, "--elements" if elements is not None else "--tle")
            element_sets = read_element_sets(source.read_text(encoding="utf-8", errors="replace"))
        else:
            from picodragon.physics.orbit import deployed_element_set

            element_sets = [deployed_element_set(scn)]
        network_passes(element_sets, sites, begin, days, min_elevation, address,
                       scheduler is not None, exact, summary, json_path)
        return
    site = parse_station(station, scn)
    if tle is not None:
        from picodragon.ground.elementsets import read_element_sets

        input_file(tle, "--tle")
        element_sets = read_element_sets(tle.read_text(encoding="utf-8", errors="replace"))
    else:
        from picodragon.physics.orbit import deployed_element_set

        element_sets = [deployed_element_set(scn)]
    found = []
    for es in element_sets:
        found += find_passes(es, site, begin, begin + timedelta(days=days), min_elevation)
    found.sort(key=lambda p: p.aos)
    if json_path != "-":
        table = pass_table(found, site.name)
        Console().print(table)
    _say_ages(element_sets, begin.timestamp(), json_path != "-")
    write_json(json_path, [p.to_json() for p in found])


def _say_ages(element_sets, at_unix_s: float, on_stdout: bool) -> None:
    """Each set's age at the search's start: on stdout beside the table, and a warning on
    stderr past the threshold (:data:`picodragon.ground.elementsets.AGE_WARNING_DAYS`)."""
    from picodragon.ground.elementsets import age_line, is_stale

    for es in element_sets:
        if on_stdout:
            typer.echo(age_line(es, at_unix_s))
        if is_stale(es, at_unix_s):
            typer.echo(f"picodragon: warning: {age_line(es, at_unix_s)}", err=True)


def pass_table(found: list, station: str) -> Any:
    """The passes for an 80-column terminal: AOS to the second, TCA and LOS as clock times
    (the JSON keeps the full ISO times), numbers right-aligned, no column cut (a rich Table)."""
    from rich import box
    from rich.table import Table

    from picodragon.mission.clock import iso_z
    from picodragon.mission.summary import short_utc

    table = Table(title=f"Passes over {station}", box=box.SIMPLE_HEAD, collapse_padding=True, pad_edge=False)
    table.add_column("AOS (UTC)", no_wrap=True)
    for column in ("TCA", "LOS"):
        table.add_column(column, no_wrap=True)
    for column in ("max el", "AOS az", "LOS az", "minutes"):
        table.add_column(column, justify="right", no_wrap=True)
    for p in found:
        table.add_row(short_utc(iso_z(p.aos)), short_utc(iso_z(p.tca), clock_only=True),
                      short_utc(iso_z(p.los), clock_only=True), f"{p.max_elevation_deg:.1f}",
                      f"{p.aos_azimuth_deg:.0f}", f"{p.los_azimuth_deg:.0f}", f"{p.duration_s / 60:.1f}")
    return table


@app.command()
@verb
def lifetime(
    scenario: ScenarioOpt = None,
    json_path: JsonOpt = None,
    mission: MissionOpt = None,
    uncertainty: Annotated[int | None, typer.Option(
        help="also fly N Monte Carlo lifetimes (fast settings) over every uncertain input: adds "
        "'interval' (p5, p50, p95 days) and 'ranking' (inputs by share of the variance)")] = None,
    seed: Annotated[int, typer.Option(help="the --uncertainty campaign's seed")] = 0,
    scheduler: Annotated[str | None, typer.Option(
        help="dask scheduler for --uncertainty [default: a LocalCluster of 2 processes]")] = None,
    atmosphere: Annotated[str, typer.Option(
        help="the atmosphere 'days' uses: nrlmsis21 (NRLMSIS 2.1) or nrlmsise00 (NRLMSISE-00); "
        "every one is run for 'by_atmosphere'")] = "nrlmsis21",
    elements: Annotated[Path | None, typer.Option(
        help="predict from a series of the satellite's element sets instead (TLE or OMM file, in "
        "epoch order): fit the density factor to their decay, re-entry from the latest set with "
        "p5/p95, and the history as sets arrived ('fit')")] = None,
    cd_model: Annotated[str | None, typer.Option(
        "--cd-model", help="drag coefficient: sentman (free-molecular, from the air's composition and "
        "temperature, accommodation after Pilinski et al. 2010) or fixed (the mission's Cd) "
        "[default: the mission's spacecraft.drag_model, sentman unless set: what the twin flies]")] = None,
) -> None:
    """Predict the orbital lifetime (re-entry at 120 km) from physics and space weather, in every
    atmosphere model (the spread between them shows the density model's uncertainty)."""
    from picodragon.physics.atmosphere import ATMOSPHERES
    from picodragon.physics.decay import predict_lifetime
    from picodragon.physics.propagator import CD_MODELS

    if atmosphere not in ATMOSPHERES:
        raise UserError(f"--atmosphere must be one of {', '.join(ATMOSPHERES)}; got {atmosphere!r}")
    if cd_model is not None and cd_model not in CD_MODELS:
        raise UserError(f"--cd-model must be one of {', '.join(CD_MODELS)}; got {cd_model!r}")
    _check_uncertainty(uncertainty, seed, scheduler, elements is not None)
    if cd_model is None:
        cd_model = mission_of(mission, scenario).scenario.spacecraft.drag_model
    output_path(json_path, "--json")
    if elements is not None:
        from picodragon.cli.elements_fit import lifetime_from_elements

        return lifetime_from_elements(elements, mission_of(mission, scenario).scenario, atmosphere, json_path,
                                      cd_model)
    with lifetime_progress(json_path != "-") as update:
        result = predict_lifetime(mission_of(mission, scenario).scenario, atmosphere=atmosphere, compare=True,
                                  progress=update, cd_model=cd_model)
    result["cd_model"] = cd_model
    if json_path != "-":
        typer.echo(f"start {result['start']}  re-entry {result['reentry']}  ({result['days']:.1f} days)")
        typer.echo(f"model: {result['model']}")
        typer.echo(_drag_line(result.get("inputs", {})))
        by = result["by_atmosphere"]
        known = [d for d in by.values() if d is not None]
        spread = f"  (spread {max(known) - min(known):.1f} days)" if len(known) > 1 else ""
        typer.echo("by atmosphere: " + ", ".join(
            f"{name} {'no re-entry' if d is None else f'{d:.1f} days'}" for name, d in by.items()) + spread)
    if uncertainty is not None:
        result.update(_uncertainty(mission_of(mission, scenario).scenario, uncertainty, seed, scheduler,
                                   json_path != "-"))
    write_json(json_path, result)


def _drag_line(inputs: dict) -> str:
    """'drag: Cd 2.35 ...' from a prediction's inputs: the Cd along the path, the accommodation and
    the area with the appendages that are in it."""
    if "drag_coefficient_mean" not in inputs:
        return "drag: (no inputs reported)"
    alpha = inputs.get("accommodation")
    how = (f"Sentman, mean along the path, accommodation {alpha:.2f}, {inputs.get('accommodation_model')}"
           if inputs.get("cd_model") == "sentman" and alpha is not None else "fixed")
    with_ = ", ".join(inputs.get("appendages") or []) or "no appendages"
    return (f"drag: Cd {inputs['drag_coefficient_mean']:.2f} ({how}); area "
            f"{inputs.get('drag_area_m2', float('nan')):.5f} m^2 with {with_}")


def _check_uncertainty(samples: int | None, seed: int, scheduler: str | None, elements: bool = False) -> None:
    """--uncertainty N within 1..MAX_SAMPLES, a seed, a scheduler that answers; not with
    --elements (whose interval comes from the element sets' fit)."""
    from picodragon.mission.lifetime_uncertainty import MAX_SAMPLES

    if samples is not None and not 1 <= samples <= MAX_SAMPLES:
        raise UserError(f"--uncertainty must be between 1 and {MAX_SAMPLES} runs; got {samples}")
    if samples is not None and elements:
        raise UserError("give --uncertainty or --elements, not both (--elements has its own interval)")
    if not 0 <= seed < 2**63:
        raise UserError("--seed must be between 0 and 2**63 - 1")
    if scheduler is not None:
        _check_scheduler(scheduler)


def _uncertainty(scn: Any, samples: int, seed: int, scheduler: str | None, show: bool) -> dict:
    """The Monte Carlo's interval and ranking (mission.lifetime_uncertainty), said on a terminal."""
    from picodragon.mission.lifetime_uncertainty import lifetime_uncertainty

    out = lifetime_uncertainty(scn, samples, seed=seed, scheduler=scheduler, progress=show)
    if show:
        iv, u = out["interval"], out["uncertainty"]
        typer.echo(f"uncertainty ({samples} runs, fast settings, seed {seed}): p5 {iv['p5']:.1f}, "
                   f"p50 {iv['p50']:.1f}, p95 {iv['p95']:.1f} days")
        if out["ranking"]:
            typer.echo("share of the variance of ln(days): " + ", ".join(
                f"{r['input']} {100 * r['share']:.0f} %" for r in out["ranking"]) + f"  (R^2 {u['r2']:.2f})")
        else:
            typer.echo(f"no ranking: {samples} runs are too few for {len(u['inputs'])} inputs")
    return out


@contextmanager
def lifetime_progress(enabled: bool) -> Iterator[Callable[[str, float], None] | None]:
    """A rich progress bar per atmosphere on stderr (elapsed time and an estimate of what is
    left), fed by ``predict_lifetime(progress=...)``; None when disabled (``--json -``)."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        Progress,
        TaskID,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    tasks: dict[str, TaskID] = {}
    with Progress(TextColumn("[bold]lifetime {task.description}"), BarColumn(),
                  TextColumn("{task.percentage:>3.0f} %"), TimeElapsedColumn(), TextColumn("ETA"),
                  TimeRemainingColumn(), console=Console(stderr=True)) as progress:

        def update(atmosphere: str, fraction: float) -> None:
            if atmosphere not in tasks:
                tasks[atmosphere] = progress.add_task(atmosphere, total=1000)
            progress.update(tasks[atmosphere], completed=round(1000 * fraction))

        yield update


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
        for line in budget_lines(data):
            typer.echo(line)
    write_json(json_path, data)


#: how the budget's terms read on a terminal: the key's unit suffix -> (factor, unit shown, format)
_BUDGET_UNITS = (
    ("frequency_hz", 1e-6, "MHz", ".4f"),
    ("_db_hz", 1.0, "dB-Hz", ".2f"),
    ("_db_k", 1.0, "dB/K", ".2f"),
    ("_dbw", 1.0, "dBW", ".2f"),
    ("_dbi", 1.0, "dBi", ".2f"),
    ("_db", 1.0, "dB", ".2f"),
    ("_k", 1.0, "K", ".1f"),
    ("bit_rate", 1.0, "bit/s", ".0f"),
    ("bit_error_rate", 1.0, "", ".2e"),
    ("target_ber", 1.0, "", ".0e"),
)


_BUDGET_LABELS = {"eirp": "EIRP", "g_over_t": "G/T", "c_over_n0": "C/N0", "eb_n0": "Eb/N0",
                  "required_eb_n0": "required Eb/N0", "target_ber": "target BER"}


def budget_lines(data: dict[str, float | str]) -> list[str]:
    """The link budget as a reader wants it, one term a line within 80 columns: the name without
    its unit suffix, the value in its unit (the frequency in MHz, not 4.374e+08 Hz), the unit."""
    lines = []
    for key, value in data.items():
        label, shown, unit = key, str(value), ""
        if not isinstance(value, str):
            for suffix, factor, unit_name, spec in _BUDGET_UNITS:
                if key.endswith(suffix):
                    label = key.removesuffix(suffix) if suffix.startswith("_") else key.removesuffix("_hz")
                    shown, unit = format(value * factor, spec), unit_name
                    break
            else:
                shown = f"{value:.4g}"
        label = _BUDGET_LABELS.get(label, label.replace("_", " "))
        lines.append(f"{label:>30}  {shown:>12} {unit}".rstrip())
    return lines


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

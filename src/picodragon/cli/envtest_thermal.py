"""Verbs ``picodragon envtest tvac`` and ``picodragon envtest correlate``.

``tvac`` runs the thermal-vacuum test with the flight software against the twin in the chamber,
the ground archiving it (``envtest.tvac``), or with ``--log`` analyses a thermocouple CSV
against a profile (``envtest.tvac_analysis``). ``correlate`` fits the twin's thermal parameters
to a thermocouple log and can write them back as a scenario (``envtest.correlation``). Every
input (profile, log, mission, output paths) is checked before anything is written: bad input is
one line and exit 2.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from picodragon.cli.common import (
    JsonOpt,
    MissionOpt,
    ScenarioOpt,
    UserError,
    archive_target,
    input_file,
    mission_of,
    number,
    output_path,
    simulated,
    verb,
    write_json,
)
from picodragon.cli.envtest import envtest_app

ProfileOpt = Annotated[str, typer.Option(
    "--profile", help="thermal-vacuum profile: a shipped name (gevs-qual, gevs-accept, university-lab) or a "
    "TOML file")]
LogOpt = Annotated[Path | None, typer.Option(
    "--log", help="thermocouple CSV: 'time \\[s|min|h|UTC]' then channels '<name> \\[degC|C|K]' (and "
    "'\\[W]' powers)")]


def _profile(text: str) -> Any:
    from picodragon.envtest.tvac_profile import ProfileError, load_profile

    if not text.strip():
        raise UserError("--profile: the name is empty")
    try:
        return load_profile(text)
    except ProfileError as exc:
        raise UserError(f"--profile: {exc}") from None


def _log(path: Path) -> Any:
    from picodragon.envtest.tvac_analysis import LogError, read_csv

    input_file(path, "--log")
    try:
        return read_csv(path)
    except LogError as exc:
        raise UserError(f"--log: {exc}") from None


def _say(json_path: str | None, text: str) -> None:
    if json_path != "-":
        typer.echo(text)


def _verdict_line(res: dict[str, Any]) -> str:
    verdicts = res["verdicts"]
    failed = [v["criterion"] for v in verdicts if not v["passed"]]
    head = f"{len(verdicts) - len(failed)} of {len(verdicts)} criteria passed"
    return head + (f"; failed: {'; '.join(failed[:4])}{' ...' if len(failed) > 4 else ''}" if failed else "")


@contextmanager
def _progress(enabled: bool, label: str) -> Iterator[Any]:
    """A progress bar on stderr in simulated hours (None when disabled)."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn(f"[bold]tvac {label}"), BarColumn(), TextColumn("{task.fields[hours]}"),
                  TimeElapsedColumn(), console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(label, total=1.0, hours="")

        def update(done_s: float, total_s: float) -> None:
            progress.update(task, completed=done_s / total_s if total_s else 1.0,
                            hours=f"{done_s / 3600:.1f}/{total_s / 3600:.1f} h")

        yield update


@envtest_app.command("tvac")
@verb
def tvac(
    profile: ProfileOpt = "university-lab",
    mission: MissionOpt = None,
    scenario: ScenarioOpt = None,
    log: LogOpt = None,
    db: Annotated[str, typer.Option("--db", help="the ground's archive of the run: SQLite path or "
                                    "postgresql:// URL (written afresh)")] = "envtest-tvac.sqlite",
    thermocouples: Annotated[Path | None, typer.Option(
        "--thermocouples", help="the run's thermocouple CSV [default: beside --db]")] = None,
    seed: Annotated[int, typer.Option("--seed", help="random seed of the run")] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", help="no progress bar")] = False,
    json_path: JsonOpt = None,
) -> None:
    """Thermal vacuum: run the test with the flight software in the chamber and the ground
    archiving it (functional tests at each plateau), or analyse a thermocouple log (--log):
    cycles, plateaus, dwell once stable, extremes against the profile's limits."""
    from picodragon.envtest.results import to_json

    prof = _profile(profile)
    output_path(json_path, "--json")
    if log is not None:
        data = _log(log)
        from picodragon.envtest.tvac_analysis import LogError, analyse

        try:
            res = analyse(data, prof)
        except LogError as exc:
            raise UserError(f"--log: {exc}") from None
        _say(json_path, f"{log}: {res['cycles']} cycles, {len(res['plateaus'])} plateaus; {_verdict_line(res)}")
    else:
        from picodragon.envtest.tvac import run_tvac

        loaded = simulated(mission_of(mission, scenario))
        number(float(seed), "--seed", 0, 2**32 - 1)
        archive_target(db)
        if thermocouples is not None:
            output_path(thermocouples, "--thermocouples", stdout_ok=False)
        elif not db.startswith(("postgresql://", "postgres://")):
            output_path(Path(db).with_name(Path(db).stem + "-thermocouples.csv"), "--db")
        with _progress(not quiet and json_path != "-", prof.name) as update:
            res = run_tvac(loaded, prof, db, seed=seed, log_path=thermocouples, progress=update)
        _say(json_path, f"{res['sim_hours']:.1f} h of thermal vacuum in {res['wall_seconds']:.1f} s; "
                        f"{res['frames_received']} frames archived in {db}; thermocouples in "
                        f"{res['thermocouple_log']}; {_verdict_line(res)}")
    if json_path is not None:
        import json

        write_json(json_path, json.loads(to_json(res)))


@envtest_app.command("correlate")
@verb
def correlate(
    log: Annotated[Path, typer.Option("--log", help="thermocouple CSV of a thermal-vacuum test (node names "
                                      "as channels: +X ... structure, battery, obc; the shroud)")],
    mission: MissionOpt = None,
    scenario: ScenarioOpt = None,
    parameters: Annotated[str | None, typer.Option(
        "--parameters", help="comma-separated thermal parameters to fit [default: emissivity, conductances, "
        "structure specific heat, platen conductance]")] = None,
    write_scenario: Annotated[Path | None, typer.Option(
        "--write-scenario", help="write the correlated parameters as a scenario TOML extending the fitted one")] = None,
    json_path: JsonOpt = None,
) -> None:
    """Fit the twin's thermal parameters to a thermal-vacuum log by least squares; residuals per
    sensor before and after against the criterion (mean +-2 C, sigma < 3 C)."""
    from picodragon.envtest import correlation as corr
    from picodragon.envtest.results import to_json

    data = _log(log)
    loaded = mission_of(mission, scenario)
    names = None
    if parameters is not None:
        names = [p.strip() for p in parameters.split(",") if p.strip()]
        if not names:
            raise UserError("--parameters: no names given")
    output_path(json_path, "--json")
    if write_scenario is not None:
        output_path(write_scenario, "--write-scenario", stdout_ok=False)
        if write_scenario.suffix != ".toml":
            raise UserError("--write-scenario: the scenario file must end in .toml")
    ref = str(mission / "mission.toml") if mission is not None and scenario is None else scenario
    try:
        res = corr.correlate(loaded, data, names, scenario_ref=ref)
    except corr.CorrelationError as exc:
        raise UserError(str(exc)) from None
    if write_scenario is not None:
        corr.write_scenario(res, write_scenario)
        res["scenario_file"] = str(write_scenario)
    _say(json_path, f"residuals: mean {res['before']['mean_c']:+.2f} -> {res['after']['mean_c']:+.2f} C, "
                    f"sigma {res['before']['std_c']:.2f} -> {res['after']['std_c']:.2f} C "
                    f"({res['evaluations']} model runs); {_verdict_line(res)}"
                    + (f"; scenario -> {write_scenario}" if write_scenario else ""))
    if json_path is not None:
        import json

        write_json(json_path, json.loads(to_json(res)))

"""Verbs of procedures: ``procedure run`` (a command stack with waits and checks)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from picodragon.cli.common import (
    DbOpt,
    JsonOpt,
    KeyOpt,
    MissionOpt,
    ScenarioOpt,
    UserError,
    app,
    archive_target,
    mission_of,
    output_path,
    read_key,
    verb,
    write_json,
)

procedure_app = typer.Typer(no_args_is_help=True,
                            help="Procedures: lists of commands with waits and checks, run step by step.")
app.add_typer(procedure_app, name="procedure")


def procedure_file(name: Path, mission: Path | None) -> Path:
    """The procedure file: ``name`` as given, else in the mission folder's ``procedures/``
    (with or without ``.toml``/``.yaml``); UserError naming where it looked."""
    if name.is_file():
        return name
    if mission is not None and name.parent == Path("."):
        for candidate in (name, Path(f"{name}.toml"), Path(f"{name}.yaml"), Path(f"{name}.yml")):
            path = mission / "procedures" / candidate
            if path.is_file():
                return path
        raise UserError(f"no procedure {name} (nor in {mission / 'procedures'})")
    raise UserError(f"no procedure file {name}")


@procedure_app.command("run")
@verb
def procedure_run(
    file: Annotated[Path, typer.Argument(help="procedure file (TOML or YAML), or a name in the mission's procedures/")],
    db: DbOpt = "picodragon-station.sqlite",
    mission: MissionOpt = None,
    scenario: ScenarioOpt = None,
    key_file: KeyOpt = None,
    confirm: Annotated[list[str] | None, typer.Option(
        "--confirm", help="release this hazardous command (repeat for each); else it is asked, "
                          "or the procedure stops before it")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="check and show the steps, send nothing")] = False,
    json_path: JsonOpt = None,
) -> None:
    """Run a procedure against the archive: each command is queued and released for
    `picodragon station` to uplink, waits and checks follow the archive. Exit 0 when every
    step passed, 1 when one failed or a hazardous command was not confirmed."""
    from picodragon.ground.procedures import (
        ArchiveProcedureGround,
        ProcedureError,
        ProcedureRun,
        load_procedure,
    )

    dictionary = mission_of(mission, scenario).dictionary
    path = procedure_file(file, mission)
    output_path(json_path, "--json")
    try:
        procedure = load_procedure(path, dictionary)
    except ProcedureError as exc:
        raise UserError(str(exc)) from None
    unknown = sorted({c.upper() for c in confirm or []} - {c.name for c in dictionary.commands})
    if unknown:
        raise UserError(f"--confirm: no command {unknown[0]} in the mission's dictionary")
    quiet = json_path == "-"

    def show(result) -> None:
        if not quiet:
            detail = f" ({result.detail})" if result.detail else ""
            typer.echo(f"{result.index:3d}  {result.outcome:<18} {result.text}{detail}")

    def ask(step) -> bool:
        if not sys.stdin.isatty():
            return False
        typed = typer.prompt(f"{step.command} is hazardous: type its name to release it", default="",
                             show_default=False)
        return typed.strip().upper() == step.command

    if not quiet:
        typer.echo(f"{procedure.name}: {len(procedure.steps)} steps{' (dry run)' if dry_run else ''}")
    ground = None
    if not dry_run:
        key = read_key(key_file)
        if key is None:
            raise UserError("a procedure sends commands: it needs the uplink key (--key-file or "
                            "$PICODRAGON_UPLINK_KEY); --dry-run checks it without")
        archive_target(db)
        ground = ArchiveProcedureGround(db, key, dictionary)
    try:
        run = ProcedureRun(procedure, ground, dry_run=dry_run, on_step=show)
        status = run.run(confirmed={c.upper() for c in confirm or []}, confirm=ask)
    finally:
        if ground is not None:
            ground.close()
    write_json(json_path, run.to_json())
    if status == "needs_confirmation":
        typer.echo(f"picodragon: stopped before {run.waiting_for}: a hazardous command "
                   f"(confirm it with --confirm {run.waiting_for})", err=True)
        raise typer.Exit(1)
    if status == "failed":
        last = run.results[-1]
        typer.echo(f"picodragon: step {last.index} {last.outcome}: {last.text}", err=True)
        raise typer.Exit(1)

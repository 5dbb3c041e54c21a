"""Verbs ``picodragon envtest report`` and ``picodragon envtest campaign``.

``report`` turns a campaign folder (one JSON result a step, ``envtest.results``) into the
offline HTML report; ``campaign`` runs a mission's whole campaign into a folder and writes its
report there. Bad input (a missing folder, a broken or foreign JSON in it, an output that cannot
be written, a folder holding something else) is one line and exit 2, with nothing written.
"""

from __future__ import annotations

import os
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
    mission_of,
    output_path,
    simulated,
    verb,
    write_json,
)
from picodragon.cli.envtest import envtest_app


@envtest_app.command("report")
@verb
def report(
    campaign_dir: Annotated[Path, typer.Argument(help="a campaign folder (one JSON result per step)")],
    out: Annotated[Path, typer.Option("--out", help="the HTML report to write")] = Path("envtest-report.html"),
    json_path: JsonOpt = None,
) -> None:
    """Write the offline HTML report of a campaign folder (any subset of steps: a single random
    run gives a report of that run)."""
    from picodragon.envtest.report import read_campaign, write_report
    from picodragon.envtest.results import ResultError

    output_path(out, "--out", stdout_ok=False)
    output_path(json_path, "--json")
    try:
        manifest, steps = read_campaign(campaign_dir)
        write_report(campaign_dir, out)
    except ResultError as exc:
        raise UserError(str(exc)) from None
    verdicts = [v for _, r in steps for v in r.verdicts]
    failed = [f"{s}: {v['criterion']}" for s, r in steps for v in r.verdicts if not v["passed"]]
    data = {"report": str(out), "steps": [s for s, _ in steps], "criteria": len(verdicts),
            "failed": failed, "passed": bool(verdicts) and not failed}
    if json_path != "-":
        typer.echo(f"{len(steps)} steps, {len(verdicts) - len(failed)} of {len(verdicts)} criteria passed "
                   f"-> {out}")
    write_json(json_path, data)


def _campaign_folder(out: Path, force: bool) -> None:
    """A folder we may fill: new (its parent exists and is writable), empty, or with --force an
    earlier campaign's; never a file, never a folder holding something else."""
    from picodragon.envtest.campaign import MANIFEST

    text = str(out)
    if not text.strip() or text == ".":
        raise UserError("--out: the folder name is empty")
    if out.exists() and not out.is_dir():
        raise UserError(f"--out: {out} is a file, not a folder")
    if not out.exists():
        if not out.parent.is_dir():
            raise UserError(f"--out: cannot create {out}: folder {out.parent} does not exist")
        if not os.access(out.parent, os.W_OK):
            raise UserError(f"--out: cannot create {out}: folder {out.parent} is not writable")
        return
    if not os.access(out, os.W_OK):
        raise UserError(f"--out: folder {out} is not writable")
    if not any(out.iterdir()):
        return
    if not (out / MANIFEST).is_file():
        raise UserError(f"--out: {out} holds other files and no {MANIFEST}: give an empty or new folder")
    if not force:
        raise UserError(f"--out: {out} holds an earlier campaign: give --force to replace it, or another --out")


@envtest_app.command("campaign")
@verb
def campaign(
    mission: MissionOpt = None,
    scenario: ScenarioOpt = None,
    out: Annotated[Path, typer.Option("--out", help="the campaign folder to write (results, report)")] = Path(
        "envtest-campaign"),
    seed: Annotated[int, typer.Option(help="random seed of the whole campaign (each step gets its own "
                                      "from it)")] = 1,
    json_path: JsonOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="no progress bar")] = False,
    force: Annotated[bool, typer.Option("--force", help="replace an earlier campaign in --out")] = False,
    spec: Annotated[str, typer.Option(
        "--spec", help="random vibration spec: a packaged name or a TOML file")] = "gevs-qualification",
    survey: Annotated[str, typer.Option(
        "--survey", help="sine signature survey spec (and its pre/post criteria)")] = "sine-survey",
    profile: Annotated[str, typer.Option(
        "--profile", help="thermal-vacuum profile: a shipped name (gevs-qual, gevs-accept, university-lab) "
        "or a TOML file")] = "gevs-qual",
    damage: Annotated[str | None, typer.Option(
        "--damage", help="a joint loosened by the random runs, as JOINT:DROP (e.g. stack:0.10): the "
        "surveys after see it and the pre/post comparison should flag it")] = None,
) -> None:
    """Run a mission's environmental test campaign: per axis a sine survey, random vibration at
    qualification level and the survey again (pre/post comparison); thermal vacuum with the
    flight software and functional tests at each plateau; the thermal model's correlation; and
    the report (OUT/report.html)."""
    from picodragon.cli.envtest_vibration import _damage
    from picodragon.envtest.campaign import CampaignOptions, run_campaign

    if not 0 <= seed < 2**63:
        raise UserError("--seed must be between 0 and 2**63 - 1")
    _check_specs(spec, survey, profile)
    options = CampaignOptions(random_spec=spec, sine_spec=survey, tvac_profile=profile, damage=_damage(damage))
    _campaign_folder(out, force)
    output_path(json_path, "--json")
    loaded = simulated(mission_of(mission, scenario))
    with _progress(not quiet and json_path != "-") as update:
        manifest = run_campaign(loaded, out, seed, update, options=options)
    if json_path != "-":
        for step in manifest["skipped"]:
            typer.echo(f"picodragon: warning: {step['step']} not run: {step['reason']}", err=True)
        counts = manifest["verdicts"].values()
        typer.echo(f"{len(manifest['steps'])} steps, {sum(c['passed'] for c in counts)} of "
                   f"{sum(c['total'] for c in counts)} criteria passed: "
                   f"{'PASS' if manifest['passed'] else 'FAIL'} -> {manifest.get('report', out)}")
    write_json(json_path, manifest)


def _check_specs(spec: str, survey: str, profile: str) -> None:
    """Each spec loads and is of its kind, before anything runs (else one line naming it)."""
    from picodragon.envtest.specs import SpecError, load_spec
    from picodragon.envtest.tvac_profile import ProfileError, load_profile

    for option, name, kind in (("--spec", spec, "random"), ("--survey", survey, "sine")):
        try:
            loaded = load_spec(name)
        except SpecError as exc:
            raise UserError(f"{option}: {exc}") from None
        if loaded.kind != kind:
            raise UserError(f"{option}: {name} is a {loaded.kind} spec; the campaign needs a {kind} one here")
    try:
        load_profile(profile)
    except ProfileError as exc:
        raise UserError(f"--profile: {exc}") from None


@contextmanager
def _progress(enabled: bool) -> Iterator[Any]:
    """A rich bar on stderr over the campaign's steps, naming the one running; None if off."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("[bold]envtest"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=Console(stderr=True)) as progress:
        task = progress.add_task("", total=1)

        def update(step: str, done: int, total: int) -> None:
            progress.update(task, description=step, completed=done, total=total)

        yield update

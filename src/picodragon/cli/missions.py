"""Verbs about a mission's files: new, check, xtce."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from picodragon.cli.common import (
    JsonOpt,
    MissionOpt,
    ScenarioOpt,
    UserError,
    app,
    input_file,
    mission_of,
    output_path,
    verb,
    write_json,
)


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

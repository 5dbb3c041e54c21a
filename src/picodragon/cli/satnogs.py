"""SatNOGS interop verbs: export and import."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from picodragon.cli.common import (
    DbOpt,
    JsonOpt,
    MissionOpt,
    ScenarioOpt,
    UserError,
    archive_target,
    input_file,
    mission_of,
    output_path,
    satnogs_app,
    verb,
    write_json,
)


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

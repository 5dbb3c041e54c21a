"""The ``export`` verb: an archive's raw telemetry (CSV, Parquet) and its orbit (CCSDS OEM)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer

from picodragon.cli.common import (
    DbOpt,
    JsonOpt,
    UserError,
    app,
    archive_target,
    input_file,
    number,
    output_path,
    utc_time,
    verb,
    write_json,
)

#: what ``--what`` takes, and the formats of each (the first is the default when --out's suffix
#: does not say)
EXPORTS = {"telemetry": ("csv", "parquet"), "oem": ("kvn", "xml")}
#: the suffixes that choose a format when --format is not given
SUFFIX_FORMATS = {".csv": "csv", ".parquet": "parquet", ".oem": "kvn", ".kvn": "kvn", ".txt": "kvn",
                  ".xml": "xml"}


def _element_sets(db: str, tle: Path | None) -> tuple[list, str]:
    """The element sets to propagate: --tle FILE, else the DB.tle that ``run`` writes beside its
    SQLite archive (the sets the run handed its ground)."""
    from picodragon.elements import read_tle_file

    if tle is None:
        if "://" in db:
            raise UserError("--what oem with a PostgreSQL --db: give the element sets with --tle FILE")
        tle = Path(db).with_suffix(".tle")
        if not tle.is_file():
            raise UserError(f"--what oem: no element sets beside the archive ({tle} is missing): "
                            "give them with --tle FILE")
        option = f"{tle} (beside --db)"
    else:
        input_file(tle, "--tle")
        option = str(tle)
    return read_tle_file(tle.read_text(encoding="utf-8", errors="replace")), option


@app.command("export")
@verb
def export(
    out: Annotated[Path, typer.Option("--out", help="the file to write")],
    db: DbOpt = "picodragon.sqlite",
    what: Annotated[str, typer.Option(help="telemetry (the archive's points) or oem (the orbit as a "
                                      "CCSDS Orbit Ephemeris Message)")] = "telemetry",
    fmt: Annotated[str | None, typer.Option("--format", help="telemetry: csv or parquet; oem: kvn or "
                                            "xml [default: from --out's suffix]")] = None,
    point: Annotated[list[str] | None, typer.Option("--point", help="telemetry point PACKET.field "
                                                    "(repeat it) [default: every point]")] = None,
    packet: Annotated[str | None, typer.Option(help="one packet, a column per field (wide), instead "
                                               "of points (long)")] = None,
    start: Annotated[str | None, typer.Option(help="ISO 8601 UTC [default: telemetry: all; oem: the "
                                              "first element set's epoch]")] = None,
    end: Annotated[str | None, typer.Option(help="ISO 8601 UTC [default: telemetry: all; oem: a day "
                                            "after the start]")] = None,
    tle: Annotated[Path | None, typer.Option(help="oem: element sets to propagate [default: DB.tle, "
                                             "which run writes beside its archive]")] = None,
    step: Annotated[float, typer.Option(help="oem: seconds between state vectors")] = 60.0,
    json_path: JsonOpt = None,
) -> None:
    """Export an archive's raw telemetry (CSV or Parquet, one row per sample or per packet) or the
    orbit as a CCSDS OEM (SGP4 from the run's element sets, TEME, km and km/s)."""
    if what not in EXPORTS:
        raise UserError(f"--what must be one of {', '.join(EXPORTS)} (got {what!r})")
    by_suffix = SUFFIX_FORMATS.get(out.suffix.lower())
    chosen = fmt if fmt is not None else by_suffix if by_suffix in EXPORTS[what] else EXPORTS[what][0]
    if chosen not in EXPORTS[what]:
        raise UserError(f"--format for --what {what} must be one of {', '.join(EXPORTS[what])} (got {chosen!r})")
    begin = utc_time(start, "--start") if start is not None else None
    finish = utc_time(end, "--end") if end is not None else None
    if begin is not None and finish is not None and not finish > begin:
        raise UserError("--end must follow --start")
    output_path(out, "--out", stdout_ok=False)
    output_path(json_path, "--json")
    if what == "telemetry":
        from picodragon.ground.archive import open_archive
        from picodragon.ground.export import export_telemetry

        if step != 60.0 or tle is not None:
            raise UserError("--step and --tle are for --what oem")
        if packet is not None and point:
            raise UserError("give --packet (one packet, wide) or --point (points, long), not both")
        archive_target(db, must_exist=True)
        archive = open_archive(db)
        try:
            known = set(archive.point_names())
            for name in point or []:
                if name not in known:
                    raise UserError(f"--point: the archive has no point {name!r} (PACKET.field)")
            rows = export_telemetry(
                archive, out, packet=packet, points=point or None,
                start_unix=begin.timestamp() if begin else -1e300,
                end_unix=finish.timestamp() if finish else 1e300, fmt=chosen)
        finally:
            archive.close()
        summary = {"what": what, "format": chosen, "out": str(out), "rows": rows}
    else:
        from picodragon.astro.isotime import iso_z
        from picodragon.ground.export import OemError, export_oem

        if point or packet is not None:
            raise UserError("--point and --packet are for --what telemetry")
        number(step, "--step", 0.001, 86400.0)
        sets, source = _element_sets(db, tle)
        first = min(es.epoch for es in sets)
        begin = begin or first
        finish = finish or begin + timedelta(days=1)
        if not finish > begin:
            raise UserError("--end must follow --start (the default start is the first element set's "
                            f"epoch, {iso_z(first, 'seconds')})")
        try:
            rows = export_oem(sets, out, begin.timestamp(), finish.timestamp(), step, xml=chosen == "xml")
        except OemError as exc:
            raise UserError(f"--what oem: {exc}") from None
        summary = {"what": what, "format": chosen, "out": str(out), "rows": rows, "element_sets": source}
    if json_path != "-":
        typer.echo(f"{summary['rows']} {'rows' if what == 'telemetry' else 'state vectors'} -> {out} ({chosen})")
    write_json(json_path, summary)

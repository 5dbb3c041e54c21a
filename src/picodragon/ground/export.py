"""Exports: telemetry to CSV and Parquet, passes to CSV.

Telemetry comes out in one of two shapes:

- *wide*, one packet: a row per packet received, a column per field (``unix_s``, ``time``
  as a UTC timestamp, ``frame_id``, then the fields), the natural table for a spreadsheet;
- *long*, any points: ``unix_s, time, point, value`` rows, the shape plotting and database
  tools prefer when packets of different rates are mixed.

The format follows the file's suffix (``.csv`` or ``.parquet``). Files are written to a
temporary name in the same directory and renamed, so an interrupted export never leaves a
half-written file behind (the command-line contract).
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from picodragon.ground.archive import Archive, ArchiveError
from picodragon.ground.passes import Pass


def _times(unix_s: np.ndarray) -> pa.Array:
    return pa.array(
        (np.asarray(unix_s) * 1e3).round().astype("int64"), type=pa.timestamp("ms", tz="UTC")
    )


def packet_table(
    archive: Archive, packet: str, start_unix: float = -1e300, end_unix: float = 1e300
) -> pa.Table:
    """One packet's telemetry as a wide table."""
    columns = archive.packets(packet, start_unix, end_unix)
    arrays = {
        "unix_s": pa.array(columns["unix_s"]),
        "time": _times(columns["unix_s"]),
        "frame_id": pa.array(columns["frame_id"], type=pa.int64()),
    }
    for name, values in columns.items():
        if name not in arrays:
            arrays[name] = pa.array(values)
    return pa.table(arrays)


def points_table(
    archive: Archive,
    points: Sequence[str] | None = None,
    start_unix: float = -1e300,
    end_unix: float = 1e300,
) -> pa.Table:
    """Any points (all of them by default) as a long table, in time order."""
    names = list(points) if points else archive.point_names()
    parts_t, parts_v, parts_n = [], [], []
    for name in names:
        t, v = archive.points(name, start_unix, end_unix)
        parts_t.append(t)
        parts_v.append(v)
        parts_n.append(np.full(t.size, name, dtype=object))
    t = np.concatenate(parts_t) if parts_t else np.empty(0)
    v = np.concatenate(parts_v) if parts_v else np.empty(0)
    n = np.concatenate(parts_n) if parts_n else np.empty(0, dtype=object)
    order = np.argsort(t, kind="stable")
    return pa.table(
        {
            "unix_s": pa.array(t[order]),
            "time": _times(t[order]),
            "point": pa.array(n[order].tolist(), type=pa.string()),
            "value": pa.array(v[order]),
        }
    )


def _write_atomically(table: pa.Table, path: Path) -> None:
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise ArchiveError(f"export to .csv or .parquet, not {path.name}")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        if suffix == ".csv":
            pa_csv.write_csv(table, tmp)
        else:
            pq.write_table(table, tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def export_telemetry(
    archive: Archive,
    path: str | Path,
    packet: str | None = None,
    points: Sequence[str] | None = None,
    start_unix: float = -1e300,
    end_unix: float = 1e300,
) -> int:
    """Write telemetry to ``path`` (.csv or .parquet): one packet wide, else points long.

    Returns the number of rows written.
    """
    if packet is not None:
        table = packet_table(archive, packet, start_unix, end_unix)
    else:
        table = points_table(archive, points, start_unix, end_unix)
    _write_atomically(table, Path(path))
    return table.num_rows


PASS_COLUMNS = (
    "station",
    "satellite",
    "aos",
    "tca",
    "los",
    "max_elevation_deg",
    "aos_azimuth_deg",
    "los_azimuth_deg",
    "duration_s",
)


def export_passes_csv(passes: Iterable[Pass], path: str | Path) -> int:
    """Passes to CSV, one row each, the JSON fields plus the duration; returns the rows written."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    rows = 0
    try:
        with tmp.open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=PASS_COLUMNS)
            writer.writeheader()
            for p in passes:
                writer.writerow({**p.to_json(), "duration_s": round(p.duration_s, 3)})
                rows += 1
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return rows

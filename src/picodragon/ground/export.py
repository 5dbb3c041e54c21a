"""Exports: telemetry to CSV and Parquet, passes to CSV, the orbit to a CCSDS OEM.

Telemetry comes out in one of two shapes:

- *wide*, one packet: a row per packet received, a column per field (``unix_s``, ``time``
  as a UTC timestamp, ``frame_id``, then the fields), the natural table for a spreadsheet;
- *long*, any points: ``unix_s, time, point, value`` rows, the shape plotting and database
  tools prefer when packets of different rates are mixed.

The format follows the file's suffix (``.csv`` or ``.parquet``). Files are written to a
temporary name in the same directory and renamed, so an interrupted export never leaves a
half-written file behind (the command-line contract).

The orbit comes out as a CCSDS Orbit Ephemeris Message (CCSDS 502.0-B-3, OEM 3.0) in KVN or
XML, written and checked by the ``ccsds-ndm`` library (PyPI, GPL-3.0; the ``oem`` extra). It is
the *ground's* knowledge of the orbit, as another team's flight dynamics would receive it: the
element sets the run handed its ground (``run`` writes the newest beside its archive as
``DB.tle``), propagated with SGP4 in the TEME frame, in km and km/s, UTC. It is not the twin's
truth: the twin's history lives in the mission room, which the ground never imports.
"""

from __future__ import annotations

import csv
import os
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from picodragon.astro.isotime import iso_z
from picodragon.astro.timescales import unix_to_jd
from picodragon.elements import ElementSet
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


#: the telemetry formats and the suffix each is known by
TELEMETRY_FORMATS = ("csv", "parquet")


def _write_atomically(table: pa.Table, path: Path, fmt: str | None = None) -> None:
    path = Path(path)
    suffix = f".{fmt}" if fmt is not None else path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise ArchiveError(f"export to .csv or .parquet, not {fmt if fmt is not None else path.name}")
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
    fmt: str | None = None,
) -> int:
    """Write telemetry to ``path`` (.csv or .parquet): one packet wide, else points long.

    ``fmt`` (``csv`` or ``parquet``) overrides the suffix. Returns the number of rows written.
    """
    if packet is not None:
        table = packet_table(archive, packet, start_unix, end_unix)
    else:
        table = points_table(archive, points, start_unix, end_unix)
    _write_atomically(table, Path(path), fmt)
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


#: OEM epochs to the millisecond: SGP4's own accuracy is kilometres, a millisecond is 8 m
OEM_TIMESPEC = "milliseconds"
#: the default spacing of the OEM's state vectors (s): 20 points an orbit at 400 km, enough
#: for the 8th-degree Lagrange interpolation the file announces to stay within metres
OEM_STEP_S = 60.0
#: at most this many state vectors in one file (a year at 60 s is 525,960)
OEM_MAX_POINTS = 1_000_000


class OemError(ValueError):
    """An OEM cannot be written as asked (no element set, an empty span, no ccsds-ndm)."""


def _object_id(es: ElementSet) -> str:
    """The international designator as CCSDS writes it (``YYYY-NNNP``), else the catalogue number."""
    intl = (es.satrec.intldesg or "").strip()
    if len(intl) >= 5 and intl[:2].isdigit():
        yy = int(intl[:2])
        return f"{1900 + yy if yy >= 57 else 2000 + yy}-{intl[2:]}"
    return str(es.satrec.satnum)


def oem_states(
    element_sets: Sequence[ElementSet], start_unix: float, end_unix: float, step_s: float = OEM_STEP_S
) -> list[tuple[ElementSet, np.ndarray, np.ndarray, np.ndarray]]:
    """SGP4 state vectors (TEME, km and km/s) on a regular grid, one segment per element set.

    Each element set serves from its epoch (the first from ``start_unix``) until the next one's
    epoch, as a ground station replaces an old set by a newer one. Returns ``(element set,
    unix_s, r_km, v_km_s)`` per non-empty segment; times where SGP4 fails (decayed) are dropped.
    """
    if not element_sets:
        raise OemError("no element set to propagate")
    if not (np.isfinite(step_s) and step_s > 0):
        raise OemError(f"the OEM step must be positive, not {step_s}")
    if not end_unix > start_unix:
        raise OemError("the OEM span is empty: the end must follow the start")
    if (end_unix - start_unix) / step_s > OEM_MAX_POINTS:
        raise OemError(f"more than {OEM_MAX_POINTS} state vectors: shorten the span or lengthen the step")
    sets = sorted(element_sets, key=lambda es: es.epoch)
    epochs = [es.epoch.timestamp() for es in sets]
    grid = start_unix + step_s * np.arange(int(np.floor((end_unix - start_unix) / step_s)) + 1)
    grid = np.round(grid * 1e3) / 1e3  # on whole milliseconds, as the epochs are written
    segments = []
    for i, es in enumerate(sets):
        lo = -np.inf if i == 0 else epochs[i]
        hi = np.inf if i == len(sets) - 1 else epochs[i + 1]
        t = grid[(grid >= lo) & (grid < hi)]
        if t.size == 0:
            continue
        jd, fr = unix_to_jd(t)
        err, r, v = es.satrec.sgp4_array(np.asarray(jd, float), np.asarray(fr, float))
        ok = err == 0
        if ok.any():
            segments.append((es, t[ok], r[ok], v[ok]))
    if not segments:
        raise OemError("SGP4 gives no state in that span (the satellite had decayed)")
    return segments


def oem_text(
    element_sets: Sequence[ElementSet],
    start_unix: float,
    end_unix: float,
    step_s: float = OEM_STEP_S,
    *,
    xml: bool = False,
    originator: str = "picodragon",
    created_unix: float | None = None,
) -> str:
    """The OEM (KVN, or XML when ``xml``) of the element sets over [start, end], by ccsds-ndm."""
    try:
        from ccsds_ndm.mapping import NDMFileFormats
        from ccsds_ndm.models.ndmxml4 import ndmxml_4_0_0_common_4_0 as common
        from ccsds_ndm.models.ndmxml4 import ndmxml_4_0_0_oem_3_0 as oem
        from ccsds_ndm.models.ndmxml4.ndmxml_4_0_0_master_4_0 import Oem
        from ccsds_ndm.ndm_io import NdmIo
    except ImportError:
        raise OemError("writing an OEM needs the ccsds-ndm package: pip install 'picodragon[oem]'") from None
    created = iso_z(time.time() if created_unix is None else created_unix, "seconds").removesuffix("Z")
    segments = []
    for es, t, r, v in oem_states(element_sets, start_unix, end_unix, step_s):
        epochs = [iso_z(float(x), OEM_TIMESPEC).removesuffix("Z") for x in t]
        vectors = [
            common.StateVectorAccType(
                epoch=epoch,
                x=common.PositionTypeUo(value=round(float(ri[0]), 6)),
                y=common.PositionTypeUo(value=round(float(ri[1]), 6)),
                z=common.PositionTypeUo(value=round(float(ri[2]), 6)),
                x_dot=common.VelocityTypeUo(value=round(float(vi[0]), 9)),
                y_dot=common.VelocityTypeUo(value=round(float(vi[1]), 9)),
                z_dot=common.VelocityTypeUo(value=round(float(vi[2]), 9)),
            )
            for epoch, ri, vi in zip(epochs, r, v, strict=True)
        ]
        metadata = oem.OemMetadata(
            comment=[f"SGP4 from the element set of epoch {iso_z(es.epoch, OEM_TIMESPEC)}"],
            object_name=es.name,
            object_id=_object_id(es),
            center_name="EARTH",
            ref_frame="TEME",
            time_system="UTC",
            start_time=epochs[0],
            stop_time=epochs[-1],
            interpolation="LAGRANGE",
            interpolation_degree=min(8, max(1, len(vectors) - 1)),
        )
        segments.append(oem.OemSegment(metadata=metadata, data=oem.OemData(state_vector=vectors)))
    message = Oem(
        header=common.OdmHeader(creation_date=created, originator=originator),
        body=oem.OemBody(segment=segments),
    )
    return NdmIo().to_string(message, NDMFileFormats.XML if xml else NDMFileFormats.KVN)


def export_oem(
    element_sets: Sequence[ElementSet],
    path: str | Path,
    start_unix: float,
    end_unix: float,
    step_s: float = OEM_STEP_S,
    *,
    xml: bool | None = None,
) -> int:
    """Write the OEM to ``path`` atomically (XML when ``xml`` or a ``.xml`` name, else KVN).

    Returns the number of state vectors written.
    """
    path = Path(path)
    as_xml = path.suffix.lower() == ".xml" if xml is None else xml
    text = oem_text(element_sets, start_unix, end_unix, step_s, xml=as_xml)
    count = sum(len(t) for _, t, _, _ in oem_states(element_sets, start_unix, end_unix, step_s))
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return count

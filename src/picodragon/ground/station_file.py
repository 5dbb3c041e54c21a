"""A network's stations from a file: CSV with a header, or TOML ``[[stations]]`` tables.

CSV columns: ``name, latitude_deg, longitude_deg`` and optionally ``altitude_m`` and
``min_elevation_deg`` (any other column, such as a SatNOGS export's, is ignored). TOML: the
same keys as a mission's ``[[stations]]`` (every field of :class:`picodragon.config.Station`).
Bad input is one ``ValueError`` line naming the file and the row; names must be unique.
"""

from __future__ import annotations

import csv
import io
import tomllib

from pydantic import ValidationError

from picodragon.config import Station

REQUIRED = ("name", "latitude_deg", "longitude_deg")
OPTIONAL = ("altitude_m", "min_elevation_deg")
MAX_STATIONS = 100_000


def _station(fields: dict, where: str) -> Station:
    try:
        return Station.model_validate(fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(x) for x in first["loc"]) or "row"
        raise ValueError(f"{where}: {loc}: {first['msg']}") from None


def read_stations(text: str, origin: str = "stations") -> list[Station]:
    """The stations in ``text``: TOML when ``origin`` ends in .toml, CSV otherwise."""
    if origin.lower().endswith(".toml"):
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"{origin}: not TOML ({exc})") from None
        rows = data.get("stations")
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise ValueError(f"{origin}: no [[stations]] tables")
        found = [_station(r, f"{origin}: station {i + 1}") for i, r in enumerate(rows[:MAX_STATIONS + 1])]
    else:
        try:
            found = _read_csv(text, origin)
        except csv.Error as exc:
            raise ValueError(f"{origin}: not CSV ({exc})") from None
    if not found:
        raise ValueError(f"{origin}: no stations")
    if len(found) > MAX_STATIONS:
        raise ValueError(f"{origin}: more than {MAX_STATIONS} stations")
    seen: set[str] = set()
    for station in found:
        if station.name in seen:
            raise ValueError(f"{origin}: station {station.name!r} appears twice")
        seen.add(station.name)
    return found


def _read_csv(text: str, origin: str) -> list[Station]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ValueError(f"{origin}: CSV header lacks {', '.join(missing)} (needs "
                         f"{', '.join(REQUIRED)}; optional {', '.join(OPTIONAL)})")
    reader.fieldnames = header
    found = []
    for i, row in enumerate(reader, start=2):
        if i > MAX_STATIONS + 2:
            break
        fields = {k: (row.get(k) or "").strip() for k in (*REQUIRED, *OPTIONAL)}
        fields = {k: v for k, v in fields.items() if v != "" or k in REQUIRED}
        found.append(_station(fields, f"{origin}: line {i}"))
    return found

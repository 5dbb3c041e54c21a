"""One source of element sets for the station, mission control and the command line, and their age.

A ground station knows its satellite's orbit only from an element set, and a set ages: SGP4's
error grows with the time since the set's epoch, fastest in low orbits where drag is uncertain.
Every prediction therefore says the age of the set it used (:func:`age_days`) and warns past
:data:`AGE_WARNING_DAYS`.

Why 14 days: for LEO near 400 km, comparisons of TLE predictions against precise orbits find
along-track errors of about 1 km at epoch growing by one to a few km per day (Vallado and
Cefola 2012, "Two-line element sets: practice and use"; Flohrer et al. 2008, "Assessment and
categorization of TLE orbit errors for the US SSN catalogue"). At 7.6 km/s a few tens of km is
a few seconds of AOS; after two weeks, with solar activity moving the drag, errors of tens to a
hundred km (10 s or more, enough to miss a narrow antenna's beam or a short pass's start) are
common. Operators of LEO CubeSats refresh sets daily; 14 days is where a set is plainly stale,
not where it stops being usable, so it warns rather than refuses.

Formats: TLE (two-line or three-line with names) and OMM (CCSDS Orbit Mean-Elements Message as
XML, JSON or CSV, as CelesTrak serves them), the OMM read by python-sgp4's own OMM reader
(:mod:`sgp4.omm`). A source is a file, a folder of such files, or an ``http(s)://`` URL the user
names, fetched with a bounded timeout and size and cached in a file beside the archive (so a
station that loses its network keeps its last set, and says how old it is).

The resolution order, shared by ``station``, ``serve`` and ``passes`` (:func:`resolve`): the
set the user names, else the one a run left beside its archive (``DB.tle``), else the set the
caller derives from the mission (the twin's published set), so mission control and the station
no longer predict from different sets by default.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sgp4 import omm
from sgp4.api import WGS72, Satrec

from picodragon.astro.isotime import iso_z
from picodragon.elements import ElementSet, ElementSetError, read_tle_file

__all__ = [
    "AGE_WARNING_DAYS", "ElementSetChoice", "age_days", "age_line", "fetch", "is_stale",
    "read_element_sets", "read_path", "resolve",
]

log = logging.getLogger(__name__)

#: age (days since epoch) past which a prediction warns that its element set is stale (module doc)
AGE_WARNING_DAYS = 14.0
#: a fetch gives up after this many seconds (connect and each read)
FETCH_TIMEOUT_S = 10.0
#: a fetched body longer than this is refused (CelesTrak's whole active catalogue is ~2 MiB as TLE)
FETCH_MAX_BYTES = 4 << 20
#: element-set files a folder source reads
SUFFIXES = (".tle", ".txt", ".3le", ".2le", ".xml", ".json", ".csv")


def age_days(element_set: ElementSet, at_unix_s: float) -> float:
    """Days from the set's epoch to ``at_unix_s`` (negative: a prediction before the epoch)."""
    return (at_unix_s - element_set.epoch.timestamp()) / 86400.0


def is_stale(element_set: ElementSet, at_unix_s: float, threshold_days: float = AGE_WARNING_DAYS) -> bool:
    """True when the set is more than ``threshold_days`` old at ``at_unix_s``."""
    return abs(age_days(element_set, at_unix_s)) > threshold_days


def age_line(element_set: ElementSet, at_unix_s: float, threshold_days: float = AGE_WARNING_DAYS) -> str:
    """One line naming the set, its epoch and its age at ``at_unix_s``, with a warning when stale."""
    age = age_days(element_set, at_unix_s)
    text = (f"element set {element_set.name}, epoch {iso_z(element_set.epoch.timestamp(), 'seconds')}, "
            f"{age:.1f} days old at {iso_z(at_unix_s, 'seconds')}")
    if abs(age) > threshold_days:
        text += (f": WARNING older than {threshold_days:g} days, predictions may be off by tens of "
                 "seconds; fetch a fresh set")
    return text


def _from_omm(fields: dict) -> ElementSet:
    satrec = Satrec()
    try:
        omm.initialize(satrec, fields, WGS72)
    except (KeyError, ValueError, TypeError) as exc:
        raise ElementSetError(f"OMM record lacks or garbles a field: {exc}") from None
    return ElementSet.from_satrec(satrec, str(fields.get("OBJECT_NAME", "")).strip())


def read_element_sets(text: str) -> list[ElementSet]:
    """Element sets from the text of a TLE file or an OMM message (XML, JSON or CSV), by content."""
    body = text.lstrip("\ufeff").strip()
    if not body:
        raise ElementSetError("the element-set file is empty")
    if body.startswith("<"):
        try:
            records = list(omm.parse_xml(io.StringIO(body)))
        except Exception as exc:  # ElementTree's ParseError and friends: one line at the boundary
            raise ElementSetError(f"OMM XML does not parse: {exc}") from None
    elif body[0] in "[{":
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise ElementSetError(f"OMM JSON does not parse: {exc}") from None
        records = data if isinstance(data, list) else [data]
        if not all(isinstance(r, dict) for r in records):
            raise ElementSetError("OMM JSON must be an object or a list of objects")
    elif body.split("\n", 1)[0].startswith("OBJECT_NAME"):
        records = list(csv.DictReader(io.StringIO(body)))
    else:
        return read_tle_file(body)
    if not records:
        raise ElementSetError("the OMM message holds no element set")
    return [_from_omm(r) for r in records]


def read_path(path: Path) -> list[ElementSet]:
    """Every element set in a file, or in the files of a folder (:data:`SUFFIXES`), newest last."""
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES)
        if not files:
            raise ElementSetError(f"no element-set files ({', '.join(SUFFIXES)}) in {path}")
        sets = [s for f in files for s in read_path(f)]
        return sorted(sets, key=lambda s: s.epoch)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise ElementSetError(f"cannot read {path}: {exc.strerror or exc}") from None
    return read_element_sets(text)


def fetch(url: str, cache: Path | None = None, *, timeout_s: float = FETCH_TIMEOUT_S,
          max_bytes: int = FETCH_MAX_BYTES) -> list[ElementSet]:
    """Element sets from ``url`` (http or https), at most ``max_bytes`` within ``timeout_s``.

    The body is written to ``cache`` when it parses; when the fetch fails and ``cache`` holds an
    earlier body, that is used (with a warning, and its age says how old it is)."""
    if not url.startswith(("http://", "https://")):
        raise ElementSetError(f"element-set URL must be http:// or https:// (got '{url}')")
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:  # noqa: S310 (scheme checked)
            body = response.read(max_bytes + 1)
        if len(body) > max_bytes:
            raise ElementSetError(f"{url} sent more than {max_bytes} octets: not an element-set file")
        sets = read_element_sets(body.decode("utf-8", errors="replace"))
    except (urllib.error.URLError, OSError, TimeoutError, ElementSetError) as exc:
        reason = getattr(exc, "reason", None) or exc
        if cache is not None and Path(cache).is_file():
            log.warning("fetching %s failed (%s); using the cached copy %s", url, reason, cache)
            return read_path(Path(cache))
        if isinstance(exc, ElementSetError):
            raise
        raise ElementSetError(f"cannot fetch {url}: {reason}") from None
    if cache is not None:
        with_suffix = Path(cache)
        with_suffix.parent.mkdir(parents=True, exist_ok=True)
        with_suffix.write_bytes(body)
    return sets


@dataclass(frozen=True)
class ElementSetChoice:
    """The element set a verb predicts with and where it came from (``source``: a path, a URL,
    ``DB.tle`` or ``derived``)."""

    element_set: ElementSet
    source: str


def _pick(sets: list[ElementSet], name: str | None) -> ElementSet:
    if name:
        wanted = [s for s in sets if s.name.strip().lower() == name.strip().lower()]
        if wanted:
            return max(wanted, key=lambda s: s.epoch)
        if len(sets) > 1:
            known = ", ".join(sorted({s.name for s in sets})[:10])
            raise ElementSetError(f"no element set named '{name}' (the source holds: {known})")
    return sets[0] if len(sets) == 1 else max(sets, key=lambda s: s.epoch)


def resolve(source: str | Path | None, derived: Callable[[], ElementSet], *, archive: str | None = None,
            name: str | None = None) -> ElementSetChoice:
    """The one rule every verb uses: ``source`` (a file, a folder or a URL; a URL is cached as
    ``ARCHIVE.elements`` beside a SQLite ``archive``), else ``ARCHIVE.tle`` left by a run beside
    it, else ``derived()`` (the mission's published set). ``name`` picks a satellite's newest set
    from a source holding several (e.g. a catalogue); one set is used as it is."""
    archive_path = Path(archive) if archive and "://" not in archive else None
    if source is not None:
        text = str(source)
        if text.startswith(("http://", "https://")):
            cache = archive_path.with_suffix(".elements") if archive_path is not None else None
            return ElementSetChoice(_pick(fetch(text, cache), name), text)
        return ElementSetChoice(_pick(read_path(Path(text)), name), text)
    if archive_path is not None and archive_path.with_suffix(".tle").is_file():
        beside = archive_path.with_suffix(".tle")
        return ElementSetChoice(_pick(read_path(beside), name), str(beside))
    return ElementSetChoice(derived(), "derived")

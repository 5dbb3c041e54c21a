"""SatNOGS interop: archived frames out as SiDS records, SatNOGS frame files in (issue 17).

**Out.** SatNOGS DB takes frames from any station through its telemetry endpoint in the form of
the Simple Downlink Share Convention (SiDS, S. Dombrovski, University of Wuerzburg, v0.9, 2015),
the form the DK3WN forwarder and gr-satellites post: a form-encoded POST of

    noradID=45598&source=CALL&timestamp=2020-06-16T02:47:12.480Z&frame=4040...&locator=longLat
    &longitude=90.4890W&latitude=14.6040N[&azimuth=..&elevation=..]&version=...

(``frame`` the AX.25 frame without its FCS in upper-case hex; ``timestamp`` ISO 8601 UTC with a
Z; longitude and latitude unsigned with E/W and N/S, as SiDS writes them). :func:`records_from_archive`
makes those records from the archive, :func:`write_records` writes them as JSON Lines or CSV, and
:func:`post_records` posts them to a URL the user names (http or https only; each record tried
at most ``retries + 1`` times, a 4xx answer not retried; :class:`SatnogsError` says which record
failed, how, and how many went before it).

**In.** A SatNOGS observation's frame file (the ``data_obs`` files of SatNOGS Network: one
``YYYY-MM-DD HH:MM:SS|HEX`` line a frame), the JSON the SatNOGS DB API returns for frames (a
list, or a page with ``results``, of objects with ``frame`` and ``timestamp``), or the JSON
Lines :func:`write_records` writes, are read by :func:`read_frames_file` and fed through a
:class:`~picodragon.ground.station.GroundStation` by :func:`import_frames`, so the station's
filtering, decoding (Kaitai structs for a receive-only mission) and alarms apply as to frames
heard live. A bad line is a SatnogsError naming the file and line: nothing is imported then.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from picodragon.astro.isotime import iso_z, parse_utc
from picodragon.ground.archive import Archive
from picodragon.ground.station import Decoded, GroundStation

#: SiDS ``version``: the version of the forwarding software, ours
SIDS_VERSION = "picodragon-0.1"
#: the SiDS fields in the order they are written (azimuth and elevation only when known)
SIDS_FIELDS = ("noradID", "source", "timestamp", "frame", "locator", "longitude", "latitude",
               "azimuth", "elevation", "version")
#: the longest frame read from a file, in octets (the station cuts longer ones anyway)
MAX_FRAME_OCTETS = 4096
#: the most frames one file may hold: a SatNOGS observation holds tens to a few thousand
MAX_FRAMES = 1_000_000


class SatnogsError(ValueError):
    """A frame file that cannot be read, a URL refused, a POST that failed: one line."""


@dataclass(frozen=True)
class SidsRecord:
    """One frame as SiDS forwards it: satellite, receiving station, time, octets, place."""

    norad_id: int
    source: str
    unix_s: float
    frame: bytes
    longitude_deg: float
    latitude_deg: float
    azimuth_deg: float | None = None
    elevation_deg: float | None = None

    def fields(self) -> dict[str, str]:
        """The SiDS form fields, as strings, in SIDS_FIELDS order."""
        longitude, latitude = sids_location(self.longitude_deg, self.latitude_deg)
        out = {"noradID": str(int(self.norad_id)), "source": self.source,
               "timestamp": iso_z(self.unix_s, "milliseconds"), "frame": self.frame.hex().upper(),
               "locator": "longLat", "longitude": longitude, "latitude": latitude}
        if self.azimuth_deg is not None and self.elevation_deg is not None:
            out["azimuth"] = f"{self.azimuth_deg:.1f}"
            out["elevation"] = f"{self.elevation_deg:.1f}"
        out["version"] = SIDS_VERSION
        return out


def sids_location(longitude_deg: float, latitude_deg: float) -> tuple[str, str]:
    """SiDS's longitude and latitude: unsigned degrees with E/W and N/S (``90.4890W``, ``14.6040N``)."""
    lon = (longitude_deg + 180.0) % 360.0 - 180.0  # 0..360 east (accepted in stations) -> -180..180
    return (f"{abs(lon):.4f}{'E' if lon >= 0 else 'W'}",
            f"{abs(latitude_deg):.4f}{'N' if latitude_deg >= 0 else 'S'}")


def records_from_archive(
    archive: Archive,
    norad_id: int,
    source: str,
    longitude_deg: float,
    latitude_deg: float,
    *,
    station: str | None = None,
    start_unix: float = -1e300,
    end_unix: float = 1e300,
    include_rejected: bool = False,
    limit: int = 1_000_000,
) -> list[SidsRecord]:
    """The archive's frames as SiDS records, oldest first.

    ``station`` keeps only the frames that station heard (stamped with its reception); without
    it each frame is stamped with its first reception. Frames the ground rejected (not the
    spacecraft's, not AX.25, cut) stay out unless ``include_rejected``.
    """
    out = []
    for record in archive.frames(start_unix, end_unix, limit=limit):
        if record.rejection is not None and not include_rejected:
            continue
        heard = [r for r in record.receptions if station is None or r.station == station]
        if not heard:
            continue
        out.append(SidsRecord(int(norad_id), source, heard[0].unix_s, record.raw,
                              longitude_deg, latitude_deg))
    return out


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_records(records: Iterable[SidsRecord], path: str | Path) -> int:
    """Write the records to ``path`` as CSV (a ``.csv`` name) or JSON Lines (any other name),
    whole or not at all; returns how many."""
    path = Path(path)
    rows = [r.fields() for r in records]
    if path.suffix.lower() == ".csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=SIDS_FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        text = buffer.getvalue()
    else:
        text = "".join(json.dumps(row) + "\n" for row in rows)
    _atomic_write(path, text)
    return len(rows)


def check_url(url: str) -> str:
    """An http(s) URL with a host, else a SatnogsError (no file:, ftp: or other schemes)."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError as exc:
        raise SatnogsError(f"not a URL: {url!r} ({exc})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SatnogsError(f"give an http:// or https:// URL with a host, not {url!r}")
    return url


@dataclass(frozen=True)
class PostReport:
    """What :func:`post_records` did: records sent and attempts made."""

    sent: int
    attempts: int


def post_records(
    records: Iterable[SidsRecord],
    url: str,
    *,
    retries: int = 2,
    timeout_s: float = 10.0,
    backoff_s: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
) -> PostReport:
    """POST each record form-encoded to ``url``, as SiDS forwarders do.

    A record is tried at most ``retries + 1`` times (a connection error, a timeout or a 5xx
    answer is retried after ``backoff_s`` times the attempt number; a 4xx answer is final).
    SatnogsError names the record that failed and how many were sent before it.
    """
    check_url(url)
    retries = max(0, min(int(retries), 10))
    sent = attempts = 0
    for index, record in enumerate(records):
        body = urllib.parse.urlencode(record.fields()).encode("ascii")
        last = ""
        for attempt in range(retries + 1):
            attempts += 1
            request = urllib.request.Request(
                url, data=body, method="POST",
                headers={"Content-Type": "application/x-www-form-urlencoded",
                         "User-Agent": f"picodragon SiDS {SIDS_VERSION}"})
            try:
                with urllib.request.urlopen(request, timeout=timeout_s) as answer:
                    answer.read(65536)
                last = ""
                break
            except urllib.error.HTTPError as exc:
                last = f"HTTP {exc.code} {exc.reason}"
                if 400 <= exc.code < 500:
                    break
            except (urllib.error.URLError, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                last = f"{type(reason).__name__}: {reason}" if str(reason) else type(reason).__name__
            if attempt < retries:
                sleep(backoff_s * (attempt + 1))
        if last:
            raise SatnogsError(f"POST {url}: record {index + 1} ({iso_z(record.unix_s)}) failed: "
                               f"{last} ({sent} sent before it)".splitlines()[0])
        sent += 1
    return PostReport(sent, attempts)


# -- in ---------------------------------------------------------------------------------------


def _frame_of(hex_text: object, where: str) -> bytes:
    if not isinstance(hex_text, str):
        raise SatnogsError(f"{where}: frame is not hex text")
    text = hex_text.strip().replace(" ", "")
    try:
        frame = bytes.fromhex(text)
    except ValueError:
        raise SatnogsError(f"{where}: frame is not hex: {text[:40]!r}") from None
    if not frame:
        raise SatnogsError(f"{where}: empty frame")
    if len(frame) > MAX_FRAME_OCTETS:
        raise SatnogsError(f"{where}: a frame of {len(frame)} octets (at most {MAX_FRAME_OCTETS})")
    return frame


def _time_of(text: object, where: str) -> float:
    if not isinstance(text, str):
        raise SatnogsError(f"{where}: timestamp is not text")
    value = text.strip()
    if len(value) >= 19 and value[10] == " ":  # SatNOGS Network's 'YYYY-MM-DD HH:MM:SS'
        value = value[:10] + "T" + value[11:]
    if not value.endswith(("Z", "z")) and "+" not in value[10:] and value[10:].count("-") == 0:
        value += "Z"  # SatNOGS writes UTC without saying so
    try:
        unix_s = parse_utc(value).timestamp()
    except (ValueError, OverflowError) as exc:
        raise SatnogsError(f"{where}: not a UTC time: {text.strip()[:40]!r} ({exc})") from None
    if not math.isfinite(unix_s):
        raise SatnogsError(f"{where}: not a UTC time: {text.strip()[:40]!r}")
    return unix_s


def _from_object(item: object, where: str) -> tuple[float, bytes]:
    if not isinstance(item, dict):
        raise SatnogsError(f"{where}: expected an object with frame and timestamp")
    missing = [k for k in ("frame", "timestamp") if k not in item]
    if missing:
        raise SatnogsError(f"{where}: no {' and no '.join(missing)}")
    return _time_of(item["timestamp"], where), _frame_of(item["frame"], where)


def parse_frames(text: str, origin: str = "<text>") -> list[tuple[float, bytes]]:
    """(Unix s, frame) of every frame in a SatNOGS frame file's text, in file order.

    Three forms, told apart by the first character that is not blank: ``[`` or ``{`` followed
    by a JSON document (the DB API's list or page), ``{`` on each line (JSON Lines, as
    :func:`write_records` writes), else ``TIME|HEX`` lines. Blank lines and ``#`` comments are
    skipped in the line forms.
    """
    stripped = text.lstrip()
    out: list[tuple[float, bytes]] = []
    if stripped.startswith(("[", "{")):
        try:
            document = json.loads(text)
        except json.JSONDecodeError:
            document = None  # JSON Lines, or broken JSON: read line by line below
        if document is not None:
            items = document.get("results") if isinstance(document, dict) else document
            if isinstance(document, dict) and items is None:
                items = [document]
            if not isinstance(items, list):
                raise SatnogsError(f"{origin}: a JSON frame file is a list of frames "
                                   "(or a page with 'results')")
            if len(items) > MAX_FRAMES:
                raise SatnogsError(f"{origin}: more than {MAX_FRAMES} frames")
            return [_from_object(item, f"{origin}: frame {i + 1}") for i, item in enumerate(items)]
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{origin}:{number}"
        if len(out) >= MAX_FRAMES:
            raise SatnogsError(f"{origin}: more than {MAX_FRAMES} frames")
        if line.startswith("{"):
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                raise SatnogsError(f"{where}: not JSON ({exc.msg})") from None
            out.append(_from_object(item, where))
            continue
        when, bar, hex_text = line.partition("|")
        if not bar:
            raise SatnogsError(f"{where}: expected 'YYYY-MM-DD HH:MM:SS|HEX'")
        out.append((_time_of(when, where), _frame_of(hex_text, where)))
    return out


def read_frames_file(path: str | Path) -> list[tuple[float, bytes]]:
    """The frames of a SatNOGS frame file (see :func:`parse_frames`); SatnogsError if unreadable."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise SatnogsError(f"{path}: not a text file (frame files are hex or JSON)") from None
    except OSError as exc:
        raise SatnogsError(f"cannot read {path}: {exc.strerror or exc}") from None
    return parse_frames(text, str(path))


@dataclass(frozen=True)
class ImportReport:
    """What :func:`import_frames` did: frames fed to the station, decoded and rejected."""

    frames: int
    decoded: int
    rejected: int


def import_frames(station: GroundStation, frames: Iterable[tuple[float, bytes]]) -> ImportReport:
    """Feed frames (with their reception times) through the station, in one archive batch."""
    count = decoded = 0
    with station.archive.batch():
        for unix_s, frame in frames:
            count += 1
            if isinstance(station.receive(frame, unix_s), Decoded):
                decoded += 1
    return ImportReport(count, decoded, count - decoded)


def mission_station(scenario, dictionary, archive: Archive, station: str | None = None) -> GroundStation:
    """The receiving station of a mission (``config.Scenario`` and its ``Dictionary``), with its
    alarm monitor listening: the one named (the first by default), decoding with the mission's
    Kaitai struct when ``[receive]`` names one, and accepting any source for a receive-only
    mission (its frames may carry any address: Quetzal-1's are blank). KeyError (one line)
    for a station the mission does not have."""
    from picodragon.ground.alarms import AlarmMonitor
    from picodragon.ground.kaitai import KaitaiDecoder

    stations = {s.name: s for s in scenario.stations}
    name = station if station is not None else scenario.stations[0].name
    if name not in stations:
        raise KeyError(f"mission {scenario.name} has no station {name!r} "
                       f"(it has {', '.join(stations)})")
    receive = scenario.receive
    decoder = None
    if receive is not None and receive.kaitai is not None:
        decoder = KaitaiDecoder(receive.kaitai, dictionary.packet(receive.packet))
    radio = scenario.spacecraft.radio
    callsigns = None if scenario.receive_only else [
        radio.callsign if radio.ssid == 0 else f"{radio.callsign}-{radio.ssid}"]
    ground = GroundStation(name, archive, radio.downlink_frequency_hz, spacecraft_callsigns=callsigns,
                           dictionary=dictionary, frame_decoder=decoder)
    alarms = AlarmMonitor(archive, dictionary=dictionary)
    ground.add_listener(alarms.on_decoded)
    return ground

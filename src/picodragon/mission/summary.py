"""The printed summary of a mission run: what a team reads first.

It is laid out for an 80-column terminal: times are shown to the second (``2013-11-21
07:10:05``; the JSON keeps the full ISO text), a pass's LOS as its clock time only, and no
column is wide enough to make rich fold or cut a line.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from picodragon.astro.isotime import parse_utc

#: the terminal width the tables are laid out for (columns)
TERMINAL_COLUMNS = 80


def short_utc(text: str | None, *, clock_only: bool = False) -> str:
    """ISO 8601 UTC text shown to the second, ``YYYY-MM-DD HH:MM:SS`` (``HH:MM:SS`` with
    ``clock_only``); text that is not a time is returned as it is."""
    if not text:
        return "" if text is None else text
    try:
        when = parse_utc(text)
    except ValueError:
        return text
    return when.strftime("%H:%M:%S" if clock_only else "%Y-%m-%d %H:%M:%S")


def print_summary(result, console: Console | None = None) -> None:
    """Print the run's headline figures and its pass table."""
    console = console or Console()
    s: dict[str, Any] = result.summary
    head = Table(title=f"picodragon run: {s['scenario']}", show_header=False)
    head.add_column("what", style="bold", no_wrap=True)
    head.add_column("value", overflow="fold")
    rows = [
        ("span", f"{short_utc(s['start'])} -> {short_utc(s['end'])} UTC"),
        ("simulated", f"{s['sim_seconds'] / 86400:.2f} days"),
        ("wall time", f"{s['wall_seconds']:.1f} s"),
        ("passes", str(len(s["passes"]))),
        ("frames sent / received", f"{s['frames_sent']} / {s['frames_received']}"),
        ("telemetry points", str(s["telemetry_points"])),
        ("images captured / received", f"{s['images_captured']} / {s['images_received']}"),
        ("commands sent / executed", f"{s['commands_sent']} / {s['commands_executed']}"),
        ("battery SoC min", _pct(s["battery_soc_min"])),
        ("temperature range", f"{_num(s['temperature_c_min'])} .. {_num(s['temperature_c_max'])} degC"),
        ("re-entry", short_utc(s["reentry"]) if s["reentry"] else "not in this span"),
        ("archive", str(s.get("db"))),
        ("report", str(s.get("report"))),
    ]
    resets = getattr(result, "extra", {}).get("resets")
    if resets:
        rows.append(("resets by cause", ", ".join(f"{cause} {n}" for cause, n in resets.items())))
    for c in s.get("companions", []):
        rows.append((f"companion {c['name']}", f"frames sent / received {c['frames_sent']} / {c['frames_received']}"))
    for what, value in rows:
        head.add_row(what, value)
    console.print(head)
    if s["passes"]:
        table = Table(title="Passes (ground prediction) and what the link carried")
        table.add_column("station", overflow="ellipsis", max_width=16)
        table.add_column("AOS (UTC)", no_wrap=True)
        table.add_column("LOS", no_wrap=True)
        for column in ("max el", "sent", "rcvd"):
            table.add_column(column, justify="right", no_wrap=True)
        for p in s["passes"][:40]:
            table.add_row(p["station"], short_utc(p["aos"]), short_utc(p["los"], clock_only=True),
                          f"{p['max_elevation_deg']:.1f}", str(p["frames_sent"]),
                          str(p["frames_received"]))
        if len(s["passes"]) > 40:
            table.caption = f"... and {len(s['passes']) - 40} more in the report and the JSON"
        console.print(table)


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f} %"


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"

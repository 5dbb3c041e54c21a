"""The printed summary of a mission run: what a team reads first."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table


def print_summary(result, console: Console | None = None) -> None:
    """Print the run's headline figures and its pass table."""
    console = console or Console()
    s = result.summary
    head = Table(title=f"picodragon run: {s['scenario']}", show_header=False)
    head.add_column("what", style="bold")
    head.add_column("value")
    rows = [
        ("span", f"{s['start']} -> {s['end']}  ({s['sim_seconds'] / 86400:.2f} days)"),
        ("wall time", f"{s['wall_seconds']:.1f} s"),
        ("passes", str(len(s["passes"]))),
        ("frames sent / received", f"{s['frames_sent']} / {s['frames_received']}"),
        ("telemetry points", str(s["telemetry_points"])),
        ("images captured / received", f"{s['images_captured']} / {s['images_received']}"),
        ("commands sent / executed", f"{s['commands_sent']} / {s['commands_executed']}"),
        ("battery SoC min", _pct(s["battery_soc_min"])),
        ("temperature range", f"{_num(s['temperature_c_min'])} .. {_num(s['temperature_c_max'])} degC"),
        ("re-entry", s["reentry"] or "not in this span"),
        ("archive", str(s.get("db"))),
        ("report", str(s.get("report"))),
    ]
    for c in s.get("companions", []):
        rows.append((f"companion {c['name']}", f"frames sent / received {c['frames_sent']} / {c['frames_received']}"))
    for what, value in rows:
        head.add_row(what, value)
    console.print(head)
    if s["passes"]:
        table = Table(title="Passes (ground prediction) and what the link carried")
        for column in ("station", "AOS (UTC)", "LOS", "max el", "sent", "received"):
            table.add_column(column)
        for p in s["passes"][:40]:
            table.add_row(p["station"], p["aos"], p["los"][11:], f"{p['max_elevation_deg']:.1f}",
                          str(p["frames_sent"]), str(p["frames_received"]))
        if len(s["passes"]) > 40:
            table.caption = f"... and {len(s['passes']) - 40} more in the report and the JSON"
        console.print(table)


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f} %"


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"

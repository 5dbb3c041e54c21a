"""The mission report's tables: passes, commands, events and the last housekeeping, as HTML.

Split from ``report`` (which lays out the page and draws the charts) so that each stays a module
of one concern. Every table here is bounded for a lifetime run (a scrolling box, the first and
last rows of thousands) and speaks the mission's dictionary: modes, reset causes and flags by
name, chunk masks as chunk ranges, routine events counted rather than listed. Times are shown
to the second; the JSON and the archive keep them whole.
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np


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


#: the pass table lists at most this many passes (the first and the last half of them); the
#: JSON and the archive hold them all
MAX_PASS_ROWS = 200


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

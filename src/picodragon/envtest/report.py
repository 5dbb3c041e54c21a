"""The environmental test report: one self-contained HTML file of a campaign folder, offline.

A campaign folder holds one JSON result per step (``envtest.results``: random runs, sine
surveys, pre/post comparisons, the thermal-vacuum run, the correlation) and, when the campaign
wrote it, ``campaign.json`` (the mission, the seed, the steps in order and any step that could
not run and why). The report reads whatever subset is there: a folder with a single random run
gives a report of that run. Any other JSON file that is not a result is refused with a
:class:`~picodragon.envtest.results.ResultError` naming it (never a partial report).

Like the mission report (``picodragon.mission.report``, whose plotting helper and style it
reuses) plotly.js is embedded once, so nothing is fetched from a CDN. What it shows:

- a summary verdict at the top (every criterion of every step passed, or which failed) and
  every verdict with the standard and clause its limit comes from;
- random runs: the control PSD against the spec with its tolerance bands and abort limits
  (log-log), the Grms tables;
- sine surveys: the frequency responses of the surveys before and after, overlaid per axis,
  with the mode tables and the shifts of the pre/post comparison;
- thermal vacuum: the timeline with its cycles and plateaus shaded, the functional tests;
- correlation: per-sensor residuals before and after the fit beside the criterion.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from picodragon.envtest.results import KINDS, Result, ResultError, load
from picodragon.mission.report_html import STYLE as MISSION_STYLE
from picodragon.mission.report_html import figure_html

MANIFEST = "campaign.json"
"""the campaign's own file in its folder: not a result, read for the header and step order"""

SECTIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("random", "Random vibration", ("random",)),
    ("sine", "Sine surveys and pre/post comparison", ("sine", "modal_comparison")),
    ("tvac", "Thermal vacuum", ("tvac",)),
    ("correlation", "Thermal model correlation", ("correlation",)),
)
"""(anchor, heading, kinds) of the report's sections after the summary, in test order"""

STYLE = MISSION_STYLE + """
.verdict{display:inline-block;padding:2px 10px;border-radius:4px;font-weight:700;color:white}
.verdict.pass{background:#2e9b4f} .verdict.fail{background:#d7373f} .verdict.none{background:#8a94a3}
#summary-verdict{font-size:22px;padding:6px 18px}
tr.fail td{background:#fde2e1} td.pass{color:#2e7d32;font-weight:600} td.fail{color:#c62828;font-weight:600}
h3{font-size:15px;margin:18px 0 6px} .step{border-top:1px solid #e3e6ea;margin-top:10px}
"""

#: how a series is drawn, from a word in its name: the spec dashed black, tolerance bands
#: dotted orange, abort limits dashed red; anything else a solid line of the palette
LINE_STYLES = (("abort", dict(color="#d7373f", dash="dash", width=1.5)),
               ("tol", dict(color="#f08c00", dash="dot", width=1.2)),
               ("band", dict(color="#f08c00", dash="dot", width=1.2)),
               ("limit", dict(color="#d7373f", dash="dash", width=1.5)),
               ("spec", dict(color="#1d2430", dash="dash", width=2)),
               ("profile", dict(color="#1d2430", dash="dash", width=2)))


def read_campaign(folder: str | Path) -> tuple[dict[str, Any], list[tuple[str, Result]]]:
    """The manifest (``{}`` if none) and every step's result in test order, all validated."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ResultError(f"{folder}: not a folder" if folder.exists() else f"{folder}: folder not found")
    manifest: dict[str, Any] = {}
    manifest_path = folder / MANIFEST
    if manifest_path.is_file():
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ResultError(f"{manifest_path}: not a campaign manifest ({exc.__class__.__name__})") from None
        if not isinstance(manifest, dict) or not isinstance(manifest.get("steps", []), list):
            raise ResultError(f"{manifest_path}: not a campaign manifest (no list of steps)")
    steps = {p.stem: load(p) for p in sorted(folder.glob("*.json")) if p.name != MANIFEST}
    if not steps:
        raise ResultError(f"{folder}: no step results (*.json) in the folder")
    order = [s for s in manifest.get("steps", []) if isinstance(s, str) and s in steps]
    rest = sorted((s for s in steps if s not in order), key=lambda s: (KINDS.index(steps[s].kind), s))
    return manifest, [(s, steps[s]) for s in order + rest]


def write_report(campaign_dir: str | Path, out_html: str | Path) -> Path:
    """Write the report of a campaign folder atomically and return its path."""
    manifest, steps = read_campaign(campaign_dir)
    target = Path(out_html)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(render_report(manifest, steps, Path(campaign_dir).name), encoding="utf-8")
    tmp.replace(target)
    return target


def render_report(manifest: dict[str, Any], steps: list[tuple[str, Result]], name: str = "campaign") -> str:
    """The report as one HTML string."""
    from plotly.offline import get_plotlyjs

    sections = [("summary", "Summary", _summary(manifest, steps)),
                ("verdicts", "Verdicts", _verdict_table(steps, with_step=True))]
    for anchor, heading, kinds in SECTIONS:
        chosen = [(s, r) for s, r in steps if r.kind in kinds]
        if chosen:
            sections.append((anchor, heading, _SECTION_BODIES[anchor](chosen)))
    toc = "<nav class='toc' id='contents'><b>Contents</b> " + "".join(
        f"<a href='#{a}'>{html.escape(h)}</a>" for a, h, _ in sections) + "</nav>"
    body = toc + "".join(f"<section id='{a}'><h2>{html.escape(h)}</h2>{c}</section>" for a, h, c in sections)
    mission = str(manifest.get("mission") or name)
    sub = " &middot; ".join(html.escape(str(x)) for x in (
        manifest.get("created"), f"seed {manifest['seed']}" if "seed" in manifest else None) if x)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>picodragon environmental tests: {html.escape(mission)}</title>
<style>{STYLE}</style><script>{get_plotlyjs()}</script></head>
<body><header><h1>picodragon environmental test report: {html.escape(mission)}</h1>
<p>{sub or html.escape(name)}</p></header>
<main>{body}<p class="note">Made by picodragon from the twin's generated test data unless a step says otherwise.
Every limit names the standard it comes from; levels marked as assumptions in the spec files are
engineering assumptions, not published facts.</p></main></body></html>
"""


# -- summary and verdicts ---------------------------------------------------------------------

def _chip(ok: bool | None) -> str:
    if ok is None:
        return "<span class='verdict none'>NOT JUDGED</span>"
    return "<span class='verdict pass'>PASS</span>" if ok else "<span class='verdict fail'>FAIL</span>"


def _fmt(v: Any) -> str:
    if v is None:
        return "&ndash;"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:.4g}"
    return html.escape(str(v))


def _summary(manifest: dict[str, Any], steps: list[tuple[str, Result]]) -> str:
    verdicts = [v for _, r in steps for v in r.verdicts]
    failed = [(s, v) for s, r in steps for v in r.verdicts if not v["passed"]]
    overall = None if not verdicts else not failed
    head = (f"<p><span id='summary-verdict' class='verdict {'none' if overall is None else 'pass' if overall else 'fail'}'>"
            f"{'NO VERDICT' if overall is None else 'PASS' if overall else 'FAIL'}</span> &nbsp; "
            f"{len(verdicts) - len(failed)} of {len(verdicts)} criteria passed in {len(steps)} steps.</p>")
    if failed:
        head += "<p>Failed: " + "; ".join(f"{html.escape(s)}: {html.escape(v['criterion'])}" for s, v in failed) + "</p>"
    rows = "".join(
        f"<tr class='{'fail' if r.verdicts and not r.passed else ''}'><td>{html.escape(s)}</td>"
        f"<td>{html.escape(r.kind)}</td><td>{html.escape(r.title)}</td><td>{_fmt(r.axis)}</td><td>{_fmt(r.spec)}</td>"
        f"<td>{sum(v['passed'] for v in r.verdicts)} / {len(r.verdicts)}</td>"
        f"<td>{_chip(r.passed if r.verdicts else None)}</td></tr>" for s, r in steps)
    table = ("<table class='grid' id='steps'><thead><tr><th>step</th><th>kind</th><th>title</th><th>axis</th>"
             f"<th>spec</th><th>criteria passed</th><th>verdict</th></tr></thead><tbody>{rows}</tbody></table>")
    skipped = manifest.get("skipped")
    skipped = [k for k in skipped if isinstance(k, dict)] if isinstance(skipped, list) else []
    note = ""
    if skipped:
        items = "".join(f"<li><b>{html.escape(str(k.get('step', '?')))}</b>: {html.escape(str(k.get('reason', '')))}</li>"
                        for k in skipped)
        note = f"<p class='note' id='skipped'>Steps the campaign could not run:</p><ul>{items}</ul>"
    return head + _options(manifest) + table + note


def _options(manifest: dict[str, Any]) -> str:
    """What the campaign ran with (from campaign.json), as a key/value line each."""
    options = manifest.get("options")
    if not isinstance(options, dict) or not options:
        return ""
    rows = "".join(f"<tr><th>{html.escape(str(k).replace('_', ' '))}</th><td>{_fmt(v) if not isinstance(v, dict | list) else html.escape(json.dumps(v))}</td></tr>"
                   for k, v in options.items())
    return f"<table class='kv' id='options'>{rows}</table>"


def _verdict_table(steps: list[tuple[str, Result]], *, with_step: bool) -> str:
    rows = []
    for s, r in steps:
        for v in r.verdicts:
            cls = "pass" if v["passed"] else "fail"
            rows.append(f"<tr class='{'' if v['passed'] else 'fail'}'>"
                        + (f"<td>{html.escape(s)}</td>" if with_step else "")
                        + f"<td>{html.escape(v['criterion'])}</td><td>{_fmt(v['value'])}</td><td>{_fmt(v['limit'])}</td>"
                        f"<td>{html.escape(v['unit'])}</td><td class='{cls}'>{cls.upper()}</td>"
                        f"<td>{html.escape(v['source'])}</td></tr>")
    if not rows:
        return "<p class='note'>No criteria judged.</p>"
    head = ("<th>step</th>" if with_step else "") + ("<th>criterion</th><th>value</th><th>limit</th><th>unit</th>"
                                                      "<th>result</th><th>source</th>")
    box = " class='scroll'" if len(rows) > 20 else ""
    return (f"<div{box}><table class='grid verdicts'><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></div>")


def _tables(r: Result) -> str:
    out = []
    for name, t in r.tables.items():
        head = "".join(f"<th>{html.escape(c)}</th>" for c in t["columns"])
        body = []
        for row in t["rows"]:
            bad = any(c is False for c in row)
            cells = "".join(f"<td class='{'pass' if c else 'fail'}'>{'PASS' if c else 'FAIL'}</td>"
                            if isinstance(c, bool) else f"<td>{_fmt(c)}</td>" for c in row)
            body.append(f"<tr class='{'fail' if bad else ''}'>{cells}</tr>")
        box = " class='scroll'" if len(body) > 25 else ""
        out.append(f"<h4>{html.escape(name.replace('_', ' '))}</h4><div{box}><table class='grid' data-table="
                   f"'{html.escape(name)}'><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>")
    return "".join(out)


def _step_block(step: str, r: Result, figures: str = "") -> str:
    """One step: its title and verdict, its plots, its tables, its verdicts with sources."""
    meta = " &middot; ".join(x for x in (f"axis {r.axis}" if r.axis else "",
                                          f"spec {html.escape(r.spec)}" if r.spec else "") if x)
    return (f"<div class='step' id='step-{html.escape(step)}'><h3>{html.escape(r.title)} "
            f"{_chip(r.passed if r.verdicts else None)}</h3><p class='note'>{html.escape(step)}"
            f"{' &middot; ' + meta if meta else ''}</p>{figures}{_tables(r)}"
            f"{'<h4>criteria</h4>' + _verdict_table([(step, r)], with_step=False) if r.verdicts else ''}</div>")


# -- plots ------------------------------------------------------------------------------------

def _line(name: str) -> dict[str, Any] | None:
    low = name.lower()
    for word, style in LINE_STYLES:
        if word in low:
            return style
    return None


def _numbers(values: list[Any]) -> list[float]:
    return [float(v) for v in values if isinstance(v, int | float) and not isinstance(v, bool)]


def _figure(traces: list[tuple[str, dict[str, Any]]], title: str, marks: list[dict[str, Any]] | None = None):
    """One plot of series sharing their units; log-log when x is a frequency and y spans decades."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for label, s in traces:
        fig.add_trace(go.Scatter(x=s["x"], y=s["y"], mode="lines", name=html.escape(label),
                                 line=_line(label), connectgaps=False))
    x_unit, y_unit = traces[0][1]["x_unit"], traces[0][1]["y_unit"]
    xs = [v for _, s in traces for v in _numbers(s["x"])]
    ys = [v for _, s in traces for v in _numbers(s["y"])]
    log_x = x_unit.strip().lower() == "hz" and bool(xs) and min(xs) > 0
    log_y = log_x and bool(ys) and min(ys) > 0 and max(ys) / min(ys) > 30
    for m in marks or []:
        fig.add_vrect(x0=m["x0"], x1=m["x1"], fillcolor=m.get("color", "#4c78a8"), opacity=0.12, line_width=0,
                      annotation_text=html.escape(str(m.get("label", ""))), annotation_position="top left",
                      annotation_font_size=10)
    fig.update_xaxes(title=html.escape(x_unit), type="log" if log_x else None)
    fig.update_yaxes(title=html.escape(y_unit), type="log" if log_y else None)
    fig.update_layout(title=html.escape(title), height=400, template="plotly_white",
                      margin=dict(l=70, r=20, t=50, b=80),
                      legend=dict(orientation="h", yanchor="top", y=-0.2, x=0))
    return fig


def _grouped(series: list[tuple[str, dict[str, Any]]]) -> dict[tuple[str, str, bool], list[tuple[str, dict[str, Any]]]]:
    """Series by (x unit, y unit, is a residual): residuals near zero get their own plot."""
    groups: dict[tuple[str, str, bool], list[tuple[str, dict[str, Any]]]] = {}
    for label, s in series:
        groups.setdefault((s["x_unit"], s["y_unit"], "residual" in label.lower()), []).append((label, s))
    return groups


def _figures_of(r: Result, marks: list[dict[str, Any]] | None = None) -> str:
    """Every series of a result, one plot per pair of units."""
    out = []
    for (_, y_unit, residual), traces in _grouped(list(r.series.items())).items():
        title = f"{r.title}: {', '.join(n.replace('_', ' ') for n, _ in traces[:3])}"
        if len(traces) >= 4:
            title = f"{r.title}: {'residuals' if residual else 'measured and modelled' if r.kind == 'correlation' else y_unit}"
            title += f" ({y_unit})" if residual or r.kind == "correlation" else ""
        out.append(figure_html(_figure(traces, title, marks)))
    return "".join(out)


def _marks(r: Result) -> list[dict[str, Any]]:
    """Shaded spans of a timeline: the result's ``marks`` ({x0, x1, label}), or its plateau table."""
    marks = r.extra.get("marks")
    if isinstance(marks, list):
        return [m for m in marks if isinstance(m, dict) and "x0" in m and "x1" in m]
    out = []
    for name, t in r.tables.items():
        if "plateau" not in name.lower():
            continue
        cols = [c.lower() for c in t["columns"]]
        start = next((i for i, c in enumerate(cols) if c.startswith("start")), None)
        end = next((i for i, c in enumerate(cols) if c.startswith("end")), None)
        if start is None or end is None:
            continue
        kind = next((i for i, c in enumerate(cols) if c == "kind"), None)
        for row in t["rows"]:
            if isinstance(row[start], int | float) and isinstance(row[end], int | float):
                hot = any(isinstance(c, str) and "hot" in c.lower() for c in row)
                label = f"{row[0]} {row[kind]}" if kind not in (None, 0) else str(row[0])
                out.append({"x0": row[start], "x1": row[end], "label": label,
                            "color": "#d7373f" if hot else "#4c78a8"})
    return out


def _random_section(steps: list[tuple[str, Result]]) -> str:
    return "".join(_step_block(s, r, _figures_of(r)) for s, r in steps)


def _sine_section(steps: list[tuple[str, Result]]) -> str:
    """Responses of every survey of an axis overlaid (before and after), then each step."""
    overlays = []
    sines = [(s, r) for s, r in steps if r.kind == "sine"]
    for axis in sorted({r.axis or "" for _, r in sines}):
        traces = [(f"{s}: {n}", ser) for s, r in sines if (r.axis or "") == axis for n, ser in r.series.items()]
        for (_, y_unit, _), group in _grouped(traces).items():
            if len({label.split(':')[0] for label, _ in group}) > 1:
                title = f"Surveys overlaid{', axis ' + axis if axis else ''} ({y_unit})"
                overlays.append(figure_html(_figure(group, title)))
    overlay = ("<div id='sine-overlay'>" + "".join(overlays) + "</div>") if overlays else ""
    blocks = "".join(_step_block(s, r, "" if overlays and r.kind == "sine" else _figures_of(r)) for s, r in steps)
    return overlay + blocks


def _tvac_section(steps: list[tuple[str, Result]]) -> str:
    return "".join(_step_block(s, r, _figures_of(r, _marks(r))) for s, r in steps)


def _residual_figure(r: Result) -> str:
    """Per-sensor residuals before and after the fit, from the table with both columns."""
    import plotly.graph_objects as go

    for name, t in r.tables.items():
        cols = [c.lower() for c in t["columns"]]
        before = next((i for i, c in enumerate(cols) if "before" in c), None)
        after = next((i for i, c in enumerate(cols) if "after" in c), None)
        if before is None or after is None:
            continue
        labels = [str(row[0]) for row in t["rows"]]
        fig = go.Figure([go.Bar(x=labels, y=[row[before] for row in t["rows"]], name=html.escape(t["columns"][before])),
                         go.Bar(x=labels, y=[row[after] for row in t["rows"]], name=html.escape(t["columns"][after]))])
        limit = next((x for x in (_plus_minus(v["limit"]) for v in r.verdicts
                                  if any(w in v["criterion"].lower() for w in ("sensor", "resid"))) if x), None)
        if limit is not None:
            for y in (limit, -limit):
                fig.add_hline(y=y, line_dash="dash", line_color="#d7373f", annotation_text="criterion")
        fig.update_layout(title=f"{html.escape(r.title)}: {html.escape(name.replace('_', ' '))}", barmode="group",
                          height=380, template="plotly_white", margin=dict(l=70, r=20, t=50, b=80),
                          yaxis_title=html.escape(t["columns"][before]),
                          legend=dict(orientation="h", yanchor="top", y=-0.2, x=0))
        return f"<div class='residuals'>{figure_html(fig)}</div>"
    return ""


def _plus_minus(limit: Any) -> float | None:
    """A symmetric limit: a number, or a text like '+-5' (the value the band spans either way)."""
    if isinstance(limit, int | float) and not isinstance(limit, bool):
        return abs(float(limit))
    if isinstance(limit, str):
        try:
            return abs(float(limit.replace("+-", "").replace("\u00b1", "").strip()))
        except ValueError:
            return None
    return None


def _correlation_section(steps: list[tuple[str, Result]]) -> str:
    return "".join(_step_block(s, r, _residual_figure(r) + _figures_of(r)) for s, r in steps)


_SECTION_BODIES = {"random": _random_section, "sine": _sine_section, "tvac": _tvac_section,
                   "correlation": _correlation_section}

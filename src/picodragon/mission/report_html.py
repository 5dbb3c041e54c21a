"""What the self-contained HTML reports share: how a plotly figure goes into the page and the
page's style sheet.

The mission report (``mission.report``) and the environmental-test report (``envtest.report``)
both embed plotly.js once in the page and each figure without it, and both use this style (the
envtest report adds its own rules after it). One place, so the two look alike.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

PLOT_CONFIG = {"displaylogo": False, "responsive": True}
"""plotly's per-figure options: no plotly logo in the mode bar, figures follow the page's width"""


def templated_figure(template: str):
    """An empty plotly figure that ``figure_html`` writes out with the named template (e.g.
    'plotly_white'), as ``update_layout(template=...)`` would. plotly copies and checks its whole
    template object for every figure twice (its default at creation, then the named one), which
    cost more than the traces: here the figure holds an empty one and the page gets the
    template's JSON, built once per process. The page is the same byte for byte."""
    import plotly.graph_objects as go

    fig = go.Figure(layout={"template": {}})
    fig._page_template = template
    return fig


@lru_cache(maxsize=8)
def _template_json(name: str) -> dict[str, Any]:
    """The template as a figure's JSON carries it: ``update_layout(template=name)`` stores a deep
    copy of the registered template (whose keys come out in another order than the registered
    object's own), and the figure's JSON is that copy's.

    Building plotly's template objects costs about 0.1 s a template, once per process (the
    mission report uses two): the JSON is kept on disk (``disk_cached``) under a name that holds
    plotly's version, the same keys in the same order as made afresh."""
    import plotly

    made = disk_cached(f"plotly-template-{name}-plotly{plotly.__version__}.json",
                       lambda: json.dumps(_made_template_json(name)).encode())
    return json.loads(made)


def _made_template_json(name: str) -> dict[str, Any]:
    """:func:`_template_json` made afresh from plotly's registered template."""
    import copy

    import plotly.io as pio

    return copy.deepcopy(pio.templates[name]).to_plotly_json()


@dataclass
class PageFigure:
    """A figure written as plotly's JSON directly, without plotly's figure objects: the traces
    and layout as ``Figure.to_dict`` gives them for the same figure (its keys in its order).
    plotly's objects validate and copy every array of a trace twice, time strings one by one
    (0.1 s for the mission report's five line charts over a lifetime); these go into the page
    as they are, numeric arrays of ``x`` and ``y`` as plotly's typed arrays. For figures whose
    JSON is plain and known (the mission report's), e.g. with :func:`scatter_trace`."""

    template: str
    data: list[dict[str, Any]] = field(default_factory=list)
    layout: dict[str, Any] = field(default_factory=dict)


def scatter_trace(x: Any, y: Any, mode: str, name: str, marker: dict[str, Any] | None = None) -> dict[str, Any]:
    """A scatter trace's JSON, as ``go.Scatter(x=x, y=y, mode=mode, name=name, marker=marker)``
    gives it (its properties in alphabetical order, then its type); :func:`figure_html` writes
    a numeric ``y`` as plotly's typed array, as ``to_dict`` does."""
    trace: dict[str, Any] = {} if marker is None else {"marker": marker}
    trace.update(mode=mode, name=name, x=x, y=y, type="scatter")
    return trace


def _numeric(values: Any) -> bool:
    """Whether ``values`` is a numeric numpy array (which ``to_dict`` writes as a typed array)."""
    return getattr(values, "dtype", None) is not None and values.dtype.kind in "fiu"


def figure_html(fig) -> str:
    """A plotly figure (or a :class:`PageFigure`) as an HTML fragment without plotly.js (the
    page embeds it once)."""
    import plotly.io as pio

    if isinstance(fig, PageFigure):
        from _plotly_utils.utils import to_typed_array_spec

        data = [{k: to_typed_array_spec(v) if k in ("x", "y") and _numeric(v) else v for k, v in trace.items()}
                for trace in fig.data]
        spec = {"data": data, "layout": {"template": _template_json(fig.template), **fig.layout}}
        return pio.to_html(spec, validate=False, full_html=False, include_plotlyjs=False,
                           config=PLOT_CONFIG)
    template = getattr(fig, "_page_template", None)
    if template is None:
        return fig.to_html(full_html=False, include_plotlyjs=False, config=PLOT_CONFIG)
    spec = fig.to_dict()
    spec["layout"]["template"] = _template_json(template)
    return pio.to_html(spec, validate=False, full_html=False, include_plotlyjs=False,
                       config=PLOT_CONFIG)


def cache_dir() -> Path:
    """Where the reports keep what they derive from installed data (the world map):
    ``$PICODRAGON_CACHE_DIR``, else ``$XDG_CACHE_HOME/picodragon``, else ``~/.cache/picodragon``."""
    if os.environ.get("PICODRAGON_CACHE_DIR"):
        return Path(os.environ["PICODRAGON_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "picodragon"


def disk_cached(name: str, make: Callable[[], bytes]) -> bytes:
    """``make()``'s bytes, kept in :func:`cache_dir` under ``name`` (which must change whenever
    the bytes would: put the inputs' sizes, dates and versions in it). Written atomically; a
    folder that cannot be written only costs the cache."""
    path = cache_dir() / name
    try:
        return path.read_bytes()
    except OSError:
        pass
    data = make()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{name}.", delete=False) as f:
            f.write(data)
        os.replace(f.name, path)
    except OSError:
        pass
    return data


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
"""the reports' style sheet (CSS)"""

"""The report's cheaper paths give what the plain ones gave: decimation for all buckets at once,
the world map kept on disk, figures written with their template filled in at the end."""

from __future__ import annotations

import numpy as np
import pytest

from picodragon.mission import report, report_html


def _decimate_bucket_by_bucket(y: np.ndarray, max_points: int) -> np.ndarray:
    """The plain loop: the first min and the first max of each bucket, in order."""
    n = len(y)
    if n <= max_points:
        return np.arange(n)
    edges = np.linspace(0, n, max_points // 2 + 1).astype(int)
    filled = np.where(np.isnan(y), np.nanmean(y) if np.isfinite(y).any() else 0.0, y)
    keep: list[int] = []
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        if b > a:
            i, j = a + int(np.argmin(filled[a:b])), a + int(np.argmax(filled[a:b]))
            keep.extend(sorted({i, j}))
    return np.array(keep)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("n", [7, 3001, 4500, 20011])
def test_decimate_keeps_the_same_samples_as_bucket_by_bucket(n: int) -> None:
    rng = np.random.default_rng(n)
    ties = np.round(rng.normal(size=n), 1)
    holes = rng.normal(size=n)
    holes[rng.integers(0, n, n // 10 + 1)] = np.nan
    signed_zeros = np.zeros(n)
    signed_zeros[::3] = -0.0
    odd = rng.normal(size=n)
    odd[:4] = [np.inf, 1.0, -np.inf, np.nan]
    for y in (rng.normal(size=n), ties, holes, np.full(n, np.nan), signed_zeros, odd):
        for max_points in (3000, 11, 2):
            assert np.array_equal(report.decimate(y, max_points), _decimate_bucket_by_bucket(y, max_points))


def test_disk_cached_makes_once_and_survives_an_unwritable_folder(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PICODRAGON_CACHE_DIR", str(tmp_path / "cache"))
    calls = []

    def make() -> bytes:
        calls.append(1)
        return b"bytes"

    assert report_html.disk_cached("x.bin", make) == b"bytes"
    assert report_html.disk_cached("x.bin", make) == b"bytes" and len(calls) == 1
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("PICODRAGON_CACHE_DIR", str(blocker))
    assert report_html.disk_cached("y.bin", make) == b"bytes" and len(calls) == 2


def test_the_world_map_from_the_cache_is_the_one_made_afresh(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PICODRAGON_CACHE_DIR", str(tmp_path))
    report.world_map_data_uri.cache_clear()
    made = report.world_map_data_uri(360)
    assert len(list(tmp_path.iterdir())) == 1
    report.world_map_data_uri.cache_clear()
    assert report.world_map_data_uri(360) == made
    report.world_map_data_uri.cache_clear()


def test_a_templated_figure_writes_the_page_update_layout_would() -> None:
    import plotly.graph_objects as go

    def build(fig):  # type: ignore[no-untyped-def]
        fig.add_trace(go.Scatter(x=np.array(["2013-11-20T00:00:00", "2013-11-20T00:01:00"]),
                                 y=np.array([1.0, np.nan]), mode="lines", name="a"))
        fig.update_layout(title="t", height=300, legend=dict(orientation="h", y=-0.2))
        return fig

    for template in ("plotly_white", "plotly_dark"):
        plain = build(go.Figure())
        plain.update_layout(template=template)
        cheap = build(report_html.templated_figure(template))
        strip = report_html.figure_html  # the div ids are random: compare without them
        a, b = strip(plain), strip(cheap)
        assert a.split('id="')[0] == b.split('id="')[0]
        assert a.split("Plotly.newPlot(")[1].split(",", 1)[1] == b.split("Plotly.newPlot(")[1].split(",", 1)[1]


@pytest.mark.parametrize("name", ["plotly_white", "plotly_dark"])
def test_template_json_from_disk_is_the_one_made_afresh(name: str, tmp_path, monkeypatch) -> None:
    import json

    monkeypatch.setenv("PICODRAGON_CACHE_DIR", str(tmp_path))
    report_html._template_json.cache_clear()
    try:
        first = report_html._template_json(name)  # made, then kept on disk
        assert list(tmp_path.iterdir())
        report_html._template_json.cache_clear()
        again = report_html._template_json(name)  # read back
    finally:
        report_html._template_json.cache_clear()
    made = report_html._made_template_json(name)
    assert json.dumps(first) == json.dumps(made) == json.dumps(again)  # key order included


def test_a_whole_image_is_embedded_as_received_a_partial_one_decoded() -> None:
    import base64
    import io

    from PIL import Image

    rng = np.random.default_rng(5)
    image = Image.fromarray(rng.integers(0, 256, (240, 320, 3), dtype=np.uint8))
    buf = io.BytesIO()
    image.save(buf, format="JPEG", quality=60)
    jpeg = buf.getvalue()
    whole = report._image_data_uri(jpeg, whole=True)
    assert whole is not None and base64.b64decode(whole.split(",", 1)[1]) == jpeg
    partial = report._image_data_uri(jpeg[: len(jpeg) // 2])
    assert partial is not None and partial != whole
    with Image.open(io.BytesIO(base64.b64decode(partial.split(",", 1)[1]))) as shown:
        assert shown.size == (320, 240)
    assert report._image_data_uri(b"\xff\xd8\xff not a jpeg", whole=True) is None
    assert report._image_data_uri(b"GIF89a", whole=True) is None


def _line_figure_with_plotly(history, keys, title, yaxis, archived=None, scale=1.0):
    """The line chart through plotly's figure objects (as the report drew it before)."""
    import plotly.graph_objects as go

    t_truth = history.get("unix_s")
    fig = report_html.templated_figure("plotly_white")
    for key, label in keys:
        if key in history:
            keep = report.decimate(history[key])
            x = [] if t_truth is None else report._iso_seconds(t_truth[keep])
            fig.add_trace(go.Scatter(x=x, y=history[key][keep] * scale, mode="lines",
                                     name=f"{label} (truth)" if archived else label))
        if archived and key in archived:
            t, v = archived[key]
            keep = report.decimate(v)
            fig.add_trace(go.Scatter(x=report._iso_seconds(t[keep]), y=v[keep] * scale, mode="markers",
                                     marker=dict(size=4), name=f"{label} (archived)"))
    fig.update_layout(title=title, yaxis_title=yaxis, height=360, margin=dict(l=60, r=20, t=50, b=80),
                      legend=dict(orientation="h", yanchor="top", y=-0.18, x=0))
    return fig


@pytest.mark.parametrize("n", [0, 50, 20011])
def test_line_charts_written_directly_are_plotlys(n: int) -> None:
    import re

    rng = np.random.default_rng(n)
    t = 1.384e9 + np.arange(n) * 60.0
    soc = rng.uniform(0.5, 1.0, n)
    soc[::7] = np.nan
    history = {"unix_s": t, "battery_soc": soc, "solar_power_w": rng.normal(1.0, 0.3, n)}
    archived = {"battery_soc": (t[::5], soc[::5] * 0.99)}
    cases = [
        (history, [("battery_soc", "state of charge")], "Battery", "%", archived, 100.0),
        (history, [("solar_power_w", "solar"), ("bus_power_w", "bus")], "Power", "W", archived, 1.0),
        ({"battery_soc": soc}, [("battery_soc", "soc")], "No times", "%", None, 1.0),
    ]
    uuid = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
    for args in cases:
        direct = report_html.figure_html(report._line_figure(*args))
        plotly = report_html.figure_html(_line_figure_with_plotly(*args))
        assert uuid.sub("ID", direct) == uuid.sub("ID", plotly)


def _ground_track_with_plotly(history, stations):
    """The ground track through plotly's figure objects (as the report drew it before)."""
    import plotly.graph_objects as go

    def track(lat, lon, name, color):
        lon = np.where(lon > 180, lon - 360, lon)
        breaks = np.flatnonzero(np.abs(np.diff(lon)) > 180) + 1
        return go.Scatter(x=np.insert(lon, breaks, np.nan), y=np.insert(lat, breaks, np.nan), mode="lines",
                          name=name, line=dict(color=color, width=1))

    fig = report_html.templated_figure("plotly_dark")
    lat, lon, t = history.get("latitude_deg"), history.get("longitude_deg"), history.get("unix_s")
    if lat is not None and lon is not None and t is not None and len(t):
        first = t <= t[0] + 86400.0
        fig.add_trace(track(lat[first], lon[first], "first day", "#ffd200"))
        if t[-1] - t[0] > 2 * 86400.0:
            last = t >= t[-1] - 86400.0
            fig.add_trace(track(lat[last], lon[last], "last day", "#ff5a36"))
    fig.add_trace(go.Scatter(
        x=[s.longitude_deg for s in stations], y=[s.latitude_deg for s in stations],
        mode="markers+text", text=[s.name for s in stations], textposition="top center",
        textfont=dict(color="white"), marker=dict(color="red", size=10, symbol="triangle-up"),
        name="stations"))
    fig.add_layout_image(dict(source=report.world_map_data_uri(), xref="x", yref="y", x=-180, y=90,
                              sizex=360, sizey=180, sizing="stretch", layer="below"))
    fig.update_xaxes(range=[-180, 180], title="longitude (deg)", showgrid=False, constrain="domain",
                     zeroline=False)
    fig.update_yaxes(range=[-90, 90], title="latitude (deg)", scaleanchor="x", scaleratio=1,
                     constrain="domain", showgrid=False, zeroline=False)
    fig.update_layout(title="Ground track", height=520, margin=dict(l=60, r=20, t=50, b=40))
    return fig


def _pass_figure_with_plotly(passes):
    """The pass chart through plotly's figure objects (as the report drew it before)."""
    import plotly.graph_objects as go

    fig = report_html.templated_figure("plotly_white")
    per_day = len(passes) > report.MAX_PASS_BARS
    if passes and not per_day:
        x = [p["tca"] for p in passes]
        fig.add_trace(go.Bar(x=x, y=[p["frames_sent"] for p in passes], name="frames sent"))
        fig.add_trace(go.Bar(x=x, y=[p["frames_received"] for p in passes], name="frames received"))
        fig.add_trace(go.Scatter(x=x, y=[p.get("max_margin_db") for p in passes], name="best link margin (dB)",
                                 yaxis="y2", mode="markers", marker=dict(color="black")))
    elif passes:
        days = report.passes_per_day(passes)
        x = list(days)
        fig.add_trace(go.Bar(x=x, y=[d[0] for d in days.values()], name="frames sent (per day)"))
        fig.add_trace(go.Bar(x=x, y=[d[1] for d in days.values()], name="frames received (per day)"))
        fig.add_trace(go.Scatter(x=x, y=[d[2] if d[2] > float("-inf") else None for d in days.values()],
                                 name="best link margin of the day (dB)", yaxis="y2", mode="markers",
                                 marker=dict(color="black", size=4)))
    title = "Passes: frames sent and received, link margin" + (" (per day)" if per_day else "")
    fig.update_layout(title=title, barmode="group", height=360, bargap=0.1,
                      yaxis=dict(title="frames"), yaxis2=dict(title="margin (dB)", overlaying="y", side="right"),
                      margin=dict(l=60, r=60, t=50, b=80),
                      legend=dict(orientation="h", yanchor="top", y=-0.18, x=0))
    return fig


@pytest.mark.parametrize("days", [0.5, 1.5, 5.0])
def test_the_ground_track_and_pass_charts_written_directly_are_plotlys(days: float) -> None:
    import re

    from picodragon.config import load_scenario

    stations = load_scenario().stations
    t = 1.384e9 + np.arange(0.0, days * 86400.0, 60.0)
    history = {"unix_s": t, "latitude_deg": 51.6 * np.sin(t / 927.0),
               "longitude_deg": (t / 14.0) % 360.0}
    rng = np.random.default_rng(int(days * 10))
    count = int(days * 60)  # over MAX_PASS_BARS from 2.5 days: a bar per day
    passes = [{"tca": f"2013-11-{21 + i * 24 // 60 // 24:02d}T{(i * 24 // 60) % 24:02d}:00:00Z",
               "frames_sent": int(rng.integers(0, 90)), "frames_received": int(rng.integers(0, 60)),
               "max_margin_db": [None, float("nan"), float(rng.normal(8, 4))][i % 3]} for i in range(count)]
    uuid = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
    for direct, plotly in ((report._ground_track(history, stations), _ground_track_with_plotly(history, stations)),
                           (report._ground_track({}, stations), _ground_track_with_plotly({}, stations)),
                           (report._pass_figure(passes), _pass_figure_with_plotly(passes)),
                           (report._pass_figure([]), _pass_figure_with_plotly([]))):
        assert uuid.sub("ID", report_html.figure_html(direct)) == uuid.sub("ID", report_html.figure_html(plotly))

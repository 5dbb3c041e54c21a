"""The Monte Carlo page: bins a reader can use, a statistics table, SoC in percent (no dask)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from picodragon.config import load_scenario
from picodragon.mission.montecarlo import Campaign, describe, histogram_bins, write_page


def _campaign(n: int = 30) -> Campaign:
    rng = np.random.default_rng(5)
    runs = [
        {
            "run": i,
            "inputs": {"ejection_speed_m_s": 1.0 + i / 100, "drag_coefficient": 2.2},
            "battery_soc_min": float(0.70 + 0.001 * rng.normal()),  # a narrow spread
            "temperature_c_min": -10.0,  # every run agrees
            "temperature_c_max": float(30 + rng.normal()),
            "frames_received": int(400 + rng.integers(0, 50)),
            "images_received": int(rng.integers(0, 3)),  # 0, 1 or 2
            "reentry": None,
        }
        for i in range(n)
    ]
    return Campaign(runs, 12.0, "LocalCluster(2 processes)")


def test_describe_gives_n_mean_std_and_percentiles():
    st = describe([1.0, 2.0, 3.0, 4.0, None])
    assert st is not None
    assert st["n"] == 4 and st["mean"] == pytest.approx(2.5)
    assert st["std"] == pytest.approx(np.std([1, 2, 3, 4], ddof=1))
    assert st["p50"] == st["median"] == pytest.approx(2.5)
    assert st["p5"] == pytest.approx(np.percentile([1, 2, 3, 4], 5))
    assert describe([None, None]) is None
    assert describe([7.0])["std"] == 0.0


def test_bins_never_collapse_to_one_sliver():
    # integer counts: one bin per whole number
    assert list(histogram_bins(np.array([0, 1, 2, 2, 1]))) == [-0.5, 0.5, 1.5, 2.5]
    # one repeated value: one bar of a visible width around it
    edges = histogram_bins(np.array([-10.0] * 5))
    assert edges.size == 2 and edges[0] < -10 < edges[1] and edges[1] - edges[0] >= 1
    # a narrow continuous spread still gets several bins across it
    v = 70 + 0.1 * np.random.default_rng(1).normal(size=100)
    edges = histogram_bins(v)
    assert 5 <= edges.size - 1 <= 40 and edges[0] <= v.min() and edges[-1] >= v.max()


def test_page_has_a_statistics_table_and_soc_in_percent(tmp_path):
    campaign = _campaign()
    page = write_page(campaign, load_scenario(), tmp_path / "mc.html").read_text()
    assert "<h2>Statistics</h2>" in page
    for head in ("n", "mean", "std", "p5", "p50", "p95"):
        assert f"<th>{head}</th>" in page
    row = re.search(r"<tr><td>Minimum battery state of charge</td><td>%</td><td>30</td><td>([\d.]+)</td>", page)
    assert row and 69 < float(row.group(1)) < 71  # percent, not a fraction
    assert "Coldest temperature" in page and "Images received" in page
    # the runs table shows the SoC in percent too
    assert re.search(r"<td>7\d\.\d %</td>", page)


def test_statistics_keep_the_old_keys():
    stats = _campaign().statistics()
    assert {"min", "p05", "median", "p95", "max", "n", "mean", "std"} <= set(stats["frames_received"])
    assert stats["lifetime_days"] is None

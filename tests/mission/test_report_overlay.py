"""The report draws what the ground archived over the twin's truth (issue 12)."""

from __future__ import annotations

import numpy as np

from picodragon.dictionary import core
from picodragon.ground.archive import ArchiveError
from picodragon.mission.report import _line_figure, archived_overlays


class FakeArchive:
    """Answers ``points`` for the battery's state of charge only, like an archive after a pass."""

    def points(self, name: str):
        if name == "HOUSEKEEPING.battery_soc_pct":
            return np.array([100.0, 160.0]), np.array([90.0, 91.0])
        raise ArchiveError(f"no point {name} in the archive")


def test_archived_points_come_in_the_truths_unit_and_missing_ones_are_left_out() -> None:
    overlays = archived_overlays(FakeArchive(), core())
    assert set(overlays) == {"battery_soc"}
    t, v = overlays["battery_soc"]
    assert t.tolist() == [100.0, 160.0] and np.allclose(v, [0.90, 0.91])


def test_a_dictionary_without_housekeeping_gets_no_overlay() -> None:
    from picodragon.dictionary.definitions import Dictionary

    assert archived_overlays(FakeArchive(), Dictionary("bare", (), (), ())) == {}


def test_the_figure_holds_truth_and_archived_traces_in_percent() -> None:
    history = {"unix_s": np.array([0.0, 60.0, 120.0, 180.0]),
               "battery_soc": np.array([0.90, 0.905, 0.91, 0.915])}
    archived = {"battery_soc": (np.array([100.0, 160.0]), np.array([0.90, 0.91]))}
    fig = _line_figure(history, [("battery_soc", "state of charge")], "SoC", "%", archived, scale=100.0)
    names = [trace["name"] for trace in fig.data]
    assert names == ["state of charge (truth)", "state of charge (archived)"]
    assert max(fig.data[0]["y"]) == 91.5 and list(fig.data[1]["y"]) == [90.0, 91.0]
    assert fig.data[1]["mode"] == "markers"

"""Station tracks (mission/visibility.py): the screened track is the whole grid's wherever the
spacecraft comes near the mask, and the spans it gives are the whole grid's."""

from __future__ import annotations

import numpy as np
import pytest

from picodragon.config.loader import load_scenario
from picodragon.mission.visibility import SCREEN_MARGIN_DEG, track
from picodragon.physics.twin import Twin


class _WholeGrid:
    """The twin's look angles alone: ``track`` then computes every grid point (no screen)."""

    def __init__(self, twin: Twin) -> None:
        self.look_angles = twin.look_angles


@pytest.fixture(scope="module")
def twin() -> Twin:
    twin = Twin(load_scenario(), seed=3)
    twin.orbit.extend_to(twin.start_unix + 2 * 86400.0)
    return twin


@pytest.mark.parametrize("mask_deg", [-5.0, 5.0, 30.0])
def test_screened_track_is_the_whole_grid_near_the_mask(twin, mask_deg):
    station = twin.scenario.stations[0].model_copy(update={"min_elevation_deg": mask_deg})
    spans = 0
    for k in range(7):  # 6 h chunks over the first two days, as the engine asks for them
        a = twin.start_unix + 21600.0 * k - 60.0
        screened = track(twin, station, a, a + 21720.0)
        whole = track(_WholeGrid(twin), station, a, a + 21720.0)
        near = whole.elevation_deg >= mask_deg - SCREEN_MARGIN_DEG
        for name in ("elevation_deg", "range_m", "range_rate_m_s"):
            assert np.array_equal(getattr(screened, name)[near], getattr(whole, name)[near])
        # far from the mask: below it, whatever the interpolation gives
        assert np.all(screened.elevation_deg[~near] < mask_deg)
        assert screened.visible_spans(mask_deg) == whole.visible_spans(mask_deg)
        spans += len(whole.visible_spans(mask_deg))
        for t in np.linspace(a, a + 21720.0, 97):
            if whole.at(t)[0] >= mask_deg - SCREEN_MARGIN_DEG:
                assert screened.at(t) == whole.at(t)
    assert spans > 0


def test_windows_merge_and_locate_the_next_edge():
    from picodragon.mission.engine import Windows

    w = Windows([(30.0, 40.0), (0.0, 10.0), (5.0, 20.0), (40.0, 45.0)])  # merged: [0, 20], [30, 45]
    assert w.locate(-1.0) == (False, 0.0)
    assert w.locate(0.0) == (True, 20.0)
    assert w.locate(20.0) == (False, 30.0)  # an end is the window's last instant, then outside
    assert w.locate(25.0) == (False, 30.0)
    assert w.locate(44.9) == (True, 45.0)
    assert w.locate(45.0) == (False, float("inf"))
    assert Windows([]).locate(1.0) == (False, float("inf"))

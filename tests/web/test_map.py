"""The ground-track map: the Blue Marble without its flat Southern Ocean patch, and the day/night
terminator from the almanac Sun (checked against the Sun's elevation at the places it names)."""

from __future__ import annotations

import io

import numpy as np
import pytest

from picodragon.astro.sun import sun_elevation_deg
from picodragon.web.media import flat_ocean_mask, mend_southern_ocean, world_map_jpeg
from picodragon.web.track import terminator
from tests.web.conftest import bearer
from tests.web.fixtures import T0


def _pixel(img: np.ndarray, lat: float, lon: float) -> np.ndarray:
    h, w, _ = img.shape
    return img[int((90 - lat) / 180 * h), int((lon + 180) / 360 * w)].astype(float)


def test_the_map_spans_the_globe_and_has_no_flat_band():
    from PIL import Image

    img = np.asarray(Image.open(io.BytesIO(world_map_jpeg())).convert("RGB"))
    assert img.shape[1] == 2 * img.shape[0]
    assert _pixel(img, -85, 0).mean() > 200  # Antarctica's ice at the bottom rows
    sahara = _pixel(img, 23, 10)
    assert sahara[0] > sahara[2] + 30  # sand, not sea: the image is not shifted
    assert flat_ocean_mask(img).sum() < 0.002 * img.shape[0] * img.shape[1]


def test_mending_fills_a_flat_patch_with_the_ocean_around_it():
    rng = np.random.default_rng(1)
    h, w = 180, 360
    img = np.clip(rng.normal((10, 30, 70), 4, (h, w, 3)), 0, 255).astype(np.uint8)
    img[141:160, 100:250] = (2, 5, 20)  # 51 S to 70 S: the patch
    mask = flat_ocean_mask(img)
    assert mask[143:158, 103:247].all() and not mask[:135].any()
    mended = mend_southern_ocean(img)
    assert np.abs(mended[143:158, 103:247].mean(axis=(0, 1)) - (10, 30, 70)).max() < 3
    assert (mended[:100] == img[:100]).all()


@pytest.mark.parametrize("t", [T0, T0 + 86400 * 120, 1_363_824_000.0])  # November, March, an equinox
def test_terminator_is_where_the_sun_sets(t):
    d = terminator(t)
    sub = d["subsolar"]
    assert sun_elevation_deg(t, sub["latitude_deg"], sub["longitude_deg"])[0] == pytest.approx(90, abs=0.1)
    line = d["line"]
    elevations = [sun_elevation_deg(t, la, lo)[0] for lo, la in zip(line["longitude_deg"], line["latitude_deg"],
                                                                    strict=True)]
    assert max(abs(e) for e in elevations) < 0.3  # geocentric vs geodetic latitude, parallax
    pole = d["night"]["latitude_deg"][-2]
    assert sun_elevation_deg(t, pole, 0.0)[0] < 0


def test_track_api_gives_daylight(sqlite_client):
    t = sqlite_client.get("/api/track", headers=bearer(sqlite_client, "victor")).json()
    assert len(t["daylight"]["line"]["longitude_deg"]) == 181
    assert t["daylight"]["night"]["latitude_deg"][-2] == 90.0  # November: the north pole is in the dark

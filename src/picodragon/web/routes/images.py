"""The images API: received image files with chunk maps, capture times and footprints, their
bytes as received so far, and a PNG preview of what decodes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import Response

from picodragon.web.auth import Session
from picodragon.web.media import ImageRefused, camera_limit, image_json, is_image, preview_png
from picodragon.web.routes.common import MC, viewer
from picodragon.web.routes.common import file_id as _file_id

router = APIRouter(tags=["images"])


@router.get("/api/images")
def api_images(mc: MC, session: Session = viewer) -> list[dict[str, Any]]:
    """Received image files (complete or partial) with their chunk maps, times and footprints."""
    out = []
    for f in mc.queries.files():
        entry = mc.queries.file_entry(int(f["file_id"]))
        if (entry is not None and entry.get("kind") == 1) or (entry is None and is_image(f["name"])):
            out.append(image_json(mc, f, entry))
    return out


@router.get("/api/images/{file_id}")
def api_image(file_id: str, mc: MC, session: Session = viewer) -> dict[str, Any]:
    fid = _file_id(file_id)
    info = mc.queries.file_info(fid)
    if info is None:
        raise HTTPException(404, f"no file {file_id}")
    return image_json(mc, info, mc.queries.file_entry(fid))


@router.get("/images/{file_id}.jpg", response_class=Response)
def image_bytes(file_id: str, mc: MC, session: Session = viewer) -> Response:
    """The image as received so far (missing chunks zero-filled)."""
    got = mc.queries.file_bytes(_file_id(file_id))
    if got is None:
        raise HTTPException(404, f"no file {file_id}")
    return Response(got[0], media_type="image/jpeg")


@router.get("/images/{file_id}/preview.png", response_class=Response)
def image_preview(file_id: str, mc: MC, session: Session = viewer) -> Response:
    """A PNG of what decodes of the image (for a partial one: up to its first missing chunk)."""
    got = mc.queries.file_bytes(_file_id(file_id))
    if got is None:
        raise HTTPException(404, f"no file {file_id}")
    data, info = got
    if info["missing_chunks"] and info["chunk_size"]:
        # a baseline JPEG decodes top-down: show the rows the first unbroken run of chunks gives
        data = data[: info["missing_chunks"][0] * info["chunk_size"]]
    try:
        png = preview_png(data, camera_limit(mc.scenario))
    except ImageRefused as exc:  # a decompression bomb, refused from its header alone
        raise HTTPException(422, str(exc)) from None
    return Response(png, media_type="image/png")



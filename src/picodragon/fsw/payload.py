"""The camera payload: capture on command or at a time, store with CRC and metadata.

A capture powers the camera (``camera`` load switch) unless IMAGING mode already keeps it on,
takes one JPEG from the HAL camera, switches it off again and stores the image in the file
store with the time, the position (HAL position source) and the attitude (HAL attitude source)
of the moment; values a source cannot give are stored as unknown. Captures are refused in
BOOT, DETUMBLE (the picture would be smeared), LOW_POWER and SAFE.
"""

from __future__ import annotations

import contextlib
import math
from collections import deque
from collections.abc import Callable
from typing import Any

from picodragon.dictionary.telecommand import Reason
from picodragon.fsw.filestore import IMAGE, FileStore
from picodragon.fsw.hal import Hal
from picodragon.fsw.modes import REFERENCE, ModeChanged, Modes
from picodragon.fsw.params import PersistentParams
from picodragon.fsw.scheduler import Component


class Payload(Component):
    """The camera and what it produces; follows the mode from the mode manager's messages."""

    name = "payload"
    component_id = 9
    commands = {"CAPTURE_IMAGE": "capture_image"}

    def __init__(self, hal: Hal, files: FileStore, *, modes: Modes = REFERENCE,
                 params: PersistentParams | None = None,
                 save_params: Callable[[], None] = lambda: None) -> None:
        super().__init__()
        self.hal = hal
        self.files = files
        self.table = modes
        self.mode = modes.boot
        self.params = params if params is not None else PersistentParams()
        self.save_params = save_params
        self.captured: deque[tuple[float, int]] = deque(maxlen=256)

    def mode_changed(self, change: ModeChanged) -> None:
        self.mode = change.new

    def capture_image(self, now: float, arguments: dict[str, float]) -> int:
        """CAPTURE_IMAGE (its time tag already met): capture, and count it when stored."""
        code = self.capture(now)
        if code == 0:
            self.params.images_captured += 1
            self.save_params()
        return code

    def capture(self, now: float) -> int:
        """Take and store one image; 0 on success, else a telecommand Reason code."""
        camera = self.hal.camera
        if camera is None:
            return int(Reason.DEVICE_ERROR)
        mode = self.mode
        if mode not in self.table.capture:
            return int(Reason.WRONG_MODE)
        switches = self.hal.switches
        if switches is not None and mode != self.table.imaging:
            with contextlib.suppress(Exception):
                switches.set_load("camera", True)
        try:
            image = camera.capture()
        except Exception:
            image = None
        finally:
            if switches is not None and mode != self.table.imaging:
                with contextlib.suppress(Exception):
                    switches.set_load("camera", False)
        if not image:
            self.emit(now, "IMAGE_FAILED", int(Reason.DEVICE_ERROR))
            return int(Reason.DEVICE_ERROR)
        lat = lon = alt = math.nan
        if self.hal.position is not None:
            with contextlib.suppress(Exception):
                fix = self.hal.position.read()
                if fix is not None:
                    lat, lon, alt = fix.latitude_deg, fix.longitude_deg, fix.altitude_m / 1000.0
        quaternion = None
        if self.hal.attitude is not None:
            with contextlib.suppress(Exception):
                quaternion = self.hal.attitude.read_quaternion()
        info = self.files.store(IMAGE, bytes(image), now, latitude_deg=lat, longitude_deg=lon,
                                altitude_km=alt, quaternion=quaternion)
        if info is None:
            self.emit(now, "STORE_FULL", 0, len(image))
            return int(Reason.STORE_FULL)
        self.captured.append((now, info.file_id))
        self.emit(now, "IMAGE_CAPTURED", info.file_id, info.size_bytes)
        return 0

    def state(self) -> dict[str, Any]:
        return super().state() | {"captured": list(self.captured)}

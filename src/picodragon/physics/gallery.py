"""Sample camera views for the docs: day over the mission's first imaging target, the
terminator, the limb.

Geometry from the deployed element set (SGP4) in the days after deployment; the attitude is set
to point the camera (nadir, tilted away from the Sun for the terminator, tilted forward for the
limb) rather than taken from the passive
attitude, which points wherever the field does. ``python -m picodragon.physics.gallery
docs/images`` writes the three JPEGs. The day view is named after the target as the mission
writes it (``day_<name>``, lower case, ``camera_day_<name>.jpg``); a mission without targets
gets ``day``, over the most sunlit point of the track.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np

from picodragon.config.models import Scenario
from picodragon.physics.camera import encode_jpeg, nadir_attitude, render
from picodragon.physics.orbit import deployed_element_set, geodetic, propagate_sgp4
from picodragon.physics.sun import sun_position
from picodragon.physics.timebase import teme_to_ecef


def _track(scenario: Scenario, days: float = 6.0, step: float = 10.0):
    es = deployed_element_set(scenario)
    t0 = scenario.deployment.ejection_time.timestamp()
    t = t0 + np.arange(0.0, days * 86400.0, step)
    r, v, _ = propagate_sgp4(es.satrec, t)
    r_e, _ = teme_to_ecef(r, v, t)
    lat, lon, _ = geodetic(r_e)
    sun = sun_position(t)
    return t, r, v, lat, lon, sun


DAY_MIN_SUN_ELEVATION_DEG = 35.0
"""the day view's lowest Sun elevation at the sub-satellite point (a well lit, not a twilit scene)"""


def day_view_name(scenario: Scenario) -> str:
    """The day view's name: ``day_`` and the first target's name in lower case with runs of
    anything but letters and digits as one ``_`` (``Mekong Delta`` -> ``day_mekong_delta``); ``day``
    for a mission without targets."""
    if not scenario.targets:
        return "day"
    slug = re.sub(r"[^a-z0-9]+", "_", scenario.targets[0].name.lower()).strip("_")
    return f"day_{slug}" if slug else "day"


def _day_index(scenario: Scenario, lat: np.ndarray, lon: np.ndarray, cos_z: np.ndarray) -> int:
    """The track sample of the day view: nearest (in degrees of latitude and longitude) to the
    first target's centre with the Sun at least DAY_MIN_SUN_ELEVATION_DEG high, else (no target)
    the sample with the Sun highest."""
    if not scenario.targets:
        return int(np.argmax(cos_z))
    target = scenario.targets[0]
    dlon = (lon - target.longitude_deg + 180.0) % 360.0 - 180.0
    dark = cos_z < np.sin(np.radians(DAY_MIN_SUN_ELEVATION_DEG))
    return int(np.argmin(np.hypot(lat - target.latitude_deg, dlon) + 1e3 * dark))


def sample_geometries(scenario: Scenario) -> dict[str, tuple[float, np.ndarray, np.ndarray, np.ndarray]]:
    """name -> (unix_s, r_teme, body_to_teme, sun_teme) for the day view (``day_view_name``),
    'terminator' and 'limb'."""
    cam = scenario.spacecraft.camera
    t, r, v, lat, lon, sun = _track(scenario)
    up = r / np.linalg.norm(r, axis=1)[:, None]
    cos_z = np.einsum("ij,ij->i", up, sun / np.linalg.norm(sun, axis=1)[:, None])
    # day over the first target: nearest its centre with the Sun well up
    i = _day_index(scenario, lat, lon, cos_z)
    out = {day_view_name(scenario): (t[i], r[i], nadir_attitude(r[i], v[i], cam), sun[i])}
    # terminator: the Sun 4 deg above the sub-satellite horizon, camera tilted 50 deg from nadir
    # towards the night side (away from the Sun): lit ground below, the terminator across, night
    # and the horizon above
    # and, of the sunsets in the first days, the one with the most (bright) land on the lit side
    s4 = np.sin(np.radians(4.0))
    best, best_score = None, -1.0
    for k in np.nonzero((cos_z[:-1] > s4) & (cos_z[1:] <= s4))[0][:40]:
        geom = (t[k], r[k], nadir_attitude(r[k], -sun[k], cam, tilt_deg=50.0), sun[k])
        score = float(render(*geom, cam)[cam.height_px // 2 :].mean())
        if score > best_score:
            best, best_score = geom, score
    out["terminator"] = best
    # limb: over the day side, camera tilted 65 deg forward so the horizon crosses the frame
    j = int(np.argmax(cos_z[: len(t) // 2]))
    out["limb"] = (t[j], r[j], nadir_attitude(r[j], v[j], cam, tilt_deg=65.0), sun[j])
    return out


def write_samples(scenario: Scenario, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    cam = scenario.spacecraft.camera
    paths = []
    for name, (t, r, rot, sun) in sample_geometries(scenario).items():
        path = folder / f"camera_{name}.jpg"
        path.write_bytes(encode_jpeg(render(t, r, rot, sun, cam), 90))
        paths.append(path)
    return paths


if __name__ == "__main__":
    from picodragon.config import load_scenario

    for p in write_samples(load_scenario(), Path(sys.argv[1] if len(sys.argv) > 1 else "docs/images")):
        print(p)

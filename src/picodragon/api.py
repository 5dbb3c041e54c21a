"""picodragon's public face: the few names a user scripts with.

    from picodragon.api import load_mission, run_mission, RunOptions
    mission = load_mission("missions/mycubesat")          # a folder, a file or a packaged name
    result = run_mission(mission, RunOptions(days=1.0, db="run.sqlite", report=None))

Everything here is re-exported from the module that owns it; the deep paths keep working, but
scripts, notebooks, the benchmarks and the docs' examples use these names, so the package can
move its insides without breaking them (as skyfield.api does). Each name is imported when first
used: ``import picodragon.api`` alone costs nothing.
"""

from __future__ import annotations

import importlib
from typing import Any

_NAMES: dict[str, str] = {
    # a mission: its scenario and its dictionary, from the files a team writes
    "Mission": "picodragon.config.mission",
    "load_mission": "picodragon.config.mission",
    "Scenario": "picodragon.config",
    "Station": "picodragon.config",
    "load_scenario": "picodragon.config",
    "parse_station": "picodragon.config",
    "Dictionary": "picodragon.dictionary",
    "load_dictionary": "picodragon.dictionary",
    "load_xtce": "picodragon.dictionary.xtce_import",
    "to_xtce": "picodragon.dictionary.xtce",
    "ElementSet": "picodragon.elements",
    # run it
    "RunOptions": "picodragon.mission.runner",
    "RunResult": "picodragon.mission.runner",
    "run_mission": "picodragon.mission.runner",
    "predict_lifetime": "picodragon.physics.decay",
    # predict passes
    "Pass": "picodragon.ground.passes",
    "find_passes": "picodragon.ground.passes",
    "find_passes_many": "picodragon.ground.passes",
    # open an archive
    "open_archive": "picodragon.ground.archive",
    # the modem
    "modulate_file": "picodragon.link.modem_files",
    "demodulate_file": "picodragon.link.modem_files",
    # time: one formatter and parser of ISO 8601 UTC
    "iso_z": "picodragon.astro.isotime",
    "parse_utc": "picodragon.astro.isotime",
}

__all__ = sorted(_NAMES)


def __getattr__(name: str) -> Any:
    module = _NAMES.get(name)
    if module is None:
        raise AttributeError(f"picodragon.api has no {name!r} (it offers: {', '.join(__all__)})")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__

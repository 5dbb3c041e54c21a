"""Loading missions and their scenarios from folders, packaged names or files, with one-line errors.

A mission is a folder a team writes: ``mission.toml`` (the scenario: spacecraft, orbit source,
radio, stations) beside its dictionary file, and any variant scenarios (``network.toml`` with
``extends = "mission.toml"``). The packaged example missions live in ``picodragon/missions/``.

``load_scenario(None)`` gives the reference mission; a bare name is a packaged scenario (the
``name`` a file in a packaged mission folder declares); a folder is a mission (its
``mission.toml``); anything with a path separator or a ``.toml`` suffix is a file. Every failure
raises ConfigError whose message is one line naming the file and every field at fault.
"""

from __future__ import annotations

import functools
import tomllib
from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from picodragon.config.models import Scenario, Station
from picodragon.elements import ElementSet, ElementSetError

MISSION_FILE = "mission.toml"


class ConfigError(ValueError):
    """A configuration that cannot be used; the message is one line for the user."""


def packaged_missions_folder() -> Path:
    return Path(str(resources.files("picodragon") / "missions"))


@functools.cache
def _packaged_index() -> dict[str, Path]:
    """Scenario name -> file, over every packaged mission folder (dictionary files skipped)."""
    index: dict[str, Path] = {}
    for folder in sorted(packaged_missions_folder().iterdir()):
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.toml")):
            if path.name.startswith("dictionary"):
                continue
            with path.open("rb") as f:
                name = tomllib.load(f).get("name")
            if isinstance(name, str):
                index[name] = path
    return index


def list_scenarios() -> list[str]:
    return sorted(_packaged_index())


@functools.cache
def default_scenario() -> str:
    """The name of the packaged mission used when none is given: the one whose ``mission.toml``
    says ``default = true`` (exactly one must)."""
    defaults = []
    for folder in sorted(packaged_missions_folder().iterdir()):
        path = folder / MISSION_FILE
        if path.is_file():
            with path.open("rb") as f:
                data = tomllib.load(f)
            if data.get("default") is True and isinstance(data.get("name"), str):
                defaults.append(data["name"])
    if len(defaults) != 1:
        raise ConfigError(f"the packaged missions name {len(defaults)} defaults (exactly one "
                          "mission.toml must say default = true)")
    return defaults[0]


def mission_file(folder: str | Path) -> Path:
    """The scenario file of a mission folder; ConfigError when it is not one."""
    path = Path(folder)
    if not path.is_dir():
        raise ConfigError(f"mission folder not found: {path}")
    target = path / MISSION_FILE
    if not target.is_file():
        raise ConfigError(f"{path} is not a mission folder: it has no {MISSION_FILE} "
                          "(`picodragon new NAME` writes one)")
    return target


def _read_text(ref: str | Path) -> tuple[str, str]:
    ref_str = str(ref)
    if Path(ref_str).is_dir():
        ref_str = str(mission_file(ref_str))
    if isinstance(ref, Path) or "/" in ref_str or ref_str.endswith(".toml"):
        path = Path(ref_str)
        if not path.is_file():
            raise ConfigError(f"scenario file not found: {path}")
        try:
            return str(path), path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read scenario file {path}: {exc}") from None
    packaged = _packaged_index().get(ref_str)
    if packaged is None:
        known = ", ".join(list_scenarios())
        raise ConfigError(f"no scenario named '{ref_str}' (packaged: {known}; or give a .toml file "
                          "or a mission folder)")
    return str(packaged), packaged.read_text(encoding="utf-8")


def _first_error(exc: ValidationError) -> str:
    """Every problem pydantic found, in one line: the first in full, the others after it."""
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        parts.append(f"{where}: {err['msg'].removeprefix('Value error, ')}")
    if len(parts) == 1:
        return parts[0]
    return f"{parts[0]} (and {len(parts) - 1} more: {'; '.join(parts[1:])})"


def scenario_from_dict(data: dict, origin: str = "<dict>") -> Scenario:
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"scenario {origin}: {_first_error(exc)}") from None
    try:
        ElementSet.from_lines(*scenario.deployment.carrier_tle)
    except ElementSetError as exc:
        raise ConfigError(f"scenario {origin}: deployment.carrier_tle: {exc}") from None
    return scenario


def _merge(base: dict, override: dict) -> dict:
    """Tables merge key by key; everything else (values, lists) in ``override`` replaces."""
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _load_dict(ref: str | Path, seen: tuple[str, ...] = ()) -> tuple[str, dict]:
    origin, text = _read_text(ref)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"scenario {origin}: not valid TOML: {exc}") from None
    dictionary = data.get("dictionary")
    if isinstance(dictionary, str) and origin.endswith(".toml") and Path(origin).is_file():
        # relative to the file that names it, whichever file later extends this one
        data["dictionary"] = str((Path(origin).parent / dictionary).resolve())
    orbit = data.get("orbit")
    if isinstance(orbit, dict) and origin.endswith(".toml") and Path(origin).is_file():
        for key in ("tle_file", "omm_file"):  # element set files too, relative to their file
            if isinstance(orbit.get(key), str):
                orbit[key] = str((Path(origin).parent / orbit[key]).resolve())
    orbit = data.get("orbit")
    if isinstance(orbit, dict) and Path(origin).is_file():
        for key in ("tle_file", "omm_file"):
            if isinstance(orbit.get(key), str) and not Path(orbit[key]).is_absolute():
                orbit[key] = str((Path(origin).parent / orbit[key]).resolve())
    software = data.get("flight_software")
    if isinstance(software, dict) and isinstance(software.get("extra_components"), list) \
            and Path(origin).is_file():
        software["extra_components"] = [_beside(origin, ref) for ref in software["extra_components"]]
    parent = data.pop("extends", None)
    if parent is None:
        return origin, data
    if not isinstance(parent, str):
        raise ConfigError(f"scenario {origin}: extends: give the name or file of a scenario")
    here = Path(origin).parent if Path(origin).is_file() else None
    if here is not None and parent.endswith(".toml") and not Path(parent).is_absolute():
        parent = str(here / parent)  # a file named relative to the one extending it
    elif here is not None and "/" not in parent:
        sibling = here / f"{parent}.toml"
        parent = str(sibling) if sibling.is_file() else parent
    if parent in seen or parent == origin:
        raise ConfigError(f"scenario {origin}: extends: a loop through '{parent}'")
    _, base = _load_dict(parent, (*seen, origin))
    return origin, _merge(base, data)


def _beside(origin: str, ref: object) -> object:
    """A component reference 'FILE.py:Class' made absolute, relative to the file naming it."""
    if not isinstance(ref, str) or ":" not in ref:
        return ref
    file, _, cls = ref.rpartition(":")
    if not file.endswith(".py") or Path(file).is_absolute():
        return ref
    return f"{(Path(origin).parent / file).resolve()}:{cls}"


def load_scenario(ref: str | Path | None = None) -> Scenario:
    """A scenario by packaged name or file; ``extends = "other"`` in a file starts from another."""
    origin, data = _load_dict(ref or default_scenario())
    return scenario_from_dict(data, origin)


def parse_station(text: str, scenario: Scenario | None = None) -> Station:
    """A station by name from the scenario, or from 'LAT,LON[,ALT_M]'."""
    if scenario is not None:
        for station in scenario.stations:
            if station.name.lower() == text.lower():
                return station
    parts = [p.strip() for p in text.split(",")]
    if len(parts) in (2, 3):
        try:
            numbers = [float(p) for p in parts]
        except ValueError:
            numbers = None
        if numbers is not None:
            fields = {"name": text, "latitude_deg": numbers[0], "longitude_deg": numbers[1]}
            if len(numbers) == 3:
                fields["altitude_m"] = numbers[2]
            try:
                return Station.model_validate(fields)
            except ValidationError as exc:
                raise ConfigError(f"station '{text}': {_first_error(exc)}") from None
    names = ", ".join(s.name for s in scenario.stations) if scenario else ""
    raise ConfigError(f"unknown station '{text}' (give LAT,LON[,ALT_M] or one of: {names})")

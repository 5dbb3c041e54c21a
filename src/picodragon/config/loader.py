"""Loading scenarios from packaged names or files, with one-line errors.

``load_scenario(None)`` gives the reference mission; a bare name looks in the packaged
``scenarios/`` folder; anything with a path separator or a ``.toml`` suffix is a file. Every
failure raises ConfigError whose message is one line naming the file and the field.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from picodragon.config.models import Scenario, Station
from picodragon.elements import ElementSet, ElementSetError

DEFAULT_SCENARIO = "picodragon-2013"


class ConfigError(ValueError):
    """A configuration that cannot be used; the message is one line for the user."""


def list_scenarios() -> list[str]:
    folder = resources.files("picodragon.config") / "scenarios"
    return sorted(p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml"))


def _read_text(ref: str | Path) -> tuple[str, str]:
    ref_str = str(ref)
    if isinstance(ref, Path) or "/" in ref_str or ref_str.endswith(".toml"):
        path = Path(ref_str)
        if not path.is_file():
            raise ConfigError(f"scenario file not found: {path}")
        try:
            return str(path), path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read scenario file {path}: {exc}") from None
    packaged = resources.files("picodragon.config") / "scenarios" / f"{ref_str}.toml"
    if not packaged.is_file():
        known = ", ".join(list_scenarios())
        raise ConfigError(f"no scenario named '{ref_str}' (packaged: {known}; or give a .toml file)")
    return ref_str, packaged.read_text(encoding="utf-8")


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "(top level)"
    message = err["msg"].removeprefix("Value error, ")
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{where}: {message}{more}"


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
    parent = data.pop("extends", None)
    if parent is None:
        return origin, data
    if not isinstance(parent, str):
        raise ConfigError(f"scenario {origin}: extends: give the name or file of a scenario")
    if parent in seen or parent == origin:
        raise ConfigError(f"scenario {origin}: extends: a loop through '{parent}'")
    if "/" not in parent and not parent.endswith(".toml") and "/" in origin:
        sibling = Path(origin).parent / f"{parent}.toml"
        parent = str(sibling) if sibling.is_file() else parent
    _, base = _load_dict(parent, (*seen, origin))
    return origin, _merge(base, data)


def load_scenario(ref: str | Path | None = None) -> Scenario:
    """A scenario by packaged name or file; ``extends = "other"`` in a file starts from another."""
    origin, data = _load_dict(ref or DEFAULT_SCENARIO)
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

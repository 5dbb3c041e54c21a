"""A mission as the rooms receive it: its scenario and its dictionary, loaded from its files.

``load_mission`` takes what every verb's ``--mission``/``--scenario`` takes (a mission folder, a
scenario file, a packaged scenario name, or nothing for the reference mission) and returns the
validated scenario with the dictionary it names (TOML/YAML, or XTCE for a file ending ``.xml``;
the core dictionary when it names none). Both failures are ConfigError: one line, file and item.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from picodragon.astro.isotime import iso_z
from picodragon.config.loader import ConfigError, load_scenario
from picodragon.config.models import Scenario
from picodragon.dictionary.definitions import Dictionary, DictionaryError


@dataclass(frozen=True)
class Mission:
    """A scenario and the dictionary its spacecraft speaks."""

    scenario: Scenario
    dictionary: Dictionary

    @property
    def name(self) -> str:
        return self.scenario.name


def load_mission_dictionary(scenario: Scenario) -> Dictionary:
    """The dictionary a scenario names, or the core dictionary."""
    from picodragon.dictionary.loader import load_dictionary

    try:
        if scenario.dictionary is None:
            return load_dictionary()
        path = Path(scenario.dictionary)
        if path.suffix.lower() == ".xml":
            from picodragon.dictionary.xtce_import import load_xtce

            return load_xtce(path)
        return load_dictionary(path)
    except DictionaryError as exc:
        raise ConfigError(str(exc)) from None


def load_mission(ref: str | Path | None = None) -> Mission:
    """The mission of a folder, scenario file or packaged name (the reference one by default)."""
    scenario = load_scenario(ref)
    return Mission(scenario, load_mission_dictionary(scenario))


def as_mission(scenario: Scenario | Mission, dictionary: Dictionary | None = None) -> Mission:
    """A Mission from what the mission room's callers hand it: a Mission as it is, or a scenario
    with the dictionary given (else the one the scenario names, else the core)."""
    if isinstance(scenario, Mission):
        return scenario if dictionary is None else Mission(scenario.scenario, dictionary)
    return Mission(scenario, dictionary if dictionary is not None else load_mission_dictionary(scenario))


def load_component(ref: str) -> type:
    """A mission's own flight software component from its reference: ``/abs/FILE.py:ClassName``
    (the loader made a mission's relative file absolute) or ``package.module:ClassName``.

    The file is the mission team's own code, run as they wrote it; a missing file, a module that
    fails to import or a missing class is a ConfigError naming the reference.
    """
    import importlib
    import importlib.util
    import sys
    import zlib

    location, _, name = ref.rpartition(":")
    try:
        if location.endswith(".py"):
            path = Path(location)
            if not path.is_file():
                raise ConfigError(f"flight_software.extra_components: file not found: {path}")
            module_name = f"picodragon_mission_{zlib.crc32(str(path).encode()):08x}_{path.stem}"
            module = sys.modules.get(module_name)
            if module is None:
                spec = importlib.util.spec_from_file_location(module_name, path)
                if spec is None or spec.loader is None:
                    raise ConfigError(f"flight_software.extra_components: cannot load {path}")
                module = importlib.util.module_from_spec(spec)
                sys.modules[module_name] = module
                try:
                    spec.loader.exec_module(module)
                except BaseException:
                    del sys.modules[module_name]
                    raise
        else:
            module = importlib.import_module(location)
    except ConfigError:
        raise
    except Exception as exc:  # the team's module failed to import: say where, in one line
        raise ConfigError(f"flight_software.extra_components: {ref}: "
                          f"{type(exc).__name__}: {exc}".splitlines()[0]) from None
    component = getattr(module, name, None)
    if component is None:
        raise ConfigError(f"flight_software.extra_components: {location} has no {name}")
    return component


def flight_software_parts(scenario: Scenario) -> dict:
    """The keyword arguments of ``FlightSoftware`` the scenario's ``[flight_software]`` selects:
    ``components`` (None: all the reference ones) and ``extra_components`` (the classes)."""
    section = scenario.flight_software
    return {"components": section.components,
            "extra_components": [load_component(ref) for ref in section.extra_components]}


def describe_mission(mission: Mission) -> dict:
    """What a mission defines, as plain data (``picodragon check``): its spacecraft, orbit source,
    stations, dictionary (with the items it adds to the core) and flight software components.

    Loading the mission's own components is part of the check (a missing file or class is a
    ConfigError), as is every component's command being declared in the dictionary.
    """
    from picodragon.dictionary.loader import core

    scenario, dictionary = mission.scenario, mission.dictionary
    parts = flight_software_parts(scenario)
    for component in parts["extra_components"]:
        unknown = [c for c in getattr(component, "commands", {}) if dictionary.command(c) is None]
        if unknown:
            raise ConfigError(f"flight_software.extra_components: {component.__name__} handles "
                              f"{', '.join(unknown)}, which dictionary {dictionary.name} does not declare")
    base = core()
    core_names = ({p.name for p in base.telemetry} | {c.name for c in base.commands}
                  | {e.name for e in base.events})
    own = [item.name for item in (*dictionary.telemetry, *dictionary.commands, *dictionary.events)
           if item.name not in core_names]
    orbit = getattr(scenario, "orbit", None)
    if orbit is not None:
        source = {"source": "element set", "file": orbit.tle_file or orbit.omm_file,
                  "start": iso_z(scenario.start)}
    else:
        source = {"source": "deployment", "file": None, "start": iso_z(scenario.start)}
    radio = scenario.spacecraft.radio
    return {
        "name": scenario.name,
        "description": scenario.description,
        "spacecraft": {"name": scenario.spacecraft.name, "callsign": radio.callsign,
                       "ground_callsign": radio.ground_callsign, "norad_id": scenario.spacecraft.norad_id,
                       "size_m": list(scenario.spacecraft.size_m), "mass_kg": scenario.spacecraft.mass_kg,
                       "bit_rate": radio.bit_rate, "downlink_frequency_hz": radio.downlink_frequency_hz},
        "orbit": source,
        "stations": [{"name": s.name, "latitude_deg": s.latitude_deg, "longitude_deg": s.longitude_deg,
                      "altitude_m": s.altitude_m} for s in scenario.stations],
        "targets": [t.name for t in getattr(scenario, "targets", [])],
        "dictionary": {
            "name": dictionary.name,
            "packets": [{"name": p.name, "apid": p.apid, "fields": [f.name for f in p.fields]}
                        for p in dictionary.telemetry],
            "commands": [{"name": c.name, "opcode": c.opcode} for c in dictionary.commands],
            "events": [{"name": e.name, "id": e.event_id} for e in dictionary.events],
            "own": own,
        },
        "flight_software": {"components": scenario.flight_software.components,
                            "extra_components": list(scenario.flight_software.extra_components)},
    }

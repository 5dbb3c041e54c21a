"""A mission as the rooms receive it: its scenario and its dictionary, loaded from its files.

``load_mission`` takes what every verb's ``--mission``/``--scenario`` takes (a mission folder, a
scenario file, a packaged scenario name, or nothing for the reference mission) and returns the
validated scenario with the dictionary it names (TOML/YAML, or XTCE for a file ending ``.xml``;
the core dictionary when it names none). Both failures are ConfigError: one line, file and item.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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

"""Configuration: validated models and the packaged scenarios."""

from picodragon.config.loader import ConfigError, list_scenarios, load_scenario, parse_station
from picodragon.config.models import (
    Camera,
    Deployment,
    Power,
    Radio,
    Scenario,
    Spacecraft,
    Station,
)

__all__ = [
    "Camera",
    "ConfigError",
    "Deployment",
    "Power",
    "Radio",
    "Scenario",
    "Spacecraft",
    "Station",
    "list_scenarios",
    "load_scenario",
    "parse_station",
]

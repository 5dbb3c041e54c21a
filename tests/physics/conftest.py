"""Shared fixtures for the physics tests."""

from __future__ import annotations

import pytest

from picodragon.config import load_scenario


@pytest.fixture(scope="session")
def scenario():
    return load_scenario()

"""The public face: every name it offers resolves to the object its owner defines."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import picodragon.api as api


@pytest.mark.parametrize("name", api.__all__)
def test_every_public_name_resolves_to_its_owner(name: str) -> None:
    owner = importlib.import_module(api._NAMES[name])
    assert getattr(api, name) is getattr(owner, name)


def test_an_unknown_name_says_what_is_offered() -> None:
    with pytest.raises(AttributeError, match="it offers: "):
        api.nonexistent  # noqa: B018


def test_importing_the_face_loads_nothing_heavy() -> None:
    code = ("import sys, picodragon.api; "
            "print(sorted(m for m in sys.modules if m.startswith('picodragon.') and m != 'picodragon.api'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"

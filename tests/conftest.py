"""Shared test helpers: peers (outside programs) are required in CI, skipped elsewhere."""

from __future__ import annotations

import os
import shutil
import socket

import pytest

REQUIRE_PEERS = os.environ.get("PICODRAGON_REQUIRE_PEERS") == "1"


def require_program(name: str) -> str:
    """The path of an outside program; skip the test if absent (fail under PICODRAGON_REQUIRE_PEERS=1)."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (apt-get install it, or run `make test` as root)"
        if REQUIRE_PEERS:
            pytest.fail(message + " and PICODRAGON_REQUIRE_PEERS=1")
        pytest.skip(message)
    return path


def require_service(reason: str) -> None:
    """Skip (or fail under PICODRAGON_REQUIRE_PEERS=1) when a needed service is unreachable."""
    if REQUIRE_PEERS:
        pytest.fail(reason + " and PICODRAGON_REQUIRE_PEERS=1")
    pytest.skip(reason)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

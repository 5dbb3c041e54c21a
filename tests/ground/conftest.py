"""Fixtures of the ground tests: an archive on each backend, frames built with the link room."""

from __future__ import annotations

import os
import uuid

import pytest

from picodragon.ground.archive import ArchiveError, open_archive
from tests.conftest import require_service

PG_URL = os.environ.get("PICODRAGON_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def pg_url_with_fresh_schema() -> str:
    """The test database URL with a schema of its own for this test (dropped afterwards)."""
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}schema=pd_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"


def open_pg():
    url = pg_url_with_fresh_schema()
    try:
        return open_archive(url), url
    except ArchiveError as exc:
        require_service(f"PostgreSQL not reachable at {PG_URL} ({exc})")


@pytest.fixture(params=["sqlite", "postgresql"])
def archive_url(request, tmp_path):
    """An archive location on each backend; the PostgreSQL schema is dropped at the end."""
    if request.param == "sqlite":
        yield str(tmp_path / "archive.sqlite")
        return
    archive, url = open_pg()
    archive.close()
    yield url
    cleanup = open_archive(url)
    cleanup.drop_schema()
    cleanup.close()


@pytest.fixture
def archive(archive_url):
    a = open_archive(archive_url)
    yield a
    a.close()

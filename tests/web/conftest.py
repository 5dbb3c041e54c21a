"""Fixtures for the web tests: populated archives on SQLite and PostgreSQL, clients per role."""

from __future__ import annotations

import warnings

import pytest

from tests.web.fixtures import KEY, populate, postgres_url

USERS = {"olga": ("operator", "olga-operator-1"), "victor": ("viewer", "victor-viewer-1"),
         "ada": ("admin", "ada-admin-pass-1")}

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


#: scrypt's N for the users the web tests create: the real N=2**17 costs 128 MiB and about
#: 0.3 s a hash, and these tests create and log in users hundreds of times. The hashes still go
#: through the same code; test_auth_hardening.py checks the real parameters and their upgrade.
TEST_SCRYPT_N = 2**10


@pytest.fixture(autouse=True, scope="session")
def cheap_password_hashes():
    """Lower scrypt's cost for the whole web test session (a test-only setting)."""
    from picodragon.web import auth

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(auth, "SCRYPT_N", TEST_SCRYPT_N)
        yield


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """An empty archive database on each backend."""
    if request.param == "sqlite":
        yield str(tmp_path / "archive.sqlite")
    else:
        with postgres_url() as url:
            yield url


@pytest.fixture
def sqlite_url(tmp_path):
    return str(tmp_path / "archive.sqlite")


def make_client(db: str, populated: bool = True, key: bytes | None = KEY) -> TestClient:
    from picodragon.web.app import create_app
    from picodragon.web.auth import create_user

    if populated:
        populate(db)
    for name, (role, password) in USERS.items():
        create_user(db, name, password, role)
    return TestClient(create_app(db, key=key))


def bearer(client: TestClient, name: str) -> dict[str, str]:
    r = client.post("/api/login", json={"name": name, "password": USERS[name][1]})
    assert r.status_code == 200, r.text
    return {"Authorization": "Bearer " + r.json()["token"]}


@pytest.fixture
def client(db_url):
    with make_client(db_url) as c:
        yield c


@pytest.fixture
def sqlite_client(sqlite_url):
    with make_client(sqlite_url) as c:
        yield c

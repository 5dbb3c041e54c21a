"""Mission control's access hardening (issue 11): login throttle (finding 8), request body limit
(finding 9), scrypt parameters and Secure cookies (finding 15)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
import tracemalloc

import httpx
import pytest

from tests.web.conftest import USERS, TestClient, make_client


# -- finding 8: nobody locks another user out -----------------------------------------------------
def test_an_attackers_failures_do_not_lock_the_victim_out(sqlite_url):
    """1,000 failed logins against olga's name from one address; olga logs in from hers."""
    with make_client(sqlite_url) as attacker:
        app = attacker.app
        statuses = set()
        for _ in range(1000):
            r = attacker.post("/api/login", json={"name": "olga", "password": "guess-guess"})
            statuses.add(r.status_code)
        assert statuses == {401, 429}
        victim = TestClient(app, client=("192.0.2.77", 40000))
        r = victim.post("/api/login", json={"name": "olga", "password": USERS["olga"][1]})
        assert r.status_code == 200, r.text
        # the attacker's address stays blocked, even with the right password
        r = attacker.post("/api/login", json={"name": "olga", "password": USERS["olga"][1]})
        assert r.status_code == 429


def test_the_form_login_is_throttled_per_address_too(sqlite_url):
    with make_client(sqlite_url) as attacker:
        for _ in range(8):
            token = attacker.get("/login").cookies.get("pd_login_csrf") or attacker.cookies.get("pd_login_csrf")
            attacker.post("/login", data={"name": "olga", "password": "guess-guess", "csrf_token": token},
                          follow_redirects=False)
        victim = TestClient(attacker.app, client=("192.0.2.78", 40000))
        victim.get("/login")
        token = victim.cookies.get("pd_login_csrf")
        r = victim.post("/login", data={"name": "olga", "password": USERS["olga"][1], "csrf_token": token},
                        follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/", r.headers
        assert victim.cookies.get("pd_session")


def test_twenty_thousand_invented_names_do_not_reset_a_real_throttle():
    from picodragon.web.auth import LoginThrottle

    t = LoginThrottle(attempts=5, window_s=300.0)
    for i in range(5):
        t.failed("203.0.113.9", "olga", now=float(i))
    assert t.blocked("203.0.113.9", "olga", now=10.0)
    for i in range(20_000):  # a flood from many addresses, one invented name each
        t.failed(f"198.51.{i // 256}.{i % 256}", f"user{i}", now=10.0 + i * 1e-3)
    assert t.blocked("203.0.113.9", "olga", now=40.0)
    pairs, addresses = t.sizes()
    assert pairs <= 10_000 and addresses <= 10_000  # memory stays bounded


def test_one_address_spraying_names_is_blocked_by_address():
    from picodragon.web.auth import LoginThrottle

    t = LoginThrottle(attempts=5, window_s=300.0, address_attempts=30)
    for i in range(30):
        t.failed("203.0.113.9", f"user{i}", now=float(i))
    assert t.blocked("203.0.113.9", "someone-else", now=31.0)
    assert not t.blocked("203.0.113.10", "someone-else", now=31.0)
    assert not t.blocked("203.0.113.9", "someone-else", now=400.0)


# -- finding 9: request bodies are bounded ---------------------------------------------------------
async def _post_streamed(app, path: str, chunks: int, chunk: bytes, headers: dict[str, str]) -> httpx.Response:
    async def body():
        for _ in range(chunks):
            yield chunk

    transport = httpx.ASGITransport(app=app, client=("192.0.2.5", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        return await client.post(path, content=body(), headers=headers)


@pytest.mark.parametrize(("path", "content_type"), [
    ("/api/login", "application/json"), ("/login", "application/x-www-form-urlencoded"),
    ("/login", "multipart/form-data; boundary=xyz"), ("/api/commands", "application/json")])
def test_a_huge_chunked_body_is_refused_with_413_in_bounded_memory(sqlite_url, path, content_type):
    """32 MiB without Content-Length (chunked): 413, and the server never holds it."""
    with make_client(sqlite_url) as client:
        app = client.app
    chunk = b"x" * 2**20
    tracemalloc.start()
    try:
        r = asyncio.run(_post_streamed(app, path, 32, chunk, {"content-type": content_type}))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert r.status_code == 413, r.text
    assert peak < 8 * 2**20, peak


def test_a_declared_huge_body_is_refused_before_it_is_read(sqlite_client):
    r = sqlite_client.post("/api/login", content=b"{}", headers={"content-length": str(300 * 2**20),
                                                                 "content-type": "application/json"})
    assert r.status_code == 413
    assert "bytes" in r.json()["detail"]


def test_bodies_within_the_limit_still_work(sqlite_client):
    r = sqlite_client.post("/api/login", json={"name": "olga", "password": USERS["olga"][1]})
    assert r.status_code == 200


# -- finding 15: scrypt at OWASP's parameters, old hashes upgraded; Secure cookies ------------------
def _old_hash(password: str) -> str:
    """A hash as 825d84b stored it: scrypt N=2**14, r=8, p=1."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return f"scrypt${2**14}$8$1${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def test_new_hashes_use_n_2_17_and_an_old_2_14_hash_verifies_and_is_upgraded(sqlite_url, monkeypatch):
    from picodragon.web import auth
    from picodragon.web.db import Database

    monkeypatch.setattr(auth, "SCRYPT_N", 2**17)  # the real parameters, not the tests' cheap ones
    fresh = auth.hash_password("correct horse battery")
    assert fresh.split("$")[1:4] == [str(2**17), "8", "1"]
    assert auth.verify_password("correct horse battery", fresh)

    db = Database(sqlite_url)
    try:
        auth.ensure_schema(db)
        old = _old_hash("olga-operator-1")
        db.execute("INSERT INTO web_users (name, password_hash, role, created_unix_s, disabled) "
                   "VALUES ('olga', ?, 'operator', 0, 0)", (old,))
        assert auth.authenticate(db, "olga", "wrong-password") is None
        assert db.one("SELECT password_hash FROM web_users WHERE name = 'olga'")[0] == old
        assert auth.authenticate(db, "olga", "olga-operator-1") is not None
        upgraded = db.one("SELECT password_hash FROM web_users WHERE name = 'olga'")[0]
        assert upgraded != old and upgraded.split("$")[1:4] == [str(2**17), "8", "1"]
        assert auth.authenticate(db, "olga", "olga-operator-1") is not None
    finally:
        db.close()


@pytest.mark.parametrize("stored", [
    "scrypt$1073741824$8$1$AAAA$" + base64.b64encode(bytes(32)).decode(),  # N=2**30: 128 GiB
    "scrypt$16384$1000$1$AAAA$" + base64.b64encode(bytes(32)).decode(),
    "scrypt$16385$8$1$AAAA$" + base64.b64encode(bytes(32)).decode(),
    "scrypt$²$8$1$AAAA$AAAA", "bcrypt$x", "", "scrypt$16384$8$1$!!$!!",
])
def test_a_corrupt_stored_hash_is_refused_without_hashing(stored):
    from picodragon.web import auth

    assert auth.verify_password("anything-at-all", stored) is False


@pytest.mark.parametrize("secure", [False, True])
def test_cookies_are_httponly_strict_and_secure_when_asked(sqlite_url, secure):
    from picodragon.web.app import create_app

    make_client(sqlite_url).close()
    with TestClient(create_app(sqlite_url, secure_cookies=secure), base_url="https://testserver") as client:
        page = client.get("/login")
        cookies = [page.headers.get("set-cookie", "")]
        token = client.cookies.get("pd_login_csrf")
        r = client.post("/login", data={"name": "olga", "password": USERS["olga"][1], "csrf_token": token},
                        follow_redirects=False)
        cookies += r.headers.get_list("set-cookie")
    session = [c for c in cookies if c.startswith("pd_session=")]
    assert session and all(c.startswith(("pd_session=", "pd_login_csrf=")) for c in cookies)
    for c in cookies:
        low = c.lower()
        assert "httponly" in low and "samesite=strict" in low
        assert ("; secure" in low) is secure, c


def test_serve_has_a_secure_cookies_flag():
    from typer.testing import CliRunner

    from picodragon.cli import app

    r = CliRunner().invoke(app, ["serve", "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert "--secure-cookies" in r.output

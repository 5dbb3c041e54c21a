"""Users, passwords, sessions, roles and CSRF: who may do what."""

from __future__ import annotations

import pytest

from picodragon.web import auth
from picodragon.web.db import Database
from tests.web.conftest import USERS, bearer


def test_password_hash_is_salted_and_verifies():
    a, b = auth.hash_password("correct horse"), auth.hash_password("correct horse")
    assert a != b and a.startswith("scrypt$")
    assert auth.verify_password("correct horse", a)
    assert not auth.verify_password("correct horsE", a)
    assert not auth.verify_password("x", "not a hash")


@pytest.mark.parametrize(("name", "password", "role"), [
    ("", "long-enough", "viewer"), ("bad name", "long-enough", "viewer"), ("x" * 33, "long-enough", "viewer"),
    ("ok", "short", "viewer"), ("ok", "long-enough", "root"), ("ok", "p" * 300, "viewer"),
])
def test_create_user_rejects_bad_input(sqlite_url, name, password, role):
    with pytest.raises(auth.AuthError):
        auth.create_user(sqlite_url, name, password, role)


def test_users_sessions_and_roles_on_both_backends(db_url):
    user = auth.create_user(db_url, "olga", "olga-operator-1", "operator")
    assert user.can("viewer") and user.can("operator") and not user.can("admin")
    db = Database(db_url)
    try:
        assert auth.authenticate(db, "olga", "wrong-password") is None
        assert auth.authenticate(db, "nobody", "olga-operator-1") is None
        assert auth.authenticate(db, "olga", "olga-operator-1") == user
        token, session = auth.start_session(db, user, now=1000.0)
        assert auth.session_for(db, token, now=1001.0).user == user
        assert auth.session_for(db, token, now=1000.0 + auth.SESSION_SECONDS + 1) is None
        assert auth.session_for(db, token + "x", now=1001.0) is None
        # the database holds only the hash of the token
        assert token not in str(db.rows("SELECT * FROM web_sessions"))
        # a new password ends the old sessions
        auth.create_user(db_url, "olga", "olga-new-password", "viewer")
        assert auth.session_for(db, token, now=1001.0) is None
        assert auth.delete_user(db_url, "olga") and not auth.delete_user(db_url, "olga")
    finally:
        db.close()


def test_pages_need_a_session(sqlite_client):
    r = sqlite_client.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert sqlite_client.get("/api/status").status_code == 401
    assert sqlite_client.get("/api/status", headers={"Authorization": "Bearer nonsense"}).status_code == 401


def login_form(client, name, password):
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    return client.post("/login", data={"name": name, "password": password, "csrf_token": token, "next": "/"},
                       follow_redirects=False)


def test_form_login_sets_a_strict_httponly_cookie_and_logs_the_attempt(sqlite_client):
    r = login_form(sqlite_client, "olga", "wrong")
    assert r.status_code == 303 and "error=1" in r.headers["location"]
    r = login_form(sqlite_client, "olga", USERS["olga"][1])
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    admin = bearer(sqlite_client, "ada")
    outcomes = [(a["user"], a["action"], a["outcome"]) for a in sqlite_client.get("/api/audit", headers=admin).json()]
    assert ("olga", "login", "refused") in outcomes and ("olga", "login", "ok") in outcomes


def test_login_form_needs_its_csrf_token(sqlite_client):
    sqlite_client.get("/login")
    r = sqlite_client.post("/login", data={"name": "olga", "password": USERS["olga"][1], "csrf_token": "forged"},
                           follow_redirects=False)
    assert r.status_code == 403


def test_login_redirect_stays_on_this_site(sqlite_client):
    page = sqlite_client.get("/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    r = sqlite_client.post("/login", data={"name": "olga", "password": USERS["olga"][1], "csrf_token": token,
                                           "next": "//evil.example/"}, follow_redirects=False)
    assert r.headers["location"] == "/"


def test_cookie_requests_that_change_state_need_the_csrf_token(sqlite_client):
    login_form(sqlite_client, "olga", USERS["olga"][1])
    body = {"name": "NOOP", "arguments": {}}
    assert sqlite_client.post("/api/commands", json=body).status_code == 403
    assert sqlite_client.post("/api/commands", json=body, headers={"X-CSRF-Token": "forged"}).status_code == 403
    page = sqlite_client.get("/commanding")
    csrf = page.text.split('name="csrf-token" content="')[1].split('"')[0]
    assert sqlite_client.post("/api/commands", json=body, headers={"X-CSRF-Token": csrf}).status_code == 201


def test_roles_decide_who_commands_acknowledges_and_administers(sqlite_client):
    viewer, operator, admin = (bearer(sqlite_client, n) for n in ("victor", "olga", "ada"))
    body = {"name": "NOOP", "arguments": {}}
    assert sqlite_client.post("/api/commands", json=body, headers=viewer).status_code == 403
    assert sqlite_client.post("/api/commands", json=body, headers=operator).status_code == 201
    assert sqlite_client.post("/api/commands", json=body, headers=admin).status_code == 201
    alarm = sqlite_client.get("/api/alarms?active=true", headers=viewer).json()[0]["id"]
    assert sqlite_client.post(f"/api/alarms/{alarm}/ack", json={}, headers=viewer).status_code == 403
    assert sqlite_client.post(f"/api/alarms/{alarm}/ack", json={"comment": "seen"}, headers=operator).status_code == 200
    assert sqlite_client.get("/api/users", headers=operator).status_code == 403
    assert sqlite_client.get("/api/audit", headers=operator).status_code == 403
    assert sqlite_client.get("/admin", headers=operator).status_code == 403
    r = sqlite_client.post("/api/users", json={"name": "newbie", "password": "newbie-pass-1", "role": "viewer"},
                           headers=admin)
    assert r.status_code == 201
    assert sqlite_client.delete("/api/users/newbie", headers=admin).json() == {"deleted": True}
    audit = sqlite_client.get("/api/audit", headers=admin).json()
    actions = {(a["user"], a["action"], a["outcome"]) for a in audit}
    assert ("olga", "alarm.ack", "ok") in actions and ("ada", "user.add", "ok") in actions
    assert ("olga", "command", "released") in actions
    assert ("victor", "POST /api/commands", "forbidden: the operator role is needed") in actions


def test_logout_ends_the_session(sqlite_client):
    h = bearer(sqlite_client, "olga")
    assert sqlite_client.post("/api/logout", headers=h).status_code == 200
    assert sqlite_client.get("/api/me", headers=h).status_code == 401


def test_security_headers(sqlite_client):
    r = sqlite_client.get("/login")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"


def test_password_guessing_is_throttled(sqlite_client):
    for _ in range(5):
        assert sqlite_client.post("/api/login", json={"name": "olga", "password": "guess-guess"}).status_code == 401
    r = sqlite_client.post("/api/login", json={"name": "olga", "password": USERS["olga"][1]})
    assert r.status_code == 429
    # other names are not affected
    assert sqlite_client.post("/api/login", json={"name": "ada", "password": USERS["ada"][1]}).status_code == 200


def test_throttle_window_passes():
    t = auth.LoginThrottle(attempts=2, window_s=10)
    t.failed("10.0.0.1", "x", now=0)
    t.failed("10.0.0.1", "x", now=1)
    assert t.blocked("10.0.0.1", "x", now=5) and not t.blocked("10.0.0.1", "x", now=12)
    t.failed("10.0.0.1", "y", now=0)
    t.succeeded("10.0.0.1", "y")
    assert not t.blocked("10.0.0.1", "y", now=1)

"""Who may do what in mission control: users, roles, sessions, CSRF tokens and the audit log.

Roles are ordered: a *viewer* reads everything, an *operator* also commands the spacecraft and
acknowledges alarms, an *admin* also manages users. Passwords are hashed with scrypt from the
standard library (n=2**14, r=8, p=1, a 16-byte random salt), compared in constant time.

A session is a random 256-bit token. The browser keeps it in an HttpOnly, SameSite=Strict
cookie; a script may send it as ``Authorization: Bearer <token>`` instead. The database holds
only its SHA-256, so a leaked database opens no session. Each session carries its own CSRF
token, which every state-changing request made with the cookie must repeat in the
``X-CSRF-Token`` header or a ``csrf_token`` form field (double submit, checked against the
server's copy); bearer requests need none, since no browser attaches them on its own.

Every command, alarm acknowledgement, login and user change is appended to ``web_audit``: who,
when, what, and whether it was allowed.

The tables (``web_users``, ``web_sessions``, ``web_audit``) live in the archive database next
to the ground's tables and are created here with ``CREATE TABLE IF NOT EXISTS`` on SQLite and
PostgreSQL alike.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

from picodragon.web.db import Database

ROLES = ("viewer", "operator", "admin")
ROLE_RANK = {r: i for i, r in enumerate(ROLES)}
USER_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
MIN_PASSWORD = 8
MAX_PASSWORD = 256
SESSION_SECONDS = 12 * 3600
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1


class AuthError(ValueError):
    """A bad user name, password or role: one line for the caller."""


@dataclass(frozen=True)
class User:
    name: str
    role: str

    def can(self, role: str) -> bool:
        """True when this user's role is at least ``role``."""
        return ROLE_RANK[self.role] >= ROLE_RANK[role]


@dataclass(frozen=True)
class Session:
    user: User
    csrf_token: str
    expires_unix_s: float
    token_hash: str


def ensure_schema(db: Database) -> None:
    """Create the web's own tables if they are not there yet (idempotent, both backends)."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS web_users (name TEXT PRIMARY KEY, password_hash TEXT NOT NULL, "
        f"role TEXT NOT NULL, created_unix_s {db.double} NOT NULL, disabled INTEGER NOT NULL DEFAULT 0)"
    )
    db.execute(
        "CREATE TABLE IF NOT EXISTS web_sessions (token_hash TEXT PRIMARY KEY, user_name TEXT NOT NULL, "
        f"csrf_token TEXT NOT NULL, created_unix_s {db.double} NOT NULL, expires_unix_s {db.double} NOT NULL)"
    )
    db.execute(
        f"CREATE TABLE IF NOT EXISTS web_audit (id {db.serial_pk}, unix_s {db.double} NOT NULL, "
        "user_name TEXT NOT NULL, action TEXT NOT NULL, detail TEXT NOT NULL, outcome TEXT NOT NULL)"
    )
    db.execute("CREATE INDEX IF NOT EXISTS ix_web_audit_unix_s ON web_audit (unix_s)")


# -- passwords ---------------------------------------------------------------------------------
def hash_password(password: str) -> str:
    """The scrypt hash of a password in a self-describing string."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    """True when ``password`` matches the stored hash (constant-time comparison)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        got = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r),
                             p=int(p), dklen=32)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, base64.b64decode(digest))


#: a hash to compare against when the user does not exist, so timing does not reveal names
_DUMMY_HASH = hash_password(secrets.token_hex(8))


def _check_name(name: str) -> str:
    if not isinstance(name, str) or not USER_NAME.match(name):
        raise AuthError("user name must be 1 to 32 letters, digits, '_', '.' or '-'")
    return name


def _check_password(password: str) -> str:
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise AuthError(f"password must be {MIN_PASSWORD} to {MAX_PASSWORD} characters")
    return password


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise AuthError(f"role must be one of {', '.join(ROLES)}")
    return role


# -- users -------------------------------------------------------------------------------------
def _database(db: Database | str) -> tuple[Database, bool]:
    if isinstance(db, Database):
        return db, False
    return Database(str(db)), True


def create_user(db: Database | str, name: str, password: str, role: str = "viewer") -> User:
    """Add a user (or reset an existing user's password and role). ``db``: path, URL or Database.

    This is what ``picodragon users add`` calls; no web server needs to run.
    """
    _check_name(name)
    _check_password(password)
    _check_role(role)
    database, owned = _database(db)
    try:
        ensure_schema(database)
        with database.transaction():
            database.execute("DELETE FROM web_users WHERE name = ?", (name,))
            database.execute(
                "INSERT INTO web_users (name, password_hash, role, created_unix_s, disabled) "
                "VALUES (?, ?, ?, ?, 0)",
                (name, hash_password(password), role, time.time()),
            )
            database.execute("DELETE FROM web_sessions WHERE user_name = ?", (name,))
    finally:
        if owned:
            database.close()
    return User(name, role)


def delete_user(db: Database | str, name: str) -> bool:
    """Remove a user and end their sessions; False when there was no such user."""
    database, owned = _database(db)
    try:
        ensure_schema(database)
        with database.transaction():
            n = database.execute("DELETE FROM web_users WHERE name = ?", (name,))
            database.execute("DELETE FROM web_sessions WHERE user_name = ?", (name,))
        return n > 0
    finally:
        if owned:
            database.close()


def list_users(db: Database) -> list[dict[str, Any]]:
    return [
        {"name": n, "role": r, "created_unix_s": c}
        for n, r, c in db.rows("SELECT name, role, created_unix_s FROM web_users ORDER BY name")
    ]


def authenticate(db: Database, name: str, password: str) -> User | None:
    """The user when the name and password match, else None (same cost either way)."""
    if not isinstance(name, str) or not USER_NAME.match(name) or not isinstance(password, str) \
            or len(password) > MAX_PASSWORD:
        verify_password("x", _DUMMY_HASH)
        return None
    row = db.one("SELECT password_hash, role, disabled FROM web_users WHERE name = ?", (name,))
    if row is None:
        verify_password(password, _DUMMY_HASH)
        return None
    stored, role, disabled = row
    if not verify_password(password, stored) or disabled or role not in ROLES:
        return None
    return User(name, role)


class LoginThrottle:
    """Slows password guessing: after ``attempts`` failures for one name within ``window_s``,
    further attempts for that name are refused until the window has passed (in memory, per
    server process; a success clears the count)."""

    def __init__(self, attempts: int = 5, window_s: float = 300.0) -> None:
        self.attempts = attempts
        self.window_s = window_s
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def blocked(self, name: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        with self._lock:
            recent = [t for t in self._failures.get(name, []) if now - t < self.window_s]
            if recent:
                self._failures[name] = recent
            else:
                self._failures.pop(name, None)
            return len(recent) >= self.attempts

    def failed(self, name: str, now: float | None = None) -> None:
        with self._lock:
            if len(self._failures) > 10_000:  # a flood of invented names must not grow memory
                self._failures.clear()
            self._failures.setdefault(name, []).append(time.monotonic() if now is None else now)

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._failures.pop(name, None)


# -- sessions ----------------------------------------------------------------------------------
def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(db: Database, user: User, now: float | None = None) -> tuple[str, Session]:
    """A new session for a user: the secret token (give it to the client once) and its record."""
    now = time.time() if now is None else now
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    th = _token_hash(token)
    with db.transaction():
        db.execute("DELETE FROM web_sessions WHERE expires_unix_s < ?", (now,))
        db.execute(
            "INSERT INTO web_sessions (token_hash, user_name, csrf_token, created_unix_s, expires_unix_s) "
            "VALUES (?, ?, ?, ?, ?)",
            (th, user.name, csrf, now, now + SESSION_SECONDS),
        )
    return token, Session(user, csrf, now + SESSION_SECONDS, th)


def session_for(db: Database, token: str | None, now: float | None = None) -> Session | None:
    """The live session a token opens, with its user's current role; None if none."""
    if not token or not isinstance(token, str) or len(token) > 200:
        return None
    now = time.time() if now is None else now
    th = _token_hash(token)
    row = db.one(
        "SELECT u.name, u.role, s.csrf_token, s.expires_unix_s FROM web_sessions s "
        "JOIN web_users u ON u.name = s.user_name WHERE s.token_hash = ? AND u.disabled = 0",
        (th,),
    )
    if row is None or row[3] < now or row[1] not in ROLES:
        return None
    return Session(User(row[0], row[1]), row[2], float(row[3]), th)


def end_session(db: Database, token: str | None) -> None:
    if token:
        db.execute("DELETE FROM web_sessions WHERE token_hash = ?", (_token_hash(token),))


def csrf_ok(session: Session, presented: str | None) -> bool:
    return bool(presented) and hmac.compare_digest(session.csrf_token.encode(), str(presented).encode())


# -- audit -------------------------------------------------------------------------------------
def audit(db: Database, user: str, action: str, detail: dict[str, Any] | str, outcome: str,
          now: float | None = None) -> None:
    """Append one line to the audit log: who did what, with which outcome."""
    text = detail if isinstance(detail, str) else json.dumps(detail, sort_keys=True, default=str)
    db.execute(
        "INSERT INTO web_audit (unix_s, user_name, action, detail, outcome) VALUES (?, ?, ?, ?, ?)",
        (time.time() if now is None else now, user, action, text[:4000], outcome),
    )


def audit_log(db: Database, limit: int = 200, offset: int = 0) -> list[dict[str, Any]]:
    rows = db.rows(
        "SELECT id, unix_s, user_name, action, detail, outcome FROM web_audit "
        "ORDER BY id DESC LIMIT ? OFFSET ?",
        (int(limit), int(offset)),
    )
    keys = ("id", "unix_s", "user", "action", "detail", "outcome")
    return [dict(zip(keys, r, strict=True)) for r in rows]

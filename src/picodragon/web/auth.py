"""Who may do what in mission control: users, roles, sessions, CSRF tokens and the audit log.

Roles are ordered: a *viewer* reads everything, an *operator* also commands the spacecraft and
acknowledges alarms, an *admin* also manages users. Passwords are hashed with scrypt from the
standard library (N=2**17, r=8, p=1 as OWASP's password storage guidance asks; a 16-byte random
salt), compared in constant time. Each stored hash carries its own parameters, so a hash made
with older, weaker ones (N=2**14 before issue 11) still verifies and is rehashed with the current
ones at its user's next successful login. One hash at N=2**17 takes 128 MiB and about 0.3 s:
at most ``HASH_SLOTS`` run at once, so a flood of logins cannot exhaust the server's memory.

Password guessing is throttled per (client address, user name) and per client address, in
bounded memory (see :class:`LoginThrottle`): an attacker's failures lock the attacker out, not
the user whose name they guess.

A session is a random 256-bit token. The browser keeps it in an HttpOnly, SameSite=Strict
cookie (also Secure when the deployment serves over TLS: ``create_app(secure_cookies=True)``,
``picodragon serve --secure-cookies``); a script may send it as ``Authorization: Bearer <token>`` instead. The database holds
only its SHA-256, so a leaked database opens no session. Each session carries its own CSRF
token, which every state-changing request made with the cookie must repeat in the
``X-CSRF-Token`` header or a ``csrf_token`` form field (double submit, checked against the
server's copy); bearer requests need none, since no browser attaches them on its own.

Every command, alarm acknowledgement, login and user change is appended to ``web_audit``: who,
when, what, and whether it was allowed.

The tables (``web_users``, ``web_sessions``, ``web_audit``) live in the users' store, apart from
the run archives (``picodragon-users.sqlite`` beside a SQLite archive, or ``--users``; the
archive itself on PostgreSQL): mission control attaches the store to its archive database
(:func:`attach_store`) and every function here that is handed the archive's database works on
the store. A user only an older archive holds is adopted into the store at login. Their storage
is the archive package's (``picodragon.ground.archive.users``); this module only decides what
goes in them.
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
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import Any

from picodragon.ground.archive import users as store
from picodragon.ground.archive.pool import Database

ROLES = ("viewer", "operator", "admin")
ROLE_RANK = {r: i for i, r in enumerate(ROLES)}
USER_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
MIN_PASSWORD = 8
MAX_PASSWORD = 256
SESSION_SECONDS = 12 * 3600
#: scrypt's cost parameters for new hashes (OWASP: N >= 2**17 with r=8, p=1). Module globals read
#: at call time, so a test suite may lower N for its fixtures (tests/web/conftest.py does)
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**17, 8, 1
#: the parameters a stored hash may name: a tampered or corrupt row must not make a login
#: allocate gigabytes (N above 2**20 at r=8 would ask for more than 1 GiB)
SCRYPT_N_RANGE = (2**10, 2**20)
SCRYPT_R_MAX, SCRYPT_P_MAX = 16, 4
#: how many scrypt hashes may run at once (each takes 128*r*N*p bytes: 128 MiB at the defaults)
HASH_SLOTS = 2
_hash_slots = threading.BoundedSemaphore(HASH_SLOTS)


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


def attach_store(archive: Database, users: Database) -> None:
    """Keep the users, sessions and audit log of ``archive``'s mission control in ``users``."""
    archive.access_store = users  # type: ignore[attr-defined]


def _access(db: Database) -> Database:
    """The database that holds the access tables for ``db``: its attached store, else itself."""
    return getattr(db, "access_store", None) or db


def ensure_schema(db: Database) -> None:
    """Create the access tables if they are not there yet (idempotent, both backends)."""
    store.ensure_schema(_access(db))


# -- passwords ---------------------------------------------------------------------------------
def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    """scrypt with enough ``maxmem`` for its parameters (OpenSSL refuses more than 32 MiB by
    default), one of at most ``HASH_SLOTS`` at a time."""
    maxmem = 128 * r * (n + p + 2) + 2**20
    with _hash_slots:
        return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=32, maxmem=maxmem)


def hash_password(password: str) -> str:
    """The scrypt hash of a password in a self-describing string: ``scrypt$N$r$p$salt$digest``."""
    salt = secrets.token_bytes(16)
    n, r, p = SCRYPT_N, SCRYPT_R, SCRYPT_P
    digest = _scrypt(password, salt, n, r, p)
    b64 = base64.b64encode
    return f"scrypt${n}${r}${p}${b64(salt).decode()}${b64(digest).decode()}"


def _parameters(stored: str) -> tuple[int, int, int, bytes, bytes] | None:
    """A stored hash's (N, r, p, salt, digest), or None when malformed or out of bounds."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt" or not all(x.isascii() and x.isdigit() for x in (n, r, p)):
            return None
        ni, ri, pi = int(n), int(r), int(p)
        raw_salt, raw_digest = base64.b64decode(salt, validate=True), base64.b64decode(digest, validate=True)
    except (ValueError, TypeError):
        return None
    if not (SCRYPT_N_RANGE[0] <= ni <= SCRYPT_N_RANGE[1] and ni & (ni - 1) == 0
            and 1 <= ri <= SCRYPT_R_MAX and 1 <= pi <= SCRYPT_P_MAX and len(raw_digest) == 32):
        return None
    return ni, ri, pi, raw_salt, raw_digest


def verify_password(password: str, stored: str) -> bool:
    """True when ``password`` matches the stored hash, whatever parameters it was made with
    (constant-time comparison)."""
    params = _parameters(stored) if isinstance(stored, str) else None
    if params is None:
        return False
    n, r, p, salt, digest = params
    try:
        got = _scrypt(password, salt, n, r, p)
    except (ValueError, MemoryError):
        return False
    return hmac.compare_digest(got, digest)


def needs_rehash(stored: str) -> bool:
    """True when a stored hash was made with other parameters than the current ones."""
    params = _parameters(stored)
    return params is None or params[:3] != (SCRYPT_N, SCRYPT_R, SCRYPT_P)


#: hashes to compare against when the user does not exist (so timing does not reveal names),
#: one per parameter set, made when first needed
_dummy_hashes: dict[tuple[int, int, int], str] = {}


def _dummy_hash() -> str:
    key = (SCRYPT_N, SCRYPT_R, SCRYPT_P)
    if key not in _dummy_hashes:
        _dummy_hashes[key] = hash_password(secrets.token_hex(8))
    return _dummy_hashes[key]


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
        store.put_user(_access(database), name, hash_password(password), role, time.time())
    finally:
        if owned:
            database.close()
    return User(name, role)


def delete_user(db: Database | str, name: str) -> bool:
    """Remove a user and end their sessions; False when there was no such user."""
    database, owned = _database(db)
    try:
        ensure_schema(database)
        users = _access(database)
        if users is not database:
            store.forget_legacy_user(database, name)
        return store.delete_user(users, name)
    finally:
        if owned:
            database.close()


def list_users(db: Database) -> list[dict[str, Any]]:
    """Every user by name: ``{name, role, created_unix_s}``."""
    return store.list_users(_access(db))


def authenticate(db: Database, name: str, password: str) -> User | None:
    """The user when the name and password match, else None (same cost either way).

    A match against a hash made with older parameters rehashes the password with the current
    ones (the only moment the server knows the password)."""
    if not isinstance(name, str) or not USER_NAME.match(name) or not isinstance(password, str) \
            or len(password) > MAX_PASSWORD:
        verify_password("x", _dummy_hash())
        return None
    users = _access(db)
    row = store.credentials(users, name)
    if row is None and store.adopt_user(users, db, name, time.time()):
        row = store.credentials(users, name)  # a user of an older archive, now in the store
    if row is None:
        verify_password(password, _dummy_hash())
        return None
    stored, role, disabled = row
    if not verify_password(password, stored) or disabled or role not in ROLES:
        return None
    if needs_rehash(stored):
        # only if the row still holds what was verified: a password changed meanwhile wins
        store.replace_hash(users, name, stored, hash_password(password))
    return User(name, role)


class _Failures:
    """Recent failure times per key, in bounded memory: at most ``capacity`` keys and
    ``attempts`` times a key. A full table first forgets keys whose failures are all older than
    the window, then the least recently failed key that is not blocking, and only when every key
    is blocking (an attacker has spent ``capacity * attempts`` failures) the least recent one:
    a flood of invented keys cannot wipe a throttle that is holding an attacker back."""

    def __init__(self, attempts: int, window_s: float, capacity: int) -> None:
        self.attempts, self.window_s, self.capacity = attempts, window_s, capacity
        self._times: OrderedDict[Any, deque[float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._times)

    def blocking(self, key: Any, now: float) -> bool:
        times = self._times.get(key)
        return times is not None and len(times) >= self.attempts and now - times[0] < self.window_s

    def add(self, key: Any, now: float) -> None:
        times = self._times.get(key)
        if times is None:
            if len(self._times) >= self.capacity:
                self._make_room(now)
            times = self._times[key] = deque(maxlen=self.attempts)
        times.append(now)
        self._times.move_to_end(key)

    def clear(self, key: Any) -> None:
        self._times.pop(key, None)

    def _make_room(self, now: float) -> None:
        # keys are kept in the order of their last failure, so the stale ones lead
        while self._times:
            key, times = next(iter(self._times.items()))
            if now - times[-1] < self.window_s:
                break
            del self._times[key]
        if len(self._times) < self.capacity:
            return
        for key in self._times:  # least recently failed first; blocking keys are kept
            if not self.blocking(key, now):
                del self._times[key]
                return
        self._times.popitem(last=False)


class LoginThrottle:
    """Slows password guessing without letting anyone lock a user out.

    Failures are counted per (client address, user name) and per client address. After
    ``attempts`` failures for one name from one address within ``window_s``, that address may
    not try that name again until the window has passed; after ``address_attempts`` failures
    from one address (any names), that address may not log in at all for the window. The
    user's own logins from another address are never blocked by them. A success clears the
    pair's count. Memory is bounded by ``capacity`` keys a table (see :class:`_Failures`), and
    it is per server process.

    Behind a reverse proxy every client has the proxy's address (``serve`` does not trust
    forwarded headers), so the per-address limit then applies to all clients together.
    """

    def __init__(self, attempts: int = 5, window_s: float = 300.0, address_attempts: int = 30,
                 capacity: int = 10_000) -> None:
        self.attempts = attempts
        self.window_s = window_s
        self._pairs = _Failures(attempts, window_s, capacity)
        self._addresses = _Failures(address_attempts, window_s, capacity)
        self._lock = threading.Lock()

    def blocked(self, address: str, name: str, now: float | None = None) -> bool:
        """True when ``address`` may not try ``name`` now."""
        now = time.monotonic() if now is None else now
        with self._lock:
            return self._pairs.blocking((address, name), now) or self._addresses.blocking(address, now)

    def failed(self, address: str, name: str, now: float | None = None) -> None:
        """Count a failed login for ``name`` from ``address``."""
        now = time.monotonic() if now is None else now
        with self._lock:
            self._pairs.add((address, name), now)
            self._addresses.add(address, now)

    def succeeded(self, address: str, name: str) -> None:
        """A correct password for ``name`` from ``address``: that pair starts afresh."""
        with self._lock:
            self._pairs.clear((address, name))

    def sizes(self) -> tuple[int, int]:
        """How many (address, name) pairs and addresses are remembered (memory bound checks)."""
        with self._lock:
            return len(self._pairs), len(self._addresses)


# -- sessions ----------------------------------------------------------------------------------
def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(db: Database, user: User, now: float | None = None) -> tuple[str, Session]:
    """A new session for a user: the secret token (give it to the client once) and its record."""
    now = time.time() if now is None else now
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    th = _token_hash(token)
    store.add_session(_access(db), th, user.name, csrf, now, now + SESSION_SECONDS)
    return token, Session(user, csrf, now + SESSION_SECONDS, th)


def session_for(db: Database, token: str | None, now: float | None = None) -> Session | None:
    """The live session a token opens, with its user's current role; None if none."""
    if not token or not isinstance(token, str) or len(token) > 200:
        return None
    now = time.time() if now is None else now
    th = _token_hash(token)
    row = store.session_row(_access(db), th)
    if row is None or row[3] < now or row[1] not in ROLES:
        return None
    return Session(User(row[0], row[1]), row[2], float(row[3]), th)


def end_session(db: Database, token: str | None) -> None:
    if token:
        store.end_session(_access(db), _token_hash(token))


def csrf_ok(session: Session, presented: str | None) -> bool:
    return bool(presented) and hmac.compare_digest(session.csrf_token.encode(), str(presented).encode())


# -- audit -------------------------------------------------------------------------------------
def audit(db: Database, user: str, action: str, detail: dict[str, Any] | str, outcome: str,
          now: float | None = None) -> None:
    """Append one line to the audit log: who did what, with which outcome."""
    text = detail if isinstance(detail, str) else json.dumps(detail, sort_keys=True, default=str)
    store.append_audit(_access(db), time.time() if now is None else now, user, action, text[:4000], outcome)


def audit_log(db: Database, limit: int = 200, offset: int = 0) -> list[dict[str, Any]]:
    """Audit lines newest first: ``{id, unix_s, user, action, detail, outcome}``."""
    return store.audit_log(_access(db), limit, offset)

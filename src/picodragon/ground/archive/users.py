"""Mission control's access tables: users, sessions and the audit log.

Where they live (:func:`users_store`): beside a SQLite archive, in their own file
``picodragon-users.sqlite`` (or a ``--users`` path), so that a new ``picodragon run``, which
replaces its archive file, never takes mission control's users with it; in the archive database
itself on PostgreSQL, which a run does not delete. An archive that still holds users from before
(they used to live in it) keeps working: a user found there and not in the store is adopted into
the store at their next login (:func:`adopt_user`).

``web_users(name, password_hash, role, created_unix_s, disabled)``,
``web_sessions(token_hash, user_name, csrf_token, created_unix_s, expires_unix_s)`` and
``web_audit(id, unix_s, user_name, action, detail, outcome)`` live beside the ground's tables,
each created with ``CREATE TABLE IF NOT EXISTS`` so no server needs a migration step. This module
holds only their storage; what a password, a role or a session means (hashing, throttling, CSRF)
is the web's (``picodragon.web.auth``), which reaches these tables only through here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from picodragon.ground.archive.pool import Database, is_postgres, sqlite_path

#: the users' own SQLite file, beside the archive, when no --users path is given
USERS_FILE = "picodragon-users.sqlite"


def users_store(archive_url: str, users: str | None = None) -> str:
    """Where mission control's users of the archive at ``archive_url`` live: ``users`` when
    given, the archive itself on PostgreSQL, else ``picodragon-users.sqlite`` in its folder."""
    if users:
        return str(users)
    if is_postgres(str(archive_url)):
        return str(archive_url)
    return str(Path(sqlite_path(str(archive_url))).expanduser().parent / USERS_FILE)


def ensure_schema(db: Database) -> None:
    """Create the access tables if they are not there yet (idempotent, both backends)."""
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


# -- users -------------------------------------------------------------------------------------
def put_user(db: Database, name: str, password_hash: str, role: str, now: float) -> None:
    """Add a user, or replace one of that name (its sessions end), in one transaction."""
    with db.transaction():
        db.execute("DELETE FROM web_users WHERE name = ?", (name,))
        db.execute(
            "INSERT INTO web_users (name, password_hash, role, created_unix_s, disabled) VALUES (?, ?, ?, ?, 0)",
            (name, password_hash, role, now),
        )
        db.execute("DELETE FROM web_sessions WHERE user_name = ?", (name,))


def delete_user(db: Database, name: str) -> bool:
    """Remove a user and end their sessions; False when there was no such user."""
    with db.transaction():
        n = db.execute("DELETE FROM web_users WHERE name = ?", (name,))
        db.execute("DELETE FROM web_sessions WHERE user_name = ?", (name,))
    return n > 0


def list_users(db: Database) -> list[dict[str, Any]]:
    """Every user by name: ``{name, role, created_unix_s}`` (never the hash)."""
    return [
        {"name": n, "role": r, "created_unix_s": c}
        for n, r, c in db.rows("SELECT name, role, created_unix_s FROM web_users ORDER BY name")
    ]


def adopt_user(store: Database, archive: Database, name: str, now: float) -> bool:
    """Copy a user the archive holds (from before users had a store of their own) into the
    store, hash and role as they are; False when the archive has no such user (or no users)."""
    if store is archive or not archive.table_exists("web_users"):
        return False
    row = archive.one("SELECT password_hash, role, disabled FROM web_users WHERE name = ?", (name,))
    if row is None:
        return False
    with store.transaction():
        if store.one("SELECT 1 FROM web_users WHERE name = ?", (name,)) is None:
            store.execute(
                "INSERT INTO web_users (name, password_hash, role, created_unix_s, disabled) "
                "VALUES (?, ?, ?, ?, ?)", (name, row[0], row[1], now, row[2]))
    return True


def adopt_users(store: Database, archive: Database, now: float) -> int:
    """Copy every user the archive holds and the store lacks into the store (mission control's
    start, over an archive from before users had a store); returns how many were copied."""
    if store is archive or not archive.table_exists("web_users"):
        return 0
    names = [r[0] for r in archive.rows("SELECT name FROM web_users ORDER BY name")]
    return sum(adopt_user(store, archive, name, now) for name in names
               if store.one("SELECT 1 FROM web_users WHERE name = ?", (name,)) is None)


def forget_legacy_user(archive: Database, name: str) -> None:
    """Remove a user (and their sessions) from an archive that held users before the store, so a
    user deleted from the store cannot come back from there at their next login."""
    if archive.table_exists("web_users"):
        delete_user(archive, name)


def credentials(db: Database, name: str) -> tuple[str, str, int] | None:
    """A user's stored (password hash, role, disabled flag), or None when there is no such user."""
    row = db.one("SELECT password_hash, role, disabled FROM web_users WHERE name = ?", (name,))
    return None if row is None else (row[0], row[1], row[2])


def replace_hash(db: Database, name: str, old: str, new: str) -> None:
    """Store ``new`` as a user's hash only if the row still holds ``old`` (a password changed
    meanwhile wins)."""
    db.execute("UPDATE web_users SET password_hash = ? WHERE name = ? AND password_hash = ?", (new, name, old))


# -- sessions ----------------------------------------------------------------------------------
def add_session(db: Database, token_hash: str, user_name: str, csrf_token: str, now: float,
                expires_unix_s: float) -> None:
    """Record a new session (and forget the sessions expired by ``now``), in one transaction."""
    with db.transaction():
        db.execute("DELETE FROM web_sessions WHERE expires_unix_s < ?", (now,))
        db.execute(
            "INSERT INTO web_sessions (token_hash, user_name, csrf_token, created_unix_s, expires_unix_s) "
            "VALUES (?, ?, ?, ?, ?)",
            (token_hash, user_name, csrf_token, now, expires_unix_s),
        )


def session_row(db: Database, token_hash: str) -> tuple[str, str, str, float] | None:
    """The (user name, role, CSRF token, expiry) of the session with that token hash, if its
    user exists and is enabled; expiry is the caller's to check."""
    row = db.one(
        "SELECT u.name, u.role, s.csrf_token, s.expires_unix_s FROM web_sessions s "
        "JOIN web_users u ON u.name = s.user_name WHERE s.token_hash = ? AND u.disabled = 0",
        (token_hash,),
    )
    return None if row is None else (row[0], row[1], row[2], float(row[3]))


def end_session(db: Database, token_hash: str) -> None:
    """Forget one session."""
    db.execute("DELETE FROM web_sessions WHERE token_hash = ?", (token_hash,))


# -- audit -------------------------------------------------------------------------------------
def append_audit(db: Database, unix_s: float, user: str, action: str, detail: str, outcome: str) -> None:
    """Append one line to the audit log."""
    db.execute(
        "INSERT INTO web_audit (unix_s, user_name, action, detail, outcome) VALUES (?, ?, ?, ?, ?)",
        (unix_s, user, action, detail, outcome),
    )


def audit_log(db: Database, limit: int = 200, offset: int = 0) -> list[dict[str, Any]]:
    """Audit lines newest first: ``{id, unix_s, user, action, detail, outcome}``."""
    rows = db.rows(
        "SELECT id, unix_s, user_name, action, detail, outcome FROM web_audit ORDER BY id DESC LIMIT ? OFFSET ?",
        (int(limit), int(offset)),
    )
    keys = ("id", "unix_s", "user", "action", "detail", "outcome")
    return [dict(zip(keys, r, strict=True)) for r in rows]

"""Mission control's users live apart from the run archives: beside a SQLite archive in
picodragon-users.sqlite (or --users), so a new run's archive does not take them along; an
archive that still holds users from before keeps working, and a user deleted stays deleted."""

from __future__ import annotations

import sqlite3
import warnings

import pytest

from picodragon.ground.archive import open_archive
from picodragon.ground.archive.users import USERS_FILE, users_store
from picodragon.web.auth import create_user

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


def _app(db: str, **options):
    from picodragon.web.app import create_app

    return TestClient(create_app(db, **options))


def _login(client, name: str, password: str) -> int:
    return client.post("/api/login", json={"name": name, "password": password}).status_code


def _tables(path) -> set[str]:
    with sqlite3.connect(path) as con:
        return {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_where_the_store_is():
    assert users_store("/data/run.sqlite") == f"/data/{USERS_FILE}"
    assert users_store("/data/run.sqlite", "/etc/pd/users.sqlite") == "/etc/pd/users.sqlite"
    assert users_store("postgresql://u@h/db") == "postgresql://u@h/db"  # a run never deletes it


def test_users_survive_a_new_run_of_the_archive(tmp_path):
    db = tmp_path / "run.sqlite"
    open_archive(str(db)).close()
    create_user(users_store(str(db)), "olga", "olga-operator-1", "operator")
    assert "web_users" not in _tables(db)
    with _app(str(db)) as client:
        assert _login(client, "olga", "olga-operator-1") == 200
    # a new run replaces the archive file: the users stay
    db.unlink()
    open_archive(str(db)).close()
    with _app(str(db)) as client:
        assert _login(client, "olga", "olga-operator-1") == 200
        assert _login(client, "olga", "wrong-password") == 401
    assert "web_sessions" not in _tables(db)  # sessions went to the store too
    assert {"web_users", "web_sessions", "web_audit"} <= _tables(tmp_path / USERS_FILE)


def test_an_archive_that_holds_users_still_works_and_a_deleted_user_stays_deleted(tmp_path):
    db = tmp_path / "old.sqlite"
    open_archive(str(db)).close()
    create_user(str(db), "ada", "ada-admin-pass-1", "admin")  # the way users were kept before
    create_user(str(db), "bob", "bob-viewer-pass-1", "viewer")
    with _app(str(db)) as client:
        assert _login(client, "bob", "bob-viewer-pass-1") == 200
        client.cookies.clear()
        r = client.post("/api/login", json={"name": "ada", "password": "ada-admin-pass-1"})
        admin = {"Authorization": f"Bearer {r.json()['token']}"}
        names = [u["name"] for u in client.get("/api/users", headers=admin).json()]
        assert names == ["ada", "bob"]  # adopted into the store at the start
        assert client.delete("/api/users/bob", headers=admin).json() == {"deleted": True}
        client.cookies.clear()
        assert _login(client, "bob", "bob-viewer-pass-1") == 401  # not back from the old archive


def test_a_user_added_to_an_old_archive_later_is_adopted_at_login(tmp_path):
    db = tmp_path / "old.sqlite"
    open_archive(str(db)).close()
    with _app(str(db)) as client:
        create_user(str(db), "victor", "victor-viewer-1", "viewer")
        assert _login(client, "victor", "victor-viewer-1") == 200


def test_a_users_path_of_its_own(tmp_path):
    db = tmp_path / "run.sqlite"
    open_archive(str(db)).close()
    users = tmp_path / "elsewhere.sqlite"
    create_user(str(users), "olga", "olga-operator-1", "operator")
    with _app(str(db), users=str(users)) as client:
        assert _login(client, "olga", "olga-operator-1") == 200
    assert not (tmp_path / USERS_FILE).exists()


def test_cli_users_add_writes_the_store_beside_the_archive(tmp_path, monkeypatch, capsys):
    from picodragon.cli import main

    db = tmp_path / "run.sqlite"
    monkeypatch.setenv("PD_TEST_PASSWORD", "correct horse battery staple")
    with pytest.raises(SystemExit) as exit_:
        main(["users", "add", "alice", "--role", "operator", "--password-env", "PD_TEST_PASSWORD",
              "--db", str(db)])
    assert exit_.value.code == 0
    assert str(tmp_path / USERS_FILE) in capsys.readouterr().out
    assert "web_users" in _tables(tmp_path / USERS_FILE)
    open_archive(str(db)).close()
    with _app(str(db)) as client:
        assert _login(client, "alice", "correct horse battery staple") == 200
    # --users: a file of its own; a file that is not ours is refused in one line
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes")
    with pytest.raises(SystemExit) as exit_:
        main(["users", "add", "alice", "--password-env", "PD_TEST_PASSWORD", "--db", str(db),
              "--users", str(notes)])
    assert exit_.value.code == 2 and notes.read_text() == "my notes"

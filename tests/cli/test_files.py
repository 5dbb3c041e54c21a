"""What the command line writes, and over what: archives are private, a user's file is never replaced.

Archives (SQLite file and its -wal/-shm) and user stores hold commands, keys' counters and
password hashes: they are created 0600. The element-set file `run` leaves beside its archive
(DB.tle) holds only public orbit data and may stay 0644.
"""

from __future__ import annotations

import os
import stat

import pytest

from picodragon import cli
from picodragon.ground.archive import open_archive


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def run_cli(argv: list[str]) -> int:
    try:
        cli.main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def test_new_archive_and_its_wal_are_private(tmp_path):
    """The file, and the -wal/-shm SQLite makes while the archive is open (schema written)."""
    path = tmp_path / "a.sqlite"
    archive = open_archive(str(path))
    try:
        made = [tmp_path / f"a.sqlite{suffix}" for suffix in ("", "-wal", "-shm")]
        assert all(p.exists() for p in made)
        assert {p.name: oct(mode(p)) for p in made} == {p.name: "0o600" for p in made}
    finally:
        archive.close()


def test_reset_archive_is_private_again(tmp_path):
    path = tmp_path / "a.sqlite"
    open_archive(str(path)).close()
    os.chmod(path, 0o644)
    open_archive(str(path), reset=True).close()
    assert mode(path) == 0o600


def test_users_store_is_private(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PD_PW", "correct horse battery staple")
    db = tmp_path / "run.sqlite"
    # the users live apart from the run archive, beside it (or in --users): that file is private
    assert run_cli(["users", "add", "alice", "--password-env", "PD_PW", "--db", str(db)]) == 0
    own = tmp_path / "own-users.sqlite"
    assert run_cli(["users", "add", "bob", "--password-env", "PD_PW", "--db", str(db), "--users", str(own)]) == 0
    for store in (tmp_path / "picodragon-users.sqlite", own):
        assert mode(store) == 0o600
        for suffix in ("-wal", "-shm"):
            p = store.with_name(store.name + suffix)
            if p.exists():
                assert mode(p) == 0o600


def test_command_creates_a_private_station_archive(tmp_path, capsys):
    key = tmp_path / "key.hex"
    key.write_text("00112233445566778899aabbccddeeff\n")
    db = tmp_path / "st.sqlite"
    assert run_cli(["command", "NOOP", "--key-file", str(key), "--db", str(db)]) == 0
    assert mode(db) == 0o600


def test_notes_given_as_db_are_never_replaced(tmp_path):
    from picodragon.ground.archive import NotAnArchiveError

    notes = tmp_path / "notes.txt"
    notes.write_text("precious\n")
    with pytest.raises(NotAnArchiveError):
        open_archive(str(notes), reset=True)
    with pytest.raises(NotAnArchiveError):
        open_archive(str(notes))
    assert notes.read_text() == "precious\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_foreign_sqlite_is_never_replaced(tmp_path):
    import sqlite3

    from picodragon.ground.archive import NotAnArchiveError

    other = tmp_path / "recipes.sqlite"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE recipes (name TEXT)")
    conn.commit()
    conn.close()
    before = other.read_bytes()
    with pytest.raises(NotAnArchiveError):
        open_archive(str(other), reset=True)
    assert other.read_bytes() == before


def test_our_archive_and_a_new_path_are_accepted(tmp_path):
    from picodragon.ground.archive import check_sqlite_path

    path = tmp_path / "a.sqlite"
    assert check_sqlite_path(path) is False
    open_archive(str(path)).close()
    assert check_sqlite_path(path) is True
    open_archive(str(path), reset=True).close()  # ours: replaced
    empty = tmp_path / "empty.sqlite"
    empty.write_bytes(b"")
    assert check_sqlite_path(empty) is True  # nothing to lose

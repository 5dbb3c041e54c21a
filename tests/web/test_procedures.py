"""Procedures in mission control: the mission's procedures/ listed, a run that stops before its
hazardous command until an operator types the name back, uploads, dry runs, roles and the audit
log; and the single-command form's confirmation of a hazardous command."""

from __future__ import annotations

import shutil
import time
from importlib import resources

import pytest

from picodragon.web.app import create_app
from picodragon.web.auth import create_user
from tests.web.conftest import USERS, TestClient, bearer
from tests.web.fixtures import KEY, populate

RESET = """
name = "Ping and reset"
description = "A NOOP, a look at the battery, then a software reset"
[[steps]]
command = "NOOP"
[[steps]]
check = "HOUSEKEEPING.battery_voltage_v"
op = ">"
value = 1.0
within = 5
[[steps]]
command = "RESET_SOFTWARE"
"""


@pytest.fixture
def client(tmp_path):
    folder = tmp_path / "mission"
    shutil.copytree(str(resources.files("picodragon") / "missions" / "picodragon"), folder)
    (folder / "procedures").mkdir(exist_ok=True)
    (folder / "procedures" / "ping-reset.toml").write_text(RESET)
    (folder / "procedures" / "broken.toml").write_text("[[steps]]\ncommand = 'WARP'\n")
    db = str(tmp_path / "archive.sqlite")
    populate(db)
    for name, (role, password) in USERS.items():
        create_user(db, name, password, role)
    with TestClient(create_app(db, scenario=str(folder), key=KEY)) as c:
        yield c


def settled(client, run_id: str, headers) -> dict:
    """The run once its thread has stopped running (bounded polling, no timing asserted)."""
    for _ in range(400):
        run = client.get(f"/api/procedures/runs/{run_id}", headers=headers).json()
        if run["status"] != "running":
            return run
        time.sleep(0.05)
    raise AssertionError(f"run {run_id} still running: {run}")


def test_a_run_stops_before_its_hazardous_command_until_the_name_is_typed_back(client):
    olga, victor = bearer(client, "olga"), bearer(client, "victor")
    listing = client.get("/api/procedures", headers=victor).json()
    by_file = {p["file"]: p for p in listing["procedures"]}
    assert by_file["ping-reset.toml"]["hazardous"] == ["RESET_SOFTWARE"]
    assert "step 1: no command 'WARP'" in by_file["broken.toml"]["error"]
    assert client.post("/api/procedures/runs", headers=victor, json={"file": "ping-reset.toml"}).status_code == 403
    r = client.post("/api/procedures/runs", headers=olga, json={"file": "ping-reset.toml"})
    assert r.status_code == 201, r.text
    run = settled(client, r.json()["id"], victor)
    assert run["status"] == "needs_confirmation" and run["waiting_for"] == "RESET_SOFTWARE"
    assert [s["outcome"] for s in run["steps"]] == ["ok", "ok", "needs_confirmation"]
    names = [c["name"] for c in client.get("/api/commands", headers=victor).json()]
    assert "RESET_SOFTWARE" not in names and "NOOP" in names
    wrong = client.post(f"/api/procedures/runs/{run['id']}/confirm", headers=olga, json={"name": "NOOP"})
    assert wrong.status_code == 422 and "type RESET_SOFTWARE" in wrong.json()["detail"]
    assert client.post(f"/api/procedures/runs/{run['id']}/confirm", headers=victor,
                       json={"name": "RESET_SOFTWARE"}).status_code == 403
    ok = client.post(f"/api/procedures/runs/{run['id']}/confirm", headers=olga, json={"name": "reset_software"})
    assert ok.status_code == 200, ok.text
    run = settled(client, run["id"], victor)
    assert run["status"] == "done" and [s["outcome"] for s in run["steps"]] == ["ok", "ok", "ok"]
    released = client.get("/api/commands", headers=victor).json()
    assert released[0]["name"] == "RESET_SOFTWARE" and released[0]["stage"] == "released"
    again = client.post(f"/api/procedures/runs/{run['id']}/confirm", headers=olga, json={"name": "RESET_SOFTWARE"})
    assert again.status_code == 409
    audit = client.get("/api/audit", headers=bearer(client, "ada")).json()
    actions = {(a["action"], a["outcome"]) for a in audit}
    assert {("procedure.run", "started"), ("procedure.confirm", "refused: wrong name"),
            ("procedure.confirm", "confirmed"), ("procedure.command", "released")} <= actions


def test_uploads_and_dry_runs(client):
    olga = bearer(client, "olga")
    r = client.post("/api/procedures/runs", headers=olga, json={
        "text": "steps:\n  - command: NOOP\n  - command: CLEAR_TIME_TAGS\n", "format": "yaml", "dry_run": True})
    assert r.status_code == 201, r.text
    run = settled(client, r.json()["id"], olga)
    assert run["status"] == "done" and [s["outcome"] for s in run["steps"]] == ["dry_run", "dry_run"]
    assert all(c["name"] != "CLEAR_TIME_TAGS" for c in client.get("/api/commands", headers=olga).json())
    bad = client.post("/api/procedures/runs", headers=olga, json={"text": "[[steps]]\nwait = -4\n"})
    assert bad.status_code == 422 and bad.json()["detail"].startswith("upload: step 1")
    assert client.post("/api/procedures/runs", headers=olga, json={"file": "../mission.toml"}).status_code == 404
    assert client.post("/api/procedures/runs", headers=olga, json={}).status_code == 422
    confirmed = client.post("/api/procedures/runs", headers=olga, json={
        "text": "[[steps]]\ncommand = 'ABORT_TRANSFERS'\n", "confirm": ["ABORT_TRANSFERS"]})
    assert settled(client, confirmed.json()["id"], olga)["status"] == "done"
    page = client.get("/procedures", headers=olga)
    assert page.status_code == 200 and "procedures.js" in page.text


def test_the_command_form_needs_a_hazardous_command_typed_back(client):
    olga = bearer(client, "olga")
    spec = {c["name"]: c for c in client.get("/api/dictionary", headers=olga).json()["commands"]}
    assert spec["DELETE_FILE"]["hazardous"] and not spec["NOOP"]["hazardous"]
    body = {"name": "DELETE_FILE", "arguments": {"file_id": 3}}
    refused = client.post("/api/commands", headers=olga, json=body)
    assert refused.status_code == 428 and "type its name" in refused.json()["detail"]
    assert client.post("/api/commands", headers=olga, json={**body, "confirm": "DELETE"}).status_code == 428
    sent = client.post("/api/commands", headers=olga, json={**body, "confirm": "DELETE_FILE"})
    assert sent.status_code == 201 and sent.json()["name"] == "DELETE_FILE"
    assert client.post("/api/commands", headers=olga, json={"name": "NOOP"}).status_code == 201
    held = client.post("/api/commands", headers=olga, json={**body, "release": False})
    assert held.status_code == 201 and held.json()["stage"] == "queued"  # kept: not yet on its way
    release = f"/api/commands/{held.json()['id']}/release"
    assert client.post(release, headers=olga).status_code == 428
    assert client.post(release + "?confirm=NOOP", headers=olga).status_code == 428
    released = client.post(release + "?confirm=DELETE_FILE", headers=olga)
    assert released.status_code == 200 and released.json()["stage"] == "released"

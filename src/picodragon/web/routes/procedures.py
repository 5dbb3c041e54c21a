"""Procedures in mission control: the mission's ``procedures/`` folder (or an uploaded file) run
step by step (operator), each run's steps shown as they end, a hazardous command released only
once its name is typed back; every start, confirmation and command is audited.

A run goes on in a thread of its own (its waits and checks follow the archive in real time);
the page polls ``/api/procedures/runs/{id}``. Runs live in the server's memory (the last
``MAX_RUNS``); the commands they released live in the archive like any other.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field

from picodragon.ground.procedures import (
    Procedure,
    ProcedureError,
    ProcedureRun,
    load_procedure,
    parse_procedure,
)
from picodragon.web import auth
from picodragon.web.auth import Session
from picodragon.web.control import MissionControl
from picodragon.web.routes.common import MC, id63, operator, viewer

router = APIRouter(tags=["procedures"])

#: runs kept in memory (the oldest finished ones are forgotten first)
MAX_RUNS = 50
#: suffixes of procedure files in the mission's folder
SUFFIXES = (".toml", ".yaml", ".yml")


def procedures_folder(scenario: str | None) -> Path | None:
    """The ``procedures/`` folder of the mission ``serve`` was given (a mission folder, or a
    scenario file inside one), None when there is none."""
    if not scenario:
        return None
    ref = Path(scenario)
    for base in (ref, ref.parent) if ref.is_file() else (ref,):
        folder = base / "procedures"
        if folder.is_dir():
            return folder
    return None


def _folder(request: Request) -> Path | None:
    return getattr(request.app.state, "procedures_dir", None)


class WebGround:
    """A procedure's ground in mission control: commands through the web's commander (as the
    commanding form sends them, audited under the user who ran it), stages and points from
    the read pool."""

    def __init__(self, mc: MissionControl, user: str, run_id: int) -> None:
        self.mc, self.user, self.run_id = mc, user, run_id

    def send(self, name: str, arguments: dict[str, float], now: float) -> int:
        command = self.mc.dictionary.command(name)
        if command is None:
            raise ValueError(f"no command {name!r} in the dictionary")
        asked = {"name": name, "arguments": arguments, "procedure_run": self.run_id}
        try:
            cid = self.mc.commander.send(command, arguments, True, None, now=self.mc.mission_now()[0])
        except ValueError as exc:
            auth.audit(self.mc.db, self.user, "procedure.command", asked, f"refused: {exc}")
            raise
        auth.audit(self.mc.db, self.user, "procedure.command", {**asked, "id": str(cid)}, "released")
        return cid

    def stages(self, command_id: int) -> list[str]:
        found = self.mc.queries.commands(command_id=command_id)
        return [s["stage"] for s in found[0]["stages"]] if found else []

    def latest(self, point: str) -> float | None:
        packet, name = point.split(".", 1)
        row = self.mc.queries.latest(packet)
        return None if row is None else row["values"].get(name)


class Runs:
    """The runs of this server, by id; each :meth:`go` runs in a daemon thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.runs: dict[int, tuple[ProcedureRun, threading.Thread | None, str]] = {}
        self._ids = itertools.count(1)

    def add(self, make: Callable[[int], ProcedureRun], user: str) -> int:
        """Keep the run ``make(run_id)`` builds; its id."""
        with self.lock:
            run_id = next(self._ids)
            run = make(run_id)
            if len(self.runs) >= MAX_RUNS:
                idle = [i for i, (r, _, _) in self.runs.items() if r.status != "running"]
                for i in idle[: len(self.runs) - MAX_RUNS + 1]:
                    del self.runs[i]
            self.runs[run_id] = (run, None, user)
            return run_id

    def go(self, run_id: int, confirmed: set[str]) -> None:
        """Run (or go on with) a run in a thread of its own."""
        run, _, user = self.runs[run_id]
        run.status = "running"  # seen at once by the page, before the thread starts
        thread = threading.Thread(target=run.run, args=(confirmed,), name=f"procedure-{run_id}", daemon=True)
        with self.lock:
            self.runs[run_id] = (run, thread, user)
        thread.start()

    def get(self, run_id: int) -> tuple[ProcedureRun, str]:
        with self.lock:
            found = self.runs.get(run_id)
        if found is None:
            raise HTTPException(404, f"no procedure run {run_id}")
        return found[0], found[2]


def _runs(request: Request) -> Runs:
    state = request.app.state
    with _RUNS_LOCK:
        if not hasattr(state, "procedure_runs"):
            state.procedure_runs = Runs()
    return state.procedure_runs


_RUNS_LOCK = threading.Lock()


def _run_json(run_id: int, run: ProcedureRun, user: str) -> dict[str, Any]:
    return {"id": str(run_id), "user": user, **run.to_json()}


def _listing(folder: Path | None, mc: MissionControl) -> list[dict[str, Any]]:
    if folder is None:
        return []
    out = []
    for path in sorted(p for p in folder.iterdir() if p.suffix.lower() in SUFFIXES and p.is_file())[:200]:
        try:
            out.append({"file": path.name, **load_procedure(path, mc.dictionary).to_json()})
        except ProcedureError as exc:
            out.append({"file": path.name, "error": str(exc)})
    return out


@router.get("/api/procedures")
def api_procedures(request: Request, mc: MC, session: Session = viewer) -> dict[str, Any]:
    """The mission's procedures (its ``procedures/`` folder), each checked against the dictionary."""
    folder = _folder(request)
    return {"folder": str(folder) if folder else None, "procedures": _listing(folder, mc)}


class RunBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    file: str | None = Field(None, max_length=200, description="a file of the mission's procedures/ folder")
    text: str | None = Field(None, max_length=100_000, description="or an uploaded procedure's text")
    format: Literal["toml", "yaml"] = Field("toml", description="the uploaded text's format")
    dry_run: bool = Field(False, description="check and log every step, send nothing")
    confirm: list[str] = Field(default_factory=list, max_length=32,
                               description="hazardous commands confirmed in advance, by name")


def _procedure(request: Request, body: RunBody, mc: MissionControl) -> Procedure:
    if (body.file is None) == (body.text is None):
        raise HTTPException(422, "give either file (from the mission's procedures) or text (an upload)")
    try:
        if body.text is not None:
            return parse_procedure(body.text, mc.dictionary, name="upload", yaml=body.format == "yaml")
        folder = _folder(request)
        names = {p.name: p for p in folder.iterdir()} if folder is not None else {}
        path = names.get(body.file or "")
        if path is None or path.suffix.lower() not in SUFFIXES:
            raise HTTPException(404, f"no procedure {body.file!r} in the mission's procedures")
        return load_procedure(path, mc.dictionary)
    except ProcedureError as exc:
        raise HTTPException(422, str(exc)) from None


@router.post("/api/procedures/runs", status_code=201)
def api_start_run(body: RunBody, request: Request, mc: MC, session: Session = operator) -> dict[str, Any]:
    """Start a procedure (operator); it runs on in the server. A hazardous command not named in
    ``confirm`` stops the run before it (status ``needs_confirmation``) until confirmed."""
    asked = {"file": body.file, "upload": body.text is not None, "dry_run": body.dry_run, "confirm": body.confirm}
    try:
        procedure = _procedure(request, body, mc)
    except HTTPException as exc:
        auth.audit(mc.db, session.user.name, "procedure.run", asked, f"refused: {exc.detail}")
        raise
    runs = _runs(request)
    user = session.user.name
    run_id = runs.add(lambda rid: ProcedureRun(procedure, None if body.dry_run else WebGround(mc, user, rid),
                                               dry_run=body.dry_run), user)
    auth.audit(mc.db, session.user.name, "procedure.run", {**asked, "name": procedure.name, "run": str(run_id)},
               "started")
    runs.go(run_id, {c.upper() for c in body.confirm})
    run, user = runs.get(run_id)
    return _run_json(run_id, run, user)


@router.get("/api/procedures/runs")
def api_runs(request: Request, session: Session = viewer) -> list[dict[str, Any]]:
    """This server's procedure runs, newest first."""
    runs = _runs(request)
    with runs.lock:
        items = sorted(runs.runs.items(), reverse=True)
    return [_run_json(i, r, u) for i, (r, _, u) in items]


@router.get("/api/procedures/runs/{run_id}")
def api_run(run_id: str, request: Request, session: Session = viewer) -> dict[str, Any]:
    """One run: its status, the command it waits to have confirmed, each step's outcome."""
    rid = id63(run_id, "run id")
    run, user = _runs(request).get(rid)
    return _run_json(rid, run, user)


class ConfirmBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(..., min_length=1, max_length=64, description="the hazardous command's name, typed back")


@router.post("/api/procedures/runs/{run_id}/confirm")
def api_confirm(run_id: str, body: ConfirmBody, request: Request, mc: MC,
                session: Session = operator) -> dict[str, Any]:
    """Confirm the hazardous command a run stopped before, by typing its name (operator); the
    run goes on from that step."""
    rid = id63(run_id, "run id")
    runs = _runs(request)
    run, user = runs.get(rid)
    asked = {"run": str(rid), "typed": body.name}
    if run.status != "needs_confirmation" or run.waiting_for is None:
        auth.audit(mc.db, session.user.name, "procedure.confirm", asked, f"refused: run is {run.status}")
        raise HTTPException(409, f"run {rid} is {run.status}: nothing to confirm")
    if body.name.strip().upper() != run.waiting_for:
        auth.audit(mc.db, session.user.name, "procedure.confirm", asked, "refused: wrong name")
        raise HTTPException(422, f"type {run.waiting_for} to confirm it")
    auth.audit(mc.db, session.user.name, "procedure.confirm", {**asked, "command": run.waiting_for}, "confirmed")
    runs.go(rid, {run.waiting_for})
    return _run_json(rid, run, user)

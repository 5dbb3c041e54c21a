"""The commanding API: commands with their lifecycle, and (operator) queueing a command checked
against the mission's dictionary, releasing or cancelling one; every attempt is audited."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from fastapi import Path as PathParam
from pydantic import BaseModel, ConfigDict, Field

from picodragon.web import auth
from picodragon.web.auth import Session
from picodragon.web.commanding import CommandError, validate
from picodragon.web.control import MissionControl, iso_z
from picodragon.web.routes.common import (
    ISO_PATTERN,
    MC,
    command_json,
    id63,
    operator,
    parse_time,
    viewer,
)

router = APIRouter(tags=["commanding"])


class CommandBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(..., min_length=1, max_length=64, description="command name from the dictionary")
    arguments: dict[str, float | int | str] = Field(default_factory=dict, max_length=32)
    execute_at: str | None = Field(None, max_length=40, pattern=ISO_PATTERN,
                                   description="time tag: the spacecraft runs it at this UTC time (stored on board)")
    release: bool = Field(True, description="release it for the next pass at once (else it waits, queued)")
    confirm: str | None = Field(None, max_length=64,
                                description="a hazardous command's name typed back: without it the command is refused")


@router.get("/api/commands")
def api_commands(mc: MC, limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                 offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
                 session: Session = viewer) -> list[dict[str, Any]]:
    """Commands newest first, each with its lifecycle (queued, released, sent, ...)."""
    return [command_json(c, mc.dictionary) for c in mc.queries.commands(limit, offset)]


@router.get("/api/commands/{command_id}")
def api_command(command_id: str, mc: MC, session: Session = viewer) -> dict[str, Any]:
    found = mc.queries.commands(command_id=id63(command_id, "command id"))
    if not found:
        raise HTTPException(404, f"no command {command_id}")
    return command_json(found[0], mc.dictionary)


@router.post("/api/commands", status_code=201)
def api_send_command(body: CommandBody, mc: MC, session: Session = operator) -> dict[str, Any]:
    """Queue a command (operator): checked against the dictionary, signed, and (unless
    ``release`` is false) released for the next pass. ``execute_at`` time-tags it on board. A
    hazardous command (the dictionary's ``hazardous``) released at once needs ``confirm`` = its
    name (428 without); one kept queued needs it at its release."""
    execute_at = parse_time(body.execute_at, "execute_at")
    asked = {"name": body.name[:64], "arguments": body.arguments, "execute_at": iso_z(execute_at),
             "release": body.release}
    try:
        command, args = validate(body.name, body.arguments, mc.dictionary)
        if command.hazardous and body.release and (body.confirm or "").strip().upper() != command.name:
            auth.audit(mc.db, session.user.name, "command", asked, "refused: hazardous, not confirmed")
            raise HTTPException(428, f"{command.name} is hazardous: type its name to confirm it")
        # the archive's clock: the wall clock, or the last time of a simulated or replayed archive
        cid = mc.commander.send(command, args, body.release, execute_at, now=mc.mission_now()[0])
    except CommandError as exc:
        auth.audit(mc.db, session.user.name, "command", asked, f"refused: {exc}")
        status = 503 if str(exc).startswith("no uplink key") else 422
        raise HTTPException(status, str(exc)) from None
    auth.audit(mc.db, session.user.name, "command", {**asked, "id": str(cid), "arguments": args},
               "released" if body.release else "queued")
    found = mc.queries.commands(command_id=cid)
    if not found:
        return {"id": str(cid), "name": command.name, "stage": "queued"}
    return command_json(found[0], mc.dictionary)


def _move(mc: MissionControl, command_id: str, action: str, session: Session) -> dict[str, Any]:
    try:
        mc.commander.move(id63(command_id, "command id"), action, now=mc.mission_now()[0])
    except CommandError as exc:
        auth.audit(mc.db, session.user.name, f"command.{action}", {"id": command_id}, f"refused: {exc}")
        raise HTTPException(404 if str(exc).startswith("no command") else 409, str(exc)) from None
    auth.audit(mc.db, session.user.name, f"command.{action}", {"id": command_id}, "ok")
    return command_json(mc.queries.commands(command_id=int(command_id))[0], mc.dictionary)


@router.post("/api/commands/{command_id}/release")
def api_release_command(command_id: Annotated[str, PathParam(max_length=19)], mc: MC,
                        confirm: Annotated[str | None, Query(max_length=64, description=(
                            "a hazardous command's name typed back"))] = None,
                        session: Session = operator) -> dict[str, Any]:
    """Release a queued command for the next pass (operator); a hazardous one needs
    ``confirm`` = its name (428 without), as when it is sent at once."""
    found = mc.queries.commands(command_id=id63(command_id, "command id"))
    command = mc.dictionary.command(found[0]["name"]) if found else None
    if command is not None and command.hazardous and (confirm or "").strip().upper() != command.name:
        auth.audit(mc.db, session.user.name, "command.release", {"id": command_id}, "refused: hazardous, not confirmed")
        raise HTTPException(428, f"{command.name} is hazardous: type its name to confirm it")
    return _move(mc, command_id, "release", session)


@router.post("/api/commands/{command_id}/cancel")
def api_cancel_command(command_id: Annotated[str, PathParam(max_length=19)], mc: MC,
                       session: Session = operator) -> dict[str, Any]:
    """Cancel a command that has not been sent (operator)."""
    return _move(mc, command_id, "cancel", session)

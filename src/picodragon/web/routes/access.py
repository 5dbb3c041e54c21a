"""The access API: sessions (login, logout, who am I), users and the audit log (admin)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi import Path as PathParam
from pydantic import BaseModel, ConfigDict, Field

from picodragon.web import auth
from picodragon.web.auth import Session
from picodragon.web.control import SESSION_COOKIE, iso_z
from picodragon.web.routes.common import MC, admin, client_address, viewer

router = APIRouter(tags=["access"])


class LoginBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(..., min_length=1, max_length=32)
    password: str = Field(..., min_length=1, max_length=auth.MAX_PASSWORD)


class UserBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(..., min_length=1, max_length=32, pattern=auth.USER_NAME.pattern)
    password: str = Field(..., min_length=auth.MIN_PASSWORD, max_length=auth.MAX_PASSWORD)
    role: Literal["viewer", "operator", "admin"] = "viewer"


@router.post("/api/login")
def api_login(request: Request, body: LoginBody, mc: MC) -> dict[str, Any]:
    """Open a session: use the token as ``Authorization: Bearer <token>`` (no CSRF needed)."""
    address = client_address(request)
    if mc.throttle.blocked(address, body.name):
        auth.audit(mc.db, body.name, "login", {"via": "api", "from": address}, "throttled")
        raise HTTPException(429, "too many failed logins from this address: wait a few minutes")
    user = auth.authenticate(mc.db, body.name, body.password)
    if user is None:
        mc.throttle.failed(address, body.name)
        auth.audit(mc.db, body.name, "login", {"via": "api", "from": address}, "refused")
        raise HTTPException(401, "wrong user name or password")
    mc.throttle.succeeded(address, body.name)
    token, session = auth.start_session(mc.db, user)
    auth.audit(mc.db, user.name, "login", {"via": "api"}, "ok")
    return {"token": token, "csrf_token": session.csrf_token, "user": user.name, "role": user.role,
            "expires": iso_z(session.expires_unix_s)}


@router.post("/api/logout")
def api_logout(request: Request, mc: MC, session: Session = viewer) -> dict[str, bool]:
    header = request.headers.get("authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else request.cookies.get(SESSION_COOKIE)
    auth.end_session(mc.db, token)
    return {"ok": True}


@router.get("/api/me")
def api_me(session: Session = viewer) -> dict[str, Any]:
    return {"user": session.user.name, "role": session.user.role,
            "can_command": session.user.can("operator"), "expires": iso_z(session.expires_unix_s)}


@router.get("/api/users")
def api_users(mc: MC, session: Session = admin) -> list[dict[str, Any]]:
    return [{**u, "created": iso_z(u.pop("created_unix_s"))} for u in auth.list_users(mc.db)]


@router.post("/api/users", status_code=201)
def api_add_user(body: UserBody, mc: MC, session: Session = admin) -> dict[str, str]:
    try:
        user = auth.create_user(mc.db, body.name, body.password, body.role)
    except auth.AuthError as exc:
        raise HTTPException(422, str(exc)) from None
    auth.audit(mc.db, session.user.name, "user.add", {"name": user.name, "role": user.role}, "ok")
    return {"name": user.name, "role": user.role}


@router.delete("/api/users/{name}")
def api_delete_user(name: Annotated[str, PathParam(max_length=32, pattern=auth.USER_NAME.pattern)], mc: MC,
                    session: Session = admin) -> dict[str, bool]:
    if name == session.user.name:
        raise HTTPException(422, "you cannot delete yourself")
    done = auth.delete_user(mc.db, name)
    auth.audit(mc.db, session.user.name, "user.delete", {"name": name}, "ok" if done else "no such user")
    if not done:
        raise HTTPException(404, f"no user {name}")
    return {"deleted": True}


@router.get("/api/audit")
def api_audit(mc: MC, limit: Annotated[int, Query(ge=1, le=1000)] = 200,
              offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
              session: Session = admin) -> list[dict[str, Any]]:
    return [{**a, "time": iso_z(a["unix_s"])} for a in auth.audit_log(mc.db, limit, offset)]

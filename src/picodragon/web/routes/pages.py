"""The HTML pages (thin shells whose scripts fetch the JSON API), the login and logout forms,
and the locally served map, plotly.js and health check."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from picodragon.web import auth
from picodragon.web.control import SESSION_COOKIE
from picodragon.web.media import plotly_js_path, world_map_jpeg
from picodragon.web.routes.common import client_address, control

LOGIN_CSRF_COOKIE = "pd_login_csrf"
TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parents[1] / "templates"))
#: (template, path, title) of every page, in the order of the navigation bar
PAGES = [("overview", "/", "Overview"), ("telemetry", "/telemetry", "Telemetry"),
         ("track", "/track", "Ground track & passes"), ("console", "/console", "Pass console"),
         ("images", "/images", "Images"),
         ("commanding", "/commanding", "Commanding"), ("procedures", "/procedures", "Procedures"),
         ("events", "/events", "Events & alarms"),
         ("frames", "/frames", "Frames"),
         ("admin", "/admin", "Admin")]

router = APIRouter()


def _cookie_options(request: Request) -> dict[str, Any]:
    return request.app.state.cookie_options


def _spacecraft(request: Request) -> str:
    scenario = control(request).scenario
    return scenario.spacecraft.name if scenario else "spacecraft"


def safe_next(path: str) -> str:
    """Only local paths after login (no open redirect)."""
    if not path.startswith("/") or path.startswith("//") or "\\" in path or len(path) > 200:
        return "/"
    return path


def _page(name: str, title: str) -> Callable[..., Response]:
    def page(request: Request) -> Response:
        session, _ = control(request).session(request)
        if session is None:
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        if name == "admin" and not session.user.can("admin"):
            raise HTTPException(403, "the admin role is needed")
        return TEMPLATES.TemplateResponse(request, f"{name}.html", {
            "title": title, "page": name, "user": session.user, "csrf_token": session.csrf_token,
            "pages": [p for p in PAGES if p[0] != "admin" or session.user.can("admin")],
            "spacecraft": _spacecraft(request),
        })
    page.__name__ = f"page_{name}"
    return page


for _name, _path, _title in PAGES:
    router.add_api_route(_path, _page(_name, _title), methods=["GET"], include_in_schema=False,
                         response_class=HTMLResponse)


@router.get("/login", include_in_schema=False, response_class=HTMLResponse)
def login_page(request: Request, next: Annotated[str, Query(max_length=200)] = "/",
               error: Annotated[str, Query(max_length=10)] = "") -> Response:
    token = secrets.token_urlsafe(24)
    response = TEMPLATES.TemplateResponse(request, "login.html", {
        "title": "Log in", "page": "login", "user": None, "pages": [], "csrf_token": token,
        "next": safe_next(next), "error": error == "1", "spacecraft": _spacecraft(request),
    })
    response.set_cookie(LOGIN_CSRF_COOKIE, token, max_age=3600, **_cookie_options(request))
    return response


@router.post("/login", include_in_schema=False)
async def login_form(request: Request) -> Response:
    mc = control(request)
    form = await request.form()
    name, password = str(form.get("name", ""))[:64], str(form.get("password", ""))[:auth.MAX_PASSWORD]
    nxt = safe_next(str(form.get("next", "/")))
    cookie_token = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie_token or not secrets.compare_digest(cookie_token, str(form.get("csrf_token", ""))):
        raise HTTPException(403, "missing or wrong CSRF token: reload the login page")
    address = client_address(request)
    if mc.throttle.blocked(address, name):
        await run_in_threadpool(auth.audit, mc.db, name or "?", "login", {"via": "form", "from": address},
                                "throttled")
        return RedirectResponse(f"/login?error=1&next={nxt}", status_code=303)
    user = await run_in_threadpool(auth.authenticate, mc.db, name, password)
    if user is None:
        mc.throttle.failed(address, name)
        await run_in_threadpool(auth.audit, mc.db, name or "?", "login", {"via": "form", "from": address},
                                "refused")
        return RedirectResponse(f"/login?error=1&next={nxt}", status_code=303)
    mc.throttle.succeeded(address, name)
    token, _ = await run_in_threadpool(auth.start_session, mc.db, user)
    await run_in_threadpool(auth.audit, mc.db, user.name, "login", {"via": "form"}, "ok")
    response = RedirectResponse(nxt, status_code=303)
    response.set_cookie(SESSION_COOKIE, token, max_age=auth.SESSION_SECONDS, **_cookie_options(request))
    response.delete_cookie(LOGIN_CSRF_COOKIE, **_cookie_options(request))
    return response


@router.post("/logout", include_in_schema=False)
async def logout_form(request: Request) -> Response:
    mc = control(request)
    form = await request.form()
    session, _ = mc.session(request)
    if session is not None:
        if not auth.csrf_ok(session, str(form.get("csrf_token", ""))):
            raise HTTPException(403, "missing or wrong CSRF token")
        auth.end_session(mc.db, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, **_cookie_options(request))
    return response


@router.get("/map.jpg", include_in_schema=False)
def world_map() -> Response:
    return Response(world_map_jpeg(), media_type="image/jpeg", headers={"Cache-Control": "public, max-age=86400"})


@router.get("/plotly.min.js", include_in_schema=False)
def plotly_js() -> Response:
    return FileResponse(plotly_js_path(), media_type="text/javascript",
                        headers={"Cache-Control": "public, max-age=86400"})


@router.get("/healthz", include_in_schema=False)
def healthz() -> dict[str, str]:
    return {"status": "ok"}

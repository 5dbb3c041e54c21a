"""The security headers every response of mission control carries, added as plain ASGI middleware.

Starlette's ``@app.middleware("http")`` wraps each request in a ``BaseHTTPMiddleware``, which
runs the rest of the application in a task of its own and passes the response through a memory
stream: under 20 concurrent clients that machinery was a measurable part of each request's CPU
(bench/web_load.py). This middleware does the same job on the ``http.response.start`` message
alone: each header is added unless the route set it already, and ``/api/`` responses are not to
be cached (they carry session data).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class SecurityHeaders:
    """Add ``headers`` (name -> value) to every HTTP response that lacks them, and
    ``Cache-Control: no-store`` to those under ``/api/``."""

    def __init__(self, app: ASGIApp, headers: dict[str, str]) -> None:
        self.app = app
        self.headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
        self.api_headers = [*self.headers, (b"cache-control", b"no-store")]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        wanted = self.api_headers if scope.get("path", "").startswith("/api/") else self.headers

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", ())}
                missing = [(k, v) for k, v in wanted if k not in present]
                if missing:
                    message["headers"] = [*message.get("headers", ()), *missing]
            await send(message)

        await self.app(scope, receive, send_with_headers)

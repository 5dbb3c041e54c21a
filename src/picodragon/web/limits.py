"""A ceiling on request bodies, enforced before any route reads them.

Without it an anonymous client could POST hundreds of megabytes to ``/api/login`` and the server
would hold all of it in memory to parse it (issue 11: 300 MB took the process to 1.08 GB).
:class:`BodyLimit` is plain ASGI middleware: it refuses a request whose ``Content-Length``
exceeds the limit with a 413 before reading a byte, and counts the bytes of a body sent without
one (chunked), refusing it with a 413 as soon as the count passes the limit, so at most one
limit's worth (plus one chunk) of a body is ever held.

The default limit, 64 KiB, is far above the largest body mission control accepts: a login, a
command with at most 32 arguments, an alarm acknowledgement with a 500-character comment, a new
user. No route takes an upload, so no route has a larger limit; ``per_path`` is there for the
day one does (longest matching path prefix wins).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.exceptions import HTTPException

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: the largest request body any route accepts, in bytes
MAX_BODY_BYTES = 64 * 1024


class BodyTooLarge(HTTPException):
    """A request body over the limit: 413. An HTTPException so that routes which read the body
    themselves (form parsing, FastAPI's body parsing, which turns other errors into a 400) pass
    it on unchanged to the exception handler."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body larger than {limit} bytes")


class BodyLimit:
    """ASGI middleware: 413 for a request body over ``max_bytes`` (or ``per_path``'s limit)."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES,
                 per_path: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.per_path = dict(per_path or {})

    def limit_for(self, path: str) -> int:
        """The body limit of a path: the longest ``per_path`` prefix that matches, else the default."""
        best = max((p for p in self.per_path if path.startswith(p)), key=len, default=None)
        return self.max_bytes if best is None else self.per_path[best]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(str(scope.get("path", "")))
        declared = [v for k, v in scope.get("headers", ()) if k.lower() == b"content-length"]
        if declared:
            text = declared[0].strip()
            if len(declared) > 1 or not (text.isdigit() and len(text) <= 20):
                await _plain(send, 400, b"malformed Content-Length")
                return
            if int(text) > limit:
                await _plain(send, 413, f"request body larger than {limit} bytes".encode())
                return

        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message.get("type") == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            if message.get("type") == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except BodyTooLarge:
            # raised outside the exception handlers' reach (a middleware reading the body)
            if started:
                raise
            await _plain(send, 413, f"request body larger than {limit} bytes".encode())


async def _plain(send: Send, status: int, text: bytes) -> None:
    """A short JSON error (``{"detail": text}``, as the routes' errors), sent without reading
    the request body."""
    text = json.dumps({"detail": text.decode()}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(text)).encode()), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": text})

"""Pure ASGI middleware every response goes through: a body cap and the default headers.

The body cap answers 413 before reading a body whose ``Content-Length`` is too big, and cuts
off a chunked body the moment it passes the cap, so a 100 MB upload costs the server at most
the cap. Responses get ``Cache-Control: no-store`` unless the route chose a cache policy
(token responses must not be cached, RFC 6749 §5.1), plus ``X-Content-Type-Options`` and,
unless the route set its own, ``X-Frame-Options: DENY`` and ``frame-ancestors 'none'``.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["BodyLimitMiddleware", "DefaultHeadersMiddleware"]


class _BodyTooLargeError(Exception):
    pass


async def _send_json(send: Send, status: int, body: dict[str, Any]) -> None:
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                (b"cache-control", b"no-store"),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_large = {
            "error": "invalid_request",
            "error_description": f"The request body is larger than {self.max_body_bytes} bytes",
        }
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await _send_json(
                        send,
                        400,
                        {
                            "error": "invalid_request",
                            "error_description": "The Content-Length header is not a number",
                        },
                    )
                    return
                if declared > self.max_body_bytes:
                    await _send_json(send, 413, too_large)
                    return
        received = 0
        started = False
        exceeded = False

        async def limited_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    exceeded = True
                    raise _BodyTooLargeError
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if exceeded:
                # Whatever the app made of a body it could not read (a parser may catch the
                # error and answer 400): the answer is the 413.
                if message["type"] == "http.response.start" and not started:
                    started = True
                    await _send_json(send, 413, too_large)
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyTooLargeError:
            if not started:
                await _send_json(send, 413, too_large)


class DefaultHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                if b"cache-control" not in names:
                    headers += [(b"cache-control", b"no-store"), (b"pragma", b"no-cache")]
                headers.append((b"x-content-type-options", b"nosniff"))
                # No page of this server may be framed (clickjacking); HTML pages set a full
                # policy of their own, everything else gets at least this.
                if b"x-frame-options" not in names:
                    headers.append((b"x-frame-options", b"DENY"))
                if b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", b"frame-ancestors 'none'"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)

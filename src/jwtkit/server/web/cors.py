"""CORS for the endpoints a browser app calls directly: token, revoke, userinfo, JWKS and
discovery. Only the registered web origins of public clients are allowed, each named
exactly in ``Access-Control-Allow-Origin`` (never ``*``), and credentials (cookies) are never
allowed: these endpoints take a bearer token or a form, so a page on another origin gains
nothing it could not do itself.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CORS_PATHS", "CorsMiddleware"]

CORS_PATHS = frozenset(
    {
        "/auth/token",
        "/auth/revoke",
        "/auth/userinfo",
        "/.well-known/jwks.json",
        "/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server",
    }
)
_PREFLIGHT_MAX_AGE = b"600"


def _varying(send: Send) -> Send:
    """Say that the answer depends on Origin even when none was sent: a shared cache must
    not hand a browser's cross-origin request the copy made for a request without one."""

    async def with_vary(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), (b"vary", b"Origin")]}
        await send(message)

    return with_vary


class CorsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in CORS_PATHS:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        origin_bytes = headers.get(b"origin")
        if origin_bytes is None:
            await self.app(scope, receive, _varying(send))
            return
        origin = origin_bytes.decode("latin-1")
        runtime = scope["app"].state.runtime
        try:
            allowed = origin.lower() in await runtime.clients.web_origins()
        except Exception:  # the database is out: allow no origin (the request itself may fail)
            allowed = False
        preflight = scope["method"] == "OPTIONS" and b"access-control-request-method" in headers
        if preflight:
            response_headers = [(b"vary", b"Origin"), (b"content-length", b"0")]
            if allowed:
                response_headers += [
                    (b"access-control-allow-origin", origin_bytes),
                    (b"access-control-allow-methods", b"GET, POST"),
                    (b"access-control-allow-headers", b"Authorization, Content-Type"),
                    (b"access-control-max-age", _PREFLIGHT_MAX_AGE),
                ]
            await send(
                {
                    "type": "http.response.start",
                    "status": 204 if allowed else 403,
                    "headers": response_headers,
                }
            )
            await send({"type": "http.response.body", "body": b""})
            return

        async def with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = [(b"vary", b"Origin")]
                if allowed:
                    extra += [
                        (b"access-control-allow-origin", origin_bytes),
                        (b"access-control-expose-headers", b"WWW-Authenticate, Retry-After"),
                    ]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, with_cors)

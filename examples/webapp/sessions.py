"""Server-side sessions: the browser holds an opaque, random id; everything else stays here.

This is the backend-for-frontend's core promise: access, refresh and ID tokens never reach
the browser, so a script injected into a page has nothing to steal but a cookie it cannot
read (HttpOnly). Starlette's own SessionMiddleware signs the data into the cookie, which the
browser could read; this one gives ``request.session`` the same shape (Authlib keeps its
state, nonce and PKCE verifier there) but keeps the data in a store on the server.

The store here is one process's memory, enough for one uvicorn worker; several workers or
replicas would put the same mapping in Redis or a database.
"""

from __future__ import annotations

import secrets
import time
from http.cookies import SimpleCookie
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["MemorySessionStore", "ServerSideSessionMiddleware", "renew_session"]

IDLE_SECONDS = 8 * 3600
_RENEW = "webapp.session.renew"


class MemorySessionStore:
    """Session data by id, forgotten after ``idle_seconds`` without a request."""

    def __init__(self, idle_seconds: float = IDLE_SECONDS) -> None:
        self._idle_seconds = idle_seconds
        self._sessions: dict[str, tuple[float, dict[str, Any]]] = {}

    def load(self, session_id: str) -> dict[str, Any] | None:
        entry = self._sessions.get(session_id)
        if entry is None or entry[0] < time.monotonic():
            self._sessions.pop(session_id, None)
            return None
        return entry[1]

    def save(self, session_id: str, data: dict[str, Any]) -> None:
        self._sessions[session_id] = (time.monotonic() + self._idle_seconds, data)
        if len(self._sessions) % 1000 == 0:  # now and then, drop the expired ones
            now = time.monotonic()
            for stale in [key for key, (until, _) in self._sessions.items() if until < now]:
                del self._sessions[stale]

    def delete(self, session_id: str) -> None:
        self._sessions.pop(session_id, None)


def renew_session(request: Request) -> None:
    """Give the session a new id when the response is sent (at sign-in and sign-out), so an
    id planted in the browser beforehand (session fixation) never becomes a signed-in one."""
    request.scope[_RENEW] = True


class ServerSideSessionMiddleware:
    def __init__(
        self, app: ASGIApp, *, store: MemorySessionStore, cookie_name: str, secure: bool
    ) -> None:
        self.app = app
        self.store = store
        # __Host-: the browser refuses it unless Secure, Path=/ and no Domain (RFC 6265bis).
        self.cookie_name = f"__Host-{cookie_name}" if secure else cookie_name
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        session_id = self._cookie(scope)
        data = self.store.load(session_id) if session_id else None
        if data is None:
            session_id, data = None, {}
        scope["session"] = data

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                cookie = self._persist(scope, session_id, data)
                if cookie is not None:
                    MutableHeaders(scope=message).append("set-cookie", cookie)
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    def _cookie(self, scope: Scope) -> str | None:
        for name, value in scope["headers"]:
            if name == b"cookie":
                morsel = SimpleCookie(value.decode("latin-1")).get(self.cookie_name)
                if morsel is not None:
                    return morsel.value
        return None

    def _persist(self, scope: Scope, session_id: str | None, data: dict[str, Any]) -> str | None:
        """Save the session; answer the Set-Cookie header to send, if the id changed."""
        renew = bool(scope.get(_RENEW))
        if session_id is not None and (renew or not data):
            self.store.delete(session_id)
        if not data:
            return self._set_cookie("", max_age=0) if session_id is not None else None
        if session_id is not None and not renew:
            self.store.save(session_id, data)
            return None
        new_id = secrets.token_urlsafe(32)
        self.store.save(new_id, data)
        return self._set_cookie(new_id)

    def _set_cookie(self, value: str, max_age: int | None = None) -> str:
        attributes = [f"{self.cookie_name}={value}", "Path=/", "HttpOnly", "SameSite=Lax"]
        if max_age is not None:
            attributes.append(f"Max-Age={max_age}")
        if self.secure:
            attributes.append("Secure")
        return "; ".join(attributes)

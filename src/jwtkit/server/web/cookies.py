"""The browser cookies: the session and the CSRF binding.

Both are HttpOnly and SameSite=Lax (the redirect back from a client is a top-level GET, which
Lax lets through; a cross-site POST or fetch gets no cookie). Under an https issuer they are
``Secure`` and ``__Host-`` prefixed, which the browser only accepts from that exact host with
``Path=/`` and no ``Domain``: a sibling subdomain cannot plant or overwrite them.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

__all__ = ["BrowserCookies"]


class BrowserCookies:
    def __init__(self, issuer_url: str, *, session_max_age: int) -> None:
        self.secure = issuer_url.startswith("https://")
        prefix = "__Host-" if self.secure else ""
        self.session_name = f"{prefix}jwtkit_session"
        self.csrf_name = f"{prefix}jwtkit_csrf"
        self._session_max_age = session_max_age

    def session(self, request: Request) -> str | None:
        return request.cookies.get(self.session_name)

    def csrf(self, request: Request) -> str | None:
        return request.cookies.get(self.csrf_name)

    def set_session(self, response: Response, value: str) -> None:
        self._set(response, self.session_name, value, self._session_max_age)

    def clear_session(self, response: Response) -> None:
        self._set(response, self.session_name, "", 0)

    def set_csrf(self, response: Response, value: str) -> None:
        self._set(response, self.csrf_name, value, None)

    def _set(self, response: Response, name: str, value: str, max_age: int | None) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path="/",
            secure=self.secure,
            httponly=True,
            samesite="lax",
        )

"""The web app's configuration, read once from ``WEBAPP_*`` environment variables.

Nothing has a hidden default that would be wrong in production except the title and the
cookie name: the issuer, the client and the API are always named by whoever runs the app.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["WebAppSettings"]


@dataclass(frozen=True)
class WebAppSettings:
    #: The jwtkit server's issuer URL; its OpenID configuration is discovered from it.
    issuer: str
    #: This app's client at the jwtkit server (``jwtkit admin clients create ...``).
    client_id: str
    #: Empty for a public client: then PKCE alone protects the code exchange.
    client_secret: str
    #: Where this app is reached by browsers; the redirect URIs registered are built from it.
    public_url: str
    #: The orders API (examples/fastapi_api.py) the access token is sent to.
    api_url: str
    scope: str = "openid profile orders:read"
    title: str = "Orders"
    #: Apps on one host share cookies across ports: each needs a cookie name of its own.
    session_cookie: str = "webapp_session"

    @property
    def redirect_uri(self) -> str:
        return f"{self.public_url}/callback"

    @property
    def post_logout_redirect_uri(self) -> str:
        return f"{self.public_url}/signed-out"

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.startswith("https://")

    @classmethod
    def from_environment(cls, environment: Mapping[str, str] | None = None) -> WebAppSettings:
        env = os.environ if environment is None else environment
        missing = [
            name
            for name in ("WEBAPP_ISSUER", "WEBAPP_CLIENT_ID", "WEBAPP_URL", "WEBAPP_API_URL")
            if not env.get(name)
        ]
        if missing:
            raise SystemExit(f"webapp: set {', '.join(missing)} (see examples/webapp/app.py)")
        return cls(
            issuer=env["WEBAPP_ISSUER"].rstrip("/"),
            client_id=env["WEBAPP_CLIENT_ID"],
            client_secret=env.get("WEBAPP_CLIENT_SECRET", ""),
            public_url=env["WEBAPP_URL"].rstrip("/"),
            api_url=env["WEBAPP_API_URL"].rstrip("/"),
            scope=env.get("WEBAPP_SCOPE", cls.scope),
            title=env.get("WEBAPP_TITLE", cls.title),
            session_cookie=env.get("WEBAPP_SESSION_COOKIE", cls.session_cookie),
        )

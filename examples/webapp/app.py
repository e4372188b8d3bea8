r"""A web app whose users sign in through ``jwtkit serve``, in the backend-for-frontend pattern.

The browser is sent to the jwtkit server's login page (authorization code + PKCE S256 +
OpenID Connect, through Authlib's OAuth client: an implementation independent of jwtkit);
the code comes back here and is exchanged on the server side. The tokens stay in this
process; the browser holds only an HttpOnly cookie with an opaque session id. The home page
shows the user's orders, fetched from the orders API (examples/fastapi_api.py) with the
access token. Signing out ends the local session, then the session at the jwtkit server
(OpenID RP-initiated logout), which signs the user out of every app that relies on it.

Register the client once, then run the app:

    uv run jwtkit admin clients create webapp --grant-type authorization_code \
        --scope openid --scope profile --scope orders:read --audience api \
        --redirect-uri http://127.0.0.1:8002/callback
    WEBAPP_ISSUER=http://127.0.0.1:8000 WEBAPP_URL=http://127.0.0.1:8002 \
    WEBAPP_API_URL=http://127.0.0.1:8001 WEBAPP_CLIENT_ID=... WEBAPP_CLIENT_SECRET=... \
        uv run uvicorn --app-dir examples --factory webapp.app:create_app --port 8002

docs/browser-signin.md walks the whole flow, with the orders API and the server.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import httpx
from authlib.integrations.starlette_client import OAuth, OAuthError
from fastapi import FastAPI, Form, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .sessions import MemorySessionStore, ServerSideSessionMiddleware, renew_session
from .settings import WebAppSettings

__all__ = ["create_app"]

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
STYLE = Path(__file__).parent / "templates" / "style.css"
#: Every page may show private data: never cached (the back button after sign-out refetches),
#: never framed, never a referrer (the callback's URL carries the code).
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self' "
    "{issuer}; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
API_TIMEOUT = httpx.Timeout(10.0)


class AccessEndedError(Exception):
    """The API refused the access token: it expired, or the user signed out at the server."""


class OrdersUnavailableError(Exception):
    """The API could not answer; the message says why, for the page."""


class SecurityHeaders:
    """Adds :data:`PAGE_HEADERS` to every response."""

    def __init__(self, app: ASGIApp, *, issuer: str) -> None:
        self.app = app
        self.headers = [
            (name.lower().encode(), value.format(issuer=issuer).encode())
            for name, value in PAGE_HEADERS.items()
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *self.headers]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(settings: WebAppSettings | None = None) -> FastAPI:
    """The app for ``settings`` (read from the environment when not given)."""
    settings = settings or WebAppSettings.from_environment()
    oauth = OAuth()
    # Authlib discovers the endpoints and the keys that sign ID tokens from the issuer.
    client_kwargs: dict[str, Any] = {
        "scope": settings.scope,
        "code_challenge_method": "S256",
        "timeout": 10.0,
    }
    if not settings.client_secret:
        client_kwargs["token_endpoint_auth_method"] = "none"
    jwtkit_server = oauth.register(
        name="jwtkit",
        server_metadata_url=f"{settings.issuer}/.well-known/openid-configuration",
        client_id=settings.client_id,
        client_secret=settings.client_secret or None,
        client_kwargs=client_kwargs,
    )

    app = FastAPI(title=settings.title, docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(
        ServerSideSessionMiddleware,
        store=MemorySessionStore(),
        cookie_name=settings.session_cookie,
        secure=settings.secure_cookies,
    )
    app.add_middleware(SecurityHeaders, issuer=settings.issuer)

    def page(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
        return TEMPLATES.TemplateResponse(
            request, template, {"title": settings.title, **context}, status_code=status_code
        )

    def csrf_token(request: Request) -> str:
        token: str = request.session.setdefault("csrf", secrets.token_urlsafe(32))
        return token

    @app.get("/style.css")
    async def style() -> FileResponse:
        return FileResponse(STYLE, media_type="text/css")

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/")
    async def home(request: Request) -> Response:
        user = request.session.get("user")
        if user is None:
            return page(request, "home.html", user=None)
        try:
            orders = await fetch_orders(request.session["access_token"])
        except AccessEndedError:
            # Signed out elsewhere (or expired): the tokens here are worth nothing now.
            request.session.clear()
            return page(request, "home.html", user=None, ended=True)
        except OrdersUnavailableError as problem:
            orders, notice = [], str(problem)
        else:
            notice = None
        return page(
            request, "home.html", user=user, orders=orders, problem=notice, csrf=csrf_token(request)
        )

    async def fetch_orders(access_token: str) -> list[dict[str, Any]]:
        """The user's orders from the API, with the access token kept here."""
        try:
            async with httpx.AsyncClient(timeout=API_TIMEOUT) as http:
                answer = await http.get(
                    f"{settings.api_url}/orders",
                    headers={"Authorization": f"Bearer {access_token}"},
                )
        except httpx.HTTPError as error:
            raise OrdersUnavailableError("The orders service cannot be reached.") from error
        if answer.status_code == 401:
            raise AccessEndedError
        if answer.status_code != 200:
            raise OrdersUnavailableError(f"The orders service answered {answer.status_code}.")
        orders: list[dict[str, Any]] = answer.json()["orders"]
        return orders

    @app.get("/login")
    async def login(request: Request) -> Response:
        try:
            response: Response = await jwtkit_server.authorize_redirect(
                request, settings.redirect_uri
            )
        except httpx.HTTPError:  # the metadata could not be read
            return page(request, "error.html", 502, message="The sign-in server is unreachable.")
        return response

    @app.get("/callback")
    async def callback(request: Request) -> Response:
        metadata = await jwtkit_server.load_server_metadata()
        # RFC 9207: a code must come from the server this app sent the user to (mix-up attacks).
        issuer = request.query_params.get("iss")
        if issuer != metadata["issuer"] and (
            issuer is not None or metadata.get("authorization_response_iss_parameter_supported")
        ):
            return page(request, "error.html", 400, message="The sign-in answer is not ours.")
        try:
            token = await jwtkit_server.authorize_access_token(request)
        except OAuthError as error:
            if error.error == "access_denied":
                message = f"You did not allow {settings.title} to sign you in."
            else:
                message = error.description or error.error or "The sign-in did not complete."
            return page(request, "error.html", 400, message=message)
        except httpx.HTTPError:
            return page(request, "error.html", 502, message="The sign-in server is unreachable.")
        claims = token.get("userinfo")
        if not claims:  # no ID token: the scope lacks openid, or the server ignored it
            return page(request, "error.html", 502, message="The sign-in server sent no ID token.")
        request.session.clear()
        request.session.update(
            user={
                "sub": claims.get("sub"),
                "name": claims.get("name") or claims.get("preferred_username") or claims["sub"],
            },
            access_token=token["access_token"],
            id_token=token.get("id_token"),
        )
        renew_session(request)
        return RedirectResponse("/", status_code=303)

    @app.post("/logout")
    async def logout(request: Request, csrf: str = Form("")) -> Response:
        expected = request.session.get("csrf")
        if expected is None or not secrets.compare_digest(csrf, expected):
            return page(request, "error.html", 403, message="That sign-out form was not ours.")
        id_token = request.session.get("id_token")
        request.session.clear()
        renew_session(request)
        metadata = await jwtkit_server.load_server_metadata()
        if "end_session_endpoint" not in metadata:
            return RedirectResponse("/", status_code=303)
        end_session = await jwtkit_server.create_logout_url(
            post_logout_redirect_uri=settings.post_logout_redirect_uri,
            id_token_hint=id_token,
            client_id=settings.client_id,
        )
        return RedirectResponse(end_session["url"], status_code=303)

    @app.get("/signed-out")
    async def signed_out(request: Request) -> Response:
        return page(request, "home.html", user=None, signed_out=True)

    return app

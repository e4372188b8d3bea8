"""The same small orders API in every framework jwtkit supports, with one test client shape.

Routes: ``/public`` (no token needed), ``/secure-endpoint`` (a token, no scope) and
``/orders`` (scope ``orders:read``). :func:`serve` builds the app for a framework with the
given guard options and yields a :class:`Client` whose ``get`` returns an :class:`Answer`,
so one test can send the same request to every framework and compare the answers.
"""

# No `from __future__ import annotations`: FastAPI reads the Annotated[..., Security(auth)]
# of routes defined inside functions, which string annotations would hide from it.
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any, Protocol

FRAMEWORKS = ("fastapi", "starlette", "litestar", "flask", "django", "drf")
#: Frameworks whose routes declare scopes with jwtkit (Litestar gets the middleware only).
SCOPED_FRAMEWORKS = ("fastapi", "starlette", "flask", "django", "drf")


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: Any

    @property
    def challenge(self) -> str | None:
        return self.headers.get("www-authenticate")


class Client(Protocol):
    def get(
        self, path: str, headers: Sequence[tuple[str, str]] = (), query: str = ""
    ) -> Answer: ...


def _answer(status: int, headers: Any, body: bytes) -> Answer:
    try:
        parsed: Any = json.loads(body)
    except ValueError:
        parsed = body.decode("utf-8", "replace")
    return Answer(status, {name.lower(): value for name, value in headers.items()}, parsed)


class _HttpxStyleClient:
    """Starlette's, FastAPI's and Litestar's test clients (httpx under the hood)."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def get(self, path: str, headers: Sequence[tuple[str, str]] = (), query: str = "") -> Answer:
        url = f"{path}?{query}" if query else path
        response = self._client.get(url, headers=list(headers))
        return _answer(response.status_code, response.headers, response.content)


class _FlaskClient:
    def __init__(self, client: Any) -> None:
        self._client = client

    def get(self, path: str, headers: Sequence[tuple[str, str]] = (), query: str = "") -> Answer:
        response = self._client.get(path, query_string=query, headers=list(headers))
        return _answer(response.status_code, response.headers, response.data)


class _DjangoClient:
    def __init__(self, client: Any, prefix: str) -> None:
        self._client = client
        self._prefix = prefix

    def get(self, path: str, headers: Sequence[tuple[str, str]] = (), query: str = "") -> Answer:
        extra: dict[str, str] = {"QUERY_STRING": query}
        values = [value for name, value in headers if name.lower() == "authorization"]
        if values:  # a WSGI server joins repeated headers with ", " (RFC 9110 §5.3)
            extra["HTTP_AUTHORIZATION"] = ", ".join(values)
        for name, value in headers:
            if name.lower() != "authorization":
                extra["HTTP_" + name.upper().replace("-", "_")] = value
        response = self._client.get(self._prefix + path, **extra)
        return _answer(response.status_code, response.headers, response.content)


def fastapi_app(**options: Any) -> Any:
    from fastapi import Depends, FastAPI, Security

    from jwtkit.integrations.fastapi import JWTBearer

    auth = JWTBearer(**options)
    app = FastAPI()

    @app.get("/public")
    async def public() -> dict[str, Any]:
        return {"anonymous": True}

    @app.get("/secure-endpoint")
    async def secure(claims: Annotated[dict[str, Any], Depends(auth)]) -> dict[str, Any]:
        return {"sub": claims["sub"]}

    @app.get("/orders")
    def orders(
        claims: Annotated[dict[str, Any], Security(auth, scopes=["orders:read"])],
    ) -> dict[str, Any]:
        return {"sub": claims["sub"], "orders": [1, 2, 3]}

    return app


def starlette_app(**options: Any) -> Any:
    from starlette.applications import Starlette
    from starlette.authentication import requires
    from starlette.middleware import Middleware
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from jwtkit.integrations.asgi import JWTAuthMiddleware, require_token

    async def public(request: Request) -> JSONResponse:
        return JSONResponse({"anonymous": not request.user.is_authenticated})

    @require_token
    async def secure(request: Request) -> JSONResponse:
        return JSONResponse({"sub": request.user.identity})

    @require_token(scopes=["orders:read"])
    def orders(request: Request) -> JSONResponse:  # a sync endpoint (Starlette threads it)
        return JSONResponse({"sub": request.auth.claims["sub"], "orders": [1, 2, 3]})

    @requires("orders:read")
    async def starlette_requires(request: Request) -> JSONResponse:
        return JSONResponse({"scopes": request.auth.scopes, "user": request.user.display_name})

    return Starlette(
        routes=[
            Route("/public", public),
            Route("/secure-endpoint", secure),
            Route("/orders", orders),
            Route("/starlette-requires", starlette_requires),
        ],
        middleware=[Middleware(JWTAuthMiddleware, **options)],
    )


def litestar_app(**options: Any) -> Any:
    from litestar import Litestar, Request, get
    from litestar.middleware.base import DefineMiddleware

    from jwtkit.integrations.asgi import JWTAuthMiddleware

    @get("/public")
    async def public(request: Request[Any, Any, Any]) -> dict[str, Any]:
        return {"anonymous": not request.user.is_authenticated}

    @get("/secure-endpoint")
    async def secure(request: Request[Any, Any, Any]) -> dict[str, Any]:
        return {
            "sub": request.user.identity,
            "scopes": request.auth.scopes,
            "authenticated": request.user.is_authenticated,
        }

    return Litestar(
        route_handlers=[public, secure],
        # Litestar routes declare no jwtkit scopes: the middleware refuses tokenless calls.
        middleware=[DefineMiddleware(JWTAuthMiddleware, allow_anonymous=False, **options)],
    )


def flask_app(**options: Any) -> Any:
    from flask import Flask

    from jwtkit.integrations.flask import JWTAuth, current_claims

    app = Flask("orders")
    jwt_auth = JWTAuth(app, **options)

    @app.get("/public")
    def public() -> dict[str, Any]:
        return {"anonymous": True}

    @app.get("/secure-endpoint")
    @jwt_auth.required
    def secure() -> dict[str, Any]:
        return {"sub": current_claims["sub"]}

    @app.get("/orders")
    @jwt_auth.required(scopes=["orders:read"])
    def orders() -> dict[str, Any]:
        return {"sub": current_claims["sub"], "orders": [1, 2, 3]}

    return app


@contextmanager
def serve(framework: str, **options: Any) -> Iterator[Client]:
    """A client for the orders API in ``framework``, guarded with ``options``."""
    if framework in ("fastapi", "starlette", "litestar"):
        if framework == "litestar":
            from litestar.testing import TestClient as LitestarClient

            with LitestarClient(litestar_app(**options)) as client:
                yield _HttpxStyleClient(client)
            return
        from starlette.testclient import TestClient

        app = fastapi_app(**options) if framework == "fastapi" else starlette_app(**options)
        with TestClient(app) as client:
            yield _HttpxStyleClient(client)
        return
    if framework == "flask":
        yield _FlaskClient(flask_app(**options).test_client())
        return
    from django.test import Client as DjangoTestClient
    from django.test import override_settings

    settings = {name.upper(): value for name, value in options.items()}
    # "drf" runs without the middleware, so that JWTAuthentication does all the work.
    middleware = [] if framework == "drf" else ["jwtkit.integrations.django.JWTAuthMiddleware"]
    with override_settings(JWTKIT=settings, MIDDLEWARE=middleware):
        yield _DjangoClient(DjangoTestClient(), "/drf" if framework == "drf" else "")

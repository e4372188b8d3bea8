"""The three routes each framework serves in ``python -m benchmarks.integrations``.

``/unprotected`` answers without looking at the token; ``/noop-guard`` goes through the
framework's own guard mechanism (a FastAPI ``Security`` dependency, a view decorator) with a
check that lets everything in: the floor any guard of that shape pays; ``/jwtkit`` is
protected by the
framework's jwtkit integration (scope ``orders:read``, verified-token cache on, as the
integrations ship); ``/jwtkit-nocache`` the same with ``cache_size=0``; ``/tutorial`` is
protected the way the FastAPI/Flask/Django tutorials do it: the bearer header read by hand
(FastAPI's ``HTTPBearer``), PyJWT's ``PyJWKClient`` (its JWKS cache warm) and
``jwt.decode`` with audience and issuer, and a scope check. Every route returns the same
small JSON. The servers read the JWKS URL, issuer and audience from the environment
(``BENCH_JWKS_URL``, ``BENCH_ISSUER``, ``BENCH_AUDIENCE``), and ``BENCH_ROUTE``: the one route
this process serves (all of them when unset). Each route gets a process of its own because
FastAPI, Starlette and Django match a request against their routes in order: in one shared
table the route registered last pays for every pattern tried before it (about 1 µs each in
FastAPI), a cost that has nothing to do with what protects it.
"""

# No `from __future__ import annotations`: FastAPI must see the routes' Annotated[...].
import os
from typing import Any

import jwt as pyjwt

JWKS_URL = os.environ.get("BENCH_JWKS_URL", "http://127.0.0.1:1/jwks.json")
ISSUER = os.environ.get("BENCH_ISSUER", "https://auth.example.com")
AUDIENCE = os.environ.get("BENCH_AUDIENCE", "api")
ROUTE = os.environ.get("BENCH_ROUTE")
ANSWER = {"orders": [1, 2, 3]}
OPTIONS: dict[str, Any] = {"issuer": ISSUER, "audience": AUDIENCE, "jwks_url": JWKS_URL}
_pyjwk_client = pyjwt.PyJWKClient(JWKS_URL)


def tutorial_claims(token: str) -> dict[str, Any] | None:
    """The tutorial way: PyJWKClient + jwt.decode; None when the token is refused."""
    try:
        signing_key = _pyjwk_client.get_signing_key_from_jwt(token)
        claims: dict[str, Any] = pyjwt.decode(
            token, signing_key.key, algorithms=["ES256"], audience=AUDIENCE, issuer=ISSUER
        )
    except pyjwt.PyJWTError:
        return None
    if "orders:read" not in str(claims.get("scope", "")).split():
        return None
    return claims


def serves(route: str) -> bool:
    """Whether this process serves ``route`` (see ``BENCH_ROUTE``)."""
    return ROUTE is None or route == ROUTE


def registrar(register: Any) -> Any:
    """``register(path)`` (a framework's route decorator) for the routes this process
    serves; a decorator that leaves the view unregistered for the others."""

    def route(name: str) -> Any:
        return register(f"/{name}") if serves(name) else (lambda view: view)

    return route


def fastapi_app() -> Any:
    from typing import Annotated

    from fastapi import Depends, FastAPI, HTTPException, Security
    from fastapi.requests import HTTPConnection
    from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer, SecurityScopes

    from jwtkit.integrations.fastapi import JWTBearer

    app = FastAPI()
    auth = JWTBearer(**OPTIONS)
    auth_nocache = JWTBearer(**OPTIONS, cache_size=0)
    bearer = HTTPBearer()
    get = registrar(app.get)

    async def allow_all(
        connection: HTTPConnection, security_scopes: SecurityScopes
    ) -> dict[str, Any]:
        return {}  # JWTBearer's signature, no check: FastAPI's own cost of a Security

    @get("unprotected")
    async def unprotected() -> dict[str, Any]:
        return ANSWER

    @get("noop-guard")
    async def noop_guard(
        claims: Annotated[dict[str, Any], Security(allow_all, scopes=["orders:read"])],
    ) -> dict[str, Any]:
        return ANSWER

    @get("jwtkit")
    async def protected(
        claims: Annotated[dict[str, Any], Security(auth, scopes=["orders:read"])],
    ) -> dict[str, Any]:
        return ANSWER

    @get("jwtkit-nocache")
    async def protected_nocache(
        claims: Annotated[dict[str, Any], Security(auth_nocache, scopes=["orders:read"])],
    ) -> dict[str, Any]:
        return ANSWER

    @get("tutorial")
    async def tutorial(
        credentials: Annotated[HTTPAuthorizationCredentials, Depends(bearer)],
    ) -> dict[str, Any]:
        if tutorial_claims(credentials.credentials) is None:
            raise HTTPException(status_code=401, detail="Invalid token")
        return ANSWER

    return app


def flask_app() -> Any:
    import functools

    from flask import Flask, request

    from jwtkit.integrations.flask import JWTAuth

    app = Flask("bench")
    jwt_auth = JWTAuth(app, **OPTIONS)
    jwt_auth_nocache = JWTAuth(app, **OPTIONS, cache_size=0)  # one app, two JWTAuths
    get = registrar(app.get)

    def allow_all(view: Any) -> Any:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return view(*args, **kwargs)  # a decorator with no check: the floor

        return wrapper

    def tutorial_required(view: Any) -> Any:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            header = request.headers.get("Authorization", "")
            if not header.startswith("Bearer ") or tutorial_claims(header[7:]) is None:
                return {"error": "invalid_token"}, 401
            return view(*args, **kwargs)

        return wrapper

    @get("unprotected")
    def unprotected() -> dict[str, Any]:
        return ANSWER

    @get("noop-guard")
    @allow_all
    def noop_guard() -> dict[str, Any]:
        return ANSWER

    @get("jwtkit")
    @jwt_auth.required(scopes=["orders:read"])
    def protected() -> dict[str, Any]:
        return ANSWER

    @get("jwtkit-nocache")
    @jwt_auth_nocache.required(scopes=["orders:read"])
    def protected_nocache() -> dict[str, Any]:
        return ANSWER

    @get("tutorial")
    @tutorial_required
    def tutorial() -> dict[str, Any]:
        return ANSWER

    return app


def django_application() -> Any:
    import functools

    import django
    from django.conf import settings

    settings.configure(
        ROOT_URLCONF=__name__,
        SECRET_KEY="benchmarks-only",
        ALLOWED_HOSTS=["*"],
        MIDDLEWARE=[],
        JWTKIT={name.upper(): value for name, value in OPTIONS.items()},
    )
    django.setup()
    from django.core.wsgi import get_wsgi_application
    from django.http import HttpRequest, JsonResponse
    from django.urls import path

    from jwtkit.integrations._bearer import BearerError, BearerGuard
    from jwtkit.integrations.django import error_response, require_token

    nocache_guard = BearerGuard(**OPTIONS, cache_size=0)

    def unprotected(request: HttpRequest) -> JsonResponse:
        return JsonResponse(ANSWER)

    def allow_all(view: Any) -> Any:
        @functools.wraps(view)
        def wrapper(request: HttpRequest) -> Any:
            return view(request)  # a decorator with no check: the floor

        return wrapper

    @allow_all
    def noop_guard(request: HttpRequest) -> JsonResponse:
        return JsonResponse(ANSWER)

    @require_token(scopes=["orders:read"])
    def protected(request: HttpRequest) -> JsonResponse:
        return JsonResponse(ANSWER)

    def protected_nocache(request: HttpRequest) -> JsonResponse:
        try:
            claims = nocache_guard.authenticate([request.META.get("HTTP_AUTHORIZATION", "")])
            nocache_guard.require(claims, ("orders:read",))
        except BearerError as error:
            return error_response(error, nocache_guard.realm)
        return JsonResponse(ANSWER)

    def tutorial_required(view: Any) -> Any:
        @functools.wraps(view)
        def wrapper(request: HttpRequest) -> Any:
            header = request.META.get("HTTP_AUTHORIZATION", "")
            if not header.startswith("Bearer ") or tutorial_claims(header[7:]) is None:
                return JsonResponse({"error": "invalid_token"}, status=401)
            return view(request)

        return wrapper

    @tutorial_required
    def tutorial(request: HttpRequest) -> JsonResponse:
        return JsonResponse(ANSWER)

    global urlpatterns
    views = {
        "unprotected": unprotected,
        "noop-guard": noop_guard,
        "jwtkit": protected,
        "jwtkit-nocache": protected_nocache,
        "tutorial": tutorial,
    }
    urlpatterns = [path(name, view) for name, view in views.items() if serves(name)]
    return get_wsgi_application()


urlpatterns: list[Any] = []

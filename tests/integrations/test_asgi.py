"""jwtkit.integrations.asgi: pure ASGI middleware under Starlette, FastAPI and Litestar.

Starlette's conventions (``request.user``, ``request.auth.scopes``,
``starlette.authentication.requires``), anonymous requests, WebSockets, lifespan, CORS
preflights; the RFC 6750 answers are checked for every framework in test_rfc6750.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from fastapi import FastAPI, Request
from orders_apps import serve, starlette_app
from starlette.applications import Starlette
from starlette.endpoints import HTTPEndpoint
from starlette.middleware import Middleware
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocket, WebSocketDisconnect

from jwtkit.integrations.asgi import JWTAuthMiddleware, require_token
from loopback_issuer import LoopbackIssuer


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_anonymous_requests_pass_with_an_anonymous_user(issuer: LoopbackIssuer) -> None:
    client = TestClient(starlette_app(issuer=issuer.issuer, audience="api"))
    assert client.get("/public").json() == {"anonymous": True}
    assert client.get("/public", headers=bearer(issuer.token())).json() == {"anonymous": False}
    # An invalid token is refused even on a public route (Starlette's convention too).
    assert client.get("/public", headers=bearer("a.b.c")).status_code == 401


def test_starlette_requires_reads_the_token_scopes(issuer: LoopbackIssuer) -> None:
    client = TestClient(starlette_app(issuer=issuer.issuer, audience="api"))
    token = issuer.token(scope="profile orders:read")
    answer = client.get("/starlette-requires", headers=bearer(token))
    assert answer.json() == {"scopes": ["orders:read", "profile"], "user": "alice"}
    # Starlette's own decorator answers a missing scope its own way (a bare 403); use
    # jwtkit's require_token for the RFC 6750 answer (test_rfc6750.py).
    assert (
        client.get("/starlette-requires", headers=bearer(issuer.token(scope="x"))).status_code
        == 403
    )
    assert client.get("/starlette-requires").status_code == 403


def test_allow_anonymous_false_refuses_tokenless_requests_but_not_preflights(
    issuer: LoopbackIssuer,
) -> None:
    client = TestClient(starlette_app(issuer=issuer.issuer, audience="api", allow_anonymous=False))
    answer = client.get("/public")
    assert (answer.status_code, answer.headers["www-authenticate"]) == (401, 'Bearer realm="api"')
    preflight = client.options(
        "/public",
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code != 401
    assert client.options("/public").status_code == 401  # a plain OPTIONS is no preflight


def test_require_token_on_an_http_endpoint_method(issuer: LoopbackIssuer) -> None:
    class Orders(HTTPEndpoint):
        @require_token(scopes="orders:read")
        async def get(self, request: Any) -> JSONResponse:
            return JSONResponse({"sub": request.user.identity})

    app = Starlette(
        routes=[Route("/orders", Orders)],
        middleware=[Middleware(JWTAuthMiddleware, issuer=issuer.issuer, audience="api")],
    )
    client = TestClient(app)
    assert client.get("/orders", headers=bearer(issuer.token())).json() == {"sub": "alice"}
    assert client.get("/orders", headers=bearer(issuer.token(scope="x"))).status_code == 403
    assert client.get("/orders").status_code == 401


def test_require_token_without_the_middleware_is_a_setup_error() -> None:
    @require_token
    async def endpoint(request: Any) -> JSONResponse:
        return JSONResponse({})

    client = TestClient(Starlette(routes=[Route("/", endpoint)]))
    with pytest.raises(RuntimeError, match="JWTAuthMiddleware"):
        client.get("/")


def test_websockets_are_authenticated_too(issuer: LoopbackIssuer) -> None:
    async def echo_user(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_json({"sub": websocket.user.identity})
        await websocket.close()

    app = Starlette(
        routes=[WebSocketRoute("/ws", echo_user)],
        middleware=[
            Middleware(
                JWTAuthMiddleware, issuer=issuer.issuer, audience="api", allow_anonymous=False
            )
        ],
    )
    client = TestClient(app)
    with client.websocket_connect("/ws", headers=bearer(issuer.token())) as socket:
        assert socket.receive_json() == {"sub": "alice"}
    for headers in ({}, bearer("a.b.c"), bearer(issuer.token(aud="other"))):
        with (
            pytest.raises(WebSocketDisconnect) as caught,
            client.websocket_connect("/ws", headers=headers) as socket,
        ):
            socket.receive_json()
        assert caught.value.code == 1008


def test_lifespan_passes_through(issuer: LoopbackIssuer) -> None:
    events: list[str] = []

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        events.append("startup")
        yield
        events.append("shutdown")

    app = Starlette(
        routes=[],
        lifespan=lifespan,
        middleware=[Middleware(JWTAuthMiddleware, issuer=issuer.issuer, audience="api")],
    )
    with TestClient(app):
        assert events == ["startup"]
    assert events == ["startup", "shutdown"]


def test_under_fastapi_request_user_is_the_token_user(issuer: LoopbackIssuer) -> None:
    app = FastAPI()
    app.add_middleware(JWTAuthMiddleware, issuer=issuer.issuer, audience="api")

    @app.get("/whoami")
    async def whoami(request: Request) -> dict[str, Any]:
        return {
            "sub": request.user.display_name,
            "authenticated": request.user.is_authenticated,
            "scopes": request.auth.scopes,
            "client": request.auth.claims["client_id"],
        }

    client = TestClient(app)
    assert client.get("/whoami", headers=bearer(issuer.token())).json() == {
        "sub": "alice",
        "authenticated": True,
        "scopes": ["orders:read"],
        "client": "web-app",
    }
    assert client.get("/whoami", headers=bearer(issuer.token(aud="x"))).status_code == 401


def test_under_litestar_request_user_and_auth_follow_the_token(issuer: LoopbackIssuer) -> None:
    with serve("litestar", issuer=issuer.issuer, audience="api") as client:
        answer = client.get("/secure-endpoint", [("Authorization", f"Bearer {issuer.token()}")])
        assert answer.body == {"sub": "alice", "scopes": ["orders:read"], "authenticated": True}
        assert client.get("/secure-endpoint").status == 401


def test_the_middleware_covers_mounted_apps_where_app_dependencies_do_not(
    issuer: LoopbackIssuer,
) -> None:
    """The careless whole-app guard: ``FastAPI(dependencies=[Depends(auth)])`` protects the
    app's own routes but not an app mounted under it (FastAPI's dependencies never reach a
    mount). The middleware sees every request, mounted or not."""
    from fastapi import Depends

    from jwtkit.integrations.fastapi import JWTBearer

    async def report(request: Request) -> JSONResponse:
        return JSONResponse({"mounted": True})

    def mounted() -> Starlette:
        return Starlette(routes=[Route("/report", report)])

    auth = JWTBearer(issuer=issuer.issuer, audience="api")
    with_dependency = FastAPI(dependencies=[Depends(auth)])
    with_dependency.mount("/admin", mounted())
    assert TestClient(with_dependency).get("/admin/report").status_code == 200  # open!

    with_middleware = FastAPI()
    with_middleware.add_middleware(
        JWTAuthMiddleware, issuer=issuer.issuer, audience="api", allow_anonymous=False
    )
    with_middleware.mount("/admin", mounted())
    client = TestClient(with_middleware)
    assert client.get("/admin/report").status_code == 401
    assert client.get("/admin/report", headers=bearer(issuer.token())).json() == {"mounted": True}

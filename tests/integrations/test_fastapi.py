"""jwtkit.integrations.fastapi.JWTBearer: the dependency, its OpenAPI scheme, its loop manners.

The RFC 6750 answers are checked for every framework in test_rfc6750.py.
"""

# No `from __future__ import annotations`: FastAPI reads the Annotated[..., Security(auth)]
# of routes defined inside functions, which string annotations would hide from it.
import asyncio
import threading
from typing import Annotated, Any

import httpx
import pytest
from fastapi import Depends, FastAPI, Security
from fastapi.testclient import TestClient
from orders_apps import fastapi_app

import jwtkit
from jwtkit.integrations.fastapi import JWTBearer
from loopback_issuer import JWKS_PATH, METADATA_PATH, LoopbackIssuer


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_the_scheme_appears_in_openapi_as_http_bearer(issuer: LoopbackIssuer) -> None:
    schema = TestClient(fastapi_app(issuer=issuer.issuer, audience="api")).get("/openapi.json")
    document = schema.json()
    assert document["components"]["securitySchemes"]["JWTBearer"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }
    assert document["paths"]["/orders"]["get"]["security"] == [{"JWTBearer": ["orders:read"]}]
    assert "security" not in document["paths"]["/public"]["get"]
    assert sum(issuer.requests.values()) == 0  # describing the API fetches nothing


def test_with_token_url_the_authorize_button_uses_the_password_flow(
    issuer: LoopbackIssuer,
) -> None:
    auth = JWTBearer(
        issuer=issuer.issuer,
        audience="api",
        token_url=issuer.base_url + "/auth/token",
        scopes={"orders:read": "Read your orders"},
        scheme_name="jwtkit",
    )
    app = FastAPI()

    @app.get("/orders")
    async def orders(
        claims: Annotated[dict[str, Any], Security(auth, scopes=["orders:read"])],
    ) -> Any:
        return claims

    document = TestClient(app).get("/openapi.json").json()
    assert document["components"]["securitySchemes"]["jwtkit"] == {
        "type": "oauth2",
        "flows": {
            "password": {
                "tokenUrl": issuer.base_url + "/auth/token",
                "scopes": {"orders:read": "Read your orders"},
            }
        },
    }
    assert document["paths"]["/orders"]["get"]["security"] == [{"jwtkit": ["orders:read"]}]
    assert TestClient(app).get("/docs").status_code == 200  # the Swagger UI page


def test_scopes_of_nested_security_dependencies_add_up(issuer: LoopbackIssuer) -> None:
    auth = JWTBearer(issuer=issuer.issuer, audience="api")
    app = FastAPI()

    def reader(claims: Annotated[dict[str, Any], Security(auth, scopes=["orders:read"])]) -> Any:
        return claims

    @app.get("/orders/export")
    def export(
        claims: Annotated[dict[str, Any], Security(reader, scopes=["orders:export"])],
    ) -> Any:
        return {"sub": claims["sub"]}

    client = TestClient(app)
    only_read = client.get("/orders/export", headers=bearer(issuer.token()))
    assert only_read.status_code == 403
    assert only_read.headers["www-authenticate"].endswith('scope="orders:export orders:read"')
    both = client.get(
        "/orders/export", headers=bearer(issuer.token(scope="orders:read orders:export"))
    )
    assert both.json() == {"sub": "alice"}


def test_a_route_that_edits_the_claims_cannot_grant_a_scope(issuer: LoopbackIssuer) -> None:
    # Cache poisoning through the returned claims: the route's dict is its own copy.
    auth = JWTBearer(issuer=issuer.issuer, audience="api")
    app = FastAPI()

    @app.get("/me")
    async def me(claims: Annotated[dict[str, Any], Depends(auth)]) -> Any:
        claims["scope"] += " admin"
        claims["sub"] = "root"
        return {"ok": True}

    @app.get("/admin")
    async def admin(claims: Annotated[dict[str, Any], Security(auth, scopes=["admin"])]) -> Any:
        return {"sub": claims["sub"]}

    client = TestClient(app)
    token = issuer.token()
    for _ in range(3):
        assert client.get("/me", headers=bearer(token)).status_code == 200
    assert client.get("/admin", headers=bearer(token)).status_code == 403
    assert auth.guard.verifier.cache_info().hits >= 3


def test_a_slow_jwks_fetch_does_not_block_the_event_loop(issuer: LoopbackIssuer) -> None:
    app = fastapi_app(issuer=issuer.issuer, audience="api")
    gate = threading.Event()
    issuer.hold[JWKS_PATH] = gate
    token = issuer.token()

    async def run() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
            pending = asyncio.create_task(client.get("/secure-endpoint", headers=bearer(token)))
            for _ in range(1000):  # wait until the fetch is on the wire (bounded)
                if issuer.requests[JWKS_PATH]:
                    break
                await asyncio.sleep(0.01)
            assert issuer.requests[JWKS_PATH] == 1
            # The loop is free while the key fetch waits: other requests are served.
            other = await asyncio.wait_for(client.get("/public"), timeout=5)
            assert other.status_code == 200
            assert not pending.done()
            gate.set()
            answer = await asyncio.wait_for(pending, timeout=10)
            assert answer.json() == {"sub": "alice"}

    try:
        asyncio.run(run())
    finally:
        gate.set()


def test_follows_a_key_rotation_without_a_restart(issuer: LoopbackIssuer) -> None:
    client = TestClient(fastapi_app(issuer=issuer.issuer, audience="api"))
    before = issuer.token()
    assert client.get("/orders", headers=bearer(before)).status_code == 200
    issuer.rotate()
    after = issuer.token()
    assert jwtkit.get_unverified_header(after)["kid"] == "key-2"
    assert client.get("/orders", headers=bearer(after)).status_code == 200
    assert client.get("/orders", headers=bearer(before)).status_code == 200
    assert issuer.requests[METADATA_PATH] == 1


def test_offline_keys_and_explicit_jwks_url(issuer: LoopbackIssuer) -> None:
    offline = TestClient(fastapi_app(issuer=issuer.issuer, audience="api", keys=issuer.jwks()))
    assert offline.get("/secure-endpoint", headers=bearer(issuer.token())).status_code == 200
    assert sum(issuer.requests.values()) == 0
    direct = TestClient(fastapi_app(issuer=issuer.issuer, audience="api", jwks_url=issuer.jwks_url))
    assert direct.get("/secure-endpoint", headers=bearer(issuer.token())).status_code == 200
    assert issuer.requests[METADATA_PATH] == 0


def test_a_misconfigured_scope_is_a_developer_error_not_a_401(issuer: LoopbackIssuer) -> None:
    auth = JWTBearer(issuer=issuer.issuer, audience="api", keys=issuer.jwks())
    app = FastAPI()

    @app.get("/x")
    async def route(claims: Annotated[dict[str, Any], Security(auth, scopes=["two words"])]) -> Any:
        return claims

    with pytest.raises(jwtkit.InvalidOptionError, match="scope"):
        TestClient(app, raise_server_exceptions=True).get("/x", headers=bearer(issuer.token()))

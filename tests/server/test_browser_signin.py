"""Browser sign-in (authorization code + PKCE, OpenID Connect) against the app over httpx,
on SQLite and PostgreSQL: the happy path, then every rule attacked."""

from __future__ import annotations

import pytest

import jwtkit

from .browser_flow import Flow, exchange, public_client, sign_in
from .conftest import Server, bearer

pytestmark = pytest.mark.anyio


async def test_sign_in_consent_code_exchange_and_id_token(server: Server) -> None:
    user = await server.register("alice")
    flow = Flow(await public_client(server))
    redirect = await sign_in(server, flow, "alice")
    assert redirect["state"] == flow.state
    assert redirect["iss"] == "http://issuer.test"
    response = await exchange(server, flow, redirect["code"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["scope"] == "openid profile email"
    jwks = jwtkit.KeySet.from_dict((await server.client.get("/.well-known/jwks.json")).json())
    claims = jwtkit.decode(
        body["id_token"],
        jwks,
        algorithms=["RS256"],
        audience=flow.client_id,
        issuer="http://issuer.test",
        now=server.clock(),
    )
    assert claims["sub"] == user["id"] and claims["nonce"] == flow.nonce
    assert claims["preferred_username"] == "alice"
    info = await server.client.get("/auth/userinfo", headers=bearer(body["access_token"]))
    assert info.status_code == 200 and info.json()["sub"] == user["id"]

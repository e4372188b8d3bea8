"""Tokens end to end through the API, on SQLite and PostgreSQL: RFC 9068 access tokens,
rotating refresh tokens with reuse detection, revocation, introspection, logout."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import event, select

import jwtkit
from jwtkit.server.db.models import RefreshFamily, RefreshToken
from jwtkit.server.security.secrets import digest
from jwtkit.server.services.clients import FIRST_PARTY_CLIENT_ID

from .conftest import FakeClock, Server, basic, bearer, make_settings, running_server

pytestmark = pytest.mark.anyio


async def refresh(server: Server, refresh_token: str, **extra: str) -> Any:
    return await server.client.post(
        "/auth/token", data={"grant_type": "refresh_token", "refresh_token": refresh_token, **extra}
    )


async def test_login_gives_an_rfc9068_access_token_and_a_refresh_token(server: Server) -> None:
    user = await server.register("alice")
    response = await server.client.post(
        "/auth/login", json={"username": "alice", "password": server.passwords["alice"]}
    )
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    assert len(body["refresh_token"]) >= 43  # 256 bits, base64url
    header = jwtkit.get_unverified_header(body["access_token"])
    assert header["typ"] == "at+jwt" and header["alg"] == "ES256" and header["kid"]
    jwks = (await server.client.get("/.well-known/jwks.json")).json()
    claims = jwtkit.decode(
        body["access_token"],
        jwtkit.KeySet.from_dict(jwks),
        algorithms=["ES256"],
        audience="api",
        issuer="http://issuer.test",
        typ="at+jwt",
        now=server.clock(),
    )
    assert claims["sub"] == user["id"]
    assert claims["client_id"] == FIRST_PARTY_CLIENT_ID
    assert claims["exp"] - claims["iat"] == 900
    assert set(claims) >= {"iss", "sub", "aud", "exp", "iat", "jti", "client_id", "scope"}
    assert claims["scope"] == body["scope"] == "openid profile email"


async def test_refresh_rotates_and_a_reused_token_revokes_the_family(server: Server) -> None:
    await server.register("alice")
    first = await server.login("alice")
    second = (await refresh(server, first["refresh_token"])).json()
    assert second["refresh_token"] != first["refresh_token"]
    third = (await refresh(server, second["refresh_token"])).json()

    reuse = await refresh(server, first["refresh_token"])  # an attacker replays a spent token
    assert reuse.status_code == 400 and reuse.json()["error"] == "invalid_grant"
    # The whole family ends: the newest refresh token and every access token of the session.
    assert (await refresh(server, third["refresh_token"])).json()["error"] == "invalid_grant"
    for tokens in (first, second, third):
        answer = await server.client.get("/auth/userinfo", headers=bearer(tokens["access_token"]))
        assert answer.status_code == 401
        assert 'error="invalid_token"' in answer.headers["www-authenticate"]
    events = [event.event for event in await server.runtime.audit.recent()]
    assert "refresh_token_reuse" in events


async def test_a_refresh_is_four_statements_and_never_reads_the_built_in_client(
    server: Server,
) -> None:
    # The server's hottest path (benchmarks/server.py): every statement is a round trip.
    # The spend, the user's and the family's rows read under share locks (in that order,
    # see test_a_revocation_racing_a_refresh_...), the successor and the access token.
    await server.register("alice")
    first = await server.login("alice")
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(str(args[2]))  # (connection, cursor, statement, ...)

    engine = server.runtime.database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        response = await refresh(server, first["refresh_token"])
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert response.status_code == 200, response.text
    work = [text.split()[0].upper() for text in statements if not text.startswith("BEGIN")]
    assert work == ["UPDATE", "SELECT", "INSERT", "INSERT"], statements
    if server.settings.database_url.startswith("postgresql"):
        assert statements[-3].endswith("FOR SHARE OF users, refresh_families"), statements
    assert not any("FROM clients" in text for text in statements)


async def test_refresh_tokens_are_stored_only_as_hashes(server: Server) -> None:
    from sqlalchemy import select

    from jwtkit.server.db.models import RefreshToken

    await server.register("alice")
    tokens = await server.login("alice")
    async with server.runtime.database.transaction() as session:
        stored = list((await session.scalars(select(RefreshToken.token_hash))).all())
    assert tokens["refresh_token"] not in stored
    assert len(stored) == 1 and len(stored[0]) == 64


async def test_expired_refresh_token_is_refused(server: Server) -> None:
    await server.register("alice")
    tokens = await server.login("alice")
    server.clock.advance(server.settings.refresh_token_lifetime + 1)
    assert (await refresh(server, tokens["refresh_token"])).json()["error"] == "invalid_grant"


async def test_refresh_can_narrow_but_not_widen_the_scope(server: Server) -> None:
    await server.register("alice")
    tokens = await server.login("alice", scope="openid profile")
    narrowed = await refresh(server, tokens["refresh_token"], scope="openid")
    assert narrowed.status_code == 200 and narrowed.json()["scope"] == "openid"
    wider = await refresh(server, narrowed.json()["refresh_token"], scope="openid email")
    assert wider.status_code == 400 and wider.json()["error"] == "invalid_scope"


async def test_a_scope_the_user_does_not_have_is_refused(server: Server) -> None:
    await server.register("alice")
    response = await server.client.post(
        "/auth/login",
        json={"username": "alice", "password": server.passwords["alice"], "scope": "admin"},
    )
    assert response.status_code == 400 and response.json()["error"] == "invalid_scope"


async def test_refresh_token_of_another_client_is_refused(server: Server) -> None:
    await server.register("alice")
    tokens = await server.login("alice")
    client_id, secret = await server.confidential_client("refresh_token", "password")
    stolen = await server.client.post(
        "/auth/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        headers=basic(client_id, secret),
    )
    assert stolen.status_code == 400 and stolen.json()["error"] == "invalid_grant"
    # ... and the rightful client can still use it: a foreign client cannot burn a session.
    assert (await refresh(server, tokens["refresh_token"])).status_code == 200


async def test_grace_period_returns_the_same_successor(database_url: str, clock: Any) -> None:
    settings = make_settings(database_url, refresh_token_reuse_grace=5)
    async with running_server(settings, clock) as server:
        await server.register("alice")
        tokens = await server.login("alice")
        first = (await refresh(server, tokens["refresh_token"])).json()
        clock.advance(2)
        retry = await refresh(server, tokens["refresh_token"])  # the response was lost
        assert retry.status_code == 200
        assert retry.json()["refresh_token"] == first["refresh_token"]
        clock.advance(10)  # past the grace period the same replay is reuse
        late = await refresh(server, tokens["refresh_token"])
        assert late.json()["error"] == "invalid_grant"
        assert (await refresh(server, first["refresh_token"])).status_code == 400


async def test_concurrent_refreshes_yield_exactly_one_successor(server: Server) -> None:
    await server.register("alice")
    tokens = await server.login("alice")
    responses = await asyncio.gather(*(refresh(server, tokens["refresh_token"]) for _ in range(50)))
    statuses = sorted(response.status_code for response in responses)
    assert statuses.count(200) == 1 and statuses.count(400) == 49
    winner = next(response.json() for response in responses if response.status_code == 200)
    # The 49 replays were reuse: the family is revoked, so even the winner's token is dead.
    assert (await refresh(server, winner["refresh_token"])).status_code == 400
    me = await server.client.get("/auth/userinfo", headers=bearer(winner["access_token"]))
    assert me.status_code == 401
    async with server.runtime.database.transaction() as session:
        families = (await session.scalars(select(RefreshFamily))).all()
        successors = (await session.scalars(select(RefreshToken))).all()
    assert [family.revoked_reason for family in families] == ["refresh_token_reuse"]
    assert len(successors) == 2  # the login's token and exactly one successor


async def test_logout_ends_the_session(server: Server) -> None:
    await server.register("alice")
    session = await server.login("alice")
    other = await server.login("alice")  # another device
    response = await server.client.post(
        "/auth/logout",
        headers=bearer(session["access_token"]),
        json={"refresh_token": session["refresh_token"]},
    )
    assert response.status_code == 204
    assert (
        await server.client.get("/auth/userinfo", headers=bearer(session["access_token"]))
    ).status_code == 401
    assert (await refresh(server, session["refresh_token"])).status_code == 400
    # The other device's session is untouched.
    assert (
        await server.client.get("/auth/userinfo", headers=bearer(other["access_token"]))
    ).status_code == 200
    assert (await refresh(server, other["refresh_token"])).status_code == 200


async def test_revocation_endpoint_ends_refresh_and_access_tokens(server: Server) -> None:
    await server.register("alice")
    tokens = await server.login("alice")
    response = await server.client.post("/auth/revoke", data={"token": tokens["refresh_token"]})
    assert response.status_code == 200
    assert (await refresh(server, tokens["refresh_token"])).status_code == 400
    assert (
        await server.client.get("/auth/userinfo", headers=bearer(tokens["access_token"]))
    ).status_code == 401

    again = await server.login("alice")
    response = await server.client.post(
        "/auth/revoke", data={"token": again["access_token"], "token_type_hint": "access_token"}
    )
    assert response.status_code == 200
    assert (
        await server.client.get("/auth/userinfo", headers=bearer(again["access_token"]))
    ).status_code == 401
    # RFC 7009 §2.2: an unknown token is answered 200 as well.
    assert (await server.client.post("/auth/revoke", data={"token": "nonsense"})).status_code == 200


async def test_a_client_cannot_revoke_another_clients_token(server: Server) -> None:
    await server.register("alice")
    tokens = await server.login("alice")
    client_id, secret = await server.confidential_client("client_credentials")
    response = await server.client.post(
        "/auth/revoke", data={"token": tokens["refresh_token"]}, headers=basic(client_id, secret)
    )
    assert response.status_code == 200
    assert (await refresh(server, tokens["refresh_token"])).status_code == 200


async def test_introspection_needs_a_confidential_client(server: Server) -> None:
    await server.register("alice")
    tokens = await server.login("alice")
    anonymous = await server.client.post("/auth/introspect", data={"token": tokens["access_token"]})
    assert anonymous.status_code == 401 and anonymous.json()["error"] == "invalid_client"
    assert anonymous.headers["www-authenticate"].startswith("Basic")
    client_id, secret = await server.confidential_client("client_credentials")
    live = await server.client.post(
        "/auth/introspect", data={"token": tokens["access_token"]}, headers=basic(client_id, secret)
    )
    body = live.json()
    assert body["active"] is True and body["sub"] and body["client_id"] == FIRST_PARTY_CLIENT_ID
    await server.client.post("/auth/revoke", data={"token": tokens["access_token"]})
    dead = await server.client.post(
        "/auth/introspect", data={"token": tokens["access_token"]}, headers=basic(client_id, secret)
    )
    assert dead.json() == {"active": False}


async def test_introspection_of_expired_and_garbage_tokens(server: Server) -> None:
    await server.register("alice")
    tokens = await server.login("alice")
    client_id, secret = await server.confidential_client("client_credentials")
    server.clock.advance(901)
    for token in (tokens["access_token"], "garbage", "a.b.c", "x" * 9000):
        response = await server.client.post(
            "/auth/introspect", data={"token": token}, headers=basic(client_id, secret)
        )
        assert response.status_code == 200 and response.json() == {"active": False}


async def test_client_credentials_with_basic_and_post(server: Server) -> None:
    client_id, secret = await server.confidential_client(
        "client_credentials", scopes=["orders:read"], audiences=["orders-api"]
    )
    with_basic = await server.client.post(
        "/auth/token", data={"grant_type": "client_credentials"}, headers=basic(client_id, secret)
    )
    with_post = await server.client.post(
        "/auth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )
    for response in (with_basic, with_post):
        assert response.status_code == 200
        body = response.json()
        assert "refresh_token" not in body and body["scope"] == "orders:read"
        claims = _claims(body["access_token"])
        assert claims["sub"] == client_id and claims["aud"] == "orders-api"


def _claims(token: str) -> dict[str, Any]:
    import base64
    import json

    segment = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))))


async def test_wrong_client_secret_is_invalid_client_with_a_challenge(server: Server) -> None:
    client_id, _ = await server.confidential_client("client_credentials")
    for headers, data in (
        (basic(client_id, "wrong"), {}),
        (basic("no-such-client", "x"), {}),
        ({}, {"client_id": client_id, "client_secret": "wrong"}),
        ({}, {"client_id": client_id}),  # a confidential client without its secret
    ):
        response = await server.client.post(
            "/auth/token", data={"grant_type": "client_credentials", **data}, headers=headers
        )
        assert response.status_code == 401, data
        assert response.json()["error"] == "invalid_client"
        assert response.headers["www-authenticate"] == 'Basic realm="jwtkit"'


async def test_the_first_party_client_may_not_use_client_credentials(server: Server) -> None:
    response = await server.client.post("/auth/token", data={"grant_type": "client_credentials"})
    assert response.status_code == 400 and response.json()["error"] == "unauthorized_client"


async def test_unknown_grant_type(server: Server) -> None:
    response = await server.client.post("/auth/token", data={"grant_type": "urn:made:up"})
    assert response.status_code == 400 and response.json()["error"] == "unsupported_grant_type"


async def test_password_grant_over_the_token_endpoint(server: Server) -> None:
    await server.register("alice")
    response = await server.client.post(
        "/auth/token",
        data={"grant_type": "password", "username": "ALICE", "password": server.passwords["alice"]},
    )
    assert response.status_code == 200 and response.json()["refresh_token"]


async def test_password_grant_can_be_switched_off(database_url: str, clock: Any) -> None:
    async with running_server(make_settings(database_url, password_grant=False), clock) as server:
        await server.register("alice")
        response = await server.client.post(
            "/auth/login", json={"username": "alice", "password": server.passwords["alice"]}
        )
        assert response.status_code == 400 and response.json()["error"] == "unauthorized_client"


async def test_a_refresh_cannot_keep_a_scope_the_admin_took_away(server: Server) -> None:
    await server.runtime.users.create(
        username="eve",
        email=None,
        password="eve-password-1",
        scopes=["orders:write", "orders:read"],
    )
    server.passwords["eve"] = "eve-password-1"
    tokens = await server.login("eve", scope="orders:write orders:read")
    admin = await server.create_admin()
    taken = await server.client.put(
        "/admin/users/eve/scopes", json={"scopes": ["orders:read"]}, headers=bearer(admin)
    )
    assert taken.status_code == 200
    refreshed = await refresh(server, tokens["refresh_token"])
    assert refreshed.status_code == 200 and refreshed.json()["scope"] == "orders:read"
    claims = jwtkit.decode(
        refreshed.json()["access_token"],
        jwtkit.KeySet.from_dict((await server.client.get("/.well-known/jwks.json")).json()),
        algorithms=["ES256"],
        audience="api",
        now=server.clock.now,
    )
    assert claims["scope"] == "orders:read"
    # Asking for the scope taken away is asking for more than the session may carry now.
    again = await refresh(server, refreshed.json()["refresh_token"], scope="orders:write")
    assert again.status_code == 400 and again.json()["error"] == "invalid_scope"


async def test_a_demoted_admin_cannot_refresh_the_admin_scope(server: Server) -> None:
    await server.create_admin("root")
    tokens = await server.login("root", scope="admin")
    other_admin = await server.create_admin("boss")
    demoted = await server.client.put(
        "/admin/users/root/scopes", json={"scopes": [], "admin": False}, headers=bearer(other_admin)
    )
    assert demoted.status_code == 200
    refreshed = await refresh(server, tokens["refresh_token"])
    assert refreshed.status_code == 200 and "admin" not in refreshed.json()["scope"].split()


@pytest.mark.parametrize(
    "revocation,repeat", [("logout", False), ("disable", False), ("logout", True)]
)
async def test_a_revocation_racing_a_refresh_also_ends_the_access_token_the_refresh_writes(
    database_url: str,
    clock: Any,
    monkeypatch: pytest.MonkeyPatch,
    revocation: str,
    repeat: bool,
) -> None:
    """The attack (found by the second server review, on PostgreSQL): refresh, and while the
    refresh's transaction is open, log out (or an admin disables the user). The revocation
    revoked the access tokens it could see; the refresh's new one was not yet committed, so
    it lived on until it expired. Now the refresh holds share locks on the user and family
    rows: the revocation waits for it and then revokes its token too. ``repeat``: the same
    race with a repeat of a spent token within the reuse grace period."""
    settings = make_settings(database_url, refresh_token_reuse_grace=30)
    async with running_server(settings, clock) as server:
        user = await server.register("alice")
        tokens = await server.login("alice")
        presented = tokens["refresh_token"]
        if repeat:
            assert (await refresh(server, presented)).status_code == 200
        reached, release = asyncio.Event(), asyncio.Event()
        access_token = server.runtime.tokens._access_token

        async def paused(*args: Any, **kwargs: Any) -> str:
            reached.set()  # the session is read under its locks: the transaction is open
            await release.wait()
            return await access_token(*args, **kwargs)

        monkeypatch.setattr(server.runtime.tokens, "_access_token", paused)
        refreshing = asyncio.create_task(refresh(server, presented))
        await asyncio.wait_for(reached.wait(), 30)
        if revocation == "logout":
            revoking: asyncio.Future[Any] = asyncio.ensure_future(
                server.client.post("/auth/logout", headers=bearer(tokens["access_token"]))
            )
        else:
            revoking = asyncio.ensure_future(
                server.runtime.users.set_disabled(user["id"], True, actor="test")
            )
        await asyncio.sleep(0.5)  # the revocation runs (or waits) while the refresh is open
        release.set()
        refreshed = await asyncio.wait_for(refreshing, 60)
        await asyncio.wait_for(revoking, 60)
        monkeypatch.undo()
        if refreshed.status_code == 200:
            new_access = refreshed.json()["access_token"]
            answer = await server.client.get("/auth/userinfo", headers=bearer(new_access))
            assert answer.status_code == 401, answer.text
            confidential = await server.confidential_client()
            introspected = await server.client.post(
                "/auth/introspect", data={"token": new_access}, headers=basic(*confidential)
            )
            assert introspected.json() == {"active": False}
        else:
            assert refreshed.json()["error"] == "invalid_grant"


async def test_a_session_ends_at_its_lifetime_however_often_it_is_refreshed(
    database_url: str, clock: FakeClock
) -> None:
    hour = 3600
    settings = make_settings(database_url, session_lifetime=2 * hour)
    async with running_server(settings, clock) as server:
        await server.register("alice")
        refresh_token = (await server.login("alice"))["refresh_token"]
        for _ in range(3):  # refreshed every 40 minutes: each refresh token lives 30 days...
            server.clock.advance(40 * 60 - 1)
            response = await refresh(server, refresh_token)
            assert response.status_code == 200, response.text
            refresh_token = response.json()["refresh_token"]
        async with server.runtime.database.transaction() as session:
            family = (await session.scalars(select(RefreshFamily))).one()
            latest = await session.get(RefreshToken, digest(refresh_token))
        assert latest is not None and latest.expires_at == family.created_at + 2 * hour
        server.clock.advance(2 * hour - 3 * (40 * 60 - 1))  # ...but the session ends now
        response = await refresh(server, refresh_token)
        assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    # Without the setting, the same refreshes keep the session going.
    async with running_server(make_settings(database_url), clock) as server:
        await server.register("bob")
        refresh_token = (await server.login("bob"))["refresh_token"]
        for _ in range(4):
            server.clock.advance(40 * 60)
            response = await refresh(server, refresh_token)
            assert response.status_code == 200, response.text
            refresh_token = response.json()["refresh_token"]


async def test_a_session_past_its_lifetime_gets_no_grace_repeat_and_a_lowered_limit_applies(
    database_url: str, clock: FakeClock
) -> None:
    hour = 3600
    limited = make_settings(database_url, session_lifetime=2 * hour, refresh_token_reuse_grace=60)
    async with running_server(limited, clock) as server:
        await server.register("alice")
        first = (await server.login("alice"))["refresh_token"]
        server.clock.advance(2 * hour - 1)
        assert (await refresh(server, first)).status_code == 200
        server.clock.advance(30)  # a retry within the grace period, but after the session
        repeat = await refresh(server, first)
        assert repeat.status_code == 400 and repeat.json()["error"] == "invalid_grant"
        assert "session has ended" in repeat.json()["error_description"]
    # A session begun with no limit is ended by a limit set later, at its next refresh.
    async with running_server(make_settings(database_url), clock) as server:
        await server.register("carol")
        old = (await server.login("carol"))["refresh_token"]
    clock.advance(10 * 24 * hour)
    lowered = make_settings(database_url, session_lifetime=24 * hour)
    async with running_server(lowered, clock) as server:
        late = await refresh(server, old)
        assert late.status_code == 400 and "session has ended" in late.json()["error_description"]


@pytest.mark.parametrize("seconds", [1, 59])
def test_a_session_lifetime_under_a_minute_is_refused(seconds: int) -> None:
    with pytest.raises(ValueError, match="at least 60 seconds"):
        make_settings("sqlite:///unused.db", session_lifetime=seconds)

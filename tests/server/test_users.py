"""Users as an attacker and a careless operator see them: who may hold the admin scope,
which identifiers name one account, what odd text does to the database."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import update

import jwtkit
from jwtkit.server.db.models import User
from jwtkit.server.errors import InvalidGrantError, InvalidRequestError

from .conftest import FakeClock, Server, bearer, make_settings, running_server

pytestmark = pytest.mark.anyio


async def test_the_admin_scope_comes_only_with_admin(server: Server) -> None:
    # An operator types `jwtkit admin users create eve --scope admin` without --admin.
    with pytest.raises(InvalidRequestError, match="admin"):
        await server.runtime.users.create(
            username="eve", email=None, password="eve-password-1", scopes=["admin"]
        )
    admin = await server.create_admin()
    created = await server.client.post(
        "/admin/users",
        json={"username": "eve", "password": "eve-password-1", "scopes": ["admin"]},
        headers=bearer(admin),
    )
    assert created.status_code == 400 and created.json()["error"] == "invalid_request"


async def test_a_user_holding_the_admin_scope_without_being_admin_is_not_granted_it(
    server: Server,
) -> None:
    # A row written before the rule (or by hand): the scope is stored, the flag is not.
    user = await server.register("eve", "eve-password-1")
    async with server.runtime.database.transaction() as session:
        await session.execute(
            update(User).where(User.id == user["id"]).values(scopes="openid admin")
        )
    login = await server.client.post(
        "/auth/login", json={"username": "eve", "password": "eve-password-1", "scope": "admin"}
    )
    assert login.status_code == 400 and login.json()["error"] == "invalid_scope"


def test_default_scopes_may_not_hand_out_the_admin_scope() -> None:
    # JWTKIT_DEFAULT_SCOPES="openid admin": every self-registered user would get it.
    with pytest.raises(ValueError, match="admin"):
        make_settings("sqlite:///./jwtkit.db", default_scopes="openid admin")


async def test_text_postgresql_cannot_store_is_a_bad_request_not_an_outage(
    server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    # PostgreSQL refuses NUL in text (SQLite keeps it): each of these was 503
    # temporarily_unavailable with a "database unavailable" warning, one request at a time.
    admin = await server.create_admin()
    requests = [
        ("POST", "/auth/login", {"json": {"username": "a\x00b", "password": "password-1"}}),
        ("POST", "/auth/token", {"data": {"grant_type": "password", "username": "\x00"}}),
        (
            "POST",
            "/auth/token",
            {
                "data": {
                    "grant_type": "client_credentials",
                    "client_id": "\x00",
                    "client_secret": "x",
                }
            },
        ),
        ("POST", "/auth/revoke", {"data": {"token": "x", "client_id": "\x00"}}),
        ("GET", "/admin/users/%00", {"headers": bearer(admin)}),
        (
            "POST",
            "/admin/clients",
            {
                "json": {
                    "name": "c",
                    "grant_types": ["client_credentials"],
                    "audiences": ["a\x00"],
                },
                "headers": bearer(admin),
            },
        ),
    ]
    for method, path, options in requests:
        response = await server.client.request(method, path, **options)  # type: ignore[arg-type]
        assert response.status_code in (400, 401, 404), (path, response.text)
        assert response.json()["error"] != "temporarily_unavailable"
    assert "database unavailable" not in caplog.text


async def test_an_email_whose_folded_form_outgrows_the_column_is_refused(server: Server) -> None:
    # 254 characters as typed; case-folded ("ß" -> "ss") it no longer fits the email_key column.
    email = "ß" * 246 + "@ex.com"
    response = await server.client.post(
        "/auth/register", json={"email": email, "password": "password-123"}
    )
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


async def test_userinfo_releases_only_what_the_user_consented_to_share(server: Server) -> None:
    # A third-party app the user allowed only "orders:read" must not read their email from
    # /auth/userinfo: the consent page never asked about it.
    from .browser_flow import Flow, exchange, public_client, sign_in

    await server.runtime.users.create(
        username="eve",
        email="eve@example.com",
        password="eve-password-1",
        scopes=["openid", "profile", "email", "orders:read"],
    )
    server.passwords["eve"] = "eve-password-1"
    app = await public_client(server, scopes=["orders:read"])

    async def userinfo_with(scope: str) -> httpx.Response:
        flow = Flow(app, scope=scope)
        code = (await sign_in(server, flow, "eve"))["code"]
        tokens = (await exchange(server, flow, code)).json()
        assert tokens["scope"] == scope
        return await server.client.get("/auth/userinfo", headers=bearer(tokens["access_token"]))

    orders_only = await userinfo_with("orders:read")
    assert orders_only.status_code == 403, orders_only.text
    assert orders_only.json()["error"] == "insufficient_scope"
    assert "eve@example.com" not in orders_only.text
    openid_only = await userinfo_with("openid")
    assert openid_only.status_code == 200
    assert "eve@example.com" not in openid_only.text and "eve" not in openid_only.json().values()
    with_email = await userinfo_with("openid email")
    assert with_email.json()["email"] == "eve@example.com"
    # The first-party login is the user's own: it sees the whole account, as before.
    own = await server.client.get(
        "/auth/userinfo", headers=bearer((await server.login("eve"))["access_token"])
    )
    assert own.json()["username"] == "eve" and own.json()["email"] == "eve@example.com"


async def test_profile_does_not_release_an_email_that_is_the_username(server: Server) -> None:
    from .browser_flow import Flow, exchange, public_client, sign_in

    await server.client.post(
        "/auth/register", json={"email": "zoe@example.com", "password": "zoe-password-1"}
    )
    server.passwords["zoe@example.com"] = "zoe-password-1"
    app = await public_client(server)
    flow = Flow(app, scope="openid profile")
    code = (await sign_in(server, flow, "zoe@example.com"))["code"]
    tokens = (await exchange(server, flow, code)).json()
    info = await server.client.get("/auth/userinfo", headers=bearer(tokens["access_token"]))
    assert info.status_code == 200 and "zoe@example.com" not in info.text
    assert "zoe@example.com" not in str(
        jwtkit.decode_complete(tokens["id_token"], options={"verify_signature": False})
    )


@pytest.mark.parametrize("change", ["password reset", "disabled", "deleted"])
async def test_a_sign_in_in_flight_cannot_outlive_a_password_reset_or_disable(
    server: Server, change: str
) -> None:
    # The attacker knows the old password and signs in over and over; one sign-in has checked
    # the password when the owner's reset (or an admin's disable) sweeps the sessions. The
    # family that sign-in opens after the sweep must not be the one that survives it.
    runtime = server.runtime
    await server.register("alice", "old-password-1")
    user = await runtime.users.authenticate(
        "alice", "old-password-1", ip="127.0.0.1", client_id="jwtkit-first-party"
    )
    if change == "password reset":
        await runtime.users.set_password("alice", "new-password-1", actor=None)
    elif change == "disabled":
        await runtime.users.set_disabled("alice", True, actor=None)
    else:
        await runtime.users.delete("alice", actor=None)
    client = await runtime.clients.require("jwtkit-first-party")
    with pytest.raises(InvalidGrantError):
        await runtime.tokens.start_session(user, client, requested_scope=None)


async def test_a_password_reset_in_flight_waits_for_the_sign_in_lock_on_postgresql(
    postgres_database: str, clock: FakeClock
) -> None:
    # The reset's transaction has changed the row but not committed when the sign-in opens
    # its family: the sign-in must wait for it and then refuse, not slip a family in that
    # the reset's sweep (which cannot see it) leaves alive.
    import asyncio

    import asyncpg

    async with running_server(make_settings(postgres_database), clock) as server:
        runtime = server.runtime
        await server.register("alice", "old-password-1")
        user = await runtime.users.authenticate(
            "alice", "old-password-1", ip="127.0.0.1", client_id="jwtkit-first-party"
        )
        client = await runtime.clients.require("jwtkit-first-party")
        reset = await asyncpg.connect(postgres_database)
        try:
            transaction = reset.transaction()
            await transaction.start()
            await reset.execute(
                "UPDATE users SET password_hash = 'reset', password_changed_at = $1 WHERE id = $2",
                clock.now + 1,
                user.id,
            )
            sign_in = asyncio.ensure_future(
                runtime.tokens.start_session(user, client, requested_scope=None)
            )
            await asyncio.sleep(0.5)
            assert not sign_in.done()  # waiting for the reset's row lock
            await reset.execute(
                "UPDATE refresh_families SET revoked_at = $1 WHERE user_id = $2",
                clock.now + 1,
                user.id,
            )
            await transaction.commit()
            with pytest.raises(InvalidGrantError):
                await asyncio.wait_for(sign_in, 10)
            live = await reset.fetchval(
                "SELECT count(*) FROM refresh_families WHERE user_id = $1 AND revoked_at IS NULL",
                user.id,
            )
            assert live == 0
        finally:
            await reset.close()


async def test_a_third_party_app_cannot_manage_the_account(server: Server) -> None:
    # An app the user allowed "openid orders:read" holds a token for them: it must not list
    # or take back the user's other consents, nor change their password.
    from .browser_flow import Flow, exchange, public_client, sign_in

    await server.runtime.users.create(
        username="eve",
        email=None,
        password="eve-password-1",
        scopes=["openid", "orders:read"],
    )
    server.passwords["eve"] = "eve-password-1"
    other_app = await public_client(server)
    await sign_in(server, Flow(other_app, scope="openid"), "eve")
    nosy_app = await public_client(server, scopes=["orders:read"])
    flow = Flow(nosy_app, scope="openid orders:read")
    code = (await sign_in(server, flow, "eve"))["code"]
    token = bearer((await exchange(server, flow, code)).json()["access_token"])

    listed = await server.client.get("/auth/consents", headers=token)
    taken = await server.client.delete(f"/auth/consents/{other_app}", headers=token)
    changed = await server.client.post(
        "/auth/password",
        json={"current_password": "eve-password-1", "new_password": "nosy-app-password"},
        headers=token,
    )
    for response in (listed, taken, changed):
        assert response.status_code == 403, response.text
        assert response.json()["error"] == "insufficient_scope"
    own = bearer((await server.login("eve"))["access_token"])
    consents = (await server.client.get("/auth/consents", headers=own)).json()
    assert {consent["client_id"] for consent in consents} == {other_app, nosy_app}


async def test_a_username_shaped_like_a_user_id_is_refused(server: Server) -> None:
    victim = await server.register("victim")
    for name in (victim["id"], victim["id"].upper(), victim["id"].replace("-", "")):
        answer = await server.client.post(
            "/auth/register", json={"username": name, "password": "squatter password"}
        )
        assert answer.status_code == 400 and answer.json()["error"] == "invalid_request", name
        assert "user id" in answer.json()["error_description"]


async def test_a_name_equal_to_another_users_id_never_stands_in_for_that_user(
    server: Server,
) -> None:
    """A row from before the rule above: user B named with user A's id. An admin
    promoting A by id (as a UI built on GET /admin/users would) must promote A."""
    admin = bearer(await server.create_admin())
    victim = await server.register("victim")
    squatter = await server.register("squatter")
    async with server.runtime.database.transaction() as session:
        await session.execute(
            update(User)
            .where(User.id == squatter["id"])
            .values(username=victim["id"], username_key=victim["id"])
        )
    for spelling in (victim["id"], victim["id"].upper(), "{" + victim["id"] + "}"):
        assert (await server.runtime.users.require(spelling)).id == victim["id"], spelling
        shown = await server.client.get(f"/admin/users/{spelling}", headers=admin)
        assert shown.json()["id"] == victim["id"], spelling
    answer = await server.client.put(
        f"/admin/users/{victim['id'].upper()}/scopes",
        json={"scopes": ["admin"], "admin": True},
        headers=admin,
    )
    assert answer.status_code == 200 and answer.json()["id"] == victim["id"], answer.text
    squatter_now = await server.runtime.users.require(squatter["id"])
    assert not squatter_now.is_admin
    # Once the victim is gone, their id names nobody: 404, never the squatter.
    assert (
        await server.client.delete(f"/admin/users/{victim['id']}", headers=admin)
    ).status_code == 204
    gone = await server.client.get(f"/admin/users/{victim['id'].upper()}", headers=admin)
    assert gone.status_code == 404

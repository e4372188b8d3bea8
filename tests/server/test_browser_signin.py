"""Browser sign-in (authorization code + PKCE, OpenID Connect) against the app over httpx,
on SQLite and PostgreSQL: the happy path, then every rule attacked."""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import func, select

import jwtkit
from jwtkit.server.db.models import RefreshFamily
from jwtkit.server.errors import InvalidRequestError
from jwtkit.server.services.tokens import TokenService

from .browser_flow import (
    REDIRECT_URI,
    Flow,
    authorize,
    exchange,
    hidden_fields,
    public_client,
    query_of,
    sign_in,
    signed_in,
    submit_consent,
    submit_login,
)
from .conftest import FakeClock, Server, bearer, make_settings, running_server

pytestmark = pytest.mark.anyio

ISSUER = "http://issuer.test"


async def id_token_claims(server: Server, token: str, client_id: str) -> dict[str, object]:
    jwks = jwtkit.KeySet.from_dict((await server.client.get("/.well-known/jwks.json")).json())
    claims: dict[str, object] = jwtkit.decode(
        token, jwks, algorithms=["RS256"], audience=client_id, issuer=ISSUER, now=server.clock()
    )
    return claims


def assert_error_page(response: httpx.Response, status: int = 400) -> None:
    """Shown on the server, never sent to a redirect URI."""
    assert response.status_code == status, response.text
    assert "location" not in response.headers
    assert response.headers["content-type"].startswith("text/html")


def assert_error_redirect(response: httpx.Response, flow: Flow, error: str) -> None:
    assert response.status_code in (302, 303), response.text
    location = response.headers["location"]
    assert location.startswith(flow.redirect_uri + "?")
    answer = query_of(location)
    assert answer["error"] == error
    assert answer["state"] == flow.state and answer["iss"] == ISSUER
    assert "code" not in answer


# -- the flow ---------------------------------------------------------------------------------


async def test_sign_in_consent_code_exchange_and_id_token(server: Server) -> None:
    user = await server.register("alice")
    flow = Flow(await public_client(server))
    page = await authorize(server.client, flow)
    assert page.status_code == 200
    assert '<label for="username">Username</label>' in page.text
    assert '<label for="password">Password</label>' in page.text
    assert "<script" not in page.text  # works without JavaScript
    consent = await submit_login(server.client, page, "alice", server.passwords["alice"])
    assert consent.status_code == 200 and ">Allow</button>" in consent.text
    assert ">Deny</button>" in consent.text
    redirect = await submit_consent(server.client, consent)
    assert redirect.status_code == 303
    answer = query_of(redirect.headers["location"])
    assert answer["state"] == flow.state  # state echoed
    assert answer["iss"] == ISSUER  # RFC 9207
    response = await exchange(server, flow, answer["code"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["scope"] == "openid profile email" and body["refresh_token"]
    assert jwtkit.get_unverified_header(body["id_token"])["alg"] == "RS256"
    claims = await id_token_claims(server, body["id_token"], flow.client_id)
    assert claims["sub"] == user["id"] and claims["nonce"] == flow.nonce
    assert claims["preferred_username"] == "alice" and claims["auth_time"] == int(server.clock())
    assert isinstance(claims["sid"], str) and claims["at_hash"]
    info = await server.client.get("/auth/userinfo", headers=bearer(body["access_token"]))
    assert info.status_code == 200 and info.json()["sub"] == user["id"]
    refreshed = await server.client.post(
        "/auth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": body["refresh_token"],
            "client_id": flow.client_id,
        },
    )
    assert refreshed.status_code == 200 and refreshed.json()["scope"] == "openid profile email"


async def test_a_confidential_client_authenticates_at_the_exchange(server: Server) -> None:
    await server.register("alice")
    client_id, secret = await server.confidential_client(
        "authorization_code", redirect_uris=[REDIRECT_URI]
    )
    flow = Flow(client_id)
    code = (await sign_in(server, flow, "alice"))["code"]
    anonymous = await exchange(server, flow, code)
    assert anonymous.status_code == 401 and anonymous.json()["error"] == "invalid_client"
    answer = await exchange(server, flow, code, client_secret=secret)
    assert answer.status_code == 200, answer.text
    # This client may not use the refresh_token grant, so it is given no refresh token.
    assert "refresh_token" not in answer.json() and answer.json()["access_token"]


async def test_a_client_with_the_refresh_grant_gets_a_refresh_token_it_can_use(
    server: Server,
) -> None:
    flow, tokens = await signed_in(server)
    refreshed = await server.client.post(
        "/auth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": flow.client_id,
        },
    )
    assert refreshed.status_code == 200, refreshed.text


async def test_a_second_client_signs_in_without_the_password(server: Server) -> None:
    await server.register("alice")
    first = Flow(await public_client(server))
    await sign_in(server, first, "alice")
    second_client, _ = await server.runtime.clients.create(
        "Second app",
        grant_types=["authorization_code"],
        redirect_uris=["https://second.test/cb"],
        public=True,
    )
    second = Flow(second_client.id, redirect_uri="https://second.test/cb")
    page = await authorize(server.client, second)
    assert 'action="/authorize/login"' not in page.text  # the browser session signs in
    assert ">Allow</button>" in page.text
    code = query_of((await submit_consent(server.client, page)).headers["location"])["code"]
    assert (await exchange(server, second, code)).status_code == 200


async def test_a_first_party_client_skips_the_consent_page(server: Server) -> None:
    await server.register("alice")
    flow = Flow(await public_client(server, first_party=True))
    page = await authorize(server.client, flow)
    answer = await submit_login(server.client, page, "alice", server.passwords["alice"])
    assert answer.status_code == 303 and "code=" in answer.headers["location"]


async def test_consent_is_remembered_and_revocable(server: Server) -> None:
    flow, tokens = await signed_in(server)
    again = await authorize(server.client, Flow(flow.client_id))
    assert again.status_code == 302 and "code=" in again.headers["location"]  # no page at all
    # The user manages consents with their own (first-party) sign-in, not the app's token.
    own = bearer((await server.login("alice"))["access_token"])
    listed = await server.client.get("/auth/consents", headers=own)
    assert [row["client_id"] for row in listed.json()] == [flow.client_id]

    revoked = await server.client.delete(f"/auth/consents/{flow.client_id}", headers=own)
    assert revoked.status_code == 204
    page = await authorize(server.client, Flow(flow.client_id))
    assert page.status_code == 200 and ">Allow</button>" in page.text  # asked again
    stale = await server.client.post(
        "/auth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": flow.client_id,
        },
    )
    assert stale.json()["error"] == "invalid_grant"  # the client's sessions ended with it


async def test_an_admin_revokes_a_users_consent(server: Server) -> None:
    admin = await server.create_admin()
    await server.register("alice")
    flow = Flow(await public_client(server))
    await sign_in(server, flow, "alice")
    listed = await server.client.get("/admin/users/alice/consents", headers=bearer(admin))
    assert [row["client_id"] for row in listed.json()] == [flow.client_id]
    path = f"/admin/users/alice/consents/{flow.client_id}"
    assert (await server.client.delete(path, headers=bearer(admin))).status_code == 204
    assert (await server.client.delete(path, headers=bearer(admin))).status_code == 404


async def test_deny_sends_access_denied_back(server: Server) -> None:
    await server.register("alice")
    flow = Flow(await public_client(server))
    page = await authorize(server.client, flow)
    consent = await submit_login(server.client, page, "alice", server.passwords["alice"])
    assert_error_redirect(
        await submit_consent(server.client, consent, "deny"), flow, "access_denied"
    )


# -- the authorization request ----------------------------------------------------------------


async def test_an_unknown_client_is_an_error_page_not_a_redirect(server: Server) -> None:
    flow = Flow("no-such-client")
    assert_error_page(await authorize(server.client, flow))
    assert_error_page(await server.client.get("/authorize", params={"redirect_uri": REDIRECT_URI}))


@pytest.mark.parametrize(
    "forged",
    [
        "https://attacker.test/callback",
        "https://app.test/callback/",
        "https://app.test/callback?next=https://attacker.test",
        "https://app.test/callback/../evil",
        "https://APP.test/callback",
        "https://app.test.attacker.test/callback",
        "",
    ],
)
async def test_a_forged_redirect_uri_is_an_error_page_not_a_redirect(
    server: Server, forged: str
) -> None:
    flow = Flow(await public_client(server), redirect_uri=forged)
    assert_error_page(await authorize(server.client, flow))


async def test_a_repeated_parameter_is_an_error_page(server: Server) -> None:
    flow = Flow(await public_client(server))
    query = httpx.QueryParams(flow.parameters()).add("redirect_uri", "https://attacker.test/")
    assert_error_page(await server.client.get("/authorize", params=query))


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"code_challenge": None}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge_method": None}, "invalid_request"),  # RFC 7636's default is plain
        ({"code_challenge": "too-short"}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"response_type": "code id_token"}, "unsupported_response_type"),
        ({"response_mode": "fragment"}, "invalid_request"),
        ({"prompt": "none login"}, "invalid_request"),
        ({"prompt": "select_account"}, "invalid_request"),
        ({"max_age": "-1"}, "invalid_request"),
        ({"request": "eyJ..."}, "request_not_supported"),
        ({"scope": "openid  profile"}, "invalid_scope"),
    ],
)
async def test_a_bad_request_goes_back_to_the_client_with_an_error(
    server: Server, change: dict[str, str | None], error: str
) -> None:
    flow = Flow(await public_client(server))
    parameters = {**flow.parameters(), **change}
    query = {name: value for name, value in parameters.items() if value is not None}
    assert_error_redirect(await server.client.get("/authorize", params=query), flow, error)


async def test_a_scope_the_client_may_not_have_is_invalid_scope(server: Server) -> None:
    await server.register("alice")
    flow = Flow(await public_client(server), scope="openid reports:write")
    page = await authorize(server.client, flow)
    answer = await submit_login(server.client, page, "alice", server.passwords["alice"])
    assert_error_redirect(answer, flow, "invalid_scope")


async def test_prompt_none_without_a_session_is_login_required(server: Server) -> None:
    flow = Flow(await public_client(server), extra={"prompt": "none"})
    assert_error_redirect(await authorize(server.client, flow), flow, "login_required")


async def test_prompt_none_before_consent_is_consent_required(server: Server) -> None:
    await server.register("alice")
    first_party = Flow(await public_client(server, first_party=True))
    await sign_in(server, first_party, "alice")
    flow = Flow(await public_client(server), extra={"prompt": "none"})
    assert_error_redirect(await authorize(server.client, flow), flow, "consent_required")


async def test_prompt_login_and_max_age_ask_for_the_password_again(server: Server) -> None:
    await server.register("alice")
    flow = Flow(await public_client(server, first_party=True))
    await sign_in(server, flow, "alice")
    silent = await authorize(server.client, Flow(flow.client_id))
    assert silent.status_code == 302  # signed in: no page
    for extra in ({"prompt": "login"}, {"max_age": "0"}):
        page = await authorize(server.client, Flow(flow.client_id, extra=extra))
        assert page.status_code == 200 and 'action="/authorize/login"' in page.text
    server.clock.advance(120)
    assert (
        await authorize(server.client, Flow(flow.client_id, extra={"max_age": "300"}))
    ).status_code == 302
    aged = Flow(flow.client_id, extra={"max_age": "60"})
    page = await authorize(server.client, aged)
    assert 'action="/authorize/login"' in page.text
    stale = Flow(flow.client_id, extra={"max_age": "60", "prompt": "none"})
    assert_error_redirect(await authorize(server.client, stale), stale, "login_required")
    relogin = await submit_login(server.client, page, "alice", server.passwords["alice"])
    code = query_of(relogin.headers["location"])["code"]
    tokens = (await exchange(server, aged, code)).json()
    claims = await id_token_claims(server, tokens["id_token"], flow.client_id)
    assert claims["auth_time"] == int(server.clock())  # the new login's time


async def test_login_hint_fills_the_username(server: Server) -> None:
    flow = Flow(await public_client(server), extra={"login_hint": 'alice"><b>'})
    page = await authorize(server.client, flow)
    assert 'value="alice&#34;&gt;&lt;b&gt;"' in page.text  # escaped, never markup


# -- the login form ---------------------------------------------------------------------------


async def test_wrong_credentials_show_one_message_and_no_session(server: Server) -> None:
    await server.register("alice")
    flow = Flow(await public_client(server))
    page = await authorize(server.client, flow)
    wrong_password = await submit_login(server.client, page, "alice", "not the password")
    unknown_user = await submit_login(server.client, page, "nobody", "not the password")
    for answer in (wrong_password, unknown_user):
        assert answer.status_code == 400 and "location" not in answer.headers
        assert "Invalid username or password." in answer.text
        assert "jwtkit_session" not in answer.headers.get("set-cookie", "")
    strip = hidden_fields  # the pages differ only in their (fresh) hidden fields
    assert strip(wrong_password.text).keys() == strip(unknown_user.text).keys()
    assert wrong_password.text.replace("alice", "") != ""  # the name typed is not echoed back
    assert 'value="alice"' not in wrong_password.text


async def test_a_login_form_post_without_its_csrf_token_is_refused(server: Server) -> None:
    await server.register("alice")
    flow = Flow(await public_client(server))
    page = await authorize(server.client, flow)
    fields = hidden_fields(page.text)
    credentials = {"username": "alice", "password": server.passwords["alice"]}
    forged = {"authorization_request": fields["authorization_request"], **credentials}
    for form in (
        forged,
        {**forged, "csrf_token": ""},
        {**forged, "csrf_token": "x" * 43},
    ):
        answer = await server.client.post("/authorize/login", data=form)
        assert_error_page(answer, 403)
        assert "jwtkit_session" not in answer.headers.get("set-cookie", "")
    # A page on another site has the form's token but not this browser's CSRF cookie.
    async with server.client_from("198.51.100.7") as attacker:
        answer = await attacker.post("/authorize/login", data={**fields, **credentials})
        assert_error_page(answer, 403)


async def test_a_consent_form_post_without_its_csrf_token_is_refused(server: Server) -> None:
    await server.register("alice")
    flow = Flow(await public_client(server))
    page = await authorize(server.client, flow)
    consent = await submit_login(server.client, page, "alice", server.passwords["alice"])
    fields = hidden_fields(consent.text)
    del fields["csrf_token"]
    answer = await server.client.post("/authorize/consent", data={**fields, "decision": "allow"})
    assert_error_page(answer, 403)


async def test_login_attempts_are_rate_limited_by_the_servers_limits(
    database_url: str, clock: FakeClock
) -> None:
    settings = make_settings(database_url, rate_limit_login_failures_per_account="3/minute")
    async with running_server(settings, clock) as server:
        await server.register("alice")
        flow = Flow(await public_client(server))
        page = await authorize(server.client, flow)
        statuses = [
            (await submit_login(server.client, page, "alice", "wrong")).status_code
            for _ in range(4)
        ]
        assert statuses == [400, 400, 400, 429]
        locked = await submit_login(server.client, page, "alice", server.passwords["alice"])
        assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0


# -- the browser session ----------------------------------------------------------------------


def _cookie(response: httpx.Response, name: str) -> str:
    found = [value for value in response.headers.get_list("set-cookie") if name in value]
    assert found, response.headers
    return found[0]


async def test_the_session_cookie_is_httponly_lax_and_host_only(server: Server) -> None:
    await server.register("alice")
    page = await authorize(server.client, Flow(await public_client(server)))
    answer = await submit_login(server.client, page, "alice", server.passwords["alice"])
    cookie = _cookie(answer, "jwtkit_session=").lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie
    assert "domain=" not in cookie and "secure" not in cookie  # an http issuer (tests)
    csrf = _cookie(page, "jwtkit_csrf=").lower()
    assert "httponly" in csrf and "samesite=lax" in csrf


async def test_under_https_the_cookies_are_secure_and_host_prefixed(
    tmp_path: Path, clock: FakeClock
) -> None:
    settings = make_settings(f"sqlite:///{tmp_path / 'j.db'}", issuer="https://issuer.test")
    async with running_server(settings, clock) as server:
        await server.register("alice")
        page = await authorize(server.client, Flow(await public_client(server)))
        assert _cookie(page, "__Host-jwtkit_csrf=").lower().count("secure") == 1
        fields = hidden_fields(page.text)
        csrf = _cookie(page, "__Host-jwtkit_csrf=").split(";")[0].split("=", 1)[1]
        answer = await server.client.post(
            "/authorize/login",
            data={**fields, "username": "alice", "password": server.passwords["alice"]},
            headers={"cookie": f"__Host-jwtkit_csrf={csrf}"},  # httpx keeps Secure ones back
        )
        cookie = _cookie(answer, "__Host-jwtkit_session=").lower()
        assert "secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie
        assert "path=/" in cookie and "domain=" not in cookie


async def test_sessions_live_in_the_database_and_any_replica_serves_them(
    server: Server,
) -> None:
    await server.register("alice")
    flow = Flow(await public_client(server, first_party=True))
    await sign_in(server, flow, "alice")
    cookies = dict(server.client.cookies)
    async with running_server(server.settings, server.clock) as replica:
        for name, value in cookies.items():
            replica.client.cookies.set(name, value)
        answer = await authorize(replica.client, Flow(flow.client_id))
        assert answer.status_code == 302 and "code=" in answer.headers["location"]
    from sqlalchemy import select

    from jwtkit.server.db.models import BrowserSession

    async with server.runtime.database.transaction() as session:
        stored = (await session.scalars(select(BrowserSession.secret_hash))).all()
    assert cookies["jwtkit_session"] not in stored  # only its digest is kept


async def test_a_code_from_before_a_password_change_buys_nothing(server: Server) -> None:
    await server.register("alice")
    flow = Flow(await public_client(server, first_party=True))
    code = (await sign_in(server, flow, "alice"))["code"]
    server.clock.advance(1)
    await server.runtime.users.set_password("alice", "a new password 1", actor=None)
    answer = await exchange(server, flow, code)
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"
    page = await authorize(server.client, Flow(flow.client_id))
    assert 'action="/authorize/login"' in page.text  # the browser session ended too


async def test_a_password_change_committed_during_the_exchange_refuses_it(
    postgres_database: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race the account check under lock exists for: the exchange has read the user
    and the old password, then a password change commits (revoking every family that
    exists, not this one) before the family is written. The exchange must see it and
    refuse, or its session would outlive the change. PostgreSQL only: on SQLite the
    exchange's write lock makes the change wait, so the race cannot happen."""
    async with running_server(make_settings(postgres_database), clock) as server:
        await server.register("alice")
        flow = Flow(await public_client(server, first_party=True))
        code = (await sign_in(server, flow, "alice"))["code"]
        clock.advance(1)
        hold_unchanged = TokenService._hold_unchanged
        changes = []

        async def change_first(session: object, user: object) -> None:
            if not changes:  # once: the change commits in its own transaction meanwhile
                changes.append("changed")
                await asyncio.wait_for(
                    server.runtime.users.set_password("alice", "a new password 1", actor=None),
                    timeout=30,
                )
            await hold_unchanged(session, user)  # type: ignore[arg-type]

        monkeypatch.setattr(TokenService, "_hold_unchanged", staticmethod(change_first))
        answer = await exchange(server, flow, code)
        assert changes == ["changed"]
        assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"
        async with server.runtime.database.transaction() as session:
            families = await session.scalar(select(func.count()).select_from(RefreshFamily))
        assert families == 0  # nothing of the refused exchange was written


async def test_a_disabled_users_session_stops_signing_in(server: Server) -> None:
    await server.register("alice")
    flow = Flow(await public_client(server, first_party=True))
    await sign_in(server, flow, "alice")
    await server.runtime.users.set_disabled("alice", True, actor=None)
    page = await authorize(server.client, Flow(flow.client_id))
    assert page.status_code == 200 and 'action="/authorize/login"' in page.text


# -- the code ---------------------------------------------------------------------------------


async def test_a_missing_or_wrong_pkce_verifier_is_refused(server: Server) -> None:
    await server.register("alice")
    flow = Flow(await public_client(server))
    code = (await sign_in(server, flow, "alice"))["code"]
    missing = await exchange(server, flow, code, code_verifier=None)
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"
    other = Flow(flow.client_id)  # another verifier, well-formed
    wrong = await exchange(server, flow, code, code_verifier=other.verifier)
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    plain = await exchange(server, flow, code, code_verifier=flow.challenge)  # plain method
    assert plain.json()["error"] == "invalid_grant"
    # Guesses do not burn the code: its owner, who has the verifier, still gets tokens.
    assert (await exchange(server, flow, code)).status_code == 200


async def test_a_replayed_code_is_refused_and_revokes_its_tokens(server: Server) -> None:
    await server.register("alice")
    flow = Flow(await public_client(server))
    code = (await sign_in(server, flow, "alice"))["code"]
    tokens = (await exchange(server, flow, code)).json()
    replay = await exchange(server, flow, code)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    userinfo = await server.client.get("/auth/userinfo", headers=bearer(tokens["access_token"]))
    assert userinfo.status_code == 401
    refresh = await server.client.post(
        "/auth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": flow.client_id,
        },
    )
    assert refresh.json()["error"] == "invalid_grant"
    events = [event.event for event in await server.runtime.audit.recent()]
    assert "authorization_code_reuse" in events


async def test_a_code_spends_once_under_concurrent_exchanges(server: Server) -> None:
    await server.register("alice")
    flow = Flow(await public_client(server))
    code = (await sign_in(server, flow, "alice"))["code"]
    answers = await asyncio.gather(*(exchange(server, flow, code) for _ in range(5)))
    assert sorted(answer.status_code for answer in answers) == [200, 400, 400, 400, 400]


async def test_an_expired_code_is_refused(server: Server) -> None:
    await server.register("alice")
    flow = Flow(await public_client(server))
    code = (await sign_in(server, flow, "alice"))["code"]
    server.clock.advance(61)
    answer = await exchange(server, flow, code)
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


async def test_a_code_used_by_another_client_or_redirect_uri_is_refused(server: Server) -> None:
    await server.register("alice")
    flow = Flow(await public_client(server))
    code = (await sign_in(server, flow, "alice"))["code"]
    thief = Flow(await public_client(server), verifier=flow.verifier, challenge=flow.challenge)
    stolen = await exchange(server, thief, code)
    assert stolen.status_code == 400 and stolen.json()["error"] == "invalid_grant"
    moved = await exchange(server, flow, code, redirect_uri="https://app.test/other")
    assert moved.json()["error"] == "invalid_grant"
    no_uri = await exchange(server, flow, code, redirect_uri=None)
    assert no_uri.json()["error"] == "invalid_request"


# -- logout -----------------------------------------------------------------------------------


async def test_logout_with_an_id_token_hint_ends_the_session_and_its_tokens(
    server: Server,
) -> None:
    flow, tokens = await signed_in(server, first_party=True)
    forged = await server.client.get(
        "/logout",
        params={
            "id_token_hint": tokens["id_token"],
            "post_logout_redirect_uri": "https://attacker.test/",
        },
    )
    assert_error_page(forged)
    answer = await server.client.get(
        "/logout",
        params={
            "id_token_hint": tokens["id_token"],
            "post_logout_redirect_uri": REDIRECT_URI,
            "state": "bye",
        },
    )
    assert answer.status_code == 302
    assert answer.headers["location"] == f"{REDIRECT_URI}?state=bye"
    assert 'jwtkit_session=""' in answer.headers["set-cookie"]
    page = await authorize(server.client, Flow(flow.client_id))
    assert 'action="/authorize/login"' in page.text  # signed out
    refresh = await server.client.post(
        "/auth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": flow.client_id,
        },
    )
    assert refresh.json()["error"] == "invalid_grant"  # the app's session ended too


async def test_logout_without_proof_asks_and_needs_the_csrf_token(server: Server) -> None:
    await server.register("alice")
    flow = Flow(await public_client(server, first_party=True))
    await sign_in(server, flow, "alice")
    page = await server.client.get(
        "/logout", params={"client_id": flow.client_id, "post_logout_redirect_uri": REDIRECT_URI}
    )
    assert page.status_code == 200 and ">Sign out</button>" in page.text
    fields = hidden_fields(page.text)
    refused = await server.client.post("/logout", data={"logout_request": fields["logout_request"]})
    assert_error_page(refused, 403)
    assert (await authorize(server.client, Flow(flow.client_id))).status_code == 302  # still in
    answer = await server.client.post("/logout", data=fields)
    assert answer.status_code == 303 and answer.headers["location"].startswith(REDIRECT_URI)
    page = await authorize(server.client, Flow(flow.client_id))
    assert 'action="/authorize/login"' in page.text


async def test_a_forged_id_token_hint_is_refused(server: Server) -> None:
    key = jwtkit.Key.generate("RS256")
    forged = jwtkit.encode({"iss": ISSUER, "sub": "x", "aud": "y"}, key, algorithm="RS256")
    assert_error_page(await server.client.get("/logout", params={"id_token_hint": forged}))


# -- headers ----------------------------------------------------------------------------------


async def test_every_page_has_the_frame_and_content_security_headers(server: Server) -> None:
    await server.register("alice")
    flow = Flow(await public_client(server))
    login = await authorize(server.client, flow)
    consent = await submit_login(server.client, login, "alice", server.passwords["alice"])
    redirect = await submit_consent(server.client, consent)
    error = await authorize(server.client, Flow("no-such-client"))
    logout = await server.client.get("/logout", params={"client_id": flow.client_id})
    signed_out = await server.client.post("/logout", data=hidden_fields(logout.text))
    json_answer = await server.client.get("/.well-known/openid-configuration")
    for answer in (login, consent, redirect, error, logout, signed_out, json_answer):
        assert answer.headers["x-frame-options"] == "DENY", answer.request.url
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    for page in (login, consent, error, logout, signed_out):
        assert page.headers["content-type"].startswith("text/html")
        policy = page.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "script-src" not in policy
        assert "unsafe-inline" not in policy and "base-uri 'none'" in policy
        assert page.headers["cache-control"] == "no-store"
        assert page.headers["referrer-policy"] == "no-referrer"
    # Forms may post here, and the redirect after them may go to the client's origin only.
    assert "form-action 'self' https://app.test;" in login.headers["content-security-policy"]


async def test_templates_can_be_replaced_from_a_directory(tmp_path: Path, clock: FakeClock) -> None:
    templates = tmp_path / "brand"
    templates.mkdir()
    (templates / "error.html").write_text("<p>Acme says: {{ message }}</p>")
    settings = make_settings(f"sqlite:///{tmp_path / 'j.db'}", templates_dir=templates)
    async with running_server(settings, clock) as server:
        page = await authorize(server.client, Flow("no-such-client"))
        assert page.text.startswith("<p>Acme says: ") and page.status_code == 400
        login = await authorize(server.client, Flow(await public_client(server)))
        assert '<label for="username">Username</label>' in login.text  # the rest built in


# -- discovery and CORS -----------------------------------------------------------------------


async def test_discovery_lists_exactly_what_is_implemented(server: Server) -> None:
    oidc = (await server.client.get("/.well-known/openid-configuration")).json()
    oauth = (await server.client.get("/.well-known/oauth-authorization-server")).json()
    assert oidc == oauth
    endpoints = {
        "authorization_endpoint": "GET",
        "token_endpoint": "POST",
        "jwks_uri": "GET",
        "revocation_endpoint": "POST",
        "introspection_endpoint": "POST",
        "userinfo_endpoint": "GET",
        "end_session_endpoint": "GET",
    }
    for member, method in endpoints.items():
        url = urlsplit(oidc[member])
        assert f"{url.scheme}://{url.netloc}" == ISSUER
        served = await server.client.request(method, url.path)
        assert served.status_code not in (404, 405), member  # the route exists
    listed = {name for name in oidc if name.endswith("_endpoint") or name == "jwks_uri"}
    assert listed == set(endpoints)
    assert (
        oidc["grant_types_supported"]
        == sorted(server.runtime.token_endpoint.grant_types)
        == ["authorization_code", "client_credentials", "password", "refresh_token"]
    )
    assert oidc["response_types_supported"] == ["code"]
    assert oidc["code_challenge_methods_supported"] == ["S256"]
    assert oidc["id_token_signing_alg_values_supported"] == ["RS256"]
    assert oidc["authorization_response_iss_parameter_supported"] is True
    assert set(oidc["prompt_values_supported"]) == {"none", "login", "consent"}


async def test_cors_allows_only_public_clients_registered_web_origins(server: Server) -> None:
    await public_client(server)
    await server.confidential_client(
        "authorization_code", redirect_uris=["https://backend.test/cb"]
    )
    preflight = {"access-control-request-method": "POST"}
    for path in ("/auth/token", "/auth/userinfo", "/.well-known/jwks.json"):
        allowed = await server.client.options(
            path, headers={"origin": "https://app.test", **preflight}
        )
        assert allowed.status_code == 204
        assert allowed.headers["access-control-allow-origin"] == "https://app.test"
        assert "access-control-allow-credentials" not in allowed.headers
        for origin in ("https://attacker.test", "https://backend.test", "null"):
            refused = await server.client.options(path, headers={"origin": origin, **preflight})
            assert "access-control-allow-origin" not in refused.headers
    jwks = await server.client.get("/.well-known/jwks.json", headers={"origin": "https://app.test"})
    assert jwks.headers["access-control-allow-origin"] == "https://app.test"
    assert jwks.headers["vary"] == "Origin"
    plain = await server.client.get("/.well-known/jwks.json")
    assert plain.headers["vary"] == "Origin" and "access-control-allow-origin" not in plain.headers
    other = await server.client.get(
        "/.well-known/jwks.json", headers={"origin": "https://attacker.test"}
    )
    assert other.status_code == 200 and "access-control-allow-origin" not in other.headers


@pytest.mark.parametrize(
    "uri",
    [
        "javascript:alert(document.cookie)",
        "JavaScript://example.test/%0aalert(1)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "vbscript:msgbox(1)",
    ],
)
async def test_a_redirect_uri_a_browser_would_run_or_read_is_refused(
    server: Server, uri: str
) -> None:
    with pytest.raises(InvalidRequestError, match="not a redirect target"):
        await server.runtime.clients.create(
            "Evil app", grant_types=["authorization_code"], redirect_uris=[uri], public=True
        )


async def test_a_native_apps_private_use_scheme_is_a_redirect_uri(server: Server) -> None:
    client, _ = await server.runtime.clients.create(
        "Native app",
        grant_types=["authorization_code"],
        redirect_uris=["com.example.app:/oauth/callback"],
        public=True,
    )
    assert client.redirect_uris

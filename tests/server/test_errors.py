"""Bad input and the answers it gets, on SQLite and PostgreSQL: RFC 6749 errors from the OAuth
endpoints, RFC 6750 challenges from the protected ones, a cap on bodies, and no response that
carries a stack trace, a password, a hash or a secret — even when the server itself fails.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from jwtkit.server.services.clients import FIRST_PARTY_CLIENT_ID

from .conftest import FakeClock, Server, basic, bearer, make_settings, running_server

pytestmark = pytest.mark.anyio

PASSWORD = "correct horse battery staple"
OAUTH_ERRORS = {
    "invalid_request",
    "invalid_client",
    "invalid_grant",
    "unauthorized_client",
    "unsupported_grant_type",
    "invalid_scope",
}


def _rfc6749_error(response: httpx.Response, status: int, error: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "error_description"}
    assert body["error"] == error
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["cache-control"] == "no-store"


async def _token(server: Server, data: Any = None, **options: Any) -> httpx.Response:
    return await server.client.post("/auth/token", data=data, **options)


async def test_the_token_endpoint_answers_each_mistake_with_its_rfc6749_error(
    server: Server,
) -> None:
    await server.register("alice", PASSWORD)
    client_id, secret = await server.confidential_client("client_credentials", scopes=["a"])
    cases: list[tuple[Any, dict[str, Any], int, str]] = [
        ({}, {}, 400, "invalid_request"),
        ({"grant_type": "implicit"}, {}, 400, "unsupported_grant_type"),
        (
            {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer"},
            {},
            400,
            "unsupported_grant_type",
        ),
        ({"grant_type": "password", "username": "alice"}, {}, 400, "invalid_request"),
        (
            {"grant_type": "password", "username": "alice", "password": "wrong password!"},
            {},
            400,
            "invalid_grant",
        ),
        (
            {"grant_type": "password", "username": "alice", "password": PASSWORD, "scope": "root"},
            {},
            400,
            "invalid_scope",
        ),
        ({"grant_type": "refresh_token"}, {}, 400, "invalid_request"),
        ({"grant_type": "refresh_token", "refresh_token": "x" * 43}, {}, 400, "invalid_grant"),
        ({"grant_type": "client_credentials"}, {}, 400, "unauthorized_client"),
        ({"grant_type": "client_credentials", "client_id": client_id}, {}, 401, "invalid_client"),
        (
            {"grant_type": "client_credentials"},
            {"headers": basic(client_id, "wrong")},
            401,
            "invalid_client",
        ),
        (
            {"grant_type": "client_credentials"},
            {"headers": basic("nobody", secret)},
            401,
            "invalid_client",
        ),
        (
            {"grant_type": "client_credentials"},
            {"headers": {"Authorization": "Basic !!!not base64"}},
            401,
            "invalid_client",
        ),
        (
            {"grant_type": "client_credentials"},
            {"headers": {"Authorization": "Bearer abc"}},
            401,
            "invalid_client",
        ),
        (
            {"grant_type": "client_credentials", "client_secret": secret},
            {"headers": basic(client_id, secret)},
            400,
            "invalid_request",
        ),
        (
            {"grant_type": "client_credentials", "scope": "b"},
            {"headers": basic(client_id, secret)},
            400,
            "invalid_scope",
        ),
        (
            "grant_type=password&grant_type=refresh_token",
            {"headers": {"Content-Type": "application/x-www-form-urlencoded"}},
            400,
            "invalid_request",
        ),
    ]
    for data, options, status, error in cases:
        if isinstance(data, str):
            response = await server.client.post("/auth/token", content=data, **options)
        else:
            response = await _token(server, data, **options)
        _rfc6749_error(response, status, error)
        if error == "invalid_client":
            assert response.headers["www-authenticate"] == 'Basic realm="jwtkit"'


async def test_bodies_that_are_not_what_the_endpoint_reads(server: Server) -> None:
    for path in ("/auth/token", "/auth/revoke", "/auth/introspect"):
        as_json = await server.client.post(path, json={"grant_type": "password"})
        _rfc6749_error(as_json, 400, "invalid_request")
        broken = await server.client.post(
            path,
            content=b"\xff\xfe%%%=&&=\x00",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert broken.status_code in (400, 401) and broken.json()["error"] in OAUTH_ERRORS
    for path in ("/auth/login", "/auth/register"):
        for content in (b"{", b"[]", b'{"username": 1}', b"null", b'"x"', b"\xff"):
            response = await server.client.post(
                path, content=content, headers={"Content-Type": "application/json"}
            )
            _rfc6749_error(response, 400, "invalid_request")
        form = await server.client.post(path, data={"username": "a", "password": PASSWORD})
        _rfc6749_error(form, 400, "invalid_request")


async def test_an_oversized_body_is_refused_with_413(server: Server) -> None:
    cap = server.settings.max_body_bytes
    huge = "x" * (cap + 1)
    for path, options in (
        ("/auth/token", {"data": {"grant_type": "password", "password": huge}}),
        ("/auth/login", {"json": {"username": "alice", "password": huge}}),
        ("/auth/register", {"json": {"username": huge, "password": PASSWORD}}),
        ("/admin/users", {"json": {"username": huge}}),
    ):
        response = await server.client.post(path, **options)
        _rfc6749_error(response, 413, "invalid_request")

    async def chunks() -> Any:  # no Content-Length: cut off while streaming
        for _ in range(cap // 1024 + 2):
            yield b"x" * 1024

    for path, content_type in (
        ("/auth/token", "application/x-www-form-urlencoded"),
        ("/auth/login", "application/json"),
    ):
        streamed = await server.client.post(
            path, content=chunks(), headers={"Content-Type": content_type}
        )
        _rfc6749_error(streamed, 413, "invalid_request")


async def test_userinfo_answers_per_rfc6750(server: Server) -> None:
    await server.register("alice", PASSWORD)
    tokens = await server.login("alice")
    none = await server.client.get("/auth/userinfo")
    assert none.status_code == 401
    assert none.headers["www-authenticate"] == 'Bearer realm="jwtkit"'  # no error code
    for token in ("garbage", tokens["access_token"] + "x", tokens["refresh_token"]):
        bad = await server.client.get("/auth/userinfo", headers=bearer(token))
        assert bad.status_code == 401
        challenge = bad.headers["www-authenticate"]
        assert challenge.startswith('Bearer realm="jwtkit", error="invalid_token"'), challenge
        assert bad.json()["error"] == "invalid_token"
    for garbage in (
        "Bearer",
        "Bearer ",
        "Bearer a b",
        "Basic YWxpY2U6cGFzc3dvcmQ=",
        "MAC id=1",
        "x" * 4000,
    ):
        malformed = await server.client.get("/auth/userinfo", headers={"Authorization": garbage})
        assert malformed.status_code == 400, garbage
        assert malformed.json()["error"] == "invalid_request"
        assert 'error="invalid_request"' in malformed.headers["www-authenticate"]
    twice = await server.client.get(
        "/auth/userinfo",
        headers=[("Authorization", f"Bearer {tokens['access_token']}"), ("Authorization", "x")],
    )
    assert twice.status_code == 400
    me = await server.client.get("/auth/userinfo", headers=bearer(tokens["access_token"]))
    assert me.status_code == 200 and me.json()["username"] == "alice"


async def test_disabling_or_deleting_a_user_ends_every_token_at_once(server: Server) -> None:
    admin = bearer(await server.create_admin())
    gateway_id, gateway_secret = await server.confidential_client("client_credentials")
    app_id, app_secret = await server.confidential_client("password", "refresh_token")

    async def introspect(token: str) -> bool:
        answer = await server.client.post(
            "/auth/introspect",
            data={"token": token},
            headers=basic(gateway_id, gateway_secret),
        )
        assert answer.status_code == 200
        return bool(answer.json()["active"])

    async def sessions(username: str) -> list[dict[str, Any]]:
        first_party = await server.login(username)
        via_app = await _token(
            server,
            {"grant_type": "password", "username": username, "password": PASSWORD},
            headers=basic(app_id, app_secret),
        )
        assert via_app.status_code == 200
        return [first_party, via_app.json()]

    for username, action in (("bob", "disable"), ("carol", "delete")):
        await server.register(username, PASSWORD)
        live = await sessions(username)
        for tokens in live:
            assert await introspect(tokens["access_token"])
        if action == "disable":
            done = await server.client.post(f"/admin/users/{username}/disable", headers=admin)
            assert done.status_code == 200
        else:
            done = await server.client.delete(f"/admin/users/{username}", headers=admin)
            assert done.status_code == 204
        for tokens, credentials in zip(
            live, [{}, {"headers": basic(app_id, app_secret)}], strict=True
        ):
            assert not await introspect(tokens["access_token"])
            me = await server.client.get("/auth/userinfo", headers=bearer(tokens["access_token"]))
            assert me.status_code == 401
            assert 'error="invalid_token"' in me.headers["www-authenticate"]
            refreshed = await _token(
                server,
                {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
                **credentials,
            )
            _rfc6749_error(refreshed, 400, "invalid_grant")


async def test_deleting_a_client_ends_every_token_issued_to_it(server: Server) -> None:
    admin = bearer(await server.create_admin())
    gateway_id, gateway_secret = await server.confidential_client("client_credentials")
    app_id, app_secret = await server.confidential_client(
        "password", "refresh_token", "client_credentials"
    )
    await server.register("alice", PASSWORD)
    user_tokens = (
        await _token(
            server,
            {"grant_type": "password", "username": "alice", "password": PASSWORD},
            headers=basic(app_id, app_secret),
        )
    ).json()
    own_token = (
        await _token(
            server, {"grant_type": "client_credentials"}, headers=basic(app_id, app_secret)
        )
    ).json()["access_token"]
    first_party = await server.login("alice")  # another client's session: untouched

    deleted = await server.client.delete(f"/admin/clients/{app_id}", headers=admin)
    assert deleted.status_code == 204
    for token, active in (
        (user_tokens["access_token"], False),
        (own_token, False),
        (user_tokens["refresh_token"], False),
        (first_party["access_token"], True),
    ):
        answer = await server.client.post(
            "/auth/introspect", data={"token": token}, headers=basic(gateway_id, gateway_secret)
        )
        assert answer.json()["active"] is active
    me = await server.client.get("/auth/userinfo", headers=bearer(user_tokens["access_token"]))
    assert me.status_code == 401
    still = await server.client.get("/auth/userinfo", headers=bearer(first_party["access_token"]))
    assert still.status_code == 200


async def test_registration(database_url: str, clock: FakeClock) -> None:
    async with running_server(make_settings(database_url), clock) as server:
        created = await server.client.post(
            "/auth/register", json={"email": "Alice@Example.com", "password": PASSWORD}
        )
        assert created.status_code == 201
        assert set(created.json()) == {"id", "username", "email"}
        for duplicate in ({"email": "alice@example.COM"}, {"username": "Alice@Example.com"}):
            again = await server.client.post(
                "/auth/register", json={**duplicate, "password": "another password!"}
            )
            assert again.status_code in (400, 409)
        taken = await server.client.post(
            "/auth/register", json={"email": "ALICE@example.com", "password": PASSWORD}
        )
        _rfc6749_error(taken, 409, "conflict")
        assert "alice" not in taken.json()["error_description"].lower()
        for password in ("short", "x" * 1025):
            refused = await server.client.post(
                "/auth/register", json={"username": "bob", "password": password}
            )
            _rfc6749_error(refused, 400, "invalid_request")
    async with running_server(make_settings(database_url, registration="off"), clock) as server:
        closed = await server.client.post(
            "/auth/register", json={"username": "carol", "password": PASSWORD}
        )
        _rfc6749_error(closed, 403, "access_denied")
    async with running_server(make_settings(database_url, registration="admin"), clock) as server:
        anonymous = await server.client.post(
            "/auth/register", json={"username": "dave", "password": PASSWORD}
        )
        assert anonymous.status_code == 401
        admin = await server.create_admin("root2")
        by_admin = await server.client.post(
            "/auth/register",
            json={"username": "dave", "password": PASSWORD},
            headers=bearer(admin),
        )
        assert by_admin.status_code == 201


async def test_no_response_leaks_a_password_hash_secret_or_trace(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = bearer(await server.create_admin())
    await server.register("alice", PASSWORD)
    client_id, secret = await server.confidential_client("client_credentials")
    user = await server.runtime.users.find("alice")
    assert user is not None
    secrets_ = [
        PASSWORD,
        secret,
        user.password_hash,
        "$argon2",
        server.runtime.settings.master_key.get_secret_value()
        if server.runtime.settings.master_key
        else "none",
    ]
    responses = [
        await server.client.post("/auth/login", json={"username": "alice", "password": "x"}),
        await server.client.post(
            "/auth/login", json={"username": "alice", "password": PASSWORD, "scope": 7}
        ),
        await server.client.post(
            "/auth/register", json={"username": "alice", "password": PASSWORD}
        ),
        await server.client.post(
            "/auth/register", json={"username": "x" * 300, "password": PASSWORD}
        ),
        await _token(
            server, {"grant_type": "client_credentials"}, headers=basic(client_id, secret + "x")
        ),
        await _token(
            server,
            {"grant_type": "password", "username": "alice", "password": PASSWORD, "extra": secret},
        ),
        await server.client.get("/admin/users", headers=admin),
        await server.client.get("/admin/users/alice", headers=admin),
        await server.client.get("/admin/clients", headers=admin),
        await server.client.get("/admin/audit", headers=admin),
        await server.client.get("/admin/keys", headers=admin),
        await server.client.post(
            "/admin/users", headers=admin, json={"username": "alice", "password": PASSWORD}
        ),
        await server.client.post(
            "/admin/users", headers=admin, json={"username": "eve", "password": [PASSWORD]}
        ),
    ]

    # The server itself fails mid-request: a bare server_error, nothing of the failure.
    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"database said: password_hash={user.password_hash} secret={secret}")

    monkeypatch.setattr(server.runtime.users, "authenticate", broken)
    transport = httpx.ASGITransport(app=server.app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://issuer.test") as client:
        failed = await client.post("/auth/login", json={"username": "alice", "password": PASSWORD})
    assert failed.status_code == 500
    assert failed.json() == {
        "error": "server_error",
        "error_description": "The server could not complete the request",
    }
    for response in [*responses, failed]:
        text = response.text + json.dumps(dict(response.headers))
        assert "Traceback" not in text and 'File "' not in text
        for secret_value in secrets_:
            assert secret_value not in text, (response.request.url, response.text)


async def test_metadata_and_health(server: Server) -> None:
    metadata = (await server.client.get("/.well-known/oauth-authorization-server")).json()
    assert metadata["issuer"] == "http://issuer.test"
    assert metadata["token_endpoint"] == "http://issuer.test/auth/token"
    assert metadata["jwks_uri"] == "http://issuer.test/.well-known/jwks.json"
    assert {"password", "refresh_token", "client_credentials"} <= set(
        metadata["grant_types_supported"]
    )
    assert (await server.client.get("/healthz")).status_code == 200
    assert (await server.client.get("/readyz")).status_code == 200
    assert FIRST_PARTY_CLIENT_ID  # the client a request naming none belongs to

"""Accounts and credentials, on SQLite and PostgreSQL: password change, argon2id at OWASP's
parameters and the rehash when they change, the same answer and cost for an unknown user,
hashed client secrets, rate limits on register and token, and the audit log as a table and
as structured log lines."""

from __future__ import annotations

import base64
import json
import logging
import time
from typing import Any

import pytest
from sqlalchemy import select

from jwtkit.server.db.models import Client, User

from .conftest import FakeClock, Server, basic, bearer, make_settings, running_server

pytestmark = pytest.mark.anyio

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "another horse battery staple"


async def test_changing_the_password_ends_the_other_sessions_only(server: Server) -> None:
    await server.register("alice", PASSWORD)
    this = await server.login("alice")
    other = await server.login("alice")
    wrong = await server.client.post(
        "/auth/password",
        headers=bearer(this["access_token"]),
        json={"current_password": "not my password", "new_password": NEW_PASSWORD},
    )
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    short = await server.client.post(
        "/auth/password",
        headers=bearer(this["access_token"]),
        json={"current_password": PASSWORD, "new_password": "short"},
    )
    assert short.status_code == 400 and short.json()["error"] == "invalid_request"
    anonymous = await server.client.post(
        "/auth/password", json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert anonymous.status_code == 401
    changed = await server.client.post(
        "/auth/password",
        headers=bearer(this["access_token"]),
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert changed.status_code == 204

    def refresh(tokens: dict[str, Any]) -> Any:
        return server.client.post(
            "/auth/token",
            data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        )

    # The other device's session is over, access and refresh alike; this one goes on.
    assert (
        await server.client.get("/auth/userinfo", headers=bearer(other["access_token"]))
    ).status_code == 401
    assert (await refresh(other)).status_code == 400
    assert (
        await server.client.get("/auth/userinfo", headers=bearer(this["access_token"]))
    ).status_code == 200
    assert (await refresh(this)).status_code == 200
    old = await server.client.post("/auth/login", json={"username": "alice", "password": PASSWORD})
    assert old.status_code == 400
    new = await server.client.post(
        "/auth/login", json={"username": "alice", "password": NEW_PASSWORD}
    )
    assert new.status_code == 200


async def test_guessing_the_current_password_is_locked_like_a_login(
    database_url: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now)
    settings = make_settings(database_url, rate_limit_login_failures_per_account="3/minute")
    async with running_server(settings, clock) as server:
        await server.register("alice", PASSWORD)
        token = (await server.login("alice"))["access_token"]
        statuses = [
            (
                await server.client.post(
                    "/auth/password",
                    headers=bearer(token),
                    json={"current_password": f"guess {index}!", "new_password": NEW_PASSWORD},
                )
            ).status_code
            for index in range(5)
        ]
    assert statuses == [400, 400, 400, 429, 429]


async def test_passwords_are_argon2id_at_owasp_parameters_and_rehashed_when_raised(
    database_url: str, clock: FakeClock
) -> None:
    async with running_server(make_settings(database_url), clock) as server:
        await server.register("alice", PASSWORD)
        stored = await server.runtime.users.find("alice")
        assert stored is not None
        assert stored.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
        assert PASSWORD not in stored.password_hash
    raised = make_settings(database_url, argon2_time_cost=3, argon2_memory_kib=20480)
    async with running_server(raised, clock) as server:
        server.passwords["alice"] = PASSWORD
        await server.login("alice")
        rehashed = await server.runtime.users.find("alice")
        assert rehashed is not None
        assert rehashed.password_hash.startswith("$argon2id$v=19$m=20480,t=3,p=1$")
        await server.login("alice")  # the new hash verifies


async def test_an_unknown_user_gets_the_same_answer_and_the_same_work(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    await server.register("alice", PASSWORD)
    await server.runtime.users.set_disabled("alice", False, actor=None)
    checked: list[str] = []
    hashing = server.runtime.users._passwords
    real_verify = hashing._verify_quietly

    def counting(password_hash: str, password: str) -> bool:
        checked.append(password_hash.split("$")[3])  # the parameters it was checked at
        return real_verify(password_hash, password)

    monkeypatch.setattr(hashing, "_verify_quietly", counting)
    answers = []
    for username in ("alice", "nobody-at-all", "ALICE"):
        response = await server.client.post(
            "/auth/login", json={"username": username, "password": "wrong password!"}
        )
        answers.append((response.status_code, response.json(), dict(response.headers)))
    assert answers[0][:2] == answers[1][:2] == answers[2][:2]
    assert answers[0][1] == {
        "error": "invalid_grant",
        "error_description": "Invalid username or password",
    }
    # One argon2id verification each, at the same parameters, known user or not.
    assert checked == ["m=19456,t=2,p=1"] * 3


async def test_client_secrets_are_stored_only_as_hashes(server: Server) -> None:
    client_id, secret = await server.confidential_client("client_credentials")
    async with server.runtime.database.transaction() as session:
        row = (await session.scalars(select(Client).where(Client.id == client_id))).one()
        users = (await session.scalars(select(User))).all()
    assert row.secret_hash is not None and secret not in row.secret_hash
    assert len(row.secret_hash) == 64
    assert not users
    granted = await server.client.post(
        "/auth/token", data={"grant_type": "client_credentials"}, headers=basic(client_id, secret)
    )
    assert granted.status_code == 200


async def test_register_and_token_are_rate_limited_per_address(
    database_url: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now)
    settings = make_settings(
        database_url, rate_limit_register_per_ip="3/minute", rate_limit_token_per_ip="4/minute"
    )
    async with running_server(settings, clock) as server:
        registered = [
            (
                await server.client.post(
                    "/auth/register", json={"username": f"user{index}", "password": PASSWORD}
                )
            )
            for index in range(5)
        ]
        assert [response.status_code for response in registered] == [201, 201, 201, 429, 429]
        assert 1 <= int(registered[-1].headers["retry-after"]) <= 60
        assert registered[-1].json()["error"] == "slow_down"
        async with server.client_from("198.51.100.9") as elsewhere:
            other = await elsewhere.post(
                "/auth/register", json={"username": "user9", "password": PASSWORD}
            )
        assert other.status_code == 201
        tokens = [
            await server.client.post(
                "/auth/token", data={"grant_type": "refresh_token", "refresh_token": "x" * 43}
            )
            for _ in range(6)
        ]
        assert [response.status_code for response in tokens] == [400] * 4 + [429] * 2
        assert int(tokens[-1].headers["retry-after"]) >= 1
        now += 61
        again = await server.client.post(
            "/auth/register", json={"username": "user5", "password": PASSWORD}
        )
        assert again.status_code == 201


async def test_security_events_are_audited_as_rows_and_log_lines(
    server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="jwtkit.audit")
    admin = bearer(await server.create_admin())
    await server.register("alice", PASSWORD)
    await server.client.post("/auth/login", json={"username": "alice", "password": "nope nope"})
    # A password typed into the username field names no account: it is not written down.
    await server.client.post(
        "/auth/login", json={"username": "Tr0ub4dor&3xyz", "password": "alice-typed-it"}
    )
    tokens = await server.login("alice")
    spent = tokens["refresh_token"]
    await server.client.post(
        "/auth/token", data={"grant_type": "refresh_token", "refresh_token": spent}
    )
    await server.client.post(
        "/auth/token", data={"grant_type": "refresh_token", "refresh_token": spent}
    )
    fresh = await server.login("alice")
    await server.client.post("/auth/revoke", data={"token": fresh["refresh_token"]})
    await server.client.post("/admin/users/alice/disable", headers=admin)
    await server.client.post("/admin/keys/rotate", headers=admin)

    rows = await server.runtime.audit.recent(200)
    events = [row.event for row in rows]
    lines = [
        json.loads(record.getMessage())
        for record in caplog.records
        if record.name == "jwtkit.audit"
    ]
    logged = [line["event"] for line in lines]
    for expected in (
        "user_registered",
        "login",
        "login_failed",
        "refresh_token_reuse",
        "token_revoked",
        "user_disabled",
        "key_rotated",
    ):
        # Each event is a row and a log line, as many times as it happened.
        assert events.count(expected) == logged.count(expected) >= 1, expected
    failed = next(line for line in lines if line["event"] == "login_failed")
    assert failed["ip"] == "127.0.0.1" and failed["account"] == "alice"
    assert failed["user_id"] is not None
    text = json.dumps(lines) + " ".join(row.detail for row in rows)
    assert PASSWORD not in text and "nope nope" not in text
    assert "tr0ub4dor" not in text.lower() and "alice-typed-it" not in text
    unknown = [line for line in lines if line["event"] == "login_failed"][1]
    assert unknown["unknown_account"] is True and unknown["user_id"] is None
    assert spent not in text and fresh["refresh_token"] not in text


async def test_each_client_keeps_to_its_grant_types_scopes_and_audiences(server: Server) -> None:
    await server.register("alice", PASSWORD)
    client_id, secret = await server.confidential_client(
        "client_credentials", scopes=["orders:read"], audiences=["orders-api", "billing-api"]
    )
    credentials = basic(client_id, secret)

    async def token(**form: str) -> Any:
        return await server.client.post("/auth/token", data=form, headers=credentials)

    chosen = await token(grant_type="client_credentials", audience="billing-api")
    assert chosen.status_code == 200
    claims = jwt_claims(chosen.json()["access_token"])
    assert claims["aud"] == "billing-api" and claims["client_id"] == client_id
    for form, error in (
        ({"audience": "admin-api"}, "invalid_request"),
        ({"scope": "orders:write"}, "invalid_scope"),
    ):
        refused = await token(grant_type="client_credentials", **form)
        assert refused.status_code == 400 and refused.json()["error"] == error
    not_allowed = await token(grant_type="password", username="alice", password=PASSWORD)
    assert not_allowed.status_code == 400
    assert not_allowed.json()["error"] == "unauthorized_client"


async def test_a_password_out_of_range_is_refused_before_any_hashing(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    await server.register("alice", PASSWORD)
    hashing = server.runtime.users._passwords
    work: list[Any] = []

    async def hashing_work(*args: Any) -> None:  # every hash and verification passes here
        work.append(args)

    monkeypatch.setattr(hashing, "_in_turn", hashing_work)
    for password in ("short", "x" * 1025, "x" * 4096):
        login = await server.client.post(
            "/auth/login", json={"username": "alice", "password": password}
        )
        assert login.status_code == 400
        registration = await server.client.post(
            "/auth/register", json={"username": "bob", "password": password}
        )
        assert registration.status_code == 400
    assert work == []


def jwt_claims(token: str) -> dict[str, Any]:
    """The payload, unverified (the server's own token; what is read is what it wrote)."""
    segment = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))))

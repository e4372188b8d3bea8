"""The admin HTTP API under /admin/, on SQLite and PostgreSQL: every operation for an admin,
and every route attacked with what is not an admin's live token (none, garbage, expired,
revoked, forged, without the scope, from a user who is not or no longer an admin, from a
client holding a scope named "admin")."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest

import jwtkit

from .conftest import Server, basic, bearer

pytestmark = pytest.mark.anyio

PASSWORD = "correct horse battery staple"


def _admin_operations(document: dict[str, Any]) -> list[tuple[str, str]]:
    """Every (method, path) under /admin/ in the OpenAPI document, with sample path values."""
    operations = []
    for path, methods in document["paths"].items():
        if path.startswith("/admin"):
            concrete = re.sub(r"\{[^}]+\}", "somebody", path)
            operations.extend((method.upper(), concrete) for method in methods)
    return operations


async def _call_all(server: Server, headers: dict[str, str]) -> dict[tuple[str, str], Any]:
    document = (await server.client.get("/openapi.json")).json()
    operations = _admin_operations(document)
    assert len(operations) >= 15
    answers = {}
    for method, path in operations:
        answers[(method, path)] = await server.client.request(
            method, path, headers=headers, json={}
        )
    return answers


async def test_every_admin_route_refuses_a_request_without_a_token(server: Server) -> None:
    for (method, path), response in (await _call_all(server, {})).items():
        assert response.status_code == 401, (method, path)
        assert response.headers["www-authenticate"] == 'Bearer realm="jwtkit"'


async def test_every_admin_route_refuses_a_user_token_without_the_admin_scope(
    server: Server,
) -> None:
    await server.register("mallory", PASSWORD)
    token = (await server.login("mallory"))["access_token"]
    for (method, path), response in (await _call_all(server, bearer(token))).items():
        assert response.status_code == 403, (method, path, response.text)
        assert response.json()["error"] == "insufficient_scope"
        assert 'error="insufficient_scope"' in response.headers["www-authenticate"]
        assert 'scope="admin"' in response.headers["www-authenticate"]
    # An admin's token asked for without the admin scope is refused the same way.
    await server.create_admin("root")
    plain = (await server.login("root"))["access_token"]
    listed = await server.client.get("/admin/users", headers=bearer(plain))
    assert listed.status_code == 403


async def test_tokens_that_are_not_a_live_admin_token_are_refused(server: Server) -> None:
    admin = await server.create_admin("root")
    header, payload, signature = admin.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged_claims = {**claims, "sub": "someone-else"}
    forged_payload = (
        base64.urlsafe_b64encode(json.dumps(forged_claims).encode()).rstrip(b"=").decode()
    )
    attacker_key = jwtkit.Key.generate("ES256")
    resigned = jwtkit.encode(
        claims,
        attacker_key,
        algorithm="ES256",
        headers={"typ": "at+jwt", "kid": jwtkit.get_unverified_header(admin)["kid"]},
    )
    unsigned = f"{header}.{payload}."
    for token in (
        "garbage",
        "a.b.c",
        f"{header}.{forged_payload}.{signature}",
        resigned,
        unsigned,
        admin[:-4] + ("AAAA" if not admin.endswith("AAAA") else "BBBB"),
    ):
        response = await server.client.get("/admin/users", headers=bearer(token))
        assert response.status_code == 401, token
        assert 'error="invalid_token"' in response.headers["www-authenticate"]
    for garbage in ("Bearer", "Bearer a b", "Basic cm9vdDpyb290", "bearer\x00x", "Token abc"):
        response = await server.client.get("/admin/users", headers={"Authorization": garbage})
        assert response.status_code in (400, 401), garbage
        assert response.json()["error"] in ("invalid_request", "invalid_token")
    assert (await server.client.get("/admin/users", headers=bearer(admin))).status_code == 200


async def test_an_expired_or_revoked_admin_token_is_refused(server: Server) -> None:
    admin = await server.create_admin("root")
    server.clock.advance(server.settings.access_token_lifetime + 1)
    expired = await server.client.get("/admin/users", headers=bearer(admin))
    assert expired.status_code == 401
    fresh = await server.login("root", scope="admin")
    logout = await server.client.post(
        "/auth/logout", headers=bearer(fresh["access_token"]), json={}
    )
    assert logout.status_code == 204
    revoked = await server.client.get("/admin/users", headers=bearer(fresh["access_token"]))
    assert revoked.status_code == 401


async def test_an_admin_demoted_or_disabled_loses_the_api_at_once(server: Server) -> None:
    first = await server.create_admin("root")
    second = await server.create_admin("deputy")
    demoted = await server.client.put(
        "/admin/users/deputy/scopes", headers=bearer(first), json={"scopes": [], "admin": False}
    )
    assert demoted.status_code == 200 and demoted.json()["admin"] is False
    # The deputy's token still carries the scope, but the user is no longer an admin.
    assert (await server.client.get("/admin/users", headers=bearer(second))).status_code == 403
    third = await server.create_admin("other")
    disabled = await server.client.post("/admin/users/other/disable", headers=bearer(first))
    assert disabled.status_code == 200
    assert (await server.client.get("/admin/users", headers=bearer(third))).status_code == 401


async def test_a_client_holding_a_scope_named_admin_is_not_an_admin(server: Server) -> None:
    client_id, secret = await server.confidential_client(
        "client_credentials", scopes=["admin", "reports"]
    )
    response = await server.client.post(
        "/auth/token",
        data={"grant_type": "client_credentials", "scope": "admin"},
        headers=basic(client_id, secret),
    )
    # The client may hold a scope of that name; its token still opens nothing under /admin/,
    # which needs a user who is an admin now.
    assert response.status_code == 200 and response.json()["scope"] == "admin"
    refused = await server.client.get(
        "/admin/users", headers=bearer(response.json()["access_token"])
    )
    assert refused.status_code == 401


async def test_an_admin_drives_users_clients_keys_and_audit(server: Server) -> None:
    admin = bearer(await server.create_admin("root"))
    created = await server.client.post(
        "/admin/users",
        headers=admin,
        json={"username": "alice", "password": PASSWORD, "scopes": ["reports"]},
    )
    assert created.status_code == 201
    alice = created.json()
    assert alice["scopes"] == ["reports"] and "password" not in json.dumps(alice)
    duplicate = await server.client.post(
        "/admin/users", headers=admin, json={"username": "ALICE", "password": PASSWORD}
    )
    assert duplicate.status_code == 409
    listed = (await server.client.get("/admin/users", headers=admin)).json()
    assert {user["username"] for user in listed} == {"root", "alice"}
    assert (await server.client.get("/admin/users/alice", headers=admin)).json()["id"] == alice[
        "id"
    ]
    assert (await server.client.get("/admin/users/nobody", headers=admin)).status_code == 404
    new_password = {"password": "another horse battery staple"}
    assert (
        await server.client.put("/admin/users/alice/password", headers=admin, json=new_password)
    ).status_code == 204
    login = await server.client.post("/auth/login", json={"username": "alice", **new_password})
    assert login.status_code == 200

    client = await server.client.post(
        "/admin/clients",
        headers=admin,
        json={"name": "billing", "grant_types": ["client_credentials"], "scopes": ["invoices"]},
    )
    assert client.status_code == 201 and client.json()["client_secret"]
    client_id = client.json()["client_id"]
    clients = (await server.client.get("/admin/clients", headers=admin)).text
    assert client.json()["client_secret"] not in clients
    rotated = await server.client.post(f"/admin/clients/{client_id}/rotate-secret", headers=admin)
    assert rotated.status_code == 200
    assert rotated.json()["client_secret"] != client.json()["client_secret"]
    assert (
        await server.client.delete(f"/admin/clients/{client_id}", headers=admin)
    ).status_code == 204

    keys = (await server.client.get("/admin/keys", headers=admin)).json()
    assert {key["state"] for key in keys} == {"current", "next"}
    assert "d" not in json.dumps(keys).replace('"', " ").split()
    db = (await server.client.get("/admin/db", headers=admin)).json()
    assert db["current"] == db["head"]
    assert (await server.client.delete("/admin/users/alice", headers=admin)).status_code == 204

    audit = (await server.client.get("/admin/audit", headers=admin)).json()
    events = [entry["event"] for entry in audit]
    for expected in (
        "user_created",
        "password_set",
        "client_created",
        "client_secret_rotated",
        "client_deleted",
        "user_deleted",
    ):
        assert expected in events, events
    root_id = (await server.client.get("/admin/users/root", headers=admin)).json()["id"]
    assert all(
        json.loads(entry["detail"]).get("actor") == root_id
        for entry in audit
        if entry["event"] in ("client_created", "user_deleted")
    )
    only_deletions = await server.client.get("/admin/audit?event=user_deleted", headers=admin)
    assert {entry["event"] for entry in only_deletions.json()} == {"user_deleted"}
    assert PASSWORD not in json.dumps(audit) and new_password["password"] not in json.dumps(audit)

"""Signing keys while the server runs, on SQLite and PostgreSQL: rotation on the schedule
(once, however many replicas race to do it), rotation by an admin, the published JWKS
(next, current, retired) with its max-age, and retired keys kept until their tokens expire.
"""

from __future__ import annotations

import asyncio
import json
from contextlib import AsyncExitStack
from typing import Any

import pytest

import jwtkit

from .conftest import FakeClock, Server, bearer, make_settings, running_server

pytestmark = pytest.mark.anyio

DAY = 86400


async def _kid_of(token: str) -> str:
    return str(jwtkit.get_unverified_header(token)["kid"])


async def _jwks(server: Server) -> tuple[list[str], str]:
    response = await server.client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    return [key["kid"] for key in response.json()["keys"]], response.headers["cache-control"]


async def _states(server: Server) -> dict[str, str]:
    return {record.kid: record.state for record in await server.runtime.keys.records()}


async def _events(server: Server, name: str) -> list[dict[str, Any]]:
    return [json.loads(row.detail) for row in await server.runtime.audit.recent(1000, name)]


async def test_the_schedule_rotates_once_however_many_replicas_race(
    database_url: str, clock: FakeClock
) -> None:
    settings = make_settings(database_url, key_rotation_interval=7 * DAY)
    async with AsyncExitStack() as stack:
        replicas = [
            await stack.enter_async_context(running_server(settings, clock)) for _ in range(3)
        ]
        first = replicas[0]
        await first.register("alice")
        before = await _states(first)
        current = next(kid for kid, state in before.items() if state == "current")
        upcoming = next(kid for kid, state in before.items() if state == "next")
        assert await _kid_of((await first.login("alice"))["access_token"]) == current
        for replica in replicas[1:]:
            replica.passwords = first.passwords

        clock.advance(7 * DAY + 1)
        # Every replica signs (and publishes) at once, after the rotation fell due.
        logins = await asyncio.gather(*(replica.login("alice") for replica in replicas))
        published = await asyncio.gather(*(_jwks(replica) for replica in replicas))

    # The key published as "next" a week ago signs now, on every replica.
    assert {await _kid_of(login["access_token"]) for login in logins} == {upcoming}
    kids, cache_control = published[0]
    assert all(kids == other for other, _ in published)
    after = await _states(first)
    assert after[upcoming] == "current" and after[current] == "retired"
    new_next = next(kid for kid, state in after.items() if state == "next")
    assert kids == [upcoming, new_next, current]  # current, next, retired
    assert cache_control == "public, max-age=300"
    rotations = await _events(first, "key_rotated")
    scheduled = [event for event in rotations if event["trigger"] == "schedule"]
    assert len(scheduled) == 1, rotations
    assert scheduled[0]["kid"] == upcoming and scheduled[0]["previous"] == current


async def test_a_retired_key_is_published_until_its_tokens_expire_then_pruned(
    server: Server,
) -> None:
    admin = await server.create_admin()
    await server.register("alice")
    token = (await server.login("alice"))["access_token"]
    old = await _kid_of(token)

    response = await server.client.post("/admin/keys/rotate", headers=bearer(admin))
    assert response.status_code == 200
    listed = {key["kid"]: key for key in response.json()}
    assert listed[old]["state"] == "retired"
    # It stays published at least as long as any token it signed can live.
    remove_after = listed[old]["remove_after"]
    assert remove_after >= listed[old]["retired_at"] + server.settings.access_token_lifetime
    assert (await server.runtime.audit.recent(10, "key_rotated"))[0].detail.find(
        '"trigger": "admin"'
    ) >= 0

    # The token signed by the retired key works until its own expiry.
    server.clock.advance(server.settings.access_token_lifetime - 5)
    assert (await server.client.get("/auth/userinfo", headers=bearer(token))).status_code == 200
    assert old in (await _jwks(server))[0]
    server.clock.advance(10)
    assert (await server.client.get("/auth/userinfo", headers=bearer(token))).status_code == 401

    server.clock.now = remove_after - 1
    assert old in (await _jwks(server))[0]
    server.clock.now = remove_after + 61  # past removal and the ring's reload interval
    kids, _ = await _jwks(server)
    assert old not in kids and len(kids) == 2
    assert old not in await _states(server)
    removed = await _events(server, "key_removed")
    assert [event["kid"] for event in removed] == [old]
    assert removed[0]["trigger"] == "schedule"


async def test_the_jwks_never_publishes_a_private_member(server: Server) -> None:
    admin = await server.create_admin()
    await server.client.post("/admin/keys/rotate", headers=bearer(admin))
    document = (await server.client.get("/.well-known/jwks.json")).json()
    assert len(document["keys"]) == 3
    for key in document["keys"]:
        assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key)
        assert key["use"] == "sig" and key["alg"] == "ES256"
        assert not jwtkit.Key.import_key(key).is_private


async def test_a_changed_signing_algorithm_takes_over_at_start(
    database_url: str, clock: FakeClock
) -> None:
    async with running_server(make_settings(database_url), clock) as server:
        await server.register("alice")
        passwords = server.passwords
        es256 = await _kid_of((await server.login("alice"))["access_token"])
    async with running_server(make_settings(database_url, signing_alg="EdDSA"), clock) as server:
        server.passwords = passwords
        token = (await server.login("alice"))["access_token"]
        header = jwtkit.get_unverified_header(token)
        assert header["alg"] == "EdDSA"
        assert es256 in (await _jwks(server))[0]  # still published: its tokens are live


async def test_signing_after_the_ring_goes_stale_does_not_wait_on_its_own_transaction(
    server: Server,
) -> None:
    """Every grant re-reads the ring once it is older than its reload interval. That read
    happened inside the grant's write transaction, and on SQLite it waited 30 s for the
    lock its own transaction held, then failed with 503."""
    admin = await server.create_admin()
    await server.register("alice")
    tokens = await server.login("alice")
    client_id, secret = await server.confidential_client()
    for _ in range(2):
        server.clock.advance(61)
        assert (await server.login("alice"))["access_token"]
        server.clock.advance(61)
        refreshed = await server.client.post(
            "/auth/token",
            data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        )
        assert refreshed.status_code == 200, refreshed.text
        tokens = refreshed.json()
        server.clock.advance(61)
        granted = await server.client.post(
            "/auth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": secret,
            },
        )
        assert granted.status_code == 200, granted.text
        server.clock.advance(61)
        rotated = await server.client.post("/admin/keys/rotate", headers=bearer(admin))
        assert rotated.status_code == 200, rotated.text

"""N replicas of ``jwtkit serve`` on one PostgreSQL and one Redis behave as one server.

Real processes on loopback: a token issued by one replica is introspected, refreshed and
revoked through another; a rate limit counts across all of them; a key rotated by one is
served by all within the JWKS max-age (and verified by all at once); migrations run exactly
once when replicas (or ``--workers``) start together on an empty database.

Starting processes is the slow part, so the tests share two fleets. The first trusts
127.0.0.1 as its proxy, so each test speaks from client addresses of its own
(``X-Forwarded-For``) and no test spends another's rate limits.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import asyncpg
import httpx
import pytest
import redis

from .conftest import REDIS_URL, temporary_postgres_database, temporary_redis_prefix
from .fleet import Fleet, fleet_env, introspect, refresh, register_and_login, run_fleet


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    """Two replicas behind a (trusted) proxy; JWKS max-age 1 s; 4 logins a minute per client."""
    with temporary_postgres_database() as database, temporary_redis_prefix() as prefix:
        env = fleet_env(
            database,
            redis_url=REDIS_URL,
            redis_prefix=prefix,
            jwks_max_age=1,
            trusted_proxies="127.0.0.1",
            rate_limit_login_per_ip="4/minute",
        )
        with run_fleet(tmp_path_factory.mktemp("fleet"), 2, env) as running:
            yield running


@pytest.fixture(scope="module")
def started_together(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Fleet, str]]:
    """Three replicas started at the same moment on an empty database (JWKS max-age 300 s,
    so each re-reads the key ring only once a minute)."""
    with temporary_postgres_database() as database, temporary_redis_prefix() as prefix:
        env = fleet_env(database, redis_url=REDIS_URL, redis_prefix=prefix)
        cwd = tmp_path_factory.mktemp("together")
        with run_fleet(cwd, 3, env, ready_path="/readyz") as running:
            yield running, database


def _as(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


def test_a_token_from_one_replica_is_introspected_refreshed_and_revoked_through_another(
    fleet: Fleet,
) -> None:
    credentials = fleet.confidential_client()
    with (
        fleet.http(0, headers=_as("198.51.100.1")) as first,
        fleet.http(1, headers=_as("198.51.100.1")) as second,
    ):
        tokens = register_and_login(first, "alice")
        assert introspect(second, credentials, tokens["access_token"])["active"]
        rotated = refresh(second, tokens["refresh_token"])
        assert rotated.status_code == 200, rotated.text
        fresh = rotated.json()
        assert introspect(first, credentials, fresh["access_token"])["sub"]
        # The spent token is reuse on any replica: the family ends everywhere.
        assert refresh(first, tokens["refresh_token"]).json()["error"] == "invalid_grant"
        assert not introspect(second, credentials, fresh["access_token"])["active"]
        # A new session, logged out through the first replica, is dead on the second.
        again = second.post(
            "/auth/login", json={"username": "alice", "password": "correct horse battery"}
        ).json()
        logout = first.post(
            "/auth/logout", headers={"Authorization": f"Bearer {again['access_token']}"}
        )
        assert logout.status_code == 204
        assert not introspect(second, credentials, again["access_token"])["active"]
        assert refresh(second, again["refresh_token"]).json()["error"] == "invalid_grant"
    # The revocations are in Redis, where resource servers read them.
    assert REDIS_URL is not None
    store = redis.Redis.from_url(REDIS_URL)
    try:
        prefix = fleet.env["JWTKIT_REDIS_PREFIX"]
        assert len(list(store.scan_iter(match=f"{prefix}revoked:*"))) >= 2
    finally:
        store.close()


def test_a_rate_limit_counts_across_replicas(fleet: Fleet) -> None:
    attacker = _as("203.0.113.9")
    with fleet.http(0, headers=attacker) as first, fleet.http(1, headers=attacker) as second:
        statuses = [
            (first, second)[index % 2]
            .post("/auth/login", json={"username": "mallory", "password": "wrong password"})
            .status_code
            for index in range(6)
        ]
    assert statuses == [400, 400, 400, 400, 429, 429]
    # Another client of the same proxy is not affected.
    with fleet.http(1, headers=_as("198.51.100.2")) as other:
        response = other.post(
            "/auth/login", json={"username": "mallory", "password": "wrong password"}
        )
    assert response.status_code == 400


def _kids(http: httpx.Client) -> set[str]:
    response = http.get("/.well-known/jwks.json")
    assert response.status_code == 200
    return {key["kid"] for key in response.json()["keys"]}


def _rotate(http: httpx.Client, admin_token: str) -> list[dict[str, Any]]:
    response = http.post("/admin/keys/rotate", headers={"Authorization": f"Bearer {admin_token}"})
    assert response.status_code == 200, response.text
    keys: list[dict[str, Any]] = response.json()
    return keys


def test_a_key_rotated_by_one_replica_is_served_by_all_within_the_jwks_max_age(
    fleet: Fleet,
) -> None:
    with fleet.http(0, headers=_as("198.51.100.3")) as first, fleet.http(1) as second:
        admin = fleet.admin_token(first)
        assert second.get("/.well-known/jwks.json").headers["cache-control"].endswith("=1")
        published = {key["kid"] for key in _rotate(first, admin)}
        deadline = time.monotonic() + 15  # bounded: the max-age plus process scheduling
        while _kids(second) != published:
            assert time.monotonic() < deadline, "the second replica kept a stale JWKS"
            time.sleep(0.2)


def _migrations(fleet: Fleet) -> list[str]:
    """Every line reporting that a start migrated the empty database."""
    return [
        line
        for replica in fleet.replicas
        for line in replica.output().splitlines()
        if re.search(r"migrated empty -> \w+", line)
    ]


def _alembic_rows(database_url: str) -> list[str]:
    async def read() -> list[str]:
        connection = await asyncpg.connect(database_url)
        try:
            return [row[0] for row in await connection.fetch("SELECT * FROM alembic_version")]
        finally:
            await connection.close()

    return anyio.run(read)


def test_migrations_run_once_when_replicas_start_together(
    started_together: tuple[Fleet, str],
) -> None:
    fleet, database = started_together
    assert all(replica.process.poll() is None for replica in fleet.replicas)
    # One migrated; the others waited for its advisory lock, then found nothing to do.
    assert len(_migrations(fleet)) == 1, [replica.output() for replica in fleet.replicas]
    assert len(_alembic_rows(database)) == 1


def test_replica_with_a_stale_key_ring_verifies_a_token_signed_after_two_rotations(
    started_together: tuple[Fleet, str],
) -> None:
    """The third replica re-reads its ring once a minute: a token signed with a key it has
    never seen makes it re-read at once, instead of refusing the token for up to a minute."""
    fleet, _ = started_together
    credentials = fleet.confidential_client()
    with fleet.http(0) as first, fleet.http(2) as third:
        admin = fleet.admin_token(first)
        before = _kids(third)
        _rotate(first, admin)
        _rotate(first, admin)  # the key that signs now was made after `third` last read
        tokens = register_and_login(first, "bob")
        assert introspect(third, credentials, tokens["access_token"])["active"]
        assert _kids(third) != before


def test_workers_share_one_migration_and_serve_together(tmp_path: Path) -> None:
    with temporary_postgres_database() as database, temporary_redis_prefix() as prefix:
        env = fleet_env(database, redis_url=REDIS_URL, redis_prefix=prefix)
        with run_fleet(tmp_path, 1, env, args=["--workers", "2"]) as fleet:
            deadline = time.monotonic() + 120
            while fleet.replicas[0].output().count("Application startup complete") < 2:
                assert time.monotonic() < deadline, fleet.replicas[0].output()
                time.sleep(0.2)
            with fleet.http(0) as http:
                tokens = register_and_login(http, "carol")
            bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
            for _ in range(8):  # new connections land on either worker
                with fleet.http(0) as fresh:
                    assert fresh.get("/auth/userinfo", headers=bearer).status_code == 200
            migrated = _migrations(fleet)
        assert len(migrated) == 1, migrated
        assert len(_alembic_rows(database)) == 1

"""Faults, each with real ``jwtkit serve`` processes on loopback.

PostgreSQL and Redis are shared by the machine, so they are made to go away through a TCP
proxy the test controls (tests/faults.py): ``refuse()`` drops every connection and refuses
new ones, ``hang()`` swallows every byte. Every wait is bounded (a deadline in a loop or an
HTTP timeout); nothing asserts how long anything took.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import anyio
import asyncpg
import httpx

from faults import proxied_url, target_of, tcp_proxy

from .conftest import POSTGRES_URL, REDIS_URL
from .fleet import PASSWORD, fleet_env, introspect, refresh, register_and_login, run_fleet

RECOVERY_SECONDS = 30.0


def _eventually(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + RECOVERY_SECONDS
    while not check():
        assert time.monotonic() < deadline, f"{what} did not happen in time"
        time.sleep(0.2)


def _ready(http: httpx.Client) -> bool:
    try:
        return http.get("/readyz").status_code == 200
    except httpx.TransportError:
        return False


def _assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.json()["error"] == "temporarily_unavailable"
    assert int(response.headers["retry-after"]) > 0


def test_postgres_going_away_or_silent_answers_503_and_service_resumes_by_itself(
    tmp_path: Path, postgres_database: str
) -> None:
    assert POSTGRES_URL is not None
    with tcp_proxy(*target_of(POSTGRES_URL)) as proxy:
        env = fleet_env(proxied_url(postgres_database, proxy), database_timeout=1)
        with run_fleet(tmp_path, 1, env) as fleet, fleet.http(0) as http:
            credentials = fleet.confidential_client()
            tokens = register_and_login(http, "alice")
            # Down (connections refused), then silent (packets vanish: only timeouts tell).
            for failure in (proxy.refuse, proxy.hang):
                failure()
                ready = http.get("/readyz")
                assert ready.status_code == 503
                assert ready.json()["database"] == "unreachable"
                assert int(ready.headers["retry-after"]) > 0
                bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
                for response in (
                    http.post("/auth/login", json={"username": "alice", "password": PASSWORD}),
                    refresh(http, tokens["refresh_token"]),
                    http.post("/auth/introspect", data={"token": "x"}, auth=credentials),
                    http.get("/auth/userinfo", headers=bearer),
                    http.post("/auth/register", json={"username": "bob", "password": PASSWORD}),
                ):
                    _assert_unavailable(response)
                proxy.restore()
                _eventually(lambda: _ready(http), "readiness after PostgreSQL came back")
                # The refresh tried during the outage wrote nothing: the token still works.
                rotated = refresh(http, tokens["refresh_token"])
                assert rotated.status_code == 200, rotated.text
                tokens = rotated.json()
                assert introspect(http, credentials, tokens["access_token"])["active"]
            login = http.post("/auth/login", json={"username": "alice", "password": PASSWORD})
            assert login.status_code == 200
        output = fleet.replicas[0].output()
    assert "Traceback" not in output
    assert "database unavailable" in output


def test_a_silent_postgres_costs_a_request_one_timeout_and_a_burst_two(
    tmp_path: Path, postgres_database: str
) -> None:
    """With packets vanishing, a statement times out after JWTKIT_DATABASE_TIMEOUT; before,
    the rollback (or the polite close) of its connection then waited on the silent database
    for another timeout, and requests queued for a pooled connection waited up to 10 s more
    (a burst of 30 took 11 s with a 1 s timeout). Bounds in units of the timeout, with room
    for a loaded machine: the failures being fixed cost whole timeouts."""
    assert POSTGRES_URL is not None
    timeout = 1.0
    with tcp_proxy(*target_of(POSTGRES_URL)) as proxy:
        env = fleet_env(proxied_url(postgres_database, proxy), database_timeout=timeout)
        with run_fleet(tmp_path, 1, env) as fleet, fleet.http(0) as http:
            tokens = register_and_login(http, "alice")
            bearer = {"Authorization": f"Bearer {tokens['access_token']}"}

            def userinfo(_: object = None) -> float:
                started = time.monotonic()
                _assert_unavailable(http.get("/auth/userinfo", headers=bearer))
                return time.monotonic() - started

            assert http.get("/auth/userinfo", headers=bearer).status_code == 200
            proxy.hang()  # a connection used a moment ago: its statement times out
            assert userinfo() < 1.6 * timeout
            proxy.restore()
            _eventually(lambda: _ready(http), "readiness after PostgreSQL came back")
            assert http.get("/auth/userinfo", headers=bearer).status_code == 200
            time.sleep(1.2)  # idle long enough that the next checkout pings the connection
            proxy.hang()
            assert userinfo() < 1.6 * timeout  # the ping times out
            with ThreadPoolExecutor(30) as pool:
                burst = list(pool.map(userinfo, range(30)))
            assert max(burst) < 2.6 * timeout, sorted(burst)


def test_redis_going_away_fails_limits_open_and_revocation_checks_fall_back_then_recover(
    tmp_path: Path, postgres_database: str, redis_prefix: str
) -> None:
    assert REDIS_URL is not None
    with tcp_proxy(*target_of(REDIS_URL)) as proxy:
        env = fleet_env(
            postgres_database,
            redis_url=proxied_url(REDIS_URL, proxy),
            redis_prefix=redis_prefix,
            redis_timeout=0.5,
        )
        with run_fleet(tmp_path, 2, env) as fleet, fleet.http(0) as first, fleet.http(1) as second:
            credentials = fleet.confidential_client()
            alice = register_and_login(first, "alice")
            bob = register_and_login(first, "bob")
            proxy.refuse()
            # Revocation checks read the database, the record: a live token is still live...
            assert introspect(second, credentials, alice["access_token"])["active"]
            ready = second.get("/readyz")
            assert ready.status_code == 200 and ready.json()["status"] == "degraded"
            # Logins still work (limits fail open); a logout is recorded in the database...
            carol = register_and_login(second, "carol")
            logout = first.post(
                "/auth/logout", headers={"Authorization": f"Bearer {bob['access_token']}"}
            )
            assert logout.status_code == 204
            # ...and holds at once on the replica that did not make it, Redis still down.
            assert not introspect(second, credentials, bob["access_token"])["active"]
            proxy.restore()
            # Each replica notices on its own next ping, so wait for both (bounded).
            for replica in fleet.replicas:
                _eventually(
                    lambda replica=replica: "Redis answers again" in replica.output(),
                    "a replica using Redis again",
                )
            assert introspect(first, credentials, carol["access_token"])["active"]
            assert introspect(second, credentials, alice["access_token"])["active"]
            # The logout made during the outage holds on every replica, now from Redis.
            assert not introspect(second, credentials, bob["access_token"])["active"]
            assert not introspect(first, credentials, bob["access_token"])["active"]
        logs = "".join(replica.output() for replica in fleet.replicas)
    assert "Traceback" not in logs
    assert "Redis is unreachable" in logs and "Redis answers again" in logs


def _family_states(database_url: str) -> list[tuple[str, int, int, Any]]:
    """Per refresh family: (id, tokens, unspent tokens, revoked_at)."""

    async def read() -> list[tuple[str, int, int, Any]]:
        connection = await asyncpg.connect(database_url)
        try:
            rows = await connection.fetch(
                """
                SELECT f.id, count(t.token_hash) AS tokens,
                       count(t.token_hash) FILTER (WHERE t.spent_at IS NULL) AS unspent,
                       f.revoked_at
                FROM refresh_families f LEFT JOIN refresh_tokens t ON t.family_id = f.id
                GROUP BY f.id, f.revoked_at
                """
            )
            return [(row["id"], row["tokens"], row["unspent"], row["revoked_at"]) for row in rows]
        finally:
            await connection.close()

    return anyio.run(read)


def test_sigkill_mid_burst_of_refreshes_leaves_no_family_half_rotated(
    tmp_path: Path, postgres_database: str, redis_prefix: str
) -> None:
    sessions = 30
    env = fleet_env(
        postgres_database,
        redis_url=REDIS_URL,
        redis_prefix=redis_prefix,
        # A client whose answer was lost with the process retries its old token: within the
        # grace period it gets the same successor back instead of ending its session.
        refresh_token_reuse_grace=60,
    )
    with run_fleet(tmp_path, 2, env) as fleet, fleet.http(1) as survivor:
        register_and_login(survivor, "alice")
        logins = [
            survivor.post("/auth/login", json={"username": "alice", "password": PASSWORD}).json()
            for _ in range(sessions)
        ]
        first_answer = threading.Event()
        victim = fleet.replicas[0]

        def spend(tokens: dict[str, Any]) -> str | None:
            try:
                with fleet.http(0) as http:
                    response = refresh(http, tokens["refresh_token"])
            except httpx.TransportError:
                return None  # the process died under this request
            finally:
                first_answer.set()
            assert response.status_code == 200, response.text
            return str(response.json()["refresh_token"])

        with ThreadPoolExecutor(max_workers=sessions) as pool:
            futures = [pool.submit(spend, tokens) for tokens in logins]
            assert first_answer.wait(timeout=60)
            victim.signal(signal.SIGKILL)
            answers = [future.result(timeout=60) for future in futures]
        victim.process.wait(timeout=10)
        assert None in answers  # the kill did interrupt refreshes in flight
        # In the database every family is whole: one live token, and every spent token has
        # its successor (a spend and its successor commit together or not at all).
        for family_id, tokens, unspent, revoked_at in _family_states(postgres_database):
            assert revoked_at is None, family_id
            assert unspent == 1, (family_id, tokens, unspent)
        # And every client can go on: with the new token it got, or with its old one.
        for tokens, answer in zip(logins, answers, strict=True):
            presented = answer if answer is not None else tokens["refresh_token"]
            response = refresh(survivor, presented)
            assert response.status_code == 200, response.text


def test_sigterm_drains_in_flight_requests(tmp_path: Path) -> None:
    env = {
        "JWTKIT_DATABASE_URL": "sqlite:///./jwtkit.db",
        # Slow hashing keeps logins in flight (queued for the hasher) when SIGTERM arrives.
        "JWTKIT_ARGON2_TIME_COST": "40",
        "JWTKIT_RATE_LIMIT_LOGIN_PER_IP": "1000/minute",
        "JWTKIT_RATE_LIMIT_LOGIN_FAILURES_PER_ACCOUNT": "1000/minute",
    }
    with run_fleet(tmp_path, 1, env) as fleet:
        with fleet.http(0) as http:
            assert (
                http.post(
                    "/auth/register", json={"username": "alice", "password": PASSWORD}
                ).status_code
                == 201
            )
        first_answer = threading.Event()

        def login() -> int:
            with fleet.http(0) as http:
                response = http.post(
                    "/auth/login", json={"username": "alice", "password": PASSWORD}
                )
            first_answer.set()
            return response.status_code

        with ThreadPoolExecutor(max_workers=6) as pool:
            futures = [pool.submit(login) for _ in range(6)]
            assert first_answer.wait(timeout=120)
            fleet.replicas[0].signal(signal.SIGTERM)
            statuses = [future.result(timeout=120) for future in futures]
        # uvicorn re-raises the signal once it has shut down cleanly: "killed by SIGTERM".
        assert fleet.replicas[0].process.wait(timeout=60) in (0, -signal.SIGTERM)
        output = fleet.replicas[0].output()
    assert statuses == [200] * 6  # every request that was in flight got its answer
    assert "Waiting for application shutdown" in output
    assert "Finished server process" in output

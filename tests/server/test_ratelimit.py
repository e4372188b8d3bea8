"""Rate limits in Redis: one count for every replica, atomic under parallel attempts, immune
to replicas' clock differences, failing open while Redis is down and applying again after.

Two apps on one database and one Redis play two replicas; Redis is reached through a TCP
proxy the test breaks (tests/faults.py).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import anyio
import pytest

from faults import TcpProxy, proxied_url, target_of, tcp_proxy
from jwtkit.server.redis_connection import RedisConnection
from jwtkit.server.security.ratelimit import RateLimiter, parse_limits

from .conftest import REDIS_URL, FakeClock, Server, make_settings, running_server

pytestmark = pytest.mark.anyio


@pytest.fixture
def redis_proxy(redis_prefix: str) -> Iterator[TcpProxy]:
    assert REDIS_URL is not None
    with tcp_proxy(*target_of(REDIS_URL)) as proxy:
        yield proxy


def _settings(tmp_path: Path, redis_url: str, prefix: str, **limits: str) -> Any:
    return make_settings(
        f"sqlite:///{tmp_path / 'jwtkit.db'}",
        redis_url=redis_url,
        redis_prefix=prefix,
        redis_timeout=0.5,
        **limits,
    )


@pytest.fixture
async def replicas(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    redis_proxy: TcpProxy,
    redis_prefix: str,
    clock: FakeClock,
) -> AsyncIterator[tuple[Server, Server]]:
    """Two replicas: the first reaches Redis through the proxy, the second directly."""
    limits: dict[str, str] = getattr(request, "param", {})
    urls = (proxied_url(REDIS_URL or "", redis_proxy), REDIS_URL or "")
    async with AsyncExitStack() as stack:
        servers = [
            await stack.enter_async_context(
                running_server(_settings(tmp_path, url, redis_prefix, **limits), clock)
            )
            for url in urls
        ]
        yield servers[0], servers[1]


async def _login(server: Server, username: str, password: str) -> Any:
    return await server.client.post(
        "/auth/login", json={"username": username, "password": password}
    )


LOGIN_3_PER_MINUTE = {"rate_limit_login_per_ip": "3/minute"}


@pytest.mark.parametrize("replicas", [LOGIN_3_PER_MINUTE], indirect=True)
async def test_a_limit_counts_across_replicas(replicas: tuple[Server, Server]) -> None:
    first, second = replicas
    statuses = [
        (await _login(server, "nobody", "wrong password")).status_code
        for server in (first, second, first, second)
    ]
    assert statuses == [400, 400, 400, 429]
    refused = await _login(first, "nobody", "wrong password")
    assert refused.status_code == 429
    assert refused.json()["error"] == "slow_down"
    assert 1 <= int(refused.headers["retry-after"]) <= 60


ONE_FAILURE_PER_ACCOUNT = {"rate_limit_login_failures_per_account": "1/hour"}


@pytest.mark.parametrize("replicas", [ONE_FAILURE_PER_ACCOUNT], indirect=True)
async def test_an_unknown_name_is_counted_across_replicas_without_being_written_down(
    replicas: tuple[Server, Server], redis_prefix: str
) -> None:
    """A name no account has is often a password typed into the username field: the
    per-account counters key it by a keyed digest (the same on every replica), not by the
    name, which review found in Redis's key names next to the address."""
    import redis as redis_client

    first, second = replicas
    name = "Tr0ub4dor&3-SECRET"
    assert (await _login(first, name, "wrong password")).status_code == 400
    assert (await _login(second, name.lower(), "wrong password")).status_code == 429
    client = redis_client.Redis.from_url(REDIS_URL or "")
    try:
        keys = [key.decode() for key in client.scan_iter(match=redis_prefix + "*")]
    finally:
        client.close()
    assert any("login-account" in key for key in keys)
    assert not any("tr0ub4dor" in key.lower() for key in keys), keys


@pytest.mark.parametrize("replicas", [LOGIN_3_PER_MINUTE], indirect=True)
async def test_a_limit_holds_when_replicas_clocks_differ(
    replicas: tuple[Server, Server], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The windows keep Redis's time, not each replica's: a replica whose clock runs two
    minutes ahead still sees the attempts the others counted a moment ago (with a moving
    window, whose entries carry each replica's own timestamps, it would not)."""
    first, second = replicas
    for _ in range(3):
        assert (await _login(first, "nobody", "wrong password")).status_code == 400
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 120)
    assert (await _login(second, "nobody", "wrong password")).status_code == 429


@pytest.mark.parametrize(
    "replicas",
    [
        {
            "rate_limit_login_per_ip": "10000/minute",
            "rate_limit_login_failures_per_account": "5/minute",
        }
    ],
    indirect=True,
)
async def test_fifty_parallel_wrong_passwords_let_exactly_the_limit_through(
    replicas: tuple[Server, Server],
) -> None:
    first, second = replicas
    await first.register("alice", "correct horse battery")
    statuses: list[int] = []

    async def attempt(server: Server) -> None:
        statuses.append((await _login(server, "alice", "wrong password!")).status_code)

    async with anyio.create_task_group() as group:
        for index in range(50):
            group.start_soon(attempt, (first, second)[index % 2])
    # Each attempt is counted before the password is checked, atomically in Redis: no two
    # parallel attempts both see "4 so far" and slip through as the fifth.
    assert statuses.count(400) == 5
    assert statuses.count(429) == 45


@pytest.mark.parametrize(
    "replicas",
    [
        {
            "rate_limit_login_per_ip": "10000/minute",
            "rate_limit_login_failures_per_account": "1000/minute",
        }
    ],
    indirect=True,
)
async def test_fifty_parallel_wrong_passwords_count_as_fifty(
    replicas: tuple[Server, Server],
) -> None:
    first, second = replicas
    alice = await first.register("alice", "correct horse battery")

    async def attempt(server: Server) -> None:
        assert (await _login(server, "alice", "wrong password!")).status_code == 400

    async with anyio.create_task_group() as group:
        for index in range(50):
            group.start_soon(attempt, (first, second)[index % 2])
    limiter = first.runtime.limiter
    window = await limiter._strategy.get_window_stats(
        parse_limits("1000/minute")[0], "login-account", alice["id"], "127.0.0.1"
    )
    assert window.remaining == 1000 - 50


@pytest.mark.parametrize("replicas", [LOGIN_3_PER_MINUTE], indirect=True)
async def test_limits_are_counted_in_each_process_while_redis_is_down_and_apply_again_after(
    replicas: tuple[Server, Server], redis_proxy: TcpProxy, caplog: pytest.LogCaptureFixture
) -> None:
    first, _ = replicas
    await first.register("alice", "correct horse battery")
    for _ in range(3):
        assert (await _login(first, "alice", "wrong password!")).status_code == 400
    assert (await _login(first, "alice", "correct horse battery")).status_code == 429
    redis_proxy.refuse()
    # Redis is down: logins keep working, counted by this process, and it says so once.
    for _ in range(3):
        assert (await _login(first, "alice", "correct horse battery")).status_code == 200
    warnings = [r.message for r in caplog.records if "Redis is unreachable" in r.message]
    assert len(warnings) == 1
    assert "rate limits are counted by each process alone" in warnings[0]
    # ... and an outage is no open season for guessing: the fourth attempt this minute from
    # this address is refused (before the fix every guess reached a password check).
    guess = await _login(first, "alice", "guess during the outage")
    assert guess.status_code == 429 and int(guess.headers["retry-after"]) >= 1
    redis_proxy.restore()
    assert first.runtime.redis is not None
    assert await first.runtime.redis.check()
    # The counts kept in Redis through the outage apply again.
    assert (await _login(first, "alice", "correct horse battery")).status_code == 429


# -- credential stuffing (the defaults, in memory: one process) -----------------------------


def _default_limits(**overrides: Any) -> dict[str, Any]:
    from jwtkit.server.settings import Settings

    names = [name for name in Settings.model_fields if name.startswith("rate_limit_")]
    return {name: Settings.model_fields[name].default for name in names} | overrides


@pytest.fixture
def frozen_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """The limiter's windows stand still (``limits`` reads ``time.time``): a run that happens to
    cross a window boundary would otherwise get a few more attempts, as sliding-window
    counters allow, and the counts below would depend on when the test ran."""
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now)


@pytest.fixture
async def guarded(tmp_path: Path, clock: FakeClock, frozen_time: None) -> AsyncIterator[Server]:
    """One server with the default limits and a trusted proxy at 10.0.0.1."""
    settings = make_settings(
        f"sqlite:///{tmp_path / 'jwtkit.db'}",
        trusted_proxies=["10.0.0.1"],
        **_default_limits(),
    )
    async with running_server(settings, clock) as server:
        for index in range(100):
            await server.runtime.users.create(
                username=f"user{index}", email=None, password=f"password of user {index}"
            )
        yield server


async def _stuff(client: Any, headers: Any = None) -> dict[int, int]:
    """1,000 failed logins spread over the 100 accounts; how many got which status."""
    statuses: dict[int, int] = {}
    for attempt in range(1000):
        response = await client.post(
            "/auth/login",
            json={"username": f"user{attempt % 100}", "password": f"guess number {attempt}"},
            headers=headers(attempt) if headers else None,
        )
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
    return statuses


async def _real_user_logs_in(server: Server, address: str) -> None:
    async with server.client_from(address) as client:
        response = await client.post(
            "/auth/login", json={"username": "user7", "password": "password of user 7"}
        )
    assert response.status_code == 200, response.text


async def test_credential_stuffing_from_one_address_is_blocked(guarded: Server) -> None:
    statuses = await _stuff(guarded.client)
    # 20 attempts a minute per address (the default) reach a password check; the rest do not.
    assert statuses == {400: 20, 429: 980}
    await _real_user_logs_in(guarded, "198.51.100.23")


async def test_credential_stuffing_with_forged_forwarded_for_is_blocked(guarded: Server) -> None:
    """The peer (127.0.0.1) is not a trusted proxy: X-Forwarded-For is ignored, so 100 forged
    addresses are one address to the limiter."""
    statuses = await _stuff(
        guarded.client, lambda attempt: {"X-Forwarded-For": f"203.0.113.{attempt % 100}"}
    )
    assert statuses == {400: 20, 429: 980}
    await _real_user_logs_in(guarded, "198.51.100.23")


async def test_forged_forwarded_for_behind_a_trusted_proxy_counts_the_real_address(
    guarded: Server,
) -> None:
    """Behind the trusted proxy the client writes the left of X-Forwarded-For and the proxy
    appends the address it saw: the limiter reads from the right, so forgeries change nothing."""
    async with guarded.client_from("10.0.0.1") as through_proxy:
        statuses = await _stuff(
            through_proxy,
            lambda attempt: {"X-Forwarded-For": f"203.0.113.{attempt % 100}, 192.0.2.66"},
        )
        assert statuses == {400: 20, 429: 980}
        # Another real client behind the same proxy is not blocked.
        response = await through_proxy.post(
            "/auth/login",
            json={"username": "user7", "password": "password of user 7"},
            headers={"X-Forwarded-For": "198.51.100.23"},
        )
        assert response.status_code == 200, response.text


async def test_credential_stuffing_from_one_ipv6_network_is_blocked(guarded: Server) -> None:
    """An IPv6 attacker has a /64 of addresses: it is counted as one client."""
    clients = [guarded.client_from(f"2001:db8:1:2::{index:x}") for index in range(100)]
    try:
        statuses: dict[int, int] = {}
        for attempt in range(1000):
            response = await clients[attempt % 100].post(
                "/auth/login",
                json={"username": f"user{attempt % 100}", "password": f"guess {attempt}"},
            )
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
    finally:
        for client in clients:
            await client.aclose()
    assert statuses == {400: 20, 429: 980}
    await _real_user_logs_in(guarded, "2001:db8:9:9::1")  # another network: not blocked


async def test_a_known_address_is_a_flag_that_lives_its_whole_period_in_redis(
    redis_prefix: str,
) -> None:
    """In Redis, as in memory, a mark lives for the item's period from the last mark (a key
    with a time to live), not until a window boundary."""
    assert REDIS_URL is not None
    redis = RedisConnection(REDIS_URL, timeout=1.0)
    try:
        limiter = RateLimiter.on_redis(redis, prefix=redis_prefix)
        item = parse_limits("1/30 days")[0]
        assert not await limiter.marked(item, "login-known", "account", "198.51.100.7")
        await limiter.mark(item, "login-known", "account", "198.51.100.7")
        await limiter.mark(item, "login-known", "account", "198.51.100.7")  # a second login
        assert await limiter.marked(item, "login-known", "account", "198.51.100.7")
        assert not await limiter.marked(item, "login-known", "account", "192.0.2.1")
        flag = item.key_for("login-known", "account", "198.51.100.7")
        lives = await redis.client.ttl(f"{redis_prefix}flags:{flag}")
        assert 30 * 86400 - 60 < lives <= 30 * 86400
        # Renewed while being read: never seen missing (one SET ... EX, not a delete first).
        seen = await asyncio.gather(
            *(limiter.mark(item, "login-known", "account", "198.51.100.7") for _ in range(50)),
            *(limiter.marked(item, "login-known", "account", "198.51.100.7") for _ in range(300)),
        )
        assert all(seen[50:])
    finally:
        await redis.close()

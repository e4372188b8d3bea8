"""The access-token denylist in Redis: what resource servers read, and what happens when Redis
goes away, comes back, or comes back empty.

Redis is reached through a TCP proxy the test breaks (tests/faults.py), never by stopping the
machine's Redis. Two apps on one database and one Redis play two replicas. The monitor's
checks are run by the test (``runtime.redis.check()``), so nothing waits on its timer.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
import redis as redis_client
from typer.testing import CliRunner

from faults import TcpProxy, proxied_url, redis_server, target_of, tcp_proxy
from jwtkit._denylist_keys import REVOKED_KEY_OUTLIVES_TOKEN
from jwtkit.cli.app import app
from jwtkit.server.services.denylist import RedisDenylist

from .conftest import (
    MASTER_KEY,
    REDIS_URL,
    FakeClock,
    Server,
    basic,
    bearer,
    make_settings,
    running_server,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
def clock() -> FakeClock:
    """The servers' clock starts at the real time: ``jwtkit admin`` (run by some tests here)
    revokes by the real clock, and replicas compare revocation times with their own."""
    return FakeClock(time.time())


@pytest.fixture
def checks_by_the_test(monkeypatch: pytest.MonkeyPatch) -> None:
    """No monitor in the background: the test's own ``check()`` calls are all there are."""
    from jwtkit.server.redis_connection import RedisConnection

    monkeypatch.setattr(RedisConnection, "start", lambda self: None)


@pytest.fixture
def redis_proxy(redis_prefix: str) -> Iterator[TcpProxy]:
    assert REDIS_URL is not None
    with tcp_proxy(*target_of(REDIS_URL)) as proxy:
        yield proxy


@pytest.fixture
def direct_redis() -> Iterator[Any]:
    assert REDIS_URL is not None
    client = redis_client.Redis.from_url(REDIS_URL, decode_responses=True)
    yield client
    client.close()


def _settings(tmp_path: Path, redis_url: str, prefix: str) -> Any:
    return make_settings(
        f"sqlite:///{tmp_path / 'jwtkit.db'}",
        redis_url=redis_url,
        redis_prefix=prefix,
        redis_timeout=0.5,
    )


@pytest.fixture
async def replica_behind_proxy(
    tmp_path: Path, redis_proxy: TcpProxy, redis_prefix: str, clock: FakeClock
) -> AsyncIterator[Server]:
    settings = _settings(tmp_path, proxied_url(REDIS_URL or "", redis_proxy), redis_prefix)
    async with running_server(settings, clock) as server:
        assert server.runtime.redis is not None
        assert await server.runtime.redis.check()  # the first copy of the record is in
        yield server


@pytest.fixture
async def other_replica(
    tmp_path: Path, replica_behind_proxy: Server, redis_prefix: str, clock: FakeClock
) -> AsyncIterator[Server]:
    """A second replica on the same database and Redis, reaching Redis directly."""
    async with running_server(_settings(tmp_path, REDIS_URL or "", redis_prefix), clock) as server:
        assert server.runtime.redis is not None
        assert await server.runtime.redis.check()
        yield server


def _jti(token: str) -> str:
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return str(claims["jti"])


async def _introspect(server: Server, credentials: tuple[str, str], token: str) -> bool:
    response = await server.client.post(
        "/auth/introspect", data={"token": token}, headers=basic(*credentials)
    )
    assert response.status_code == 200, response.text
    return bool(response.json()["active"])


async def _logged_in(server: Server, name: str = "alice") -> dict[str, Any]:
    await server.register(name, "correct horse battery")
    return await server.login(name)


async def _log_out(server: Server, token: str) -> None:
    response = await server.client.post("/auth/logout", headers=bearer(token))
    assert response.status_code == 204, response.text


async def test_revocation_is_copied_to_redis_until_the_token_expires(
    replica_behind_proxy: Server, redis_prefix: str, direct_redis: Any
) -> None:
    server = replica_behind_proxy
    tokens = await _logged_in(server)
    jti = _jti(tokens["access_token"])
    await _log_out(server, tokens["access_token"])
    key = f"{redis_prefix}revoked:{jti}"
    assert direct_redis.get(key) == "1"  # the key resource servers read (SERVER-CONTRACT)
    expires = server.clock.now + server.settings.access_token_lifetime
    # An hour past exp: the most leeway a resource server reading it may allow.
    assert (
        direct_redis.expiretime(key)
        == int(expires) + REVOKED_KEY_OUTLIVES_TOKEN
        == int(expires) + 3600
    )


async def test_introspection_reads_the_database_while_redis_is_down_and_recovers(
    replica_behind_proxy: Server, other_replica: Server, redis_proxy: TcpProxy
) -> None:
    """While Redis cannot answer, the database (the record every revocation is written to)
    does: a live token stays active and a revoked one, revoked by another replica during the
    outage, is refused at once. (Until 2026-12-01 every token counted as revoked, so a burst
    that starved Redis's answers turned live tokens inactive.)"""
    server = replica_behind_proxy
    credentials = await server.confidential_client()
    token = (await _logged_in(server))["access_token"]
    other = (await _logged_in(server, "bob"))["access_token"]
    assert await _introspect(server, credentials, token)
    redis_proxy.refuse()
    assert await _introspect(server, credentials, token)  # the database answers: active
    assert server.runtime.redis is not None and not server.runtime.redis.available
    await _log_out(other_replica, other)
    assert not await _introspect(server, credentials, other)
    ready = await server.client.get("/readyz")
    assert ready.status_code == 200  # the database answers: degraded, not out
    assert ready.json() == {"status": "degraded", "database": "ok", "redis": "unreachable"}
    redis_proxy.restore()
    assert await server.runtime.redis.check()
    assert await _introspect(server, credentials, token)
    assert not await _introspect(server, credentials, other)
    assert (await server.client.get("/readyz")).json()["redis"] == "ok"


async def test_revocation_while_redis_is_down_reaches_redis_when_it_returns(
    replica_behind_proxy: Server,
    other_replica: Server,
    redis_proxy: TcpProxy,
    redis_prefix: str,
    direct_redis: Any,
) -> None:
    server = replica_behind_proxy
    credentials = await other_replica.confidential_client()
    tokens = await _logged_in(server)
    jti = _jti(tokens["access_token"])
    redis_proxy.refuse()
    # The database records the logout although Redis cannot take the copy now.
    await _log_out(server, tokens["access_token"])
    assert direct_redis.exists(f"{redis_prefix}revoked:{jti}") == 0
    redis_proxy.restore()
    assert server.runtime.redis is not None
    assert await server.runtime.redis.check()  # the waiting revocation is written now
    assert direct_redis.get(f"{redis_prefix}revoked:{jti}") == "1"
    # The other replica never saw Redis fail; it answers from Redis and refuses the token.
    assert not await _introspect(other_replica, credentials, tokens["access_token"])


async def test_a_replica_that_saw_the_outage_copies_the_record_back(
    tmp_path: Path,
    replica_behind_proxy: Server,
    redis_proxy: TcpProxy,
    redis_prefix: str,
    clock: FakeClock,
    direct_redis: Any,
) -> None:
    """Another replica revoked while Redis was down and died before writing its copy: a
    replica that saw the outage copies the database's record into Redis on recovery."""
    credentials = await replica_behind_proxy.confidential_client()
    tokens = await _logged_in(replica_behind_proxy)
    jti = _jti(tokens["access_token"])
    with tcp_proxy(*target_of(REDIS_URL or "")) as doomed_proxy:
        settings = _settings(tmp_path, proxied_url(REDIS_URL or "", doomed_proxy), redis_prefix)
        async with running_server(settings, clock) as doomed:
            redis_proxy.refuse()
            doomed_proxy.refuse()
            assert await _introspect(replica_behind_proxy, credentials, tokens["access_token"])
            response = await doomed.client.post(
                "/auth/logout", headers=bearer(tokens["access_token"])
            )
            assert response.status_code == 204  # recorded in the database only
            # The database answers while Redis is out: refused on the other replica at once.
            assert not await _introspect(replica_behind_proxy, credentials, tokens["access_token"])
        # ... and that replica is gone, its copy never written.
    assert direct_redis.exists(f"{redis_prefix}revoked:{jti}") == 0
    redis_proxy.restore()
    assert replica_behind_proxy.runtime.redis is not None
    assert await replica_behind_proxy.runtime.redis.check()
    assert direct_redis.get(f"{redis_prefix}revoked:{jti}") == "1"
    assert not await _introspect(replica_behind_proxy, credentials, tokens["access_token"])


async def test_redis_that_lost_its_data_is_refilled_from_the_database(
    replica_behind_proxy: Server, other_replica: Server, redis_prefix: str, direct_redis: Any
) -> None:
    server = replica_behind_proxy
    credentials = await server.confidential_client()
    tokens = await _logged_in(server)
    jti = _jti(tokens["access_token"])
    await _log_out(server, tokens["access_token"])
    # Redis restarts without persistence (or is flushed): every key is gone.
    direct_redis.delete(*direct_redis.keys(redis_prefix + "*"))
    # Both replicas notice the missing marker and ask the database meanwhile.
    assert not await _introspect(other_replica, credentials, tokens["access_token"])
    assert not await _introspect(server, credentials, tokens["access_token"])
    assert other_replica.runtime.redis is not None
    assert await other_replica.runtime.redis.check()
    assert direct_redis.get(f"{redis_prefix}revoked:{jti}") == "1"
    assert direct_redis.exists(f"{redis_prefix}denylist:ready") == 1


async def test_copy_cut_short_by_a_redis_restart_is_not_marked_ready(
    replica_behind_proxy: Server, redis_prefix: str, direct_redis: Any
) -> None:
    server = replica_behind_proxy
    tokens = await _logged_in(server)
    await _log_out(server, tokens["access_token"])
    denylist = server.runtime.denylist
    assert isinstance(denylist, RedisDenylist)
    direct_redis.delete(f"{redis_prefix}denylist:ready")
    write = denylist._write

    async def write_then_lose_everything(revoked: Any) -> None:
        await write(revoked)
        direct_redis.delete(*direct_redis.keys(redis_prefix + "*"))  # restarted mid-copy

    denylist._write = write_then_lose_everything  # type: ignore[method-assign]
    await denylist.copy_record()
    assert direct_redis.exists(f"{redis_prefix}denylist:ready") == 0
    denylist._write = write  # type: ignore[method-assign]
    await denylist.copy_record()
    assert direct_redis.exists(f"{redis_prefix}denylist:ready") == 1
    assert direct_redis.exists(f"{redis_prefix}revoked:{_jti(tokens['access_token'])}") == 1


async def test_userinfo_checks_tokens_in_the_database_while_redis_is_down(
    replica_behind_proxy: Server, redis_proxy: TcpProxy
) -> None:
    server = replica_behind_proxy
    token = (await _logged_in(server))["access_token"]
    revoked = (await _logged_in(server, "bob"))["access_token"]
    await _log_out(server, revoked)
    redis_proxy.refuse()
    assert (await server.client.get("/auth/userinfo", headers=bearer(token))).status_code == 200
    response = await server.client.get("/auth/userinfo", headers=bearer(revoked))
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"
    redis_proxy.restore()
    assert server.runtime.redis is not None
    assert await server.runtime.redis.check()
    assert (await server.client.get("/auth/userinfo", headers=bearer(token))).status_code == 200


async def test_rfc7009_revocation_of_an_access_token_works_while_redis_is_down(
    replica_behind_proxy: Server, other_replica: Server, redis_proxy: TcpProxy
) -> None:
    """Revoking must not depend on the denylist answering: before the fix, a revocation
    request during a Redis outage found the token "unverifiable" and silently did nothing."""
    server = replica_behind_proxy
    credentials = await other_replica.confidential_client()
    token = (await _logged_in(server))["access_token"]
    redis_proxy.refuse()
    response = await server.client.post(
        "/auth/revoke", data={"token": token, "client_id": "jwtkit-first-party"}
    )
    assert response.status_code == 200
    redis_proxy.restore()
    assert server.runtime.redis is not None
    assert await server.runtime.redis.check()
    assert not await _introspect(other_replica, credentials, token)
    assert not await _introspect(server, credentials, token)


def _resource_server(
    server: Server,
    jwks: dict[str, Any],
    prefix: str,
    *,
    leeway: float = 0,
    redis_url: str | None = None,
) -> Any:
    """A resource server reading this server's Redis denylist directly (jwtkit.integrations)."""
    from jwtkit.integrations._bearer import BearerGuard

    return BearerGuard(
        issuer=server.settings.issuer,
        audience=server.settings.audience,
        keys=jwks,
        revocation=redis_url or REDIS_URL,
        redis_prefix=prefix,
        clock=server.clock,
        leeway=leeway,
    )


def _refusal(guard: Any, token: str) -> int | None:
    """The status a resource server's guard answers ``token`` with; None when it accepts."""
    from jwtkit.integrations._bearer import BearerError

    try:
        guard.authenticate([f"Bearer {token}"])
    except BearerError as error:
        return error.status
    return None


async def test_a_resource_server_never_accepts_a_revoked_token_after_redis_lost_its_data(
    replica_behind_proxy: Server, redis_prefix: str, direct_redis: Any
) -> None:
    """The attack: revoke, then flush Redis (a restart without persistence). Before the
    ready marker was read, the resource server found no ``revoked`` key and let the token in
    again until a replica happened to copy the record back."""
    from jwtkit.integrations._bearer import BearerError

    server = replica_behind_proxy
    jwks = (await server.client.get("/.well-known/jwks.json")).json()
    guard = _resource_server(server, jwks, redis_prefix)
    revoked = (await _logged_in(server))["access_token"]
    alive = (await _logged_in(server, "bob"))["access_token"]
    assert guard.authenticate([f"Bearer {revoked}"]) is not None
    await _log_out(server, revoked)
    with pytest.raises(BearerError) as refused:
        guard.authenticate([f"Bearer {revoked}"])
    assert refused.value.status == 401
    # Redis loses everything. The guard is synchronous, so the replica's monitor cannot copy
    # the record back before these calls: this is the window an attacker would use.
    direct_redis.delete(*direct_redis.keys(redis_prefix + "*"))
    for token in (revoked, alive):  # unknown state: neither is vouched for
        with pytest.raises(BearerError) as unknown:
            guard.authenticate([f"Bearer {token}"])
        assert (unknown.value.status, unknown.value.error) == (503, "temporarily_unavailable")
    assert server.runtime.redis is not None
    assert await server.runtime.redis.check()  # the replica copies its record back in
    with pytest.raises(BearerError) as refused_again:
        guard.authenticate([f"Bearer {revoked}"])
    assert refused_again.value.status == 401
    assert guard.authenticate([f"Bearer {alive}"]) is not None


async def test_a_resource_server_with_another_prefix_fails_closed(
    replica_behind_proxy: Server, redis_prefix: str
) -> None:
    """A mistyped ``redis_prefix`` would find no revocation ever; it finds no marker either."""
    from jwtkit.integrations._bearer import BearerError

    server = replica_behind_proxy
    jwks = (await server.client.get("/.well-known/jwks.json")).json()
    guard = _resource_server(server, jwks, redis_prefix + "typo:")
    token = (await _logged_in(server))["access_token"]
    with pytest.raises(BearerError) as unknown:
        guard.authenticate([f"Bearer {token}"])
    assert unknown.value.status == 503


async def test_a_token_revoked_then_expired_stays_revoked_after_redis_is_refilled(
    replica_behind_proxy: Server, redis_prefix: str, direct_redis: Any
) -> None:
    """A resource server with the most leeway allowed accepts a token an hour past its
    exp, so the refill after Redis lost its data must copy revocations of tokens that
    expired within that hour too."""
    from jwtkit.integrations._bearer import BearerError

    server = replica_behind_proxy
    jwks = (await server.client.get("/.well-known/jwks.json")).json()
    guard = _resource_server(server, jwks, redis_prefix, leeway=REVOKED_KEY_OUTLIVES_TOKEN)
    token = (await _logged_in(server))["access_token"]
    await _log_out(server, token)
    server.clock.advance(server.settings.access_token_lifetime + 60)  # expired a minute ago
    with pytest.raises(BearerError):
        guard.authenticate([f"Bearer {token}"])
    direct_redis.delete(*direct_redis.keys(redis_prefix + "*"))  # Redis restarted empty
    assert server.runtime.redis is not None and await server.runtime.redis.check()
    assert direct_redis.exists(f"{redis_prefix}denylist:ready") == 1  # refilled
    with pytest.raises(BearerError):
        guard.authenticate([f"Bearer {token}"])


async def test_a_revocation_after_exp_reaches_a_resource_server_still_accepting_the_token(
    replica_behind_proxy: Server, redis_prefix: str
) -> None:
    from jwtkit.integrations._bearer import BearerError

    server = replica_behind_proxy
    jwks = (await server.client.get("/.well-known/jwks.json")).json()
    guard = _resource_server(server, jwks, redis_prefix, leeway=600)
    token = (await _logged_in(server))["access_token"]
    server.clock.advance(server.settings.access_token_lifetime + 10)  # expired 10 s ago
    assert guard.authenticate([f"Bearer {token}"]) is not None  # within its leeway
    await server.runtime.users.set_disabled("alice", True, actor="admin")
    with pytest.raises(BearerError):
        guard.authenticate([f"Bearer {token}"])


# -- revocations Redis did not take, seen from where Redis answers ----------------------------


async def test_a_logout_where_redis_is_out_holds_on_a_replica_that_reaches_redis(
    replica_behind_proxy: Server,
    other_replica: Server,
    redis_proxy: TcpProxy,
    redis_prefix: str,
    direct_redis: Any,
) -> None:
    """Only one replica loses Redis. Before the denylist epoch, its logout waited in its own
    memory while the other replica, trusting Redis, accepted the token for as long as that
    replica's Redis stayed out (for good, if it died). Now the logout's transaction raises
    the epoch and the other replica copies the record in at its next check."""
    credentials = await other_replica.confidential_client()
    tokens = await _logged_in(other_replica)
    key = f"{redis_prefix}revoked:{_jti(tokens['access_token'])}"
    assert await _introspect(other_replica, credentials, tokens["access_token"])
    redis_proxy.refuse()  # the first replica's network to Redis breaks, for good
    await _log_out(replica_behind_proxy, tokens["access_token"])
    assert direct_redis.exists(key) == 0
    assert other_replica.runtime.redis is not None
    assert await other_replica.runtime.redis.check()
    assert direct_redis.get(key) == "1"  # resource servers reading Redis refuse it too
    assert not await _introspect(other_replica, credentials, tokens["access_token"])
    userinfo = await other_replica.client.get(
        "/auth/userinfo", headers=bearer(tokens["access_token"])
    )
    assert userinfo.status_code == 401


async def test_admin_disable_where_redis_is_out_holds_on_the_replicas(
    tmp_path: Path,
    other_replica: Server,
    redis_proxy: TcpProxy,
    redis_prefix: str,
    direct_redis: Any,
) -> None:
    """``jwtkit admin users disable`` run where Redis cannot be reached: the command exits,
    so nothing of it waits to write the copy later; the replicas copy the record instead."""
    credentials = await other_replica.confidential_client()
    token = (await _logged_in(other_replica, "mallory"))["access_token"]
    redis_proxy.refuse()
    env = {
        "JWTKIT_DATABASE_URL": f"sqlite:///{tmp_path / 'jwtkit.db'}",
        "JWTKIT_MASTER_KEY": MASTER_KEY,
        "JWTKIT_REDIS_URL": proxied_url(REDIS_URL or "", redis_proxy),
        "JWTKIT_REDIS_PREFIX": redis_prefix,
        "JWTKIT_REDIS_TIMEOUT": "0.5",
    }
    result = await anyio.to_thread.run_sync(
        lambda: CliRunner().invoke(app, ["admin", "users", "disable", "mallory"], env=env)
    )
    assert result.exit_code == 0, (result.stdout, result.stderr)
    assert direct_redis.exists(f"{redis_prefix}revoked:{_jti(token)}") == 0
    assert other_replica.runtime.redis is not None
    assert await other_replica.runtime.redis.check()
    assert direct_redis.get(f"{redis_prefix}revoked:{_jti(token)}") == "1"
    assert not await _introspect(other_replica, credentials, token)


# Redis 7's ACL syntax on the command line: every command but INFO, as hardened setups do.
_NO_INFO = ("--user", "default", "on", "nopass", "~*", "&*", "+@all", "-info")


@pytest.mark.parametrize("config", [(), _NO_INFO], ids=["redis", "redis-refusing-INFO"])
async def test_redis_restored_from_an_older_snapshot_is_refilled_and_distrusted_meanwhile(
    tmp_path: Path,
    redis_prefix: str,
    clock: FakeClock,
    config: tuple[str, ...],
    checks_by_the_test: None,
) -> None:
    """Redis restarts from a snapshot taken before a logout: the ready marker is back, the
    logout's key is not, and no call failed (the client's retry on a fresh connection hides
    the restart). At its next check the replica finds that its canary key does not hold the
    value it last wrote there: it removes the marker (resource servers reading Redis fail
    closed) and copies the record back in. Also where Redis refuses INFO (a first version
    compared INFO's run_id, and there saw nothing)."""

    with anyio.fail_after(60), redis_server(tmp_path, *config) as redis:
        settings = _settings(tmp_path, redis.url, redis_prefix)
        async with running_server(settings, clock) as server:
            assert server.runtime.redis is not None
            assert await server.runtime.redis.check()
            credentials = await server.confidential_client()
            jwks = (await server.client.get("/.well-known/jwks.json")).json()
            guard = _resource_server(server, jwks, redis_prefix, redis_url=redis.url)
            token = (await _logged_in(server))["access_token"]
            redis.snapshot()  # the marker is in the snapshot; the logout below is not
            await _log_out(server, token)
            with redis.client() as direct:
                assert direct.exists(f"{redis_prefix}revoked:{_jti(token)}") == 1
            redis.restart()
            with redis.client() as direct:
                assert direct.exists(f"{redis_prefix}revoked:{_jti(token)}") == 0
                assert direct.exists(f"{redis_prefix}denylist:ready") == 1
            # Another logout before the check: its write moves the canary on, and must not
            # hide the loss (review: a canary compared only at checks missed it).
            other = (await _logged_in(server, "bob"))["access_token"]
            await _log_out(server, other)
            denylist = server.runtime.denylist
            assert isinstance(denylist, RedisDenylist)
            copy = denylist.copy_record
            seen_without_marker: list[bool] = []

            async def copy_and_look() -> int:
                with redis.client() as direct:
                    seen_without_marker.append(not direct.exists(f"{redis_prefix}denylist:ready"))
                assert _refusal(guard, token) == 503  # not vouched for: fail closed
                return await copy()

            denylist.copy_record = copy_and_look  # type: ignore[method-assign]
            assert await server.runtime.redis.check()
            assert seen_without_marker == [True]
            with redis.client() as direct:
                assert direct.get(f"{redis_prefix}revoked:{_jti(token)}") == "1"
                assert direct.exists(f"{redis_prefix}denylist:ready") == 1
            assert not await _introspect(server, credentials, token)
            assert _refusal(guard, token) == 401


async def test_a_logout_whose_transaction_failed_after_its_redis_copy_can_be_done_again(
    replica_behind_proxy: Server, redis_prefix: str, direct_redis: Any
) -> None:
    """The copy is written before the commit; a commit that then fails leaves Redis saying
    "revoked" for a logout that never happened. The logout tried again reads the database,
    so it ends the session instead of being refused as already revoked (before, the retry
    got 401 and the refresh token stayed live)."""
    server = replica_behind_proxy
    tokens = await _logged_in(server)
    audit = server.runtime.audit
    record = audit.record

    async def fail_once(*args: Any, **kwargs: Any) -> None:
        audit.record = record  # type: ignore[method-assign]
        raise TimeoutError("the database stopped answering before COMMIT")

    audit.record = fail_once  # type: ignore[method-assign]
    first = await server.client.post("/auth/logout", headers=bearer(tokens["access_token"]))
    assert first.status_code == 503  # nothing was revoked...
    key = f"{redis_prefix}revoked:{_jti(tokens['access_token'])}"
    assert direct_redis.get(key) == "1"  # ...but the copy was written before the commit
    await _log_out(server, tokens["access_token"])
    refresh = await server.client.post(
        "/auth/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
    )
    assert refresh.status_code == 400 and refresh.json()["error"] == "invalid_grant"


async def test_admin_disable_without_the_replicas_redis_settings_holds_on_the_replicas(
    tmp_path: Path, other_replica: Server, redis_prefix: str, direct_redis: Any
) -> None:
    """``jwtkit admin`` run with the database's settings only (no JWTKIT_REDIS_URL), or with
    another prefix: it writes no copy the replicas read and cannot tell. Every revocation it
    makes adds an epoch row naming the jtis, so the replicas write them in at their next
    check, whatever the clocks (review: a copy by revocation time, reaching 300 s back on
    the replica's clock, missed an admin machine whose clock was 310 s behind)."""
    credentials = await other_replica.confidential_client()
    tokens = [(await _logged_in(other_replica, name))["access_token"] for name in ("amy", "ben")]
    other_replica.clock.advance(600)  # the replica's clock ten minutes ahead of the admin's
    base = {
        "JWTKIT_DATABASE_URL": f"sqlite:///{tmp_path / 'jwtkit.db'}",
        "JWTKIT_MASTER_KEY": MASTER_KEY,
        "JWTKIT_REDIS_URL": None,
    }
    other_prefix = {**base, "JWTKIT_REDIS_URL": REDIS_URL, "JWTKIT_REDIS_PREFIX": "not-theirs:"}
    for name, env in (("amy", base), ("ben", other_prefix)):
        result = await anyio.to_thread.run_sync(
            lambda env=env, name=name: CliRunner().invoke(
                app, ["admin", "users", "disable", name], env=env
            )
        )
        assert result.exit_code == 0, (result.stdout, result.stderr)
    assert other_replica.runtime.redis is not None
    assert await other_replica.runtime.redis.check()
    for token in tokens:
        assert direct_redis.get(f"{redis_prefix}revoked:{_jti(token)}") == "1"
        assert not await _introspect(other_replica, credentials, token)
    direct_redis.delete(*direct_redis.keys("not-theirs:*"))


async def test_copying_the_record_holds_no_lock_that_stops_logins(
    replica_behind_proxy: Server, redis_prefix: str, direct_redis: Any
) -> None:
    """The copy reads in pages, each a read of its own: on SQLite one transaction around
    the whole copy held the write lock, and every login waited for the copy to end (9 s for
    200,000 revoked tokens in review)."""
    server = replica_behind_proxy
    tokens = await _logged_in(server)
    await _log_out(server, tokens["access_token"])
    denylist = server.runtime.denylist
    assert isinstance(denylist, RedisDenylist)
    write = denylist._write
    logins: list[int] = []

    async def write_while_someone_logs_in(revoked: Any) -> None:
        await write(revoked)
        with anyio.fail_after(10):  # a login waiting on the write lock would take 30 s
            await server.register("newcomer", "correct horse battery")
            logins.append(len((await server.login("newcomer"))["access_token"]))

    denylist._write = write_while_someone_logs_in  # type: ignore[method-assign]
    direct_redis.delete(f"{redis_prefix}denylist:ready")
    await denylist.copy_record()
    denylist._write = write  # type: ignore[method-assign]
    assert logins and direct_redis.exists(f"{redis_prefix}denylist:ready") == 1


async def test_a_logout_and_a_revocation_racing_while_redis_is_out_both_finish(
    postgres_database: str, redis_prefix: str, clock: FakeClock
) -> None:
    """Review: a logout (its access token, and the refresh token of another session) and an
    RFC 7009 revocation of that refresh token on another replica, with Redis out. When the
    epoch was one row, the logout locked it and then waited for the session's row, which the
    revocation held while it waited for the epoch's row: PostgreSQL killed one (503). The
    epoch is now a row added per revocation: nobody waits for it."""
    import asyncio

    assert REDIS_URL is not None
    with tcp_proxy(*target_of(REDIS_URL)) as proxy:
        settings = make_settings(
            postgres_database,
            redis_url=proxied_url(REDIS_URL, proxy),
            redis_prefix=redis_prefix,
            redis_timeout=0.5,
        )
        async with running_server(settings, clock) as one, running_server(settings, clock) as two:
            await one.register("alice", "correct horse battery")
            first, second = await one.login("alice"), await one.login("alice")
            proxy.refuse()
            denylist = one.runtime.denylist
            publish = denylist.publish
            holding, go_on = asyncio.Event(), asyncio.Event()

            async def hold_after_the_first(session: Any, revoked: Any) -> None:
                await publish(session, revoked)
                if not holding.is_set():
                    holding.set()
                    await go_on.wait()

            denylist.publish = hold_after_the_first  # type: ignore[method-assign]
            logout = asyncio.create_task(
                one.client.post(
                    "/auth/logout",
                    headers=bearer(first["access_token"]),
                    json={"refresh_token": second["refresh_token"]},
                )
            )
            with anyio.fail_after(30):
                await holding.wait()
                revoke = asyncio.create_task(
                    two.client.post(
                        "/auth/revoke",
                        data={"token": second["refresh_token"], "client_id": "jwtkit-first-party"},
                    )
                )
                await asyncio.sleep(0.5)  # the revocation is now waiting for the logout
                go_on.set()
                logged_out, revoked = await asyncio.gather(logout, revoke)
            assert logged_out.status_code == 204, logged_out.text
            assert revoked.status_code == 200, revoked.text


async def test_epoch_rows_committed_out_of_order_are_all_written(
    postgres_database: str, redis_prefix: str, clock: FakeClock, direct_redis: Any
) -> None:
    """Review: ids are handed out at INSERT, not at commit. A revocation whose epoch row has
    the lower id and commits after a replica has seen a higher one was never written when
    the epoch was ``max(id)``. Each check looks again at the newest rows."""
    from sqlalchemy import update

    from jwtkit.server.db.models import AccessToken
    from jwtkit.server.services.denylist import raise_epoch

    settings = make_settings(postgres_database, redis_url=REDIS_URL, redis_prefix=redis_prefix)
    async with running_server(settings, clock) as server:
        assert server.runtime.redis is not None
        assert await server.runtime.redis.check()
        credentials = await server.confidential_client()
        first, second = [(await _logged_in(server, name))["access_token"] for name in "ab"]
        database = server.runtime.database

        async def revoke(session: Any, token: str) -> None:
            jti = _jti(token)
            await session.execute(
                update(AccessToken).where(AccessToken.jti == jti).values(revoked_at=clock.now)
            )
            await raise_epoch(session, clock.now, [(jti, clock.now + 900)])

        async with database.transaction() as slow:
            await revoke(slow, first)  # the lower id, still uncommitted...
            async with database.transaction() as fast:
                await revoke(fast, second)  # ...the higher id, committed first
            assert await server.runtime.redis.check()
            assert direct_redis.exists(f"{redis_prefix}revoked:{_jti(second)}") == 1
        assert await server.runtime.redis.check()
        assert direct_redis.exists(f"{redis_prefix}revoked:{_jti(first)}") == 1
        assert not await _introspect(server, credentials, first)


async def test_writes_racing_each_other_are_not_taken_for_a_redis_that_lost_writes(
    replica_behind_proxy: Server, redis_prefix: str, direct_redis: Any
) -> None:
    """Review: every write moves the process's canary on, and writes sent together may
    reach Redis in either order; a canary compared for equality then cried "lost writes"
    (50 rounds out of 50), and each cry removes the marker for the resource servers."""
    import asyncio

    denylist = replica_behind_proxy.runtime.denylist
    assert isinstance(denylist, RedisDenylist)
    expires = replica_behind_proxy.clock.now + 900
    big = [(f"race-{index}", expires) for index in range(1000)]
    redis = replica_behind_proxy.runtime.redis
    assert redis is not None
    await asyncio.gather(*(redis.client.ping() for _ in range(20)))  # connections in parallel
    for _ in range(20):
        await asyncio.gather(
            denylist._write(big),
            *(denylist._write([(f"race-one-{index}", expires)]) for index in range(3)),
        )
        assert not await denylist._lost_writes()
    assert denylist._losses == 0
    assert direct_redis.exists(f"{redis_prefix}denylist:ready") == 1


async def test_writes_that_cross_on_the_wire_do_not_hide_a_restore(
    tmp_path: Path,
    postgres_database: str,
    redis_prefix: str,
    clock: FakeClock,
    checks_by_the_test: None,
) -> None:
    """Review: two logouts' writes cross (the first sent lands last) around a snapshot. A
    canary that kept the highest number then held the same value after the restore, and the
    lost revocation went unnoticed. The canary counts writes: one lost shows as a shortfall."""
    import asyncio

    with anyio.fail_after(60), redis_server(tmp_path) as redis:
        # PostgreSQL: on SQLite the second logout would wait for the first one's write lock.
        settings = make_settings(postgres_database, redis_url=redis.url, redis_prefix=redis_prefix)
        async with running_server(settings, clock) as server:
            assert server.runtime.redis is not None
            assert await server.runtime.redis.check()
            credentials = await server.confidential_client()
            jwks = (await server.client.get("/.well-known/jwks.json")).json()
            guard = _resource_server(server, jwks, redis_prefix, redis_url=redis.url)
            slow, fast = [(await _logged_in(server, name))["access_token"] for name in ("a", "b")]
            client = server.runtime.redis.client
            pipeline, gate, held = client.pipeline, asyncio.Event(), []

            def slow_first_pipeline(*args: Any, **kwargs: Any) -> Any:
                made = pipeline(*args, **kwargs)
                if not held:  # the first write (the first logout) is slow on the wire
                    held.append(made)
                    execute = made.execute

                    async def late(*more: Any, **options: Any) -> Any:
                        await gate.wait()
                        return await execute(*more, **options)

                    made.execute = late
                return made

            client.pipeline = slow_first_pipeline
            first = asyncio.create_task(server.client.post("/auth/logout", headers=bearer(slow)))
            while not held:
                await asyncio.sleep(0.01)
            await _log_out(server, fast)
            redis.snapshot()  # the second logout's write is in it, the first's is not
            gate.set()
            assert (await first).status_code == 204
            client.pipeline = pipeline
            redis.restart()
            assert await server.runtime.redis.check()
            with redis.client() as direct:
                assert direct.get(f"{redis_prefix}revoked:{_jti(slow)}") == "1"
            assert not await _introspect(server, credentials, slow)
            assert _refusal(guard, slow) == 401


async def test_an_epoch_row_committed_after_a_thousand_newer_ones_is_written(
    postgres_database: str, redis_prefix: str, clock: FakeClock, checks_by_the_test: None
) -> None:
    """Review: each check looked at the newest 1,000 rows only, so a row whose transaction
    was still open while more committed was never written. Checks now look again at every
    id within 10,000 of the highest seen."""
    from sqlalchemy import update

    from jwtkit.server.db.models import AccessToken
    from jwtkit.server.services.denylist import raise_epoch

    settings = make_settings(postgres_database, redis_url=REDIS_URL, redis_prefix=redis_prefix)
    async with running_server(settings, clock) as server:
        assert server.runtime.redis is not None
        assert await server.runtime.redis.check()
        credentials = await server.confidential_client()
        token = (await _logged_in(server, "amy"))["access_token"]
        jti = _jti(token)
        database = server.runtime.database
        async with database.transaction() as slow:
            await slow.execute(
                update(AccessToken).where(AccessToken.jti == jti).values(revoked_at=clock.now)
            )
            await raise_epoch(slow, clock.now, [(jti, clock.now + 900)])  # the lower id, open
            async with database.transaction() as others:
                for index in range(1001):
                    await raise_epoch(others, clock.now, [(f"other-{index}", clock.now + 900)])
            assert await server.runtime.redis.check()
        assert await server.runtime.redis.check()
        assert not await _introspect(server, credentials, token)


async def test_a_malformed_epoch_row_is_skipped_not_fatal_to_every_check(
    replica_behind_proxy: Server, redis_prefix: str, direct_redis: Any
) -> None:
    """Review: one row that is not this server's JSON made every check raise, so Redis was
    never trusted again until the purge (two days). It is skipped with a warning."""
    from sqlalchemy import text

    server = replica_behind_proxy
    credentials = await server.confidential_client()
    token = (await _logged_in(server))["access_token"]
    async with server.runtime.database.transaction() as session:
        await session.execute(
            text("INSERT INTO denylist_epochs (at, revoked) VALUES (1, 'not json')")
        )
    assert server.runtime.redis is not None
    assert await server.runtime.redis.check()
    denylist = server.runtime.denylist
    assert isinstance(denylist, RedisDenylist)
    assert denylist._copy_is_current()
    assert await _introspect(server, credentials, token)


async def test_epoch_ids_are_not_reused_on_sqlite_after_the_purge_empties_the_table(
    replica_behind_proxy: Server,
) -> None:
    """Review: SQLite hands out the highest id plus one, so after the purge emptied the
    table a new row got an id a replica had already written, and was skipped."""
    from sqlalchemy import delete, func, select

    from jwtkit.server.db.models import DenylistEpoch
    from jwtkit.server.services.denylist import raise_epoch

    database = replica_behind_proxy.runtime.database
    newest = select(func.max(DenylistEpoch.id))
    async with database.transaction() as session:
        await raise_epoch(session, 1.0, [("a", 2.0)])
    async with database.transaction() as session:
        first = await session.scalar(newest)
        await session.execute(delete(DenylistEpoch))
    async with database.transaction() as session:
        await raise_epoch(session, 1.0, [("b", 2.0)])
    async with database.transaction() as session:
        assert (await session.scalar(newest) or 0) > (first or 0)


async def test_a_write_redis_ran_without_answering_does_not_hide_a_later_loss(
    tmp_path: Path,
    postgres_database: str,
    redis_prefix: str,
    clock: FakeClock,
    checks_by_the_test: None,
) -> None:
    """Review: a write Redis ran but whose answer timed out left Redis's count one ahead of
    the process's for good, so losing the process's last write later went unnoticed. A
    failed write now has the process count afresh under a new canary key."""
    from redis.exceptions import TimeoutError as RedisTimeout

    with anyio.fail_after(60), redis_server(tmp_path) as redis:
        settings = make_settings(postgres_database, redis_url=redis.url, redis_prefix=redis_prefix)
        async with running_server(settings, clock) as server:
            assert server.runtime.redis is not None
            assert await server.runtime.redis.check()
            credentials = await server.confidential_client()
            victim, other = [(await _logged_in(server, name))["access_token"] for name in "vo"]
            client = server.runtime.redis.client
            pipeline, once = client.pipeline, []

            def ran_then_timed_out(*args: Any, **kwargs: Any) -> Any:
                made = pipeline(*args, **kwargs)
                if not once:
                    once.append(made)
                    execute = made.execute

                    async def late(*more: Any, **options: Any) -> Any:
                        await execute(*more, **options)  # Redis ran it...
                        raise RedisTimeout("Timeout reading from socket")  # ...no answer

                    made.execute = late
                return made

            client.pipeline = ran_then_timed_out
            await _log_out(server, other)
            client.pipeline = pipeline
            assert await server.runtime.redis.check()
            redis.snapshot()
            await _log_out(server, victim)
            redis.restart()  # like a failover to a replica one write behind
            assert await server.runtime.redis.check()
            with redis.client() as direct:
                assert direct.get(f"{redis_prefix}revoked:{_jti(victim)}") == "1"
            assert not await _introspect(server, credentials, victim)


async def test_an_epoch_row_with_an_expiry_out_of_range_is_skipped(
    replica_behind_proxy: Server, redis_prefix: str, direct_redis: Any
) -> None:
    """Review: "Infinity" passed float() and then failed every check (OverflowError), so a
    good row beside it was never written."""
    from sqlalchemy import text

    from jwtkit.server.services.denylist import raise_epoch

    server = replica_behind_proxy
    async with server.runtime.database.transaction() as session:
        await session.execute(
            text("""INSERT INTO denylist_epochs (at, revoked) VALUES (1, '[["bad", 1e999]]')""")
        )
        await raise_epoch(session, 1.0, [("good", server.clock.now + 900)])
    assert server.runtime.redis is not None
    assert await server.runtime.redis.check()
    assert direct_redis.get(f"{redis_prefix}revoked:good") == "1"
    denylist = server.runtime.denylist
    assert isinstance(denylist, RedisDenylist)
    assert denylist._copy_is_current()

"""The shared Redis connection: a bad URL is refused at start, a silent Redis costs one
timeout and is then skipped until a ping answers, and each outage is logged once."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from faults import TcpProxy, proxied_url, target_of, tcp_proxy

from .conftest import REDIS_URL, FakeClock, Server, basic, make_settings, running_server

pytestmark = pytest.mark.anyio


def test_rejects_a_redis_url_that_is_not_redis(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="must start with redis://"):
        make_settings(f"sqlite:///{tmp_path / 'j.db'}", redis_url="http://redis.internal:6379")


@pytest.fixture
def redis_proxy(redis_prefix: str) -> Iterator[TcpProxy]:
    assert REDIS_URL is not None
    with tcp_proxy(*target_of(REDIS_URL)) as proxy:
        yield proxy


@pytest.fixture
async def server(
    tmp_path: Path, redis_proxy: TcpProxy, redis_prefix: str, clock: FakeClock
) -> AsyncIterator[Server]:
    settings = make_settings(
        f"sqlite:///{tmp_path / 'j.db'}",
        redis_url=proxied_url(REDIS_URL or "", redis_proxy),
        redis_prefix=redis_prefix,
        redis_timeout=0.3,
    )
    async with running_server(settings, clock) as running:
        assert running.runtime.redis is not None
        assert await running.runtime.redis.check()
        yield running


async def test_a_silent_redis_costs_one_timeout_then_is_skipped_until_it_answers(
    server: Server, redis_proxy: TcpProxy, caplog: pytest.LogCaptureFixture
) -> None:
    redis = server.runtime.redis
    assert redis is not None
    credentials = await server.confidential_client()
    await server.register("alice", "correct horse battery")
    token = (await server.login("alice"))["access_token"]
    redis_proxy.hang()  # packets vanish: only the timeout tells
    connections = redis_proxy.connections
    for _ in range(20):
        response = await server.client.post(
            "/auth/introspect", data={"token": token}, headers=basic(*credentials)
        )
        assert response.json() == {"active": False}
        await server.login("alice")  # limits fail open
    assert not redis.available
    # After the first timeout the 40 calls did not try Redis again (each would have needed
    # a new connection); only the monitor's once-a-second ping did.
    assert redis_proxy.connections - connections < 10
    assert redis.outages == 1
    warnings = [record for record in caplog.records if "Redis is unreachable" in record.message]
    assert len(warnings) == 1
    redis_proxy.restore()
    assert await redis.check()
    response = await server.client.post(
        "/auth/introspect", data={"token": token}, headers=basic(*credentials)
    )
    assert response.json()["active"] is True

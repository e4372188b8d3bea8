"""The shared Redis connection: a bad URL is refused at start, a silent Redis costs one
timeout and is then skipped until a ping answers, and each outage is logged once."""

from __future__ import annotations

import os
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from faults import TcpProxy, proxied_url, target_of, tcp_proxy
from serving import free_port, jwtkit_command

from .conftest import REDIS_URL, FakeClock, Server, basic, make_settings, running_server

pytestmark = pytest.mark.anyio


def test_rejects_a_redis_url_that_is_not_redis(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="must start with redis://"):
        make_settings(f"sqlite:///{tmp_path / 'j.db'}", redis_url="http://redis.internal:6379")


MISTYPED_REDIS_URLS = {
    "redis:/redis.internal:6379/0": "must start with redis://",
    "redis.internal:6379": "must start with redis://",
    # The Redis client would fail at start with a traceback:
    "redis://:hunter2-secret@redis.internal:63a9/0": "port must be a number",
    "redis://:hunter2-secret@redis.internal:99999/0": "port must be a number",
    "redis://redis.internal:0/0": "port must be a number",
    # ... or quietly use database 0, or localhost:
    "redis://:hunter2-secret@redis.internal:6379/zero": "database .* must be a number",
    "redis://redis.internal:6379/0?db=one": "database .* must be a number",
    "redis://": "names no host",
    "redis://:hunter2-secret@:6379/0": "names no host",
    "unix://": "needs the socket's path",
}


@pytest.mark.parametrize("url", list(MISTYPED_REDIS_URLS))
def test_a_mistyped_redis_url_is_refused_with_what_is_wrong_and_no_password(
    tmp_path: Path, url: str
) -> None:
    with pytest.raises(ValidationError, match=MISTYPED_REDIS_URLS[url]) as refused:
        make_settings(f"sqlite:///{tmp_path / 'j.db'}", redis_url=url)
    message = str(refused.value.errors()[0]["msg"])
    assert "hunter2" not in message


@pytest.mark.parametrize(
    "url",
    [
        "redis://redis.internal:6379/0",
        "rediss://user:pw@redis.internal:6380/15",
        "redis://redis.internal",
        "unix:///run/redis.sock?db=2",
    ],
)
def test_well_formed_redis_urls_are_accepted(tmp_path: Path, url: str) -> None:
    assert make_settings(f"sqlite:///{tmp_path / 'j.db'}", redis_url=url).redis_url == url


def test_jwtkit_serve_with_a_mistyped_redis_url_exits_with_one_line_and_no_traceback(
    tmp_path: Path,
) -> None:
    done = subprocess.run(
        [*jwtkit_command(), "serve", "--port", str(free_port())],
        cwd=tmp_path,
        env={
            **os.environ,
            "JWTKIT_DATABASE_URL": f"sqlite:///{tmp_path / 'j.db'}",
            "JWTKIT_REDIS_URL": "redis://:hunter2-secret@127.0.0.1:63a9/0",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    output = done.stdout + done.stderr
    assert "JWTKIT_REDIS_URL" in output and "port must be a number" in output
    assert "Traceback" not in output and "hunter2" not in output
    assert not (tmp_path / "j.db").exists()  # refused before anything was written


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
        assert response.json()["active"] is True  # the database answers meanwhile
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

"""The Redis connection the replicas share: one bounded pool, and whether Redis is up now.

With ``JWTKIT_REDIS_URL`` the rate limits and the access-token denylist live in Redis, and both
must keep answering when Redis does not. Every command waits at most ``redis_timeout``; a
connection that Redis dropped (a restart) is retried once, on a fresh connection. After any
failure the connection counts as *down*: callers skip Redis at once (the limiter counts in
each process, the database answers revocation checks) instead of each request waiting out a
timeout, until the monitor's next ping gets an answer. The monitor pings every
``check_interval`` seconds and calls its listeners on every successful ping, saying whether
Redis has just come back, so the denylist can copy the database's record back in after an
outage or a restart that lost the data.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

__all__ = ["RedisConnection"]

log = logging.getLogger("jwtkit.server")

#: Called after each successful ping with ``recovered=True`` when Redis was down before it.
Listener = Callable[[bool], Awaitable[None]]

#: Connections one process keeps to Redis; a request waits (at most the timeout) for one.
_MAX_CONNECTIONS = 64


def redis_errors() -> tuple[type[BaseException], ...]:
    """What a Redis call raises when Redis cannot answer (the client's errors, and the OS's)."""
    from redis.exceptions import RedisError

    return (RedisError, OSError, asyncio.TimeoutError)


class RedisConnection:
    """A ``redis.asyncio`` client over a bounded pool, with the health every caller shares."""

    def __init__(self, url: str, *, timeout: float, check_interval: float = 1.0) -> None:
        from redis.asyncio import BlockingConnectionPool, Redis
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff
        from redis.exceptions import ConnectionError as RedisConnectionError

        self.url = url
        self.check_interval = check_interval
        self.pool = BlockingConnectionPool.from_url(
            url,
            max_connections=_MAX_CONNECTIONS,
            timeout=timeout,  # waiting for a free pooled connection
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            # A pooled connection Redis closed fails once and is replaced; a timeout is not
            # retried, so an unanswering Redis costs one timeout, not two.
            retry=Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
        )
        self.client: Any = Redis(connection_pool=self.pool)
        self.errors = redis_errors()
        self.available = True
        #: How many times Redis went down; whoever mirrors state into it compares this.
        self.outages = 0
        self._listeners: list[Listener] = []
        self._monitor: asyncio.Task[None] | None = None

    def on_check(self, listener: Listener) -> None:
        """Call ``listener`` after every successful ping (see the module docstring)."""
        self._listeners.append(listener)

    def failed(self, error: BaseException) -> None:
        """Record that a call failed: Redis counts as down until a ping succeeds."""
        if self.available:
            log.warning(
                "Redis is unreachable (%s): rate limits are counted by each process alone and "
                "revocation checks read the database until it answers again",
                type(error).__name__,
            )
            self.outages += 1
        self.available = False

    async def ping(self) -> bool:
        """True if Redis answers a PING now (a failure marks it down)."""
        try:
            await self.client.ping()
        except self.errors as error:
            self.failed(error)
            return False
        return True

    async def check(self) -> bool:
        """Ping once; on success tell the listeners (and whether Redis just came back)."""
        if not await self.ping():
            return False
        recovered = not self.available
        if recovered:
            log.warning("Redis answers again: rate limits and revocation checks use it again")
        self.available = True
        for listener in self._listeners:
            try:
                await listener(recovered)
            except self.errors as error:
                self.failed(error)
                return False
        return True

    def start(self) -> None:
        """Start the monitor in the running loop (the first check runs at once)."""
        if self._monitor is None:
            self._monitor = asyncio.get_running_loop().create_task(self._watch())

    async def _watch(self) -> None:
        while True:
            try:
                await self.check()
            except Exception:  # a listener's bug must not end the monitor
                log.exception("Redis monitor check failed")
            await asyncio.sleep(self.check_interval)

    async def close(self) -> None:
        if self._monitor is not None:
            self._monitor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._monitor
            self._monitor = None
        await self.client.aclose()
        await self.pool.disconnect()

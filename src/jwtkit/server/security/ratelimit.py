"""Rate limits and the login lockout, on the ``limits`` library (memory here, Redis at scale).

Every check *counts first*: ``hit`` is one atomic check-and-increment in the storage (a Lua
script in Redis), so 50 parallel attempts are 50 hits and cannot slip past a limit between a
read and a write, and with Redis the counts are shared by every replica. The windows are
sliding-window counters, whose Redis form keeps time with Redis's own key expiry rather than
each replica's clock, so replicas with skewed clocks still count one window. A refused hit
raises :class:`~jwtkit.server.errors.RateLimitedError` with the seconds until the window
frees up (the ``Retry-After``). If Redis fails, each process counts in its own memory until
Redis answers again (one logged warning): an outage of the limiter must not become an outage
of logins, nor an unlimited window for guessing passwords; with N replicas an attacker gets N
times the limits meanwhile, not every guess. The counts kept in Redis apply again after.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import time
from collections.abc import Sequence
from typing import Any

from limits import RateLimitItem, parse_many
from limits.aio.storage import RedisStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter

from ..errors import RateLimitedError
from ..redis_connection import RedisConnection
from .addresses import rate_limit_key
from .in_process_counts import InProcessCounts

__all__ = ["RateLimiter", "parse_limits"]

log = logging.getLogger("jwtkit.server")


def parse_limits(text: str) -> tuple[RateLimitItem, ...]:
    """``"5/minute;30/hour"`` as limit items (the settings model validated the text)."""
    return tuple(parse_many(text))


class RateLimiter:
    """Named counters over one ``limits`` storage: in memory, or Redis shared by replicas."""

    def __init__(self, storage: Storage | None = None) -> None:
        self.storage: Storage = storage if storage is not None else InProcessCounts()
        self._strategy = SlidingWindowCounterRateLimiter(self.storage)
        #: Where this process counts while Redis cannot (memory, which cannot fail).
        self._in_process = SlidingWindowCounterRateLimiter(InProcessCounts())
        self._redis: RedisConnection | None = None
        #: Where :meth:`mark`'s flags live in Redis (``{prefix}flags:<key>``).
        self._flags = ""

    @classmethod
    def on_redis(cls, redis: RedisConnection, *, prefix: str) -> RateLimiter:
        """Counters in Redis under ``{prefix}limits``, over the shared connection pool."""
        shared: dict[str, Any] = {"connection_pool": redis.pool}
        storage = RedisStorage(
            # limits names the schemes async+redis://, async+rediss://, async+redis+unix://
            "async+" + redis.url.replace("unix://", "redis+unix://", 1),
            implementation="redispy",
            key_prefix=f"{prefix}limits",
            **shared,
        )
        limiter = cls(storage)
        limiter._redis = redis
        limiter._flags = f"{prefix}flags:"
        return limiter

    def _counting(self) -> SlidingWindowCounterRateLimiter:
        """Redis while it answers (already known down: skip it without waiting on it)."""
        if self._redis is not None and not self._redis.available:
            return self._in_process
        return self._strategy

    async def hit(self, items: Sequence[RateLimitItem], *key: str) -> None:
        """Count one event against every limit in ``items``; RateLimitedError if one is over."""
        for item in items:
            strategy = self._counting()
            try:
                allowed = await strategy.hit(item, *key)
            except Exception as error:  # Redis failed now: count here, loudly
                self._storage_failed(error, "counting in this process")
                strategy = self._in_process
                allowed = await strategy.hit(item, *key)
            if not allowed:
                raise RateLimitedError(await self._retry_after(strategy, item, *key))

    async def mark(self, item: RateLimitItem, *key: str) -> None:
        """Remember ``key`` for ``item``'s whole period from now: a flag with a time to live,
        which every mark starts again. (Not a window of limits': a sliding window forgets
        at its boundary, the same instant for every key, however recent the mark.) In Redis
        it is one ``SET ... EX``, so a reader never sees it missing while it is renewed."""
        flag, lifetime = item.key_for(*key), item.get_expiry()
        redis = self._redis
        if redis is None:
            await _renew(self.storage, flag, lifetime)
            return
        if redis.available:
            try:
                await redis.client.set(self._flags + flag, 1, ex=lifetime)
                return
            except Exception as error:
                self._storage_failed(error, "address remembered in this process")
        await _renew(self._in_process.storage, flag, lifetime)

    async def marked(self, item: RateLimitItem, *key: str) -> bool:
        """Whether :meth:`mark` was called for ``key`` within ``item``'s period (while Redis
        is down: by this process during the outage)."""
        flag = item.key_for(*key)
        redis = self._redis
        if redis is None:
            return await self.storage.get(flag) > 0
        if redis.available:
            try:
                return bool(await redis.client.exists(self._flags + flag))
            except Exception as error:
                self._storage_failed(error, "address not recognised")
        return await self._in_process.storage.get(flag) > 0

    async def clear(self, items: Sequence[RateLimitItem], *key: str) -> None:
        """Forget the counts of ``key`` (after a successful login, its failures)."""
        for item in items:
            try:
                await self._counting().clear(item, *key)
            except Exception as error:
                self._storage_failed(error, "counts cleared in this process only")
                await self._in_process.clear(item, *key)

    def _storage_failed(self, error: Exception, consequence: str) -> None:
        if self._redis is not None:
            self._redis.failed(error)  # logs once per outage
        else:
            log.warning("rate limiter storage failed (%s); %s", type(error).__name__, consequence)

    async def _retry_after(
        self, strategy: SlidingWindowCounterRateLimiter, item: RateLimitItem, *key: str
    ) -> int:
        try:
            stats = await strategy.get_window_stats(item, *key)
        except Exception:
            return item.get_expiry()
        return max(1, math.ceil(stats.reset_time - time.time()))


class AbuseLimits:
    """The limits on logins and registrations: per client IP, and per account.

    Each login attempt is counted *before* the password is checked, so parallel guesses are
    all counted (one atomic hit each); a correct password then clears that account's count
    for that address. Two locks guard an account, keyed on the account itself (its user id,
    so the username and the email address share one count):

    - per account and address (``login_failures_per_account``): whoever guesses from one
      address is stopped there, and locks the account only for that address;
    - per account from every address together (``login_failures_per_account_any_ip``): a
      distributed attacker with many addresses gets no more guesses than this in total.
      Addresses the account logged in from successfully within the last
      ``KNOWN_ADDRESS_DAYS`` days are not subject to it (nor counted by it): an attacker
      can lock the account for strangers, not for its owner where the owner has logged in.

    Both are sliding windows of bounded length, and refused attempts are not counted, so a
    lock ends by itself once the window has passed however long the attack goes on; nobody
    can lock a user out for good, and no admin has to unlock anyone.
    """

    #: How long an address that logged in to an account is exempt from the account lock.
    KNOWN_ADDRESS_DAYS = 30

    def __init__(
        self,
        limiter: RateLimiter,
        *,
        login_per_ip: str,
        login_failures_per_account: str,
        login_failures_per_account_any_ip: str,
        registrations_per_ip: str,
        name_key: bytes,
    ) -> None:
        """``name_key``: the secret under which names no account has are counted (see
        :meth:`unknown_name`); the same on every replica, so they share the count."""
        self._name_key = name_key
        self._limiter = limiter
        self._login_per_ip = parse_limits(login_per_ip)
        self._per_account = parse_limits(login_failures_per_account)
        self._per_account_any_ip = parse_limits(login_failures_per_account_any_ip)
        self._registrations_per_ip = parse_limits(registrations_per_ip)
        self._known_address = parse_limits(f"1/{self.KNOWN_ADDRESS_DAYS} days")[0]

    def unknown_name(self, name: str) -> str:
        """What a login naming no account is counted under: a keyed digest of the name, not
        the name, which is often a password typed into the wrong field and would otherwise
        sit in Redis's key names (readable by every service given that Redis)."""
        digest = hmac.new(self._name_key, name.encode("utf-8"), hashlib.sha256).hexdigest()
        return f"name-{digest[:32]}"

    async def login_attempt(self, account: str, ip: str) -> None:
        """Count a login attempt; raise RateLimitedError when the IP or the account is over.

        ``account`` is the user's id, or for a name no user has, :meth:`unknown_name` (an
        unknown name is counted the same way, so a lock shows nothing about who exists)."""
        client = rate_limit_key(ip)
        await self._limiter.hit(self._login_per_ip, "login-ip", client)
        await self._limiter.hit(self._per_account, "login-account", account, client)
        if not await self._limiter.marked(self._known_address, "login-known", account, client):
            await self._limiter.hit(self._per_account_any_ip, "login-account-any-ip", account)

    async def login_succeeded(self, account: str, ip: str) -> None:
        """The password was right: forget this address's failures, and remember the address
        as one the account logs in from."""
        client = rate_limit_key(ip)
        await self._limiter.clear(self._per_account, "login-account", account, client)
        await self._limiter.mark(self._known_address, "login-known", account, client)

    async def registration(self, ip: str) -> None:
        await self._limiter.hit(self._registrations_per_ip, "register-ip", rate_limit_key(ip))


async def _renew(storage: Storage, flag: str, lifetime: int) -> None:
    """Set ``flag`` in memory to live ``lifetime`` seconds from now. A counter's lifetime
    is set when it is made, so it is cleared first; nothing runs between the two calls."""
    await storage.clear(flag)
    await storage.incr(flag, lifetime)

"""JWKS clients: fetch an issuer's published keys over HTTPS, cache them, follow rotations.

:class:`JWKSClient` (threads) and :class:`AsyncJWKSClient` (asyncio) are key sources for
:class:`jwtkit.Verifier`: ``Verifier(JWKSClient(url), algorithms=["RS256"])``. Both share
the cache rules of :mod:`jwtkit._jwks_cache` and differ only in how they send the one HTTP
request and how concurrent callers wait for it (single flight). httpx is imported when the
first request is sent, so ``import jwtkit`` stays light.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from . import _http
from ._jwks_cache import (
    DEFAULT_MAX_RESPONSE_SIZE,
    CachePolicy,
    FetchPlan,
    JWKSCache,
    check_url,
    response_too_large,
)
from ._loop_local import LoopLocal
from ._options import check_duration
from .errors import JWKSError
from .jwk import Key, KeySet

if TYPE_CHECKING:
    import httpx

__all__ = ["AsyncJWKSClient", "JWKSClient"]

_ACCEPT = "application/jwk-set+json, application/json;q=0.9"


def _fetch_error(error: _http.ExchangeError, policy: CachePolicy) -> JWKSError:
    if isinstance(error, _http.ResponseTooLargeError):
        return response_too_large(policy)
    return JWKSError(f"Could not fetch the JWKS: {error.reason}")


class _JWKSClientBase:
    """Configuration and reporting shared by both clients."""

    def __init__(
        self,
        url: str,
        *,
        cache_lifetime: float = 300,
        min_cache_lifetime: float = 60,
        max_cache_lifetime: float = 3600,
        refetch_cooldown: float = 30,
        stale_if_error: float = 3600,
        timeout: float = 5.0,
        max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE,
        allow_http: bool = False,
        headers: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = check_url(url, allow_http)
        policy = CachePolicy(
            default_lifetime=cache_lifetime,
            min_lifetime=min_cache_lifetime,
            max_lifetime=max_cache_lifetime,
            refetch_cooldown=refetch_cooldown,
            stale_if_error=stale_if_error,
            max_response_size=max_response_size,
        )
        self._timeout = check_duration(timeout, "timeout", JWKSError, positive=True)
        self._headers = {"Accept": _ACCEPT, **_http.check_request_headers(headers, JWKSError)}
        if not callable(clock):
            raise JWKSError("clock must be a function returning monotonic seconds")
        self._clock = clock
        self._cache = JWKSCache(self._url, policy)

    @property
    def url(self) -> str:
        return self._url

    @property
    def last_error(self) -> JWKSError | None:
        """Why the last refresh failed, or None if it succeeded (stale-if-error reporting)."""
        return self._cache.last_error

    @property
    def fetch_count(self) -> int:
        """How many HTTP requests this client has sent."""
        return self._cache.fetch_count

    @property
    def expires_at(self) -> float | None:
        """When the cached set goes stale, on the client's clock (None before a fetch)."""
        return self._cache.expires_at

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {_http.display_url(self._url)!r}>"


class JWKSClient(_JWKSClientBase):
    """A thread-safe, caching JWKS client; a key source for :class:`jwtkit.Verifier`.

    ``url`` must be https (plain http only for loopback, or with ``allow_http=True``).
    The set is kept for the response's ``Cache-Control: max-age`` clamped to
    ``[min_cache_lifetime, max_cache_lifetime]`` (``cache_lifetime`` without one); an unknown
    ``kid`` refetches at most once per ``refetch_cooldown``; when a refresh fails, the last
    good set is served for up to ``stale_if_error`` seconds past its expiry. Redirects are
    never followed, responses are capped at ``max_response_size`` bytes and each request at
    ``timeout`` seconds. ``clock`` (monotonic seconds) is injectable for tests;
    ``http_client`` lets you bring an ``httpx.Client`` (custom CA, proxy, transport).
    """

    def __init__(
        self,
        url: str,
        *,
        cache_lifetime: float = 300,
        min_cache_lifetime: float = 60,
        max_cache_lifetime: float = 3600,
        refetch_cooldown: float = 30,
        stale_if_error: float = 3600,
        timeout: float = 5.0,
        max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE,
        allow_http: bool = False,
        headers: Mapping[str, str] | None = None,
        http_client: httpx.Client | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(
            url,
            cache_lifetime=cache_lifetime,
            min_cache_lifetime=min_cache_lifetime,
            max_cache_lifetime=max_cache_lifetime,
            refetch_cooldown=refetch_cooldown,
            stale_if_error=stale_if_error,
            timeout=timeout,
            max_response_size=max_response_size,
            allow_http=allow_http,
            headers=headers,
            clock=clock,
        )
        self._http_client = http_client
        self._lock = threading.Lock()

    def get_key_set(self) -> KeySet:
        """The issuer's current key set (fetched or refreshed when needed)."""
        self._refresh_if_needed(None)
        return self._cache.answer_key_set(self._clock())

    def get_key(self, kid: str) -> Key:
        """The key with this ``kid``; an unknown ``kid`` refetches (at most once per
        cooldown) and raises :class:`jwtkit.KeyNotFoundError` if it is still absent."""
        key = self._cache.fresh_key(self._clock(), kid)
        if key is not None:
            return key
        self._refresh_if_needed(kid)
        return self._cache.answer_key(self._clock(), kid)

    def refresh(self) -> KeySet:
        """Fetch the JWKS now, whatever the cache lifetime says (an operator's "rotate now").

        Raises :class:`jwtkit.JWKSError` if this fetch fails; the cache keeps its last good set.
        """
        with self._lock:
            self._fetch()
        if self.last_error is not None:
            raise self.last_error
        return self._cache.answer_key_set(self._clock())

    def _refresh_if_needed(self, kid: str | None) -> None:
        cache = self._cache
        plan: FetchPlan = cache.plan(self._clock(), kid)
        if not plan.fetch:
            return
        # Single flight. While another thread's refresh is in flight, a caller whose key is
        # in the cached set is answered from it rather than queued behind a slow server;
        # the others wait, never longer than that refresh may take.
        if not self._lock.acquire(blocking=False):
            if cache.can_answer_while_refreshing(self._clock(), kid):
                return
            if not self._lock.acquire(timeout=self._timeout):
                return  # the answer (cached, or the recorded failure) comes from the cache
        try:
            if cache.needs_fetch(plan):
                self._fetch()
        finally:
            self._lock.release()

    def _fetch(self) -> None:
        cache = self._cache
        cache.begin_fetch(self._clock())
        try:
            status, headers, body = self._request()
        except JWKSError as error:
            cache.record_failure(error, self._clock())
        else:
            cache.record_response(status, headers, body, self._clock())

    def _request(self) -> _http.Response:
        try:
            return _http.send(
                self._http_client,
                "GET",
                self._url,
                headers=self._headers,
                timeout=self._timeout,
                max_size=self._cache.policy.max_response_size,
            )
        except _http.ExchangeError as error:
            raise _fetch_error(error, self._cache.policy) from None


class AsyncJWKSClient(_JWKSClientBase):
    """The asyncio twin of :class:`JWKSClient`: same options, same cache rules;
    ``get_key_set`` and ``get_key`` are coroutines and never block the event loop.
    Use it with ``await verifier.verify_async(token)``. ``http_client`` takes an
    ``httpx.AsyncClient``."""

    def __init__(
        self,
        url: str,
        *,
        cache_lifetime: float = 300,
        min_cache_lifetime: float = 60,
        max_cache_lifetime: float = 3600,
        refetch_cooldown: float = 30,
        stale_if_error: float = 3600,
        timeout: float = 5.0,
        max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE,
        allow_http: bool = False,
        headers: Mapping[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(
            url,
            cache_lifetime=cache_lifetime,
            min_cache_lifetime=min_cache_lifetime,
            max_cache_lifetime=max_cache_lifetime,
            refetch_cooldown=refetch_cooldown,
            stale_if_error=stale_if_error,
            timeout=timeout,
            max_response_size=max_response_size,
            allow_http=allow_http,
            headers=headers,
            clock=clock,
        )
        self._http_client = http_client
        self._loop_lock = LoopLocal(asyncio.Lock)

    async def get_key_set(self) -> KeySet:
        """The issuer's current key set (fetched or refreshed when needed)."""
        await self._refresh_if_needed(None)
        return self._cache.answer_key_set(self._clock())

    async def get_key(self, kid: str) -> Key:
        """The key with this ``kid``; an unknown ``kid`` refetches (at most once per
        cooldown) and raises :class:`jwtkit.KeyNotFoundError` if it is still absent."""
        key = self._cache.fresh_key(self._clock(), kid)
        if key is not None:
            return key
        await self._refresh_if_needed(kid)
        return self._cache.answer_key(self._clock(), kid)

    async def refresh(self) -> KeySet:
        """Fetch the JWKS now, whatever the cache lifetime says; see :meth:`JWKSClient.refresh`."""
        async with self._loop_lock.get():
            await self._fetch()
        if self.last_error is not None:
            raise self.last_error
        return self._cache.answer_key_set(self._clock())

    async def _refresh_if_needed(self, kid: str | None) -> None:
        cache = self._cache
        plan = cache.plan(self._clock(), kid)
        if not plan.fetch:
            return
        lock = self._loop_lock.get()
        # As in the sync twin: with a refresh in flight, a cached key is served at once.
        if lock.locked() and cache.can_answer_while_refreshing(self._clock(), kid):
            return
        async with lock:  # single flight: the other tasks wait (the fetch has a deadline)
            if cache.needs_fetch(plan):
                await self._fetch()

    async def _fetch(self) -> None:
        cache = self._cache
        cache.begin_fetch(self._clock())
        try:
            status, headers, body = await self._request()
        except JWKSError as error:
            cache.record_failure(error, self._clock())
        else:
            cache.record_response(status, headers, body, self._clock())

    async def _request(self) -> _http.Response:
        try:
            return await _http.send_async(
                self._http_client,
                "GET",
                self._url,
                headers=self._headers,
                timeout=self._timeout,
                max_size=self._cache.policy.max_response_size,
            )
        except _http.ExchangeError as error:
            raise _fetch_error(error, self._cache.policy) from None

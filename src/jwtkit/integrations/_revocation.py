"""Is a verified access token revoked? Ask the server (RFC 7662) or read its Redis denylist.

A JWT stays valid until it expires, whatever happens at the server; a resource server that
must honour a logout or a revocation sooner asks. Two ways, each one setting to turn on:

* ``revocation="introspection"``: POST the token to the server's introspection endpoint
  (from its metadata, or ``introspection_endpoint``), authenticated with
  ``client_secret_basic``. Answers are cached for at most ``revocation_cache_seconds`` and
  never past the token's ``exp``, so a revocation takes effect within that bound and a busy
  token costs one request per bound instead of one per call.
* ``revocation="redis://..."``: read the server's denylist directly, one round trip per
  request, no caching (revocation is immediate): ``EXISTS`` of ``{prefix}revoked:{jti}`` and
  of the server's ready marker (:mod:`jwtkit._denylist_keys`, the layout both sides share).
  Without the marker (Redis lost its data, or the prefix is not the server's) an unlisted
  token proves nothing, so the check fails closed until the server has copied its record back.

Whenever the answer cannot be had (endpoint down, bad credentials, Redis unreachable) the
check fails closed with :class:`jwtkit.RevocationCheckError`, which the integrations answer
with 503, never with access. The decisions (the cache, the request, reading the answer, the
key) live in the I/O-free functions here; the four shells only send.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, NamedTuple
from urllib.parse import quote_plus, urlencode

from .. import _http
from .._codec import json_loads_object
from .._denylist_keys import DenylistKeys, denylist_verdict
from .._loop_local import LoopLocal
from .._lru import BoundedLRU
from ..errors import DecodeError, RevocationCheckError

__all__ = [
    "AsyncIntrospection",
    "AsyncRedisDenylist",
    "Introspection",
    "RedisDenylist",
    "RevocationAnswers",
    "denylist_key",
    "introspection_request",
    "read_introspection",
]

MAX_INTROSPECTION_RESPONSE = 64 * 1024


class _Answer(NamedTuple):
    revoked: bool
    until: float


class RevocationAnswers:
    """Introspection answers, each kept until ``max_age`` passes or the token expires."""

    def __init__(self, max_age: float, maxsize: int = 4096) -> None:
        if not (isinstance(max_age, int | float) and math.isfinite(max_age) and max_age >= 0):
            raise RevocationCheckError("revocation_cache_seconds must be a number >= 0")
        self.max_age = float(max_age)
        self._answers = BoundedLRU(maxsize)

    def lookup(self, token: str, now: float) -> bool | None:
        answer: _Answer | None = self._answers.recall(token)
        if answer is None:
            return None
        if now >= answer.until:
            self._answers.forget(token)
            return None
        return answer.revoked

    def remember(self, token: str, revoked: bool, claims: Mapping[str, Any], now: float) -> None:
        until = now + self.max_age
        expires = claims.get("exp")
        if isinstance(expires, int | float):
            until = min(until, float(expires))
        if until > now:
            self._answers.remember(token, _Answer(revoked, until))


def introspection_request(
    token: str, client_id: str, client_secret: str
) -> tuple[dict[str, str], bytes]:
    """Headers and form body of an RFC 7662 request with ``client_secret_basic``."""
    # RFC 6749 §2.3.1: id and secret are form-encoded before they are joined and base64ed.
    credentials = f"{quote_plus(client_id)}:{quote_plus(client_secret)}".encode()
    headers = {
        "Authorization": "Basic " + base64.b64encode(credentials).decode("ascii"),
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/json",
    }
    body = urlencode({"token": token, "token_type_hint": "access_token"}).encode("ascii")
    return headers, body


def read_introspection(response: _http.Response) -> bool:
    """Whether the introspection answer says the token is revoked (``active`` false)."""
    status, _, body = response
    if status in (400, 401, 403):
        raise RevocationCheckError(
            f"The introspection endpoint refused the request (HTTP {status}): check the "
            "client_id and client_secret"
        )
    if status != 200:
        raise RevocationCheckError(f"The introspection endpoint answered HTTP {status}")
    try:
        answer = json_loads_object(body, "introspection response")
    except DecodeError as error:
        raise RevocationCheckError(f"Invalid introspection response: {error}") from None
    active = answer.get("active")
    if type(active) is not bool:
        raise RevocationCheckError("Invalid introspection response: 'active' must be true or false")
    return not active


def denylist_key(keys: DenylistKeys, claims: Mapping[str, Any]) -> str:
    """The server's Redis key for this token; the guard requires ``jti`` when this is on."""
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti:
        raise RevocationCheckError("The token has no 'jti' to look up in the denylist")
    return keys.revoked(jti)


def _exchange_failure(error: _http.ExchangeError) -> RevocationCheckError:
    return RevocationCheckError(f"Could not reach the introspection endpoint: {error.reason}")


class _IntrospectionBase:
    def __init__(
        self,
        *,
        client_id: str | None,
        client_secret: str | None,
        endpoint: str | None,
        allow_http: bool,
        timeout: float,
        max_age: float,
        clock: Callable[[], float],
    ) -> None:
        if not isinstance(client_id, str) or not isinstance(client_secret, str):
            raise RevocationCheckError(
                "Introspection needs client_id and client_secret (a confidential client of "
                "the authorization server)"
            )
        self._client_id = client_id
        self._client_secret = client_secret
        self._allow_http = allow_http
        self._endpoint = (
            None
            if endpoint is None
            else _http.check_url(
                endpoint, allow_http, "introspection endpoint", RevocationCheckError
            )
        )
        self._timeout = timeout
        self._clock = clock
        self.answers = RevocationAnswers(max_age)
        #: How many introspection requests have been sent (for tests and metrics).
        self.requests = 0

    def _checked_endpoint(self, discovered: str | None) -> str:
        if discovered is None:
            raise RevocationCheckError(
                "The issuer's metadata names no introspection_endpoint: configure "
                "introspection_endpoint"
            )
        self._endpoint = discovered
        return discovered

    def _request(self, endpoint: str, token: str) -> dict[str, Any]:
        """The arguments of the one POST both shells send (``_http.send``/``send_async``)."""
        headers, body = introspection_request(token, self._client_id, self._client_secret)
        self.requests += 1
        return {
            "http_client": None,
            "method": "POST",
            "url": endpoint,
            "headers": headers,
            "content": body,
            "timeout": self._timeout,
            "max_size": MAX_INTROSPECTION_RESPONSE,
        }

    def _record(self, token: str, claims: Mapping[str, Any], response: _http.Response) -> bool:
        revoked = read_introspection(response)
        self.answers.remember(token, revoked, claims, self._clock())
        return revoked


class Introspection(_IntrospectionBase):
    """RFC 7662 with a thread-safe answer cache; ``endpoint_source`` gives the discovered
    endpoint when none is configured."""

    def __init__(self, *, endpoint_source: Callable[[], str | None], **options: Any) -> None:
        super().__init__(**options)
        self._endpoint_source = endpoint_source

    def is_revoked(self, token: str, claims: Mapping[str, Any]) -> bool:
        cached = self.answers.lookup(token, self._clock())
        if cached is not None:
            return cached
        endpoint = self._endpoint or self._checked_endpoint(self._endpoint_source())
        try:
            response = _http.send(**self._request(endpoint, token))
        except _http.ExchangeError as error:
            raise _exchange_failure(error) from None
        return self._record(token, claims, response)


class AsyncIntrospection(_IntrospectionBase):
    """The asyncio twin of :class:`Introspection`."""

    def __init__(
        self, *, endpoint_source: Callable[[], Awaitable[str | None]], **options: Any
    ) -> None:
        super().__init__(**options)
        self._endpoint_source = endpoint_source

    async def is_revoked(self, token: str, claims: Mapping[str, Any]) -> bool:
        cached = self.answers.lookup(token, self._clock())
        if cached is not None:
            return cached
        endpoint = self._endpoint or self._checked_endpoint(await self._endpoint_source())
        try:
            response = await _http.send_async(**self._request(endpoint, token))
        except _http.ExchangeError as error:
            raise _exchange_failure(error) from None
        return self._record(token, claims, response)


def _redis_failure(error: Exception) -> RevocationCheckError:
    return RevocationCheckError(
        f"The revocation denylist could not be read ({type(error).__name__})"
    )


class RedisDenylist:
    """The server's denylist read with a synchronous Redis client (one round trip a call)."""

    def __init__(self, url: str, *, prefix: str, timeout: float) -> None:
        import redis

        self.keys = DenylistKeys(prefix)
        self._client = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout
        )

    def is_revoked(self, token: str, claims: Mapping[str, Any]) -> bool:
        import redis

        key = denylist_key(self.keys, claims)
        pipeline: Any = self._client.pipeline(transaction=False)
        pipeline.exists(key).exists(self.keys.ready)
        try:
            listed, ready = pipeline.execute()
        except redis.RedisError as error:
            raise _redis_failure(error) from None
        return denylist_verdict(listed, ready)


class AsyncRedisDenylist:
    """The denylist read with ``redis.asyncio``, one client per event loop."""

    def __init__(self, url: str, *, prefix: str, timeout: float) -> None:
        import redis.asyncio

        self.keys = DenylistKeys(prefix)
        self._clients = LoopLocal(
            lambda: redis.asyncio.Redis.from_url(
                url, socket_timeout=timeout, socket_connect_timeout=timeout
            )
        )

    async def is_revoked(self, token: str, claims: Mapping[str, Any]) -> bool:
        import redis

        key = denylist_key(self.keys, claims)
        pipeline: Any = self._clients.get().pipeline(transaction=False)
        pipeline.exists(key).exists(self.keys.ready)
        try:
            listed, ready = await pipeline.execute()
        except redis.RedisError as error:
            raise _redis_failure(error) from None
        return denylist_verdict(listed, ready)

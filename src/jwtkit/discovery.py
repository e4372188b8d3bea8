"""Issuer discovery: from an issuer's identifier to its keys (RFC 8414, OpenID Discovery).

:class:`IssuerJWKSClient` (threads) and :class:`AsyncIssuerJWKSClient` (asyncio) are key
sources for :class:`jwtkit.Verifier` that need only the issuer: on first use they read the
issuer's metadata, check that it names exactly that issuer, and from then on delegate to a
:class:`jwtkit.JWKSClient` / :class:`jwtkit.AsyncJWKSClient` on its ``jwks_uri``, so key
rotations are followed without a restart. :func:`discover` and :func:`discover_async` return
the metadata alone. The decisions live in :mod:`jwtkit._discovery`; these shells only send
the requests (through the same bounded exchange as the JWKS clients) and make concurrent
callers wait for one discovery instead of each starting their own.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import _http
from ._discovery import (
    MAX_METADATA_SIZE,
    DiscoveryState,
    IssuerMetadata,
    check_issuer,
    exchange_failure,
)
from ._loop_local import LoopLocal
from ._options import check_duration
from .errors import DiscoveryError
from .jwk import Key, KeySet
from .jwks import AsyncJWKSClient, JWKSClient

if TYPE_CHECKING:
    import httpx

__all__ = [
    "AsyncIssuerJWKSClient",
    "IssuerJWKSClient",
    "IssuerMetadata",
    "discover",
    "discover_async",
]

logger = logging.getLogger("jwtkit.discovery")
_ACCEPT = {"Accept": "application/json"}


class _IssuerClientBase:
    """Configuration shared by both clients."""

    def __init__(
        self,
        issuer: str,
        *,
        jwks_url: str | None,
        allow_http: bool,
        timeout: float,
        retry_after: float,
        clock: Callable[[], float],
        jwks_options: dict[str, Any],
    ) -> None:
        self._timeout = check_duration(timeout, "timeout", DiscoveryError, positive=True)
        self._state = DiscoveryState(check_issuer(issuer, allow_http), allow_http, retry_after)
        self._clock = clock
        self._jwks_options = {
            "allow_http": allow_http,
            "timeout": timeout,
            "clock": clock,
            **jwks_options,
        }
        self._jwks_url = jwks_url
        self._http_client: Any = None
        self._client: Any = None
        self._jwks_client_type: Any = JWKSClient

    @property
    def issuer(self) -> str:
        return self._state.issuer

    @property
    def discovery_attempts(self) -> int:
        """How many times discovery has been attempted (each tries up to three URLs)."""
        return self._state.attempts

    def _metadata_request(self, url: str) -> dict[str, Any]:
        """The arguments of one metadata GET (``_http.send``/``send_async``)."""
        return {
            "http_client": self._http_client,
            "method": "GET",
            "url": url,
            "headers": _ACCEPT,
            "timeout": self._timeout,
            "max_size": MAX_METADATA_SIZE,
        }

    def _accept(self, response: _http.Response) -> bool:
        """Whether ``response`` held the metadata; if so, record it and make the JWKS client."""
        metadata = self._state.read(response)
        if metadata is None:
            return False
        self._state.record(metadata)
        if self._client is None:
            self._client = self._jwks_client_type(metadata.jwks_uri, **self._jwks_options)
        return True

    def _failed(self, error: DiscoveryError) -> None:
        self._state.record_failure(error, self._clock())
        shown = _http.display_url(self._state.issuer)
        logger.warning("Discovery for issuer %s failed: %s", shown, error)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {_http.display_url(self._state.issuer)!r}>"


class IssuerJWKSClient(_IssuerClientBase):
    """A thread-safe key source for ``issuer``: discovers its ``jwks_uri`` (or uses
    ``jwks_url``), then serves keys through a cached :class:`jwtkit.JWKSClient`.

    A failed discovery raises :class:`jwtkit.DiscoveryError` and is retried at most once per
    ``retry_after`` seconds. ``http_client`` (an ``httpx.Client``), ``timeout``, ``clock`` and
    ``allow_http`` apply to discovery and to the JWKS client; other keyword arguments
    (``cache_lifetime``, ``refetch_cooldown``, ...) go to the JWKS client.
    """

    def __init__(
        self,
        issuer: str,
        *,
        jwks_url: str | None = None,
        allow_http: bool = False,
        timeout: float = 5.0,
        retry_after: float = 30.0,
        http_client: httpx.Client | None = None,
        clock: Callable[[], float] = time.monotonic,
        **jwks_options: Any,
    ) -> None:
        super().__init__(
            issuer,
            jwks_url=jwks_url,
            allow_http=allow_http,
            timeout=timeout,
            retry_after=retry_after,
            clock=clock,
            jwks_options={"http_client": http_client, **jwks_options},
        )
        self._http_client = http_client
        self._lock = threading.Lock()
        self._client = JWKSClient(jwks_url, **self._jwks_options) if jwks_url else None

    def metadata(self) -> IssuerMetadata:
        """The issuer's metadata, discovered on first use."""
        state = self._state
        if state.should_fetch(self._clock()):
            with self._lock:  # single flight: the others wait, then reuse the result
                if state.should_fetch(self._clock()):
                    self._discover()
        return state.answer()

    def _discover(self) -> None:
        self._state.begin()
        try:
            for url in self._state.urls:
                try:
                    response = _http.send(**self._metadata_request(url))
                except _http.ExchangeError as error:
                    raise exchange_failure(error) from None
                if self._accept(response):
                    return
            raise self._state.not_found()
        except DiscoveryError as error:
            self._failed(error)

    @property
    def jwks_client(self) -> JWKSClient:
        """The JWKS client on the discovered (or configured) URL."""
        client = self._client
        if client is None:
            self.metadata()
            client = self._client
            assert client is not None  # metadata() raised otherwise
        jwks_client: JWKSClient = client
        return jwks_client

    def get_key_set(self) -> KeySet:
        return self.jwks_client.get_key_set()

    def get_key(self, kid: str) -> Key:
        return self.jwks_client.get_key(kid)

    def refresh(self) -> KeySet:
        return self.jwks_client.refresh()


class AsyncIssuerJWKSClient(_IssuerClientBase):
    """The asyncio twin of :class:`IssuerJWKSClient`: same options, same rules; discovery
    and key fetches never block the event loop. ``http_client`` takes an
    ``httpx.AsyncClient``."""

    def __init__(
        self,
        issuer: str,
        *,
        jwks_url: str | None = None,
        allow_http: bool = False,
        timeout: float = 5.0,
        retry_after: float = 30.0,
        http_client: httpx.AsyncClient | None = None,
        clock: Callable[[], float] = time.monotonic,
        **jwks_options: Any,
    ) -> None:
        super().__init__(
            issuer,
            jwks_url=jwks_url,
            allow_http=allow_http,
            timeout=timeout,
            retry_after=retry_after,
            clock=clock,
            jwks_options={"http_client": http_client, **jwks_options},
        )
        self._http_client = http_client
        self._loop_lock = LoopLocal(asyncio.Lock)
        self._jwks_client_type = AsyncJWKSClient
        self._client = AsyncJWKSClient(jwks_url, **self._jwks_options) if jwks_url else None

    async def metadata(self) -> IssuerMetadata:
        """The issuer's metadata, discovered on first use."""
        state = self._state
        if state.should_fetch(self._clock()):
            async with self._loop_lock.get():  # single flight: the others wait for it
                if state.should_fetch(self._clock()):
                    await self._discover()
        return state.answer()

    async def _discover(self) -> None:
        self._state.begin()
        try:
            for url in self._state.urls:
                try:
                    response = await _http.send_async(**self._metadata_request(url))
                except _http.ExchangeError as error:
                    raise exchange_failure(error) from None
                if self._accept(response):
                    return
            raise self._state.not_found()
        except DiscoveryError as error:
            self._failed(error)

    async def jwks_client(self) -> AsyncJWKSClient:
        """The JWKS client on the discovered (or configured) URL."""
        client = self._client
        if client is None:
            await self.metadata()
            client = self._client
            assert client is not None  # metadata() raised otherwise
        jwks_client: AsyncJWKSClient = client
        return jwks_client

    async def get_key_set(self) -> KeySet:
        client = self._client or await self.jwks_client()
        return await client.get_key_set()

    async def get_key(self, kid: str) -> Key:
        client = self._client or await self.jwks_client()
        return await client.get_key(kid)

    async def refresh(self) -> KeySet:
        return await (await self.jwks_client()).refresh()


def discover(
    issuer: str,
    *,
    allow_http: bool = False,
    timeout: float = 5.0,
    http_client: httpx.Client | None = None,
) -> IssuerMetadata:
    """Fetch and check ``issuer``'s metadata now; raise :class:`jwtkit.DiscoveryError`."""
    client = IssuerJWKSClient(
        issuer, allow_http=allow_http, timeout=timeout, http_client=http_client
    )
    return client.metadata()


async def discover_async(
    issuer: str,
    *,
    allow_http: bool = False,
    timeout: float = 5.0,
    http_client: httpx.AsyncClient | None = None,
) -> IssuerMetadata:
    """The asyncio twin of :func:`discover`."""
    client = AsyncIssuerJWKSClient(
        issuer, allow_http=allow_http, timeout=timeout, http_client=http_client
    )
    return await client.metadata()

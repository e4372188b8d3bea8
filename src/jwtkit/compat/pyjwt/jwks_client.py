"""PyJWT's ``PyJWKClient``: PyJWT's transport and method names on jwtkit's JWKS cache core.

Requests go through ``urllib.request.urlopen(Request(uri, headers=headers),
timeout=timeout, context=ssl_context)`` exactly as PyJWT makes them, so code and test suites
that patch ``urllib.request.urlopen`` keep working. Everything after the bytes arrive is
jwtkit's: :class:`jwtkit.JWKSClient`'s cache rules (single flight, the refetch cooldown for
unknown ``kid`` values, the last good set served while the endpoint fails), the size limit,
the refusal of private keys in a published set. Redirects are refused before they are
followed (PyJWT 2.15 refuses them too), and ``timeout`` bounds the whole exchange, not each
socket read. Failures keep PyJWT's classes and message texts.
"""

from __future__ import annotations

import http.client
import json
import math
import sys
import threading
import urllib.request
from functools import lru_cache
from ssl import SSLContext
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit

from ..._codec import json_loads
from ...errors import DecodeError, JWKSError, JWTKitError, KeyNotFoundError
from ...jwk import Key, KeySet
from ...jwks import JWKSClient
from .api_jwk import PyJWK, PyJWKSet
from .api_jwt import decode_complete as decode_token
from .exceptions import PyJWKClientConnectionError, PyJWKClientError, PyJWKSetError, PyJWTError

__all__ = ["PyJWKClient"]

_Response = tuple[int, dict[str, str], bytes]


def _connection_error(reason: object) -> PyJWKClientConnectionError:
    """PyJWT's error, with PyJWT's text, for a request that got no usable answer."""
    return PyJWKClientConnectionError(f'Fail to fetch data from the url, err: "{reason}"')


class _JWKSetDocumentError(PyJWKSetError, JWKSError):
    """A served document that PyJWT reports as a bad JWK Set (``PyJWKSetError``); also a
    :class:`JWKSError`, so jwtkit's cache core records it as a failed refresh."""


def _check_document_shape(body: bytes) -> None:
    """PyJWT's classification of a served document, with PyJWT's texts: not a JSON object is
    the endpoint's fault (``PyJWKClientError``), a missing, empty or non-array ``keys`` is a
    bad JWK Set (``PyJWKSetError``). Everything else is checked by jwtkit's parser."""
    try:
        document = json_loads(body, "JWKS document")
    except DecodeError as error:
        raise PyJWKClientError(str(error)) from None
    if not isinstance(document, dict):
        raise PyJWKClientError("The JWKS endpoint did not return a JSON object")
    keys = document.get("keys")
    if not keys:
        raise _JWKSetDocumentError("The JWK Set did not contain any keys")
    if not isinstance(keys, list):
        raise _JWKSetDocumentError("Invalid JWK Set value")


def _no_key_for(kid: object) -> PyJWKClientError:
    return PyJWKClientError(f'Unable to find a signing key that matches: "{kid}"')


class _RefuseRedirects(dict[str, int]):
    """Installed as a request's ``redirect_dict``: urllib's redirect handler then finds the
    redirect "already visited too often" and raises ``HTTPError`` instead of sending a second
    request (with the caller's headers) to wherever the ``Location`` points."""

    def get(self, key: str, default: Any = None) -> int:
        return sys.maxsize


class _UrlopenJWKSClient(JWKSClient):
    """:class:`jwtkit.JWKSClient` whose one HTTP request is made the way PyJWT makes it."""

    def __init__(
        self,
        uri: str,
        *,
        headers: dict[str, Any],
        timeout: float | None,
        ssl_context: SSLContext | None,
        cache_lifetime: float,
        refetch_cooldown: float,
        allow_http: bool,
    ) -> None:
        super().__init__(
            uri,
            cache_lifetime=cache_lifetime,
            min_cache_lifetime=cache_lifetime,
            max_cache_lifetime=cache_lifetime,
            refetch_cooldown=refetch_cooldown,
            allow_http=allow_http,
        )
        self._request_headers = headers
        self._request_timeout = timeout
        self._ssl_context = ssl_context
        self._in_flight: threading.Thread | None = None
        #: The last document served, as JSON text (``fetch_data`` returns it parsed).
        self.last_body: bytes | None = None

    def _request(self) -> _Response:
        # A worker thread makes the request so that ``timeout`` bounds the whole exchange:
        # urllib's timeout applies per socket read, and a server that drips its headers one
        # byte at a time would otherwise hold the caller (and the cache lock) indefinitely.
        # A request still running after its deadline is left to finish on its own; no second
        # one is started while it does.
        if self._in_flight is not None and self._in_flight.is_alive():
            raise _connection_error("the previous request has not finished")
        outcome: list[_Response | BaseException] = []

        def fetch() -> None:
            try:
                outcome.append(self._fetch_with_urlopen())
            except BaseException as error:  # handed to the caller's thread below
                outcome.append(error)

        worker = threading.Thread(target=fetch, name="jwtkit-pyjwk-fetch", daemon=True)
        self._in_flight = worker
        worker.start()
        worker.join(self._request_timeout)
        if not outcome:
            raise _connection_error("timed out")
        result = outcome[0]
        if isinstance(result, PyJWKClientConnectionError | JWKSError):
            raise result
        if isinstance(result, BaseException):
            raise _connection_error(type(result).__name__) from None
        return result

    def _fetch_with_urlopen(self) -> _Response:
        # self.url passed check_url: http(s) only, never file: or a custom scheme.
        request = urllib.request.Request(url=self.url, headers=self._request_headers)  # noqa: S310
        request.redirect_dict = _RefuseRedirects()  # type: ignore[attr-defined]
        limit = self._cache.policy.max_response_size
        try:
            # Looked up on the module at call time, so mock.patch("urllib.request.urlopen")
            # reaches it, as it reaches PyJWT.
            with urllib.request.urlopen(  # noqa: S310
                request, timeout=self._request_timeout, context=self._ssl_context
            ) as response:
                final_url = getattr(response, "url", None)
                if isinstance(final_url, str) and final_url != request.full_url:
                    raise _connection_error("the JWKS endpoint redirected; redirects are refused")
                body = response.read(limit + 1)
        except HTTPError as error:
            error.close()
            if 300 <= error.code < 400:
                raise _connection_error(f"HTTP Error {error.code}: redirects are refused") from None
            raise _connection_error(error) from None
        except (URLError, TimeoutError, http.client.HTTPException, OSError) as error:
            raise _connection_error(error) from None
        if isinstance(body, str):
            body = body.encode("utf-8")
        if not isinstance(body, bytes):
            raise _connection_error("the response has no body")
        if len(body) > limit:
            raise PyJWKClientError(f"The JWKS response is larger than {limit} bytes")
        _check_document_shape(body)
        self.last_body = body
        return 200, {}, body


class _JWKSetCacheView:
    """What PyJWT code reads of ``client.jwk_set_cache``: the lifespan and the cached set.
    The cache itself is jwtkit's; this view cannot be written to."""

    def __init__(self, client: PyJWKClient, lifespan: float) -> None:
        self._client = client
        self.lifespan = lifespan

    def is_expired(self) -> bool:
        expires_at = self._client._client.expires_at
        return expires_at is None or self._client._client._clock() >= expires_at

    def get(self) -> PyJWKSet | None:
        if self.is_expired():
            return None
        return self._client.get_jwk_set()


class PyJWKClient:
    """Fetches signing keys from a JWKS endpoint (https; http only for loopback unless
    ``allow_http=True``)."""

    def __init__(
        self,
        uri: str,
        cache_keys: bool = False,
        max_cached_keys: int = 16,
        cache_jwk_set: bool = True,
        lifespan: float = 300,
        headers: dict[str, Any] | None = None,
        timeout: float = 30,
        ssl_context: SSLContext | None = None,
        cooldown_duration: float = 30,
        *,
        allow_http: bool = False,
    ) -> None:
        # PyJWT's scheme check and text first; jwtkit's URL policy (https) follows below.
        scheme = urlsplit(uri).scheme.lower() if isinstance(uri, str) else ""
        if scheme not in ("http", "https"):
            raise PyJWKClientError(
                f"Invalid JWKS URI scheme {scheme!r}: only 'http' and 'https' are supported."
            )
        if cooldown_duration < 0:
            raise PyJWKClientError(
                "Cooldown duration must be greater than or equal to 0, "
                f'the input is "{cooldown_duration}"'
            )
        if not math.isfinite(cooldown_duration):
            raise PyJWKClientError(
                f'Cooldown duration must be finite, the input is "{cooldown_duration}"'
            )
        if cache_jwk_set and lifespan <= 0:
            raise PyJWKClientError(f'Lifespan must be greater than 0, the input is "{lifespan}"')
        self.uri = uri
        self.headers = headers if headers is not None else {}
        self.timeout = timeout
        self.ssl_context = ssl_context
        self.cooldown_duration = cooldown_duration
        try:
            self._client = _UrlopenJWKSClient(
                uri,
                headers=self.headers,
                timeout=timeout,
                ssl_context=ssl_context,
                cache_lifetime=lifespan if cache_jwk_set else 0,
                refetch_cooldown=cooldown_duration if cache_jwk_set else 0,
                allow_http=allow_http,
            )
        except JWKSError as error:
            raise PyJWKClientError(str(error)) from None
        self.jwk_set_cache = _JWKSetCacheView(self, lifespan) if cache_jwk_set else None
        self._wrapped: dict[int, tuple[Key, PyJWK]] = {}
        if cache_keys:
            self.get_signing_key = lru_cache(maxsize=max_cached_keys)(  # type: ignore[method-assign]
                self.get_signing_key
            )

    # -- fetching ----------------------------------------------------------------------------

    def _client_error(self, error: JWKSError) -> PyJWTError:
        """PyJWT's class for a failure, chosen by the type of what failed (never by its
        text, which may be the server's): the request (a connection error, with PyJWT's
        text), the set (``PyJWKSetError``) or anything else about the document."""
        if isinstance(error, PyJWKClientError | PyJWKSetError):
            return error
        cause = self._client.last_error
        if isinstance(cause, PyJWKClientConnectionError):
            return PyJWKClientConnectionError(str(cause))
        if isinstance(cause, PyJWKSetError):
            return PyJWKSetError(str(cause))
        return PyJWKClientError(str(error))

    def _key_set(self, refresh: bool) -> KeySet:
        client = self._client
        try:
            return client.refresh() if refresh else client.get_key_set()
        except JWKSError as error:
            raise self._client_error(error) from None

    def fetch_data(self) -> Any:
        """Fetch the JWKS now and return the document as served (once jwtkit accepted it)."""
        self._key_set(refresh=True)
        body = self._client.last_body
        return json.loads(body) if body is not None else None

    def get_jwk_set(self, refresh: bool = False) -> PyJWKSet:
        """The JWK Set, from the cache unless it expired or ``refresh`` is true."""
        return PyJWKSet._from_key_set(self._key_set(refresh))

    def get_signing_keys(self, refresh: bool = False) -> list[PyJWK]:
        """Every key of the set meant for signatures (``use`` "sig" or absent) with a kid."""
        keys = []
        for key in self._key_set(refresh):
            if key.use in ("sig", None) and key.kid:
                try:
                    keys.append(self._wrap(key))
                except JWTKitError:
                    continue  # a key type PyJWT has no algorithm for is skipped
        if not keys:
            raise PyJWKClientError("The JWKS endpoint did not contain any signing keys")
        return keys

    def get_signing_key(self, kid: str) -> PyJWK:
        """The signing key with this ``kid``; an unknown kid refetches once per cooldown."""
        if not isinstance(kid, str) or not kid:
            self.get_signing_keys()  # PyJWT fetches (and reports a failed fetch) first
            raise _no_key_for(kid)
        try:
            key = self._client.get_key(kid)
        except JWKSError as error:
            raise self._client_error(error) from None
        except KeyNotFoundError:
            raise _no_key_for(kid) from None
        if key.use not in ("sig", None):
            raise _no_key_for(kid)
        return self._wrap(key)

    def get_signing_key_from_jwt(self, token: str | bytes) -> PyJWK:
        """The signing key named by the ``kid`` of ``token``'s (unverified) header."""
        unverified = decode_token(token, options={"verify_signature": False})
        kid: Any = unverified["header"].get("kid")
        return self.get_signing_key(kid)

    @staticmethod
    def match_kid(signing_keys: list[PyJWK], kid: str) -> PyJWK | None:
        """The key of ``signing_keys`` with this ``kid``, or None."""
        for key in signing_keys:
            if key.key_id == kid:
                return key
        return None

    def _wrap(self, key: Key) -> PyJWK:
        # One PyJWK per jwtkit key: a cached set hands out the same objects every time.
        entry = self._wrapped.get(id(key))
        if entry is not None and entry[0] is key:
            return entry[1]
        wrapped = PyJWK._from_key(key)
        if len(self._wrapped) > 256:
            self._wrapped.clear()
        self._wrapped[id(key)] = (key, wrapped)
        return wrapped

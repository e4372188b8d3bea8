"""PyJWT's ``PyJWKClient``: PyJWT's method names on top of :class:`jwtkit.JWKSClient`.

The fetching, caching, single-flight locking, size limits, refusal of redirects and the
refetch cooldown for unknown ``kid`` values are jwtkit's; this class maps PyJWT's options
onto them (``lifespan`` is a fixed cache lifetime, ``cache_jwk_set=False`` fetches on every
call) and returns PyJWT's ``PyJWK`` / ``PyJWKSet`` objects and exceptions.
"""

from __future__ import annotations

import math
from functools import lru_cache
from ssl import SSLContext
from typing import Any

from ...errors import JWKSError, JWTKitError
from ...jwk import Key, KeySet
from ...jwks import JWKSClient
from .api_jwk import PyJWK, PyJWKSet
from .api_jwt import decode_complete as decode_token
from .exceptions import PyJWKClientConnectionError, PyJWKClientError

__all__ = ["PyJWKClient"]


def _client_error(error: JWKSError) -> PyJWKClientError:
    """PyJWT's class for a jwtkit JWKS failure: a bad document is a client error, anything
    else (no connection, timeout, an HTTP status other than 200) a connection error."""
    message = str(error)
    if "Invalid JWKS" in message or "private or symmetric" in message:
        return PyJWKClientError(message)
    return PyJWKClientConnectionError(message)


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
        if cooldown_duration < 0 or not math.isfinite(cooldown_duration):
            raise PyJWKClientError("Cooldown duration must be a finite number >= 0")
        if cache_jwk_set and lifespan <= 0:
            raise PyJWKClientError(f'Lifespan must be greater than 0, the input is "{lifespan}"')
        self.uri = uri
        self.headers = headers or {}
        self.timeout = timeout
        self.ssl_context = ssl_context
        self.cooldown_duration = cooldown_duration
        lifetime = lifespan if cache_jwk_set else 0
        http_client = None
        if ssl_context is not None:
            import httpx

            http_client = httpx.Client(verify=ssl_context, timeout=timeout)
        try:
            self._client = JWKSClient(
                uri,
                cache_lifetime=lifetime,
                min_cache_lifetime=lifetime,
                max_cache_lifetime=lifetime,
                refetch_cooldown=cooldown_duration if cache_jwk_set else 0,
                timeout=timeout,
                allow_http=allow_http,
                headers=self.headers,
                http_client=http_client,
            )
        except JWKSError as error:
            raise PyJWKClientError(str(error)) from None
        self._wrapped: dict[int, tuple[Key, PyJWK]] = {}
        if cache_keys:
            self.get_signing_key = lru_cache(maxsize=max_cached_keys)(  # type: ignore[method-assign]
                self.get_signing_key
            )

    # -- fetching ----------------------------------------------------------------------------

    def _key_set(self, refresh: bool) -> KeySet:
        client = self._client
        try:
            return client.refresh() if refresh else client.get_key_set()
        except JWKSError as error:
            raise _client_error(error) from None

    def fetch_data(self) -> Any:
        """Fetch the JWKS now and return it as a dict (the keys jwtkit could use)."""
        return self._key_set(refresh=True).to_dict()

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
            raise PyJWKClientError("Unable to find a signing key: the token has no 'kid'")
        try:
            key = self._client.get_key(kid)
        except JWKSError as error:
            raise _client_error(error) from None
        except JWTKitError:
            raise PyJWKClientError("Unable to find a signing key that matches the kid") from None
        if key.use not in ("sig", None):
            raise PyJWKClientError("Unable to find a signing key that matches the kid")
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

"""The I/O-free half of the JWKS clients: URL policy, response parsing and the cache rules.

:class:`jwtkit.JWKSClient` and :class:`jwtkit.AsyncJWKSClient` differ only in how they send
one HTTP request and how they wait for each other; everything they decide lives here, once.
The cache keeps the last good :class:`KeySet`; its lifetime comes from ``Cache-Control:
max-age`` clamped to bounds. An unknown ``kid`` may trigger one refetch per cooldown, so a
flood of made-up ``kid`` values costs one request, not one per token. A failed refresh never
wipes the cache: the last good set is served for a bounded time while the failure is
reported (``last_error`` and the ``jwtkit.jwks`` logger).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass

from . import _http
from ._codec import json_loads_object
from ._options import check_duration, check_size
from .errors import DecodeError, InvalidKeyError, JWKSError, KeyNotFoundError
from .jwk import Key, KeySet
from .jwk.keyset import keys_from_members

__all__ = [
    "DEFAULT_MAX_RESPONSE_SIZE",
    "CachePolicy",
    "JWKSCache",
    "check_url",
    "lifetime_from_cache_control",
    "parse_jwks",
    "response_too_large",
]

logger = logging.getLogger("jwtkit.jwks")

#: Largest JWKS document accepted by default, in bytes (a JWKS of 100 RSA-4096 keys is ~80 KiB).
DEFAULT_MAX_RESPONSE_SIZE = 256 * 1024
_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d{1,10})\"?\s*(?:,|$)", re.IGNORECASE)
_NO_CACHE = re.compile(r"(?:^|,)\s*(?:no-cache|no-store)\s*(?:,|=|$)", re.IGNORECASE)


def check_url(url: object, allow_http: bool) -> str:
    """The JWKS URL if it is one we may fetch: https, or http on loopback or by opt-in."""
    return _http.check_url(url, allow_http, "JWKS URL", JWKSError)


def lifetime_from_cache_control(header: str | None, policy: CachePolicy) -> float:
    """Seconds to keep a response: its ``max-age`` (``no-cache``/``no-store`` count as 0),
    or the default, clamped to the policy's bounds."""
    lifetime = policy.default_lifetime
    if header:
        if _NO_CACHE.search(header):
            lifetime = 0
        else:
            match = _MAX_AGE.search(header)
            if match:
                lifetime = int(match.group(1))
    return min(max(lifetime, policy.min_lifetime), policy.max_lifetime)


def parse_jwks(body: bytes) -> tuple[KeySet, list[str]]:
    """Parse a fetched JWKS document into a :class:`KeySet`, with a line per member skipped.

    A member naming what jwtkit does not implement (key type, curve, parameter set, an
    extension ``key_ops`` value) is skipped, as ``KeySet.from_dict`` skips it: one odd key
    must not take the issuer's whole set down. A published set is public: a member with
    private or secret material (a private key, any symmetric key) refuses the document,
    before any member is imported. Anything else wrong is a :class:`JWKSError` naming it.
    """
    try:
        document = json_loads_object(body, "JWKS document")
    except DecodeError as error:
        raise JWKSError(str(error)) from None
    skipped: list[str] = []

    def skip(index: int, reason: str) -> None:
        skipped.append(f"member {index}: unsupported {reason}")

    try:
        keys = keys_from_members(document.get("keys"), public_only=True, skip=skip)
        return KeySet(keys), skipped
    except InvalidKeyError as error:
        raise JWKSError(f"Invalid JWKS document: {error}") from None


@dataclass(frozen=True)
class CachePolicy:
    """How long to trust a fetched JWKS and how hard to hit the endpoint (seconds)."""

    default_lifetime: float = 300
    min_lifetime: float = 60
    max_lifetime: float = 3600
    refetch_cooldown: float = 30
    stale_if_error: float = 3600
    max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE

    def __post_init__(self) -> None:
        # Checked by type and finiteness: a NaN cooldown would refetch for every made-up kid,
        # a NaN stale_if_error would serve a stale set forever, a NaN size would cap nothing.
        for name in (
            "default_lifetime",
            "min_lifetime",
            "max_lifetime",
            "refetch_cooldown",
            "stale_if_error",
        ):
            check_duration(getattr(self, name), name, JWKSError)
        check_size(self.max_response_size, "max_response_size", JWKSError)
        if self.min_lifetime > self.max_lifetime:
            raise JWKSError("min_lifetime must not exceed max_lifetime")


@dataclass(frozen=True)
class _Entry:
    """One good fetch: replaced as a whole, so readers never see half an update."""

    key_set: KeySet
    fetched_at: float
    expires_at: float


@dataclass(frozen=True)
class FetchPlan:
    """What a lookup needs: ``fetch`` is True when a request should be sent. ``generation``
    lets a caller that waited for the single-flight lock see that someone else fetched."""

    fetch: bool
    generation: int


class JWKSCache:
    """The cache and its rules; the clients call :meth:`plan`, fetch if told to (under their
    single-flight lock), then :meth:`record_response` or :meth:`record_failure`, then
    :meth:`answer_key_set` or :meth:`answer_key`.

    Writes happen only under the client's single-flight lock; reads take one snapshot.
    """

    def __init__(self, url: str, policy: CachePolicy) -> None:
        # For log lines: no user info or query string, which may carry credentials.
        self.url = _http.display_url(url)
        self.policy = policy
        self._entry: _Entry | None = None
        self._last_attempt_at: float | None = None
        self._last_error: JWKSError | None = None
        self._generation = 0
        #: Number of HTTP requests this cache asked for (for metrics and tests).
        self.fetch_count = 0

    # -- reporting -------------------------------------------------------------------------

    @property
    def last_error(self) -> JWKSError | None:
        """The error of the last refresh if it failed, else None."""
        return self._last_error

    @property
    def expires_at(self) -> float | None:
        entry = self._entry
        return entry.expires_at if entry is not None else None

    # -- decisions -------------------------------------------------------------------------

    def _cooling_down(self, now: float) -> bool:
        last = self._last_attempt_at
        return last is not None and now < last + self.policy.refetch_cooldown

    def plan(self, now: float, kid: str | None) -> FetchPlan:
        """Whether answering for ``kid`` (None: the whole set) needs a request now."""
        entry = self._entry
        if entry is None or now >= entry.expires_at:
            # Missing or expired: fetch, unless a failed attempt is too recent to retry.
            fetch = self._last_error is None or not self._cooling_down(now)
        elif kid is not None and kid not in entry.key_set:
            fetch = not self._cooling_down(now)
        else:
            fetch = False
        return FetchPlan(fetch, self._generation)

    def fresh_key(self, now: float, kid: str) -> Key | None:
        """The key for ``kid`` when answering needs no request (the common case), else None:
        the clients' fast path, the same decision as :meth:`plan` makes."""
        entry = self._entry
        if entry is None or now >= entry.expires_at:
            return None
        key_set = entry.key_set
        return key_set.get(kid) if kid in key_set else None

    def can_answer_while_refreshing(self, now: float, kid: str | None) -> bool:
        """Whether a caller may be answered from the cache while another one's refresh is in
        flight: there is a set, within ``stale_if_error`` of its expiry, that holds ``kid``
        (any set answers for no ``kid``). Only callers who need what the cache lacks wait."""
        entry = self._entry
        if entry is None or now >= entry.expires_at + self.policy.stale_if_error:
            return False
        return kid is None or kid in entry.key_set

    def needs_fetch(self, plan: FetchPlan) -> bool:
        """Under the lock: fetch only if nobody else fetched while we waited for it."""
        return plan.fetch and plan.generation == self._generation

    def begin_fetch(self, now: float) -> None:
        self._last_attempt_at = now
        self.fetch_count += 1

    def record_response(
        self, status: int, headers: Mapping[str, str], body: bytes, now: float
    ) -> None:
        """Store a response: a good JWKS replaces the cache, anything else is a failure."""
        try:
            if 300 <= status < 400:
                raise JWKSError(
                    f"The JWKS endpoint answered HTTP {status}: redirects are not followed"
                )
            if status != 200:
                raise JWKSError(f"The JWKS endpoint answered HTTP {status}")
            key_set, skipped = parse_jwks(body)
        except JWKSError as error:
            self.record_failure(error, now)
            return
        lifetime = lifetime_from_cache_control(headers.get("cache-control"), self.policy)
        self._entry = _Entry(key_set, now, now + lifetime)
        if self._last_error is not None:
            logger.info("JWKS refresh from %s succeeded again", self.url)
        self._last_error = None
        self._generation += 1
        for line in skipped:
            logger.warning("JWKS from %s: skipping %s", self.url, line)

    def record_failure(self, error: JWKSError, now: float) -> None:
        """A failed fetch: keep the last good set, remember and log the failure."""
        self._last_error = error
        self._generation += 1
        serving = "keeps serving the cached key set" if self._entry else "has no key set"
        logger.warning("JWKS refresh from %s failed (%s); the client %s", self.url, error, serving)

    def answer_key_set(self, now: float) -> KeySet:
        """The key set to use now, without I/O: fresh, or stale within ``stale_if_error``."""
        entry = self._entry
        if entry is None:
            error = self._last_error
            if error is None:  # pragma: no cover - plan() always fetches first
                raise JWKSError("No JWKS has been fetched yet")
            # The recorded error already says what failed ("Could not fetch the JWKS: ...",
            # "The JWKS endpoint answered HTTP 500"): a fresh copy, not a second prefix.
            raise type(error)(str(error))
        if now >= entry.expires_at + self.policy.stale_if_error:
            raise JWKSError(
                f"The cached JWKS expired {now - entry.expires_at:.0f} s ago and refreshing it "
                f"keeps failing: {self._last_error or 'no refresh attempted'}"
            )
        return entry.key_set

    def answer_key(self, now: float, kid: str) -> Key:
        key_set = self.answer_key_set(now)
        if kid not in key_set:
            raise KeyNotFoundError("No key in the JWKS matches the token's 'kid'")
        return key_set.get(kid)


def response_too_large(policy: CachePolicy) -> JWKSError:
    return JWKSError(
        f"The JWKS response is larger than max_response_size ({policy.max_response_size} bytes)"
    )

"""JSON Web Tokens (RFC 7519): ``encode``, ``decode`` and the reusable :class:`Verifier`.

The function shapes follow PyJWT on purpose, so ``import jwtkit as jwt`` runs tutorial code;
the defaults are stricter (algorithms required, audience and issuer compared exactly, weak
keys refused). ``Verifier`` resolves keys and options once and is the fast way to check many
tokens.
"""

from __future__ import annotations

import json
import time
from calendar import timegm
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import datetime, timedelta
from functools import lru_cache, partial
from typing import Any

from . import _compact
from ._claims import ClaimRules
from ._codec import b64url_decode, b64url_encode, json_dumps, json_loads_object
from ._key_input import (
    KeyLookup,
    as_key_source,
    async_key_source,
    key_lookup,
    resolve_key,
    signing_key,
)
from ._options import check_algorithms, check_header_argument, current_time, timestamp
from ._token_cache import CacheInfo, VerifiedTokenCache
from .errors import DecodeError, InvalidClaimError, InvalidOptionError, JWTKitError
from .jwa import Algorithm, get_signature_algorithm
from .jwk import Key, KeySet

__all__ = ["Verifier", "decode", "decode_complete", "encode", "get_unverified_header"]

_NUMERIC_DATE_CLAIMS = ("exp", "iat", "nbf")


def _claims_json(claims: Mapping[str, Any], json_encoder: type[json.JSONEncoder] | None) -> bytes:
    if type(claims) is not dict and not isinstance(claims, Mapping):
        raise InvalidClaimError("The claims must be a mapping (a dict)")
    # The caller's dict is serialized as it is; it is copied only if a datetime needs converting.
    values = claims if type(claims) is dict else dict(claims)
    for name in _NUMERIC_DATE_CLAIMS:
        value = values.get(name)
        if value is None or type(value) is int:
            continue
        if isinstance(value, datetime):
            if values is claims:
                values = dict(claims)
            values[name] = timegm(value.utctimetuple())
        elif type(value) is not float or value != value:
            raise InvalidClaimError(f"The {name!r} claim must be a number or a datetime")
    try:
        if json_encoder is None:
            return json_dumps(values)
        return json.dumps(values, separators=(",", ":"), cls=json_encoder, allow_nan=False).encode(
            "utf-8"
        )
    except (TypeError, ValueError) as error:
        raise InvalidClaimError(f"The claims cannot be serialized as JSON: {error}") from None


def _header_segment(algorithm_name: str, kid: str | None, headers: dict[str, Any]) -> bytes:
    # The common case (no extra headers) reuses one encoded header per (alg, kid).
    if not headers:
        return _plain_header_segment(algorithm_name, kid)
    return _encode_header(algorithm_name, kid, headers)


@lru_cache(maxsize=256)
def _plain_header_segment(algorithm_name: str, kid: str | None) -> bytes:
    return _encode_header(algorithm_name, kid, {})


def _encode_header(algorithm_name: str, kid: str | None, headers: dict[str, Any]) -> bytes:
    header: dict[str, Any] = {"alg": algorithm_name, "typ": "JWT"}
    if kid is not None:
        header["kid"] = kid
    if headers:
        header.update(headers)
        header["alg"] = algorithm_name
        if header.get("typ") is None:
            del header["typ"]
    _compact.check_header(header)
    if header.get("b64") is False:
        raise InvalidOptionError("A JWT payload is always base64url encoded; 'b64' cannot be false")
    return _compact.encode_header(header)


def encode(
    claims: Mapping[str, Any],
    key: Any,
    algorithm: str | None = None,
    headers: Mapping[str, Any] | None = None,
    json_encoder: type[json.JSONEncoder] | None = None,
) -> str:
    """Sign ``claims`` into a compact JWT.

    ``key`` is a :class:`Key`, PEM text, a JWK dict, a ``cryptography`` key object, or a
    str/bytes HMAC secret. ``algorithm`` defaults to the key's ``alg``, or ``HS256`` for a
    secret given as str/bytes. ``datetime`` values of ``exp``, ``iat`` and ``nbf`` become
    NumericDates.
    """
    key_used, signature_algorithm = signing_key(key, algorithm)
    material = key_used._material_for(signature_algorithm, "sign")
    extra = check_header_argument(headers)
    kid = None if "kid" in extra else key_used.kid
    signing_input = (
        _header_segment(signature_algorithm.name, kid, extra)
        + b"."
        + b64url_encode(_claims_json(claims, json_encoder))
    )
    signature = b64url_encode(signature_algorithm.sign(material, signing_input))
    return (signing_input + b"." + signature).decode("ascii")


def _rules_for(
    audience: Any,
    issuer: Any,
    subject: str | None,
    leeway: float | timedelta,
    required: Any,  # checked by ClaimRules; hashable or not
    typ: str | None,
    options: Mapping[str, Any] | None,
) -> ClaimRules:
    # decode() is often called with the same options on every request; build them once.
    if options is not None and not isinstance(options, Mapping):
        raise InvalidOptionError("options must be a mapping of option names to values")
    try:
        return _cached_rules(
            audience,
            issuer,
            subject,
            leeway,
            required,
            typ,
            _options_key(options) if options else None,
        )
    except TypeError as error:
        if isinstance(error, JWTKitError):
            raise
    # An unhashable argument (a list): look it up in a hashable form.
    try:
        return _cached_rules(
            tuple(audience) if isinstance(audience, list) else audience,
            tuple(issuer) if isinstance(issuer, list) else issuer,
            subject,
            leeway,
            tuple(required) if isinstance(required, list) else required,
            typ,
            _options_key(options) if options else None,
        )
    except TypeError as error:
        if isinstance(error, JWTKitError):
            raise
    return _cached_rules.__wrapped__(
        audience, issuer, subject, leeway, required, typ, _options_key(options)
    )


def _options_key(options: Mapping[str, Any] | None) -> tuple[tuple[Any, ...], ...] | None:
    """``options`` as a cache key. The value's type is part of it: ``0 == False`` as a dict
    key, but only the literal False turns a check off."""
    if not options:
        return None
    return tuple(
        (name, type(value), tuple(value) if isinstance(value, list) else value)
        for name, value in options.items()
    )


# typed: True == 1 as a key, but only 1 is a valid leeway.
@lru_cache(maxsize=256, typed=True)
def _cached_rules(
    audience: Any,
    issuer: Any,
    subject: str | None,
    leeway: float | timedelta,
    required: Iterable[str],
    typ: str | None,
    options: tuple[tuple[Any, ...], ...] | None,
) -> ClaimRules:
    return ClaimRules(
        audience=audience,
        issuer=issuer,
        subject=subject,
        leeway=leeway,
        required=required,
        typ=typ,
        options={entry[0]: entry[2] for entry in options} if options is not None else None,
    )


def _decode(
    token: object,
    key: Any,
    algorithms: Collection[str] | None,
    audience: str | Iterable[str] | None,
    issuer: str | Iterable[str] | None,
    subject: str | None,
    leeway: float | timedelta,
    typ: str | None,
    required: Iterable[str],
    options: Mapping[str, Any] | None,
    now: float | datetime | None,
    allow_weak_keys: bool,
) -> tuple[dict[str, Any], dict[str, Any], bytes]:
    """What ``decode`` and ``decode_complete`` share: every argument checked before the
    token is read; then verify, then check the claims."""
    rules = _rules_for(audience, issuer, subject, leeway, required, typ, options)
    clock = current_time(now)
    if rules.verify_signature:
        allowed = check_algorithms(algorithms)
        keys = key_lookup(key)
        parsed = _compact.parse_compact(token, "JWT")
        payload, signature, _ = _compact.verify_compact(
            parsed, keys, allowed, allow_weak_keys, None, True
        )
        header = parsed[3]
    else:
        _, payload_segment, signature_segment, header = _compact.parse_compact(token, "JWT")
        if header.get("b64") is False:
            raise DecodeError("Invalid JWT: the payload must be base64url encoded")
        payload = b64url_decode(payload_segment, "payload")
        signature = b64url_decode(signature_segment, "signature")
    rules.check_header(header)
    claims = json_loads_object(payload, "claims")
    rules.check(claims, clock)
    return header, claims, signature


def decode_complete(
    token: str | bytes,
    key: Any = None,
    algorithms: Collection[str] | None = None,
    *,
    audience: str | Iterable[str] | None = None,
    issuer: str | Iterable[str] | None = None,
    subject: str | None = None,
    leeway: float | timedelta = 0,
    typ: str | None = None,
    required: Iterable[str] = (),
    options: Mapping[str, Any] | None = None,
    now: float | datetime | None = None,
    allow_weak_keys: bool = False,
) -> dict[str, Any]:
    """Verify a JWT and return ``{"header": ..., "payload": claims, "signature": bytes}``."""
    header, claims, signature = _decode(
        token, key, algorithms, audience, issuer, subject, leeway, typ, required, options, now,
        allow_weak_keys,
    )  # fmt: skip
    return {"header": _compact.header_copy(header), "payload": claims, "signature": signature}


def decode(
    token: str | bytes,
    key: Any = None,
    algorithms: Collection[str] | None = None,
    *,
    audience: str | Iterable[str] | None = None,
    issuer: str | Iterable[str] | None = None,
    subject: str | None = None,
    leeway: float | timedelta = 0,
    typ: str | None = None,
    required: Iterable[str] = (),
    options: Mapping[str, Any] | None = None,
    now: float | datetime | None = None,
    allow_weak_keys: bool = False,
) -> dict[str, Any]:
    """Verify a JWT's signature and claims; return the claims.

    ``algorithms`` is required. ``audience``/``issuer`` accept one string or several;
    comparison is exact. ``leeway`` (seconds or timedelta) widens the time checks; ``now``
    replaces the clock. ``options`` are PyJWT's switches (``verify_exp``, ``require``, ...).
    """
    return _decode(
        token, key, algorithms, audience, issuer, subject, leeway, typ, required, options, now,
        allow_weak_keys,
    )[1]  # fmt: skip


def get_unverified_header(token: str | bytes) -> dict[str, Any]:
    """The token's header, unverified: use it only to pick a key, never to trust anything."""
    return _compact.header_copy(_compact.parse_compact(token, "JWT")[3])


class Verifier:
    """Checks many tokens against one configuration, resolved once.

    ``keys`` is a :class:`Key`, a :class:`KeySet`, anything ``decode`` accepts as a key, or a
    key source (:class:`jwtkit.JWKSClient`, :class:`jwtkit.AsyncJWKSClient`, or anything
    shaped like :class:`jwtkit.KeySource`). ``clock`` returns the current time in seconds
    (inject one in tests).

    ``cache_size=N`` keeps up to N verified tokens (least recently used dropped first): a
    repeated token then skips the signature check, while ``exp``/``nbf``/``iat`` and the
    key source's current key are checked again on every hit and each caller gets its own
    copy of the claims (see :mod:`jwtkit._token_cache` and docs/security.md).
    """

    def __init__(
        self,
        keys: Any,
        algorithms: Collection[str],
        *,
        issuer: str | Iterable[str] | None = None,
        audience: str | Iterable[str] | None = None,
        subject: str | None = None,
        leeway: float | timedelta = 0,
        required: Iterable[str] = (),
        typ: str | None = None,
        options: Mapping[str, Any] | None = None,
        clock: Callable[[], float] = time.time,
        allow_weak_keys: bool = False,
        cache_size: int = 0,
    ) -> None:
        self._allowed = frozenset(check_algorithms(algorithms))
        for name in self._allowed:
            get_signature_algorithm(name)
        self._rules = ClaimRules(
            audience=audience,
            issuer=issuer,
            subject=subject,
            leeway=leeway,
            required=required,
            typ=typ,
            options=options,
        )
        if not self._rules.verify_signature:
            raise InvalidOptionError("A Verifier always verifies signatures")
        if not callable(clock):
            raise InvalidOptionError("clock must be a function returning the time in seconds")
        self._clock = clock
        self._allow_weak_keys = allow_weak_keys
        if type(cache_size) is not int or cache_size < 0:
            raise InvalidOptionError("cache_size must be a non-negative number of tokens")
        self._cache = VerifiedTokenCache(cache_size) if cache_size else None
        # A key source is asked per token; any other keys are resolved now, once.
        self._async_source = async_key_source(keys)
        self._source = as_key_source(keys) if self._async_source is None else None
        self._keys: Key | KeySet | KeyLookup = KeySet()
        if self._source is None and self._async_source is None:
            self._keys = self._resolve(keys)

    def _resolve(self, keys: Any) -> Key | KeySet | KeyLookup:
        """``keys`` parsed once per allowed algorithm (a secret and PEM text read
        differently); one object when every algorithm reads them alike."""
        by_algorithm = {
            name: resolve_key(keys, for_hmac=get_signature_algorithm(name).key_type == "oct")
            for name in self._allowed
        }
        distinct = {id(resolved): resolved for resolved in by_algorithm.values()}
        for resolved in distinct.values():
            if isinstance(resolved, KeySet):
                resolved.check_verifies_one_kind()  # at start-up, not at the first token
        if len(distinct) == 1:
            (only,) = distinct.values()
            return only
        return partial(_keys_by_algorithm, by_algorithm)

    def _now(self, now: float | datetime | None) -> float:
        if now is not None:
            return timestamp(now)
        if self._clock is time.time:
            return time.time()
        return timestamp(self._clock(), "the clock's time")

    def _source_keys(self, kid: Any) -> Key | KeySet:
        source = self._source
        assert source is not None
        return source.get_key_set() if kid is None else source.get_key(kid)

    def _finish(
        self, parsed: _compact.ParsedCompact, keys: Key | KeySet | KeyLookup, now: float
    ) -> dict[str, Any]:
        # Positional arguments: keywords cost a tenth of a microsecond on the hot path.
        payload, _, _ = _compact.verify_compact(
            parsed, keys, self._allowed, self._allow_weak_keys, None, True
        )
        rules = self._rules
        rules.check_header(parsed[3])
        claims = json_loads_object(payload, "claims")
        rules.check(claims, now)
        return claims

    def verify(self, token: str | bytes, *, now: float | datetime | None = None) -> dict[str, Any]:
        """Verify one token; return its claims or raise a :class:`jwtkit.InvalidTokenError`."""
        if self._async_source is not None:
            raise InvalidOptionError("This Verifier uses an async key source: call verify_async")
        # The wall clock needs no checking: the common case skips a call.
        clock = time.time() if now is None and self._clock is time.time else self._now(now)
        cache = self._cache
        if cache is not None:
            entry = cache.lookup(token, clock)
            # A hit stands only while the source still answers with the key that verified it.
            if entry is not None and (
                self._source is None or self._source_keys(entry.kid) is entry.keys
            ):
                return cache.serve(entry)
        parsed = _compact.parse_compact(token, "JWT")
        if self._source is None:
            claims = self._finish(parsed, self._keys, clock)
            if cache is not None:
                self._store(token, parsed, claims, None)
            return claims
        # The algorithm is checked before the source is asked: a token cannot make us fetch.
        _compact.choose_algorithm(parsed[3], self._allowed)
        keys = self._source_keys(parsed[3].get("kid"))
        return self._store(token, parsed, self._finish(parsed, keys, clock), keys)

    async def verify_async(
        self, token: str | bytes, *, now: float | datetime | None = None
    ) -> dict[str, Any]:
        """Like :meth:`verify`; with an async key source, key fetches do not block the loop."""
        source = self._async_source
        if source is None:
            return self.verify(token, now=now)
        clock = self._now(now)
        cache = self._cache
        if cache is not None:
            entry = cache.lookup(token, clock)
            if entry is not None:
                kid = entry.kid
                current = await (source.get_key(kid) if kid is not None else source.get_key_set())
                if current is entry.keys:
                    return cache.serve(entry)
        parsed = _compact.parse_compact(token, "JWT")
        _compact.choose_algorithm(parsed[3], self._allowed)
        kid = parsed[3].get("kid")
        keys: Key | KeySet = await (
            source.get_key(kid) if kid is not None else source.get_key_set()
        )
        return self._store(token, parsed, self._finish(parsed, keys, clock), keys)

    def _store(
        self,
        token: object,
        parsed: _compact.ParsedCompact,
        claims: dict[str, Any],
        source_answer: Key | KeySet | None,
    ) -> dict[str, Any]:
        cache = self._cache
        if cache is not None:
            cache.store(token, claims, self._rules, parsed[3].get("kid"), source_answer)
        return claims

    def cache_info(self) -> CacheInfo:
        """Hits, misses and size of the verified-token cache (all zero when it is off)."""
        cache = self._cache
        return cache.info() if cache is not None else CacheInfo(0, 0, 0, 0)


def _keys_by_algorithm(
    by_algorithm: Mapping[str, Key | KeySet],
    algorithm: Algorithm,
    header: Mapping[str, Any],
) -> Key | KeySet:
    return by_algorithm[algorithm.name]

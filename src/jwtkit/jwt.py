"""JSON Web Tokens (RFC 7519): ``encode``, ``decode`` and the reusable :class:`Verifier`.

The function shapes follow PyJWT on purpose, so ``import jwtkit as jwt`` runs tutorial code;
the defaults are stricter (algorithms required, audience and issuer compared exactly, weak
keys refused). ``Verifier`` resolves keys and options once and is the fast way to check many
tokens.
"""

from __future__ import annotations

import inspect
import json
import time
from calendar import timegm
from collections.abc import Collection, Iterable, Mapping
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from . import _compact
from ._claims import ClaimRules, timestamp
from ._codec import (
    MAX_TOKEN_SIZE,
    b64url_decode,
    b64url_encode,
    json_dumps,
    json_loads_object,
)
from ._key_input import resolve_key
from ._token_cache import CacheInfo, VerifiedTokenCache
from .errors import (
    DecodeError,
    InvalidClaimError,
    InvalidKeyError,
    InvalidOptionError,
    JWTKitError,
)
from .jwa import get_signature_algorithm
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


def _header_segment(
    algorithm_name: str, kid: str | None, headers: Mapping[str, Any] | None
) -> bytes:
    # The common case (no extra headers) reuses one encoded header per (alg, kid).
    if not headers:
        return _plain_header_segment(algorithm_name, kid)
    return _encode_header(algorithm_name, kid, headers)


@lru_cache(maxsize=256)
def _plain_header_segment(algorithm_name: str, kid: str | None) -> bytes:
    return _encode_header(algorithm_name, kid, None)


def _encode_header(
    algorithm_name: str, kid: str | None, headers: Mapping[str, Any] | None
) -> bytes:
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
        raise DecodeError("A JWT payload is always base64url encoded; 'b64' cannot be false")
    return b64url_encode(json_dumps(header))


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
    if algorithm is None:
        if isinstance(key, Key) and key.alg is not None:
            algorithm = key.alg
        elif isinstance(key, str | bytes):
            algorithm = "HS256"
        else:
            raise InvalidKeyError("An algorithm is required for this key (algorithm=...)")
    signature_algorithm = get_signature_algorithm(algorithm)
    signing_key = resolve_key(key, for_hmac=signature_algorithm.key_type == "oct")
    if not isinstance(signing_key, Key):
        raise InvalidKeyError("Signing needs a single key, not a key set")
    material = signing_key._material_for(signature_algorithm, "sign")
    kid = None if headers and "kid" in headers else signing_key.kid
    signing_input = (
        _header_segment(signature_algorithm.name, kid, headers)
        + b"."
        + b64url_encode(_claims_json(claims, json_encoder))
    )
    signature = b64url_encode(signature_algorithm.sign(material, signing_input))
    return (signing_input + b"." + signature).decode("ascii")


def _split_jwt(token: object) -> list[str]:
    # The usual token (ASCII text of sane size and three segments) skips the general checks.
    if type(token) is str and len(token) <= MAX_TOKEN_SIZE and token.isascii():
        segments = token.split(".")
        if len(segments) == 3:
            return segments
    segments = _compact.split_compact(token, "JWT")
    if len(segments) != 3:
        if len(segments) == 5:
            raise DecodeError("This is a JWE, not a JWS: decrypt it with jwtkit.jwe.decrypt")
        raise DecodeError("Invalid JWT: a compact JWT has three segments")
    # Every JWT segment is base64url; a non-ASCII str must fail here, not in .encode("ascii").
    if isinstance(token, str) and not token.isascii():
        raise DecodeError("Invalid JWT: not ASCII")
    return segments


def _now(now: float | datetime | None) -> float:
    return time.time() if now is None else timestamp(now)


def _rules_for(
    audience: Any,
    issuer: Any,
    subject: str | None,
    leeway: float | timedelta,
    required: Iterable[str],
    typ: str | None,
    options: Mapping[str, Any] | None,
) -> ClaimRules:
    # decode() is often called with the same options on every request; build them once.
    try:
        return _cached_rules(audience, issuer, subject, leeway, required, typ, options)  # type: ignore[arg-type]
    except TypeError as error:
        if isinstance(error, JWTKitError):
            raise
    # An unhashable argument (a list, an options dict): look it up in a hashable form.
    try:
        normalised = (
            tuple(audience) if isinstance(audience, list) else audience,
            tuple(issuer) if isinstance(issuer, list) else issuer,
            subject,
            leeway,
            required if isinstance(required, str) else tuple(required),
            typ,
            tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in options.items()))
            if options
            else None,
        )
        return _cached_rules(*normalised)
    except TypeError as error:
        if isinstance(error, JWTKitError):
            raise
    return _cached_rules.__wrapped__(audience, issuer, subject, leeway, required, typ, options)


# typed: True == 1 as a key, but only 1 is a valid leeway.
@lru_cache(maxsize=256, typed=True)
def _cached_rules(
    audience: Any,
    issuer: Any,
    subject: str | None,
    leeway: float | timedelta,
    required: Iterable[str],
    typ: str | None,
    options: Mapping[str, Any] | tuple[tuple[str, Any], ...] | None,
) -> ClaimRules:
    return ClaimRules(
        audience=audience,
        issuer=issuer,
        subject=subject,
        leeway=leeway,
        required=required,
        typ=typ,
        options=dict(options) if isinstance(options, tuple) else options,
    )


def _check_algorithms(algorithms: Collection[str] | None) -> Collection[str]:
    if algorithms is None or isinstance(algorithms, str) or not algorithms:
        raise InvalidOptionError(
            "algorithms must be given as a non-empty list, e.g. algorithms=['RS256']: "
            "the token's header must not choose the algorithm on its own"
        )
    return algorithms


_KEY_TYPES = (Key, KeySet)  # a tuple: an inline ``Key | KeySet`` is rebuilt on every call


def _verified_parts(
    token: object,
    key: Any,
    algorithms: Collection[str] | None,
    verify_signature: bool,
    allow_weak_keys: bool,
) -> tuple[dict[str, Any], bytes, bytes]:
    header_segment, payload_segment, signature_segment = _split_jwt(token)
    header = _compact.parse_header_segment(header_segment)
    if header.get("b64") is False:
        raise DecodeError("Invalid JWT: the payload must be base64url encoded")
    signature = b64url_decode(signature_segment, "signature")
    if verify_signature:
        algorithm = _compact.choose_algorithm(header, _check_algorithms(algorithms))
        keys = resolve_key(key, for_hmac=algorithm.key_type == "oct")
        if not isinstance(keys, _KEY_TYPES):
            keys = _keys_from_source(keys, header.get("kid"))
        _compact.verify_with_keys(
            algorithm,
            _compact.verification_keys(keys, header, algorithm),
            f"{header_segment}.{payload_segment}".encode("ascii"),
            signature,
            allow_weak_keys,
        )
    return header, b64url_decode(payload_segment, "payload"), signature


def _keys_from_source(source: Any, kid: str | None) -> Key | KeySet:
    """Ask a synchronous key source (a JWKS client) for the token's key or its whole set."""
    get_key_set = getattr(source, "get_key_set", None)
    if get_key_set is None or not hasattr(source, "get_key"):
        raise InvalidKeyError("Unsupported key source: it needs get_key() and get_key_set()")
    if inspect.iscoroutinefunction(get_key_set):
        raise InvalidKeyError("An async key source needs Verifier(...).verify_async")
    keys: Key | KeySet = get_key_set() if kid is None else source.get_key(kid)
    return keys


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
    """What ``decode`` and ``decode_complete`` share: verify, then check the claims."""
    rules = _rules_for(audience, issuer, subject, leeway, required, typ, options)
    verify_signature = (options or {}).get("verify_signature", True)
    header, payload, signature = _verified_parts(
        token, key, algorithms, verify_signature, allow_weak_keys
    )
    rules.check_header(header)
    claims = json_loads_object(payload, "claims")
    rules.check(claims, _now(now))
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
    return {"header": dict(header), "payload": claims, "signature": signature}


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
    return dict(_compact.parse_header_segment(_split_jwt(token)[0]))


class Verifier:
    """Checks many tokens against one configuration, resolved once.

    ``keys`` is a :class:`Key`, a :class:`KeySet`, anything ``decode`` accepts as a key, or a
    JWKS client (:class:`jwtkit.JWKSClient` / :class:`jwtkit.AsyncJWKSClient`). ``clock``
    returns the current time in seconds (inject one in tests).

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
        clock: Any = time.time,
        allow_weak_keys: bool = False,
        cache_size: int = 0,
    ) -> None:
        self._allowed = frozenset(_check_algorithms(algorithms))
        for name in self._allowed:
            get_signature_algorithm(name)
        if options and options.get("verify_signature") is False:
            raise InvalidOptionError("A Verifier always verifies signatures")
        self._rules = ClaimRules(
            audience=audience,
            issuer=issuer,
            subject=subject,
            leeway=leeway,
            required=required,
            typ=typ,
            options=options,
        )
        self._clock = clock
        self._allow_weak_keys = allow_weak_keys
        if type(cache_size) is not int or cache_size < 0:
            raise InvalidOptionError("cache_size must be a non-negative number of tokens")
        self._cache = VerifiedTokenCache(cache_size) if cache_size else None
        # Either a key source asked per token (a JWKS client), or keys resolved now, per alg.
        self._source: Any = None
        self._source_is_async = False
        self._keys_by_alg: dict[str, Key | KeySet] = {}
        if hasattr(keys, "get_key_set"):
            if not hasattr(keys, "get_key"):
                raise InvalidKeyError(
                    "Unsupported key source: it needs get_key() and get_key_set()"
                )
            self._source = keys
            self._source_is_async = inspect.iscoroutinefunction(keys.get_key_set)
        else:
            for name in self._allowed:
                for_hmac = get_signature_algorithm(name).key_type == "oct"
                resolved = resolve_key(keys, for_hmac=for_hmac)
                if not isinstance(resolved, Key | KeySet):
                    raise InvalidKeyError("Unsupported key source for a Verifier")
                self._keys_by_alg[name] = resolved

    def _parse(self, token: object) -> tuple[list[str], dict[str, Any]]:
        segments = _split_jwt(token)
        header = _compact.parse_header_segment(segments[0])
        if header.get("b64") is False:
            raise DecodeError("Invalid JWT: the payload must be base64url encoded")
        return segments, header

    def _check(
        self,
        segments: list[str],
        header: dict[str, Any],
        keys: Key | KeySet,
        now: float | datetime | None,
    ) -> dict[str, Any]:
        algorithm = _compact.choose_algorithm(header, self._allowed)
        header_segment, payload_segment, signature_segment = segments
        _compact.verify_with_keys(
            algorithm,
            _compact.verification_keys(keys, header, algorithm),
            f"{header_segment}.{payload_segment}".encode("ascii"),
            b64url_decode(signature_segment, "signature"),
            self._allow_weak_keys,
        )
        rules = self._rules
        rules.check_header(header)
        claims = json_loads_object(b64url_decode(payload_segment, "payload"), "claims")
        rules.check(claims, self._clock() if now is None else timestamp(now))
        return claims

    def _source_keys(self, kid: Any) -> Key | KeySet:
        if self._source_is_async:
            raise InvalidKeyError("This Verifier uses an async key source: call verify_async")
        source = self._source  # a synchronous source, checked once in __init__
        keys: Key | KeySet = source.get_key_set() if kid is None else source.get_key(kid)
        return keys

    def verify(self, token: str | bytes, *, now: float | datetime | None = None) -> dict[str, Any]:
        """Verify one token; return its claims or raise a :class:`jwtkit.InvalidTokenError`."""
        cache = self._cache
        if cache is not None:
            now = self._clock() if now is None else timestamp(now)
            entry = cache.lookup(token, now)
            # A hit stands only while the source still answers with the key that verified it.
            if entry is not None and (
                self._source is None or self._source_keys(entry.kid) is entry.keys
            ):
                return cache.serve(entry)
        segments, header = self._parse(token)
        if self._source is None:
            keys = self._keys_by_alg.get(header.get("alg"))  # type: ignore[arg-type]
            if keys is None:  # an alg outside the allowed list: let the check say so
                _compact.choose_algorithm(header, self._allowed)
                raise InvalidKeyError("No key for this algorithm")  # pragma: no cover
        else:
            keys = self._source_keys(header.get("kid"))
        claims = self._check(segments, header, keys, now)
        if cache is not None:
            source_answer = None if self._source is None else keys
            cache.store(token, claims, self._rules, header.get("kid"), source_answer)
        return claims

    async def verify_async(
        self, token: str | bytes, *, now: float | datetime | None = None
    ) -> dict[str, Any]:
        """Like :meth:`verify`; with an async JWKS client, key fetches do not block the loop."""
        if not self._source_is_async:
            return self.verify(token, now=now)
        source = self._source
        cache = self._cache
        if cache is not None:
            now = self._clock() if now is None else timestamp(now)
            entry = cache.lookup(token, now)
            if entry is not None:
                kid = entry.kid
                current = await (source.get_key(kid) if kid is not None else source.get_key_set())
                if current is entry.keys:
                    return cache.serve(entry)
        segments, header = self._parse(token)
        kid = header.get("kid")
        keys: Key | KeySet = await (
            source.get_key(kid) if kid is not None else source.get_key_set()
        )
        claims = self._check(segments, header, keys, now)
        if cache is not None:
            cache.store(token, claims, self._rules, kid, keys)
        return claims

    def cache_info(self) -> CacheInfo:
        """Hits, misses and size of the verified-token cache (all zero when it is off)."""
        cache = self._cache
        return cache.info() if cache is not None else CacheInfo(0, 0, 0, 0)

"""Turning whatever the caller passed as "the key" into jwtkit keys, once.

``encode``/``decode`` accept, as the tutorials do, a str/bytes secret for HMAC, PEM text, a
JWK dict, a ``cryptography`` key object, a :class:`Key`, a :class:`KeySet` or a key source
(a JWKS client: anything that is a :class:`KeySource`). Parsing is cached so that passing PEM
text on every call costs what passing a key object costs. A str/bytes "secret" that is really
a key (PEM, DER, OpenSSH, X.509, JWK) is refused for HMAC by ``OctKey.import_key``, the one
guard against the algorithm-confusion attack of CVE-2017-11424 / CVE-2022-29217.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Mapping
from functools import lru_cache, partial
from typing import Any, Protocol, runtime_checkable

from ._lru import BoundedLRU
from .errors import InvalidKeyError, InvalidOptionError
from .jwa import Algorithm, SignatureAlgorithm, get_signature_algorithm
from .jwk import Key, KeySet, OctKey

__all__ = [
    "AsyncKeySource",
    "KeyLookup",
    "KeySource",
    "Keys",
    "as_key_source",
    "async_key_source",
    "key_lookup",
    "keys_for",
    "resolve_key",
    "signing_key",
]


@runtime_checkable
class KeySource(Protocol):
    """Something asked for keys per token, such as :class:`jwtkit.JWKSClient`."""

    def get_key(self, kid: str) -> Key:
        """The key with this ``kid`` (:class:`jwtkit.KeyNotFoundError` if there is none)."""

    def get_key_set(self) -> KeySet:
        """Every key, for a token that names no ``kid``."""


class AsyncKeySource(Protocol):
    """The asyncio form of :class:`KeySource`, such as :class:`jwtkit.AsyncJWKSClient`."""

    async def get_key(self, kid: str) -> Key:
        """The key with this ``kid`` (:class:`jwtkit.KeyNotFoundError` if there is none)."""

    async def get_key_set(self) -> KeySet:
        """Every key, for a token that names no ``kid``."""


#: How a verifier finds the keys for one token, once the algorithm is chosen.
KeyLookup = Callable[[Algorithm, Mapping[str, Any]], "Key | KeySet"]
#: What a verifier holds: the keys themselves, or how to find them per token.
Keys = Key | KeySet | KeyLookup


_CACHE_SIZE = 128


_dict_keys = BoundedLRU(_CACHE_SIZE)
_object_keys = BoundedLRU(_CACHE_SIZE)


# A thread-safe LRU in C (refusals raise, so they are never cached).
@lru_cache(maxsize=_CACHE_SIZE)
def _text_key(data: str | bytes, for_hmac: bool) -> Key:
    try:
        raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    except UnicodeEncodeError:  # a lone surrogate: no text, so no key and no secret
        raise InvalidKeyError("Key text is not valid Unicode") from None
    if for_hmac:
        if not raw:
            raise InvalidKeyError("An HMAC secret must not be empty")
        # The one guard against a key's text used as a secret lives in OctKey.import_key.
        return OctKey.import_key(raw)
    return Key.import_key(raw)


def _dict_key(jwk: Mapping[str, Any]) -> Key | KeySet:
    # Dicts are not hashable; cache by identity and confirm with equality (cheap next to
    # parsing) so a dict mutated in place is re-parsed rather than served stale.
    entry = _dict_keys.recall(id(jwk))
    if entry is not None and entry[0] == jwk:
        cached: Key | KeySet = entry[1]
        return cached
    key = KeySet.from_dict(jwk) if "keys" in jwk else Key.from_dict(jwk)
    _dict_keys.remember(id(jwk), (copy.deepcopy(dict(jwk)), key))
    return key


def as_key_source(key_input: object) -> KeySource | None:
    """``key_input`` if it is a key source (sync or async), else None."""
    # hasattr first: the protocol's isinstance costs microseconds, and key objects are common.
    if hasattr(key_input, "get_key_set") and isinstance(key_input, KeySource):
        return key_input
    return None


def _is_async(source: KeySource) -> bool:
    both = (source.get_key, source.get_key_set)
    kinds = {inspect.iscoroutinefunction(method) for method in both}
    if len(kinds) != 1:
        raise InvalidOptionError(
            "A key source's get_key and get_key_set must both be async or both not"
        )
    return kinds == {True}


def async_key_source(key_input: object) -> AsyncKeySource | None:
    """``key_input`` if it is an async key source, else None."""
    source = as_key_source(key_input)
    if source is not None and _is_async(source):
        return source  # type: ignore[return-value]  # the same shape, awaited
    return None


def resolve_key(key_input: Any, for_hmac: bool) -> Key | KeySet:
    """A :class:`Key` or :class:`KeySet` for ``key_input``; parsing is cached."""
    kind = type(key_input)
    if kind is str or kind is bytes:  # the common inputs first, by exact type: cheapest
        return _text_key(key_input, for_hmac)
    if kind is dict:
        return _dict_key(key_input)
    if isinstance(key_input, (Key, KeySet)):  # a tuple: an inline union is built per call
        return key_input
    if isinstance(key_input, str | bytes | bytearray):
        return _text_key(
            bytes(key_input) if isinstance(key_input, bytearray) else key_input, for_hmac
        )
    if isinstance(key_input, Mapping):
        return _dict_key(key_input)  # a JWK, or a JWKS document ({"keys": [...]})
    if key_input is None:
        raise InvalidOptionError("A key is required")
    if as_key_source(key_input) is not None:
        raise InvalidOptionError(
            "A key source is asked per token: verify with it, it cannot sign or encrypt"
        )
    cached = _object_keys.recall(id(key_input))
    if cached is not None and cached[0] is key_input:
        resolved: Key = cached[1]
        return resolved
    resolved = Key.import_key(key_input)
    _object_keys.remember(id(key_input), (key_input, resolved))
    return resolved


def _from_source(
    source: KeySource, algorithm: SignatureAlgorithm, header: Mapping[str, Any]
) -> Key | KeySet:
    kid = header.get("kid")
    return source.get_key_set() if kid is None else source.get_key(kid)


def _from_input(
    key_input: Any, algorithm: SignatureAlgorithm, header: Mapping[str, Any]
) -> Key | KeySet:
    return resolve_key(key_input, for_hmac=algorithm.key_type == "oct")


def key_lookup(key_input: Any) -> Keys:
    """How to find the keys for a token, for whatever the caller passed as the key.

    Checked now, before any token is read: a missing key, an async source where a
    synchronous call needs keys, or a key object that does not import. Text is parsed once
    the token's algorithm is known (an HMAC secret and PEM text are read differently).
    """
    kind = type(key_input)
    if kind is str or kind is bytes or kind is dict:  # the common inputs, by exact type
        return partial(_from_input, key_input)
    if isinstance(key_input, _KEY_TYPES):
        return key_input
    if key_input is None:
        raise InvalidOptionError("A key is required")
    if isinstance(key_input, (str, bytes, bytearray, Mapping)):
        return partial(_from_input, key_input)
    source = as_key_source(key_input)
    if source is not None:
        if _is_async(source):
            raise InvalidOptionError("An async key source needs Verifier(...).verify_async")
        return partial(_from_source, source)
    return resolve_key(key_input, for_hmac=False)


def keys_for(keys: Keys, algorithm: Algorithm, header: Mapping[str, Any]) -> Key | KeySet:
    """The keys to try for a token whose algorithm is chosen: ``keys`` itself, or what its
    lookup answers (a secret parsed for HMAC, a key source asked for the token's ``kid``)."""
    if isinstance(keys, _KEY_TYPES):
        return keys
    return keys(algorithm, header)


_KEY_TYPES = (Key, KeySet)  # a tuple: an inline ``Key | KeySet`` is rebuilt on every call


def signing_key(key_input: Any, alg: object) -> tuple[Key, SignatureAlgorithm]:
    """The key and algorithm to sign with. Without ``alg``: the key's own ``alg``, or HS256
    for a secret given as str/bytes (as PyJWT does); anything else must name one."""
    if alg is None:
        if isinstance(key_input, Key):
            alg = key_input.alg
        elif isinstance(key_input, str | bytes | bytearray):
            alg = "HS256"
        elif key_input is not None and as_key_source(key_input) is None:
            resolved = resolve_key(key_input, for_hmac=False)
            alg = resolved.alg if isinstance(resolved, Key) else None
        if alg is None:
            raise InvalidOptionError(
                "An algorithm is required: pass one, or use a key that names its 'alg'"
            )
    algorithm = get_signature_algorithm(alg)
    key = resolve_key(key_input, for_hmac=algorithm.key_type == "oct")
    if not isinstance(key, Key):
        raise InvalidOptionError("Signing needs a single key, not a key set")
    return key, algorithm

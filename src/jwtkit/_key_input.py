"""Turning whatever the caller passed as "the key" into jwtkit keys, once.

``encode``/``decode`` accept, as the tutorials do, a str/bytes secret for HMAC, PEM text, a
JWK dict, a ``cryptography`` key object, a :class:`Key`, a :class:`KeySet` or a JWKS client.
Parsing is cached so that passing PEM text on every call costs what passing a key object
costs. A str/bytes "secret" that is really a public key (PEM, OpenSSH, X.509, JWK) is
refused for HMAC: that is the algorithm-confusion attack of CVE-2017-11424 / CVE-2022-29217.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from ._lru import BoundedLRU
from .errors import InvalidKeyError
from .jwk import Key, KeySet, OctKey

__all__ = ["looks_like_public_key", "resolve_key", "resolve_key_or_set"]

_CACHE_SIZE = 128
_PUBLIC_KEY_MARKERS = (
    b"-----BEGIN",
    b"ssh-",
    b"ecdsa-sha2-",
    b"sk-ssh-",
    b"sk-ecdsa-",
)


_dict_keys = BoundedLRU(_CACHE_SIZE)
_object_keys = BoundedLRU(_CACHE_SIZE)


def looks_like_public_key(data: bytes) -> bool:
    """Whether bytes offered as an HMAC secret are really a key in PEM, SSH, X.509 or JWK form."""
    stripped = data.strip()
    if stripped.startswith(_PUBLIC_KEY_MARKERS) or b"-----BEGIN" in stripped:
        return True
    if stripped.startswith(b"{") and b'"kty"' in stripped:
        return True
    # DER: an ASN.1 SEQUENCE that cryptography can read as a public key or certificate.
    if stripped[:1] == b"\x30":
        try:
            Key.import_key(data)
        except InvalidKeyError:
            return False
        return True
    return False


# A thread-safe LRU in C (refusals raise, so they are never cached).
@lru_cache(maxsize=_CACHE_SIZE)
def _text_key(data: str | bytes, for_hmac: bool) -> Key:
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    if for_hmac:
        if looks_like_public_key(raw):
            raise InvalidKeyError(
                "The key is a public key (PEM, SSH, X.509 or JWK) and must not be used "
                "as an HMAC secret"
            )
        if not raw:
            raise InvalidKeyError("An HMAC secret must not be empty")
        return OctKey(raw)
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


def resolve_key(key_input: Any, for_hmac: bool) -> Key | KeySet | Any:
    """A :class:`Key`, :class:`KeySet` or key source for ``key_input``; parsing is cached."""
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
    if hasattr(key_input, "get_signing_key") or hasattr(key_input, "get_key"):
        return key_input  # a JWKS client: asked per token, it caches on its own
    if key_input is None:
        raise InvalidKeyError("A key is required")
    cached = _object_keys.recall(id(key_input))
    if cached is not None and cached[0] is key_input:
        resolved: Key = cached[1]
        return resolved
    resolved = Key.import_key(key_input)
    _object_keys.remember(id(key_input), (key_input, resolved))
    return resolved


def resolve_key_or_set(key_input: Any, for_hmac: bool) -> Key | KeySet:
    """Like :func:`resolve_key`, but a key source (a JWKS client) is asked for its current
    set: for callers that need keys now and do not look a ``kid`` up through the source."""
    resolved = resolve_key(key_input, for_hmac)
    if isinstance(resolved, Key | KeySet):
        return resolved
    get_key_set = getattr(resolved, "get_key_set", None)
    if get_key_set is None:
        raise InvalidKeyError("Unsupported key source: it needs get_key_set()")
    key_set: KeySet = get_key_set()
    return key_set

"""The lean building blocks of the JWS verify path: parse, choose a key, check a signature.

``jws.verify``, ``jwt.decode``, ``Verifier`` and the PyJWT compatibility layer all call these
functions; there is exactly one copy of the hot path. Parsed protected headers are cached
by their base64url text (tokens from one issuer share a handful of headers), so a header is
decoded and validated once, not once per token.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from functools import lru_cache
from typing import Any

from ._codec import MAX_TOKEN_SIZE, b64url_decode, json_loads_object
from .errors import (
    DecodeError,
    InvalidAlgorithmError,
    InvalidSignatureError,
    KeyNotFoundError,
)
from .jwa import SignatureAlgorithm, get_signature_algorithm
from .jwk import Key, KeySet

__all__ = [
    "MAX_HEADER_SEGMENT",
    "UNDERSTOOD_CRITICAL",
    "check_header",
    "choose_algorithm",
    "parse_header_segment",
    "split_compact",
    "verification_keys",
    "verify_with_keys",
]

#: Header parameters jwtkit implements and therefore may appear in ``crit`` (RFC 7515 §4.1.11).
UNDERSTOOD_CRITICAL = frozenset({"b64"})
#: Largest protected header accepted, in base64url characters.
MAX_HEADER_SEGMENT = 8 * 1024
_HEADER_CACHE_SIZE = 256
_STRING_MEMBERS = ("alg", "kid", "typ", "cty", "jku", "x5u", "x5t", "x5t#S256", "enc", "zip")


def split_compact(token: object, what: str = "JWS") -> list[str]:
    """Split a compact token into its segments, with the size checked before any decoding."""
    if isinstance(token, bytes):
        try:
            token = token.decode("ascii")
        except UnicodeDecodeError:
            raise DecodeError(f"Invalid {what}: not ASCII") from None
    if not isinstance(token, str):
        raise DecodeError(f"Invalid {what}: a token must be str or bytes")
    if len(token) > MAX_TOKEN_SIZE:
        raise DecodeError(f"Invalid {what}: larger than {MAX_TOKEN_SIZE} bytes")
    return token.split(".")


def check_header(header: dict[str, Any], understood: Collection[str] = UNDERSTOOD_CRITICAL) -> None:
    """Structural checks every JOSE header gets: member types and ``crit``."""
    for name in _STRING_MEMBERS:
        value = header.get(name)
        if value is not None and type(value) is not str:
            raise DecodeError(f"Invalid header: {name!r} must be a string")
    if "b64" in header and type(header["b64"]) is not bool:
        raise DecodeError("Invalid header: 'b64' must be true or false")
    if "crit" in header:
        critical = header["crit"]
        if (
            type(critical) is not list
            or not critical
            or not all(type(name) is str and name for name in critical)
            or len(set(critical)) != len(critical)
        ):
            raise DecodeError("Invalid header: 'crit' must be a non-empty array of names")
        for name in critical:
            if name not in understood:
                raise DecodeError(f"Invalid header: critical parameter {name!r} not understood")
            if name not in header:
                raise DecodeError(f"Invalid header: critical parameter {name!r} is absent")
    elif "b64" in header:
        raise DecodeError("Invalid header: 'b64' must be listed in 'crit' (RFC 7797 §6)")


# A thread-safe LRU in C: a hit costs less than the function call it replaces.
@lru_cache(maxsize=_HEADER_CACHE_SIZE)
def parse_header_segment(segment: str) -> dict[str, Any]:
    """Decode and check a protected header; cached by its text. Do not mutate the result."""
    if len(segment) > MAX_HEADER_SEGMENT:
        raise DecodeError("Invalid header: too large")
    header = json_loads_object(b64url_decode(segment, "header"), "header")
    check_header(header)
    return header


def choose_algorithm(header: Mapping[str, Any], allowed: Collection[str]) -> SignatureAlgorithm:
    """The header's ``alg`` if the caller allowed it; the header never chooses on its own."""
    name = header.get("alg")
    if name is None:
        raise DecodeError("Invalid header: 'alg' is missing")
    if name not in allowed:
        raise InvalidAlgorithmError("The token's algorithm is not among the allowed algorithms")
    return get_signature_algorithm(name)


def verification_keys(
    keys: Key | KeySet, header: Mapping[str, Any], algorithm: SignatureAlgorithm
) -> tuple[Key, ...]:
    """The keys to try: the one key, the set's key named by ``kid``, or the set's keys that
    fit the algorithm when the token names no ``kid``. Header keys (jwk, jku, x5u, x5c) are
    never used: a token cannot vouch for itself."""
    if isinstance(keys, Key):
        return (keys,)
    kid = header.get("kid")
    if kid is not None:
        return (keys.get(kid),)
    found = keys.candidates(algorithm.key_type, algorithm.name, "sig")
    if not found:
        raise KeyNotFoundError("No key in the set fits the token's algorithm")
    return found


def verify_with_keys(
    algorithm: SignatureAlgorithm,
    candidates: tuple[Key, ...],
    signing_input: bytes,
    signature: bytes,
    allow_weak_keys: bool = False,
) -> Key:
    """Return the key whose signature check passes; raise if none does."""
    for key in candidates:
        try:
            material = key._material_for(algorithm, "verify", allow_weak_keys)
        except InvalidAlgorithmError:
            if len(candidates) == 1:
                raise
            continue  # among several candidates, one that does not fit is simply skipped
        if algorithm.verify(material, signing_input, signature):
            return key
    raise InvalidSignatureError("Signature verification failed")

"""The lean building blocks of the verify path: parse, choose the algorithm, pick the keys,
check the signature.

``jws.verify``, ``jws.verify_json``, ``jwt.decode``, ``Verifier`` and the PyJWT drop-in all
verify through :func:`verify_signature` (compact tokens through :func:`verify_compact`, which
calls it): there is exactly one copy of the hot path. JWE decryption shares the header
parsing, the algorithm choice and the key selection, parametrized where the two differ.
Parsed protected headers are cached by their base64url text (tokens from one issuer share a
handful of headers), so a header is decoded and validated once, not once per token.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from functools import lru_cache
from typing import Any, TypeVar

from ._codec import (
    MAX_TOKEN_SIZE,
    b64url_decode,
    b64url_encode,
    json_copy,
    json_dumps,
    json_loads_object,
)
from ._key_input import Keys
from .errors import (
    DecodeError,
    InsecureKeyError,
    InvalidAlgorithmError,
    InvalidOptionError,
    InvalidSignatureError,
    KeyNotFoundError,
)
from .jwa import Algorithm, SignatureAlgorithm, get_signature_algorithm
from .jwk import Key, KeySet

__all__ = [
    "MAX_HEADER_SEGMENT",
    "UNDERSTOOD_CRITICAL",
    "ParsedCompact",
    "check_header",
    "choose",
    "choose_algorithm",
    "encode_header",
    "header_copy",
    "mark_unencoded",
    "parse_compact",
    "parse_header_segment",
    "select_keys",
    "split_compact",
    "verify_compact",
    "verify_signature",
    "verify_with_keys",
]

#: Header parameters jwtkit implements and therefore may appear in ``crit`` (RFC 7515 §4.1.11).
UNDERSTOOD_CRITICAL = frozenset({"b64"})
#: Largest protected header accepted, in base64url characters.
MAX_HEADER_SEGMENT = 8 * 1024
_HEADER_CACHE_SIZE = 256
_STRING_MEMBERS = ("alg", "kid", "typ", "cty", "jku", "x5u", "x5t", "x5t#S256", "enc", "zip")
_T = TypeVar("_T")
_KEY_TYPES = (Key, KeySet)  # a tuple: an inline ``Key | KeySet`` is rebuilt on every call


#: A compact JWS split into its segments, with its protected header parsed:
#: ``(header_segment, payload_segment, signature_segment, header)``. A plain tuple, not a
#: NamedTuple: building one of those costs half a microsecond on the hot path.
ParsedCompact = tuple[str, str, str, dict[str, Any]]


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
    if not token.isascii():
        # Only an unencoded (b64=false) payload may be non-ASCII, and then it is UTF-8: a
        # lone surrogate is no text at all.
        try:
            token.encode("utf-8")
        except UnicodeEncodeError:
            raise DecodeError(f"Invalid {what}: not valid Unicode text") from None
    return token.split(".")


def parse_compact(token: object, what: str = "JWS") -> ParsedCompact:
    """The three segments of a compact JWS (or JWT) and its checked protected header."""
    # The usual token (ASCII text of sane size and three segments) skips the general checks.
    if type(token) is str and len(token) <= MAX_TOKEN_SIZE and token.isascii():
        segments = token.split(".")
    else:
        segments = split_compact(token, what)
    if len(segments) != 3:
        if len(segments) == 5:
            raise DecodeError(f"This is a JWE, not a {what}: decrypt it with jwtkit.jwe.decrypt")
        raise DecodeError(f"Invalid {what}: a compact {what} has three segments")
    header_segment, payload_segment, signature_segment = segments
    return header_segment, payload_segment, signature_segment, parse_header_segment(header_segment)


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
def parse_header_segment(
    segment: str,
    understood: frozenset[str] = UNDERSTOOD_CRITICAL,
    max_size: int = MAX_HEADER_SEGMENT,
) -> dict[str, Any]:
    """Decode and check a protected header; cached by its text. Do not mutate the result.

    JWS and JWE differ only in the ``crit`` names they understand and the size they allow.
    """
    if len(segment) > max_size:
        raise DecodeError("Invalid header: too large")
    header = json_loads_object(b64url_decode(segment, "header"), "header")
    check_header(header, understood)
    return header


def header_copy(header: Mapping[str, Any]) -> dict[str, Any]:
    """A caller's copy of a parsed header, deep where a value is a list or an object: parsed
    headers are cached and shared by every token that carries the same one, so editing what
    one caller was given must not change what the next token says."""
    copied = dict(header)
    for name, value in header.items():
        if type(value) is dict or type(value) is list:
            copied[name] = json_copy(value)
    return copied


def mark_unencoded(header: dict[str, Any]) -> None:
    """Make ``header`` announce an unencoded payload: ``b64: false``, listed in ``crit``."""
    critical = header.get("crit", [])
    if type(critical) is not list:
        raise InvalidOptionError("The header's 'crit' must be a list of names")
    header["b64"] = False
    header["crit"] = critical if "b64" in critical else [*critical, "b64"]


def encode_header(header: Mapping[str, Any]) -> bytes:
    """A header built from the caller's values, as base64url JSON: a value that is not JSON
    is the caller's mistake (:class:`InvalidOptionError`), found before anything is signed."""
    try:
        return b64url_encode(json_dumps(header))
    except (TypeError, ValueError) as error:
        raise InvalidOptionError(f"The header cannot be serialized as JSON: {error}") from None


def choose(
    header: Mapping[str, Any],
    allowed: Collection[str],
    member: str,
    lookup: Callable[[object], _T],
    what: str,
) -> _T:
    """The algorithm the header names in ``member``, if the caller allowed it: the header
    only picks among the caller's choices, it never chooses on its own."""
    name = header.get(member)
    if name is None:
        raise DecodeError(f"Invalid header: {member!r} is missing")
    if name not in allowed:
        raise InvalidAlgorithmError(f"The token's {member!r} is not among the allowed {what}")
    return lookup(name)


def choose_algorithm(header: Mapping[str, Any], allowed: Collection[str]) -> SignatureAlgorithm:
    """The JWS ``alg`` of ``header``, if the caller allowed it."""
    return choose(header, allowed, "alg", get_signature_algorithm, "algorithms")


def select_keys(
    keys: Key | KeySet,
    header: Mapping[str, Any],
    algorithm: Algorithm,
    use: str,
    alias: str | None = None,
) -> tuple[Key, ...]:
    """The keys to try: the one key, the set's key named by ``kid``, or the set's keys that
    fit the algorithm (``alias``: another name a key may be bound to) and ``use`` when the
    token names no ``kid``. Header keys (jwk, jku, x5u, x5c) are never used: a token cannot
    vouch for itself."""
    if isinstance(keys, Key):
        return (keys,)
    if use == "sig":
        keys.check_verifies_one_kind()
    kid = header.get("kid")
    if kid is not None:
        return (keys.get(kid),)
    found = keys.candidates(algorithm, use, alias)
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
    """Return the key whose signature check passes; raise if none does.

    Among several candidates (a token with no ``kid``), a key that does not fit or is too
    weak is passed over, not fatal: one such key in a set must not stop the others from
    verifying. If every candidate was refused, the first refusal says why.
    """
    if len(candidates) == 1:
        key = candidates[0]
        if algorithm.verify(
            key._material_for(algorithm, "verify", allow_weak_keys), signing_input, signature
        ):
            return key
        raise InvalidSignatureError("Signature verification failed")
    refused: InvalidAlgorithmError | InsecureKeyError | None = None
    tried = False
    for key in candidates:
        try:
            material = key._material_for(algorithm, "verify", allow_weak_keys)
        except (InvalidAlgorithmError, InsecureKeyError) as error:
            refused = refused or error
            continue
        tried = True
        if algorithm.verify(material, signing_input, signature):
            return key
    if refused is not None and not tried:
        raise refused
    raise InvalidSignatureError("Signature verification failed")


def verify_signature(
    header: Mapping[str, Any],
    signing_input: bytes,
    signature: bytes,
    allowed: Collection[str],
    keys: Keys,
    allow_weak_keys: bool = False,
) -> Key:
    """The one signature check: the allowed algorithm the header names, the keys for it
    (``keys``, or what its lookup answers), the key the header picks among them; return the
    key that verified."""
    algorithm = choose(header, allowed, "alg", get_signature_algorithm, "algorithms")
    # keys_for, inlined: this is the hot path, and the common case is keys already resolved.
    resolved = keys if isinstance(keys, _KEY_TYPES) else keys(algorithm, header)
    candidates = select_keys(resolved, header, algorithm, "sig")
    return verify_with_keys(algorithm, candidates, signing_input, signature, allow_weak_keys)


def verify_compact(
    parsed: ParsedCompact,
    keys: Keys,
    allowed: Collection[str],
    allow_weak_keys: bool = False,
    detached_payload: bytes | None = None,
    encoded_only: bool = False,
) -> tuple[bytes, bytes, Key]:
    """Verify a parsed compact JWS; return its payload, its signature and the key used.

    ``detached_payload`` supplies a payload left out of the token (RFC 7515 Appendix F);
    ``encoded_only`` refuses an unencoded (``b64: false``) payload, which a JWT never has.
    """
    header_segment, payload_segment, signature_segment, header = parsed
    encoded = header.get("b64", True)
    if not encoded and encoded_only:
        raise DecodeError("Invalid JWT: the payload must be base64url encoded")
    if detached_payload is None:
        payload = b64url_decode(payload_segment, "payload") if encoded else payload_segment.encode()
        signing_input = f"{header_segment}.{payload_segment}".encode()
    else:
        if payload_segment:
            raise DecodeError("Invalid JWS: a payload was given but the token carries one too")
        payload = detached_payload
        signing_input = (
            header_segment.encode("ascii") + b"." + (b64url_encode(payload) if encoded else payload)
        )
    signature = b64url_decode(signature_segment, "signature")
    key = verify_signature(header, signing_input, signature, allowed, keys, allow_weak_keys)
    return payload, signature, key

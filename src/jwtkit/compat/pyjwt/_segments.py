"""Reading a compact token the way PyJWT reads it, with PyJWT's messages, on jwtkit's codec.

PyJWT's checks run in PyJWT's order and fail with PyJWT's texts, which are API (consumers
such as flask-jwt-extended return them in HTTP responses). Every segment is decoded by
:mod:`jwtkit._codec` (canonical base64url, strict JSON) and every header also passes
:func:`jwtkit._compact.check_header`; where jwtkit refuses what PyJWT accepts (padding,
duplicate names, non-string ``typ``), that refusal is a deliberate difference and keeps
PyJWT's message for the same kind of failure when PyJWT has one.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from ... import _compact
from ..._codec import MAX_TOKEN_SIZE, b64url_decode, json_loads
from ...errors import DecodeError, InvalidTokenError

__all__ = ["check_header", "decode_segment", "load", "parse_json_object"]

#: Extensions PyJWT understands (and so does jwtkit): anything else in ``crit`` is refused.
_SUPPORTED_CRITICAL = frozenset({"b64"})


def decode_segment(segment: str, name: str) -> bytes:
    """A base64url segment; any refusal is PyJWT's ``Invalid {name} padding``."""
    try:
        return b64url_decode(segment, name)
    except DecodeError:
        raise DecodeError(f"Invalid {name} padding") from None


def parse_json_object(data: bytes, name: str) -> dict[str, Any]:
    """A JSON object (a header or a claims set), with PyJWT's texts for malformed JSON."""
    try:
        value = json_loads(data, f"{name} string")
    except DecodeError as strict_error:
        # Explain the refusal the way PyJWT would when PyJWT refuses it too; when only
        # jwtkit does (duplicate names, NaN, deep nesting, not UTF-8), keep jwtkit's reason.
        try:
            json.loads(data)
        except (ValueError, RecursionError) as error:
            raise DecodeError(f"Invalid {name} string: {error}") from None
        raise strict_error from None
    if type(value) is not dict:
        raise DecodeError(f"Invalid {name} string: must be a json object")
    return value


@lru_cache(maxsize=256)
def _header(segment: str) -> dict[str, Any]:
    # Tokens from one issuer share a handful of headers: decode each once (never mutated).
    # The size bound comes first: 256 cached headers of 256 KiB each would be 64 MiB that
    # anyone sending tokens could make this process hold.
    if len(segment) > _compact.MAX_HEADER_SEGMENT:
        raise DecodeError("Invalid header: too large")
    return parse_json_object(decode_segment(segment, "header"), "header")


def load(jwt: object) -> tuple[str, str, str, dict[str, Any]]:
    """Split ``jwt`` and decode its header (PyJWT's ``_load``); the payload and signature
    segments are returned undecoded, for the caller to decode when it needs them."""
    if isinstance(jwt, bytes):
        jwt = jwt.decode("latin-1")  # never fails; a non-ASCII byte fails its segment's decode
    if not isinstance(jwt, str):
        raise DecodeError(f"Invalid token type. Token must be a {bytes}")
    if len(jwt) > MAX_TOKEN_SIZE:
        raise DecodeError(f"Invalid token: larger than {MAX_TOKEN_SIZE} bytes")
    signing_input, dot, signature_segment = jwt.rpartition(".")
    header_segment, dot_two, payload_segment = signing_input.partition(".")
    if not dot or not dot_two:
        raise DecodeError("Not enough segments")
    header = _header(header_segment)
    if header.get("b64", True) is False:
        if payload_segment:
            raise DecodeError("Payload segment must be empty when 'b64' is false.")
    elif "." in payload_segment:
        raise DecodeError("Invalid payload padding")  # more than three segments
    return header_segment, payload_segment, signature_segment, header


def check_header(header: dict[str, Any]) -> None:
    """PyJWT's header checks with PyJWT's texts, then jwtkit's (member types, ``crit``)."""
    if "kid" in header and not isinstance(header["kid"], str):
        raise InvalidTokenError("Key ID header parameter must be a string")
    if "crit" in header:
        critical = header["crit"]
        if not isinstance(critical, list) or not critical:
            raise InvalidTokenError("Invalid 'crit' header: must be a non-empty list")
        for extension in critical:
            if not isinstance(extension, str):
                raise InvalidTokenError("Invalid 'crit' header: values must be strings")
            if extension not in _SUPPORTED_CRITICAL:
                raise InvalidTokenError(f"Unsupported critical extension: {extension}")
            if extension not in header:
                raise InvalidTokenError(f"Critical extension '{extension}' is missing from headers")
    if header.get("b64", True) is False and "b64" not in (header.get("crit") or ()):
        raise InvalidTokenError("The 'b64' header parameter requires 'b64' to be listed in 'crit'.")
    _compact.check_header(header)

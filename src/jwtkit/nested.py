"""Nested JWTs (RFC 7519 §5.2, §11.2): sign the claims, then encrypt the signed token.

Signing first and encrypting second means the signature covers the claims themselves and
the encryption hides both the claims and who signed them. The outer JWE carries
``cty: "JWT"`` so the receiver knows a JWT is inside; :func:`decode_encrypted` insists on it,
then verifies the inner token with every check :func:`jwtkit.decode` makes.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from . import jwe
from .errors import DecodeError
from .jwt import decode, encode

__all__ = ["decode_encrypted", "encode_encrypted"]


def encode_encrypted(
    claims: Mapping[str, Any],
    signing_key: Any,
    encryption_key: Any,
    *,
    algorithm: str | None = None,
    alg: str,
    enc: str,
    headers: Mapping[str, Any] | None = None,
    encryption_headers: Mapping[str, Any] | None = None,
) -> str:
    """Sign ``claims`` with ``signing_key`` (``algorithm``, e.g. ``"ES256"``), then encrypt
    the signed JWT to ``encryption_key`` (``alg``, e.g. ``"ECDH-ES+A256KW"``, and ``enc``).

    ``headers`` go into the inner JWS header, ``encryption_headers`` into the outer JWE's.
    """
    signed = encode(claims, signing_key, algorithm=algorithm, headers=headers)
    outer = {**(encryption_headers or {}), "cty": "JWT"}
    return jwe.encrypt(signed.encode("ascii"), encryption_key, alg, enc, headers=outer)


def decode_encrypted(
    token: str | bytes,
    decryption_key: Any,
    verification_key: Any,
    *,
    algorithms: Collection[str],
    key_algorithms: Collection[str],
    encryptions: Collection[str],
    **decode_kwargs: Any,
) -> dict[str, Any]:
    """Decrypt a nested JWT and verify the signed JWT inside; return its claims.

    ``key_algorithms`` and ``encryptions`` are the JWE ``alg``/``enc`` values accepted,
    ``algorithms`` the inner signature algorithms. ``decode_kwargs`` (``audience``,
    ``issuer``, ``leeway``, ``now``, ...) go to :func:`jwtkit.decode` for the inner token.
    """
    opened = jwe.decrypt(token, decryption_key, key_algorithms, encryptions)
    content_type = opened.header.get("cty")
    if not isinstance(content_type, str) or content_type.upper() != "JWT":
        raise DecodeError("Invalid nested JWT: the JWE's 'cty' header must be 'JWT'")
    return decode(opened.plaintext, verification_key, algorithms, **decode_kwargs)

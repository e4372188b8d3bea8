"""PyJWT's small helpers (``jwt.utils``), for code that imports them directly.

These are conveniences around the wire format (for example computing an OpenID Connect
``at_hash``). jwtkit's own verify path never calls them: tokens are decoded by
:mod:`jwtkit._codec`, which accepts only canonical base64url.
"""

from __future__ import annotations

import base64
import re

from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurve
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

__all__ = [
    "base64url_decode",
    "base64url_encode",
    "bytes_from_int",
    "bytes_to_number",
    "der_to_raw_signature",
    "force_bytes",
    "from_base64url_uint",
    "is_pem_format",
    "is_ssh_key",
    "number_to_bytes",
    "raw_to_der_signature",
    "to_base64url_uint",
]

_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----.*?-----END \1-----", re.DOTALL)
_SSH_PREFIXES = (
    b"ssh-ed25519",
    b"ssh-rsa",
    b"ssh-dss",
    b"ecdsa-sha2-nistp256",
    b"ecdsa-sha2-nistp384",
    b"ecdsa-sha2-nistp521",
)


def force_bytes(value: bytes | str) -> bytes:
    """UTF-8 bytes of a str; bytes unchanged; anything else is a TypeError."""
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, bytes):
        return value
    raise TypeError("Expected a string or bytes value")


def base64url_decode(input: bytes | str) -> bytes:
    """Decode base64url, padded or not (lenient, like PyJWT's helper)."""
    data = force_bytes(input)
    return base64.urlsafe_b64decode(data + b"=" * (-len(data) % 4))


def base64url_encode(input: bytes) -> bytes:
    """Encode as unpadded base64url."""
    return base64.urlsafe_b64encode(input).rstrip(b"=")


def bytes_from_int(val: int, *, bit_length: int | None = None) -> bytes:
    """Big-endian bytes of a non-negative integer, ``bit_length`` bits wide if given."""
    width = val.bit_length() if bit_length is None else bit_length
    return val.to_bytes((width + 7) // 8, "big", signed=False)


def to_base64url_uint(val: int, *, bit_length: int | None = None) -> bytes:
    """RFC 7518 Base64urlUInt of a non-negative integer (at least one byte)."""
    if val < 0:
        raise ValueError("Must be a positive integer")
    return base64url_encode(bytes_from_int(val, bit_length=bit_length) or b"\x00")


def from_base64url_uint(val: bytes | str) -> int:
    """The integer a Base64urlUInt encodes."""
    return int.from_bytes(base64url_decode(force_bytes(val)), "big")


def number_to_bytes(num: int, num_bytes: int) -> bytes:
    """``num`` as exactly ``num_bytes`` big-endian bytes."""
    return num.to_bytes(num_bytes, "big")


def bytes_to_number(string: bytes) -> int:
    """The big-endian unsigned integer in ``string``."""
    return int.from_bytes(string, "big")


def der_to_raw_signature(der_sig: bytes, curve: EllipticCurve) -> bytes:
    """An ECDSA signature in DER as the JWS form R || S."""
    size = (curve.key_size + 7) // 8
    r, s = decode_dss_signature(der_sig)
    return number_to_bytes(r, size) + number_to_bytes(s, size)


def raw_to_der_signature(raw_sig: bytes, curve: EllipticCurve) -> bytes:
    """A JWS ECDSA signature R || S as DER; a wrong length is a ValueError."""
    size = (curve.key_size + 7) // 8
    if len(raw_sig) != 2 * size:
        raise ValueError("Invalid signature")
    return encode_dss_signature(bytes_to_number(raw_sig[:size]), bytes_to_number(raw_sig[size:]))


def is_pem_format(key: bytes) -> bool:
    """Whether ``key`` holds a PEM block (BEGIN and matching END lines)."""
    return _PEM_BLOCK.search(key) is not None


def is_ssh_key(key: bytes) -> bool:
    """Whether ``key`` starts like an OpenSSH public key."""
    return key.startswith(_SSH_PREFIXES)

"""PBES2-HS256+A128KW, PBES2-HS384+A192KW, PBES2-HS512+A256KW (RFC 7518 §4.8): a password,
stretched with PBKDF2, wraps the CEK with AES Key Wrap.

The iteration count ``p2c`` comes from the token, so it is bounded on both sides before any
work is done: too high is a denial of service (CVE-2023-6681, CVE-2022-36083), too low makes
the password cheap to guess.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from .._codec import b64url_decode, b64url_encode
from ..errors import DecodeError, InvalidKeyError
from ._jwe_base import (
    ContentEncryptionAlgorithm,
    DecryptionPolicy,
    EncryptionInputs,
    KeyManagementAlgorithm,
)
from .aeskw import unwrap_key, wrap_key

__all__ = [
    "PBES2_DEFAULT_COUNT",
    "PBES2_HS256_A128KW",
    "PBES2_HS384_A192KW",
    "PBES2_HS512_A256KW",
    "PBES2_MIN_COUNT",
    "PBES2Algorithm",
]

#: Smallest ``p2c`` accepted in either direction (RFC 7518 §4.8.1.2 recommends 1000).
PBES2_MIN_COUNT = 1000
#: ``p2c`` used when the caller does not set one in the header.
PBES2_DEFAULT_COUNT = 210_000
#: Salt input length drawn for ``p2s`` (RFC 7518 §4.8.1.1 asks for at least 8 bytes).
_SALT_SIZE = 16
_MIN_SALT_SIZE = 8


class PBES2Algorithm(KeyManagementAlgorithm):
    """PBKDF2-HMAC-SHA-2 key derivation followed by AES Key Wrap."""

    key_type = "oct"
    key_types = frozenset({"oct"})
    header_parameters = frozenset({"p2s", "p2c"})

    def __init__(self, name: str, hash_algorithm: hashes.HashAlgorithm, kek_size: int) -> None:
        self.name = name
        self._hash = hash_algorithm
        self.kek_size = kek_size
        self._salt_prefix = name.encode("ascii") + b"\x00"

    def _kek(self, password: bytes, salt_input: bytes, count: int) -> bytes:
        kdf = PBKDF2HMAC(
            algorithm=self._hash,
            length=self.kek_size,
            salt=self._salt_prefix + salt_input,
            iterations=count,
        )
        return kdf.derive(password)

    def wrap(
        self,
        key: bytes,
        enc: ContentEncryptionAlgorithm,
        cek: bytes | None,
        header: Mapping[str, Any],
        inputs: EncryptionInputs,
    ) -> tuple[bytes, bytes, dict[str, Any]]:
        count = header.get("p2c", PBES2_DEFAULT_COUNT)
        if type(count) is not int or count < PBES2_MIN_COUNT:
            raise InvalidKeyError(f"'p2c' must be an integer of at least {PBES2_MIN_COUNT}")
        salt_input = inputs.p2s if inputs.p2s is not None else os.urandom(_SALT_SIZE)
        cek = self.new_cek(enc, inputs) if cek is None else cek
        encrypted_key = wrap_key(self._kek(key, salt_input, count), cek)
        parameters = {"p2s": b64url_encode(salt_input).decode("ascii"), "p2c": count}
        return cek, encrypted_key, parameters

    def unwrap(
        self,
        key: bytes,
        encrypted_key: bytes,
        enc: ContentEncryptionAlgorithm,
        header: Mapping[str, Any],
        policy: DecryptionPolicy,
    ) -> bytes:
        count = header.get("p2c")
        if type(count) is not int:
            raise DecodeError("Invalid header: 'p2c' must be an integer")
        if count < PBES2_MIN_COUNT:
            raise DecodeError(f"Invalid header: 'p2c' is below the minimum of {PBES2_MIN_COUNT}")
        if count > policy.pbes2_max_count:
            raise DecodeError(
                f"Invalid header: 'p2c' exceeds the limit of {policy.pbes2_max_count} iterations"
            )
        salt_member = header.get("p2s")
        if type(salt_member) is not str:
            raise DecodeError("Invalid header: 'p2s' must be a string")
        salt_input = b64url_decode(salt_member, "header 'p2s'")
        if len(salt_input) < _MIN_SALT_SIZE:
            raise DecodeError(f"Invalid header: 'p2s' must be at least {_MIN_SALT_SIZE} bytes")
        policy.spend_pbes2(count)  # per message, not per recipient or key tried
        return unwrap_key(self._kek(key, salt_input, count), encrypted_key)

    def generate_key(self) -> bytes:
        # A random password: callers normally bring their own.
        return b64url_encode(os.urandom(24))


PBES2_HS256_A128KW = PBES2Algorithm("PBES2-HS256+A128KW", hashes.SHA256(), 16)
PBES2_HS384_A192KW = PBES2Algorithm("PBES2-HS384+A192KW", hashes.SHA384(), 24)
PBES2_HS512_A256KW = PBES2Algorithm("PBES2-HS512+A256KW", hashes.SHA512(), 32)

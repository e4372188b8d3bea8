"""A128KW, A192KW, A256KW (RFC 7518 §4.4): the CEK wrapped with AES Key Wrap (RFC 3394).

The wrapping key must be exactly the size the name says: AES Key Wrap would happily run
with a longer key, which would make "A128KW" silently mean AES-256.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

from ..errors import InvalidKeyError
from ._jwe_base import (
    ContentEncryptionAlgorithm,
    DecryptionPolicy,
    EncryptionInputs,
    KeyManagementAlgorithm,
    decryption_failed,
)

__all__ = ["A128KW", "A192KW", "A256KW", "AESKeyWrapAlgorithm", "unwrap_key", "wrap_key"]


def wrap_key(kek: bytes, cek: bytes) -> bytes:
    """AES Key Wrap of ``cek`` under ``kek``."""
    return aes_key_wrap(kek, cek)


def unwrap_key(kek: bytes, wrapped: bytes) -> bytes:
    """AES Key Unwrap; any failure is the one generic decryption error."""
    if len(wrapped) < 24 or len(wrapped) % 8:
        raise decryption_failed()
    try:
        return aes_key_unwrap(kek, wrapped)
    except (InvalidUnwrap, ValueError):
        raise decryption_failed() from None


class AESKeyWrapAlgorithm(KeyManagementAlgorithm):
    """AES Key Wrap with a shared symmetric key of a fixed size."""

    key_type = "oct"
    key_types = frozenset({"oct"})

    def __init__(self, name: str, size: int) -> None:
        self.name = name
        self.min_key_size = self.kek_size = size

    def wrap(
        self,
        key: bytes,
        enc: ContentEncryptionAlgorithm,
        cek: bytes | None,
        header: Mapping[str, Any],
        inputs: EncryptionInputs,
    ) -> tuple[bytes, bytes, dict[str, Any]]:
        if len(key) != self.kek_size:
            raise InvalidKeyError(f"{self.name} needs a key of exactly {self.kek_size} bytes")
        cek = self.new_cek(enc, inputs) if cek is None else cek
        return cek, wrap_key(key, cek), {}

    def unwrap(
        self,
        key: bytes,
        encrypted_key: bytes,
        enc: ContentEncryptionAlgorithm,
        header: Mapping[str, Any],
        policy: DecryptionPolicy,
    ) -> bytes:
        if len(key) != self.kek_size:
            raise decryption_failed()
        return unwrap_key(key, encrypted_key)

    def generate_key(self) -> bytes:
        return os.urandom(self.kek_size)


A128KW = AESKeyWrapAlgorithm("A128KW", 16)
A192KW = AESKeyWrapAlgorithm("A192KW", 24)
A256KW = AESKeyWrapAlgorithm("A256KW", 32)

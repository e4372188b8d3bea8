"""``dir`` (RFC 7518 §4.5): the shared symmetric key is the CEK itself.

The key must be exactly as long as the content encryption needs; the Encrypted Key is empty.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from ..errors import InvalidKeyError
from ._jwe_base import (
    ContentEncryptionAlgorithm,
    DecryptionPolicy,
    EncryptionInputs,
    KeyManagementAlgorithm,
    decryption_failed,
)

__all__ = ["DIR", "DirectEncryption"]


class DirectEncryption(KeyManagementAlgorithm):
    """Direct use of a shared key as the CEK."""

    name = "dir"
    key_type = "oct"
    key_types = frozenset({"oct"})
    encrypt_operation = "encrypt"
    decrypt_operation = "decrypt"
    direct = True

    def wrap(
        self,
        key: bytes,
        enc: ContentEncryptionAlgorithm,
        cek: bytes | None,
        header: Mapping[str, Any],
        inputs: EncryptionInputs,
    ) -> tuple[bytes, bytes, dict[str, Any]]:
        if cek is not None:
            raise InvalidKeyError("dir cannot share a JWE with other recipients")
        if len(key) != enc.key_size:
            raise InvalidKeyError(
                f"dir with {enc.name} needs a key of exactly {enc.key_size} bytes"
            )
        return key, b"", {}

    def unwrap(
        self,
        key: bytes,
        encrypted_key: bytes,
        enc: ContentEncryptionAlgorithm,
        header: Mapping[str, Any],
        policy: DecryptionPolicy,
    ) -> bytes:
        if encrypted_key or len(key) != enc.key_size:
            raise decryption_failed()
        return key

    def generate_key(self) -> bytes:
        # Sized for A256GCM; for another enc generate with its name (Key.generate("A128GCM")).
        return os.urandom(32)


DIR = DirectEncryption()

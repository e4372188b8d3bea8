"""A128GCMKW, A192GCMKW, A256GCMKW (RFC 7518 §4.7): the CEK encrypted with AES-GCM.

The 96-bit IV and the 128-bit tag of the key encryption travel in the header as ``iv`` and
``tag``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .._codec import b64url_decode, b64url_encode
from ..errors import InvalidKeyError, JWTKitError
from ._jwe_base import (
    ContentEncryptionAlgorithm,
    DecryptionPolicy,
    EncryptionInputs,
    KeyManagementAlgorithm,
    decryption_failed,
)

__all__ = ["A128GCMKW", "A192GCMKW", "A256GCMKW", "AESGCMKeyWrapAlgorithm"]

_IV_SIZE = 12
_TAG_SIZE = 16


def _header_bytes(header: Mapping[str, Any], name: str, size: int) -> bytes:
    value = header.get(name)
    if type(value) is not str:
        raise decryption_failed()
    try:
        raw = b64url_decode(value, name)
    except JWTKitError:
        raise decryption_failed() from None
    if len(raw) != size:
        raise decryption_failed()
    return raw


class AESGCMKeyWrapAlgorithm(KeyManagementAlgorithm):
    """AES-GCM key encryption with a shared symmetric key of a fixed size."""

    key_type = "oct"
    key_types = frozenset({"oct"})
    header_parameters = frozenset({"iv", "tag"})

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
        iv = inputs.wrap_iv if inputs.wrap_iv is not None else os.urandom(_IV_SIZE)
        sealed = AESGCM(key).encrypt(iv, cek, None)
        parameters = {
            "tag": b64url_encode(sealed[-_TAG_SIZE:]).decode("ascii"),
            "iv": b64url_encode(iv).decode("ascii"),
        }
        return cek, sealed[:-_TAG_SIZE], parameters

    def unwrap(
        self,
        key: bytes,
        encrypted_key: bytes,
        enc: ContentEncryptionAlgorithm,
        header: Mapping[str, Any],
        policy: DecryptionPolicy,
    ) -> bytes:
        iv = _header_bytes(header, "iv", _IV_SIZE)
        tag = _header_bytes(header, "tag", _TAG_SIZE)
        if len(key) != self.kek_size:
            raise decryption_failed()
        try:
            return AESGCM(key).decrypt(iv, encrypted_key + tag, None)
        except InvalidTag:
            raise decryption_failed() from None

    def generate_key(self) -> bytes:
        return os.urandom(self.kek_size)


A128GCMKW = AESGCMKeyWrapAlgorithm("A128GCMKW", 16)
A192GCMKW = AESGCMKeyWrapAlgorithm("A192GCMKW", 24)
A256GCMKW = AESGCMKeyWrapAlgorithm("A256GCMKW", 32)

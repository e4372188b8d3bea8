"""RSA key encryption (RFC 7518 §4.2, §4.3): RSA-OAEP with SHA-1, SHA-256, SHA-384, SHA-512,
and RSA1_5 for reading old tokens only.

RSAES-PKCS1-v1_5 is open to Bleichenbacher's padding oracle. jwtkit never encrypts with it,
accepts it only when the caller names ``"RSA1_5"`` in ``algorithms``, and follows
RFC 7516 §11.5: when unwrapping fails, or yields a key of the wrong length, a random CEK
takes its place, so the failure surfaces later as the same authentication error as any
other tampering.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from ..errors import UnsupportedAlgorithmError
from ._jwe_base import (
    ContentEncryptionAlgorithm,
    DecryptionPolicy,
    EncryptionInputs,
    KeyManagementAlgorithm,
    decryption_failed,
)
from .rsa import RSA_MIN_BITS

__all__ = [
    "RSA1_5",
    "RSA_OAEP",
    "RSA_OAEP_256",
    "RSA_OAEP_384",
    "RSA_OAEP_512",
    "RSAES15Algorithm",
    "RSAOAEPAlgorithm",
]


class _RSAKeyEncryption(KeyManagementAlgorithm):
    key_type = "RSA"
    key_types = frozenset({"RSA"})
    min_key_size = RSA_MIN_BITS

    def generate_key(self) -> rsa.RSAPrivateKey:
        return rsa.generate_private_key(public_exponent=65537, key_size=RSA_MIN_BITS)


class RSAOAEPAlgorithm(_RSAKeyEncryption):
    """RSAES-OAEP; MGF1 uses the same hash as OAEP (RFC 7518 §4.3, RFC 9864 names)."""

    def __init__(self, name: str, hash_algorithm: hashes.HashAlgorithm) -> None:
        self.name = name
        self._padding = padding.OAEP(padding.MGF1(hash_algorithm), hash_algorithm, None)

    def wrap(
        self,
        key: rsa.RSAPublicKey,
        enc: ContentEncryptionAlgorithm,
        cek: bytes | None,
        header: Mapping[str, Any],
        inputs: EncryptionInputs,
    ) -> tuple[bytes, bytes, dict[str, Any]]:
        cek = self.new_cek(enc, inputs) if cek is None else cek
        return cek, key.encrypt(cek, self._padding), {}

    def unwrap(
        self,
        key: rsa.RSAPrivateKey,
        encrypted_key: bytes,
        enc: ContentEncryptionAlgorithm,
        header: Mapping[str, Any],
        policy: DecryptionPolicy,
    ) -> bytes:
        try:
            return key.decrypt(encrypted_key, self._padding)
        except ValueError:
            raise decryption_failed() from None


class RSAES15Algorithm(_RSAKeyEncryption):
    """RSAES-PKCS1-v1_5, decryption only, with the random-CEK defence of RFC 7516 §11.5."""

    name = "RSA1_5"
    decrypt_only = True

    def wrap(
        self,
        key: rsa.RSAPublicKey,
        enc: ContentEncryptionAlgorithm,
        cek: bytes | None,
        header: Mapping[str, Any],
        inputs: EncryptionInputs,
    ) -> tuple[bytes, bytes, dict[str, Any]]:
        raise UnsupportedAlgorithmError(
            "RSA1_5 is accepted for decrypting old tokens only; encrypt with RSA-OAEP-256"
        )

    def unwrap(
        self,
        key: rsa.RSAPrivateKey,
        encrypted_key: bytes,
        enc: ContentEncryptionAlgorithm,
        header: Mapping[str, Any],
        policy: DecryptionPolicy,
    ) -> bytes:
        # Drawn before trying, and used whatever went wrong: no branch reveals the padding.
        substitute = os.urandom(enc.key_size)
        try:
            cek = key.decrypt(encrypted_key, padding.PKCS1v15())
        except ValueError:
            cek = substitute
        return cek if len(cek) == enc.key_size else substitute


# RFC 7518 §4.3 fixes SHA-1 for "RSA-OAEP"; inside OAEP it needs no collision resistance.
RSA_OAEP = RSAOAEPAlgorithm("RSA-OAEP", hashes.SHA1())  # noqa: S303
RSA_OAEP_256 = RSAOAEPAlgorithm("RSA-OAEP-256", hashes.SHA256())
RSA_OAEP_384 = RSAOAEPAlgorithm("RSA-OAEP-384", hashes.SHA384())
RSA_OAEP_512 = RSAOAEPAlgorithm("RSA-OAEP-512", hashes.SHA512())
RSA1_5 = RSAES15Algorithm()

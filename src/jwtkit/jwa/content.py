"""JWE content encryption (RFC 7518 §5): A128/192/256CBC-HS256/384/512 and A128/192/256GCM.

The CBC-HMAC family is encrypt-then-MAC (RFC 7518 §5.2.2): the tag is checked, in constant
time, before anything is decrypted, so padding errors are never observable. Every failure
raises the same :class:`DecryptionError`.
"""

from __future__ import annotations

import hmac

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ._jwe_base import ContentEncryptionAlgorithm, decryption_failed

__all__ = [
    "A128CBC_HS256",
    "A128GCM",
    "A192CBC_HS384",
    "A192GCM",
    "A256CBC_HS512",
    "A256GCM",
    "AESCBCHMACAlgorithm",
    "AESGCMAlgorithm",
]


class AESCBCHMACAlgorithm(ContentEncryptionAlgorithm):
    """AES-CBC with PKCS#7 padding, authenticated by a truncated HMAC-SHA-2 (RFC 7518 §5.2)."""

    iv_size = 16

    def __init__(self, name: str, key_size: int, digest: str) -> None:
        self.name = name
        self.key_size = self.min_key_size = key_size
        self._half = key_size // 2
        self._digest = digest

    def _tag(self, mac_key: bytes, aad: bytes, iv: bytes, ciphertext: bytes) -> bytes:
        # AL: the AAD length in bits as a 64-bit big-endian integer (RFC 7518 §5.2.2.1).
        length = (len(aad) * 8).to_bytes(8, "big")
        return hmac.digest(mac_key, aad + iv + ciphertext + length, self._digest)[: self._half]

    def encrypt(self, cek: bytes, iv: bytes, plaintext: bytes, aad: bytes) -> tuple[bytes, bytes]:
        mac_key, encryption_key = cek[: self._half], cek[self._half :]
        padder = padding.PKCS7(128).padder()
        padded = padder.update(plaintext) + padder.finalize()
        encryptor = Cipher(algorithms.AES(encryption_key), modes.CBC(iv)).encryptor()
        ciphertext = encryptor.update(padded) + encryptor.finalize()
        return ciphertext, self._tag(mac_key, aad, iv, ciphertext)

    def decrypt(self, cek: bytes, iv: bytes, ciphertext: bytes, tag: bytes, aad: bytes) -> bytes:
        if (
            len(cek) != self.key_size
            or len(iv) != self.iv_size
            or not ciphertext
            or len(ciphertext) % 16
        ):
            raise decryption_failed()
        mac_key, encryption_key = cek[: self._half], cek[self._half :]
        if not hmac.compare_digest(self._tag(mac_key, aad, iv, ciphertext), tag):
            raise decryption_failed()
        decryptor = Cipher(algorithms.AES(encryption_key), modes.CBC(iv)).decryptor()
        padded = decryptor.update(ciphertext) + decryptor.finalize()
        unpadder = padding.PKCS7(128).unpadder()
        try:
            return unpadder.update(padded) + unpadder.finalize()
        except ValueError:
            raise decryption_failed() from None


class AESGCMAlgorithm(ContentEncryptionAlgorithm):
    """AES-GCM with a 96-bit IV and a 128-bit tag (RFC 7518 §5.3)."""

    iv_size = 12
    tag_size = 16

    def __init__(self, name: str, key_size: int) -> None:
        self.name = name
        self.key_size = self.min_key_size = key_size

    def encrypt(self, cek: bytes, iv: bytes, plaintext: bytes, aad: bytes) -> tuple[bytes, bytes]:
        sealed = AESGCM(cek).encrypt(iv, plaintext, aad)
        return sealed[: -self.tag_size], sealed[-self.tag_size :]

    def decrypt(self, cek: bytes, iv: bytes, ciphertext: bytes, tag: bytes, aad: bytes) -> bytes:
        if len(cek) != self.key_size or len(iv) != self.iv_size or len(tag) != self.tag_size:
            raise decryption_failed()
        try:
            return AESGCM(cek).decrypt(iv, ciphertext + tag, aad)
        except InvalidTag:
            raise decryption_failed() from None


A128CBC_HS256 = AESCBCHMACAlgorithm("A128CBC-HS256", 32, "sha256")
A192CBC_HS384 = AESCBCHMACAlgorithm("A192CBC-HS384", 48, "sha384")
A256CBC_HS512 = AESCBCHMACAlgorithm("A256CBC-HS512", 64, "sha512")
A128GCM = AESGCMAlgorithm("A128GCM", 16)
A192GCM = AESGCMAlgorithm("A192GCM", 24)
A256GCM = AESGCMAlgorithm("A256GCM", 32)

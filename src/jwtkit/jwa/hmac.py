"""HS256, HS384, HS512 (RFC 7518 §3.2): HMAC with SHA-2 over a shared secret."""

from __future__ import annotations

import hmac
import os

from ._base import SignatureAlgorithm

__all__ = ["HS256", "HS384", "HS512", "HMACAlgorithm"]


class HMACAlgorithm(SignatureAlgorithm):
    """HMAC-SHA-2; the secret must be at least as long as the hash output (RFC 7518 §3.2)."""

    key_type = "oct"

    def __init__(self, name: str, digest: str, size: int) -> None:
        self.name = name
        self.digest = digest
        self.min_key_size = size

    def sign(self, key: bytes, signing_input: bytes) -> bytes:
        return hmac.digest(key, signing_input, self.digest)

    def verify(self, key: bytes, signing_input: bytes, signature: bytes) -> bool:
        return hmac.compare_digest(hmac.digest(key, signing_input, self.digest), signature)

    def generate_key(self) -> bytes:
        return os.urandom(self.min_key_size)


HS256 = HMACAlgorithm("HS256", "sha256", 32)
HS384 = HMACAlgorithm("HS384", "sha384", 48)
HS512 = HMACAlgorithm("HS512", "sha512", 64)

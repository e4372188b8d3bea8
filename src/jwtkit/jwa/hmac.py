"""HS256, HS384, HS512 (RFC 7518 §3.2): HMAC with SHA-2 over a shared secret."""

from __future__ import annotations

import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.hmac import HMAC

from ._base import SignatureAlgorithm

__all__ = ["HS256", "HS384", "HS512", "HMACAlgorithm"]


@lru_cache(maxsize=64)
def _keyed_hmac(key: bytes, digest: str) -> HMAC:
    """An HMAC with the key already absorbed: copying it skips the two key-pad hash blocks
    every message would otherwise pay for. Never updated itself; a bounded LRU per secret."""
    return HMAC(key, getattr(hashes, digest.upper())())


class HMACAlgorithm(SignatureAlgorithm):
    """HMAC-SHA-2; the secret must be at least as long as the hash output (RFC 7518 §3.2)."""

    key_type = "oct"

    def __init__(self, name: str, digest: str, size: int) -> None:
        self.name = name
        self.digest = digest
        self.min_key_size = size

    def sign(self, key: bytes, signing_input: bytes) -> bytes:
        mac = _keyed_hmac(key, self.digest).copy()
        mac.update(signing_input)
        return mac.finalize()

    def verify(self, key: bytes, signing_input: bytes, signature: bytes) -> bool:
        mac = _keyed_hmac(key, self.digest).copy()
        mac.update(signing_input)
        return hmac.compare_digest(mac.finalize(), signature)

    def generate_key(self) -> bytes:
        return os.urandom(self.min_key_size)


HS256 = HMACAlgorithm("HS256", "sha256", 32)
HS384 = HMACAlgorithm("HS384", "sha384", 48)
HS512 = HMACAlgorithm("HS512", "sha512", 64)

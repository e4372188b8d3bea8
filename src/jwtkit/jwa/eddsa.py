"""EdDSA (RFC 8037 §3.1) and the fully-specified ``Ed25519`` / ``Ed448`` names (RFC 9864).

``EdDSA`` accepts either curve (the key decides); ``Ed25519`` and ``Ed448`` each pin one curve,
which is what RFC 9864 recommends for new deployments.
"""

from __future__ import annotations

from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed448, ed25519

from ._base import SignatureAlgorithm

__all__ = ["ED448", "ED25519", "EDDSA", "EdDSAAlgorithm"]

_GENERATORS: dict[str, Any] = {
    "Ed25519": ed25519.Ed25519PrivateKey.generate,
    "Ed448": ed448.Ed448PrivateKey.generate,
}


class EdDSAAlgorithm(SignatureAlgorithm):
    """Pure EdDSA over the whole signing input."""

    key_type = "OKP"

    def __init__(self, name: str, curves: frozenset[str]) -> None:
        self.name = name
        self.curves = curves

    def sign(
        self, key: ed25519.Ed25519PrivateKey | ed448.Ed448PrivateKey, signing_input: bytes
    ) -> bytes:
        return key.sign(signing_input)

    def verify(
        self,
        key: ed25519.Ed25519PublicKey | ed448.Ed448PublicKey,
        signing_input: bytes,
        signature: bytes,
    ) -> bool:
        try:
            key.verify(signature, signing_input)
        except InvalidSignature:
            return False
        return True

    def generate_key(self) -> ed25519.Ed25519PrivateKey | ed448.Ed448PrivateKey:
        # "EdDSA" alone generates Ed25519: smaller, faster and what RFC 9864 favours.
        curve = "Ed25519" if "Ed25519" in self.curves else "Ed448"
        key: ed25519.Ed25519PrivateKey | ed448.Ed448PrivateKey = _GENERATORS[curve]()
        return key


EDDSA = EdDSAAlgorithm("EdDSA", frozenset({"Ed25519", "Ed448"}))
ED25519 = EdDSAAlgorithm("Ed25519", frozenset({"Ed25519"}))
ED448 = EdDSAAlgorithm("Ed448", frozenset({"Ed448"}))

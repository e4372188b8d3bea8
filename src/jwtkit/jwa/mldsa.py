"""ML-DSA-44, ML-DSA-65, ML-DSA-87 (FIPS 204) for JOSE, RFC 9964.

Keys are ``kty: "AKP"`` and always carry their ``alg``: one ML-DSA parameter set per key.
Signatures use the empty context string, as RFC 9964 §3 requires.
"""

from __future__ import annotations

from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import mldsa

from ._base import SignatureAlgorithm

__all__ = ["ML_DSA_44", "ML_DSA_65", "ML_DSA_87", "MLDSAAlgorithm"]


class MLDSAAlgorithm(SignatureAlgorithm):
    """One ML-DSA parameter set, bound to AKP keys whose ``alg`` is this name."""

    key_type = "AKP"

    def __init__(self, name: str, private_class: Any, public_class: Any, public_size: int) -> None:
        self.name = name
        self.private_class = private_class
        self.public_class = public_class
        self.public_size = public_size

    def sign(self, key: Any, signing_input: bytes) -> bytes:
        signature: bytes = key.sign(signing_input)
        return signature

    def verify(self, key: Any, signing_input: bytes, signature: bytes) -> bool:
        try:
            key.verify(signature, signing_input)
        except InvalidSignature:
            return False
        return True

    def generate_key(self) -> Any:
        return self.private_class.generate()


ML_DSA_44 = MLDSAAlgorithm("ML-DSA-44", mldsa.MLDSA44PrivateKey, mldsa.MLDSA44PublicKey, 1312)
ML_DSA_65 = MLDSAAlgorithm("ML-DSA-65", mldsa.MLDSA65PrivateKey, mldsa.MLDSA65PublicKey, 1952)
ML_DSA_87 = MLDSAAlgorithm("ML-DSA-87", mldsa.MLDSA87PrivateKey, mldsa.MLDSA87PublicKey, 2592)

"""RS256/384/512 (RSASSA-PKCS1-v1_5) and PS256/384/512 (RSASSA-PSS), RFC 7518 §3.3 and §3.5."""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from ._base import SignatureAlgorithm

__all__ = ["PS256", "PS384", "PS512", "RS256", "RS384", "RS512", "RSASignatureAlgorithm"]

#: Size of the modulus jwtkit generates and the smallest it accepts by default (RFC 7518 §3.3).
RSA_MIN_BITS = 2048


class RSASignatureAlgorithm(SignatureAlgorithm):
    """RSA signatures; the padding and hash objects are built once and reused."""

    key_type = "RSA"
    min_key_size = RSA_MIN_BITS

    def __init__(self, name: str, hash_algorithm: hashes.HashAlgorithm, pss: bool) -> None:
        self.name = name
        self._hash = hash_algorithm
        # RFC 7518 §3.5: the PSS salt is as long as the hash output, MGF1 uses the same hash.
        self._padding: padding.AsymmetricPadding = (
            padding.PSS(padding.MGF1(hash_algorithm), hash_algorithm.digest_size)
            if pss
            else padding.PKCS1v15()
        )

    def sign(self, key: rsa.RSAPrivateKey, signing_input: bytes) -> bytes:
        return key.sign(signing_input, self._padding, self._hash)

    def verify(self, key: rsa.RSAPublicKey, signing_input: bytes, signature: bytes) -> bool:
        try:
            key.verify(signature, signing_input, self._padding, self._hash)
        except InvalidSignature:
            return False
        return True

    def generate_key(self) -> rsa.RSAPrivateKey:
        return rsa.generate_private_key(public_exponent=65537, key_size=RSA_MIN_BITS)


RS256 = RSASignatureAlgorithm("RS256", hashes.SHA256(), pss=False)
RS384 = RSASignatureAlgorithm("RS384", hashes.SHA384(), pss=False)
RS512 = RSASignatureAlgorithm("RS512", hashes.SHA512(), pss=False)
PS256 = RSASignatureAlgorithm("PS256", hashes.SHA256(), pss=True)
PS384 = RSASignatureAlgorithm("PS384", hashes.SHA384(), pss=True)
PS512 = RSASignatureAlgorithm("PS512", hashes.SHA512(), pss=True)

"""ES256, ES384, ES512 (RFC 7518 §3.4) and ES256K (RFC 8812 §3.2): ECDSA with SHA-2.

JWS carries the signature as the fixed-width concatenation R || S. Before anything reaches
OpenSSL we insist on the exact width and on 0 < R, S < n: a zero or out-of-range value is the
"psychic signature" family of bugs (CVE-2022-21449), refused here by construction.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from ._base import SignatureAlgorithm

__all__ = ["EC_CURVES", "ES256", "ES256K", "ES384", "ES512", "ECCurve", "ECDSAAlgorithm"]


class ECCurve:
    """A JOSE curve name with its ``cryptography`` curve, coordinate size and group order."""

    def __init__(self, name: str, curve: ec.EllipticCurve, size: int, order: int) -> None:
        self.name = name
        self.curve = curve
        self.size = size
        self.order = order


# Group orders n from SEC 2 / FIPS 186-4 D.1.2 (facts, checked in the tests by signature
# malleability: (r, n - s) verifies exactly when n is right).
EC_CURVES: dict[str, ECCurve] = {
    curve.name: curve
    for curve in (
        ECCurve(
            "P-256",
            ec.SECP256R1(),
            32,
            0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
        ),
        ECCurve(
            "P-384",
            ec.SECP384R1(),
            48,
            int(
                "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF"
                "581A0DB248B0A77AECEC196ACCC52973",
                16,
            ),
        ),
        ECCurve(
            "P-521",
            ec.SECP521R1(),
            66,
            int(
                "01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFA"
                "51868783BF2F966B7FCC0148F709A5D03BB5C9B8899C47AEBB6FB71E91386409",
                16,
            ),
        ),
        ECCurve(
            "secp256k1",
            ec.SECP256K1(),
            32,
            0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141,
        ),
    )
}

#: cryptography curve name ("secp256r1") → JOSE curve.
EC_CURVES_BY_OPENSSL_NAME: dict[str, ECCurve] = {c.curve.name: c for c in EC_CURVES.values()}


class ECDSAAlgorithm(SignatureAlgorithm):
    """ECDSA on one curve with one hash; signatures are raw R || S."""

    key_type = "EC"

    def __init__(self, name: str, curve: ECCurve, hash_algorithm: hashes.HashAlgorithm) -> None:
        self.name = name
        self.curve = curve
        self.curves = frozenset({curve.name})
        self._signature_algorithm = ec.ECDSA(hash_algorithm)

    def sign(self, key: ec.EllipticCurvePrivateKey, signing_input: bytes) -> bytes:
        r, s = decode_dss_signature(key.sign(signing_input, self._signature_algorithm))
        size = self.curve.size
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")

    def verify(
        self, key: ec.EllipticCurvePublicKey, signing_input: bytes, signature: bytes
    ) -> bool:
        size = self.curve.size
        if len(signature) != 2 * size:
            return False
        r = int.from_bytes(signature[:size], "big")
        s = int.from_bytes(signature[size:], "big")
        order = self.curve.order
        if not (0 < r < order and 0 < s < order):
            return False
        try:
            key.verify(encode_dss_signature(r, s), signing_input, self._signature_algorithm)
        except InvalidSignature:
            return False
        return True

    def generate_key(self) -> ec.EllipticCurvePrivateKey:
        return ec.generate_private_key(self.curve.curve)


ES256 = ECDSAAlgorithm("ES256", EC_CURVES["P-256"], hashes.SHA256())
ES384 = ECDSAAlgorithm("ES384", EC_CURVES["P-384"], hashes.SHA384())
ES512 = ECDSAAlgorithm("ES512", EC_CURVES["P-521"], hashes.SHA512())
ES256K = ECDSAAlgorithm("ES256K", EC_CURVES["secp256k1"], hashes.SHA256())

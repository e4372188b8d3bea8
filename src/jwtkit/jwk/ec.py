"""Elliptic-curve keys (``kty: "EC"``, RFC 7518 §6.2): P-256, P-384, P-521 and secp256k1.

On import the point must lie on the named curve (no invalid-curve attacks) and a private
``d`` must produce exactly the given public point.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from ..errors import InvalidKeyError
from ..jwa.ecdsa import EC_CURVES, EC_CURVES_BY_OPENSSL_NAME, ECCurve
from ._asymmetric import AsymmetricKey
from ._base import int_to_b64, member_bytes

__all__ = ["ECKey"]


def curve_of(key: ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) -> ECCurve:
    curve = EC_CURVES_BY_OPENSSL_NAME.get(key.curve.name)
    if curve is None:
        raise InvalidKeyError(f"Unsupported elliptic curve {key.curve.name}")
    return curve


class ECKey(AsymmetricKey):
    """An EC key pair or public key."""

    kty = "EC"
    thumbprint_members = ("crv", "kty", "x", "y")
    variants = ("crv", "curve", EC_CURVES)
    private_types = (ec.EllipticCurvePrivateKey,)
    public_types = (ec.EllipticCurvePublicKey,)

    def __init__(self, material: Any, **metadata: Any) -> None:
        self._curve = (
            curve_of(material)
            if isinstance(material, self.private_types + self.public_types)
            else None
        )
        super().__init__(material, **metadata)

    @classmethod
    def _from_jwk_members(cls, jwk: Mapping[str, Any]) -> Any:
        name = jwk.get("crv")
        curve = EC_CURVES.get(name) if isinstance(name, str) else None
        if curve is None:
            raise InvalidKeyError("EC JWK has a missing or unsupported 'crv'")
        x = int.from_bytes(member_bytes(jwk, "x", curve.size), "big")
        y = int.from_bytes(member_bytes(jwk, "y", curve.size), "big")
        try:
            public_key = ec.EllipticCurvePublicNumbers(x, y, curve.curve).public_key()
        except ValueError:
            raise InvalidKeyError(f"EC JWK point is not on curve {curve.name}") from None
        if "d" not in jwk:
            return public_key
        d = int.from_bytes(member_bytes(jwk, "d", curve.size), "big")
        if not 0 < d < curve.order:
            raise InvalidKeyError("EC JWK private value 'd' is out of range")
        private_key = ec.derive_private_key(d, curve.curve)
        if private_key.public_key().public_numbers() != public_key.public_numbers():
            raise InvalidKeyError("EC JWK private value 'd' does not match the public point")
        return private_key

    @property
    def curve(self) -> str | None:
        return self._curve.name if self._curve else None

    def _public_members(self) -> dict[str, Any]:
        assert self._curve is not None
        numbers = self._public_material.public_numbers()
        size = self._curve.size
        return {
            "crv": self._curve.name,
            "x": int_to_b64(numbers.x, size),
            "y": int_to_b64(numbers.y, size),
        }

    def _private_members(self) -> dict[str, Any]:
        assert self._curve is not None
        return {"d": int_to_b64(self._material.private_numbers().private_value, self._curve.size)}

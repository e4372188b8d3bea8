"""Octet key pairs (``kty: "OKP"``, RFC 8037): Ed25519 and Ed448 for signatures, X25519 and
X448 for ECDH-ES. A private ``d`` must produce the given ``x``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed448, ed25519, x448, x25519

from ..errors import InvalidKeyError
from ._asymmetric import AsymmetricKey
from ._base import bytes_to_b64, member_bytes

__all__ = ["OKP_CURVES", "OKPKey"]


class OKPCurve:
    """One OKP curve: its name, raw key size and ``cryptography`` classes."""

    def __init__(self, name: str, size: int, private_class: Any, public_class: Any) -> None:
        self.name = name
        self.size = size
        self.private_class = private_class
        self.public_class = public_class


OKP_CURVES: dict[str, OKPCurve] = {
    curve.name: curve
    for curve in (
        OKPCurve("Ed25519", 32, ed25519.Ed25519PrivateKey, ed25519.Ed25519PublicKey),
        OKPCurve("Ed448", 57, ed448.Ed448PrivateKey, ed448.Ed448PublicKey),
        OKPCurve("X25519", 32, x25519.X25519PrivateKey, x25519.X25519PublicKey),
        OKPCurve("X448", 56, x448.X448PrivateKey, x448.X448PublicKey),
    )
}


def _curve_of(material: Any) -> OKPCurve:
    for curve in OKP_CURVES.values():
        if isinstance(material, curve.private_class | curve.public_class):
            return curve
    raise InvalidKeyError(f"Not an OKP key object: {type(material).__name__}")


def _raw(key: Any) -> bytes:
    if hasattr(key, "private_bytes_raw"):
        raw: bytes = key.private_bytes_raw()
    else:
        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return raw


class OKPKey(AsymmetricKey):
    """An Ed25519, Ed448, X25519 or X448 key pair or public key."""

    kty = "OKP"
    thumbprint_members = ("crv", "kty", "x")
    variants = ("crv", "curve", OKP_CURVES)
    private_types = tuple(curve.private_class for curve in OKP_CURVES.values())
    public_types = tuple(curve.public_class for curve in OKP_CURVES.values())

    def __init__(self, material: Any, **metadata: Any) -> None:
        self._okp_curve = _curve_of(material)
        super().__init__(material, **metadata)

    @classmethod
    def _from_jwk_members(cls, jwk: Mapping[str, Any]) -> Any:
        name = jwk.get("crv")
        curve = OKP_CURVES.get(name) if isinstance(name, str) else None
        if curve is None:
            raise InvalidKeyError("OKP JWK has a missing or unsupported 'crv'")
        x = member_bytes(jwk, "x", curve.size)
        try:
            public_key = curve.public_class.from_public_bytes(x)
        except ValueError:
            raise InvalidKeyError(f"OKP JWK 'x' is not a valid {curve.name} public key") from None
        if "d" not in jwk:
            return public_key
        private_key = curve.private_class.from_private_bytes(member_bytes(jwk, "d", curve.size))
        if _raw(private_key.public_key()) != x:
            raise InvalidKeyError("OKP JWK private value 'd' does not match its public 'x'")
        return private_key

    @property
    def curve(self) -> str | None:
        return self._okp_curve.name

    def _public_members(self) -> dict[str, Any]:
        return {"crv": self._okp_curve.name, "x": bytes_to_b64(_raw(self._public_material))}

    def _private_members(self) -> dict[str, Any]:
        return {"d": bytes_to_b64(_raw(self._material))}

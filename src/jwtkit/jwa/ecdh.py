"""ECDH-ES, ECDH-ES+A128KW, ECDH-ES+A192KW, ECDH-ES+A256KW (RFC 7518 §4.6) on P-256, P-384,
P-521 (RFC 7518) and X25519, X448 (RFC 8037).

The sender's ephemeral public key ``epk`` comes from the token, so it is checked before it
is used: same key type and curve as the recipient's key, and (for NIST curves) a point on
that curve. An off-curve point is the invalid-curve attack that leaks the recipient's
private key a few bits at a time. The shared secret goes through the Concat KDF of
NIST SP 800-56A with SHA-256.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, x448, x25519
from cryptography.hazmat.primitives.kdf.concatkdf import ConcatKDFHash

from .._codec import b64url_decode, b64url_encode
from ..errors import InvalidKeyError, JWTKitError
from ._jwe_base import (
    ContentEncryptionAlgorithm,
    DecryptionPolicy,
    EncryptionInputs,
    KeyManagementAlgorithm,
    decryption_failed,
)
from .aeskw import unwrap_key, wrap_key
from .ecdsa import EC_CURVES, EC_CURVES_BY_OPENSSL_NAME

__all__ = [
    "ECDH_ES",
    "ECDH_ES_A128KW",
    "ECDH_ES_A192KW",
    "ECDH_ES_A256KW",
    "ECDHAlgorithm",
    "concat_kdf",
]

_NIST_CURVES = ("P-256", "P-384", "P-521")
_OKP_CURVES: dict[str, tuple[Any, Any, int]] = {
    "X25519": (x25519.X25519PrivateKey, x25519.X25519PublicKey, 32),
    "X448": (x448.X448PrivateKey, x448.X448PublicKey, 56),
}


def _length_prefixed(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


def concat_kdf(
    shared_secret: bytes, algorithm_id: str, key_size: int, apu: bytes, apv: bytes
) -> bytes:
    """The key derivation of RFC 7518 §4.6.2: Concat KDF, SHA-256, ``key_size`` bytes."""
    other_info = (
        _length_prefixed(algorithm_id.encode("ascii"))
        + _length_prefixed(apu)
        + _length_prefixed(apv)
        + (key_size * 8).to_bytes(4, "big")
    )
    return ConcatKDFHash(hashes.SHA256(), key_size, other_info).derive(shared_secret)


def _party_info(header: Mapping[str, Any], name: str) -> bytes:
    value = header.get(name)
    if value is None:
        return b""
    if type(value) is not str:
        raise decryption_failed()
    try:
        return b64url_decode(value, f"header {name!r}")
    except JWTKitError:
        raise decryption_failed() from None


def _curve_name(key: Any) -> str:
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        curve = EC_CURVES_BY_OPENSSL_NAME.get(key.curve.name)
        if curve is not None and curve.name in _NIST_CURVES:
            return curve.name
    for name, (private_class, public_class, _) in _OKP_CURVES.items():
        if isinstance(key, private_class | public_class):
            return name
    raise InvalidKeyError("ECDH-ES needs a P-256, P-384, P-521, X25519 or X448 key")


def _exchange(private_key: Any, public_key: Any) -> bytes:
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        return private_key.exchange(ec.ECDH(), public_key)
    shared: bytes = private_key.exchange(public_key)
    return shared


def _public_jwk(private_key: Any, curve_name: str) -> dict[str, Any]:
    public_key = private_key.public_key()
    if curve_name in _NIST_CURVES:
        size = EC_CURVES[curve_name].size
        numbers = public_key.public_numbers()
        return {
            "kty": "EC",
            "crv": curve_name,
            "x": b64url_encode(numbers.x.to_bytes(size, "big")).decode("ascii"),
            "y": b64url_encode(numbers.y.to_bytes(size, "big")).decode("ascii"),
        }
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"kty": "OKP", "crv": curve_name, "x": b64url_encode(raw).decode("ascii")}


def _coordinate(epk: Mapping[str, Any], name: str, size: int) -> bytes:
    value = epk.get(name)
    if type(value) is not str:
        raise decryption_failed()
    try:
        raw = b64url_decode(value, "epk")
    except JWTKitError:
        raise decryption_failed() from None
    if len(raw) != size:
        raise decryption_failed()
    return raw


def _ephemeral_public_key(epk: object, curve_name: str) -> Any:
    """The sender's ``epk``, only if it is a valid point of the recipient's own curve."""
    if type(epk) is not dict or epk.get("crv") != curve_name or "d" in epk:
        raise decryption_failed()
    try:
        if curve_name in _NIST_CURVES:
            curve = EC_CURVES[curve_name]
            if epk.get("kty") != "EC":
                raise decryption_failed()
            point = b"\x04" + _coordinate(epk, "x", curve.size) + _coordinate(epk, "y", curve.size)
            # Raises ValueError for a point that is not on the curve.
            return ec.EllipticCurvePublicKey.from_encoded_point(curve.curve, point)
        _, public_class, size = _OKP_CURVES[curve_name]
        if epk.get("kty") != "OKP":
            raise decryption_failed()
        return public_class.from_public_bytes(_coordinate(epk, "x", size))
    except ValueError:
        raise decryption_failed() from None


def _generate(curve_name: str) -> Any:
    if curve_name in _NIST_CURVES:
        return ec.generate_private_key(EC_CURVES[curve_name].curve)
    return _OKP_CURVES[curve_name][0].generate()


class ECDHAlgorithm(KeyManagementAlgorithm):
    """Ephemeral-static ECDH; direct (the derived key is the CEK) or with AES Key Wrap."""

    key_type = "EC"
    key_types = frozenset({"EC", "OKP"})
    curves = frozenset({*_NIST_CURVES, *_OKP_CURVES})
    header_parameters = frozenset({"epk"})

    def __init__(self, name: str, kek_size: int | None) -> None:
        self.name = name
        self.kek_size = kek_size
        self.direct = kek_size is None

    def _derive(
        self, shared_secret: bytes, enc: ContentEncryptionAlgorithm, header: Mapping[str, Any]
    ) -> bytes:
        apu, apv = _party_info(header, "apu"), _party_info(header, "apv")
        if self.kek_size is None:
            return concat_kdf(shared_secret, enc.name, enc.key_size, apu, apv)
        return concat_kdf(shared_secret, self.name, self.kek_size, apu, apv)

    def wrap(
        self,
        key: Any,
        enc: ContentEncryptionAlgorithm,
        cek: bytes | None,
        header: Mapping[str, Any],
        inputs: EncryptionInputs,
    ) -> tuple[bytes, bytes, dict[str, Any]]:
        if self.direct and cek is not None:
            raise InvalidKeyError("ECDH-ES cannot share a JWE with other recipients")
        curve_name = _curve_name(key)
        ephemeral = inputs.ephemeral_key or _generate(curve_name)
        if _curve_name(ephemeral) != curve_name:
            raise InvalidKeyError("The ephemeral key must be on the recipient's curve")
        try:
            derived = self._derive(_exchange(ephemeral, key), enc, header)
        except JWTKitError:
            raise InvalidKeyError("'apu' and 'apv' must be base64url strings") from None
        parameters = {"epk": _public_jwk(ephemeral, curve_name)}
        if self.direct:
            return derived, b"", parameters
        cek = self.new_cek(enc, inputs) if cek is None else cek
        return cek, wrap_key(derived, cek), parameters

    def unwrap(
        self,
        key: Any,
        encrypted_key: bytes,
        enc: ContentEncryptionAlgorithm,
        header: Mapping[str, Any],
        policy: DecryptionPolicy,
    ) -> bytes:
        if self.direct and encrypted_key:
            raise decryption_failed()
        peer = _ephemeral_public_key(header.get("epk"), _curve_name(key))
        try:
            shared_secret = _exchange(key, peer)
        except ValueError:  # X25519/X448 low-order points give an all-zero secret
            raise decryption_failed() from None
        derived = self._derive(shared_secret, enc, header)
        return derived if self.direct else unwrap_key(derived, encrypted_key)

    def generate_key(self) -> ec.EllipticCurvePrivateKey:
        return ec.generate_private_key(ec.SECP256R1())


ECDH_ES = ECDHAlgorithm("ECDH-ES", None)
ECDH_ES_A128KW = ECDHAlgorithm("ECDH-ES+A128KW", 16)
ECDH_ES_A192KW = ECDHAlgorithm("ECDH-ES+A192KW", 24)
ECDH_ES_A256KW = ECDHAlgorithm("ECDH-ES+A256KW", 32)

"""Algorithm Key Pairs (``kty: "AKP"``, RFC 9964) for ML-DSA.

An AKP key always names its ``alg`` (the ML-DSA parameter set), ``pub`` is the raw public
key and ``priv`` the 32-byte seed. The RFC 7638 thumbprint covers ``alg``, ``kty``, ``pub``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import InvalidKeyError
from ..jwa.mldsa import ML_DSA_44, ML_DSA_65, ML_DSA_87, MLDSAAlgorithm
from ._asymmetric import AsymmetricKey
from ._base import bytes_to_b64, member_bytes

__all__ = ["AKPKey"]

_PARAMETER_SETS: dict[str, MLDSAAlgorithm] = {a.name: a for a in (ML_DSA_44, ML_DSA_65, ML_DSA_87)}
_SEED_SIZE = 32


def _parameter_set_of(material: Any) -> MLDSAAlgorithm:
    for algorithm in _PARAMETER_SETS.values():
        if isinstance(material, algorithm.private_class | algorithm.public_class):
            return algorithm
    raise InvalidKeyError(f"Not an ML-DSA key object: {type(material).__name__}")


class AKPKey(AsymmetricKey):
    """An ML-DSA key pair or public key."""

    kty = "AKP"
    thumbprint_members = ("alg", "kty", "pub")
    variants = ("alg", "parameter set", _PARAMETER_SETS)
    private_types = tuple(a.private_class for a in _PARAMETER_SETS.values())
    public_types = tuple(a.public_class for a in _PARAMETER_SETS.values())

    def __init__(self, material: Any, **metadata: Any) -> None:
        parameter_set = _parameter_set_of(material)
        alg = metadata.get("alg")
        if alg is None:
            metadata["alg"] = parameter_set.name
        elif alg != parameter_set.name:
            raise InvalidKeyError(f"AKP key is {parameter_set.name}, not {alg}")
        super().__init__(material, **metadata)

    @classmethod
    def _from_jwk_members(cls, jwk: Mapping[str, Any]) -> Any:
        alg = jwk.get("alg")
        parameter_set = _PARAMETER_SETS.get(alg) if isinstance(alg, str) else None
        if parameter_set is None:
            raise InvalidKeyError("AKP JWK needs 'alg' naming an ML-DSA parameter set")
        pub = member_bytes(jwk, "pub", parameter_set.public_size)
        try:
            public_key = parameter_set.public_class.from_public_bytes(pub)
        except ValueError:
            raise InvalidKeyError("AKP JWK 'pub' is not a valid ML-DSA public key") from None
        if "priv" not in jwk:
            return public_key
        private_key = parameter_set.private_class.from_seed_bytes(
            member_bytes(jwk, "priv", _SEED_SIZE)
        )
        if private_key.public_key().public_bytes_raw() != pub:
            raise InvalidKeyError("AKP JWK private seed 'priv' does not match its 'pub'")
        return private_key

    def _public_members(self) -> dict[str, Any]:
        return {"pub": bytes_to_b64(self._public_material.public_bytes_raw())}

    def _private_members(self) -> dict[str, Any]:
        return {"priv": bytes_to_b64(self._material.private_bytes_raw())}

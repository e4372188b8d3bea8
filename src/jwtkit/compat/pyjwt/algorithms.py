"""PyJWT's algorithm objects (``jwt.algorithms``), each a thin face over a jwtkit algorithm.

Code written for PyJWT uses these directly, most often ``RSAAlgorithm.from_jwk(...)`` to load
a key, ``to_jwk`` to publish one, and ``compute_hash_digest`` for OpenID Connect hashes. The
classes keep PyJWT's names, constructors and methods; the work is done by jwtkit: keys are
imported by :mod:`jwtkit.jwk` (with its checks: points on the curve, no ROCA moduli, no
public key as an HMAC secret) and signatures are made and checked by :mod:`jwtkit.jwa`
through the key's policy (type, curve, strength). Decoding a token never calls these
objects' ``verify``: it goes through :mod:`jwtkit._compact`, the one verify path.
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from typing import Any, ClassVar, NoReturn, TypeAlias

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ec import (
    SECP256K1,
    SECP256R1,
    SECP384R1,
    SECP521R1,
    EllipticCurve,
    EllipticCurvePrivateKey,
    EllipticCurvePublicKey,
)
from cryptography.hazmat.primitives.asymmetric.ed448 import Ed448PrivateKey, Ed448PublicKey
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

from ..._codec import b64url_encode
from ..._key_input import resolve_key
from ...errors import InvalidKeyError, JWTKitError
from ...jwa import SignatureAlgorithm, get_signature_algorithm
from ...jwk import ECKey, Key, OctKey, OKPKey, RSAKey
from ...jwk._asymmetric import AsymmetricKey
from ...jwk._secret import key_form_of
from ._settings import enforce_minimum_key_length
from .types import HashlibHash, JWKDict
from .utils import force_bytes

__all__ = [
    "Algorithm",
    "AllowedECKeys",
    "AllowedKeys",
    "AllowedOKPKeys",
    "AllowedPrivateKeys",
    "AllowedPublicKeys",
    "AllowedRSAKeys",
    "ECAlgorithm",
    "HMACAlgorithm",
    "NoneAlgorithm",
    "OKPAlgorithm",
    "RSAAlgorithm",
    "RSAPSSAlgorithm",
    "get_default_algorithms",
    "has_crypto",
    "requires_cryptography",
]

AllowedRSAKeys: TypeAlias = RSAPrivateKey | RSAPublicKey
AllowedECKeys: TypeAlias = EllipticCurvePrivateKey | EllipticCurvePublicKey
AllowedOKPKeys: TypeAlias = Ed25519PrivateKey | Ed25519PublicKey | Ed448PrivateKey | Ed448PublicKey
AllowedKeys: TypeAlias = AllowedRSAKeys | AllowedECKeys | AllowedOKPKeys
AllowedPrivateKeys: TypeAlias = (
    RSAPrivateKey | EllipticCurvePrivateKey | Ed25519PrivateKey | Ed448PrivateKey
)
AllowedPublicKeys: TypeAlias = (
    RSAPublicKey | EllipticCurvePublicKey | Ed25519PublicKey | Ed448PublicKey
)

#: jwtkit always has ``cryptography``.
has_crypto = True
requires_cryptography = frozenset(
    {"RS256", "RS384", "RS512", "ES256", "ES256K", "ES384", "ES521", "ES512"}
    | {"PS256", "PS384", "PS512", "EdDSA"}
)


def _jwk_object(jwk: str | JWKDict) -> dict[str, Any]:
    if isinstance(jwk, dict):
        return jwk
    if isinstance(jwk, str):
        try:
            parsed = json.loads(jwk)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            return parsed
    raise InvalidKeyError("Key is not valid JSON")


def _import_jwk(jwk: str | JWKDict, key_class: type[Key], error: str) -> Key:
    obj = _jwk_object(jwk)
    if obj.get("kty") != key_class.kty:
        raise InvalidKeyError(error)
    return key_class.from_dict(obj)


def _load_pem_key(data: bytes) -> Any:
    """A PEM key as ``cryptography`` loads it, or None (only to word an error like PyJWT)."""
    for load in (
        lambda: serialization.load_pem_public_key(data),
        lambda: serialization.load_pem_private_key(data, password=None),
    ):
        try:
            return load()
        except (ValueError, TypeError, UnsupportedAlgorithm):
            continue
    return None


def _jwk_output(jwk: dict[str, Any], as_dict: bool) -> JWKDict | str:
    return jwk if as_dict else json.dumps(jwk)


def _key_object(key: Key) -> Any:
    """The ``cryptography`` object (private if there is one) of an asymmetric jwtkit key."""
    if not isinstance(key, AsymmetricKey):
        raise InvalidKeyError("Not a public or private key")
    return key.private_key_object if key.is_private else key.public_key_object


class Algorithm(ABC):
    """What every algorithm object offers (PyJWT's interface)."""

    _crypto_key_types: tuple[type, ...] | None = None

    def compute_hash_digest(self, bytestr: bytes) -> bytes:
        """The digest of ``bytestr`` with this algorithm's hash (e.g. for ``at_hash``)."""
        hash_alg = getattr(self, "hash_alg", None)
        if hash_alg is None:
            raise NotImplementedError
        if isinstance(hash_alg, type) and issubclass(hash_alg, hashes.HashAlgorithm):
            digest = hashes.Hash(hash_alg())
            digest.update(bytestr)
            return digest.finalize()
        return bytes(hash_alg(bytestr).digest())

    def check_crypto_key_type(self, key: Any) -> None:
        """Raise :class:`InvalidKeyError` unless ``key`` is of this algorithm's key family."""
        if self._crypto_key_types is None:
            raise ValueError("This method is only for cryptography-based algorithms")
        if not isinstance(key, self._crypto_key_types):
            raise InvalidKeyError(
                f"Expected one of {[cls.__name__ for cls in self._crypto_key_types]}, got: "
                f"{type(key).__name__}. Invalid Key type for {type(self).__name__}"
            )

    @abstractmethod
    def prepare_key(self, key: Any) -> Any:
        """Check ``key`` and turn it into what :meth:`sign` and :meth:`verify` take."""

    @abstractmethod
    def sign(self, msg: bytes, key: Any) -> bytes:
        """The signature of ``msg``."""

    @abstractmethod
    def verify(self, msg: bytes, key: Any, sig: bytes) -> bool:
        """Whether ``sig`` is a valid signature of ``msg``."""

    @staticmethod
    @abstractmethod
    def to_jwk(key_obj: Any, as_dict: bool = False) -> JWKDict | str:
        """The key as a JWK (JSON text, or a dict with ``as_dict=True``)."""

    @staticmethod
    @abstractmethod
    def from_jwk(jwk: str | JWKDict) -> Any:
        """The key a JWK describes."""

    def check_key_length(self, key: Any) -> str | None:
        """A message if ``key`` is shorter than the algorithm needs, else None."""
        return None


class _JWTKitAlgorithm(Algorithm):
    """An algorithm whose work is done by a jwtkit :class:`SignatureAlgorithm`."""

    def signature_algorithm(self) -> SignatureAlgorithm:
        """The jwtkit algorithm behind this object."""
        raise NotImplementedError

    def _jwtkit_key(self, key: Any) -> Key:
        algorithm = self.signature_algorithm()
        resolved = resolve_key(key, for_hmac=algorithm.key_type == "oct")
        if not isinstance(resolved, Key):
            raise InvalidKeyError("A single key is needed")
        return resolved

    def _algorithm_for(self, key: Key) -> SignatureAlgorithm:
        """The jwtkit algorithm for ``key`` (an EC object without a fixed curve overrides)."""
        return self.signature_algorithm()

    # The objects sign and verify with any key length PyJWT's would, once the process
    # switched the minimum off (configure(enforce_minimum_key_length=False)); not before.
    def sign(self, msg: bytes, key: Any) -> bytes:
        jwtkit_key = self._jwtkit_key(key)
        algorithm = self._algorithm_for(jwtkit_key)
        material = jwtkit_key._material_for(
            algorithm, "sign", insecure_sign_with_weak_key=not enforce_minimum_key_length()
        )
        return algorithm.sign(material, msg)

    def verify(self, msg: bytes, key: Any, sig: bytes) -> bool:
        jwtkit_key = self._jwtkit_key(key)
        algorithm = self._algorithm_for(jwtkit_key)
        material = jwtkit_key._material_for(algorithm, "verify", not enforce_minimum_key_length())
        return algorithm.verify(material, msg, sig)


class NoneAlgorithm(Algorithm):
    """``alg: none``: signs with nothing and never verifies."""

    def prepare_key(self, key: str | None) -> None:
        if key is not None and key != "":
            raise InvalidKeyError('When alg = "none", key value must be None.')
        return None

    def sign(self, msg: bytes, key: None) -> bytes:
        return b""

    def verify(self, msg: bytes, key: None, sig: bytes) -> bool:
        return False

    @staticmethod
    def to_jwk(key_obj: Any, as_dict: bool = False) -> NoReturn:
        raise NotImplementedError

    @staticmethod
    def from_jwk(jwk: str | JWKDict) -> NoReturn:
        raise NotImplementedError


class HMACAlgorithm(_JWTKitAlgorithm):
    """HS256/384/512 over a shared secret; a public key is never accepted as the secret."""

    SHA256: ClassVar[HashlibHash] = hashlib.sha256
    SHA384: ClassVar[HashlibHash] = hashlib.sha384
    SHA512: ClassVar[HashlibHash] = hashlib.sha512

    def __init__(self, hash_alg: HashlibHash) -> None:
        self.hash_alg = hash_alg

    def signature_algorithm(self) -> SignatureAlgorithm:
        return get_signature_algorithm(f"HS{self.hash_alg().digest_size * 8}")

    def prepare_key(self, key: str | bytes) -> bytes:
        key_bytes = force_bytes(key)
        if not key_bytes:
            raise InvalidKeyError("HMAC key must not be empty.")
        if key_form_of(key_bytes) is not None:  # jwtkit's one guard, in jwk
            if key_bytes.lstrip().startswith((b"{", b"[")):
                raise InvalidKeyError(
                    "The specified key looks like a JWK and should not be used directly as an "
                    "HMAC secret. Load it via PyJWK / HMACAlgorithm.from_jwk first."
                )
            raise InvalidKeyError(
                "The specified key is an asymmetric key or x509 certificate and should not be "
                "used as an HMAC secret."
            )
        return key_bytes

    def check_key_length(self, key: bytes) -> str | None:
        minimum = self.hash_alg().digest_size
        if len(key) < minimum:
            return (
                f"The HMAC key is {len(key)} bytes long, which is below the minimum "
                f"recommended length of {minimum} bytes for {self.hash_alg().name.upper()}. "
                "See RFC 7518 Section 3.2."
            )
        return None

    @staticmethod
    def to_jwk(key_obj: str | bytes, as_dict: bool = False) -> JWKDict | str:
        return _jwk_output(
            {"k": b64url_encode(force_bytes(key_obj)).decode("ascii"), "kty": "oct"}, as_dict
        )

    @staticmethod
    def from_jwk(jwk: str | JWKDict) -> bytes:
        key = _import_jwk(jwk, OctKey, "Not an HMAC key")
        secret: bytes = key.secret  # type: ignore[attr-defined]
        return secret


class RSAAlgorithm(_JWTKitAlgorithm):
    """RS256/384/512 (RSASSA-PKCS1-v1_5)."""

    SHA256: ClassVar[type[hashes.HashAlgorithm]] = hashes.SHA256
    SHA384: ClassVar[type[hashes.HashAlgorithm]] = hashes.SHA384
    SHA512: ClassVar[type[hashes.HashAlgorithm]] = hashes.SHA512

    _crypto_key_types = (RSAPrivateKey, RSAPublicKey)
    _MIN_KEY_SIZE: ClassVar[int] = 2048
    _name_prefix: ClassVar[str] = "RS"

    def __init__(self, hash_alg: type[hashes.HashAlgorithm]) -> None:
        self.hash_alg = hash_alg

    def signature_algorithm(self) -> SignatureAlgorithm:
        return get_signature_algorithm(f"{self._name_prefix}{self.hash_alg().digest_size * 8}")

    def check_key_length(self, key: AllowedRSAKeys) -> str | None:
        if key.key_size < self._MIN_KEY_SIZE:
            return (
                f"The RSA key is {key.key_size} bits long, which is below the minimum "
                f"recommended size of {self._MIN_KEY_SIZE} bits. See NIST SP 800-131A."
            )
        return None

    def prepare_key(self, key: AllowedRSAKeys | str | bytes) -> AllowedRSAKeys:
        if isinstance(key, self._crypto_key_types):
            return key
        if not isinstance(key, str | bytes):
            raise TypeError("Expecting a PEM-formatted key.")
        try:
            resolved = resolve_key(key, for_hmac=False)
        except JWTKitError:
            raise InvalidKeyError("Could not parse the provided public key.") from None
        if not isinstance(resolved, Key):
            raise InvalidKeyError("Could not parse the provided public key.")
        prepared: AllowedRSAKeys = _key_object(resolved)
        self.check_crypto_key_type(prepared)
        return prepared

    @staticmethod
    def to_jwk(key_obj: AllowedRSAKeys, as_dict: bool = False) -> JWKDict | str:
        if not isinstance(key_obj, RSAPrivateKey | RSAPublicKey):
            raise InvalidKeyError("Not a public or private key")
        key = RSAKey(key_obj)
        jwk = key.to_dict(private=key.is_private)
        jwk["key_ops"] = ["sign"] if key.is_private else ["verify"]
        return _jwk_output(jwk, as_dict)

    @staticmethod
    def from_jwk(jwk: str | JWKDict) -> AllowedRSAKeys:
        key: AllowedRSAKeys = _key_object(_import_jwk(jwk, RSAKey, "Not an RSA key"))
        return key


class RSAPSSAlgorithm(RSAAlgorithm):
    """PS256/384/512 (RSASSA-PSS, salt as long as the hash)."""

    _name_prefix: ClassVar[str] = "PS"


_EC_NAMES: dict[tuple[type[hashes.HashAlgorithm], type[EllipticCurve] | None], str] = {
    (hashes.SHA256, None): "ES256",
    (hashes.SHA256, SECP256R1): "ES256",
    (hashes.SHA256, SECP256K1): "ES256K",
    (hashes.SHA384, None): "ES384",
    (hashes.SHA384, SECP384R1): "ES384",
    (hashes.SHA512, None): "ES512",
    (hashes.SHA512, SECP521R1): "ES512",
}


class ECAlgorithm(_JWTKitAlgorithm):
    """ES256, ES256K, ES384, ES512 (ECDSA; the curve is fixed by the algorithm)."""

    SHA256: ClassVar[type[hashes.HashAlgorithm]] = hashes.SHA256
    SHA384: ClassVar[type[hashes.HashAlgorithm]] = hashes.SHA384
    SHA512: ClassVar[type[hashes.HashAlgorithm]] = hashes.SHA512

    _crypto_key_types = (EllipticCurvePrivateKey, EllipticCurvePublicKey)

    def __init__(
        self,
        hash_alg: type[hashes.HashAlgorithm],
        expected_curve: type[EllipticCurve] | None = None,
    ) -> None:
        self.hash_alg = hash_alg
        self.expected_curve = expected_curve

    def signature_algorithm(self) -> SignatureAlgorithm:
        name = _EC_NAMES.get((self.hash_alg, self.expected_curve))
        if name is None:
            raise InvalidKeyError("No JOSE algorithm uses this hash with this curve")
        return get_signature_algorithm(name)

    def _algorithm_for(self, key: Key) -> SignatureAlgorithm:
        # Without an expected curve (ECAlgorithm(SHA256)), PyJWT signs with whatever curve
        # the key has: SHA-256 on secp256k1 is ES256K, not ES256.
        if self.expected_curve is None and isinstance(key, ECKey):
            curve = type(key.public_key_object.curve)
            name = _EC_NAMES.get((self.hash_alg, curve))
            if name is not None:
                return get_signature_algorithm(name)
        return self.signature_algorithm()

    def _validate_curve(self, key: AllowedECKeys) -> None:
        if self.expected_curve is not None and not isinstance(key.curve, self.expected_curve):
            raise InvalidKeyError(
                f"The key's curve '{key.curve.name}' does not match the expected curve "
                f"'{self.expected_curve.name}' for this algorithm"
            )

    def prepare_key(self, key: AllowedECKeys | str | bytes) -> AllowedECKeys:
        if isinstance(key, self._crypto_key_types):
            self._validate_curve(key)
            return key
        if not isinstance(key, str | bytes):
            raise TypeError("Expecting a PEM-formatted key.")
        try:
            resolved = resolve_key(key, for_hmac=False)
        except JWTKitError:
            # A curve jwtkit does not implement (P-192): PyJWT loads the key and then names
            # the curve mismatch; say the same.
            loaded = _load_pem_key(force_bytes(key))
            if loaded is None:
                raise
            self.check_crypto_key_type(loaded)
            self._validate_curve(loaded)
            # No curve expected: PyJWT hands the key back (signing with it fails later).
            key_object: AllowedECKeys = loaded
            return key_object
        if not isinstance(resolved, Key):
            raise InvalidKeyError("Not a public or private key")
        prepared: AllowedECKeys = _key_object(resolved)
        self.check_crypto_key_type(prepared)
        self._validate_curve(prepared)
        return prepared

    @staticmethod
    def to_jwk(key_obj: AllowedECKeys, as_dict: bool = False) -> JWKDict | str:
        if not isinstance(key_obj, EllipticCurvePrivateKey | EllipticCurvePublicKey):
            raise InvalidKeyError("Not a public or private key")
        key = ECKey(key_obj)
        return _jwk_output(key.to_dict(private=key.is_private), as_dict)

    @staticmethod
    def from_jwk(jwk: str | JWKDict) -> AllowedECKeys:
        key: AllowedECKeys = _key_object(_import_jwk(jwk, ECKey, "Not an Elliptic curve key"))
        return key


class OKPAlgorithm(_JWTKitAlgorithm):
    """EdDSA with Ed25519 or Ed448 keys."""

    _crypto_key_types = (Ed25519PrivateKey, Ed25519PublicKey, Ed448PrivateKey, Ed448PublicKey)

    def __init__(self, **kwargs: Any) -> None:
        pass

    def signature_algorithm(self) -> SignatureAlgorithm:
        return get_signature_algorithm("EdDSA")

    def prepare_key(self, key: AllowedOKPKeys | str | bytes) -> AllowedOKPKeys:
        if not isinstance(key, str | bytes):
            self.check_crypto_key_type(key)
            return key
        try:
            resolved = resolve_key(key, for_hmac=False)
        except JWTKitError:
            raise InvalidKeyError("Not a public or private key") from None
        prepared = _key_object(resolved) if isinstance(resolved, OKPKey) else None
        self.check_crypto_key_type(prepared)
        okp_key: AllowedOKPKeys = prepared  # type: ignore[assignment]
        return okp_key

    @staticmethod
    def to_jwk(key: AllowedOKPKeys, as_dict: bool = False) -> JWKDict | str:
        if not isinstance(
            key, Ed25519PrivateKey | Ed25519PublicKey | Ed448PrivateKey | Ed448PublicKey
        ):
            raise InvalidKeyError("Not a public or private key")
        okp = OKPKey(key)
        return _jwk_output(okp.to_dict(private=okp.is_private), as_dict)

    @staticmethod
    def from_jwk(jwk: str | JWKDict) -> AllowedOKPKeys:
        obj = _jwk_object(jwk)
        if obj.get("kty") != "OKP":
            raise InvalidKeyError("Not an Octet Key Pair")
        if obj.get("crv") not in ("Ed25519", "Ed448"):
            raise InvalidKeyError("Invalid curve")
        key: AllowedOKPKeys = _key_object(OKPKey.from_dict(obj))
        return key


#: The algorithm classes whose objects decode through jwtkit's verify path.
BUILT_IN_CLASSES = (HMACAlgorithm, RSAAlgorithm, RSAPSSAlgorithm, ECAlgorithm, OKPAlgorithm)


def get_default_algorithms() -> dict[str, Algorithm]:
    """A fresh name → algorithm table of everything PyJWT implements by default."""
    return {
        "none": NoneAlgorithm(),
        "HS256": HMACAlgorithm(HMACAlgorithm.SHA256),
        "HS384": HMACAlgorithm(HMACAlgorithm.SHA384),
        "HS512": HMACAlgorithm(HMACAlgorithm.SHA512),
        "RS256": RSAAlgorithm(RSAAlgorithm.SHA256),
        "RS384": RSAAlgorithm(RSAAlgorithm.SHA384),
        "RS512": RSAAlgorithm(RSAAlgorithm.SHA512),
        "ES256": ECAlgorithm(ECAlgorithm.SHA256, SECP256R1),
        "ES256K": ECAlgorithm(ECAlgorithm.SHA256, SECP256K1),
        "ES384": ECAlgorithm(ECAlgorithm.SHA384, SECP384R1),
        "ES521": ECAlgorithm(ECAlgorithm.SHA512, SECP521R1),
        "ES512": ECAlgorithm(ECAlgorithm.SHA512, SECP521R1),
        "PS256": RSAPSSAlgorithm(RSAPSSAlgorithm.SHA256),
        "PS384": RSAPSSAlgorithm(RSAPSSAlgorithm.SHA384),
        "PS512": RSAPSSAlgorithm(RSAPSSAlgorithm.SHA512),
        "EdDSA": OKPAlgorithm(),
    }

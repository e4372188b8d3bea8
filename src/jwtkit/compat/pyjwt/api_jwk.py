"""PyJWT's ``PyJWK`` and ``PyJWKSet``, holding jwtkit keys.

A ``PyJWK`` is a jwtkit :class:`~jwtkit.Key` (imported with every jwtkit check) plus the
attributes PyJWT code reads: ``key`` (the ``cryptography`` object, or the secret bytes),
``algorithm_name``, ``Algorithm``, ``key_id``, ``key_type`` and ``public_key_use``. Passing a
``PyJWK`` to ``decode`` verifies with the jwtkit key itself, so its ``alg``, ``use`` and
``key_ops`` are honoured.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

from ...errors import InvalidKeyError, JWTKitError
from ...jwk import Key, KeySet, OctKey
from ...jwk._asymmetric import AsymmetricKey
from .algorithms import Algorithm, _JWTKitAlgorithm, get_default_algorithms
from .exceptions import PyJWKError, PyJWKSetError
from .types import JWKDict

__all__ = ["PyJWK", "PyJWKSet", "PyJWTSetWithTimestamp"]

_NO_USABLE_KEYS = (
    "The JWK Set did not contain any usable keys. Perhaps 'cryptography' is not installed?"
)

_EC_DEFAULTS = {"P-256": "ES256", "P-384": "ES384", "P-521": "ES512", "secp256k1": "ES256K"}


def _json_document(data: str, error: type[Exception]) -> Any:
    """``json.loads(data)`` as PyJWT reads a JWK (malformed JSON raises its ValueError), but a
    document nested too deep for the parser is refused with ``error``, not a RecursionError."""
    try:
        return json.loads(data)
    except RecursionError:
        raise error("The JWK JSON is nested too deeply") from None


def _unsupported_crv(crv: object) -> InvalidKeyError:
    # PyJWT's text; a crv that is not a string (an object, a list) is named by its type only.
    shown = crv if isinstance(crv, str) else type(crv).__name__
    return InvalidKeyError(f"Unsupported crv: {shown}")


def _default_algorithm(kty: object, crv: object) -> str:
    """The algorithm PyJWT infers for a JWK that names none (PyJWT's rules and texts; a
    ``crv`` of any JSON type is an :class:`InvalidKeyError`, never a ``TypeError``)."""
    if kty == "EC":
        if not crv:
            return "ES256"
        algorithm = _EC_DEFAULTS.get(crv) if isinstance(crv, str) else None
        if algorithm is None:
            raise _unsupported_crv(crv)
        return algorithm
    if kty == "RSA":
        return "RS256"
    if kty == "oct":
        return "HS256"
    if kty == "OKP":
        if not crv:
            raise InvalidKeyError("crv is not found")
        if crv != "Ed25519":
            raise _unsupported_crv(crv)
        return "EdDSA"
    shown = kty if isinstance(kty, str) else type(kty).__name__
    raise InvalidKeyError(f"Unsupported kty: {shown}")


class PyJWK:
    """A JSON Web Key, ready to sign or verify with ``algorithm`` (default: its ``alg``)."""

    def __init__(self, jwk_data: JWKDict, algorithm: str | None = None) -> None:
        self._jwk_data = jwk_data
        if not isinstance(jwk_data, dict):
            raise InvalidKeyError("A JWK must be a JSON object")
        kty = jwk_data.get("kty")
        if not kty:
            raise InvalidKeyError("kty is not found")
        if not algorithm:
            algorithm = jwk_data.get("alg") or _default_algorithm(kty, jwk_data.get("crv"))
        self.algorithm_name: str = algorithm
        try:
            self.Algorithm: Algorithm = get_default_algorithms()[self.algorithm_name]
        except (KeyError, TypeError):
            # PyJWT appends the whole JWK, private members included: not repeated here.
            raise PyJWKError("Unable to find an algorithm for key") from None
        try:
            self._key = Key.from_dict(jwk_data)
        except JWTKitError as error:
            raise InvalidKeyError(f"Unable to construct key from JWK: {error}") from None
        algorithm_object = self.Algorithm
        if (
            isinstance(algorithm_object, _JWTKitAlgorithm)
            and self._key.kty not in algorithm_object.signature_algorithm().key_types
        ):
            # As PyJWT does, at once: the algorithm (often the token's "alg") cannot use
            # this key. Its from_jwk refuses the key type in PyJWT's words.
            algorithm_object.from_jwk(jwk_data)
            raise InvalidKeyError(f"The key cannot be used with {self.algorithm_name}")
        self.key: Any = _key_value(self._key)

    @classmethod
    def _from_key(cls, key: Key) -> PyJWK:
        """Wrap an already imported jwtkit key (from a JWKS client) without parsing again."""
        jwk = cls.__new__(cls)
        jwk._jwk_data = key.to_dict(private=isinstance(key, OctKey))
        jwk.algorithm_name = key.alg or _default_algorithm(key.kty, key.curve)
        try:
            jwk.Algorithm = get_default_algorithms()[jwk.algorithm_name]
        except KeyError:
            raise PyJWKError("Unable to find an algorithm for key") from None
        jwk._key = key
        jwk.key = _key_value(key)
        return jwk

    @staticmethod
    def from_dict(obj: JWKDict, algorithm: str | None = None) -> PyJWK:
        return PyJWK(obj, algorithm)

    @staticmethod
    def from_json(data: str, algorithm: str | None = None) -> PyJWK:
        return PyJWK.from_dict(_json_document(data, PyJWKError), algorithm)

    @property
    def key_type(self) -> str | None:
        kty: str | None = self._jwk_data.get("kty")
        return kty

    @property
    def key_id(self) -> str | None:
        kid: str | None = self._jwk_data.get("kid")
        return kid

    @property
    def public_key_use(self) -> str | None:
        use: str | None = self._jwk_data.get("use")
        return use

    def __repr__(self) -> str:
        return f"<PyJWK {self.algorithm_name} kid={self.key_id!r}>"


def _key_value(key: Key) -> Any:
    if isinstance(key, OctKey):
        return key.secret
    if isinstance(key, AsymmetricKey):
        return key.private_key_object if key.is_private else key.public_key_object
    raise InvalidKeyError(f"PyJWT has no algorithm for {key.kty} keys")


class PyJWKSet:
    """A JWK Set: the usable keys of ``keys`` (members that cannot be used are skipped)."""

    def __init__(self, keys: list[JWKDict]) -> None:
        self.keys: list[PyJWK] = []
        if not keys:
            raise PyJWKSetError("The JWK Set did not contain any keys")
        if not isinstance(keys, list):
            raise PyJWKSetError("Invalid JWK Set value")
        for member in keys:
            if not isinstance(member, dict):
                continue
            try:
                self.keys.append(PyJWK(member))
            except JWTKitError:
                continue  # an unusable member is skipped, as PyJWT does
        if not self.keys:
            raise PyJWKSetError(_NO_USABLE_KEYS)
        _check_unique_kids(self.keys)

    @classmethod
    def _from_key_set(cls, key_set: KeySet) -> PyJWKSet:
        jwk_set = cls.__new__(cls)
        jwk_set.keys = []
        for key in key_set:
            try:
                jwk_set.keys.append(PyJWK._from_key(key))
            except JWTKitError:
                continue  # a key type PyJWT has no algorithm for (e.g. ML-DSA) is skipped
        if not jwk_set.keys:
            raise PyJWKSetError(_NO_USABLE_KEYS)
        return jwk_set

    @staticmethod
    def from_dict(obj: dict[str, Any]) -> PyJWKSet:
        return PyJWKSet(obj.get("keys", []))

    @staticmethod
    def from_json(data: str) -> PyJWKSet:
        return PyJWKSet.from_dict(_json_document(data, PyJWKSetError))

    def __getitem__(self, kid: str) -> PyJWK:
        for key in self.keys:
            if key.key_id == kid:
                return key
        raise KeyError("keyset has no key for this kid")

    def __iter__(self) -> Iterator[PyJWK]:
        return iter(self.keys)


def _check_unique_kids(keys: list[PyJWK]) -> None:
    # Two keys under one kid make "the key for this kid" ambiguous: refuse the set.
    kids = [key.key_id for key in keys if key.key_id is not None]
    if len(set(kids)) != len(kids):
        raise PyJWKSetError("Two keys in the JWK Set share a kid")


class PyJWTSetWithTimestamp:
    """A JWK Set and when it was stored (PyJWT's cache entry)."""

    def __init__(self, jwk_set: PyJWKSet) -> None:
        self.jwk_set = jwk_set
        self.timestamp = time.monotonic()

    def get_jwk_set(self) -> PyJWKSet:
        return self.jwk_set

    def get_timestamp(self) -> float:
        return self.timestamp

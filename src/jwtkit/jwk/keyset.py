"""JWK Sets (RFC 7517 §5): a collection of keys addressed by ``kid``.

Members with a key type or curve jwtkit does not know are skipped with a warning (a JWKS may
legitimately carry keys for other software); malformed members of a known type, and two
members with the same ``kid``, are errors: an ambiguous set is how key confusion starts.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from .._codec import json_loads_object
from ..errors import DecodeError, InvalidKeyError, KeyNotFoundError
from ..jwa.ecdsa import EC_CURVES
from ._base import Key
from ._import import import_jwk
from .okp import OKP_CURVES

if TYPE_CHECKING:
    from ..jwa import Algorithm

__all__ = ["KeySet"]

_KNOWN_CURVES = frozenset({*EC_CURVES, *OKP_CURVES})


class KeySet:
    """An immutable set of keys; look keys up by ``kid`` with :meth:`get`."""

    def __init__(self, keys: Iterable[Key] = ()) -> None:
        self._keys: tuple[Key, ...] = tuple(keys)
        by_kid: dict[str, Key] = {}
        for key in self._keys:
            if not isinstance(key, Key):
                raise InvalidKeyError("A KeySet holds only jwtkit Key objects")
            if key.kid is not None:
                if key.kid in by_kid:
                    raise InvalidKeyError(f"Two keys in the set share the kid {key.kid!r}")
                by_kid[key.kid] = key
        self._by_kid = by_kid
        self._candidates: dict[tuple[str, str, str | None], tuple[Key, ...]] = {}

    @classmethod
    def from_dict(cls, jwks: Mapping[str, Any] | str | bytes) -> KeySet:
        """Build a set from a JWKS document (mapping or JSON text)."""
        if isinstance(jwks, str | bytes):
            try:
                jwks = json_loads_object(jwks, "JWKS")
            except DecodeError as error:
                raise InvalidKeyError(str(error)) from None
        if not isinstance(jwks, Mapping):
            raise InvalidKeyError("A JWKS must be a JSON object")
        members = jwks.get("keys")
        if not isinstance(members, list):
            raise InvalidKeyError("A JWKS must have a 'keys' array")
        keys = []
        for index, member in enumerate(members):
            if not isinstance(member, Mapping):
                raise InvalidKeyError(f"JWKS member {index} is not a JSON object")
            kty = member.get("kty")
            crv = member.get("crv")
            if not isinstance(kty, str):
                raise InvalidKeyError(f"JWKS member {index} has no string 'kty'")
            if kty not in Key._types or (
                kty in ("EC", "OKP") and isinstance(crv, str) and crv not in _KNOWN_CURVES
            ):
                warnings.warn(
                    f"Skipping JWKS member {index}: unsupported key type or curve",
                    stacklevel=2,
                )
                continue
            try:
                keys.append(import_jwk(member))
            except InvalidKeyError as error:
                # Keep the class: an InsecureKeyError (ROCA, weak exponent) stays one.
                raise type(error)(f"JWKS member {index}: {error}") from None
        return cls(keys)

    def to_dict(self, private: bool = False) -> dict[str, Any]:
        """The set as a JWKS document; public members only unless ``private=True``, which
        exports each key as it is (private members of private keys, public keys unchanged).
        A symmetric key has no public form: a set holding one exports only with ``private``."""
        return {"keys": [key.to_dict(private=private and key.is_private) for key in self._keys]}

    def get(self, kid: str) -> Key:
        """The key with this ``kid``; :class:`KeyNotFoundError` if there is none."""
        # A token's kid can be any JSON value; only a string can name a key.
        key = self._by_kid.get(kid) if isinstance(kid, str) else None
        if key is None:
            raise KeyNotFoundError("No key in the set matches the token's 'kid'")
        return key

    def candidates(
        self, algorithm: str | Algorithm, use: str = "sig", alias: str | None = None
    ) -> tuple[Key, ...]:
        """Keys that could serve ``algorithm`` (a name or an algorithm object) for ``use``
        ("sig" or "enc") when a token names no ``kid``: of a type the algorithm takes, bound
        to no ``alg`` or to this one (or to ``alias``), for no ``use`` or this one."""
        if isinstance(algorithm, str):
            from ..jwa import find_algorithm

            algorithm = find_algorithm(algorithm)
        cache_key = (algorithm.name, use, alias)
        found = self._candidates.get(cache_key)
        if found is None:
            key_types, names = algorithm.key_types, (None, algorithm.name, alias)
            found = tuple(
                key
                for key in self._keys
                if key.kty in key_types and key.alg in names and key.use in (None, use)
            )
            self._candidates[cache_key] = found
        return found

    def __iter__(self) -> Iterator[Key]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, kid: object) -> bool:
        return kid in self._by_kid

    def __repr__(self) -> str:
        return f"<KeySet of {len(self._keys)} keys>"

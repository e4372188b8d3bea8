"""JWK Sets (RFC 7517 §5): a collection of keys addressed by ``kid``.

Members that name what jwtkit does not implement (a key type, a curve, an AKP parameter
set, an extension ``key_ops`` value) are skipped with a warning: a JWKS may legitimately
carry keys for other software, and one such member must not take the whole set down.
Malformed members of a known type, and two members with the same ``kid``, are errors: an
ambiguous set is how key confusion starts. :func:`keys_from_members` is the one reader of a
``keys`` array, for ``KeySet.from_dict`` and the JWKS clients alike.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from .._codec import json_loads_object
from ..errors import DecodeError, InvalidKeyError, KeyNotFoundError
from ._base import PRIVATE_MEMBERS, Key
from ._import import import_jwk

if TYPE_CHECKING:
    from ..jwa import Algorithm

__all__ = ["KeySet", "keys_from_members"]


def keys_from_members(
    members: object, *, public_only: bool, skip: Callable[[int, str], None]
) -> list[Key]:
    """The keys of a JWKS ``keys`` array; ``skip(index, reason)`` hears of each member that
    names something jwtkit does not implement. Errors name the member's index.

    ``public_only`` is for a published set (a JWKS fetched over the network): a member with
    private or secret material refuses the whole set, found before any member is imported,
    so a hostile private key never gets as far as the (expensive) checks of its import.
    """
    if type(members) is not list:
        raise InvalidKeyError("A JWKS must have a 'keys' array")
    for index, member in enumerate(members):
        if not isinstance(member, Mapping):
            raise InvalidKeyError(f"JWKS member {index} is not a JSON object")
        if not isinstance(member.get("kty"), str):
            raise InvalidKeyError(f"JWKS member {index} has no string 'kty'")
    if public_only:
        for index, member in enumerate(members):
            if member["kty"] == "oct" or not PRIVATE_MEMBERS.isdisjoint(member):
                raise InvalidKeyError(
                    f"JWKS member {index} holds private or secret key material; a published "
                    "set holds public keys only"
                )
    keys = []
    for index, member in enumerate(members):
        key_class = Key._types.get(member["kty"])
        reason = (
            f"key type {member['kty'][:16]!r}"
            if key_class is None
            else key_class.unsupported_reason(member)
        )
        if reason is not None:
            skip(index, reason)
            continue
        try:
            keys.append(import_jwk(member))
        except InvalidKeyError as error:
            # Keep the class: an InsecureKeyError (ROCA, weak exponent) stays one.
            raise type(error)(f"JWKS member {index}: {error}") from None
    return keys


class KeySet:
    """An immutable set of keys; look keys up by ``kid`` with :meth:`get`."""

    def __init__(self, keys: Iterable[Key] = ()) -> None:
        if not isinstance(keys, Iterable) or isinstance(keys, str | bytes | Mapping):
            raise InvalidKeyError("A KeySet is made from a list of jwtkit Key objects")
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
        kinds = {key.kty == "oct" for key in self._keys}
        #: Both secret (oct) and asymmetric keys: ambiguous for verification (see below).
        self.mixes_secret_and_public = kinds == {True, False}
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

        def warn(index: int, reason: str) -> None:
            warnings.warn(f"Skipping JWKS member {index}: unsupported {reason}", stacklevel=3)

        return cls(keys_from_members(jwks.get("keys"), public_only=False, skip=warn))

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
        if isinstance(algorithm, str) or not hasattr(algorithm, "key_types"):
            from ..jwa import find_algorithm

            algorithm = find_algorithm(algorithm)  # a name; it refuses anything else
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

    def check_verifies_one_kind(self) -> None:
        """Refuse a set that holds both secret (oct) keys and asymmetric keys as the keys to
        verify with: a token's header would choose whether a shared secret or a public key
        vouches for it, and whoever knows the public key text is a step from forging."""
        if self.mixes_secret_and_public:
            raise InvalidKeyError(
                "This key set holds both secret (oct) keys and public keys; verify with two "
                "sets, one of secrets and one of public keys, each with its own algorithms"
            )

    def __iter__(self) -> Iterator[Key]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, kid: object) -> bool:
        # As in get: only a string can name a key (a list or a dict is not even hashable).
        return isinstance(kid, str) and kid in self._by_kid

    def __repr__(self) -> str:
        return f"<KeySet of {len(self._keys)} keys>"

"""The :class:`Key` base class: what every JWK type shares.

A key holds ``cryptography`` material (or secret bytes), the JWK metadata (``kid``, ``alg``,
``use``, ``key_ops``) and a small cache of "this key may do operation X with algorithm Y",
so the policy checks run once per key and algorithm rather than once per token.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from .._codec import b64url_decode, b64url_encode, json_dumps
from ..errors import InvalidAlgorithmError, InvalidKeyError, JWTKitError

if TYPE_CHECKING:
    from ..jwa import Algorithm

__all__ = ["Key"]

#: JWK members that carry private material in any key type; never exported as public.
PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k", "priv"})
#: JWK members every key type understands (RFC 7517 §4).
COMMON_MEMBERS = frozenset({"kty", "kid", "alg", "use", "key_ops"})
_KEY_OPS = frozenset(
    {"sign", "verify", "encrypt", "decrypt", "wrapKey", "unwrapKey", "deriveKey", "deriveBits"}
)
_TOKEN_DRIVEN = frozenset({"verify", "decrypt", "unwrapKey", "deriveKey"})
_HASHES = {"sha256": "sha-256", "sha384": "sha-384", "sha512": "sha-512"}


def member_bytes(jwk: Mapping[str, Any], name: str, size: int | None = None) -> bytes:
    """A required base64url member of a JWK, decoded and (optionally) length-checked."""
    value = jwk.get(name)
    if value is None:
        raise InvalidKeyError(f"JWK is missing the required member {name!r}")
    if not isinstance(value, str):
        raise InvalidKeyError(f"JWK member {name!r} must be a base64url string")
    try:
        raw = b64url_decode(value, f"JWK member {name!r}")
    except JWTKitError as error:
        raise InvalidKeyError(str(error)) from None
    if size is not None and len(raw) != size:
        raise InvalidKeyError(f"JWK member {name!r} must be {size} bytes, got {len(raw)}")
    return raw


def member_int(jwk: Mapping[str, Any], name: str) -> int:
    """A required base64url big-endian unsigned integer member (RFC 7518 §2, Base64urlUInt)."""
    raw = member_bytes(jwk, name)
    if not raw:
        raise InvalidKeyError(f"JWK member {name!r} must not be empty")
    return int.from_bytes(raw, "big")


def int_to_b64(value: int, size: int | None = None) -> str:
    """Encode an unsigned integer as Base64urlUInt (minimal length unless ``size`` is given)."""
    length = size if size is not None else max(1, (value.bit_length() + 7) // 8)
    return b64url_encode(value.to_bytes(length, "big")).decode("ascii")


def bytes_to_b64(value: bytes) -> str:
    return b64url_encode(value).decode("ascii")


class Key:
    """A JSON Web Key (RFC 7517). Use :meth:`import_key` or :meth:`generate` to make one.

    Subclasses: :class:`OctKey`, :class:`RSAKey`, :class:`ECKey`, :class:`OKPKey`,
    :class:`AKPKey`.
    """

    #: The JWK ``kty`` of this class.
    kty: ClassVar[str] = ""
    #: Members that make up the RFC 7638 thumbprint, in lexicographic order.
    thumbprint_members: ClassVar[tuple[str, ...]] = ()
    #: kty → Key subclass, filled by each subclass module.
    _types: ClassVar[dict[str, type[Key]]] = {}
    #: For key types with variants: the member naming one (``crv``, ``alg``), what it is
    #: called in messages, and the variants jwtkit implements.
    variants: ClassVar[tuple[str, str, Collection[str]] | None] = None

    def __init__(
        self,
        material: Any,
        *,
        kid: str | None = None,
        alg: str | None = None,
        use: str | None = None,
        key_ops: list[str] | tuple[str, ...] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        self._material = material
        self._kid = _optional_string(kid, "kid")
        self._alg = _optional_string(alg, "alg")
        self._use = _optional_string(use, "use")
        self._key_ops = _check_key_ops(key_ops, self._use)
        # Public members we do not interpret (x5c, x5t, ...) travel with the key unchanged.
        self._extra: dict[str, Any] = {
            name: value for name, value in (extra or {}).items() if name not in PRIVATE_MEMBERS
        }
        self._allowed: dict[tuple[str, str, bool, bool], Any] = {}
        if self._alg is not None:
            self._check_alg_binding(self._alg)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.kty:
            Key._types[cls.kty] = cls

    # -- construction ------------------------------------------------------------------------

    @classmethod
    def import_key(
        cls,
        data: Any,
        *,
        password: bytes | str | None = None,
        kid: str | None = None,
        alg: str | None = None,
        use: str | None = None,
    ) -> Key:
        """Import a key from a JWK (dict or JSON text), PEM, DER, OpenSSH or a key object.

        Bytes are never taken as an HMAC secret here: use ``OctKey.import_key(b"...")``.
        Called on a subclass (``RSAKey.import_key``), the result must be of that type.
        """
        from ._import import import_any

        key = import_any(data, password=password, kid=kid, alg=alg, use=use, expected=cls)
        return key

    @classmethod
    def from_dict(cls, jwk: Mapping[str, Any]) -> Key:
        """Import a JWK given as a mapping, validating every member."""
        from ._import import import_jwk

        return import_jwk(jwk, expected=cls)

    @classmethod
    def generate(cls, alg: str, kid: str | None = None) -> Key:
        """Generate a new private key fit for ``alg``. Without ``kid`` the RFC 7638 thumbprint
        becomes the ``kid``, so published keys are always addressable."""
        from ..jwa import find_algorithm

        algorithm = find_algorithm(alg)
        key_class = Key._types.get(algorithm.key_type)
        if key_class is None or not issubclass(key_class, cls):
            raise InvalidKeyError(f"Cannot generate a {cls.kty or 'key'} for {algorithm.name}")
        key = key_class._from_material(algorithm.generate_key(), alg=alg)
        key._kid = _optional_string(kid, "kid") if kid is not None else key.thumbprint()
        return key

    @classmethod
    def _from_material(cls, material: Any, **metadata: Any) -> Key:
        """Wrap ``cryptography`` material (or bytes) of this key type."""
        return cls(material, **metadata)

    @classmethod
    def _from_jwk_members(cls, jwk: Mapping[str, Any]) -> Any:
        """Validate the type-specific members of a JWK and build the material."""
        raise NotImplementedError

    @classmethod
    def unsupported_reason(cls, jwk: Mapping[str, Any]) -> str | None:
        """Why a well-formed JWK of this type names something jwtkit does not implement (a
        curve, a parameter set, an extension ``key_ops`` value), or None. A JWKS skips such a
        member, which may be there for other software; a malformed one is still an error."""
        if cls.variants is not None:
            member, what, known = cls.variants
            name = jwk.get(member)
            if isinstance(name, str) and name not in known:
                return f"{what} {name[:32]!r}"
        key_ops = jwk.get("key_ops")
        if type(key_ops) is list and any(type(op) is str and op not in _KEY_OPS for op in key_ops):
            return "an extension 'key_ops' value"
        return None

    # -- metadata ----------------------------------------------------------------------------

    @property
    def kid(self) -> str | None:
        return self._kid

    @property
    def alg(self) -> str | None:
        return self._alg

    @property
    def use(self) -> str | None:
        return self._use

    @property
    def key_ops(self) -> tuple[str, ...] | None:
        return self._key_ops

    @property
    def is_private(self) -> bool:
        """True when the key can sign or decrypt (always true for a symmetric key)."""
        raise NotImplementedError

    @property
    def curve(self) -> str | None:
        """The JWK ``crv`` for EC and OKP keys, else None."""
        return None

    # -- export ------------------------------------------------------------------------------

    def public_key(self) -> Key:
        """The public half of this key, with the same metadata."""
        raise NotImplementedError

    def _public_members(self) -> dict[str, Any]:
        raise NotImplementedError

    def _private_members(self) -> dict[str, Any]:
        raise NotImplementedError

    def to_dict(self, private: bool = False) -> dict[str, Any]:
        """This key as a JWK. ``private=True`` includes the private members."""
        if private and not self.is_private:
            raise InvalidKeyError("This is a public key; it has no private members to export")
        jwk: dict[str, Any] = {"kty": self.kty}
        jwk.update(self._public_members())
        if private:
            jwk.update(self._private_members())
        for name, value in (
            ("kid", self._kid),
            ("alg", self._alg),
            ("use", self._use),
            ("key_ops", list(self._key_ops) if self._key_ops is not None else None),
        ):
            if value is not None:
                jwk[name] = value
        jwk.update(self._extra)
        return jwk

    def to_pem(self, private: bool = False, password: bytes | str | None = None) -> bytes:
        """This key as PEM: PKCS#8 for private keys (encrypted with ``password``), SPKI else."""
        from ._import import export_pem

        return export_pem(self, private=private, password=password)

    def thumbprint(self, hash_name: str = "sha256") -> str:
        """The RFC 7638 JWK thumbprint, base64url-encoded."""
        if not isinstance(hash_name, str) or hash_name not in _HASHES:
            shown = hash_name[:16] if isinstance(hash_name, str) else type(hash_name).__name__
            raise InvalidKeyError(f"Unsupported thumbprint hash {shown!r}")
        members = self._thumbprint_members()
        canonical = {name: members[name] for name in sorted(self.thumbprint_members)}
        digest = hashlib.new(hash_name, json_dumps(canonical)).digest()
        return bytes_to_b64(digest)

    def _thumbprint_members(self) -> dict[str, Any]:
        return {"kty": self.kty, "alg": self._alg, **self._public_members()}

    def thumbprint_uri(self, hash_name: str = "sha256") -> str:
        """The RFC 9278 JWK thumbprint URI, e.g. ``urn:ietf:params:oauth:jwk-thumbprint:...``."""
        thumbprint = self.thumbprint(hash_name)  # checks hash_name first
        return f"urn:ietf:params:oauth:jwk-thumbprint:{_HASHES[hash_name]}:{thumbprint}"

    def __repr__(self) -> str:
        parts = [f"kid={self._kid!r}"] if self._kid is not None else []
        if self.curve:
            parts.append(f"crv={self.curve!r}")
        if self._alg:
            parts.append(f"alg={self._alg!r}")
        parts.append("private" if self.is_private else "public")
        return f"<{type(self).__name__} {' '.join(parts)}>"

    # -- use by the message layers -----------------------------------------------------------

    def _check_alg_binding(self, alg: str) -> None:
        """Refuse an ``alg`` that does not fit this key's type (or curve)."""
        from ..jwa import find_algorithm

        try:
            algorithm = find_algorithm(alg)
        except JWTKitError:
            return  # an alg jwtkit does not implement may still be published in a JWKS
        self._check_fits(algorithm)

    def _check_fits(self, algorithm: Algorithm, error: type[JWTKitError] = InvalidKeyError) -> None:
        # ECDH-ES takes EC and OKP keys alike: such algorithms list every kty in key_types.
        key_types = algorithm.key_types
        if self.kty not in key_types:
            raise error(
                f"Algorithm {algorithm.name} needs a {' or '.join(sorted(key_types))} key, "
                f"not {self.kty}"
            )
        if algorithm.curves and self.curve not in algorithm.curves:
            raise error(f"Algorithm {algorithm.name} cannot use curve {self.curve}")

    def _check_strength(self, algorithm: Algorithm, allow_weak: bool) -> None:
        """Policy checks beyond type: overridden by key types that have a size to check."""

    def _check_use(
        self, algorithm: Algorithm, operation: str, error: type[JWTKitError] = InvalidKeyError
    ) -> None:
        if self._alg is not None and self._alg != algorithm.name:
            raise error(
                f"Key is bound to algorithm {self._alg}; it cannot be used with {algorithm.name}"
            )
        wanted_use = "sig" if operation in ("sign", "verify") else "enc"
        if self._use is not None and self._use != wanted_use:
            raise error(f"Key with use {self._use!r} cannot {operation}")
        if self._key_ops is not None and operation not in self._key_ops:
            raise error(f"Key's key_ops do not allow {operation!r}")

    def _material_for(
        self,
        algorithm: Algorithm,
        operation: str,
        allow_weak: bool = False,
        *,
        insecure_sign_with_weak_key: bool = False,
    ) -> Any:
        """The material to ``operation`` ("sign", "verify", ...) with ``algorithm``, after
        checking type, curve, ``alg``, ``use``, ``key_ops`` and strength. Cached.

        When a token chose the algorithm (verify, decrypt, unwrapKey) a mismatch is the
        token's fault and raises :class:`InvalidAlgorithmError`; when the caller chose it
        (sign, encrypt), :class:`InvalidKeyError`. ``allow_weak`` relaxes the strength check
        for verify and decrypt only; signing with a weak key takes its own loudly named
        flag, used only by the PyJWT drop-in's ``enforce_minimum_key_length: False``.
        """
        cache_key = (algorithm.name, operation, allow_weak, insecure_sign_with_weak_key)
        material = self._allowed.get(cache_key)
        if material is None:
            error = InvalidAlgorithmError if operation in _TOKEN_DRIVEN else InvalidKeyError
            self._check_use(algorithm, operation, error)
            self._check_fits(algorithm, error)
            weak_accepted = (allow_weak and operation in ("verify", "decrypt")) or (
                insecure_sign_with_weak_key and operation == "sign"
            )
            self._check_strength(algorithm, weak_accepted)
            material = self._operation_material(operation)
            self._allowed[cache_key] = material
        return material

    def _operation_material(self, operation: str) -> Any:
        """Private material for sign/decrypt/unwrap, public material otherwise."""
        raise NotImplementedError


def _optional_string(value: object, name: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise InvalidKeyError(f"JWK member {name!r} must be a string")
    return value


def _check_key_ops(value: object, use: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list | tuple) or not all(isinstance(op, str) for op in value):
        raise InvalidKeyError("JWK member 'key_ops' must be an array of strings")
    if len(set(value)) != len(value):
        raise InvalidKeyError("JWK member 'key_ops' must not repeat a value")
    unknown = [op for op in value if op not in _KEY_OPS]
    if unknown:
        raise InvalidKeyError(f"JWK member 'key_ops' has unknown operations {unknown}")
    if use == "sig" and set(value) - {"sign", "verify"}:
        raise InvalidKeyError("JWK members 'use' and 'key_ops' disagree")
    if use == "enc" and set(value) & {"sign", "verify"}:
        raise InvalidKeyError("JWK members 'use' and 'key_ops' disagree")
    return tuple(value)

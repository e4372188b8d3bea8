"""What RSA, EC, OKP and AKP keys share: a private or public ``cryptography`` key object."""

from __future__ import annotations

from typing import Any, ClassVar

from ..errors import InvalidKeyError
from ._base import Key

__all__ = ["AsymmetricKey"]

#: Operations that need the private half.
PRIVATE_OPERATIONS = frozenset({"sign", "decrypt", "unwrapKey", "deriveKey"})


class AsymmetricKey(Key):
    """A key pair, or only its public half."""

    #: The ``cryptography`` private and public classes this key type wraps.
    private_types: ClassVar[tuple[type, ...]] = ()
    public_types: ClassVar[tuple[type, ...]] = ()

    def __init__(self, material: Any, **metadata: Any) -> None:
        if not isinstance(material, self.private_types + self.public_types):
            raise InvalidKeyError(f"Not a {self.kty} key object: {type(material).__name__}")
        key_object: Any = material
        self._public_material: Any = (
            key_object.public_key() if isinstance(material, self.private_types) else key_object
        )
        super().__init__(material, **metadata)

    @property
    def is_private(self) -> bool:
        return isinstance(self._material, self.private_types)

    @property
    def private_key_object(self) -> Any:
        """The ``cryptography`` private key object (for this key's own operations)."""
        if not self.is_private:
            raise InvalidKeyError("This is a public key")
        return self._material

    @property
    def public_key_object(self) -> Any:
        """The ``cryptography`` public key object."""
        return self._public_material

    def public_key(self) -> Key:
        return type(self)(
            self._public_material,
            kid=self._kid,
            alg=self._alg,
            use=self._use,
            key_ops=self._public_key_ops(),
            extra=self._extra,
        )

    def _public_key_ops(self) -> tuple[str, ...] | None:
        # The public half can only do the public side of what the pair was allowed to do.
        if self._key_ops is None:
            return None
        return tuple(op for op in self._key_ops if op not in PRIVATE_OPERATIONS)

    def _operation_material(self, operation: str) -> Any:
        if operation in PRIVATE_OPERATIONS:
            if not self.is_private:
                raise InvalidKeyError(f"A public key cannot {operation}; a private key is needed")
            return self._material
        return self._public_material

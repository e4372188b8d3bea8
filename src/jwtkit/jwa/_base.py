"""What every JWA algorithm object looks like.

An algorithm is a small stateless object that knows three things: its name, the key type
(and curves) it is bound to, and how to do its one operation with a ``cryptography`` key
object (or, for HMAC, the secret bytes). Keys and messages are layered above; they look an
algorithm up in the registry and never branch on its name. :class:`Algorithm` is what every
family (JWS ``alg``, JWE ``alg`` and ``enc``) shares: the part the key layer checks.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, Protocol, TypeVar

from ..errors import UnsupportedAlgorithmError

__all__ = ["Algorithm", "SignatureAlgorithm", "look_up"]

_A = TypeVar("_A")


def look_up(table: Mapping[str, _A], name: object, what: str) -> _A:
    """The algorithm named ``name`` in ``table``; an unknown name (or a non-string, which a
    token's header can hold) raises, naming it only when it is short enough to be a name."""
    algorithm = table.get(name) if isinstance(name, str) else None
    if algorithm is None:
        shown = name if isinstance(name, str) and len(name) <= 32 else "(unrecognised)"
        raise UnsupportedAlgorithmError(f"Unsupported {what} {shown!r}")
    return algorithm


class Algorithm(Protocol):
    """Any JWA algorithm, as the key layer sees it: which keys it takes and how to make one."""

    @property
    def name(self) -> str:
        """The registered name, e.g. ``"ES256"`` or ``"A256KW"``."""

    @property
    def key_type(self) -> str:
        """The JWK ``kty`` :meth:`generate_key` makes."""

    @property
    def key_types(self) -> frozenset[str]:
        """Every JWK ``kty`` this algorithm accepts."""

    @property
    def curves(self) -> frozenset[str]:
        """Allowed ``crv`` values; empty when the key type has no curve."""

    @property
    def min_key_size(self) -> int:
        """Smallest key: bytes for secrets, bits for RSA moduli; 0 if not applicable."""

    def generate_key(self) -> Any:
        """Make fresh private material fit for this algorithm."""


class SignatureAlgorithm(ABC):
    """A JWS ``alg``: signs and verifies a signing input with one kind of key."""

    #: The registered ``alg`` name, e.g. ``"ES256"``.
    name: str
    #: The JWK ``kty`` this algorithm works with.
    key_type: str
    #: The same, as the set every :class:`Algorithm` has (a JWS alg takes one key type).
    key_types: frozenset[str] = frozenset()
    #: Allowed ``crv`` values (EC and OKP keys); empty when the key type has no curve.
    curves: frozenset[str] = frozenset()
    #: Smallest acceptable key size in bytes (HMAC secrets) or bits (RSA moduli), 0 if n/a.
    min_key_size: int = 0

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "key_type" in cls.__dict__:
            cls.key_types = frozenset((cls.key_type,))

    @abstractmethod
    def sign(self, key: Any, signing_input: bytes) -> bytes:
        """Sign with private material (secret bytes or a private key object)."""

    @abstractmethod
    def verify(self, key: Any, signing_input: bytes, signature: bytes) -> bool:
        """Return whether ``signature`` is valid; never raises for a bad signature."""

    @abstractmethod
    def generate_key(self) -> Any:
        """Make fresh private material fit for this algorithm."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"

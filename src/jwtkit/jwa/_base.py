"""What every JWA algorithm object looks like.

An algorithm is a small stateless object that knows three things: its name, the key type
(and curves) it is bound to, and how to do its one operation with a ``cryptography`` key
object (or, for HMAC, the secret bytes). Keys and messages are layered above; they look an
algorithm up in the registry and never branch on its name.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

__all__ = ["SignatureAlgorithm"]


class SignatureAlgorithm(ABC):
    """A JWS ``alg``: signs and verifies a signing input with one kind of key."""

    #: The registered ``alg`` name, e.g. ``"ES256"``.
    name: str
    #: The JWK ``kty`` this algorithm works with.
    key_type: str
    #: Allowed ``crv`` values (EC and OKP keys); empty when the key type has no curve.
    curves: frozenset[str] = frozenset()
    #: Smallest acceptable key size in bytes (HMAC secrets) or bits (RSA moduli), 0 if n/a.
    min_key_size: int = 0

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

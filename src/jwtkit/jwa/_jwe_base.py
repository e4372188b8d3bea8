"""What the JWE algorithm objects look like: key management (``alg``) and content
encryption (``enc``), RFC 7518 §4 and §5.

Like a signature algorithm, each is a small stateless object with a ``name``, the key type
(and curves) it is bound to, a ``min_key_size`` and ``generate_key()``, so
``Key.generate("A256KW")`` and the key-binding checks treat every family alike.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import DecodeError, DecryptionError

__all__ = [
    "MAX_KEY_ATTEMPTS",
    "PBES2_MAX_COUNT",
    "ContentEncryptionAlgorithm",
    "DecryptionPolicy",
    "EncryptionInputs",
    "KeyManagementAlgorithm",
    "decryption_failed",
]

#: Most (recipient, key) pairs tried on one message: each may be a private-key operation.
MAX_KEY_ATTEMPTS = 64
#: Largest PBES2 iteration count (``p2c``) a token may ask for, by default. Without a bound a
#: token can make the receiver run PBKDF2 for hours (CVE-2023-6681, CVE-2022-36083).
PBES2_MAX_COUNT = 600_000


def decryption_failed() -> DecryptionError:
    """The one error every cryptographic failure of a JWE turns into: it is no oracle."""
    return DecryptionError("JWE decryption failed")


@dataclass(frozen=True)
class EncryptionInputs:
    """Fixed values for what encryption otherwise draws at random.

    Only the test suite sets these, to reproduce published test vectors byte for byte;
    the public API never takes them.
    """

    cek: bytes | None = None
    iv: bytes | None = None
    ephemeral_key: Any = None
    p2s: bytes | None = None
    wrap_iv: bytes | None = None


class DecryptionPolicy:
    """Limits on what one message may ask of the receiver; a new one for every message.

    The PBES2 budget counts iterations across the whole message: a JSON serialization with
    64 recipients, or a token without ``kid`` tried against several passwords, runs PBKDF2
    once per try, so a cap per recipient alone lets a 10 KB document buy seconds of CPU.
    """

    __slots__ = ("attempts_remaining", "pbes2_max_count", "pbes2_remaining")

    def __init__(self, pbes2_max_count: int = PBES2_MAX_COUNT) -> None:
        self.pbes2_max_count = pbes2_max_count
        self.pbes2_remaining = pbes2_max_count
        self.attempts_remaining = MAX_KEY_ATTEMPTS

    def spend_attempt(self) -> None:
        """Account for one key tried on one recipient (an RSA or ECDH private operation):
        recipients times candidate keys must not multiply without bound either."""
        if self.attempts_remaining <= 0:
            raise DecodeError(
                f"Invalid JWE: more than {MAX_KEY_ATTEMPTS} key attempts for one message "
                "(recipients times keys tried); name the key with 'kid'"
            )
        self.attempts_remaining -= 1

    def spend_pbes2(self, count: int) -> None:
        """Account for ``count`` PBKDF2 iterations before running them; refuse past the budget."""
        if count > self.pbes2_remaining:
            raise DecodeError(
                f"Invalid JWE: its PBES2 iteration counts exceed the limit of "
                f"{self.pbes2_max_count} per message (p2c times recipients and keys tried)"
            )
        self.pbes2_remaining -= count


class ContentEncryptionAlgorithm(ABC):
    """A JWE ``enc``: authenticated encryption of the plaintext with the CEK."""

    name: str
    key_type = "oct"
    key_types = frozenset({"oct"})
    curves: frozenset[str] = frozenset()
    #: CEK length in bytes (also the smallest key the binding check accepts).
    key_size: int
    min_key_size: int
    #: Initialization vector length in bytes.
    iv_size: int

    @abstractmethod
    def encrypt(self, cek: bytes, iv: bytes, plaintext: bytes, aad: bytes) -> tuple[bytes, bytes]:
        """Return ``(ciphertext, tag)``."""

    @abstractmethod
    def decrypt(self, cek: bytes, iv: bytes, ciphertext: bytes, tag: bytes, aad: bytes) -> bytes:
        """Return the plaintext, or raise :class:`DecryptionError` for any failure."""

    def generate_key(self) -> bytes:
        return os.urandom(self.key_size)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"


class KeyManagementAlgorithm(ABC):
    """A JWE ``alg``: how the content encryption key reaches the recipient."""

    name: str
    #: The JWK ``kty`` used by :meth:`Key.generate`; ``key_types`` lists every one accepted.
    key_type: str
    key_types: frozenset[str]
    curves: frozenset[str] = frozenset()
    min_key_size: int = 0
    #: The key operations (RFC 7517 ``key_ops``) this algorithm performs on each side.
    encrypt_operation = "wrapKey"
    decrypt_operation = "unwrapKey"
    #: The CEK comes out of the key itself (``dir``, ``ECDH-ES``): one recipient only.
    direct = False
    #: Kept for reading old tokens only (``RSA1_5``); encryption refuses it.
    decrypt_only = False
    #: Header members this algorithm writes (a caller may not set them).
    header_parameters: frozenset[str] = frozenset()

    @abstractmethod
    def wrap(
        self,
        key: Any,
        enc: ContentEncryptionAlgorithm,
        cek: bytes | None,
        header: Mapping[str, Any],
        inputs: EncryptionInputs,
    ) -> tuple[bytes, bytes, dict[str, Any]]:
        """Return ``(cek, encrypted_key, header_parameters)``.

        ``cek`` is None when this recipient may choose it (the only, or first, recipient).
        """

    @abstractmethod
    def unwrap(
        self,
        key: Any,
        encrypted_key: bytes,
        enc: ContentEncryptionAlgorithm,
        header: Mapping[str, Any],
        policy: DecryptionPolicy,
    ) -> bytes:
        """Return the CEK, or raise :class:`DecryptionError`."""

    @abstractmethod
    def generate_key(self) -> Any:
        """Make fresh private material fit for this algorithm."""

    def new_cek(self, enc: ContentEncryptionAlgorithm, inputs: EncryptionInputs) -> bytes:
        return inputs.cek if inputs.cek is not None else os.urandom(enc.key_size)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"

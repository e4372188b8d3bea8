"""jwtkit: JSON Web Tokens for Python, done completely.

``import jwtkit as jwt`` gives PyJWT-shaped ``encode``/``decode``; :class:`Verifier` is the
fast path for checking many tokens; :mod:`jwtkit.jws` and :mod:`jwtkit.jwk` hold the JOSE
building blocks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import jwe, jws
from ._key_input import AsyncKeySource, KeySource
from .errors import (
    DecodeError,
    DecryptionError,
    DiscoveryError,
    ExpiredSignatureError,
    ImmatureSignatureError,
    InsecureKeyError,
    InvalidAlgorithmError,
    InvalidAudienceError,
    InvalidClaimError,
    InvalidIssuedAtError,
    InvalidIssuerError,
    InvalidJTIError,
    InvalidKeyError,
    InvalidOptionError,
    InvalidSignatureError,
    InvalidSubjectError,
    InvalidTokenError,
    InvalidTypeError,
    IssuedInFutureError,
    JWKSError,
    JWTKitError,
    KeyNotFoundError,
    KeyRingConflictError,
    KeyRingError,
    MissingRequiredClaimError,
    RevocationCheckError,
    UnsupportedAlgorithmError,
)
from .jwk import AKPKey, ECKey, Key, KeySet, OctKey, OKPKey, RSAKey
from .jwt import Verifier, decode, decode_complete, encode, get_unverified_header
from .nested import decode_encrypted, encode_encrypted

if TYPE_CHECKING:
    from .jwks import AsyncJWKSClient, JWKSClient
    from .keyring import KeyRing

# Key sources are imported on first use: they pull in asyncio, and httpx when they fetch.
_LAZY_NAMES = {"AsyncJWKSClient": "jwks", "JWKSClient": "jwks", "KeyRing": "keyring"}


def __getattr__(name: str) -> Any:
    module_name = _LAZY_NAMES.get(name)
    if module_name is None:
        raise AttributeError(f"module 'jwtkit' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f"jwtkit.{module_name}"), name)
    globals()[name] = value
    return value


__version__ = "0.1.0"

__all__ = [
    "AKPKey",
    "AsyncJWKSClient",
    "AsyncKeySource",
    "DecodeError",
    "DecryptionError",
    "DiscoveryError",
    "ECKey",
    "ExpiredSignatureError",
    "ImmatureSignatureError",
    "InsecureKeyError",
    "InvalidAlgorithmError",
    "InvalidAudienceError",
    "InvalidClaimError",
    "InvalidIssuedAtError",
    "InvalidIssuerError",
    "InvalidJTIError",
    "InvalidKeyError",
    "InvalidOptionError",
    "InvalidSignatureError",
    "InvalidSubjectError",
    "InvalidTokenError",
    "InvalidTypeError",
    "IssuedInFutureError",
    "JWKSClient",
    "JWKSError",
    "JWTKitError",
    "Key",
    "KeyNotFoundError",
    "KeyRing",
    "KeyRingConflictError",
    "KeyRingError",
    "KeySet",
    "KeySource",
    "MissingRequiredClaimError",
    "OKPKey",
    "OctKey",
    "RSAKey",
    "RevocationCheckError",
    "UnsupportedAlgorithmError",
    "Verifier",
    "__version__",
    "decode",
    "decode_complete",
    "decode_encrypted",
    "encode",
    "encode_encrypted",
    "get_unverified_header",
    "jwe",
    "jws",
]

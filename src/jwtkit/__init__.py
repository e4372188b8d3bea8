"""jwtkit: JSON Web Tokens for Python, done completely.

``import jwtkit as jwt`` gives PyJWT-shaped ``encode``/``decode``; :class:`Verifier` is the
fast path for checking many tokens; :mod:`jwtkit.jws` and :mod:`jwtkit.jwk` hold the JOSE
building blocks.
"""

from __future__ import annotations

from . import jws
from .errors import (
    DecodeError,
    DecryptionError,
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
    InvalidSignatureError,
    InvalidSubjectError,
    InvalidTokenError,
    InvalidTypeError,
    JWKSError,
    JWTKitError,
    KeyNotFoundError,
    MissingRequiredClaimError,
    UnsupportedAlgorithmError,
)
from .jwk import AKPKey, ECKey, Key, KeySet, OctKey, OKPKey, RSAKey
from .jwt import Verifier, decode, decode_complete, encode, get_unverified_header

__version__ = "0.1.0"

__all__ = [
    "AKPKey",
    "DecodeError",
    "DecryptionError",
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
    "InvalidSignatureError",
    "InvalidSubjectError",
    "InvalidTokenError",
    "InvalidTypeError",
    "JWKSError",
    "JWTKitError",
    "Key",
    "KeyNotFoundError",
    "KeySet",
    "MissingRequiredClaimError",
    "OKPKey",
    "OctKey",
    "RSAKey",
    "UnsupportedAlgorithmError",
    "Verifier",
    "__version__",
    "decode",
    "decode_complete",
    "encode",
    "get_unverified_header",
    "jws",
]

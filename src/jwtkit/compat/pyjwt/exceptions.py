"""PyJWT's exception names, bound to jwtkit's classes.

Every class PyJWT defines exists here with PyJWT's parent/child relations. Where jwtkit's
core already has the class (``InvalidTokenError``, ``DecodeError``, ...) the name is an alias,
so an error raised deep in jwtkit is caught by ``except jwt.DecodeError`` exactly as PyJWT
code expects; ``PyJWTError`` is :class:`jwtkit.JWTKitError`, the root of everything jwtkit
raises. The JWK and JWKS client errors exist only in PyJWT's vocabulary and are defined
here, below jwtkit's own roots (``PyJWKClientError`` is a :class:`jwtkit.JWKSError`).
"""

from __future__ import annotations

from ...errors import (
    DecodeError,
    ExpiredSignatureError,
    ImmatureSignatureError,
    InvalidAlgorithmError,
    InvalidAudienceError,
    InvalidIssuedAtError,
    InvalidIssuerError,
    InvalidJTIError,
    InvalidKeyError,
    InvalidSignatureError,
    InvalidSubjectError,
    InvalidTokenError,
    JWKSError,
    MissingRequiredClaimError,
)
from ...errors import JWTKitError as PyJWTError

__all__ = [
    "DecodeError",
    "ExpiredSignatureError",
    "ImmatureSignatureError",
    "InvalidAlgorithmError",
    "InvalidAudienceError",
    "InvalidIssuedAtError",
    "InvalidIssuerError",
    "InvalidJTIError",
    "InvalidKeyError",
    "InvalidSignatureError",
    "InvalidSubjectError",
    "InvalidTokenError",
    "MissingCryptographyError",
    "MissingRequiredClaimError",
    "PyJWKClientConnectionError",
    "PyJWKClientError",
    "PyJWKError",
    "PyJWKSetError",
    "PyJWTError",
]


class PyJWKError(PyJWTError):
    """A JWK could not be turned into a usable key (PyJWT's ``PyJWK`` errors)."""


class MissingCryptographyError(PyJWKError):
    """Kept for PyJWT code that catches it; jwtkit always has ``cryptography``."""


class PyJWKSetError(PyJWTError):
    """A JWK Set is empty, malformed or has no usable key."""


class PyJWKClientError(JWKSError):
    """A JWKS endpoint gave no usable signing key (a :class:`jwtkit.JWKSError`)."""


class PyJWKClientConnectionError(PyJWKClientError):
    """The JWKS endpoint could not be reached or did not answer 200."""

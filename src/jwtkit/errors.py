"""The one exception hierarchy of jwtkit.

Every failure that leaves the library is a :class:`JWTKitError`. The names that PyJWT users
already catch (``InvalidTokenError``, ``ExpiredSignatureError``, ...) exist here with the same
parent/child relations, so ``except jwt.InvalidTokenError`` keeps working after
``import jwtkit as jwt``. Messages name the check that failed and never carry the token or
any key material.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "DecodeError",
    "DecryptionError",
    "DiscoveryError",
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
    "JWKSError",
    "JWTKitError",
    "KeyNotFoundError",
    "KeyRingConflictError",
    "KeyRingError",
    "MissingRequiredClaimError",
    "RevocationCheckError",
    "UnsupportedAlgorithmError",
]


class JWTKitError(Exception):
    """Root of every error jwtkit raises."""


# -- keys ------------------------------------------------------------------------------------


class InvalidKeyError(JWTKitError):
    """A key could not be imported, is malformed, or does not fit the requested algorithm."""


class InsecureKeyError(InvalidKeyError):
    """A key is well-formed but too weak for the policy (short RSA modulus, short HMAC secret)."""


class InvalidOptionError(JWTKitError, TypeError, ValueError):
    """An argument given to decode/Verifier is malformed: the caller's mistake, not the token's."""


class UnsupportedAlgorithmError(JWTKitError):
    """An algorithm name that jwtkit does not implement (or that is not allowed here)."""


class JWKSError(JWTKitError):
    """A JWKS document could not be fetched or parsed."""


class DiscoveryError(JWKSError):
    """An issuer's metadata (RFC 8414 / OpenID discovery) could not be fetched or trusted."""


class RevocationCheckError(JWTKitError):
    """Whether a token is revoked could not be found out (introspection or denylist failed)."""


class KeyRingError(JWTKitError):
    """The key ring's state could not be loaded, decrypted, validated or saved."""


class KeyRingConflictError(KeyRingError):
    """Another writer changed the stored ring first (the compare-and-swap lost)."""


# -- tokens ----------------------------------------------------------------------------------


class InvalidTokenError(JWTKitError):
    """The token is not acceptable. Parent of every token check."""


class DecodeError(InvalidTokenError):
    """The token is not well-formed: segments, base64url, JSON, sizes or header members."""


class InvalidSignatureError(DecodeError):
    """The signature does not verify with the given key."""


class DecryptionError(DecodeError):
    """A JWE could not be decrypted. One message for every cause, so it is no oracle."""


class InvalidAlgorithmError(InvalidTokenError):
    """The token's ``alg`` is not among the algorithms the caller allowed, or not for this key."""


class InvalidTypeError(InvalidTokenError):
    """The token's ``typ`` header is not the expected one."""


class ExpiredSignatureError(InvalidTokenError):
    """The ``exp`` claim is in the past (beyond the leeway)."""


class ImmatureSignatureError(InvalidTokenError):
    """The ``nbf`` claim is in the future (beyond the leeway)."""


class InvalidIssuedAtError(InvalidTokenError):
    """The ``iat`` claim is malformed or in the future (beyond the leeway)."""


class InvalidAudienceError(InvalidTokenError):
    """The ``aud`` claim does not name the expected audience."""


class InvalidIssuerError(InvalidTokenError):
    """The ``iss`` claim is not the expected issuer."""


class InvalidSubjectError(InvalidTokenError):
    """The ``sub`` claim is malformed or not the expected subject."""


class InvalidJTIError(InvalidTokenError):
    """The ``jti`` claim is malformed."""


class InvalidClaimError(InvalidTokenError):
    """A claim given to ``encode`` cannot go into a token (wrong type, not JSON)."""


class IssuedInFutureError(ImmatureSignatureError, InvalidIssuedAtError):
    """The ``iat`` claim is in the future: PyJWT code catches it as immature, ours as iat."""


class KeyNotFoundError(InvalidKeyError, InvalidTokenError):
    """No key in a key set matches the token (by ``kid``, ``alg`` or ``use``)."""


class MissingRequiredClaimError(InvalidTokenError):
    """One or more required claims are absent. ``claims`` lists every one of them."""

    def __init__(self, claims: str | Iterable[str]) -> None:
        self.claims: tuple[str, ...] = (claims,) if isinstance(claims, str) else tuple(claims)
        # PyJWT's text for one claim (consumers show it to their users), extended to several.
        names = ", ".join(f'"{name}"' for name in self.claims)
        plural = "claims" if len(self.claims) > 1 else "claim"
        super().__init__(f"Token is missing the {names} {plural}")

    @property
    def claim(self) -> str:
        """The first missing claim (PyJWT exposes a single ``claim`` attribute)."""
        return self.claims[0]

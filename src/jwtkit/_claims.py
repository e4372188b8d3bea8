"""JWT claim checks (RFC 7519 §4.1, RFC 8725), resolved once into a :class:`ClaimRules`.

``decode`` builds rules per call (cached by their options), ``Verifier`` builds them once.
Every check is exact: ``iss`` compares whole strings (never substrings, CVE-2024-53861),
NumericDates must be finite numbers, and a token that names an audience is refused when the
caller expects none.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from ._options import (
    DEFAULT_OPTIONS,
    check_claim_names,
    check_duration,
    check_options,
    timestamp,
)
from .errors import (
    DecodeError,
    ExpiredSignatureError,
    ImmatureSignatureError,
    InvalidAudienceError,
    InvalidIssuedAtError,
    InvalidIssuerError,
    InvalidJTIError,
    InvalidOptionError,
    InvalidSubjectError,
    InvalidTypeError,
    IssuedInFutureError,
    MissingRequiredClaimError,
)

__all__ = ["DEFAULT_OPTIONS", "ClaimRules", "numeric_date", "timestamp"]


#: PyJWT's texts for a NumericDate that is not one (they are API: consumers show them).
_NOT_A_DATE = {
    "iat": "Issued At claim (iat) must be an integer.",
    "nbf": "Not Before claim (nbf) must be an integer.",
    "exp": "Expiration Time claim (exp) must be an integer.",
}


def numeric_date(claims: Mapping[str, Any], name: str, error: type[Exception]) -> float | None:
    """A NumericDate claim: absent → None; anything but a finite number → ``error``."""
    value = claims.get(name)
    message = _NOT_A_DATE.get(name) or f"The {name!r} claim must be a finite number"
    if value is None:
        if name in claims:
            raise error(message)
        return None
    kind = type(value)
    if kind is float:
        if not math.isfinite(value):
            raise error(message)
        return value  # type: ignore[no-any-return]
    # Integers beyond a float's range (10**400) are as meaningless as Infinity.
    if kind is not int or not -_LARGEST_DATE <= value <= _LARGEST_DATE:
        raise error(message)
    return float(value)


#: NumericDates beyond this many seconds (about 3e11 years) are refused as nonsense.
_LARGEST_DATE = 10**19


def _normalise_typ(value: str) -> str:
    # RFC 7515 §4.1.9: media types compare case-insensitively; "application/" may be omitted.
    value = value.lower()
    return value[12:] if value.startswith("application/") else value


def _string_set(value: str | Iterable[str] | None, name: str) -> frozenset[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return frozenset((value,))
    if not isinstance(value, Iterable) or isinstance(value, bytes | bytearray | Mapping):
        raise InvalidOptionError(f"{name} must be a string or a list of strings")
    values = tuple(value)
    if not values or not all(type(item) is str for item in values):
        raise InvalidOptionError(f"{name} must be a string or a non-empty list of strings")
    return frozenset(values)


class ClaimRules:
    """Every claim check for one configuration, resolved up front."""

    __slots__ = (
        "audience",
        "check_aud",
        "check_exp",
        "check_iat",
        "check_iss",
        "check_jti",
        "check_nbf",
        "check_sub",
        "issuer",
        "leeway",
        "required",
        "strict_audience",
        "subject",
        "typ",
        "verify_signature",
    )

    def __init__(
        self,
        *,
        audience: str | Iterable[str] | None = None,
        issuer: str | Iterable[str] | None = None,
        subject: str | None = None,
        leeway: float | timedelta = 0,
        required: Iterable[str] = (),
        typ: str | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> None:
        merged = check_options(options)
        self.verify_signature: bool = merged["verify_signature"]
        self._set_switches(merged, options or {})
        self.strict_audience: bool = merged["strict_aud"]
        if self.strict_audience and audience is not None and not isinstance(audience, str):
            raise InvalidOptionError("strict_aud needs a single audience string")
        self.audience = _string_set(audience, "audience")
        self.issuer = _string_set(issuer, "issuer")
        if subject is not None and not isinstance(subject, str):
            raise InvalidOptionError("subject must be a string")
        self.subject = subject
        self.leeway = check_duration(leeway, "leeway")
        self.required = self._required_claims(
            check_claim_names(required, "required"), merged["require"]
        )
        if typ is not None and not isinstance(typ, str):
            raise InvalidOptionError("typ must be a string")
        self.typ = _normalise_typ(typ) if typ is not None else None

    def _set_switches(self, merged: Mapping[str, Any], explicit: Mapping[str, Any]) -> None:
        # PyJWT semantics: switching the signature off switches the claim checks off too,
        # unless the caller turns one back on explicitly.
        signature_checked = merged["verify_signature"]

        def enabled(name: str) -> bool:
            return bool(explicit.get(name, signature_checked and merged[name]))

        self.check_exp = enabled("verify_exp")
        self.check_nbf = enabled("verify_nbf")
        self.check_iat = enabled("verify_iat")
        self.check_aud = enabled("verify_aud")
        self.check_iss = enabled("verify_iss")
        self.check_sub = enabled("verify_sub")
        self.check_jti = enabled("verify_jti")

    def _required_claims(
        self, required: Iterable[str], from_options: Iterable[str]
    ) -> tuple[str, ...]:
        # Claims that an expected value implies are required too, so that a token missing
        # several of them is told about all of them at once.
        implied = [
            name
            for name, expected, enabled_check in (
                ("iss", self.issuer, self.check_iss),
                ("aud", self.audience, self.check_aud),
                ("sub", self.subject, self.check_sub),
            )
            if expected is not None and enabled_check
        ]
        return tuple(dict.fromkeys((*required, *from_options, *implied)))

    def check_header(self, header: Mapping[str, Any]) -> None:
        if self.typ is not None:
            value = header.get("typ")
            if not isinstance(value, str) or _normalise_typ(value) != self.typ:
                raise InvalidTypeError("The token's 'typ' header is not the expected type")

    def check(self, claims: dict[str, Any], now: float) -> None:
        """Raise the first failed check; report every missing required claim at once."""
        get = claims.get
        for name in self.required:
            if get(name) is None:
                missing = [claim for claim in self.required if get(claim) is None]
                raise MissingRequiredClaimError(missing)
        leeway = self.leeway
        # NumericDates are nearly always plain ints: those skip the general parsing.
        if self.check_iat:
            issued_at = get("iat")
            if type(issued_at) is not int or not -_LARGEST_DATE <= issued_at <= _LARGEST_DATE:
                issued_at = numeric_date(claims, "iat", InvalidIssuedAtError)
            if issued_at is not None and issued_at > now + leeway:
                raise IssuedInFutureError("The token is not yet valid (iat)")
        if self.check_nbf:
            not_before = get("nbf")
            if type(not_before) is not int or not -_LARGEST_DATE <= not_before <= _LARGEST_DATE:
                not_before = numeric_date(claims, "nbf", DecodeError)
            if not_before is not None and not_before > now + leeway:
                raise ImmatureSignatureError("The token is not yet valid (nbf)")
        if self.check_exp:
            expires = get("exp")
            if type(expires) is not int or not -_LARGEST_DATE <= expires <= _LARGEST_DATE:
                expires = numeric_date(claims, "exp", DecodeError)
            if expires is not None and expires <= now - leeway:
                raise ExpiredSignatureError("Signature has expired")
        # PyJWT's order (issuer, then audience) and texts: which error a token that fails
        # several checks gets is part of the interface callers rely on.
        if self.check_iss and self.issuer is not None:
            issuer = claims.get("iss")
            if issuer is None:
                raise MissingRequiredClaimError("iss")
            if type(issuer) is not str:
                raise InvalidIssuerError("Payload Issuer (iss) must be a string")
            if issuer not in self.issuer:
                raise InvalidIssuerError("Invalid issuer")
        if self.check_aud:
            self._check_audience(claims)
        if self.check_sub and "sub" in claims:
            subject = claims["sub"]
            if type(subject) is not str:
                raise InvalidSubjectError("Subject must be a string")
            if self.subject is not None and subject != self.subject:
                raise InvalidSubjectError("Invalid subject")
        elif self.check_sub and self.subject is not None:
            raise MissingRequiredClaimError("sub")
        if self.check_jti and "jti" in claims and type(claims["jti"]) is not str:
            raise InvalidJTIError("JWT ID must be a string")

    def _check_audience(self, claims: dict[str, Any]) -> None:
        expected = self.audience
        if "aud" not in claims:
            if expected is not None:
                raise MissingRequiredClaimError("aud")
            return
        audience = claims["aud"]
        if expected is None:
            # RFC 7519 §4.1.3: a token for some audience is not for a caller that names none.
            raise InvalidAudienceError("Invalid audience")
        if self.strict_audience:
            if type(audience) is not str:
                raise InvalidAudienceError("Invalid claim format in token (strict)")
            if audience not in expected:
                raise InvalidAudienceError("Audience doesn't match (strict)")
            return
        if type(audience) is str:
            if audience not in expected:
                raise InvalidAudienceError("Audience doesn't match")
            return
        if type(audience) is not list or not all(type(item) is str for item in audience):
            raise InvalidAudienceError("Invalid claim format in token")
        if expected.isdisjoint(audience):
            raise InvalidAudienceError("Audience doesn't match")

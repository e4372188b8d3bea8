"""PyJWT's ``PyJWT`` class and the module functions ``encode``, ``decode``,
``decode_complete``, checking claims with jwtkit's :class:`~jwtkit._claims.ClaimRules`.

The signature is verified by :class:`~jwtkit.compat.pyjwt.api_jws.PyJWS` (jwtkit's one
verify path); the payload is parsed by jwtkit's strict JSON reader; the claims are checked
by the same rules ``jwtkit.decode`` uses, built once per set of options and reused.
"""

from __future__ import annotations

import json
import time
import warnings
from calendar import timegm
from collections.abc import Container, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from ..._claims import DEFAULT_OPTIONS
from ...errors import (
    InvalidAudienceError,
    InvalidClaimError,
    InvalidIssuerError,
    MissingRequiredClaimError,
)
from ...jwt import _rules_for
from . import _segments, _settings
from .api_jws import _ALGORITHM_UNSET, PyJWS, _jws_global_obj
from .types import FullOptions, Options, SigOptions
from .warnings import warn_extra_kwargs

__all__ = ["PyJWT", "decode", "decode_complete", "encode"]

_CLAIM_OPTIONS = frozenset(DEFAULT_OPTIONS)
_SWITCHES = (
    "verify_exp",
    "verify_nbf",
    "verify_iat",
    "verify_aud",
    "verify_iss",
    "verify_sub",
    "verify_jti",
)


class PyJWT:
    """JWT encode/decode with PyJWT's interface; ``options`` become the defaults."""

    def __init__(self, options: Options | None = None) -> None:
        self.options: FullOptions = self._get_default_options()
        if options is not None:
            self.options = self._merge_options(options)
        self._jws = PyJWS(options=self._get_sig_options())

    @staticmethod
    def _get_default_options() -> FullOptions:
        return {
            "verify_signature": True,
            "verify_exp": True,
            "verify_nbf": True,
            "verify_iat": True,
            "verify_aud": True,
            "verify_iss": True,
            "verify_sub": True,
            "verify_jti": True,
            "require": [],
            "strict_aud": False,
            # Unlike PyJWT (False: warn), weak keys are refused unless the caller opts out,
            # here or process-wide with configure(enforce_minimum_key_length=False).
            "enforce_minimum_key_length": _settings.enforce_minimum_key_length(),
        }

    def _get_sig_options(self) -> SigOptions:
        return {
            "verify_signature": self.options["verify_signature"],
            "enforce_minimum_key_length": self.options["enforce_minimum_key_length"],
        }

    def _merge_options(self, options: Options | None = None) -> FullOptions:
        if options is None:
            return self.options
        merged = cast(dict[str, Any], dict(options))
        # Turning the signature off turns every claim check off unless named explicitly.
        if not merged.get("verify_signature", True):
            for name in _SWITCHES:
                merged.setdefault(name, False)
        return cast(FullOptions, {**self.options, **merged})

    # -- encoding ----------------------------------------------------------------------------

    def encode(
        self,
        payload: dict[str, Any],
        key: Any,
        algorithm: str | None = _ALGORITHM_UNSET,
        headers: dict[str, Any] | None = None,
        json_encoder: type[json.JSONEncoder] | None = None,
        sort_headers: bool = True,
    ) -> str:
        """Sign ``payload`` (a dict of claims) into a compact JWT."""
        if not isinstance(payload, dict):
            raise TypeError(
                "Expecting a dict object, as JWT only supports JSON objects as payloads."
            )
        payload = payload.copy()
        for name in ("exp", "iat", "nbf"):
            value = payload.get(name)
            if isinstance(value, datetime):
                payload[name] = timegm(value.utctimetuple())
        if "iss" in payload and not isinstance(payload["iss"], str):
            raise TypeError("Issuer (iss) must be a string.")
        json_payload = self._encode_payload(payload, headers=headers, json_encoder=json_encoder)
        return self._jws.encode(
            json_payload, key, algorithm, headers, json_encoder, sort_headers=sort_headers
        )

    def _encode_payload(
        self,
        payload: dict[str, Any],
        headers: dict[str, Any] | None = None,
        json_encoder: type[json.JSONEncoder] | None = None,
    ) -> bytes:
        """The bytes to sign; subclasses may override (e.g. to compress)."""
        try:
            text = json.dumps(payload, separators=(",", ":"), cls=json_encoder, allow_nan=False)
        except ValueError as error:  # NaN/Infinity: not JSON, and not a NumericDate
            raise InvalidClaimError(f"The claims cannot be serialized as JSON: {error}") from None
        return text.encode("utf-8")

    # -- decoding ----------------------------------------------------------------------------

    def decode_complete(
        self,
        jwt: str | bytes,
        key: Any = "",
        algorithms: Sequence[str] | None = None,
        options: Options | None = None,
        verify: bool | None = None,
        detached_payload: bytes | None = None,
        audience: str | Iterable[str] | None = None,
        issuer: str | Container[str] | None = None,
        subject: str | None = None,
        leeway: float | timedelta = 0,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """Verify ``jwt``; return ``{"header": ..., "payload": claims, "signature": ...}``."""
        warn_extra_kwargs("decode_complete", kwargs)
        verify_signature = True if options is None else options.get("verify_signature", True)
        if verify is not None and verify != verify_signature:
            warnings.warn(
                "The `verify` argument to `decode` does nothing in PyJWT 2.0 and newer. The "
                "equivalent is setting `verify_signature` to False in the `options` dictionary. "
                "This invocation has a mismatch between the kwarg and the option entry.",
                category=DeprecationWarning,
                stacklevel=2,
            )
        merged = self._merge_options(options)
        sig_options: SigOptions = {
            "verify_signature": verify_signature,
            "enforce_minimum_key_length": merged.get("enforce_minimum_key_length", True),
        }
        decoded = self._jws.decode_complete(
            jwt,
            key=key,
            algorithms=algorithms,
            options=sig_options,
            detached_payload=detached_payload,
        )
        payload = self._decode_payload(decoded)
        self._validate_claims(
            payload, merged, audience=audience, issuer=issuer, subject=subject, leeway=leeway
        )
        decoded["payload"] = payload
        return decoded

    def _decode_payload(self, decoded: dict[str, Any]) -> dict[str, Any]:
        """The claims of a verified JWS; subclasses may override (e.g. to decompress)."""
        return _segments.parse_json_object(decoded["payload"], "payload")

    def decode(
        self,
        jwt: str | bytes,
        key: Any = "",
        algorithms: Sequence[str] | None = None,
        options: Options | None = None,
        verify: bool | None = None,
        detached_payload: bytes | None = None,
        audience: str | Iterable[str] | None = None,
        subject: str | None = None,
        issuer: str | Container[str] | None = None,
        leeway: float | timedelta = 0,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """Verify the signature and claims of ``jwt``; return the claims."""
        warn_extra_kwargs("decode", kwargs)
        decoded = self.decode_complete(
            jwt,
            key,
            algorithms,
            options,
            verify=verify,
            detached_payload=detached_payload,
            audience=audience,
            subject=subject,
            issuer=issuer,
            leeway=leeway,
        )
        claims: dict[str, Any] = decoded["payload"]
        return claims

    def _validate_claims(
        self,
        payload: dict[str, Any],
        options: FullOptions,
        audience: Iterable[str] | str | None = None,
        issuer: Container[str] | str | None = None,
        subject: str | None = None,
        leeway: float | timedelta = 0,
    ) -> None:
        if audience is not None and not isinstance(audience, str | Iterable):
            raise TypeError("audience must be a string, iterable or None")
        claim_options = {name: value for name, value in options.items() if name in _CLAIM_OPTIONS}
        claim_options["require"] = list(options.get("require") or ())
        if claim_options["verify_signature"]:
            # Options at their defaults change nothing: leaving them out lets the cached
            # rules be found without hashing every switch on every call.
            claim_options = {
                name: value
                for name, value in claim_options.items()
                if value != DEFAULT_OPTIONS[name]
            }
        strict_with_many = (
            options["verify_aud"]
            and options.get("strict_aud")
            and audience is not None
            and not isinstance(audience, str)
        )
        if strict_with_many:
            claim_options["verify_aud"] = False  # checked below, after the other claims
        issuers = _issuer_values(issuer)
        if issuers is _OWN_ISSUER_CHECK:
            claim_options["verify_iss"] = False  # checked below, PyJWT's way
        rules = _rules_for(
            audience if not strict_with_many else None,
            None if issuers is _OWN_ISSUER_CHECK else issuers,
            subject,
            leeway,
            (),
            None,
            claim_options or None,
        )
        rules.check(payload, time.time())
        if issuers is _OWN_ISSUER_CHECK and options["verify_iss"]:
            self._validate_iss(payload, cast(Container[str], issuer))
        if strict_with_many:
            if not payload.get("aud"):
                raise MissingRequiredClaimError("aud")
            raise InvalidAudienceError("Invalid audience (strict)")

    def _validate_iss(self, payload: dict[str, Any], issuer: Container[str] | str | None) -> None:
        """PyJWT's issuer check: ``iss`` equal to ``issuer`` (a string, compared whole) or a
        member of it (any container of strings)."""
        if issuer is None:
            return
        if "iss" not in payload:
            raise MissingRequiredClaimError("iss")
        iss = payload["iss"]
        if not isinstance(iss, str):
            raise InvalidIssuerError("Payload Issuer (iss) must be a string")
        if isinstance(issuer, str):
            found = iss == issuer  # never `in`: a substring is not the issuer (CVE-2024-53861)
        else:
            try:
                found = iss in issuer
            except TypeError:
                raise InvalidIssuerError('Issuer param must be "str" or "Container[str]"') from None
        if not found:
            raise InvalidIssuerError("Invalid issuer")


#: ``issuer`` is a container jwtkit's rules cannot list (or holds non-strings): PyJWT's check.
_OWN_ISSUER_CHECK: Any = object()


def _issuer_values(issuer: Container[str] | str | None) -> Any:
    """The expected issuers for jwtkit's rules, or :data:`_OWN_ISSUER_CHECK`."""
    if issuer is None or isinstance(issuer, str):
        return issuer
    if isinstance(issuer, Iterable) and not isinstance(issuer, bytes):
        values = list(issuer)
        if values and all(isinstance(value, str) for value in values):
            return values
    return _OWN_ISSUER_CHECK


_jwt_global_obj = PyJWT()
_jwt_global_obj._jws = _jws_global_obj
encode = _jwt_global_obj.encode
decode_complete = _jwt_global_obj.decode_complete
decode = _jwt_global_obj.decode

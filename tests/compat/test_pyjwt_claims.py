"""PyJWT's registered-claim checks (exp, nbf, iat, aud, iss, sub, jti, require, leeway and
the verify_* switches), on PyJWT and on ``jwtkit.compat.pyjwt``. Times are built around the
current second; no test waits for the clock."""

from __future__ import annotations

from datetime import timedelta
from types import ModuleType
from typing import Any

import pytest


def _decode(jwt: ModuleType, secret: str, claims: dict[str, Any], **kwargs: Any) -> Any:
    token = jwt.encode(claims, secret)
    return jwt.decode(token, secret, algorithms=["HS256"], **kwargs)


# -- time ------------------------------------------------------------------------------------


def test_expired_token(jwt: ModuleType, secret: str, now: int) -> None:
    with pytest.raises(jwt.ExpiredSignatureError):
        _decode(jwt, secret, {"exp": now - 10})


def test_unexpired_token(jwt: ModuleType, secret: str, now: int) -> None:
    assert _decode(jwt, secret, {"exp": now + 600}) == {"exp": now + 600}


def test_expiry_within_leeway(jwt: ModuleType, secret: str, now: int) -> None:
    assert _decode(jwt, secret, {"exp": now - 10}, leeway=60) == {"exp": now - 10}
    assert _decode(jwt, secret, {"exp": now - 10}, leeway=timedelta(minutes=1))
    with pytest.raises(jwt.ExpiredSignatureError):
        _decode(jwt, secret, {"exp": now - 120}, leeway=60)


def test_not_yet_valid_token(jwt: ModuleType, secret: str, now: int) -> None:
    with pytest.raises(jwt.ImmatureSignatureError):
        _decode(jwt, secret, {"nbf": now + 600})
    assert _decode(jwt, secret, {"nbf": now + 10}, leeway=60) == {"nbf": now + 10}


def test_issued_in_the_future(jwt: ModuleType, secret: str, now: int) -> None:
    with pytest.raises(jwt.ImmatureSignatureError):
        _decode(jwt, secret, {"iat": now + 600})
    assert _decode(jwt, secret, {"iat": now - 5}) == {"iat": now - 5}


@pytest.mark.parametrize("claim", ["exp", "nbf"])
def test_non_numeric_time_claim_is_a_decode_error(jwt: ModuleType, secret: str, claim: str) -> None:
    with pytest.raises(jwt.DecodeError):
        _decode(jwt, secret, {claim: "soon"})


def test_non_numeric_iat(jwt: ModuleType, secret: str) -> None:
    with pytest.raises(jwt.InvalidIssuedAtError):
        _decode(jwt, secret, {"iat": "yesterday"})


def test_time_checks_can_be_switched_off(jwt: ModuleType, secret: str, now: int) -> None:
    claims = {"exp": now - 100, "nbf": now + 100, "iat": now + 100}
    options = {"verify_exp": False, "verify_nbf": False, "verify_iat": False}
    assert _decode(jwt, secret, claims, options=options) == claims


# -- audience --------------------------------------------------------------------------------


def test_audience_string(jwt: ModuleType, secret: str) -> None:
    assert _decode(jwt, secret, {"aud": "api"}, audience="api") == {"aud": "api"}
    with pytest.raises(jwt.InvalidAudienceError):
        _decode(jwt, secret, {"aud": "other"}, audience="api")


def test_audience_list_in_token(jwt: ModuleType, secret: str) -> None:
    claims = {"aud": ["web", "api"]}
    assert _decode(jwt, secret, claims, audience="api") == claims
    assert _decode(jwt, secret, claims, audience=["x", "web"]) == claims
    with pytest.raises(jwt.InvalidAudienceError):
        _decode(jwt, secret, claims, audience=["x", "y"])


def test_expected_audience_missing_from_token(jwt: ModuleType, secret: str) -> None:
    with pytest.raises(jwt.MissingRequiredClaimError) as caught:
        _decode(jwt, secret, {"sub": "x"}, audience="api")
    assert caught.value.claim == "aud"


def test_rejects_token_with_audience_when_none_expected(jwt: ModuleType, secret: str) -> None:
    with pytest.raises(jwt.InvalidAudienceError):
        _decode(jwt, secret, {"aud": "api"})


def test_audience_check_can_be_switched_off(jwt: ModuleType, secret: str) -> None:
    assert _decode(jwt, secret, {"aud": "api"}, options={"verify_aud": False}) == {"aud": "api"}


def test_malformed_audience_claim(jwt: ModuleType, secret: str) -> None:
    with pytest.raises(jwt.InvalidAudienceError):
        _decode(jwt, secret, {"aud": 42}, audience="api")
    with pytest.raises(jwt.InvalidAudienceError):
        _decode(jwt, secret, {"aud": ["api", 42]}, audience="api")


def test_strict_audience(jwt: ModuleType, secret: str) -> None:
    options = {"strict_aud": True}
    assert _decode(jwt, secret, {"aud": "api"}, audience="api", options=options)
    with pytest.raises(jwt.InvalidAudienceError):
        _decode(jwt, secret, {"aud": ["api"]}, audience="api", options=options)
    with pytest.raises(jwt.InvalidAudienceError):
        _decode(jwt, secret, {"aud": "api"}, audience=["api"], options=options)


def test_rejects_audience_prefix(jwt: ModuleType, secret: str) -> None:
    with pytest.raises(jwt.InvalidAudienceError):
        _decode(jwt, secret, {"aud": "api"}, audience="api.example")


# -- issuer, subject, jti --------------------------------------------------------------------


def test_issuer(jwt: ModuleType, secret: str) -> None:
    issuer = "https://issuer.example"
    assert _decode(jwt, secret, {"iss": issuer}, issuer=issuer) == {"iss": issuer}
    assert _decode(jwt, secret, {"iss": issuer}, issuer=["other", issuer])
    with pytest.raises(jwt.InvalidIssuerError):
        _decode(jwt, secret, {"iss": "https://evil.example"}, issuer=issuer)


def test_rejects_issuer_substring(jwt: ModuleType, secret: str) -> None:
    # CVE-2024-53861: "acme" must not match an expected issuer "https://acme.example".
    with pytest.raises(jwt.InvalidIssuerError):
        _decode(jwt, secret, {"iss": "acme"}, issuer="https://acme.example")


def test_missing_issuer(jwt: ModuleType, secret: str) -> None:
    with pytest.raises(jwt.MissingRequiredClaimError) as caught:
        _decode(jwt, secret, {"sub": "x"}, issuer="https://issuer.example")
    assert caught.value.claim == "iss"


def test_issuer_check_can_be_switched_off(jwt: ModuleType, secret: str) -> None:
    assert _decode(jwt, secret, {"iss": "a"}, issuer="b", options={"verify_iss": False})


def test_subject(jwt: ModuleType, secret: str) -> None:
    assert _decode(jwt, secret, {"sub": "u1"}, subject="u1") == {"sub": "u1"}
    with pytest.raises(jwt.exceptions.InvalidSubjectError):
        _decode(jwt, secret, {"sub": "u2"}, subject="u1")
    with pytest.raises(jwt.exceptions.InvalidSubjectError):
        _decode(jwt, secret, {"sub": 42})
    assert _decode(jwt, secret, {"sub": 42}, options={"verify_sub": False}) == {"sub": 42}


def test_jwt_id_must_be_a_string(jwt: ModuleType, secret: str) -> None:
    with pytest.raises(jwt.exceptions.InvalidJTIError):
        _decode(jwt, secret, {"jti": 42})
    assert _decode(jwt, secret, {"jti": "abc"}) == {"jti": "abc"}
    assert _decode(jwt, secret, {"jti": 42}, options={"verify_jti": False}) == {"jti": 42}


# -- require and verify_signature ------------------------------------------------------------


def test_required_claims(jwt: ModuleType, secret: str, now: int) -> None:
    options = {"require": ["exp", "sub"]}
    claims = {"exp": now + 60, "sub": "x"}
    assert _decode(jwt, secret, claims, options=options) == claims
    with pytest.raises(jwt.MissingRequiredClaimError) as caught:
        _decode(jwt, secret, {"exp": now + 60}, options=options)
    assert caught.value.claim == "sub"
    with pytest.raises(jwt.MissingRequiredClaimError):
        _decode(jwt, secret, {"exp": now + 60, "sub": None}, options=options)


def test_verify_signature_false_turns_claim_checks_off(
    jwt: ModuleType, secret: str, now: int
) -> None:
    token = jwt.encode({"exp": now - 100, "aud": "x", "sub": 1}, secret)
    claims = jwt.decode(token, "wrong key", options={"verify_signature": False})
    assert claims["exp"] == now - 100


def test_verify_signature_false_keeps_checks_named_explicitly(
    jwt: ModuleType, secret: str, now: int
) -> None:
    token = jwt.encode({"exp": now - 100}, secret)
    with pytest.raises(jwt.ExpiredSignatureError):
        jwt.decode(token, options={"verify_signature": False, "verify_exp": True})


def test_required_claims_are_checked_without_signature(jwt: ModuleType, secret: str) -> None:
    token = jwt.encode({"a": 1}, secret)
    with pytest.raises(jwt.MissingRequiredClaimError):
        jwt.decode(token, options={"verify_signature": False, "require": ["exp"]})


def test_expired_is_caught_as_invalid_token(jwt: ModuleType, secret: str, now: int) -> None:
    with pytest.raises(jwt.InvalidTokenError):
        _decode(jwt, secret, {"exp": now - 10})
    with pytest.raises(jwt.PyJWTError):
        _decode(jwt, secret, {"exp": now - 10})

"""jwtkit.encode / decode / decode_complete / get_unverified_header and every claim check."""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

import jwtkit as jwt
from jwtkit._codec import b64url_decode, b64url_encode
from jwtkit.errors import (
    DecodeError,
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
    KeyNotFoundError,
    MissingRequiredClaimError,
)
from jwtkit.jwk import Key

SECRET = "a-long-enough-secret-for-hs256-!!"
NOW = 1_700_000_000


def token_with(claims: dict[str, Any], **kw: Any) -> str:
    return jwt.encode(claims, SECRET, "HS256", **kw)


def decode(token: str, **kw: Any) -> dict[str, Any]:
    kw.setdefault("now", NOW)
    return jwt.decode(token, SECRET, algorithms=["HS256"], **kw)


# -- the PyJWT tutorial shape ------------------------------------------------------------------


def test_pyjwt_tutorial_code_runs_with_import_jwtkit_as_jwt() -> None:
    encoded = jwt.encode({"some": "payload"}, SECRET, algorithm="HS256")
    assert isinstance(encoded, str)
    assert jwt.decode(encoded, SECRET, algorithms=["HS256"]) == {"some": "payload"}
    assert jwt.get_unverified_header(encoded) == {"alg": "HS256", "typ": "JWT"}
    complete = jwt.decode_complete(encoded, SECRET, algorithms=["HS256"])
    assert complete["header"] == {"alg": "HS256", "typ": "JWT"}
    assert complete["payload"] == {"some": "payload"}
    assert complete["signature"] == b64url_decode(encoded.split(".")[2])
    try:
        jwt.decode(encoded + "x", SECRET, algorithms=["HS256"])
    except jwt.InvalidTokenError:
        pass
    else:  # pragma: no cover - the decode above must fail
        raise AssertionError("tampered token accepted")


def test_encode_defaults_to_hs256_for_a_secret_and_to_the_keys_alg() -> None:
    assert jwt.get_unverified_header(jwt.encode({}, SECRET))["alg"] == "HS256"
    key = Key.generate("ES256", kid="k1")
    header = jwt.get_unverified_header(jwt.encode({}, key))
    assert header == {"alg": "ES256", "typ": "JWT", "kid": "k1"}
    with pytest.raises(InvalidKeyError):
        jwt.encode({}, key.to_pem(private=True))  # PEM without algorithm=


def test_encode_extra_headers_and_kid_override() -> None:
    key = Key.generate("RS256", kid="from-key")
    token = jwt.encode({}, key, headers={"kid": "override", "typ": "at+jwt", "alg": "none"})
    assert jwt.get_unverified_header(token) == {"alg": "RS256", "typ": "at+jwt", "kid": "override"}
    no_typ = jwt.encode({}, SECRET, headers={"typ": None})
    assert jwt.get_unverified_header(no_typ) == {"alg": "HS256"}
    with pytest.raises(InvalidOptionError):
        jwt.encode({}, SECRET, headers={"b64": False, "crit": ["b64"]})


def test_encode_turns_datetimes_into_numeric_dates() -> None:
    moment = datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    token = token_with({"exp": moment, "iat": moment - timedelta(hours=1), "nbf": moment})
    claims = jwt.decode(
        token, SECRET, ["HS256"], now=moment - timedelta(minutes=5), leeway=timedelta(hours=1)
    )
    assert claims["exp"] == int(moment.timestamp())
    assert claims["iat"] == int(moment.timestamp()) - 3600
    naive = datetime(2030, 1, 2, 3, 4, 5)
    assert decode(token_with({"exp": naive}))["exp"] == int(moment.timestamp())


@pytest.mark.parametrize(
    "bad",
    [
        {"exp": "tomorrow"},
        {"iat": float("nan")},
        {"x": object()},
        {"nbf": True},
        {"exp": float("inf")},
    ],
)
def test_encode_refuses_claims_that_cannot_go_into_a_token(bad: dict[str, Any]) -> None:
    with pytest.raises(InvalidClaimError):
        token_with(bad)
    with pytest.raises(InvalidClaimError):
        jwt.encode(["not", "a", "mapping"], SECRET)  # type: ignore[arg-type]


def test_encode_with_a_custom_json_encoder() -> None:
    class Encoder(json.JSONEncoder):
        def default(self, o: Any) -> Any:
            if isinstance(o, set):
                return sorted(o)
            return super().default(o)

    token = jwt.encode({"scope": {"b", "a"}}, SECRET, json_encoder=Encoder)
    assert decode(token) == {"scope": ["a", "b"]}


def test_encode_refuses_a_short_hmac_secret_with_advice() -> None:
    with pytest.raises(InsecureKeyError, match="token_bytes"):
        jwt.encode({}, "short", "HS256")
    legacy = jwt.encode({}, "k" * 32, "HS256")
    with pytest.raises(InsecureKeyError):
        jwt.decode(legacy, "k" * 16, ["HS256"])


def test_decode_with_each_key_form() -> None:
    key = Key.generate("ES384")
    token = jwt.encode({"sub": "x"}, key)
    public = key.public_key()
    for form in (
        public,
        public.to_pem(),
        public.to_pem().decode(),
        public.to_dict(),
        public.public_key_object,
        jwt.KeySet([public]),
    ):
        assert jwt.decode(token, form, ["ES384"]) == {"sub": "x"}


def test_decode_with_a_jwks_document_reparses_it_when_it_changes() -> None:
    key = Key.generate("ES256", kid="one")
    token = jwt.encode({"sub": "x"}, key)
    document = {"keys": [key.public_key().to_dict()]}
    assert jwt.decode(token, document, ["ES256"]) == {"sub": "x"}
    assert jwt.decode(token, document, ["ES256"]) == {"sub": "x"}
    document["keys"][0]["kid"] = "two"  # mutated in place: must not be served from cache
    with pytest.raises(KeyNotFoundError):
        jwt.decode(token, document, ["ES256"])


def test_decode_refuses_a_wrong_key_and_an_unlisted_algorithm() -> None:
    token = token_with({"sub": "x"})
    with pytest.raises(InvalidSignatureError):
        jwt.decode(token, SECRET + "?", ["HS256"])
    with pytest.raises(InvalidAlgorithmError):
        jwt.decode(token, SECRET, ["HS512"])


def test_decode_without_signature_check_is_explicit() -> None:
    token = token_with({"sub": "x", "exp": NOW - 10})
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims == {"sub": "x", "exp": NOW - 10}
    with pytest.raises(ExpiredSignatureError):
        jwt.decode(token, options={"verify_signature": False, "verify_exp": True}, now=NOW)


# -- time claims -------------------------------------------------------------------------------


def test_exp_in_the_past_is_refused_and_leeway_widens_it() -> None:
    token = token_with({"exp": NOW - 10})
    with pytest.raises(ExpiredSignatureError):
        decode(token)
    assert decode(token, leeway=11)["exp"] == NOW - 10
    assert decode(token, leeway=timedelta(seconds=11))["exp"] == NOW - 10
    with pytest.raises(ExpiredSignatureError):
        decode(token, leeway=10)  # exp == now - leeway is already expired
    assert decode(token_with({"exp": NOW + 1}))["exp"] == NOW + 1


def test_nbf_in_the_future_is_refused() -> None:
    token = token_with({"nbf": NOW + 30})
    with pytest.raises(ImmatureSignatureError):
        decode(token)
    assert decode(token, leeway=30)["nbf"] == NOW + 30
    assert decode(token, now=NOW + 30)["nbf"] == NOW + 30


def test_iat_in_the_future_beyond_leeway_is_refused() -> None:
    token = token_with({"iat": NOW + 120})
    with pytest.raises(InvalidIssuedAtError):
        decode(token)
    with pytest.raises(ImmatureSignatureError):  # what PyJWT code catches
        decode(token)
    assert decode(token, leeway=120)["iat"] == NOW + 120
    assert decode(token, options={"verify_iat": False})["iat"] == NOW + 120


def test_injectable_clock_accepts_numbers_and_datetimes() -> None:
    token = token_with({"exp": NOW + 60})
    assert decode(token, now=NOW)
    assert decode(token, now=datetime.fromtimestamp(NOW, tz=timezone.utc))
    with pytest.raises(ExpiredSignatureError):
        decode(token, now=NOW + 61)


def signed_raw_claims(raw: bytes) -> str:
    """An HS256 token whose claims segment is exactly ``raw`` (types encode would refuse)."""
    signing_input = f"eyJhbGciOiJIUzI1NiJ9.{b64url_encode(raw).decode()}"
    signature = hmac.digest(SECRET.encode(), signing_input.encode(), "sha256")
    return f"{signing_input}.{b64url_encode(signature).decode()}"


@pytest.mark.parametrize("value", ["1700000000", [1], {"t": 1}, True, None])
def test_numeric_dates_must_be_numbers(value: Any) -> None:
    for claim, error in (("exp", DecodeError), ("nbf", DecodeError), ("iat", InvalidIssuedAtError)):
        with pytest.raises(error):
            decode(signed_raw_claims(json.dumps({claim: value}).encode()))


def test_float_numeric_dates_are_accepted() -> None:
    assert decode(token_with({"exp": NOW + 0.5}))["exp"] == NOW + 0.5


# -- iss, aud, sub, jti, typ -------------------------------------------------------------------


def test_issuer_exact_string_or_one_of_a_list() -> None:
    token = token_with({"iss": "https://issuer.example"})
    assert decode(token, issuer="https://issuer.example")
    assert decode(token, issuer=["https://other.example", "https://issuer.example"])
    assert decode(token, issuer=("https://issuer.example",))
    with pytest.raises(InvalidIssuerError):
        decode(token, issuer="https://issuer.example/")
    with pytest.raises(MissingRequiredClaimError, match="iss"):
        decode(token_with({}), issuer="https://issuer.example")
    assert decode(token)  # no expected issuer: not checked


def test_audience_string_or_list_both_sides() -> None:
    single = token_with({"aud": "api"})
    several = token_with({"aud": ["web", "api"]})
    assert decode(single, audience="api")
    assert decode(single, audience=["api", "other"])
    assert decode(several, audience="api")
    assert decode(several, audience={"api"})
    for token in (single, several):
        with pytest.raises(InvalidAudienceError):
            decode(token, audience="nope")
    with pytest.raises(MissingRequiredClaimError, match="aud"):
        decode(token_with({}), audience="api")


def test_token_with_audience_and_no_expected_audience_fails() -> None:
    with pytest.raises(InvalidAudienceError):
        decode(token_with({"aud": "api"}))
    assert decode(token_with({"aud": "api"}), options={"verify_aud": False})["aud"] == "api"


@pytest.mark.parametrize("aud", [5, [1, "api"], {"api": 1}, None, ["api", ["x"]]])
def test_malformed_audience_claim_fails(aud: Any) -> None:
    with pytest.raises((InvalidAudienceError, MissingRequiredClaimError)):
        decode(token_with({"aud": aud}), audience="api")


def test_strict_audience_option() -> None:
    assert decode(token_with({"aud": "api"}), audience="api", options={"strict_aud": True})
    with pytest.raises(InvalidAudienceError):
        decode(token_with({"aud": ["api"]}), audience="api", options={"strict_aud": True})


def test_subject_and_jti_types_and_expected_subject() -> None:
    assert decode(token_with({"sub": "42"}), subject="42")
    with pytest.raises(InvalidSubjectError):
        decode(token_with({"sub": "43"}), subject="42")
    with pytest.raises(InvalidSubjectError):
        decode(token_with({"sub": 42}))
    with pytest.raises(MissingRequiredClaimError):
        decode(token_with({}), subject="42")
    with pytest.raises(InvalidJTIError):
        decode(token_with({"jti": 7}))
    assert decode(token_with({"jti": "id-1"}))["jti"] == "id-1"


def test_typ_header_check_for_access_tokens() -> None:
    access = token_with({"sub": "x"}, headers={"typ": "at+jwt"})
    assert decode(access, typ="at+jwt")
    assert decode(token_with({}, headers={"typ": "application/AT+JWT"}), typ="at+jwt") == {}
    with pytest.raises(InvalidTypeError):
        decode(token_with({}), typ="at+jwt")  # typ: JWT
    with pytest.raises(InvalidTypeError):
        decode(token_with({}, headers={"typ": None}), typ="at+jwt")


def test_required_claims_reports_every_missing_claim() -> None:
    token = token_with({"sub": "x"})
    with pytest.raises(MissingRequiredClaimError) as caught:
        decode(token, required=["exp", "iat", "sub", "jti"])
    assert caught.value.claims == ("exp", "iat", "jti")
    assert caught.value.claim == "exp"
    assert '"exp", "iat", "jti"' in str(caught.value)
    with pytest.raises(MissingRequiredClaimError) as both:
        decode(token, options={"require": ["exp"]}, issuer="me", audience="you")
    assert both.value.claims == ("exp", "iss", "aud")


def test_claims_are_checked_after_the_signature() -> None:
    expired = token_with({"exp": NOW - 100})
    with pytest.raises(InvalidSignatureError):
        jwt.decode(expired, SECRET + "x", ["HS256"], now=NOW)


# -- options given wrongly are the caller's error ----------------------------------------------


@pytest.mark.parametrize(
    "kw",
    [
        {"leeway": -1},
        {"leeway": float("nan")},
        {"leeway": "5"},
        {"audience": 5},
        {"audience": []},
        {"issuer": ["ok", 3]},
        {"subject": 5},
        {"required": "exp"},
        {"typ": 5},
        {"options": {"verify_everything": True}},
    ],
)
def test_malformed_options_raise_invalid_option_error(kw: dict[str, Any]) -> None:
    with pytest.raises(InvalidOptionError):
        decode(token_with({}), **kw)
    assert not issubclass(InvalidOptionError, InvalidTokenError)


def test_get_unverified_header_does_not_verify_but_still_parses_strictly() -> None:
    token = token_with({}, headers={"kid": "abc"})
    assert jwt.get_unverified_header(token[:-3] + "AAA")["kid"] == "abc"
    with pytest.raises(DecodeError):
        jwt.get_unverified_header("e30=.e30.")
    header = jwt.get_unverified_header(token)
    header["kid"] = "mutated"
    assert jwt.get_unverified_header(token)["kid"] == "abc"


# -- docs/jwt.md runs as written ---------------------------------------------------------------


def test_jwt_doc_examples_run_and_print_what_they_say(
    run_doc_blocks: Callable[..., object],
) -> None:
    run_doc_blocks("docs/jwt.md", minimum=4)


def test_an_unencoded_payload_jws_is_not_a_jwt() -> None:
    raw = jwt.jws.sign(b'{"sub":"admin"}', jwt.OctKey(SECRET.encode()), "HS256", b64=False)
    with pytest.raises(DecodeError, match="base64url"):
        decode(raw)
    with pytest.raises(DecodeError, match="base64url"):
        jwt.Verifier(SECRET, ["HS256"]).verify(raw)


def test_rfc7515_appendix_a_tokens_decode_as_jwts_with_their_exp() -> None:
    vectors = json.loads((Path(__file__).parent / "vectors" / "rfc7515_jws.json").read_text())
    expected = {"iss": "joe", "exp": 1300819380, "http://example.com/is_root": True}
    for vector in vectors["vectors"]:
        if vector["alg"] not in ("HS256", "RS256", "ES256"):
            continue
        key = (jwt.OctKey if vector["jwk"]["kty"] == "oct" else Key).import_key(vector["jwk"])
        verifying = key if key.kty == "oct" else key.public_key()
        before = 1300819380 - 1
        assert jwt.decode(vector["compact"], verifying, [vector["alg"]], now=before) == expected
        with pytest.raises(ExpiredSignatureError):
            jwt.decode(vector["compact"], verifying, [vector["alg"]], now=before + 1)

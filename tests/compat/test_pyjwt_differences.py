"""Deliberate differences between PyJWT 2.15 and ``jwtkit.compat.pyjwt``.

Every test here first shows what real PyJWT does (so the difference is a fact, not a guess),
then that the drop-in keeps jwtkit's safe behaviour. Each one is listed in
docs/migrating-from-pyjwt.md. Behaviour the two share is tested in the other files.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import warnings
from datetime import datetime, timedelta, timezone
from typing import Any

import jwt as pyjwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

import jwtkit
import jwtkit.compat.pyjwt as compat

SECRET = "k" * 64


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hs256_token(header: bytes, payload: bytes, secret: str = SECRET) -> str:
    signing_input = f"{b64(header)}.{b64(payload)}"
    mac = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(mac)}"


def quietly(call: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return call()


@pytest.fixture(scope="module")
def weak_rsa() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=1024)


# -- weak keys -------------------------------------------------------------------------------


def test_rejects_short_hmac_secret_by_default() -> None:
    with pytest.warns(pyjwt.InsecureKeyLengthWarning):
        token = pyjwt.encode({"a": 1}, "secret", algorithm="HS256")
    with pytest.warns(pyjwt.InsecureKeyLengthWarning):
        assert pyjwt.decode(token, "secret", algorithms=["HS256"]) == {"a": 1}
    with pytest.raises(compat.InvalidKeyError, match="minimum recommended length of 32 bytes"):
        compat.encode({"a": 1}, "secret", algorithm="HS256")
    with pytest.raises(compat.InvalidKeyError):
        compat.PyJWS().encode(b"{}", "secret", algorithm="HS256")
    with pytest.raises(compat.InvalidKeyError):
        compat.decode(token, "secret", algorithms=["HS256"])
    assert compat.PyJWT().options["enforce_minimum_key_length"] is True


def test_rejects_rsa_key_under_2048_bits_by_default(weak_rsa: rsa.RSAPrivateKey) -> None:
    with pytest.warns(pyjwt.InsecureKeyLengthWarning):
        token = pyjwt.encode({"a": 1}, weak_rsa, algorithm="RS256")
    with pytest.raises(compat.InvalidKeyError, match="2048"):
        compat.encode({"a": 1}, weak_rsa, algorithm="RS256")
    with pytest.raises(compat.InvalidKeyError):
        compat.decode(token, weak_rsa.public_key(), algorithms=["RS256"])


@pytest.mark.parametrize("value", [None, 0, "", "false", []])
def test_only_literal_false_relaxes_the_minimum_key_length(value: Any) -> None:
    # PyJWT reads the option for truth; the drop-in weakens a check only when told False.
    with pytest.raises(compat.InvalidKeyError):
        compat.PyJWT(options={"enforce_minimum_key_length": value}).encode({"a": 1}, "secret")
    token = quietly(lambda: pyjwt.encode({"a": 1}, "secret", algorithm="HS256"))
    with pytest.raises(compat.InvalidKeyError):
        compat.decode(
            token, "secret", algorithms=["HS256"], options={"enforce_minimum_key_length": value}
        )
    with pytest.raises(jwtkit.InvalidOptionError):
        compat.configure(enforce_minimum_key_length=value)


# -- wire format -----------------------------------------------------------------------------


def test_rejects_duplicate_member_names_in_header() -> None:
    # Two "alg" members: PyJWT keeps the last; a different parser might keep the first.
    token = hs256_token(b'{"alg":"HS256","alg":"none"}', b'{"a":1}')
    assert pyjwt.get_unverified_header(token) == {"alg": "none"}
    with pytest.raises(compat.DecodeError, match="duplicate"):
        compat.get_unverified_header(token)


def test_rejects_duplicate_member_names_in_payload() -> None:
    token = hs256_token(b'{"alg":"HS256"}', b'{"sub":"alice","sub":"admin"}')
    assert pyjwt.decode(token, SECRET, algorithms=["HS256"]) == {"sub": "admin"}
    with pytest.raises(compat.DecodeError, match="duplicate"):
        compat.decode(token, SECRET, algorithms=["HS256"])


def test_rejects_padded_base64url() -> None:
    token = compat.encode({"a": 1}, SECRET)
    assert len(token.split(".")[2]) % 4 == 3
    padded = token + "="
    assert pyjwt.decode(padded, SECRET, algorithms=["HS256"]) == {"a": 1}
    with pytest.raises(compat.DecodeError):
        compat.decode(padded, SECRET, algorithms=["HS256"])


def test_rejects_nan_in_claims() -> None:
    token = hs256_token(b'{"alg":"HS256"}', b'{"score":NaN}')
    assert pyjwt.decode(token, SECRET, algorithms=["HS256"])["score"] != 0
    with pytest.raises(compat.DecodeError):
        compat.decode(token, SECRET, algorithms=["HS256"])
    unsigned_payload = pyjwt.encode({"score": float("nan")}, SECRET).split(".")[1]
    assert b"NaN" in pyjwt.utils.base64url_decode(unsigned_payload)
    with pytest.raises(jwtkit.InvalidClaimError):
        compat.encode({"score": float("nan")}, SECRET)


def test_rejects_oversized_header_before_caching_it() -> None:
    # Parsed headers are cached: an attacker's 100 KiB headers must not fill that cache.
    padding = "x" * (100 * 1024)
    token = hs256_token(json.dumps({"alg": "HS256", "pad": padding}).encode(), b"{}")
    assert pyjwt.decode(token, SECRET, algorithms=["HS256"]) == {}
    from jwtkit.compat.pyjwt import _segments

    cached = _segments._header.cache_info().currsize
    with pytest.raises(compat.DecodeError, match="too large"):
        compat.decode(token, SECRET, algorithms=["HS256"])
    assert _segments._header.cache_info().currsize == cached


def test_rejects_deeply_nested_claims() -> None:
    nested = b'{"a":' + b"[" * 40 + b"]" * 40 + b"}"
    token = hs256_token(b'{"alg":"HS256"}', nested)
    assert "a" in pyjwt.decode(token, SECRET, algorithms=["HS256"])
    with pytest.raises(compat.DecodeError, match="nested"):
        compat.decode(token, SECRET, algorithms=["HS256"])


def test_rejects_oversized_token() -> None:
    token = hs256_token(b'{"alg":"HS256"}', json.dumps({"a": "x" * 300_000}).encode())
    assert len(pyjwt.decode(token, SECRET, algorithms=["HS256"])["a"]) == 300_000
    with pytest.raises(compat.DecodeError, match="larger"):
        compat.decode(token, SECRET, algorithms=["HS256"])


def test_rejects_non_string_header_members() -> None:
    token = hs256_token(b'{"alg":"HS256","typ":1}', b'{"a":1}')
    assert pyjwt.decode(token, SECRET, algorithms=["HS256"]) == {"a": 1}
    with pytest.raises(compat.DecodeError):
        compat.decode(token, SECRET, algorithms=["HS256"])


# -- claims ----------------------------------------------------------------------------------


@pytest.mark.parametrize("audience", ["", []])
def test_rejects_empty_audience_when_none_expected(audience: Any) -> None:
    token = pyjwt.encode({"aud": audience}, SECRET)
    assert pyjwt.decode(token, SECRET, algorithms=["HS256"]) == {"aud": audience}
    with pytest.raises(compat.InvalidAudienceError):
        compat.decode(token, SECRET, algorithms=["HS256"])


def test_empty_audience_with_expected_audience_is_an_audience_error() -> None:
    token = pyjwt.encode({"aud": ""}, SECRET)
    with pytest.raises(pyjwt.MissingRequiredClaimError):
        pyjwt.decode(token, SECRET, algorithms=["HS256"], audience="api")
    with pytest.raises(compat.InvalidAudienceError):
        compat.decode(token, SECRET, algorithms=["HS256"], audience="api")


@pytest.mark.parametrize(
    ("claim", "value", "error"),
    [
        ("iat", "100", "InvalidIssuedAtError"),
        ("iat", True, "InvalidIssuedAtError"),
        ("exp", "99999999999", "DecodeError"),
        ("nbf", "1", "DecodeError"),
    ],
)
def test_rejects_numeric_dates_that_are_not_numbers(claim: str, value: Any, error: str) -> None:
    token = pyjwt.encode({claim: value}, SECRET)
    assert pyjwt.decode(token, SECRET, algorithms=["HS256"]) == {claim: value}
    with pytest.raises(getattr(compat.exceptions, error)):
        compat.decode(token, SECRET, algorithms=["HS256"])


def test_negative_leeway_is_refused() -> None:
    token = pyjwt.encode({"a": 1}, SECRET)
    assert pyjwt.decode(token, SECRET, algorithms=["HS256"], leeway=-10) == {"a": 1}
    with pytest.raises(ValueError):
        compat.decode(token, SECRET, algorithms=["HS256"], leeway=-10)


# -- algorithms ------------------------------------------------------------------------------


def test_algorithm_none_needs_to_be_named() -> None:
    assert pyjwt.encode({"a": 1}, None, algorithm=None).endswith(".")
    with pytest.raises(compat.InvalidKeyError, match='algorithm="none"'):
        compat.encode({"a": 1}, None, algorithm=None)
    assert compat.encode({"a": 1}, None, algorithm="none").endswith(".")


def test_algorithms_string_is_one_exact_name() -> None:
    token = pyjwt.encode({"a": 1}, SECRET)
    # PyJWT tests `alg in algorithms`, a substring test when algorithms is a string.
    assert pyjwt.decode(token, SECRET, algorithms="XHS256X") == {"a": 1}
    with pytest.raises(compat.InvalidAlgorithmError):
        compat.decode(token, SECRET, algorithms="XHS256X")
    assert compat.decode(token, SECRET, algorithms="HS256") == {"a": 1}


# -- keys ------------------------------------------------------------------------------------


def test_wrong_key_object_is_a_key_error(keys: dict[str, Any]) -> None:
    token = pyjwt.encode({"a": 1}, keys["RS"].private, algorithm="RS256")
    with pytest.raises(TypeError):
        pyjwt.decode(token, keys["ES256"].public, algorithms=["RS256"])
    with pytest.raises(compat.InvalidKeyError):
        compat.decode(token, keys["ES256"].public, algorithms=["RS256"])
    with pytest.raises(TypeError):
        pyjwt.decode(token, None, algorithms=["HS256", "RS256"])
    with pytest.raises(compat.InvalidKeyError):
        compat.decode(token, None, algorithms=["HS256", "RS256"])


def test_rejects_encryption_key_for_signatures(keys: dict[str, Any]) -> None:
    data = {**pyjwt.algorithms.ECAlgorithm.to_jwk(keys["ES256"].public, as_dict=True)}
    data["use"] = "enc"
    token = pyjwt.encode({"a": 1}, keys["ES256"].private, algorithm="ES256")
    assert pyjwt.decode(token, pyjwt.PyJWK(data), algorithms=["ES256"]) == {"a": 1}
    with pytest.raises(compat.InvalidKeyError):
        compat.decode(token, compat.PyJWK(data), algorithms=["ES256"])


def test_rejects_jwk_set_with_two_keys_under_one_kid(keys: dict[str, Any]) -> None:
    first = pyjwt.algorithms.ECAlgorithm.to_jwk(keys["ES256"].public, as_dict=True)
    second = pyjwt.algorithms.OKPAlgorithm.to_jwk(keys["EdDSA"].public, as_dict=True)
    members = [{**first, "kid": "same"}, {**second, "kid": "same"}]
    assert pyjwt.PyJWKSet(members)["same"].key_type == "EC"
    with pytest.raises(compat.PyJWKSetError):
        compat.PyJWKSet(members)


def test_accepts_more_key_forms_than_pyjwt(keys: dict[str, Any]) -> None:
    pair = keys["ES256"]
    token = compat.encode({"a": 1}, pair.private, algorithm="ES256")
    jwk = compat.algorithms.ECAlgorithm.to_jwk(pair.public, as_dict=True)
    with pytest.raises(TypeError):
        pyjwt.decode(token, jwk, algorithms=["ES256"])
    assert compat.decode(token, jwk, algorithms=["ES256"]) == {"a": 1}
    assert compat.decode(token, jwtkit.Key.import_key(jwk), algorithms=["ES256"]) == {"a": 1}
    with pytest.raises(ValueError):
        pyjwt.decode(token, json.dumps(jwk), algorithms=["ES256"])
    assert compat.decode(token, json.dumps(jwk), algorithms=["ES256"]) == {"a": 1}


def test_accepts_an_x509_certificate_as_verification_key(keys: dict[str, Any]) -> None:
    pair = keys["ES256"]
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "issuer.example")])
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(pair.public)
        .serial_number(1)
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=365))
        .sign(pair.private, hashes.SHA256())
    )
    pem = certificate.public_bytes(serialization.Encoding.PEM)
    token = compat.encode({"a": 1}, pair.private, algorithm="ES256")
    with pytest.raises(ValueError):
        pyjwt.decode(token, pem, algorithms=["ES256"])
    assert compat.decode(token, pem, algorithms=["ES256"]) == {"a": 1}


# -- JWKS client -----------------------------------------------------------------------------


def test_jwks_client_refuses_plain_http_to_a_remote_host() -> None:
    url = "http://issuer.example/.well-known/jwks.json"
    assert pyjwt.PyJWKClient(url).uri == url  # constructing sends no request
    with pytest.raises(compat.PyJWKClientError, match="https"):
        compat.PyJWKClient(url)
    assert compat.PyJWKClient(url, allow_http=True).uri == url


def test_verifies_with_the_public_half_of_a_private_key(keys: dict[str, Any]) -> None:
    pem = keys["RS"].private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    token = pyjwt.encode({"a": 1}, pem, algorithm="RS256")
    with pytest.raises(AttributeError):
        pyjwt.decode(token, pem, algorithms=["RS256"])
    assert compat.decode(token, pem, algorithms=["RS256"]) == {"a": 1}


@pytest.mark.parametrize("kind", ["PyJWK", "PyJWKSet"])
def test_a_jwk_nested_too_deep_is_refused_with_a_jwk_error_not_a_recursion_error(
    kind: str,
) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    with pytest.raises(RecursionError):
        getattr(pyjwt, kind).from_json(deep)
    expected = compat.PyJWKError if kind == "PyJWK" else compat.PyJWKSetError
    with pytest.raises(expected, match="nested too deeply"):
        getattr(compat, kind).from_json(deep)
    with pytest.raises(json.JSONDecodeError):  # malformed JSON: PyJWT's error, as before
        getattr(compat, kind).from_json("{not json")

"""Attacks on a PyJWT-style ``decode``, run against PyJWT 2.15 and ``jwtkit.compat.pyjwt``.

Each test forges or alters a token the way an attacker would and checks that both libraries
refuse it with the same PyJWT exception class. (Attacks that PyJWT lets through are in
test_pyjwt_differences.py.)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import warnings
from types import ModuleType
from typing import Any

import pytest


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def segment(value: Any) -> str:
    return b64(json.dumps(value, separators=(",", ":")).encode())


def hs256_token(header: dict[str, Any], claims: dict[str, Any], secret: bytes) -> str:
    signing_input = f"{segment(header)}.{segment(claims)}"
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(mac)}"


# -- algorithm confusion ---------------------------------------------------------------------


def test_rejects_alg_none_token(jwt: ModuleType, secret: str) -> None:
    token = f"{segment({'alg': 'none', 'typ': 'JWT'})}.{segment({'admin': True})}."
    with pytest.raises(jwt.InvalidAlgorithmError):
        jwt.decode(token, secret, algorithms=["HS256"])


def test_rejects_alg_none_even_when_listed(jwt: ModuleType) -> None:
    token = f"{segment({'alg': 'none'})}.{segment({'admin': True})}."
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, None, algorithms=["none"])


def test_rejects_signature_stripped_and_alg_set_to_none(jwt: ModuleType, secret: str) -> None:
    genuine = jwt.encode({"admin": False}, secret)
    _, payload, _ = genuine.split(".")
    forged = f"{segment({'alg': 'none', 'typ': 'JWT'})}.{payload}."
    with pytest.raises(jwt.InvalidAlgorithmError):
        jwt.decode(forged, secret, algorithms=["HS256"])


def test_rejects_algorithm_not_in_allowed_list(jwt: ModuleType, keys: dict[str, Any]) -> None:
    pair = keys["RS"]
    token = jwt.encode({"a": 1}, pair.private, algorithm="RS256")
    with pytest.raises(jwt.InvalidAlgorithmError):
        jwt.decode(token, pair.public, algorithms=["PS256"])


def test_rejects_header_without_alg(jwt: ModuleType, secret: str) -> None:
    token = hs256_token({"typ": "JWT"}, {"a": 1}, secret.encode())
    with pytest.raises(jwt.InvalidAlgorithmError):
        jwt.decode(token, secret, algorithms=["HS256"])


def test_rejects_unimplemented_alg_even_if_allowed(jwt: ModuleType, secret: str) -> None:
    token = hs256_token({"alg": "XS256"}, {"a": 1}, secret.encode())
    with pytest.raises(jwt.InvalidAlgorithmError):
        jwt.decode(token, secret, algorithms=["XS256"])


@pytest.mark.parametrize("form", ["pem", "pem-str", "ssh", "jwk-json"])
def test_rejects_hmac_with_rsa_public_key_as_secret(
    jwt: ModuleType, keys: dict[str, Any], form: str
) -> None:
    # CVE-2017-11424 / CVE-2022-29217: sign HS256 with the verifier's public key.
    pair = keys["RS"]
    public_jwk = json.dumps(jwt.algorithms.RSAAlgorithm.to_jwk(pair.public, as_dict=True))
    key: Any = {
        "pem": pair.public_pem,
        "pem-str": pair.public_pem.decode(),
        "ssh": pair.public_ssh,
        "jwk-json": public_jwk,
    }[form]
    raw = key if isinstance(key, bytes) else key.encode()
    forged = hs256_token({"alg": "HS256", "typ": "JWT"}, {"admin": True}, raw)
    with pytest.raises(jwt.InvalidKeyError):
        jwt.decode(forged, key, algorithms=["RS256", "HS256"])


def test_rejects_hmac_with_ec_public_key_as_secret(jwt: ModuleType, keys: dict[str, Any]) -> None:
    pem = keys["ES256"].public_pem
    forged = hs256_token({"alg": "HS256"}, {"admin": True}, pem)
    with pytest.raises(jwt.InvalidKeyError):
        jwt.decode(forged, pem, algorithms=["ES256", "HS256"])


def test_rejects_rsa_token_verified_with_ec_key(jwt: ModuleType, keys: dict[str, Any]) -> None:
    token = jwt.encode({"a": 1}, keys["RS"].private, algorithm="RS256")
    with pytest.raises(jwt.InvalidKeyError):
        jwt.decode(token, keys["ES256"].public_pem, algorithms=["RS256"])


def test_rejects_ecdsa_key_of_the_wrong_curve(jwt: ModuleType, keys: dict[str, Any]) -> None:
    token = jwt.encode({"a": 1}, keys["ES256"].private, algorithm="ES256")
    with pytest.raises(jwt.InvalidKeyError):
        jwt.decode(token, keys["ES384"].public, algorithms=["ES256"])


def test_rejects_empty_hmac_secret(jwt: ModuleType, secret: str) -> None:
    token = jwt.encode({"a": 1}, secret)
    with pytest.raises(jwt.InvalidKeyError):
        jwt.decode(token, "", algorithms=["HS256"])


# -- tampering -------------------------------------------------------------------------------


def test_rejects_tampered_payload(jwt: ModuleType, secret: str) -> None:
    header, _, signature = jwt.encode({"admin": False}, secret).split(".")
    forged = f"{header}.{segment({'admin': True})}.{signature}"
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(forged, secret, algorithms=["HS256"])


def test_rejects_tampered_signature(jwt: ModuleType, keys: dict[str, Any]) -> None:
    pair = keys["ES256"]
    header, payload, signature = jwt.encode({"a": 1}, pair.private, algorithm="ES256").split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=="))
    raw[5] ^= 1
    forged = f"{header}.{payload}.{b64(bytes(raw))}"
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(forged, pair.public, algorithms=["ES256"])


def test_rejects_token_signed_with_another_secret(jwt: ModuleType, secret: str) -> None:
    token = jwt.encode({"a": 1}, "another-secret-of-sufficient-length-0123456789")
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, secret, algorithms=["HS256"])


def test_rejects_ecdsa_psychic_signature(jwt: ModuleType, keys: dict[str, Any]) -> None:
    # CVE-2022-21449: r = s = 0 must never verify.
    header, payload, _ = jwt.encode({"a": 1}, keys["ES256"].private, algorithm="ES256").split(".")
    forged = f"{header}.{payload}.{b64(bytes(64))}"
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(forged, keys["ES256"].public, algorithms=["ES256"])


def test_rejects_signature_with_non_zero_spare_bits(jwt: ModuleType, secret: str) -> None:
    token = jwt.encode({"a": 1}, secret)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet[alphabet.index(token[-1]) ^ 1]
    with pytest.raises(jwt.DecodeError):
        jwt.decode(token[:-1] + last, secret, algorithms=["HS256"])


# -- malformed tokens ------------------------------------------------------------------------


@pytest.mark.parametrize("token", ["", "abc", "a.b", "a.b.c.d", "!!!.e30.", 12345])
def test_rejects_malformed_token(jwt: ModuleType, secret: str, token: Any) -> None:
    with pytest.raises(jwt.DecodeError):
        jwt.decode(token, secret, algorithms=["HS256"])


def test_unverified_header_of_a_token_with_a_broken_payload(jwt: ModuleType, secret: str) -> None:
    header, _, signature = jwt.encode({"a": 1}, secret).split(".")
    with pytest.raises(jwt.DecodeError):
        jwt.get_unverified_header(f"{header}.!!!.{signature}")


def test_rejects_header_that_is_not_json(jwt: ModuleType, secret: str) -> None:
    token = f"{b64(b'not json')}.{segment({'a': 1})}.{b64(b'x')}"
    with pytest.raises(jwt.DecodeError):
        jwt.decode(token, secret, algorithms=["HS256"])


def test_rejects_header_that_is_not_an_object(jwt: ModuleType, secret: str) -> None:
    token = f"{segment(['alg', 'HS256'])}.{segment({'a': 1})}.{b64(b'x')}"
    with pytest.raises(jwt.DecodeError):
        jwt.decode(token, secret, algorithms=["HS256"])


def test_rejects_payload_that_is_not_an_object(jwt: ModuleType, secret: str) -> None:
    token = hs256_token({"alg": "HS256"}, [1, 2], secret.encode())  # type: ignore[arg-type]
    with pytest.raises(jwt.DecodeError):
        jwt.decode(token, secret, algorithms=["HS256"])


def test_rejects_unknown_critical_header(jwt: ModuleType, secret: str) -> None:
    token = hs256_token({"alg": "HS256", "crit": ["exp"], "exp": 1}, {"a": 1}, secret.encode())
    with pytest.raises(jwt.InvalidTokenError):
        jwt.decode(token, secret, algorithms=["HS256"])


def test_rejects_non_string_kid(jwt: ModuleType, secret: str) -> None:
    token = hs256_token({"alg": "HS256", "kid": 7}, {"a": 1}, secret.encode())
    with pytest.raises(jwt.InvalidTokenError):
        jwt.decode(token, secret, algorithms=["HS256"])
    with pytest.raises(jwt.InvalidTokenError):
        jwt.get_unverified_header(token)


def test_rejects_b64_false_not_marked_critical(jwt: ModuleType, secret: str) -> None:
    token = hs256_token({"alg": "HS256", "b64": False}, {"a": 1}, secret.encode())
    header, _, signature = token.split(".")
    with pytest.raises(jwt.InvalidTokenError):
        jwt.PyJWS().decode(f"{header}..{signature}", secret, algorithms=["HS256"])


# -- with the minimum key length relaxed (what a migrating team runs) ------------------------


RELAXED = {"enforce_minimum_key_length": False}


def test_relaxed_rejects_hmac_with_rsa_public_key_object_or_jwk(
    jwt: ModuleType, keys: dict[str, Any]
) -> None:
    # Relaxing the key length must not turn a public key into an HMAC secret in any form.
    public_pem = keys["RS"].public_pem
    forged = hs256_token({"alg": "HS256"}, {"admin": True}, public_pem)
    public_jwk = jwt.algorithms.RSAAlgorithm.to_jwk(keys["RS"].public, as_dict=True)
    for key in (keys["RS"].public, public_pem, public_pem.decode(), public_jwk):
        # (PyJWT refuses a key object or a dict with TypeError, the drop-in with its own.)
        with pytest.raises((jwt.PyJWTError, TypeError)), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            jwt.PyJWT(options=RELAXED).decode(forged, key, algorithms=["HS256", "RS256"])


def test_relaxed_rejects_token_whose_alg_is_not_allowed(jwt: ModuleType) -> None:
    token = hs256_token({"alg": "HS256"}, {"admin": True}, b"short")
    with pytest.raises(jwt.InvalidAlgorithmError):
        jwt.decode(token, "short", algorithms=["HS512"], options=RELAXED)


def test_relaxed_still_checks_the_signature(jwt: ModuleType) -> None:
    token = hs256_token({"alg": "HS256"}, {"admin": False}, b"short")
    header, _, signature = token.split(".")
    tampered = f"{header}.{segment({'admin': True})}.{signature}"
    with pytest.raises(jwt.InvalidSignatureError), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        jwt.decode(tampered, "short", algorithms=["HS256"], options=RELAXED)


# -- a hostile JWKS endpoint, through PyJWKClient with urllib.request.urlopen patched ---------


def _patched_urlopen(body: Any) -> Any:
    from unittest import mock

    patcher = mock.patch("urllib.request.urlopen")
    urlopen = patcher.start()
    response = mock.Mock()
    response.__enter__ = mock.Mock(return_value=response)
    response.__exit__ = mock.Mock(return_value=None)
    response.read.return_value = body
    urlopen.return_value = response
    return patcher


@pytest.mark.parametrize(
    "body",
    [
        b"x" * (300 * 1024),  # larger than the drop-in's limit
        b'{"keys": [' + b"[" * 5000 + b"]" * 5000 + b"]}",  # nesting to exhaust the stack
        b'{"keys": [{"kty": "oct", "k": "c2VjcmV0", "kid": "k"}]}',  # a secret, published
        b'{"keys": [{"kty": "RSA", "kid": "k", "n": "AQAB", "e": "AQAB", "d": "AQAB"}]}',
        b'{"keys": "not a list"}',
        b"[]",
        b"\xff\xfe{",
    ],
)
def test_pyjwkclient_refuses_hostile_jwks_through_patched_urlopen(body: bytes) -> None:
    import jwtkit.compat.pyjwt as compat

    patcher = _patched_urlopen(body)
    try:
        client = compat.PyJWKClient("https://issuer.example/.well-known/jwks.json")
        with pytest.raises(compat.PyJWTError):
            client.get_signing_key("k")
    finally:
        patcher.stop()


def test_pyjwkclient_refuses_a_response_that_is_not_bytes() -> None:
    import jwtkit.compat.pyjwt as compat

    patcher = _patched_urlopen(object())
    try:
        client = compat.PyJWKClient("https://issuer.example/.well-known/jwks.json")
        with pytest.raises(compat.PyJWKClientConnectionError):
            client.get_jwk_set()
    finally:
        patcher.stop()


def test_cached_header_cannot_be_poisoned_through_decode_complete(jwt: ModuleType) -> None:
    # Headers are parsed once and cached by their text: what a caller gets must be a copy,
    # or editing it would change what the next token with that header says.
    token = hs256_token({"alg": "HS256", "x5c": ["cert"], "ext": {"a": 1}}, {}, b"k" * 32)
    first = jwt.api_jws.decode_complete(token, "k" * 32, algorithms=["HS256"])
    first["header"]["x5c"].append("attacker")
    first["header"]["ext"]["a"] = 2
    jwt.get_unverified_header(token)["x5c"].append("attacker")
    again = jwt.api_jws.decode_complete(token, "k" * 32, algorithms=["HS256"])
    assert again["header"]["x5c"] == ["cert"]
    assert again["header"]["ext"] == {"a": 1}

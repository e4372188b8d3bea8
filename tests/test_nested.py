"""jwtkit.nested: sign-then-encrypt JWTs and their decoding (RFC 7519 §5.2, §11.2)."""

from __future__ import annotations

import json

import pytest

import jwtkit
from jwtkit import jwe
from jwtkit._codec import b64url_decode
from jwtkit.errors import (
    DecodeError,
    DecryptionError,
    ExpiredSignatureError,
    InvalidAlgorithmError,
    InvalidAudienceError,
    InvalidSignatureError,
)

NOW = 1_700_000_000
CLAIMS = {"sub": "user-7", "aud": "api", "exp": NOW + 60, "email": "ada@example.com"}


@pytest.fixture(scope="module")
def signing_key() -> jwtkit.Key:
    return jwtkit.Key.generate("ES256", kid="signer")


@pytest.fixture(scope="module")
def encryption_key() -> jwtkit.Key:
    return jwtkit.Key.generate("ECDH-ES+A256KW", kid="recipient")


def _encode(signing_key: jwtkit.Key, encryption_key: jwtkit.Key) -> str:
    return jwtkit.encode_encrypted(
        CLAIMS,
        signing_key,
        encryption_key.public_key(),
        algorithm="ES256",
        alg="ECDH-ES+A256KW",
        enc="A256GCM",
    )


def _decode(
    token: str, signing_key: jwtkit.Key, encryption_key: jwtkit.Key, **kwargs: object
) -> dict:
    options: dict = {"audience": "api", "now": NOW, **kwargs}
    return jwtkit.decode_encrypted(
        token,
        encryption_key,
        signing_key.public_key(),
        algorithms=["ES256"],
        key_algorithms=["ECDH-ES+A256KW"],
        encryptions=["A256GCM"],
        **options,
    )


def test_sign_then_encrypt_round_trip(signing_key: jwtkit.Key, encryption_key: jwtkit.Key) -> None:
    token = _encode(signing_key, encryption_key)
    assert token.count(".") == 4
    assert _decode(token, signing_key, encryption_key) == CLAIMS


def test_outer_header_says_cty_jwt_and_inner_is_a_signed_jwt(
    signing_key: jwtkit.Key, encryption_key: jwtkit.Key
) -> None:
    token = _encode(signing_key, encryption_key)
    header = json.loads(b64url_decode(token.split(".")[0]))
    assert header["cty"] == "JWT" and header["kid"] == "recipient"
    inner = jwe.decrypt(token, encryption_key, ["ECDH-ES+A256KW"], ["A256GCM"]).plaintext
    assert jwtkit.get_unverified_header(inner) == {"alg": "ES256", "typ": "JWT", "kid": "signer"}


def test_claims_are_not_readable_without_the_decryption_key(
    signing_key: jwtkit.Key, encryption_key: jwtkit.Key
) -> None:
    token = _encode(signing_key, encryption_key)
    assert b"ada@example.com" not in token.encode()
    with pytest.raises(DecryptionError):
        _decode(token, signing_key, jwtkit.Key.generate("ECDH-ES+A256KW"))


def test_inner_signature_is_verified(signing_key: jwtkit.Key, encryption_key: jwtkit.Key) -> None:
    token = _encode(jwtkit.Key.generate("ES256", kid="signer"), encryption_key)
    with pytest.raises(InvalidSignatureError):
        _decode(token, signing_key, encryption_key)


def test_inner_claims_are_checked(signing_key: jwtkit.Key, encryption_key: jwtkit.Key) -> None:
    token = _encode(signing_key, encryption_key)
    with pytest.raises(ExpiredSignatureError):
        _decode(token, signing_key, encryption_key, now=NOW + 3600)
    with pytest.raises(InvalidAudienceError):
        _decode(token, signing_key, encryption_key, audience="other")


def test_inner_algorithm_must_be_allowed(
    signing_key: jwtkit.Key, encryption_key: jwtkit.Key
) -> None:
    token = _encode(signing_key, encryption_key)
    with pytest.raises(InvalidAlgorithmError):
        jwtkit.decode_encrypted(
            token,
            encryption_key,
            signing_key.public_key(),
            algorithms=["RS256"],
            key_algorithms=["ECDH-ES+A256KW"],
            encryptions=["A256GCM"],
            now=NOW,
            audience="api",
        )


def test_rejects_encrypted_payload_that_is_not_marked_as_a_jwt(
    signing_key: jwtkit.Key, encryption_key: jwtkit.Key
) -> None:
    signed = jwtkit.encode(CLAIMS, signing_key, algorithm="ES256")
    unmarked = jwe.encrypt(
        signed.encode(), encryption_key.public_key(), "ECDH-ES+A256KW", "A256GCM"
    )
    with pytest.raises(DecodeError, match="'cty'"):
        _decode(unmarked, signing_key, encryption_key)


def test_extra_headers_reach_the_right_layer(signing_key: jwtkit.Key) -> None:
    secret = jwtkit.Key.generate("dir")
    token = jwtkit.encode_encrypted(
        {"sub": "x"},
        signing_key,
        secret,
        algorithm="ES256",
        alg="dir",
        enc="A256GCM",
        headers={"typ": "at+jwt"},
        encryption_headers={"x-tenant": "t1"},
    )
    opened = jwe.decrypt(token, secret, ["dir"], ["A256GCM"])
    assert opened.header["x-tenant"] == "t1" and opened.header["cty"] == "JWT"
    assert jwtkit.get_unverified_header(opened.plaintext)["typ"] == "at+jwt"

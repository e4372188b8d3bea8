"""jwtkit.Verifier: options resolved once, sync and async, keys, key sets and key sources."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

import jwtkit
from jwtkit.errors import (
    ExpiredSignatureError,
    InvalidAlgorithmError,
    InvalidAudienceError,
    InvalidIssuerError,
    InvalidOptionError,
    InvalidSignatureError,
    InvalidTypeError,
    KeyNotFoundError,
    MissingRequiredClaimError,
    UnsupportedAlgorithmError,
)
from jwtkit.jwk import Key, KeySet

NOW = 1_700_000_000


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def signing_key() -> Key:
    return Key.generate("ES256", kid="current")


def claims(**extra: Any) -> dict[str, Any]:
    return {
        "iss": "https://issuer.example",
        "aud": "api",
        "sub": "u1",
        "exp": NOW + 300,
        "iat": NOW,
        **extra,
    }


def make_verifier(key: Any, clock: Clock | None = None, **kw: Any) -> jwtkit.Verifier:
    kw.setdefault("issuer", "https://issuer.example")
    kw.setdefault("audience", "api")
    return jwtkit.Verifier(key, algorithms=["ES256"], clock=clock or Clock(NOW), **kw)


def test_verify_returns_claims_and_checks_every_option(signing_key: Key) -> None:
    verifier = make_verifier(signing_key.public_key(), required=["sub"], typ="at+jwt")
    token = jwtkit.encode(claims(), signing_key, headers={"typ": "at+jwt"})
    assert verifier.verify(token) == claims()
    with pytest.raises(InvalidTypeError):
        verifier.verify(jwtkit.encode(claims(), signing_key))
    with pytest.raises(InvalidIssuerError):
        verifier.verify(
            jwtkit.encode(
                claims(iss="https://evil.example"), signing_key, headers={"typ": "at+jwt"}
            )
        )
    with pytest.raises(InvalidAudienceError):
        verifier.verify(jwtkit.encode(claims(aud="other"), signing_key, headers={"typ": "at+jwt"}))
    with pytest.raises(MissingRequiredClaimError) as caught:
        verifier.verify(jwtkit.encode({"exp": NOW + 5}, signing_key, headers={"typ": "at+jwt"}))
    assert set(caught.value.claims) == {"sub", "iss", "aud"}


def test_clock_is_injected_and_leeway_applies(signing_key: Key) -> None:
    clock = Clock(NOW)
    verifier = make_verifier(signing_key.public_key(), clock, leeway=timedelta(seconds=30))
    token = jwtkit.encode(claims(), signing_key)
    assert verifier.verify(token)["sub"] == "u1"
    clock.now = NOW + 329
    assert verifier.verify(token)["sub"] == "u1"
    clock.now = NOW + 330
    with pytest.raises(ExpiredSignatureError):
        verifier.verify(token)
    assert verifier.verify(token, now=NOW)["sub"] == "u1"


def test_wrong_key_and_unlisted_algorithm(signing_key: Key) -> None:
    verifier = make_verifier(signing_key.public_key())
    stranger = Key.generate("ES256", kid="current")
    with pytest.raises(InvalidSignatureError):
        verifier.verify(jwtkit.encode(claims(), stranger))
    with pytest.raises(InvalidAlgorithmError):
        verifier.verify(jwtkit.encode(claims(), "s" * 32, "HS256"))


def test_key_set_lookup_by_kid(signing_key: Key) -> None:
    old = Key.generate("ES256", kid="old")
    verifier = make_verifier(KeySet([signing_key.public_key(), old.public_key()]))
    assert verifier.verify(jwtkit.encode(claims(), old))["sub"] == "u1"
    assert verifier.verify(jwtkit.encode(claims(), signing_key))["sub"] == "u1"
    with pytest.raises(KeyNotFoundError):
        verifier.verify(jwtkit.encode(claims(), Key.generate("ES256", kid="unknown")))


def test_options_are_resolved_once_at_construction(signing_key: Key) -> None:
    with pytest.raises(UnsupportedAlgorithmError):
        jwtkit.Verifier(signing_key, algorithms=["ES999"])
    with pytest.raises(InvalidOptionError):
        jwtkit.Verifier(signing_key, algorithms=["ES256"], leeway=-5)
    with pytest.raises(InvalidOptionError):
        jwtkit.Verifier(signing_key, algorithms=["ES256"], audience=7)
    with pytest.raises(InvalidOptionError):
        jwtkit.Verifier(signing_key, algorithms=["ES256"], options={"verify_signature": False})
    with pytest.raises(InvalidOptionError):
        jwtkit.Verifier(signing_key, algorithms="ES256")
    # a PEM string is parsed once, here, not per token
    verifier = make_verifier(signing_key.public_key().to_pem().decode())
    assert verifier.verify(jwtkit.encode(claims(), signing_key))["aud"] == "api"


class SyncSource:
    """The key-source protocol of the brief, as a JWKS client implements it."""

    def __init__(self, keys: KeySet) -> None:
        self.keys = keys
        self.calls: list[str] = []

    def get_key_set(self) -> KeySet:
        self.calls.append("set")
        return self.keys

    def get_key(self, kid: str) -> Key:
        self.calls.append(kid)
        return self.keys.get(kid)


class AsyncSource:
    def __init__(self, keys: KeySet) -> None:
        self.keys = keys

    async def get_key_set(self) -> KeySet:
        return self.keys

    async def get_key(self, kid: str) -> Key:
        return self.keys.get(kid)


def test_sync_key_source_is_asked_per_token(signing_key: Key) -> None:
    source = SyncSource(KeySet([signing_key.public_key()]))
    verifier = make_verifier(source)
    assert verifier.verify(jwtkit.encode(claims(), signing_key))["sub"] == "u1"
    anonymous = jwtkit.encode(claims(), signing_key.private_key_object, "ES256")
    assert verifier.verify(anonymous)["sub"] == "u1"
    assert source.calls == ["current", "set"]
    assert jwtkit.decode(anonymous, source, ["ES256"], audience="api", now=NOW)["sub"] == "u1"


def test_verify_async_with_an_async_key_source(signing_key: Key) -> None:
    verifier = make_verifier(AsyncSource(KeySet([signing_key.public_key()])))
    token = jwtkit.encode(claims(), signing_key)
    assert asyncio.run(verifier.verify_async(token))["sub"] == "u1"
    with pytest.raises(InvalidOptionError, match="verify_async"):
        verifier.verify(token)
    with pytest.raises(InvalidSignatureError):
        asyncio.run(
            verifier.verify_async(jwtkit.encode(claims(), Key.generate("ES256", kid="current")))
        )
    with pytest.raises(InvalidOptionError, match="verify_async"):
        jwtkit.decode(token, AsyncSource(KeySet([signing_key.public_key()])), ["ES256"])


def test_verify_async_without_a_source_is_the_sync_path(signing_key: Key) -> None:
    verifier = make_verifier(signing_key.public_key())
    token = jwtkit.encode(claims(), signing_key)
    assert asyncio.run(verifier.verify_async(token)) == verifier.verify(token)


def test_verifier_with_several_algorithm_families() -> None:
    rsa_key = Key.generate("PS256", kid="r")
    ed_key = Key.generate("Ed25519", kid="e")
    verifier = jwtkit.Verifier(
        KeySet([rsa_key.public_key(), ed_key.public_key()]),
        algorithms=["PS256", "Ed25519", "EdDSA"],
        clock=Clock(NOW),
    )
    assert verifier.verify(jwtkit.encode({"n": 1}, rsa_key)) == {"n": 1}
    assert verifier.verify(jwtkit.encode({"n": 2}, ed_key)) == {"n": 2}

"""The verified-token cache of jwtkit.Verifier (``cache_size=N``), attacked.

A hit must be exactly as strict as the full path: a one-byte change never hits, time is
checked again on every hit, a key rotation invalidates what the old key verified, and no
caller can change what the next caller gets.
"""

from __future__ import annotations

import asyncio
import string
from typing import Any

import pytest

import jwtkit
from jwtkit._token_cache import MAX_CACHED_TOKEN_LENGTH
from jwtkit.errors import (
    ExpiredSignatureError,
    ImmatureSignatureError,
    InvalidAudienceError,
    InvalidOptionError,
    InvalidTokenError,
    KeyNotFoundError,
)
from jwtkit.jwk import Key, KeySet

NOW = 1_700_000_000
ISSUER = "https://issuer.example"


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Source:
    """A synchronous key source whose current key set the test replaces (a rotation)."""

    def __init__(self, keys: KeySet) -> None:
        self.keys = keys
        self.asked = 0

    def get_key_set(self) -> KeySet:
        self.asked += 1
        return self.keys

    def get_key(self, kid: str) -> Key:
        self.asked += 1
        return self.keys.get(kid)


class AsyncSource(Source):
    async def get_key_set(self) -> KeySet:  # type: ignore[override]
        return Source.get_key_set(self)

    async def get_key(self, kid: str) -> Key:  # type: ignore[override]
        return Source.get_key(self, kid)


@pytest.fixture(scope="module")
def key() -> Key:
    return Key.generate("ES256", kid="k1")


def claims(**extra: Any) -> dict[str, Any]:
    return {
        "iss": ISSUER,
        "aud": "api",
        "sub": "alice",
        "iat": NOW,
        "nbf": NOW,
        "exp": NOW + 300,
        "scope": "orders:read",
        **extra,
    }


def verifier(keys: Any, clock: Clock, **options: Any) -> jwtkit.Verifier:
    options.setdefault("cache_size", 16)
    return jwtkit.Verifier(
        keys, algorithms=["ES256"], issuer=ISSUER, audience="api", clock=clock, **options
    )


def test_a_repeated_token_is_served_from_the_cache(key: Key) -> None:
    checker = verifier(key.public_key(), Clock(NOW))
    token = jwtkit.encode(claims(), key)
    assert checker.verify(token) == claims()
    assert checker.verify(token) == claims()
    assert checker.verify(token) == claims()
    info = checker.cache_info()
    assert (info.hits, info.misses, info.currsize, info.maxsize) == (2, 1, 1, 16)


def test_one_byte_change_never_hits_the_cache(key: Key) -> None:
    checker = verifier(key.public_key(), Clock(NOW))
    token = jwtkit.encode(claims(), key)
    checker.verify(token)
    alphabet = string.ascii_letters + string.digits + "-_."
    for position, original in enumerate(token):
        replacement = alphabet[(alphabet.index(original) + 1) % len(alphabet)]
        mutated = token[:position] + replacement + token[position + 1 :]
        hits_before = checker.cache_info().hits
        with pytest.raises(InvalidTokenError):
            checker.verify(mutated)
        assert checker.cache_info().hits == hits_before, position
    # Appending or dropping a byte is a different string too.
    for mutated in (token + "A", token[:-1], token + " ", " " + token):
        with pytest.raises(InvalidTokenError):
            checker.verify(mutated)
    assert checker.cache_info().hits == 0


def test_a_cached_token_expires_on_time(key: Key) -> None:
    clock = Clock(NOW)
    checker = verifier(key.public_key(), clock)
    token = jwtkit.encode(claims(exp=NOW + 60), key)
    checker.verify(token)
    clock.now = NOW + 59
    assert checker.verify(token)["sub"] == "alice"
    clock.now = NOW + 60
    with pytest.raises(ExpiredSignatureError):
        checker.verify(token)
    with pytest.raises(ExpiredSignatureError):  # and it does not come back
        checker.verify(token)


def test_a_cached_token_honours_leeway_and_an_explicit_now(key: Key) -> None:
    checker = verifier(key.public_key(), Clock(NOW), leeway=10)
    token = jwtkit.encode(claims(exp=NOW + 60), key)
    checker.verify(token)
    assert checker.verify(token, now=NOW + 69)["sub"] == "alice"
    with pytest.raises(ExpiredSignatureError):
        checker.verify(token, now=NOW + 70)


def test_a_cached_token_is_not_valid_before_nbf_when_the_clock_goes_back(key: Key) -> None:
    clock = Clock(NOW + 100)
    checker = verifier(key.public_key(), clock)
    token = jwtkit.encode(claims(nbf=NOW + 50, iat=NOW + 50), key)
    checker.verify(token)
    clock.now = NOW + 10
    with pytest.raises(ImmatureSignatureError):
        checker.verify(token)


def test_returned_claims_cannot_poison_the_cache(key: Key) -> None:
    checker = verifier(key.public_key(), Clock(NOW))
    original = claims(aud=["api", "other"], roles={"admin": False, "groups": ["a"]})
    token = jwtkit.encode(original, key)
    first = checker.verify(token)  # the miss path: its result is the caller's own, too
    first["sub"] = "mallory"
    first["aud"].append("evil")
    first["roles"]["admin"] = True
    first["roles"]["groups"].append("root")
    second = checker.verify(token)
    assert second == original
    second["scope"] = "everything"
    second["roles"]["groups"].clear()
    assert checker.verify(token) == original
    assert checker.cache_info().hits == 2


def test_flat_claims_cannot_poison_the_cache(key: Key) -> None:
    checker = verifier(key.public_key(), Clock(NOW))
    token = jwtkit.encode(claims(), key)
    checker.verify(token)["scope"] = "admin"
    hit = checker.verify(token)
    hit["scope"] = "admin"
    del hit["exp"]
    assert checker.verify(token) == claims()


def test_a_failed_token_is_never_cached(key: Key) -> None:
    checker = verifier(key.public_key(), Clock(NOW))
    token = jwtkit.encode(claims(aud="another-api"), key)
    for _ in range(3):
        with pytest.raises(InvalidAudienceError):
            checker.verify(token)
    assert checker.cache_info().currsize == 0


def test_a_rotation_that_removes_the_key_ends_the_hits(key: Key) -> None:
    source = Source(KeySet([key.public_key()]))
    checker = verifier(source, Clock(NOW))
    token = jwtkit.encode(claims(), key)
    checker.verify(token)
    checker.verify(token)
    assert checker.cache_info().hits == 1
    source.keys = KeySet([Key.generate("ES256", kid="k2").public_key()])
    with pytest.raises(KeyNotFoundError):
        checker.verify(token)


def test_a_refetched_key_set_is_checked_again(key: Key) -> None:
    source = Source(KeySet([key.public_key()]))
    checker = verifier(source, Clock(NOW))
    token = jwtkit.encode(claims(), key)
    checker.verify(token)
    # The same key, fetched again: another object, so the token is verified once more.
    source.keys = KeySet([Key.from_dict(key.public_key().to_dict())])
    assert checker.verify(token) == claims()
    assert checker.cache_info().hits == 0
    assert checker.verify(token) == claims()
    assert checker.cache_info().hits == 1


def test_a_key_replaced_under_the_same_kid_ends_the_hits(key: Key) -> None:
    source = Source(KeySet([key.public_key()]))
    checker = verifier(source, Clock(NOW))
    token = jwtkit.encode(claims(), key)
    checker.verify(token)
    impostor = Key.generate("ES256", kid="k1").public_key()
    source.keys = KeySet([impostor])
    with pytest.raises(jwtkit.InvalidSignatureError):
        checker.verify(token)


def test_async_verify_uses_the_cache_and_follows_rotation(key: Key) -> None:
    source = AsyncSource(KeySet([key.public_key()]))
    checker = verifier(source, Clock(NOW))
    token = jwtkit.encode(claims(), key)

    async def run() -> None:
        assert await checker.verify_async(token) == claims()
        hit = await checker.verify_async(token)
        hit["sub"] = "mallory"
        assert await checker.verify_async(token) == claims()
        assert checker.cache_info().hits == 2
        source.keys = KeySet([Key.generate("ES256", kid="k9").public_key()])
        with pytest.raises(KeyNotFoundError):
            await checker.verify_async(token)

    asyncio.run(run())


def test_sync_verify_with_an_async_source_still_refuses_when_cached(key: Key) -> None:
    checker = verifier(AsyncSource(KeySet([key.public_key()])), Clock(NOW))
    token = jwtkit.encode(claims(), key)
    asyncio.run(checker.verify_async(token))
    with pytest.raises(jwtkit.InvalidOptionError, match="verify_async"):
        checker.verify(token)


def test_the_cache_is_bounded_and_drops_the_least_recently_used(key: Key) -> None:
    checker = verifier(key.public_key(), Clock(NOW), cache_size=2)
    first, second, third = (jwtkit.encode(claims(jti=str(n)), key) for n in range(3))
    checker.verify(first)
    checker.verify(second)
    checker.verify(first)  # first is now the most recently used
    checker.verify(third)  # evicts second
    assert checker.cache_info().currsize == 2
    hits = checker.cache_info().hits
    checker.verify(first)
    assert checker.cache_info().hits == hits + 1
    checker.verify(second)
    assert checker.cache_info().hits == hits + 1


def test_huge_and_bytes_tokens_are_verified_but_not_stored(key: Key) -> None:
    checker = verifier(key.public_key(), Clock(NOW))
    huge = jwtkit.encode(claims(padding="x" * MAX_CACHED_TOKEN_LENGTH), key)
    checker.verify(huge)
    checker.verify(jwtkit.encode(claims(), key).encode("ascii"))
    assert checker.cache_info().currsize == 0


@pytest.mark.parametrize("size", [-1, 1.5, True, "16", None])
def test_rejects_a_malformed_cache_size(key: Key, size: Any) -> None:
    with pytest.raises(InvalidOptionError, match="cache_size"):
        verifier(key.public_key(), Clock(NOW), cache_size=size)


def test_the_cache_is_off_by_default(key: Key) -> None:
    checker = jwtkit.Verifier(
        key.public_key(), algorithms=["ES256"], audience="api", clock=Clock(NOW)
    )
    token = jwtkit.encode(claims(), key)
    checker.verify(token)
    checker.verify(token)
    assert tuple(checker.cache_info()) == (0, 0, 0, 0)

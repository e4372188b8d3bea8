"""jwtkit._key_input: one KeySource / AsyncKeySource protocol for everything asked for keys
per token, and one rule for the signing algorithm when none is named."""

from __future__ import annotations

import asyncio

import pytest

import jwtkit
from jwtkit import jws
from jwtkit.compat.pyjwt import PyJWKClient
from jwtkit.errors import InvalidKeyError, InvalidOptionError
from jwtkit.jwk import Key, KeySet

NOW = 1_800_000_000
SIGNING_KEY = Key.generate("ES256", kid="k1")
PUBLIC_SET = KeySet([SIGNING_KEY.public_key()])


class Source:
    """A key source written by a user: only the two methods of the protocol."""

    def __init__(self, keys: KeySet) -> None:
        self.keys = keys
        self.asked: list[str | None] = []

    def get_key(self, kid: str) -> Key:
        self.asked.append(kid)
        return self.keys.get(kid)

    def get_key_set(self) -> KeySet:
        self.asked.append(None)
        return self.keys


class AsyncSource:
    def __init__(self, keys: KeySet) -> None:
        self.keys = keys

    async def get_key(self, kid: str) -> Key:
        return self.keys.get(kid)

    async def get_key_set(self) -> KeySet:
        return self.keys


class HalfAsyncSource(Source):
    async def get_key(self, kid: str) -> Key:  # type: ignore[override]
        return self.keys.get(kid)


def test_every_verify_entry_point_takes_the_same_key_source() -> None:
    source = Source(PUBLIC_SET)
    assert isinstance(source, jwtkit.KeySource)
    token = jwtkit.encode({"sub": "u"}, SIGNING_KEY)
    assert jwtkit.decode(token, source, ["ES256"]) == {"sub": "u"}
    assert jwtkit.Verifier(source, ["ES256"]).verify(token) == {"sub": "u"}
    signed = jws.sign(b"x", SIGNING_KEY)
    assert jws.verify(signed, source, ["ES256"]).payload == b"x"
    document = jws.sign_json(b"x", [(SIGNING_KEY, None, None, None)])
    assert jws.verify_json(document, source, ["ES256"]).payload == b"x"
    assert source.asked == ["k1", "k1", "k1", "k1"]


def test_an_async_source_is_awaited_by_verify_async_and_refused_by_sync_calls() -> None:
    source = AsyncSource(PUBLIC_SET)
    token = jwtkit.encode({"sub": "u"}, SIGNING_KEY)
    verifier = jwtkit.Verifier(source, ["ES256"])
    assert asyncio.run(verifier.verify_async(token)) == {"sub": "u"}
    for call in (
        lambda: verifier.verify(token),
        lambda: jwtkit.decode(token, source, ["ES256"]),
        lambda: jws.verify(jws.sign(b"x", SIGNING_KEY), source, ["ES256"]),
    ):
        with pytest.raises(InvalidOptionError, match="verify_async"):
            call()


def test_a_source_half_sync_half_async_is_refused_up_front() -> None:
    with pytest.raises(InvalidOptionError, match="both"):
        jwtkit.Verifier(HalfAsyncSource(PUBLIC_SET), ["ES256"])


def test_decode_with_a_pyjwkclient_fails_up_front_with_one_clear_error() -> None:
    # PyJWKClient is PyJWT's client (get_signing_key...), not a jwtkit key source: once it
    # passed one duck-typed check and failed the next. Now it is refused before any token
    # is read or any request is sent, and the message names what was passed.
    client = PyJWKClient("https://issuer.invalid/jwks.json")
    for call in (
        lambda: jwtkit.decode("not.a.token", client, ["RS256"]),
        lambda: jwtkit.Verifier(client, ["RS256"]),
        lambda: jws.verify("not.a.token", client, ["RS256"]),
    ):
        with pytest.raises(InvalidKeyError, match="PyJWKClient"):
            call()


def test_a_key_source_cannot_sign() -> None:
    with pytest.raises(InvalidOptionError, match="key source"):
        jwtkit.encode({}, Source(PUBLIC_SET), "ES256")
    with pytest.raises(InvalidOptionError, match="key source"):
        jws.sign(b"x", Source(PUBLIC_SET), "ES256")

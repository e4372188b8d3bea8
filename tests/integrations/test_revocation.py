"""Revocation checks: RFC 7662 introspection and the server's Redis denylist, attacked.

Introspection runs against the loopback issuer (which checks ``client_secret_basic``); the
denylist against the Redis of ``JWTKIT_TEST_REDIS_URL`` (skipped when it is not set).
Every failure to learn the answer must fail closed (503), never open.
"""

from __future__ import annotations

import asyncio
import base64
import os
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import unquote_plus

import pytest

import jwtkit
from jwtkit._denylist_keys import DenylistKeys, denylist_verdict
from jwtkit.errors import InvalidOptionError, RevocationCheckError
from jwtkit.integrations._bearer import BearerError, BearerGuard
from jwtkit.integrations._revocation import (
    RevocationAnswers,
    denylist_key,
    introspection_request,
    read_introspection,
)
from loopback_issuer import (
    CLIENT_ID,
    CLIENT_SECRET,
    INTROSPECTION_PATH,
    METADATA_PATH,
    LoopbackIssuer,
)

REDIS_URL = os.environ.get("JWTKIT_TEST_REDIS_URL")
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="JWTKIT_TEST_REDIS_URL is not set")


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def introspecting(issuer: LoopbackIssuer, clock: Clock, **options: Any) -> BearerGuard:
    settings: dict[str, Any] = {
        "issuer": issuer.issuer,
        "audience": "api",
        "revocation": "introspection",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "clock": clock,
    }
    settings.update(options)
    return BearerGuard(**settings)


def refusal(guard: BearerGuard, token: str) -> BearerError:
    with pytest.raises(BearerError) as caught:
        guard.authenticate([f"Bearer {token}"])
    return caught.value


# -- the I/O-free pieces ---------------------------------------------------------------------


def test_client_credentials_are_form_encoded_before_basic() -> None:
    headers, body = introspection_request("a.b.c", "client:1", "p@ss word+")
    decoded = base64.b64decode(headers["Authorization"].removeprefix("Basic ")).decode()
    client_id, _, secret = decoded.partition(":")
    assert (unquote_plus(client_id), unquote_plus(secret)) == ("client:1", "p@ss word+")
    assert body == b"token=a.b.c&token_type_hint=access_token"


@pytest.mark.parametrize(
    ("response", "problem"),
    [
        ((401, {}, b""), "client_id and client_secret"),
        ((500, {}, b""), "HTTP 500"),
        ((200, {}, b"not json"), "Invalid introspection response"),
        ((200, {}, b'{"active": "false"}'), "'active' must be true or false"),
        ((200, {}, b'{"sub": "alice"}'), "'active' must be true or false"),
    ],
)
def test_an_unreadable_introspection_answer_fails_closed(
    response: tuple[int, dict[str, str], bytes], problem: str
) -> None:
    with pytest.raises(RevocationCheckError, match=problem):
        read_introspection(response)


def test_answers_are_kept_for_the_bound_and_never_past_exp() -> None:
    answers = RevocationAnswers(max_age=30)
    answers.remember("t1", False, {"exp": 1_000 + 300}, now=1_000)
    answers.remember("t2", False, {"exp": 1_000 + 10}, now=1_000)
    answers.remember("t3", True, {"exp": 999}, now=1_000)  # already expired: not kept
    assert answers.lookup("t1", 1_029) is False and answers.lookup("t1", 1_030) is None
    assert answers.lookup("t2", 1_009) is False and answers.lookup("t2", 1_010) is None
    assert answers.lookup("t3", 1_000) is None
    with pytest.raises(RevocationCheckError):
        RevocationAnswers(max_age=-1)


def test_the_denylist_key_is_the_servers() -> None:
    keys = DenylistKeys("jwtkit:")
    assert denylist_key(keys, {"jti": "abc"}) == "jwtkit:revoked:abc"
    assert keys.ready == "jwtkit:denylist:ready"
    for claims in ({}, {"jti": ""}, {"jti": 5}):
        with pytest.raises(RevocationCheckError, match="jti"):
            denylist_key(keys, claims)


def test_an_unlisted_token_is_vouched_for_only_while_the_ready_marker_exists() -> None:
    assert denylist_verdict(1, 1) is True and denylist_verdict(1, 0) is True
    assert denylist_verdict(0, 1) is False
    with pytest.raises(RevocationCheckError, match="ready marker"):
        denylist_verdict(0, 0)


# -- introspection against the loopback issuer -----------------------------------------------


def test_introspection_refuses_a_revoked_token_within_the_bound(issuer: LoopbackIssuer) -> None:
    clock = Clock()
    guard = introspecting(issuer, clock, revocation_cache_seconds=30)
    token = issuer.token()
    for _ in range(3):
        assert guard.authenticate([f"Bearer {token}"]) is not None
    assert issuer.requests[INTROSPECTION_PATH] == 1  # cached for the bound
    assert issuer.introspection_auth[0] is not None
    assert issuer.introspection_auth[0].startswith("Basic ")
    issuer.revoke(token)
    clock.now += 29
    assert guard.authenticate([f"Bearer {token}"]) is not None  # the documented cost
    clock.now += 1
    error = refusal(guard, token)
    assert (error.status, error.description) == (401, "The access token has been revoked")
    assert refusal(guard, token).status == 401  # and the refusal is remembered too
    assert issuer.requests[INTROSPECTION_PATH] == 2


def test_revocation_is_checked_on_cached_tokens(issuer: LoopbackIssuer) -> None:
    # The verified-token cache skips the signature, never the revocation check.
    guard = introspecting(issuer, Clock(), revocation_cache_seconds=0)
    token = issuer.token()
    guard.authenticate([f"Bearer {token}"])
    guard.authenticate([f"Bearer {token}"])
    assert guard.verifier.cache_info().hits == 1
    issuer.revoke(token)
    assert refusal(guard, token).description == "The access token has been revoked"


def test_a_token_is_verified_before_it_is_introspected(issuer: LoopbackIssuer) -> None:
    guard = introspecting(issuer, Clock())
    forged = issuer.token(key=jwtkit.Key.generate("ES256", kid="key-1"))
    assert refusal(guard, forged).status == 401
    assert issuer.requests[INTROSPECTION_PATH] == 0  # a forgery never reaches the server


@pytest.mark.parametrize(
    ("breakage", "options"),
    [
        ("wrong client secret", {"client_secret": "guess"}),
        ("endpoint answers 500", {}),
        ("endpoint unreachable", {"introspection_endpoint": "http://127.0.0.1:9/introspect"}),
        ("answer is not JSON", {}),
    ],
)
def test_a_failed_revocation_check_fails_closed(
    issuer: LoopbackIssuer, breakage: str, options: dict[str, Any]
) -> None:
    if breakage == "endpoint answers 500":
        issuer.responses[INTROSPECTION_PATH] = (500, {}, b"")
    if breakage == "answer is not JSON":
        issuer.responses[INTROSPECTION_PATH] = (200, {}, b"<html>")
    error = refusal(introspecting(issuer, Clock(), **options), issuer.token())
    assert (error.status, error.error) == (503, "temporarily_unavailable")
    assert error.description == "Whether the access token is revoked could not be checked"


def test_metadata_without_an_introspection_endpoint_fails_closed(issuer: LoopbackIssuer) -> None:
    issuer.metadata_overrides["introspection_endpoint"] = None
    assert refusal(introspecting(issuer, Clock()), issuer.token()).status == 503
    guard = introspecting(issuer, Clock(), introspection_endpoint=issuer.introspection_url)
    assert guard.authenticate([f"Bearer {issuer.token()}"]) is not None


def test_introspection_needs_client_credentials(issuer: LoopbackIssuer) -> None:
    with pytest.raises(RevocationCheckError, match="client_id and client_secret"):
        introspecting(issuer, Clock(), client_secret=None)


def test_offline_keys_with_introspection_discover_only_the_endpoint(
    issuer: LoopbackIssuer,
) -> None:
    guard = introspecting(issuer, Clock(), keys=jwtkit.KeySet.from_dict(issuer.jwks()))
    assert guard.authenticate([f"Bearer {issuer.token()}"]) is not None
    assert issuer.requests[METADATA_PATH] == 1


def test_async_introspection_refuses_a_revoked_token(issuer: LoopbackIssuer) -> None:
    clock = Clock()
    guard = introspecting(issuer, clock, asynchronous=True, revocation_cache_seconds=5)
    token = issuer.token()

    async def run() -> None:
        assert await guard.authenticate_async([f"Bearer {token}"]) is not None
        issuer.revoke(token)
        clock.now += 5
        with pytest.raises(BearerError, match="revoked"):
            await guard.authenticate_async([f"Bearer {token}"])

    asyncio.run(run())
    assert issuer.requests[INTROSPECTION_PATH] == 2


# -- the Redis denylist ----------------------------------------------------------------------


@pytest.fixture
def denylist() -> Iterator[tuple[Any, str]]:
    import redis

    client = redis.Redis.from_url(REDIS_URL or "redis://127.0.0.1:6379/0")
    prefix = f"jwtkit-test-{uuid.uuid4().hex}:"
    client.set(DenylistKeys(prefix).ready, "1")  # as the server does once its record is in
    yield client, prefix
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)
    client.close()


def redis_guard(issuer: LoopbackIssuer, prefix: str, **options: Any) -> BearerGuard:
    return BearerGuard(
        issuer=issuer.issuer,
        audience="api",
        revocation=REDIS_URL,
        redis_prefix=prefix,
        **options,
    )


@needs_redis
def test_the_redis_denylist_refuses_a_revoked_jti(
    issuer: LoopbackIssuer, denylist: tuple[Any, str]
) -> None:
    client, prefix = denylist
    guard = redis_guard(issuer, prefix)
    token = issuer.token()
    assert guard.authenticate([f"Bearer {token}"]) is not None
    jti = jwtkit.decode(token, options={"verify_signature": False})["jti"]
    client.set(f"{prefix}revoked:{jti}", "1", ex=300)  # what the server writes on revoke
    assert refusal(guard, token).description == "The access token has been revoked"
    assert guard.authenticate([f"Bearer {issuer.token()}"]) is not None  # others still pass


@needs_redis
def test_a_denylist_that_lost_its_data_fails_closed(
    issuer: LoopbackIssuer, denylist: tuple[Any, str]
) -> None:
    """Redis restarted empty or was flushed: a revoked token's key is gone, and so is the
    marker; the guard answers 503 (sync and async) instead of letting the token back in."""
    client, prefix = denylist
    token = issuer.token()
    jti = jwtkit.decode(token, options={"verify_signature": False})["jti"]
    client.set(f"{prefix}revoked:{jti}", "1", ex=300)
    for asynchronous in (False, True):
        guard = redis_guard(issuer, prefix, asynchronous=asynchronous)
        client.set(DenylistKeys(prefix).ready, "1")
        for key in client.scan_iter(f"{prefix}*"):  # what FLUSHDB does to this prefix
            client.delete(key)
        with pytest.raises(BearerError) as caught:
            if asynchronous:
                asyncio.run(guard.authenticate_async([f"Bearer {token}"]))
            else:
                guard.authenticate([f"Bearer {token}"])
        assert (caught.value.status, caught.value.error) == (503, "temporarily_unavailable")


@needs_redis
def test_the_redis_denylist_requires_a_jti(
    issuer: LoopbackIssuer, denylist: tuple[Any, str]
) -> None:
    error = refusal(redis_guard(issuer, denylist[1]), issuer.token(jti=None))
    assert error.description == "The access token lacks a required claim"


@needs_redis
def test_the_async_redis_denylist_refuses_a_revoked_jti(
    issuer: LoopbackIssuer, denylist: tuple[Any, str]
) -> None:
    client, prefix = denylist
    guard = redis_guard(issuer, prefix, asynchronous=True)
    token = issuer.token()
    jti = jwtkit.decode(token, options={"verify_signature": False})["jti"]

    async def run() -> None:
        assert await guard.authenticate_async([f"Bearer {token}"]) is not None
        client.set(f"{prefix}revoked:{jti}", "1", ex=300)
        with pytest.raises(BearerError, match="revoked"):
            await guard.authenticate_async([f"Bearer {token}"])

    asyncio.run(run())
    asyncio.run(run_again(guard, token))  # a second event loop gets its own client


async def run_again(guard: BearerGuard, token: str) -> None:
    with pytest.raises(BearerError, match="revoked"):
        await guard.authenticate_async([f"Bearer {token}"])


def test_an_unreachable_denylist_fails_closed(issuer: LoopbackIssuer) -> None:
    for asynchronous in (False, True):
        guard = BearerGuard(
            issuer=issuer.issuer,
            audience="api",
            revocation="redis://127.0.0.1:9/0",
            http_timeout=1,
            asynchronous=asynchronous,
        )
        token = issuer.token()
        with pytest.raises(BearerError) as caught:
            if asynchronous:
                asyncio.run(guard.authenticate_async([f"Bearer {token}"]))
            else:
                guard.authenticate([f"Bearer {token}"])
        assert caught.value.status == 503


@pytest.mark.parametrize("leeway", [3601, timedelta(hours=2)])
def test_a_leeway_past_the_denylist_keys_life_is_refused_with_the_redis_check(
    issuer: LoopbackIssuer, leeway: Any
) -> None:
    """The server keeps a revoked token's key an hour past its exp: a resource server
    accepting tokens longer than that after exp would accept revoked ones again."""
    with pytest.raises(InvalidOptionError, match="leeway may be at most 3600"):
        BearerGuard(
            issuer=issuer.issuer, audience="api", revocation="redis://127.0.0.1:9/0", leeway=leeway
        )
    # As much as the key lives is allowed, and without the Redis check any leeway is.
    BearerGuard(
        issuer=issuer.issuer, audience="api", revocation="redis://127.0.0.1:9/0", leeway=3600
    )
    BearerGuard(issuer=issuer.issuer, audience="api", leeway=leeway)

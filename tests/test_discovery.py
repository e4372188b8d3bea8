"""jwtkit.discovery: from an issuer to its keys (RFC 8414, then OpenID discovery), attacked.

Every test runs against a real HTTP server on 127.0.0.1 (tests/loopback_issuer.py).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest

import jwtkit
from jwtkit._discovery import metadata_urls
from jwtkit.discovery import (
    AsyncIssuerJWKSClient,
    IssuerJWKSClient,
    discover,
    discover_async,
)
from jwtkit.errors import DiscoveryError
from loopback_issuer import JWKS_PATH, METADATA_PATH, OPENID_PATH, LoopbackIssuer


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def issuer() -> Iterator[LoopbackIssuer]:
    with LoopbackIssuer() as server:
        yield server


def verifier(keys: object, issuer: LoopbackIssuer) -> jwtkit.Verifier:
    return jwtkit.Verifier(
        keys, algorithms=["ES256"], issuer=issuer.issuer, audience="api", typ="at+jwt"
    )


def test_discovers_the_jwks_from_rfc_8414_metadata(issuer: LoopbackIssuer) -> None:
    metadata = discover(issuer.issuer)
    assert metadata.issuer == issuer.issuer
    assert metadata.jwks_uri == issuer.jwks_url
    assert metadata.introspection_endpoint == issuer.introspection_url
    assert metadata.document["scopes_supported"] == ["orders:read", "orders:write"]
    keys = IssuerJWKSClient(issuer.issuer)
    assert verifier(keys, issuer).verify(issuer.token())["sub"] == "alice"
    assert issuer.requests[METADATA_PATH] == 2  # discover(), then the client once
    assert issuer.requests[JWKS_PATH] == 1


def test_falls_back_to_openid_configuration() -> None:
    with LoopbackIssuer(metadata_at=OPENID_PATH) as issuer:
        assert discover(issuer.issuer).jwks_uri == issuer.jwks_url
        assert issuer.requests[METADATA_PATH] == 1  # tried first, answered 404
        assert issuer.requests[OPENID_PATH] == 1


def test_an_issuer_with_a_path_is_looked_up_as_rfc_8414_says() -> None:
    assert metadata_urls("https://as.example/tenant/1") == (
        "https://as.example/.well-known/oauth-authorization-server/tenant/1",
        "https://as.example/tenant/1/.well-known/oauth-authorization-server",
        "https://as.example/tenant/1/.well-known/openid-configuration",
    )
    assert metadata_urls("https://as.example") == (
        "https://as.example/.well-known/oauth-authorization-server",
        "https://as.example/.well-known/openid-configuration",
    )
    path = METADATA_PATH + "/tenant"
    with LoopbackIssuer(issuer_path="/tenant", metadata_at=path) as issuer:
        assert discover(issuer.issuer).issuer == issuer.base_url + "/tenant"
        assert issuer.requests[path] == 1


def test_rejects_metadata_naming_another_issuer(issuer: LoopbackIssuer) -> None:
    # Discovery pointing elsewhere: a document for another issuer (whose keys an attacker
    # controls) must not be taken as this issuer's, RFC 8414 §3.3.
    issuer.metadata_overrides["issuer"] = "https://evil.example"
    with pytest.raises(DiscoveryError, match="another issuer"):
        discover(issuer.issuer)
    issuer.metadata_overrides["issuer"] = issuer.issuer + "/"
    with pytest.raises(DiscoveryError, match="another issuer"):
        discover(issuer.issuer)
    assert issuer.requests[JWKS_PATH] == 0


def test_rejects_a_jwks_uri_that_is_not_https(issuer: LoopbackIssuer) -> None:
    for jwks_uri in ("http://keys.example/jwks.json", "file:///etc/passwd", "//x", 42):
        issuer.metadata_overrides["jwks_uri"] = jwks_uri
        with pytest.raises(DiscoveryError, match="jwks_uri"):
            discover(issuer.issuer)
    del issuer.metadata_overrides["jwks_uri"]
    issuer.metadata_overrides["introspection_endpoint"] = "ftp://as.example/introspect"
    with pytest.raises(DiscoveryError, match="introspection_endpoint"):
        discover(issuer.issuer)


def test_rejects_metadata_without_jwks_uri_or_not_json(issuer: LoopbackIssuer) -> None:
    issuer.metadata_overrides["jwks_uri"] = None
    with pytest.raises(DiscoveryError, match="no jwks_uri"):
        discover(issuer.issuer)
    issuer.responses[METADATA_PATH] = (200, {}, b'{"issuer": "a", "issuer": "b"}')
    with pytest.raises(DiscoveryError, match="Invalid issuer metadata"):
        discover(issuer.issuer)


def test_does_not_follow_a_redirect(issuer: LoopbackIssuer) -> None:
    issuer.responses[METADATA_PATH] = (302, {"Location": "https://evil.example/"}, b"")
    with pytest.raises(DiscoveryError, match="redirects are not followed"):
        discover(issuer.issuer)


def test_refuses_a_huge_metadata_document(issuer: LoopbackIssuer) -> None:
    issuer.responses[METADATA_PATH] = (200, {}, b" " * (70 * 1024) + b"{}")
    with pytest.raises(DiscoveryError, match="larger than"):
        discover(issuer.issuer)


def test_a_server_error_is_reported_not_skipped(issuer: LoopbackIssuer) -> None:
    issuer.responses[METADATA_PATH] = (500, {}, b"")
    with pytest.raises(DiscoveryError, match="HTTP 500"):
        discover(issuer.issuer)
    assert issuer.requests[OPENID_PATH] == 0


def test_no_metadata_anywhere_names_the_places_tried(issuer: LoopbackIssuer) -> None:
    issuer.responses[METADATA_PATH] = (404, {}, b"")
    with pytest.raises(DiscoveryError, match="openid-configuration"):
        discover(issuer.issuer)


def test_an_unreachable_issuer_is_retried_once_per_retry_after() -> None:
    with LoopbackIssuer() as issuer:
        issuer.responses[METADATA_PATH] = (503, {}, b"")
        clock = Clock()
        keys = IssuerJWKSClient(issuer.issuer, retry_after=30, clock=clock)
        for _ in range(5):
            with pytest.raises(DiscoveryError, match="HTTP 503"):
                keys.get_key("key-1")
        assert keys.discovery_attempts == 1
        del issuer.responses[METADATA_PATH]
        clock.now += 29
        with pytest.raises(DiscoveryError):
            keys.get_key_set()
        clock.now += 1
        assert keys.get_key("key-1").kid == "key-1"
        assert keys.discovery_attempts == 2


def test_a_configured_jwks_url_skips_discovery_for_keys(issuer: LoopbackIssuer) -> None:
    keys = IssuerJWKSClient(issuer.issuer, jwks_url=issuer.jwks_url)
    assert verifier(keys, issuer).verify(issuer.token())["sub"] == "alice"
    assert issuer.requests[METADATA_PATH] == 0
    assert keys.metadata().introspection_endpoint == issuer.introspection_url


def test_follows_a_key_rotation_without_a_restart(issuer: LoopbackIssuer) -> None:
    keys = IssuerJWKSClient(issuer.issuer)
    check = verifier(keys, issuer)
    old_token = issuer.token()
    check.verify(old_token)
    issuer.rotate()
    new_token = issuer.token()
    assert jwtkit.get_unverified_header(new_token)["kid"] == "key-2"
    assert check.verify(new_token)["sub"] == "alice"
    assert check.verify(old_token)["sub"] == "alice"
    # A key nobody announced (an emergency rotation) is fetched on first sight.
    issuer.signing_key = jwtkit.Key.generate("ES256", kid="emergency")
    issuer.published.append(issuer.signing_key)
    fresh = IssuerJWKSClient(issuer.issuer, refetch_cooldown=0)
    verifier(fresh, issuer).verify(old_token)
    assert verifier(fresh, issuer).verify(issuer.token())["sub"] == "alice"


@pytest.mark.parametrize(
    ("issuer_url", "problem"),
    [
        ("http://as.example", "https"),
        ("file:///etc", "https"),
        ("https://as.example/?tenant=1", "query"),
        ("https://as.example/#x", "query or fragment"),
        ("", "https"),
        (None, "string"),
    ],
)
def test_rejects_an_issuer_that_is_not_an_https_url(issuer_url: object, problem: str) -> None:
    with pytest.raises(DiscoveryError, match=problem):
        IssuerJWKSClient(issuer_url)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("timeout", float("nan")),
        ("timeout", float("inf")),
        ("timeout", "5"),
        ("retry_after", float("nan")),  # an unreachable issuer retried on every request
        ("retry_after", "30"),
    ],
)
def test_rejects_nan_infinite_or_mistyped_settings(setting: str, value: object) -> None:
    for client_type in (IssuerJWKSClient, AsyncIssuerJWKSClient):
        with pytest.raises(DiscoveryError, match=setting):
            client_type("https://as.example", **{setting: value})


def test_async_twin_discovers_once_for_concurrent_tasks(issuer: LoopbackIssuer) -> None:
    keys = AsyncIssuerJWKSClient(issuer.issuer)
    check = verifier(keys, issuer)
    token = issuer.token()

    async def run() -> None:
        metadata = await discover_async(issuer.issuer)
        assert metadata.jwks_uri == issuer.jwks_url
        results = await asyncio.gather(*(check.verify_async(token) for _ in range(20)))
        assert {claims["sub"] for claims in results} == {"alice"}
        assert (await keys.metadata()).issuer == issuer.issuer

    asyncio.run(run())
    assert issuer.requests[METADATA_PATH] == 2  # discover_async, then the client once
    assert issuer.requests[JWKS_PATH] == 1
    assert keys.discovery_attempts == 1


def test_async_twin_reports_failures_like_the_sync_one(issuer: LoopbackIssuer) -> None:
    issuer.metadata_overrides["issuer"] = "https://evil.example"

    async def run() -> None:
        with pytest.raises(DiscoveryError, match="another issuer"):
            await AsyncIssuerJWKSClient(issuer.issuer).get_key("key-1")

    asyncio.run(run())


def test_discovery_errors_are_jwks_errors_and_name_no_body(issuer: LoopbackIssuer) -> None:
    issuer.responses[METADATA_PATH] = (200, {}, json.dumps({"secret": "hunter2"}).encode())
    with pytest.raises(jwtkit.JWKSError) as caught:
        discover(issuer.issuer)
    assert "hunter2" not in str(caught.value)

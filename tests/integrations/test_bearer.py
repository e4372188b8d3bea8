"""jwtkit.integrations._bearer: the one RFC 6750 policy every framework adapter calls.

The cross-framework answers are in test_rfc6750.py; here are the pieces: reading the
header, scopes, the algorithm policy, the options, and the guard's own decisions.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

import jwtkit
from jwtkit.errors import InvalidOptionError, UnsupportedAlgorithmError
from jwtkit.integrations._bearer import (
    PUBLISHED_KEY_ALGORITHMS,
    BearerError,
    BearerGuard,
    choose_algorithms,
    normalise_scopes,
    options_from_config,
    read_bearer_token,
    token_scopes,
)
from loopback_issuer import JWKS_PATH, METADATA_PATH, LoopbackIssuer


def guard(issuer: LoopbackIssuer, **options: Any) -> BearerGuard:
    return BearerGuard(issuer=issuer.issuer, audience="api", **options)


def refusal(call: Any, *args: Any) -> BearerError:
    with pytest.raises(BearerError) as caught:
        call(*args)
    return caught.value


# -- the header ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "query", "token"),
    [
        ([], "", None),
        (["Bearer abc.DEF-_.x~+/=="], "", "abc.DEF-_.x~+/=="),
        (["bearer abc"], "", "abc"),
        (["BEARER  abc"], "page=1", "abc"),
        (["  Bearer abc  "], "", "abc"),
        (["Basic dXNlcjpwdw=="], "", None),
        (["Digest username=x"], "", None),
        (["Bearerabc"], "", None),  # not the Bearer scheme at all
    ],
)
def test_reads_the_bearer_token(values: list[str], query: str, token: str | None) -> None:
    assert read_bearer_token(values, query) == token


@pytest.mark.parametrize(
    ("values", "query", "description"),
    [
        (["Bearer"], "", "no bearer token"),
        (["Bearer   "], "", "no bearer token"),
        (["Bearer a b"], "", "malformed"),
        (["Bearer a\tb"], "", "malformed"),
        (["Bearer\tabc"], "", "malformed"),  # RFC 9110 §11.4: one or more SP, never a tab
        (["bearer \tabc"], "", "malformed"),
        (["Bearer a\r\nX-Admin: 1"], "", "malformed"),
        (["Bearer a\x00"], "", "malformed"),
        (["Bearer t\u00e9"], "", "malformed"),
        (["Bearer =abc"], "", "malformed"),
        (["Bearer a", "Bearer b"], "", "more than one Authorization credential"),
        (["Bearer a, Bearer b"], "", "more than one Authorization credential"),
        (["Basic x, Bearer b"], "", "more than one Authorization credential"),
        ([], "access_token=abc", "not the URL"),
        ([], "x=1&access_token=", "not the URL"),
        ([], "access%5Ftoken=abc", "not the URL"),
        (["Bearer a"], "access_token=a", "more than one place"),
        (["Basic x"], "access_token=a", "not the URL"),
    ],
)
def test_rejects_a_malformed_request_with_400(
    values: list[str], query: str, description: str
) -> None:
    error = refusal(read_bearer_token, values, query)
    assert (error.status, error.error) == (400, "invalid_request")
    assert description in error.description


def test_a_query_that_only_looks_like_a_token_is_fine() -> None:
    assert read_bearer_token(["Bearer a"], "my_access_token=1&access=2") == "a"
    assert read_bearer_token([], b"accessory=1") is None


# -- scopes ----------------------------------------------------------------------------------


def test_scopes_from_scope_and_scp() -> None:
    assert token_scopes({"scope": "a b  c"}) == {"a", "b", "c"}
    assert token_scopes({"scp": ["a", "b"], "scope": "c"}) == {"a", "b", "c"}
    assert token_scopes({"scp": "a b"}) == {"a", "b"}
    assert token_scopes({}) == frozenset()
    for bad in ({"scope": ["a"]}, {"scope": 5}, {"scp": [1]}, {"scp": {"a": 1}}):
        assert refusal(token_scopes, bad).error == "invalid_token"


def test_only_short_scope_strings_are_remembered() -> None:
    """Each distinct scope string's split is remembered (the same few on every request), but
    only up to 1 KiB of text: 1,024 remembered 256 KiB scopes would hold gigabytes."""
    from jwtkit.integrations import _bearer

    words = [f"scope:{index}" for index in range(400)]
    long_scope = " ".join(words)
    assert len(long_scope) > _bearer._REMEMBERED_SCOPE_LENGTH
    _bearer._remembered_split.cache_clear()
    assert token_scopes({"scope": long_scope}) == set(words)
    assert token_scopes({"scope": "a b"}) == {"a", "b"}
    assert token_scopes({"scope": "a b"}) == {"a", "b"}
    info = _bearer._remembered_split.cache_info()
    assert (info.currsize, info.hits) == (1, 1)  # "a b" only, served once from memory


def test_route_scopes_are_a_list_or_one_string() -> None:
    assert normalise_scopes(["a", "b", "a"]) == ("a", "b")
    assert normalise_scopes("a b") == ("a", "b")
    assert normalise_scopes(None) == ()
    for bad in (["a b"], ['a"b'], ["a\\b"], [5], ["caf\u00e9"]):
        with pytest.raises(InvalidOptionError, match="scope"):
            normalise_scopes(bad)


def test_require_answers_401_without_claims_and_403_without_a_scope() -> None:
    assert refusal(BearerGuard.require, None, ()).status == 401
    error = refusal(BearerGuard.require, {"scope": "a"}, ("a", "b"))
    assert (error.status, error.scope) == (403, "a b")
    assert error.challenge("api") == (
        'Bearer realm="api", error="insufficient_scope", '
        'error_description="The access token does not grant the scope this needs", '
        'scope="a b"'
    )
    BearerGuard.require({"scope": "b a"}, ("a", "b"))


# -- the algorithm policy --------------------------------------------------------------------


def test_published_keys_allow_every_asymmetric_algorithm_and_never_hmac_or_none() -> None:
    chosen = choose_algorithms(None, None)
    assert chosen == list(PUBLISHED_KEY_ALGORITHMS)
    assert "ES256" in chosen and "EdDSA" in chosen and "PS256" in chosen
    assert not any(name.startswith("HS") or name.lower() == "none" for name in chosen)


def test_rejects_hmac_with_published_keys() -> None:
    for algorithms in (["HS256"], ["ES256", "HS512"]):
        with pytest.raises(InvalidOptionError, match="HMAC"):
            choose_algorithms(algorithms, None)


def test_rejects_alg_none_and_unknown_algorithms() -> None:
    for algorithms in (["none"], ["ES256", "None"], ["XS256"]):
        with pytest.raises(UnsupportedAlgorithmError):
            choose_algorithms(algorithms, None)
    for algorithms in ("ES256", []):
        with pytest.raises(InvalidOptionError):
            choose_algorithms(algorithms, None)


def test_offline_keys_allow_what_they_fit() -> None:
    assert choose_algorithms(None, jwtkit.Key.generate("ES256").public_key()) == ["ES256"]
    ed25519 = jwtkit.Key.generate("EdDSA").public_key().to_dict()
    del ed25519["alg"]
    assert choose_algorithms(None, jwtkit.Key.from_dict(ed25519)) == ["EdDSA", "Ed25519"]
    rsa_members = jwtkit.Key.generate("RS256").public_key().to_dict()
    del rsa_members["alg"]
    rsa = jwtkit.Key.from_dict(rsa_members)
    assert set(choose_algorithms(None, rsa)) == {
        "RS256",
        "RS384",
        "RS512",
        "PS256",
        "PS384",
        "PS512",
    }
    bound = jwtkit.Key.from_dict({**rsa.to_dict(), "alg": "PS256"})
    assert choose_algorithms(None, bound) == ["PS256"]
    mixed = jwtkit.KeySet(
        [jwtkit.Key.generate("ES384", kid="a").public_key(), jwtkit.OctKey(b"s" * 32, kid="b")]
    )
    assert choose_algorithms(None, mixed) == ["ES384"]


def test_a_symmetric_key_needs_explicit_algorithms() -> None:
    secret = jwtkit.OctKey(b"k" * 32)
    with pytest.raises(InvalidOptionError, match="symmetric"):
        choose_algorithms(None, secret)
    assert choose_algorithms(["HS256"], secret) == ["HS256"]


# -- options ---------------------------------------------------------------------------------


def test_options_from_settings_and_misspelt_settings() -> None:
    assert options_from_config(
        {"JWTKIT_ISSUER": "https://a", "JWTKIT_AUDIENCE": "api", "SECRET_KEY": "x"}, "JWTKIT_"
    ) == {"issuer": "https://a", "audience": "api"}
    with pytest.raises(InvalidOptionError, match="JWTKIT_AUDIANCE"):
        options_from_config({"JWTKIT_AUDIANCE": "api"}, "JWTKIT_")
    with pytest.raises(InvalidOptionError, match="ISUER"):
        options_from_config({"ISUER": "x"})


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"issuer": "", "audience": "api"}, "issuer is required"),
        ({"issuer": "https://a.example", "audience": ""}, "audience is required"),
        ({"issuer": "https://a.example", "audience": [1]}, "audience is required"),
        (
            {"issuer": "https://a.example", "audience": "api", "realm": 'a"b'},
            "realm",
        ),
        (
            {"issuer": "https://a.example", "audience": "api", "revocation": "yes"},
            "revocation",
        ),
        (
            {"issuer": "https://a.example", "audience": "api", "required_claims": "sub"},
            "required_claims",
        ),
        (
            {
                "issuer": "https://a.example",
                "audience": "api",
                "keys": jwtkit.Key.generate("ES256").public_key(),
                "jwks_url": "https://a.example/jwks",
            },
            "not both",
        ),
        ({"issuer": "https://a.example", "audience": "api", "keys": "not a key"}, "keys must"),
    ],
)
def test_rejects_a_careless_configuration(options: dict[str, Any], problem: str) -> None:
    with pytest.raises(InvalidOptionError, match=problem):
        BearerGuard(**options)


def test_a_configuration_sends_no_request(issuer: LoopbackIssuer) -> None:
    guard(issuer)
    guard(issuer, asynchronous=True)
    assert sum(issuer.requests.values()) == 0


# -- the guard -------------------------------------------------------------------------------


def test_the_guard_discovers_verifies_and_caches(issuer: LoopbackIssuer) -> None:
    checker = guard(issuer)
    token = issuer.token()
    for _ in range(5):
        claims = checker.authenticate([f"Bearer {token}"])
        assert claims is not None and claims["sub"] == "alice"
    assert checker.verifier.cache_info().hits == 4
    assert issuer.requests[METADATA_PATH] == 1 and issuer.requests[JWKS_PATH] == 1
    assert checker.authenticate([]) is None
    assert checker.user(claims).scopes == {"orders:read"}


def test_the_async_guard_never_uses_the_sync_path(issuer: LoopbackIssuer) -> None:
    checker = guard(issuer, asynchronous=True)
    token = issuer.token()

    async def run() -> None:
        claims = await checker.authenticate_async([f"Bearer {token}"])
        assert claims is not None and claims["sub"] == "alice"

    asyncio.run(run())
    error = refusal(checker.authenticate, [f"Bearer {token}"])  # a sync call on an async guard
    assert error.status == 401  # refused, never verified with blocking I/O


def test_offline_keys_need_no_issuer_at_all() -> None:
    key = jwtkit.Key.generate("ES256", kid="k")
    checker = BearerGuard(
        issuer="https://nowhere.invalid", audience="api", keys=jwtkit.KeySet([key]).to_dict()
    )
    now = int(jwtkit.jwt.time.time())
    token = jwtkit.encode(
        {"iss": "https://nowhere.invalid", "aud": "api", "sub": "bob", "iat": now, "exp": now + 60},
        key,
        headers={"typ": "at+jwt"},
    )
    assert checker.authenticate([f"Bearer {token}"]) == jwtkit.decode(
        token, key, algorithms=["ES256"], audience="api"
    )


def test_the_clock_is_injectable(issuer: LoopbackIssuer) -> None:
    token = issuer.token(issued_at=1_000_000, lifetime=60)
    assert guard(issuer, clock=lambda: 1_000_030).authenticate([f"Bearer {token}"])
    error = refusal(guard(issuer, clock=lambda: 1_000_060).authenticate, [f"Bearer {token}"])
    assert error.description == "The access token has expired"
    assert guard(issuer, clock=lambda: 1_000_065, leeway=10).authenticate([f"Bearer {token}"])


def test_an_unreachable_issuer_is_503_not_401(issuer: LoopbackIssuer) -> None:
    token = issuer.token()
    issuer.responses[METADATA_PATH] = (500, {}, b"")
    error = refusal(guard(issuer).authenticate, [f"Bearer {token}"])
    assert (error.status, error.error) == (503, "temporarily_unavailable")
    assert error.headers("api") == {"Retry-After": "30"}
    assert json.loads(error.body()) == {
        "detail": {
            "error": "temporarily_unavailable",
            "error_description": "The token issuer's keys could not be fetched",
        }
    }


def test_rejects_discovery_pointing_to_another_issuer(issuer: LoopbackIssuer) -> None:
    # A metadata document that names another issuer (with the attacker's jwks_uri) is refused
    # before any key is fetched; the API answers 503 and never trusts those keys.
    with LoopbackIssuer() as attacker:
        issuer.metadata_overrides.update(issuer=attacker.issuer, jwks_uri=attacker.jwks_url)
        forged = attacker.token(iss=issuer.issuer)
        error = refusal(guard(issuer).authenticate, [f"Bearer {forged}"])
        assert error.status == 503
        assert attacker.requests[JWKS_PATH] == 0


def test_rejects_a_jwks_that_mixes_in_a_symmetric_key(issuer: LoopbackIssuer) -> None:
    # An HS256 token keyed with a secret smuggled into the published set still fails: the
    # JWKS client refuses a set with symmetric keys, and HS256 is not an allowed algorithm.
    secret = jwtkit.OctKey(b"p" * 32, kid="smuggled")
    jwks = issuer.jwks()
    jwks["keys"].append(secret.to_dict(private=True))
    issuer.responses[JWKS_PATH] = (200, {}, json.dumps(jwks).encode())
    claims = jwtkit.decode(issuer.token(), options={"verify_signature": False})
    token = jwtkit.encode(claims, secret, "HS256", headers={"typ": "at+jwt"})
    assert refusal(guard(issuer).authenticate, [f"Bearer {token}"]).status in (401, 503)

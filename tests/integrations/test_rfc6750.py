"""Every framework answers every request exactly alike, as RFC 6750 §3 says.

One table of requests (honest, careless and hostile) goes to the same orders API built with
FastAPI, Starlette, Litestar, Flask, Django and Django REST framework, each discovering the
keys of a real loopback issuer over HTTP; status, ``WWW-Authenticate`` and body must be the
ones the table names, byte for byte, in every framework, and no answer may echo the token.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from orders_apps import FRAMEWORKS, SCOPED_FRAMEWORKS, serve

import jwtkit
from loopback_issuer import LoopbackIssuer

REALM = 'Bearer realm="api"'


def options(issuer: LoopbackIssuer) -> dict[str, Any]:
    return {"issuer": issuer.issuer, "audience": "api"}


def refused(status: int, error: str | None, description: str, scope: str | None = None) -> Any:
    challenge = REALM
    if error is not None:
        challenge += f', error="{error}", error_description="{description}"'
    if scope is not None:
        challenge += f', scope="{scope}"'
    detail = {"error": error or "missing_token", "error_description": description}
    if scope is not None:
        detail["scope"] = scope
    return status, challenge, {"detail": detail}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forged(header: dict[str, Any], claims: dict[str, Any], signature: bytes = b"sig") -> str:
    return ".".join(
        (b64(json.dumps(header).encode()), b64(json.dumps(claims).encode()), b64(signature))
    )


def claims_of(issuer: LoopbackIssuer, token: str) -> dict[str, Any]:
    return jwtkit.decode(token, options={"verify_signature": False})


Make = Callable[[LoopbackIssuer], tuple[list[tuple[str, str]], str]]


def bearer(make_token: Callable[[LoopbackIssuer], str]) -> Make:
    return lambda issuer: ([("Authorization", f"Bearer {make_token(issuer)}")], "")


def tampered(issuer: LoopbackIssuer) -> str:
    header, _, signature = issuer.token().split(".")
    payload = b64(json.dumps({**claims_of(issuer, issuer.token()), "sub": "admin"}).encode())
    return f"{header}.{payload}.{signature}"


def hmac_with_public_key(issuer: LoopbackIssuer) -> str:
    # The confusion attack: HS256 keyed with the issuer's published key bytes.
    public_pem = issuer.signing_key.public_key().to_pem()
    claims = claims_of(issuer, issuer.token())
    header = {"alg": "HS256", "typ": "at+jwt", "kid": issuer.signing_key.kid}
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    import hashlib
    import hmac

    mac = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(mac)}"


def alg_none(issuer: LoopbackIssuer) -> str:
    return forged({"alg": "none", "typ": "at+jwt"}, claims_of(issuer, issuer.token()), b"")


def pss_with_a_key_published_for_rs256(issuer: LoopbackIssuer) -> str:
    # The JWKS binds the key to RS256; the token asks for PS256 with that same key.
    key = jwtkit.Key.generate("RS256", kid="rsa-1")
    issuer.published.append(key)
    unbound = {name: value for name, value in key.to_dict(private=True).items() if name != "alg"}
    headers = {"typ": "at+jwt", "kid": "rsa-1"}
    signer = jwtkit.Key.import_key(unbound)
    return jwtkit.encode(claims_of(issuer, issuer.token()), signer, "PS256", headers=headers)


INVALID = "invalid_token"
CASES: dict[str, tuple[Make, Any]] = {
    "no token": (lambda issuer: ([], ""), refused(401, None, "An access token is required")),
    "another scheme (Basic)": (
        lambda issuer: ([("Authorization", "Basic dXNlcjpwYXNz")], ""),
        refused(401, None, "An access token is required"),
    ),
    "expired": (
        bearer(lambda issuer: issuer.token(issued_at=int(time.time()) - 600, lifetime=300)),
        refused(401, INVALID, "The access token has expired"),
    ),
    "not valid yet": (
        bearer(lambda issuer: issuer.token(nbf=int(time.time()) + 600)),
        refused(401, INVALID, "The access token is not valid yet"),
    ),
    "tampered claims": (
        bearer(tampered),
        refused(401, INVALID, "The access token's signature is invalid"),
    ),
    "another audience": (
        bearer(lambda issuer: issuer.token(aud="billing-api")),
        refused(401, INVALID, "The access token is meant for another audience"),
    ),
    "another issuer": (
        bearer(lambda issuer: issuer.token(iss="https://evil.example")),
        refused(401, INVALID, "The access token is from another issuer"),
    ),
    "an ID token, not an access token (typ JWT)": (
        bearer(lambda issuer: issuer.token(headers={"typ": "JWT"})),
        refused(401, INVALID, "The token is not an access token (typ at+jwt)"),
    ),
    "alg none": (
        bearer(alg_none),
        refused(401, INVALID, "The access token's algorithm is not accepted"),
    ),
    "HS256 keyed with the published public key": (
        bearer(hmac_with_public_key),
        refused(401, INVALID, "The access token's algorithm is not accepted"),
    ),
    "PS256 with a key the issuer published for RS256": (
        bearer(pss_with_a_key_published_for_rs256),
        refused(401, INVALID, "The access token's algorithm is not accepted"),
    ),
    "signed by a key the issuer never published": (
        bearer(lambda issuer: issuer.token(key=jwtkit.Key.generate("ES256", kid="rogue"))),
        refused(401, INVALID, "The access token's signing key is unknown"),
    ),
    "no sub": (
        bearer(lambda issuer: issuer.token(sub=None)),  # type: ignore[arg-type]
        refused(401, INVALID, "The access token lacks a required claim"),
    ),
    "scope claim of the wrong type": (
        bearer(lambda issuer: issuer.token(scope=None, scp={"orders:read": True})),
        refused(401, INVALID, "The access token's scp claim is malformed"),
    ),
    "garbage": (
        lambda issuer: ([("Authorization", "Bearer abc.def.ghi")], ""),
        refused(401, INVALID, "The access token is malformed"),
    ),
    "Bearer with no token": (
        lambda issuer: ([("Authorization", "Bearer")], ""),
        refused(400, "invalid_request", "The Authorization header has no bearer token"),
    ),
    "a space inside the token": (
        lambda issuer: ([("Authorization", "Bearer abc def")], ""),
        refused(400, "invalid_request", "The Authorization header is malformed"),
    ),
    "a tab after Bearer": (
        lambda issuer: ([("Authorization", f"Bearer\t{issuer.token()}")], ""),
        refused(400, "invalid_request", "The Authorization header is malformed"),
    ),
    "two Authorization headers": (
        lambda issuer: (
            [("Authorization", f"Bearer {issuer.token()}"), ("Authorization", "Bearer x.y.z")],
            "",
        ),
        refused(400, "invalid_request", "The request has more than one Authorization credential"),
    ),
    "token in the URL": (
        lambda issuer: ([], f"access_token={issuer.token()}"),
        refused(
            400,
            "invalid_request",
            "Send the access token in the Authorization header, not the URL",
        ),
    ),
    "token in the header and the URL": (
        lambda issuer: (
            [("Authorization", f"Bearer {issuer.token()}")],
            f"page=2&access%5Ftoken={issuer.token()}",
        ),
        refused(400, "invalid_request", "The access token was sent in more than one place"),
    ),
}


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_a_valid_token_reaches_the_route(framework: str, issuer: LoopbackIssuer) -> None:
    with serve(framework, **options(issuer)) as client:
        token = issuer.token(scope="orders:read profile")
        answer = client.get("/secure-endpoint", [("Authorization", f"Bearer {token}")])
        assert answer.status == 200, answer.body
        assert answer.body["sub"] == "alice"
        answer = client.get("/secure-endpoint", [("authorization", f"bearer   {token}")])
        assert answer.status == 200  # the scheme is case-insensitive (RFC 9110 §11.1)


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_every_framework_answers_alike(framework: str, case: str, issuer: LoopbackIssuer) -> None:
    make, (status, challenge, body) = CASES[case]
    headers, query = make(issuer)
    with serve(framework, **options(issuer)) as client:
        answer = client.get("/secure-endpoint", headers, query)
    assert (answer.status, answer.challenge, answer.body) == (status, challenge, body)
    assert answer.headers["content-type"].startswith("application/json")
    sent = " ".join(value for _, value in headers) + query
    for part in sent.replace("Bearer ", " ").replace("=", " ").split():
        if len(part) > 12:  # no answer repeats what the request sent as a token
            assert part not in json.dumps(answer.body) and part not in str(answer.headers)


@pytest.mark.parametrize("framework", SCOPED_FRAMEWORKS)
def test_a_missing_scope_is_403_naming_the_scope(framework: str, issuer: LoopbackIssuer) -> None:
    with serve(framework, **options(issuer)) as client:
        answer = client.get(
            "/orders", [("Authorization", f"Bearer {issuer.token(scope='profile')}")]
        )
        assert (answer.status, answer.challenge, answer.body) == refused(
            403,
            "insufficient_scope",
            "The access token does not grant the scope this needs",
            "orders:read",
        )
        answer = client.get("/orders", [("Authorization", f"Bearer {issuer.token(scope=None)}")])
        assert answer.status == 403
        answer = client.get("/orders", [])
        assert (answer.status, answer.challenge) == (401, REALM)
        ok = client.get("/orders", [("Authorization", f"Bearer {issuer.token()}")])
        assert (ok.status, ok.body["orders"]) == (200, [1, 2, 3])


@pytest.mark.parametrize("framework", SCOPED_FRAMEWORKS)
def test_scopes_come_from_scope_and_scp(framework: str, issuer: LoopbackIssuer) -> None:
    with serve(framework, **options(issuer)) as client:
        for token in (
            issuer.token(scope=None, scp=["profile", "orders:read"]),
            issuer.token(scope=None, scp="profile orders:read"),
            issuer.token(scope="profile", scp=["orders:read"]),
        ):
            assert client.get("/orders", [("Authorization", f"Bearer {token}")]).status == 200
        # A scope that merely contains the name, or differs in case, is another scope.
        for scope in ("orders:readonly", "ORDERS:READ", "orders:read\tx", "profile,orders:read"):
            token = issuer.token(scope=scope)
            assert client.get("/orders", [("Authorization", f"Bearer {token}")]).status == 403

"""Error messages are API: the drop-in says exactly what PyJWT 2.15 says for the same failure.

flask-jwt-extended, for one, returns PyJWT's text in its HTTP responses
(``{"msg": "Token is missing the \\"aud\\" claim"}``), so clients and test suites see it.
Each case below makes one failure happen on real PyJWT and on the drop-in and compares the
exception's class name and text. (Failures only jwtkit reports, and the few where the class
differs on purpose, are in test_pyjwt_differences.py.)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import warnings
from collections.abc import Callable
from types import ModuleType
from typing import Any

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

import jwtkit.compat.pyjwt as compat

SECRET = "s3cr3t-" * 9 + "x"
NOW = int(time.time())
#: Far enough ahead that a slow run (the suite can take many minutes to reach this module)
#: still sees these claims in the future.
FUTURE = NOW + 10**6
EC_P256 = ec.generate_private_key(ec.SECP256R1())
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
RSA_PUBLIC_PEM = RSA_KEY.public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token(header: Any, claims: Any, secret: str = SECRET, raw: bool = False) -> str:
    """An HS256 token whose header and payload segments are exactly what the case needs."""
    header_part = header if raw else b64(json.dumps(header).encode())
    claims_part = claims if raw else b64(json.dumps(claims).encode())
    signing_input = f"{header_part}.{claims_part}"
    mac = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(mac)}"


HS = {"alg": "HS256", "typ": "JWT"}


def decode(token_text: Any, key: Any = SECRET, **kwargs: Any) -> Callable[[ModuleType], Any]:
    arguments = {"algorithms": ["HS256"], **kwargs}
    return lambda jwt: jwt.decode(token_text, key, **arguments)


CASES: dict[str, Callable[[ModuleType], Any]] = {
    # the token's shape
    "token of the wrong type": decode(12345),
    "not enough segments": decode("abc.def"),
    "header not base64url": decode("!!!!." + b64(b"{}") + ".sig"),
    "header not JSON": decode(b64(b"{not json") + "." + b64(b"{}") + "."),
    "header not an object": decode(b64(b"[1, 2]") + "." + b64(b"{}") + "."),
    "payload not base64url": decode(b64(json.dumps(HS).encode()) + ".!!!!.sig"),
    "payload not JSON": decode(token(b64(json.dumps(HS).encode()), b64(b"nope"), raw=True)),
    "payload not an object": decode(token(HS, [1, 2])),
    "signature not base64url": decode(token(HS, {}).rsplit(".", 1)[0] + ".!!!!"),
    # the header
    "kid not a string": decode(token({**HS, "kid": 7}, {})),
    "crit not a list": decode(token({**HS, "crit": "b64"}, {})),
    "crit empty": decode(token({**HS, "crit": []}, {})),
    "crit with a non-string": decode(token({**HS, "crit": [1]}, {})),
    "crit with an unknown extension": decode(token({**HS, "crit": ["exp"], "exp": 1}, {})),
    "crit extension missing": decode(token({**HS, "crit": ["b64"]}, {})),
    "b64 false without crit": decode(
        b64(json.dumps({**HS, "b64": False}).encode()) + "..sig", detached_payload=b"x"
    ),
    "detached payload without b64 false": decode(token(HS, {}), detached_payload=b"{}"),
    # the algorithm
    "algorithms missing": lambda jwt: jwt.decode(token(HS, {}), SECRET),
    "alg missing": decode(token({"typ": "JWT"}, {})),
    "alg not allowed": decode(token(HS, {}), algorithms=["HS512"]),
    "alg not supported": decode(token({"alg": "XX256"}, {}), algorithms=["XX256"]),
    "signature wrong": decode(token(HS, {}, secret="another-" * 8)),
    # the claims
    "expired": decode(token(HS, {"exp": NOW - 100})),
    "not yet valid (nbf)": decode(token(HS, {"nbf": FUTURE})),
    "issued in the future": decode(token(HS, {"iat": FUTURE})),
    "iat not a number": decode(token(HS, {"iat": "yesterday"})),
    "nbf not a number": decode(token(HS, {"nbf": "tomorrow"})),
    "exp not a number": decode(token(HS, {"exp": "later"})),
    "required claim missing": decode(token(HS, {}), options={"require": ["exp"]}),
    "audience missing": decode(token(HS, {}), audience="api"),
    "audience wrong": decode(token(HS, {"aud": "other"}), audience="api"),
    "audience not expected": decode(token(HS, {"aud": "api"})),
    "audience malformed": decode(token(HS, {"aud": 5}), audience="api"),
    "strict audience, list claim": decode(
        token(HS, {"aud": ["api"]}), audience="api", options={"strict_aud": True}
    ),
    "strict audience wrong": decode(
        token(HS, {"aud": "other"}), audience="api", options={"strict_aud": True}
    ),
    "issuer missing": decode(token(HS, {}), issuer="me"),
    "issuer wrong": decode(token(HS, {"iss": "you"}), issuer="me"),
    "issuer not a string": decode(token(HS, {"iss": 5}), issuer="me"),
    "issuer wrong before audience wrong": decode(
        token(HS, {"iss": "you", "aud": "other"}), issuer="me", audience="api"
    ),
    "subject not a string": decode(token(HS, {"sub": 5})),
    "subject wrong": decode(token(HS, {"sub": "bob"}), subject="alice"),
    "jti not a string": decode(token(HS, {"jti": 5})),
    # the key
    "public PEM as HMAC secret": decode(token(HS, {}), key=RSA_PUBLIC_PEM),
    "JWK text as HMAC secret": decode(token(HS, {}), key='{"kty": "oct", "k": "AAAA"}'),
    "empty HMAC secret": decode(token(HS, {}), key=""),
    "short HMAC secret, enforced": decode(
        token(HS, {}, secret="short"), key="short", options={"enforce_minimum_key_length": True}
    ),
    "EC key on the wrong curve": lambda jwt: jwt.encode({}, EC_P256, algorithm="ES384"),
    "PyJWK of another algorithm": lambda jwt: jwt.decode(
        token(HS, {}), jwt.PyJWK({"kty": "oct", "k": b64(SECRET.encode()), "alg": "HS512"})
    ),
    "payload not a dict": lambda jwt: jwt.encode(["not", "a", "dict"], SECRET),
    "issuer claim not a string on encode": lambda jwt: jwt.encode({"iss": 5}, SECRET),
}


def failure(jwt: ModuleType, case: Callable[[ModuleType], Any]) -> Exception:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            case(jwt)
        except Exception as error:  # compared below
            return error
    raise AssertionError("the case did not fail")


@pytest.mark.parametrize("name", list(CASES))
def test_message_matches_pyjwt(name: str) -> None:
    expected = failure(pyjwt, CASES[name])
    actual = failure(compat, CASES[name])
    assert str(actual) == str(expected)
    expected_class = type(expected).__name__
    if hasattr(compat, expected_class):  # the drop-in's class of the same name (or a subclass)
        assert isinstance(actual, getattr(compat, expected_class))
    else:  # PyJWT's TypeError/ValueError for a wrong key: jwtkit raises only its own errors
        assert isinstance(actual, (compat.PyJWTError, type(expected)))


def test_missing_required_claim_error_text_matches_pyjwt() -> None:
    assert str(compat.MissingRequiredClaimError("abc")) == str(
        pyjwt.MissingRequiredClaimError("abc")
    )
    assert compat.MissingRequiredClaimError("abc").claim == "abc"

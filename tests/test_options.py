"""jwtkit._options: a caller's mistake is an InvalidOptionError raised before the token is
read, option values are checked by type, and a clock must be a finite number."""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Any

import pytest

import jwtkit
from jwtkit import jwe, jws
from jwtkit.errors import DecodeError, InvalidKeyError, InvalidOptionError, InvalidTokenError

SECRET = b"s" * 32
NOW = 1_800_000_000
GARBAGE = "not a token at all"


def token(claims: dict[str, Any] | None = None) -> str:
    return jwtkit.encode(claims or {"sub": "u"}, SECRET, "HS256")


def test_decode_without_algorithms_is_a_caller_mistake_before_the_token_is_read() -> None:
    # Once, decode("x", k, None) reported a malformed token: the token was read first.
    for algorithms in (None, [], "HS256", b"HS256", {"HS256": 1}, [b"HS256"], 256):
        with pytest.raises(InvalidOptionError) as caught:
            jwtkit.decode(GARBAGE, SECRET, algorithms)  # type: ignore[arg-type]
        assert not isinstance(caught.value, InvalidTokenError)
        with pytest.raises(InvalidOptionError):
            jws.verify(GARBAGE, SECRET, algorithms)  # type: ignore[arg-type]
        with pytest.raises(InvalidOptionError):
            jwtkit.Verifier(SECRET, algorithms)  # type: ignore[arg-type]


def test_algorithms_given_as_bytes_are_refused_not_a_raw_type_error() -> None:
    with pytest.raises(InvalidOptionError, match="algorithms"):
        jwtkit.decode(token(), SECRET, b"HS256")  # type: ignore[arg-type]
    with pytest.raises(InvalidOptionError, match="algorithms"):
        jwe.decrypt(GARBAGE, SECRET, b"dir", ["A128GCM"])  # type: ignore[arg-type]


def test_a_missing_key_is_a_caller_mistake_before_the_token_is_read() -> None:
    with pytest.raises(InvalidOptionError, match="key is required"):
        jwtkit.decode(GARBAGE, None, ["HS256"])
    with pytest.raises(InvalidOptionError, match="key is required"):
        jws.verify(GARBAGE, None, ["HS256"])


def test_required_none_and_other_malformed_claim_lists_are_refused() -> None:
    for required in (None, "sub", [1], {"sub": True}, b"sub"):
        with pytest.raises(InvalidOptionError):
            jwtkit.decode(token(), SECRET, ["HS256"], required=required)  # type: ignore[arg-type]
    for require in (None, "sub", [None]):
        with pytest.raises(InvalidOptionError):
            jwtkit.decode(token(), SECRET, ["HS256"], options={"require": require})


def test_now_must_be_a_finite_number_or_a_datetime() -> None:
    expired = token({"exp": NOW - 10})
    for now in ("1800000000", b"1", [NOW], True, math.nan, math.inf, -math.inf, 10**400):
        with pytest.raises(InvalidOptionError, match="now"):
            jwtkit.decode(expired, SECRET, ["HS256"], now=now)  # type: ignore[arg-type]
        with pytest.raises(InvalidOptionError, match="now"):
            jwtkit.Verifier(SECRET, ["HS256"]).verify(expired, now=now)  # type: ignore[arg-type]
    when = datetime.fromtimestamp(NOW - 20, tz=timezone.utc)
    assert jwtkit.decode(expired, SECRET, ["HS256"], now=when) == {"exp": NOW - 10}


def test_nan_clock_cannot_accept_an_expired_token_with_a_wrong_audience() -> None:
    # NaN makes every comparison false: "exp <= now" and the like would all pass.
    forged = token({"exp": NOW - 3600, "nbf": NOW + 3600, "aud": "someone-else"})
    with pytest.raises(InvalidOptionError):
        jwtkit.decode(forged, SECRET, ["HS256"], audience="api", now=math.nan)
    verifier = jwtkit.Verifier(SECRET, ["HS256"], audience="api", clock=lambda: math.nan)
    with pytest.raises(InvalidOptionError, match="clock"):
        verifier.verify(forged)
    with pytest.raises(InvalidTokenError):
        jwtkit.decode(forged, SECRET, ["HS256"], audience="api", now=NOW)


@pytest.mark.parametrize("value", [None, 0, 1, "", "false", [], 0.0])
def test_only_the_literal_false_turns_a_check_off(value: object) -> None:
    expired = token({"exp": NOW - 10})
    for name in ("verify_signature", "verify_exp", "verify_aud", "strict_aud"):
        with pytest.raises(InvalidOptionError, match=name):
            jwtkit.decode(expired, SECRET, ["HS256"], options={name: value}, now=NOW)
        with pytest.raises(InvalidOptionError, match=name):
            jwtkit.Verifier(SECRET, ["HS256"], options={name: value})


def test_a_cached_false_does_not_make_zero_turn_a_check_off() -> None:
    # decode caches its rules by the options: 0 == False as a dict key, so the cache must
    # tell them apart, or verify_signature=0 would reuse the rules made for False.
    expired = token({"exp": NOW - 10})
    assert jwtkit.decode(expired, SECRET, options={"verify_signature": False}) == {"exp": NOW - 10}
    with pytest.raises(InvalidOptionError):
        jwtkit.decode(expired, SECRET, ["HS256"], options={"verify_signature": 0}, now=NOW)
    with pytest.raises(jwtkit.ExpiredSignatureError):
        jwtkit.decode(expired, SECRET, ["HS256"], options={"verify_exp": True}, now=NOW)


def test_options_must_be_a_mapping_of_known_names() -> None:
    for options in (["verify_exp"], "verify_exp", {"verify_expiry": False}, {1: True}):
        with pytest.raises(InvalidOptionError):
            jwtkit.decode(token(), SECRET, ["HS256"], options=options)  # type: ignore[arg-type]


def test_header_values_that_are_not_json_are_a_caller_mistake() -> None:
    key = jwtkit.OctKey(SECRET)
    for headers in ({"x": object()}, {"x": {1, 2}}, {"x": math.nan}, {1: "x"}, ["x"]):
        with pytest.raises(InvalidOptionError):
            jwtkit.encode({}, key, "HS256", headers=headers)  # type: ignore[arg-type]
        with pytest.raises(InvalidOptionError):
            jws.sign(b"x", key, "HS256", headers=headers)  # type: ignore[arg-type]
        with pytest.raises(InvalidOptionError):
            jws.sign_json(b"x", [(key, "HS256", headers, None)])  # type: ignore[list-item]
        with pytest.raises(InvalidOptionError):
            jws.sign_json(b"x", [(key, "HS256", None, headers)])  # type: ignore[list-item]
        with pytest.raises(InvalidOptionError):
            jwe.encrypt(b"x", jwtkit.Key.generate("A128KW"), "A128KW", "A128GCM", headers=headers)  # type: ignore[arg-type]


def test_jwe_caller_mistakes_are_option_errors_not_key_or_token_errors() -> None:
    key = jwtkit.Key.generate("A128KW")
    mistakes = [
        lambda: jwe.encrypt("text", key, "A128KW", "A128GCM"),  # type: ignore[arg-type]
        lambda: jwe.encrypt_json(b"x", [], "A128GCM"),
        lambda: jwe.encrypt_json(b"x", [key], "A128GCM"),  # type: ignore[list-item]
        lambda: jwe.encrypt_json(b"x", [(key, "A128KW")], "A128GCM", aad="text"),  # type: ignore[arg-type]
        lambda: jwe.decrypt(GARBAGE, key, ["A128KW"], ["A128GCM"], max_plaintext_size=-1),
        lambda: jwe.decrypt(GARBAGE, key, ["A128KW"], ["A128GCM"], pbes2_max_count="many"),  # type: ignore[arg-type]
        lambda: jwe.decrypt(GARBAGE, None, ["A128KW"], ["A128GCM"]),
    ]
    for mistake in mistakes:
        with pytest.raises(InvalidOptionError) as caught:
            mistake()
        assert not isinstance(caught.value, InvalidKeyError | DecodeError)

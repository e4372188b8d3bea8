"""jwtkit._codec: canonical base64url and strict JSON."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jwtkit._codec import (
    MAX_JSON_DEPTH,
    b64url_decode,
    b64url_encode,
    json_dumps,
    json_loads,
    json_loads_object,
)
from jwtkit.errors import DecodeError


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_base64url_round_trip_and_matches_the_stdlib(data: bytes) -> None:
    encoded = b64url_encode(data)
    assert b"=" not in encoded
    assert encoded == base64.urlsafe_b64encode(data).rstrip(b"=")
    assert b64url_decode(encoded) == data
    assert b64url_decode(encoded.decode()) == data


@settings(max_examples=200, deadline=None)
@given(
    st.text(
        alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", max_size=40
    )
)
def test_every_accepted_base64url_text_is_the_one_encoding_of_its_bytes(text: str) -> None:
    try:
        decoded = b64url_decode(text)
    except DecodeError:
        return
    assert b64url_encode(decoded).decode() == text


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("QQ==", "padding"),
        ("QQ=", "padding"),
        ("Q Q", "whitespace"),
        ("QQ\n", "whitespace"),
        ("+/+/", "standard alphabet"),
        ("QR", "spare bits"),
        ("QUJ", "spare bits"),
        ("QUJDR", "impossible length"),
        ("QUJé", "non-ASCII"),
    ],
)
def test_non_canonical_base64url_is_refused(text: str, reason: str) -> None:
    with pytest.raises(DecodeError) as caught:
        b64url_decode(text, "signature")
    assert "signature" in str(caught.value)
    assert text not in str(caught.value) or len(text) < 3


def test_json_dumps_is_compact_utf8_without_nan() -> None:
    assert json_dumps({"a": [1, "é"]}) == '{"a":[1,"é"]}'.encode()
    with pytest.raises(ValueError):
        json_dumps({"a": float("nan")})


@pytest.mark.parametrize(
    "text",
    ['{"a":1,"a":2}', '{"x":{"b":1,"b":1}}', '[{"k":1,"k":1}]'],
)
def test_duplicate_member_names_are_refused(text: str) -> None:
    with pytest.raises(DecodeError, match="duplicate"):
        json_loads(text)


@pytest.mark.parametrize("text", ["NaN", '{"a":Infinity}', "[-Infinity]"])
def test_nan_and_infinity_constants_are_refused(text: str) -> None:
    with pytest.raises(DecodeError):
        json_loads(text)


def test_nesting_is_bounded_without_recursion_error() -> None:
    at_limit = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert json_loads(at_limit) is not None
    for depth in (MAX_JSON_DEPTH + 1, 100_000):
        with pytest.raises(DecodeError, match="nested"):
            json_loads("[" * depth + "]" * depth)
    brackets_in_strings = json.dumps({"s": "[" * 1000 + "{" * 1000})
    assert json_loads(brackets_in_strings)["s"].startswith("[[[")


def test_json_must_be_utf8_and_objects_where_objects_are_wanted() -> None:
    with pytest.raises(DecodeError, match="UTF-8"):
        json_loads(b'{"a":"\xff"}')
    with pytest.raises(DecodeError, match="object"):
        json_loads_object("[1]", "header")
    with pytest.raises(DecodeError, match="header"):
        json_loads_object("{", "header")
    assert json_loads_object(b'{"a":1}') == {"a": 1}

"""jwtkit._codec: canonical base64url and strict JSON."""

from __future__ import annotations

import base64
import json
import sys
from collections.abc import Callable
from types import FrameType

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


def _python_lines_run(function: Callable[[], object]) -> int:
    """How many lines of Python ``function`` runs: a count of work, not a timing."""
    count = 0

    def trace(frame: FrameType, event: str, arg: object) -> Callable[..., object]:
        nonlocal count
        if event == "line":
            count += 1
        return trace

    sys.settrace(trace)
    try:
        function()
    finally:
        sys.settrace(None)
    return count


def test_the_depth_limit_costs_no_python_loop_over_every_character() -> None:
    # A JWS or JWE JSON serialization is parsed before any signature or tag is checked: a
    # 256 KiB document with 33 brackets anywhere walked every character in Python (~30 ms,
    # some hundred times what parsing it costs) for whoever sent it.
    document = json.dumps({"payload": "A" * 200_000, "x": [[] for _ in range(40)]})
    assert json_loads(document)["payload"] == "A" * 200_000
    assert _python_lines_run(lambda: json_loads(document)) < 1_000
    wide = json.dumps([[] for _ in range(20_000)])
    assert _python_lines_run(lambda: json_loads(wide)) < 1_000


def _depth(value: object) -> int:
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    return 0


_BRACKETY_TEXT = st.text(alphabet='[]{}"\\ab,:\n\u00e9', max_size=12)
_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | _BRACKETY_TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_BRACKETY_TEXT, inner, max_size=3),
    max_leaves=60,
)


@given(_JSON_VALUES, st.integers(min_value=0, max_value=40), st.booleans())
@settings(max_examples=300, deadline=None)
def test_the_depth_check_agrees_with_the_parsed_depth(
    value: object, wrap: int, ascii_only: bool
) -> None:
    # Brackets, quotes and backslashes inside strings must never count; real nesting must.
    for _ in range(wrap):
        value = [value]
    text = json.dumps(value, ensure_ascii=ascii_only)
    if _depth(value) > MAX_JSON_DEPTH:
        with pytest.raises(DecodeError, match="nested"):
            json_loads(text)
    else:
        assert json_loads(text) == value


def test_json_must_be_utf8_and_objects_where_objects_are_wanted() -> None:
    with pytest.raises(DecodeError, match="UTF-8"):
        json_loads(b'{"a":"\xff"}')
    with pytest.raises(DecodeError, match="object"):
        json_loads_object("[1]", "header")
    with pytest.raises(DecodeError, match="header"):
        json_loads_object("{", "header")
    assert json_loads_object(b'{"a":1}') == {"a": 1}

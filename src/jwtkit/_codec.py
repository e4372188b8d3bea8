"""Strict base64url and JSON for JOSE.

Every byte of a token passes through here first, so this module is where hostile input is
stopped: only canonical base64url is accepted (no padding, no whitespace, no ``+``/``/``, no
non-zero spare bits, so one value has exactly one encoding), and JSON objects with duplicate
member names, ``NaN``/``Infinity`` constants or deep nesting are refused before they can
confuse a later check or exhaust the stack.
"""

from __future__ import annotations

import binascii
import json
import sys
from collections.abc import Callable
from typing import Any

from .errors import DecodeError

__all__ = [
    "MAX_JSON_DEPTH",
    "MAX_TOKEN_SIZE",
    "b64url_decode",
    "b64url_encode",
    "json_copy",
    "json_dumps",
    "json_loads",
    "json_loads_object",
]

#: Largest token (compact or JSON serialization) accepted, in bytes, checked before decoding.
MAX_TOKEN_SIZE = 256 * 1024
#: Deepest nesting of JSON arrays/objects accepted in a header, payload or JWK.
MAX_JSON_DEPTH = 32

_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_VALUE = {char: index for index, char in enumerate(_ALPHABET)}
_PADDING = (b"", b"", b"==", b"=")
_SPARE_BITS = (0, 0, 0x0F, 0x03)


# binascii directly: the base64 module's wrappers cost more than the encoding of a token.
_TO_URLSAFE = bytes.maketrans(b"+/", b"-_")
_FROM_URLSAFE = bytes.maketrans(b"-_", b"+/")
_FROM_URLSAFE_ONLY = bytes.maketrans(b"-_+/=", b"+/!!!")
_STRICT_A2B = sys.version_info >= (3, 11)  # binascii.a2b_base64(..., strict_mode=True)
_a2b_base64: Callable[..., bytes] = binascii.a2b_base64  # strict_mode= exists from 3.11
_b2a_base64 = binascii.b2a_base64


def b64url_encode(data: bytes) -> bytes:
    """Encode ``data`` as unpadded base64url (ASCII bytes)."""
    return _b2a_base64(data, newline=False).translate(_TO_URLSAFE).rstrip(b"=")


def b64url_decode(data: str | bytes, what: str = "value") -> bytes:
    """Decode canonical unpadded base64url; anything else raises :class:`DecodeError`.

    ``what`` names the field in the error message (never the value itself).
    """
    if isinstance(data, str):
        try:
            data = data.encode("ascii")
        except UnicodeEncodeError:
            raise DecodeError(f"Invalid base64url in {what}: non-ASCII character") from None
    remainder = len(data) & 3
    if (
        _STRICT_A2B
        and remainder != 1
        and not (remainder and _VALUE.get(data[-1], 0) & _SPARE_BITS[remainder])
    ):
        # One pass: '+', '/' and '=' become '!', which strict decoding refuses along with
        # every other character outside the alphabet. The checks below explain a refusal.
        try:
            return _a2b_base64(
                data.translate(_FROM_URLSAFE_ONLY) + _PADDING[remainder], strict_mode=True
            )
        except binascii.Error:
            pass
    if data.translate(None, _ALPHABET):
        raise DecodeError(
            f"Invalid base64url in {what}: only A-Z a-z 0-9 - _ are allowed "
            "(no padding, whitespace, '+' or '/')"
        )
    if remainder:
        if remainder == 1:
            raise DecodeError(f"Invalid base64url in {what}: impossible length")
        # The last character of a partial group carries bits beyond the data; they must be
        # zero so that every byte string has exactly one encoding.
        if _VALUE[data[-1]] & _SPARE_BITS[remainder]:
            raise DecodeError(f"Invalid base64url in {what}: non-zero spare bits")
        data += _PADDING[remainder]
    # Only alphabet characters are left, so the lenient decoder has nothing to skip.
    return _a2b_base64(data.translate(_FROM_URLSAFE))


# Built once: json.dumps with options would build a new encoder on every call. Where the C
# accelerator exists, its encoder function is built once too (with no circular-reference
# table: a cycle ends in RecursionError, reported below as the ValueError json raises).
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)
_c_make_encoder: Any = getattr(json.encoder, "c_make_encoder", None)
_c_encode_string: Any = getattr(json.encoder, "c_encode_basestring", None)
_encode_chunks: Any = (
    _c_make_encoder(None, _ENCODER.default, _c_encode_string, None, ":", ",", False, False, False)
    if _c_make_encoder is not None and _c_encode_string is not None
    else None
)


def json_dumps(value: Any) -> bytes:
    """Serialize ``value`` as compact UTF-8 JSON (no spaces, no NaN)."""
    if _encode_chunks is None:  # pragma: no cover - CPython always has the accelerator
        return _ENCODER.encode(value).encode("utf-8")
    try:
        return "".join(_encode_chunks(value, 0)).encode("utf-8")
    except RecursionError:
        raise ValueError("Circular reference detected (or nesting too deep)") from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"the constant {name} is not JSON")


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for name, _ in pairs:
            if name in seen:
                raise ValueError(f"duplicate member name {name!r}")
            seen.add(name)
    return result


_DECODER = json.JSONDecoder(
    object_pairs_hook=_object_without_duplicates, parse_constant=_reject_constant
)
_scan_once: Any = _DECODER.scan_once  # type: ignore[attr-defined]


# Keeps only brackets, an object's braces written as brackets (nesting is all that counts, two
# kinds would let one pass of removals below take two levels at once: "{[]}"), and deletes
# every other ASCII character; str.translate is one C pass however many there are.
_BRACKETS_ONLY = str.maketrans(
    {chr(code): None for code in range(128) if chr(code) not in "[]{}"} | {"{": "[", "}": "]"}
)


def _deeper_than(text: str, limit: int) -> bool:
    """Whether the brackets of a JSON text nest deeper than ``limit``, ignoring brackets
    inside strings.

    Every step runs in C, in time linear in the text: this check runs before any signature
    is verified, so a loop over the characters in Python would be the sender's to spend
    (~30 ms for 256 KiB). Escapes go first (``\\\\``, then ``\\"``), so the quotes left
    delimit strings; outside them only brackets are kept, all written ``[]``; each pass then
    removes the innermost pairs, so a text still holding brackets after ``limit`` passes is
    deeper.
    """
    unescaped = text.replace("\\\\", "").replace('\\"', "")
    brackets = "".join(unescaped.split('"')[::2]).translate(_BRACKETS_ONLY)
    for _ in range(limit):
        reduced = brackets.replace("[]", "")
        if reduced == brackets:  # empty, or brackets that do not pair: the parser explains
            return False
        brackets = reduced
    return bool(brackets)


def json_copy(value: Any) -> Any:
    """A deep copy of parsed JSON (dicts, lists, scalars), much cheaper than ``copy.deepcopy``:
    what jwtkit parsed once and shares (a cached header, cached claims) goes out as a copy."""
    kind = type(value)
    if kind is dict:
        return {name: json_copy(item) for name, item in value.items()}
    if kind is list:
        return [json_copy(item) for item in value]
    return value


def json_loads(data: str | bytes, what: str = "JSON") -> Any:
    """Parse strict JSON: UTF-8, no duplicate names, no NaN/Infinity, bounded nesting."""
    try:
        text = data.decode("utf-8") if isinstance(data, (bytes, bytearray)) else data
    except UnicodeDecodeError:
        raise DecodeError(f"Invalid {what}: not UTF-8") from None
    # Counting brackets is cheap; only a text that could be too deep gets the exact scan.
    if text.count("[") + text.count("{") > MAX_JSON_DEPTH and _deeper_than(text, MAX_JSON_DEPTH):
        raise DecodeError(f"Invalid {what}: nested deeper than {MAX_JSON_DEPTH} levels")
    # A document that spans the whole text (no surrounding whitespace) is read by the scanner
    # directly; anything else, valid or not, goes through the full decoder, which explains.
    try:
        value, end = _scan_once(text, 0)
    except (ValueError, RecursionError, StopIteration):
        pass
    else:
        if end == len(text):
            return value
    try:
        return _DECODER.decode(text)
    except (ValueError, RecursionError) as error:
        reason = error.args[0] if isinstance(error, ValueError) and error.args else "malformed"
        if isinstance(error, RecursionError):
            reason = f"nested deeper than {MAX_JSON_DEPTH} levels"
        if isinstance(error, json.JSONDecodeError):
            reason = error.msg
        raise DecodeError(f"Invalid {what}: {reason}") from None


def json_loads_object(data: str | bytes, what: str = "JSON") -> dict[str, Any]:
    """Parse strict JSON that must be an object (a JOSE header, a claims set, a JWK)."""
    value = json_loads(data, what)
    if type(value) is not dict:
        raise DecodeError(f"Invalid {what}: must be a JSON object")
    return value

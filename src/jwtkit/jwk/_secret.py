"""The one check that bytes offered as a symmetric secret are not a key written some other way.

Using a public key as an HMAC secret is the algorithm-confusion attack (CVE-2015-9235 and
its family: CVE-2017-11424, CVE-2022-29217, CVE-2024-33663): whoever holds the public key
text signs tokens that then "verify". Matching literal bytes misses forms that mean the same
(``{"\\u006bty": ...}`` is still a JWK), so this module parses: JSON (a JWK or a JWKS), PEM
armor (RFC 7468, and RFC 4716 SSH2 armor), DER that ``cryptography`` reads, OpenSSH key
lines (RFC 4253 §6.6 wire format), and base64 of any of these (a key pasted into an
environment variable without its armor). Every path that turns text or bytes into a secret
(``OctKey.import_key``, ``encode``/``decode`` with a str/bytes secret, the PyJWT drop-in)
asks :func:`key_form_of`.
"""

from __future__ import annotations

import binascii
import json
import re
import warnings
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.utils import CryptographyDeprecationWarning

__all__ = ["key_form_of"]

# An armor line of PEM (5 dashes) or of RFC 4716 (4 dashes and spaces), in any case.
_ARMOR = re.compile(rb"-{4,5} ?BEGIN [A-Z0-9 ]+? ?-{4,5}", re.IGNORECASE)
_BASE64_TEXT = re.compile(rb"[A-Za-z0-9+/_\-\s]+={0,2}\s*")
_SSH_KEY_TYPE = re.compile(rb"[a-z0-9][a-z0-9@.+-]{2,63}")
_BOM = b"\xef\xbb\xbf"


def key_form_of(data: bytes) -> str | None:
    """The form in which ``data`` is a key ("JWK", "PEM", "DER", "OpenSSH" or "base64 ..."),
    or None when it is not one and may serve as a secret."""
    return _direct_form(data) or _base64_form(data)


def _direct_form(data: bytes) -> str | None:
    text = data.strip()
    if text.startswith(_BOM):
        text = text[len(_BOM) :].strip()
    if _ARMOR.search(text):
        return "PEM"
    if text[:1] in (b"{", b"[") and _is_jwk_json(text):
        return "JWK"
    if _is_openssh_key(text):
        return "OpenSSH"
    if data[:1] == b"\x30" and _loads_as_der(data):
        return "DER"
    return None


def _base64_form(data: bytes) -> str | None:
    """A key whose bytes were base64-encoded (with or without padding, either alphabet)."""
    text = data.strip()
    if len(text) < 32 or not _BASE64_TEXT.fullmatch(text):
        return None
    compact = b"".join(text.split()).rstrip(b"=")
    standard = compact.replace(b"-", b"+").replace(b"_", b"/")
    try:
        decoded = binascii.a2b_base64(standard + b"=" * (-len(standard) % 4))
    except binascii.Error:
        return None
    form = _direct_form(decoded)
    return f"base64 {form}" if form is not None else None


def _is_jwk_json(text: bytes) -> bool:
    """JSON (read leniently: duplicate names, any escapes) holding an object with ``kty`` or
    ``keys`` anywhere in its first levels: a JWK, a JWKS, or a list of them."""
    try:
        value = json.loads(text, object_pairs_hook=_names_and_values)
    except (ValueError, RecursionError):
        return False
    return _names_a_key(value, depth=0)


def _names_and_values(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Duplicate names are kept visible: {"kty":1,"kty":2} must not hide its first kty.
    merged: dict[str, Any] = {}
    for name, value in pairs:
        merged.setdefault(name, value)
    return merged


def _names_a_key(value: Any, depth: int) -> bool:
    if depth > 3:
        return False
    if isinstance(value, dict):
        if "kty" in value or "keys" in value:
            return True
        return any(_names_a_key(member, depth + 1) for member in value.values())
    if isinstance(value, list):
        return any(_names_a_key(item, depth + 1) for item in value)
    return False


def _is_openssh_key(text: bytes) -> bool:
    """Any line with a field that is the base64 of an SSH key blob: a uint32 length, then a
    key type name (RFC 4253 §6.6), as in ``authorized_keys`` and ``*.pub`` files."""
    for line in text.splitlines()[:8]:
        for field in line.split()[:8]:
            if len(field) < 16:
                continue
            try:
                blob = binascii.a2b_base64(field + b"=" * (-len(field) % 4))
            except binascii.Error:
                continue
            length = int.from_bytes(blob[:4], "big")
            if 3 <= length <= 64 and _SSH_KEY_TYPE.fullmatch(blob[4 : 4 + length]):
                return True
    return False


def _loads_as_der(data: bytes) -> bool:
    loaders = (
        serialization.load_der_public_key,
        x509.load_der_x509_certificate,
        lambda der: serialization.load_der_private_key(der, password=None),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        for load in loaders:
            try:
                load(data)
            except TypeError:
                return True  # an encrypted private key: it is a key all the same
            except Exception:  # noqa: S112 - not this structure; try the next one
                continue
            return True
    return False

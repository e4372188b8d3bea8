"""JSON Web Signature (RFC 7515): compact and JSON serializations, detached payloads and
unencoded payloads (RFC 7797).

The caller names the algorithms it accepts; the token's header only picks among them. The
unsecured ``none`` algorithm exists only as :func:`sign_unsecured` / :func:`verify_unsecured`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from . import _compact
from ._codec import MAX_TOKEN_SIZE, b64url_decode, b64url_encode, json_loads_object
from ._key_input import key_lookup, signing_key
from ._options import check_algorithms, check_bytes, check_entries, check_header_argument
from .errors import (
    DecodeError,
    InvalidAlgorithmError,
    InvalidKeyError,
    InvalidOptionError,
    InvalidSignatureError,
    JWTKitError,
)
from .jwa import SignatureAlgorithm
from .jwk import Key

__all__ = [
    "MAX_SIGNATURES",
    "VerifiedJWS",
    "sign",
    "sign_json",
    "sign_unsecured",
    "verify",
    "verify_json",
    "verify_unsecured",
]

KeyInput = Any  # Key, KeySet, JWK dict, PEM/secret text, cryptography key object

#: Most signatures a JSON serialization may carry: each one may cost a signature check (as
#: jwe.MAX_RECIPIENTS bounds the private-key operations of a JWE).
MAX_SIGNATURES = 64


class VerifiedJWS:
    """What a successful verification yields: the header, the payload and the key used."""

    __slots__ = ("header", "key", "payload")

    def __init__(self, header: dict[str, Any], payload: bytes, key: Key | None) -> None:
        self.header = header
        self.payload = payload
        self.key = key

    def __repr__(self) -> str:
        return f"<VerifiedJWS alg={self.header.get('alg')!r} key={self.key!r}>"


def _protected_header(
    key: Key, algorithm: SignatureAlgorithm, headers: object, b64: bool
) -> dict[str, Any]:
    header: dict[str, Any] = {"alg": algorithm.name}
    if key.kid is not None:
        header["kid"] = key.kid
    extra = check_header_argument(headers)
    if extra:
        header.update(extra)
        header["alg"] = algorithm.name  # the header may not claim another algorithm
    if not b64:
        _compact.mark_unencoded(header)
    _compact.check_header(header)
    return header


def sign(
    payload: bytes,
    key: KeyInput,
    alg: str | None = None,
    *,
    headers: Mapping[str, Any] | None = None,
    detached: bool = False,
    b64: bool = True,
) -> str:
    """Sign ``payload`` and return the compact serialization.

    Without ``alg`` the key's own ``alg`` is used (HS256 for a str/bytes secret).
    ``detached=True`` leaves the payload out of the token (RFC 7515 Appendix F);
    ``b64=False`` signs the payload unencoded (RFC 7797), which needs ``crit: ["b64"]``
    and is added for you.
    """
    payload = check_bytes(payload, "The JWS payload")
    key_used, algorithm = signing_key(key, alg)
    material = key_used._material_for(algorithm, "sign")
    header_segment = _compact.encode_header(_protected_header(key_used, algorithm, headers, b64))
    if b64:
        payload_segment = b64url_encode(payload)
    else:
        if not detached and b"." in payload:
            raise InvalidOptionError(
                "An unencoded (b64=false) compact payload must not contain '.'"
            )
        payload_segment = payload
    signing_input = header_segment + b"." + payload_segment
    signature = b64url_encode(algorithm.sign(material, signing_input))
    if detached:
        payload_segment = b""
    return b".".join((header_segment, payload_segment, signature)).decode("utf-8")


def verify(
    token: str | bytes,
    key: KeyInput,
    algorithms: Collection[str],
    *,
    detached_payload: bytes | None = None,
    allow_weak_keys: bool = False,
) -> VerifiedJWS:
    """Verify a compact JWS with ``key`` (a key, a key set or a key source) for one of
    ``algorithms``.

    ``allow_weak_keys=True`` accepts RSA keys under 2048 bits and short HMAC secrets, for
    verifying legacy tokens only; signing never accepts them.
    """
    allowed = check_algorithms(algorithms)
    detached = (
        None if detached_payload is None else check_bytes(detached_payload, "detached_payload")
    )
    lookup = key_lookup(key)
    parsed = _compact.parse_compact(token)
    payload, _, used = _compact.verify_compact(
        parsed, lookup, allowed, allow_weak_keys=allow_weak_keys, detached_payload=detached
    )
    return VerifiedJWS(_compact.header_copy(parsed[3]), payload, used)


# -- JSON serialization (RFC 7515 §7.2) --------------------------------------------------------

Signer = tuple[Any, str | None, Mapping[str, Any] | None, Mapping[str, Any] | None]


def _json_entry_headers(
    key: Key,
    algorithm: SignatureAlgorithm,
    protected: object,
    unprotected: object,
    b64: bool,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The protected and unprotected header of one signature. ``alg`` goes in the protected
    header unless the caller put it in the unprotected one (RFC 7520 §4.7 does)."""
    shared = check_header_argument(unprotected, "the unprotected header")
    header: dict[str, Any] = {}
    if "alg" in shared:
        if shared["alg"] != algorithm.name:
            raise InvalidOptionError("The unprotected 'alg' differs from the signing algorithm")
    else:
        header["alg"] = algorithm.name
    own = check_header_argument(protected, "the protected header")
    if key.kid is not None and "kid" not in shared and "kid" not in own:
        header["kid"] = key.kid
    header.update(own)
    if "alg" in header:
        header["alg"] = algorithm.name  # the header may not claim another algorithm
    if not b64:
        _compact.mark_unencoded(header)
    if set(header) & set(shared):
        raise InvalidOptionError("Protected and unprotected headers must not share a name")
    if "crit" in shared:
        raise InvalidOptionError("'crit' must be in the protected header")
    _compact.check_header({**shared, **header})
    _compact.encode_header(shared)  # JSON, or the caller's mistake now rather than later
    return header, shared


def _signer_entry(signer: Any) -> Signer:
    if len(signer) != 4:
        raise InvalidOptionError("Each signer is a (key, alg, protected, unprotected) tuple")
    return signer[0], signer[1], signer[2], signer[3]


def sign_json(
    payload: bytes,
    signers: Iterable[Signer],
    flatten: bool = False,
    *,
    b64: bool = True,
    detached: bool = False,
) -> dict[str, Any]:
    """Sign ``payload`` once per ``(key, alg, protected, unprotected)`` entry.

    Returns the general JSON serialization, or the flattened one with ``flatten=True``
    (which allows exactly one signer). ``detached=True`` leaves the payload out;
    ``b64=False`` signs it unencoded (RFC 7797) with ``crit: ["b64"]`` in every signature.
    """
    payload = check_bytes(payload, "The JWS payload")
    entries = [_signer_entry(signer) for signer in check_entries(signers, flatten, "signer")]
    if b64:
        payload_segment = b64url_encode(payload)
        payload_member = payload_segment.decode("ascii")
    else:
        payload_segment = payload
        try:
            payload_member = payload.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidOptionError(
                "An unencoded (b64=false) JSON payload must be UTF-8"
            ) from None
    signatures = [_json_signature(entry, payload_segment, b64) for entry in entries]
    document: dict[str, Any] = {} if detached else {"payload": payload_member}
    if flatten:
        return {**document, **signatures[0]}
    return {**document, "signatures": signatures}


def _json_signature(signer: Signer, payload_segment: bytes, b64: bool) -> dict[str, Any]:
    key_input, alg, protected, unprotected = signer
    key, algorithm = signing_key(key_input, alg)
    material = key._material_for(algorithm, "sign")
    header, unprotected_header = _json_entry_headers(key, algorithm, protected, unprotected, b64)
    header_segment = _compact.encode_header(header) if header else b""
    signature = algorithm.sign(material, header_segment + b"." + payload_segment)
    entry: dict[str, Any] = {}
    if header_segment:
        entry["protected"] = header_segment.decode("ascii")
    if unprotected_header:
        entry["header"] = unprotected_header
    entry["signature"] = b64url_encode(signature).decode("ascii")
    return entry


def _json_object(data: Mapping[str, Any] | str | bytes) -> Mapping[str, Any]:
    if isinstance(data, str | bytes):
        if len(data) > MAX_TOKEN_SIZE:
            raise DecodeError(f"Invalid JWS: larger than {MAX_TOKEN_SIZE} bytes")
        return json_loads_object(data, "JWS JSON serialization")
    if not isinstance(data, Mapping):
        raise DecodeError("Invalid JWS: the JSON serialization must be an object")
    return data


def _signature_entries(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    if "signatures" in document:
        if "signature" in document or "protected" in document or "header" in document:
            raise DecodeError("Invalid JWS: mixes general and flattened members")
        entries = document["signatures"]
        if type(entries) is not list or not entries:
            raise DecodeError("Invalid JWS: 'signatures' must be a non-empty array")
        if len(entries) > MAX_SIGNATURES:
            raise DecodeError(f"Invalid JWS: more than {MAX_SIGNATURES} signatures")
        for entry in entries:
            if not isinstance(entry, Mapping):
                raise DecodeError("Invalid JWS: each signature must be an object")
        return entries
    return [document]


def _entry_header(entry: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    protected_segment = entry.get("protected", "")
    unprotected = entry.get("header", {})
    if type(protected_segment) is not str or not isinstance(unprotected, Mapping):
        raise DecodeError("Invalid JWS: 'protected' must be a string and 'header' an object")
    if len(protected_segment) > _compact.MAX_HEADER_SEGMENT:
        raise DecodeError("Invalid header: too large")
    protected = (
        json_loads_object(b64url_decode(protected_segment, "protected header"), "header")
        if protected_segment
        else {}
    )
    if set(protected) & set(unprotected):
        raise DecodeError("Invalid JWS: protected and unprotected headers share a name")
    if "crit" in unprotected or "b64" in unprotected:
        raise DecodeError("Invalid JWS: 'crit' and 'b64' must be integrity protected")
    header = {**unprotected, **protected}
    _compact.check_header(header)
    return protected_segment, header


def verify_json(
    data: Mapping[str, Any] | str | bytes,
    key: KeyInput,
    algorithms: Collection[str],
    *,
    detached_payload: bytes | None = None,
    allow_weak_keys: bool = False,
) -> VerifiedJWS:
    """Verify a JWS in JSON serialization (general or flattened).

    Each signature is checked on its own, with its own header; the first one that verifies
    with the given key(s) is returned. Signatures whose algorithm is not allowed or whose key
    is not present are passed over; if none verifies, the error says so (for a single
    signature, it says why). ``detached_payload`` supplies a payload left out of the object.
    """
    allowed = check_algorithms(algorithms)
    detached = (
        None if detached_payload is None else check_bytes(detached_payload, "detached_payload")
    )
    lookup = key_lookup(key)
    document = _json_object(data)
    entries = _signature_entries(document)
    headers = [_entry_header(entry) for entry in entries]
    # RFC 7797 §3: every signature must agree on whether the payload is encoded.
    encoded = headers[0][1].get("b64", True)
    if any(header.get("b64", True) != encoded for _, header in headers):
        raise DecodeError("Invalid JWS: signatures disagree on 'b64'")
    payload, payload_bytes = _json_payload(document, detached, encoded)
    errors: list[JWTKitError] = []
    for entry, (protected_segment, header) in zip(entries, headers, strict=True):
        signature_member = entry.get("signature")
        if type(signature_member) is not str:
            raise DecodeError("Invalid JWS: 'signature' must be a string")
        signature = b64url_decode(signature_member, "signature")
        try:
            used = _compact.verify_signature(
                header,
                protected_segment.encode("ascii") + b"." + payload_bytes,
                signature,
                allowed,
                lookup,
                allow_weak_keys,
            )
        except (InvalidSignatureError, InvalidAlgorithmError, InvalidKeyError) as error:
            errors.append(error)
            continue
        return VerifiedJWS(_compact.header_copy(header), payload, used)
    if len(errors) == 1:
        raise errors[0]
    raise InvalidSignatureError("No signature verified with the given keys and algorithms")


def _json_payload(
    document: Mapping[str, Any], detached: bytes | None, encoded: bool
) -> tuple[bytes, bytes]:
    """The payload and the bytes it contributes to every signing input."""
    member = document.get("payload")
    if detached is not None:
        if member is not None:
            raise DecodeError("Invalid JWS: a payload was given but the object carries one too")
        return detached, b64url_encode(detached) if encoded else detached
    if type(member) is not str:
        raise DecodeError("Invalid JWS: 'payload' must be a string")
    try:
        payload_bytes = member.encode("utf-8")
    except UnicodeEncodeError:
        raise DecodeError("Invalid JWS: 'payload' is not valid Unicode text") from None
    return (b64url_decode(payload_bytes, "payload") if encoded else payload_bytes), payload_bytes


# -- unsecured JWS (RFC 7515 §A.5): only under names that say so ------------------------------


def sign_unsecured(payload: bytes, *, headers: Mapping[str, Any] | None = None) -> str:
    """Make an unsecured JWS (``alg: none``): anyone can forge or alter it."""
    payload = check_bytes(payload, "The JWS payload")
    header = {**check_header_argument(headers), "alg": "none"}
    _compact.check_header(header)
    return ".".join((_compact.encode_header(header).decode(), b64url_encode(payload).decode(), ""))


def verify_unsecured(token: str | bytes) -> VerifiedJWS:
    """Read an unsecured JWS (``alg: none``): proves nothing about who made it."""
    _, payload_segment, signature_segment, header = _compact.parse_compact(token)
    if header.get("alg") != "none":
        raise DecodeError("Not an unsecured JWS: 'alg' is not 'none'")
    if signature_segment:
        raise DecodeError("Invalid unsecured JWS: the signature must be empty")
    payload = b64url_decode(payload_segment, "payload")
    return VerifiedJWS(_compact.header_copy(header), payload, None)

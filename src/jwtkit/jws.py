"""JSON Web Signature (RFC 7515): compact and JSON serializations, detached payloads and
unencoded payloads (RFC 7797).

The caller names the algorithms it accepts; the token's header only picks among them. The
unsecured ``none`` algorithm exists only as :func:`sign_unsecured` / :func:`verify_unsecured`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from . import _compact
from ._codec import MAX_TOKEN_SIZE, b64url_decode, b64url_encode, json_dumps, json_loads_object
from ._key_input import resolve_key, resolve_key_or_set
from .errors import (
    DecodeError,
    InvalidAlgorithmError,
    InvalidKeyError,
    InvalidOptionError,
    InvalidSignatureError,
    JWTKitError,
)
from .jwa import SignatureAlgorithm, get_signature_algorithm
from .jwk import Key

__all__ = [
    "VerifiedJWS",
    "sign",
    "sign_json",
    "sign_unsecured",
    "verify",
    "verify_json",
    "verify_unsecured",
]

KeyInput = Any  # Key, KeySet, JWK dict, PEM/secret text, cryptography key object


class VerifiedJWS:
    """What a successful verification yields: the header, the payload and the key used."""

    __slots__ = ("header", "key", "payload")

    def __init__(self, header: dict[str, Any], payload: bytes, key: Key | None) -> None:
        self.header = header
        self.payload = payload
        self.key = key

    def __repr__(self) -> str:
        return f"<VerifiedJWS alg={self.header.get('alg')!r} key={self.key!r}>"


def _signing_key(key: KeyInput, alg: str | None) -> tuple[Key, SignatureAlgorithm]:
    if alg is None:
        if isinstance(key, Key) and key.alg is not None:
            alg = key.alg
        else:
            raise InvalidKeyError("An algorithm is required: pass alg= or use a key with 'alg'")
    algorithm = get_signature_algorithm(alg)
    resolved = resolve_key(key, for_hmac=algorithm.key_type == "oct")
    if not isinstance(resolved, Key):
        raise InvalidKeyError("Signing needs a single key, not a key set")
    return resolved, algorithm


def _protected_header(
    key: Key, algorithm: SignatureAlgorithm, headers: Mapping[str, Any] | None, b64: bool
) -> dict[str, Any]:
    header: dict[str, Any] = {"alg": algorithm.name}
    if key.kid is not None:
        header["kid"] = key.kid
    if headers:
        header.update(headers)
        header["alg"] = algorithm.name  # the header may not claim another algorithm
    if not b64:
        header["b64"] = False
        critical = list(header.get("crit", ()))
        header["crit"] = [*critical, "b64"] if "b64" not in critical else critical
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

    ``detached=True`` leaves the payload out of the token (RFC 7515 Appendix F);
    ``b64=False`` signs the payload unencoded (RFC 7797), which needs ``crit: ["b64"]``
    and is added for you.
    """
    if not isinstance(payload, bytes):
        raise DecodeError("The JWS payload must be bytes")
    signing_key, algorithm = _signing_key(key, alg)
    material = signing_key._material_for(algorithm, "sign")
    header_segment = b64url_encode(
        json_dumps(_protected_header(signing_key, algorithm, headers, b64))
    )
    if b64:
        payload_segment = b64url_encode(payload)
    else:
        if not detached and b"." in payload:
            raise DecodeError("An unencoded (b64=false) compact payload must not contain '.'")
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
    """Verify a compact JWS with ``key`` (a key or a key set) for one of ``algorithms``.

    ``allow_weak_keys=True`` accepts RSA keys under 2048 bits and short HMAC secrets, for
    verifying legacy tokens only; signing never accepts them.
    """
    if isinstance(algorithms, str) or not algorithms:
        raise InvalidOptionError("algorithms must be a non-empty list of algorithm names")
    segments = _compact.split_compact(token)
    if len(segments) != 3:
        raise DecodeError("Invalid JWS: a compact JWS has three segments")
    header_segment, payload_segment, signature_segment = segments
    header = _compact.parse_header_segment(header_segment)
    algorithm = _compact.choose_algorithm(header, algorithms)
    encoded = header.get("b64", True)
    if detached_payload is not None:
        if payload_segment:
            raise DecodeError("Invalid JWS: a payload was given but the token carries one too")
        payload = bytes(detached_payload)
        payload_segment = b64url_encode(payload).decode("ascii") if encoded else ""
        signing_input = (
            header_segment.encode("ascii")
            + b"."
            + (payload_segment.encode("ascii") if encoded else payload)
        )
    else:
        signing_input = f"{header_segment}.{payload_segment}".encode()
        payload = (
            b64url_decode(payload_segment, "payload")
            if encoded
            else payload_segment.encode("utf-8")
        )
    signature = b64url_decode(signature_segment, "signature")
    keys = resolve_key_or_set(key, for_hmac=algorithm.key_type == "oct")
    candidates = _compact.verification_keys(keys, header, algorithm)
    used = _compact.verify_with_keys(
        algorithm, candidates, signing_input, signature, allow_weak_keys
    )
    return VerifiedJWS(dict(header), payload, used)


# -- JSON serialization (RFC 7515 §7.2) --------------------------------------------------------

Signer = tuple[Any, str | None, Mapping[str, Any] | None, Mapping[str, Any] | None]


def _json_entry_headers(
    signing_key: Key,
    algorithm: SignatureAlgorithm,
    protected: Mapping[str, Any] | None,
    unprotected: Mapping[str, Any] | None,
    b64: bool,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The protected and unprotected header of one signature. ``alg`` goes in the protected
    header unless the caller put it in the unprotected one (RFC 7520 §4.7 does)."""
    unprotected = dict(unprotected or {})
    header: dict[str, Any] = {}
    if "alg" in unprotected:
        if unprotected["alg"] != algorithm.name:
            raise InvalidOptionError("The unprotected 'alg' differs from the signing algorithm")
    else:
        header["alg"] = algorithm.name
    protected = dict(protected or {})
    if signing_key.kid is not None and "kid" not in unprotected and "kid" not in protected:
        header["kid"] = signing_key.kid
    header.update(protected)
    if "alg" in header:
        header["alg"] = algorithm.name  # the header may not claim another algorithm
    if not b64:
        header["b64"] = False
        critical = list(header.get("crit", ()))
        header["crit"] = critical if "b64" in critical else [*critical, "b64"]
    if set(header) & set(unprotected):
        raise InvalidOptionError("Protected and unprotected headers must not share a name")
    if "crit" in unprotected:
        raise InvalidOptionError("'crit' must be in the protected header")
    _compact.check_header({**unprotected, **header})
    return header, unprotected


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
    if not isinstance(payload, bytes):
        raise DecodeError("The JWS payload must be bytes")
    signers = list(signers)
    if not signers:
        raise InvalidKeyError("At least one signer is needed")
    if flatten and len(signers) != 1:
        raise InvalidKeyError("The flattened serialization has exactly one signature")
    if b64:
        payload_segment = b64url_encode(payload)
        payload_member = payload_segment.decode("ascii")
    else:
        payload_segment = payload
        try:
            payload_member = payload.decode("utf-8")
        except UnicodeDecodeError:
            raise DecodeError("An unencoded (b64=false) JSON payload must be UTF-8") from None
    signatures = []
    for key_input, alg, protected, unprotected in signers:
        signing_key, algorithm = _signing_key(key_input, alg)
        material = signing_key._material_for(algorithm, "sign")
        header, unprotected_header = _json_entry_headers(
            signing_key, algorithm, protected, unprotected, b64
        )
        header_segment = b64url_encode(json_dumps(header)) if header else b""
        signature = algorithm.sign(material, header_segment + b"." + payload_segment)
        entry: dict[str, Any] = {}
        if header_segment:
            entry["protected"] = header_segment.decode("ascii")
        if unprotected_header:
            entry["header"] = unprotected_header
        entry["signature"] = b64url_encode(signature).decode("ascii")
        signatures.append(entry)
    document: dict[str, Any] = {} if detached else {"payload": payload_member}
    if flatten:
        return {**document, **signatures[0]}
    return {**document, "signatures": signatures}


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
    if isinstance(algorithms, str) or not algorithms:
        raise InvalidOptionError("algorithms must be a non-empty list of algorithm names")
    document = _json_object(data)
    payload_member = document.get("payload")
    if detached_payload is not None:
        if payload_member is not None:
            raise DecodeError("Invalid JWS: a payload was given but the object carries one too")
    elif type(payload_member) is not str:
        raise DecodeError("Invalid JWS: 'payload' must be a string")
    entries = _signature_entries(document)
    headers = [_entry_header(entry) for entry in entries]
    # RFC 7797 §3: every signature must agree on whether the payload is encoded.
    encoded = headers[0][1].get("b64", True)
    if any(header.get("b64", True) != encoded for _, header in headers):
        raise DecodeError("Invalid JWS: signatures disagree on 'b64'")
    if detached_payload is not None:
        payload = bytes(detached_payload)
        payload_bytes = b64url_encode(payload) if encoded else payload
    else:
        payload_bytes = str(payload_member).encode("utf-8")
        payload = b64url_decode(payload_bytes, "payload") if encoded else payload_bytes
    errors: list[JWTKitError] = []
    for entry, (protected_segment, header) in zip(entries, headers, strict=True):
        signature_member = entry.get("signature")
        if type(signature_member) is not str:
            raise DecodeError("Invalid JWS: 'signature' must be a string")
        signature = b64url_decode(signature_member, "signature")
        try:
            algorithm = _compact.choose_algorithm(header, algorithms)
            keys = resolve_key_or_set(key, for_hmac=algorithm.key_type == "oct")
            candidates = _compact.verification_keys(keys, header, algorithm)
            used = _compact.verify_with_keys(
                algorithm,
                candidates,
                protected_segment.encode("ascii") + b"." + payload_bytes,
                signature,
                allow_weak_keys,
            )
        except (InvalidSignatureError, InvalidAlgorithmError, InvalidKeyError) as error:
            errors.append(error)
            continue
        return VerifiedJWS(header, payload, used)
    if len(errors) == 1:
        raise errors[0]
    raise InvalidSignatureError("No signature verified with the given keys and algorithms")


# -- unsecured JWS (RFC 7515 §A.5): only under names that say so ------------------------------


def sign_unsecured(payload: bytes, *, headers: Mapping[str, Any] | None = None) -> str:
    """Make an unsecured JWS (``alg: none``): anyone can forge or alter it."""
    header = {**(headers or {}), "alg": "none"}
    _compact.check_header(header)
    return ".".join(
        (b64url_encode(json_dumps(header)).decode(), b64url_encode(payload).decode(), "")
    )


def verify_unsecured(token: str | bytes) -> VerifiedJWS:
    """Read an unsecured JWS (``alg: none``): proves nothing about who made it."""
    segments = _compact.split_compact(token)
    if len(segments) != 3:
        raise DecodeError("Invalid JWS: a compact JWS has three segments")
    header = json_loads_object(b64url_decode(segments[0], "header"), "header")
    _compact.check_header(header)
    if header.get("alg") != "none":
        raise DecodeError("Not an unsecured JWS: 'alg' is not 'none'")
    if segments[2]:
        raise DecodeError("Invalid unsecured JWS: the signature must be empty")
    return VerifiedJWS(header, b64url_decode(segments[1], "payload"), None)

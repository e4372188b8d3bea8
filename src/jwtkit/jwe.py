"""JSON Web Encryption (RFC 7516): compact and JSON serializations, every RFC 7518 algorithm.

The caller names the key management algorithms (``alg``) and content encryptions (``enc``)
it accepts; the header only picks among them. Everything that could tell an attacker *why*
a token failed to open (wrong key type, wrong key length, bad padding, bad tag, bad ``epk``)
raises the same :class:`~jwtkit.errors.DecryptionError`. Structural problems that are visible
in the token anyway (segments, base64url, JSON, limits) raise :class:`DecodeError` with a
message naming the check.
"""

from __future__ import annotations

import os
import zlib
from collections import OrderedDict
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from . import _compact
from ._codec import MAX_TOKEN_SIZE, b64url_decode, b64url_encode, json_dumps, json_loads_object
from ._key_input import resolve_key, resolve_key_or_set
from .errors import (
    DecodeError,
    DecryptionError,
    InvalidAlgorithmError,
    InvalidKeyError,
    JWTKitError,
    KeyNotFoundError,
    UnsupportedAlgorithmError,
)
from .jwa._jwe_base import (
    PBES2_MAX_COUNT,
    ContentEncryptionAlgorithm,
    DecryptionPolicy,
    EncryptionInputs,
    KeyManagementAlgorithm,
    decryption_failed,
)
from .jwa.encryption import (
    CONTENT_ENCRYPTION_ALGORITHMS,
    KEY_MANAGEMENT_ALGORITHMS,
    get_content_encryption_algorithm,
    get_key_management_algorithm,
)
from .jwk import Key, KeySet

__all__ = [
    "MAX_PLAINTEXT_SIZE",
    "MAX_RECIPIENTS",
    "PBES2_MAX_COUNT",
    "DecryptedJWE",
    "decrypt",
    "decrypt_json",
    "encrypt",
    "encrypt_json",
]

KeyInput = Any  # Key, KeySet, JWK dict, PEM/secret text, cryptography key object

#: Largest plaintext that decompression (``zip: "DEF"``) may produce, by default. A few
#: kilobytes of DEFLATE can inflate to gigabytes (CVE-2024-28102, CVE-2024-33664).
MAX_PLAINTEXT_SIZE = 1024 * 1024
#: Most recipients a JSON serialization may list: each one may cost a private-key operation.
MAX_RECIPIENTS = 64
#: Header parameters jwtkit implements that a JWE may list in ``crit``: none beyond RFC 7516.
UNDERSTOOD_CRITICAL: frozenset[str] = frozenset()
_MAX_HEADER_SEGMENT = 16 * 1024
_HEADER_CACHE_SIZE = 256
_header_cache: OrderedDict[str, dict[str, Any]] = OrderedDict()
#: Members that must be integrity protected when present (RFC 7516 §4.1.3, §4.1.13).
_PROTECTED_ONLY = ("zip", "crit")


class DecryptedJWE:
    """What a successful decryption yields: the (joint) header, the plaintext, the key used
    and, for the JSON serialization, the additional authenticated data."""

    __slots__ = ("aad", "header", "key", "plaintext")

    def __init__(
        self, header: dict[str, Any], plaintext: bytes, key: Key, aad: bytes | None = None
    ) -> None:
        self.header = header
        self.plaintext = plaintext
        self.key = key
        self.aad = aad

    def __repr__(self) -> str:
        return (
            f"<DecryptedJWE alg={self.header.get('alg')!r} enc={self.header.get('enc')!r} "
            f"key={self.key!r}>"
        )


# -- shared pieces ------------------------------------------------------------------------------


def _deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


def _inflate(data: bytes, limit: int) -> bytes:
    """Raw DEFLATE, stopped as soon as the output would pass ``limit`` bytes."""
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    try:
        plaintext = inflater.decompress(data, limit + 1)
    except zlib.error:
        raise DecodeError("Invalid JWE: the compressed plaintext is not valid DEFLATE") from None
    if len(plaintext) > limit or inflater.unconsumed_tail:
        raise DecodeError(f"Invalid JWE: the decompressed plaintext exceeds {limit} bytes")
    if not inflater.eof or inflater.unused_data:
        raise DecodeError("Invalid JWE: the compressed plaintext is truncated or has extra data")
    return plaintext


def _check_zip(header: Mapping[str, Any]) -> bool:
    method = header.get("zip")
    if method is None:
        return False
    if method != "DEF":
        raise DecodeError("Invalid header: the only 'zip' method is 'DEF'")
    return True


def _names(values: Collection[str] | None, what: str, known: Mapping[str, Any]) -> frozenset[str]:
    if values is None or isinstance(values, str) or not values:
        raise InvalidKeyError(
            f"{what} must be a non-empty list of names: the token's header must not choose "
            "on its own"
        )
    names = frozenset(values)
    if not names <= known.keys():
        unknown = sorted(str(name)[:32] for name in names - known.keys())
        raise UnsupportedAlgorithmError(f"Unknown names in {what}: {unknown}")
    return names


def _choose(
    header: Mapping[str, Any], algorithms: frozenset[str], encryptions: frozenset[str]
) -> tuple[KeyManagementAlgorithm, ContentEncryptionAlgorithm]:
    """The header's ``alg`` and ``enc``, if the caller allowed them."""
    alg, enc = header.get("alg"), header.get("enc")
    if alg is None:
        raise DecodeError("Invalid header: 'alg' is missing")
    if enc is None:
        raise DecodeError("Invalid header: 'enc' is missing")
    if alg not in algorithms:
        raise InvalidAlgorithmError("The token's 'alg' is not among the allowed algorithms")
    if enc not in encryptions:
        raise InvalidAlgorithmError("The token's 'enc' is not among the allowed encryptions")
    return get_key_management_algorithm(alg), get_content_encryption_algorithm(enc)


def _decryption_keys(
    keys: Key | KeySet,
    header: Mapping[str, Any],
    algorithm: KeyManagementAlgorithm,
    encryption: ContentEncryptionAlgorithm,
) -> tuple[Key, ...]:
    """The one key, the set's key named by ``kid``, or the set's keys that fit ``alg``."""
    if isinstance(keys, Key):
        return (keys,)
    kid = header.get("kid")
    if kid is not None:
        return (keys.get(kid),)
    found = tuple(
        key
        for key in keys
        if key.kty in algorithm.key_types
        and key.alg in (None, algorithm.name, encryption.name if algorithm.direct else None)
        and key.use in (None, "enc")
    )
    if not found:
        raise KeyNotFoundError("No key in the set fits the token's algorithm")
    return found


def _open(
    algorithm: KeyManagementAlgorithm,
    encryption: ContentEncryptionAlgorithm,
    candidates: tuple[Key, ...],
    header: Mapping[str, Any],
    encrypted_key: bytes,
    iv: bytes,
    ciphertext: bytes,
    tag: bytes,
    aad: bytes,
    policy: DecryptionPolicy,
) -> tuple[bytes, Key]:
    """Unwrap the CEK and decrypt with the first candidate key that works."""
    for key in candidates:
        try:
            material = key._material_for(
                _binding(algorithm, encryption, key), algorithm.decrypt_operation
            )
            cek = algorithm.unwrap(material, encrypted_key, encryption, header, policy)
            return encryption.decrypt(cek, iv, ciphertext, tag, aad), key
        except (DecryptionError, InvalidAlgorithmError, InvalidKeyError):
            continue  # a key of the wrong type or size fails like any other wrong key
    raise decryption_failed()


def _binding(
    algorithm: KeyManagementAlgorithm, encryption: ContentEncryptionAlgorithm, key: Key
) -> KeyManagementAlgorithm | ContentEncryptionAlgorithm:
    """The algorithm a key is checked against: a key published for an ``enc`` (``"alg":
    "A128GCM"``, as RFC 7520 §5.6 does) serves ``dir`` with exactly that ``enc``."""
    if algorithm.direct and key.alg == encryption.name and key.kty == "oct":
        return encryption
    return algorithm


def _header_for_wrap(
    algorithm: KeyManagementAlgorithm, *headers: Mapping[str, Any]
) -> dict[str, Any]:
    joint: dict[str, Any] = {}
    for header in headers:
        joint.update(header)
    for name in algorithm.header_parameters - {"p2c"}:
        if name in joint:
            raise DecodeError(f"Header parameter {name!r} is set by {algorithm.name}")
    return joint


def _single_key(key: KeyInput, algorithm: KeyManagementAlgorithm) -> Key:
    resolved = resolve_key(key, for_hmac=algorithm.key_type == "oct")
    if not isinstance(resolved, Key):
        raise InvalidKeyError("Encryption needs a single key, not a key set")
    return resolved


def _encryption_algorithms(
    alg: str, enc: str
) -> tuple[KeyManagementAlgorithm, ContentEncryptionAlgorithm]:
    algorithm = get_key_management_algorithm(alg)
    if algorithm.decrypt_only:
        raise UnsupportedAlgorithmError(
            f"{algorithm.name} is accepted for decrypting old tokens only; "
            "encrypt with RSA-OAEP-256"
        )
    return algorithm, get_content_encryption_algorithm(enc)


def _check_zip_argument(zip: str | None) -> bool:
    if zip is None:
        return False
    if zip != "DEF":
        raise UnsupportedAlgorithmError("The only 'zip' method is 'DEF'")
    return True


def _policy(pbes2_max_count: int) -> DecryptionPolicy:
    if pbes2_max_count == PBES2_MAX_COUNT:
        return _DEFAULT_POLICY
    return DecryptionPolicy(pbes2_max_count=pbes2_max_count)


_DEFAULT_POLICY = DecryptionPolicy()
_NO_INPUTS = EncryptionInputs()


# -- compact serialization (RFC 7516 §7.1) ------------------------------------------------------


def encrypt(
    plaintext: bytes,
    key: KeyInput,
    alg: str,
    enc: str,
    *,
    headers: Mapping[str, Any] | None = None,
    zip: str | None = None,
) -> str:
    """Encrypt ``plaintext`` to ``key`` and return the compact serialization.

    ``alg`` is the key management algorithm (``"RSA-OAEP-256"``, ``"ECDH-ES+A256KW"``,
    ``"dir"``, ...), ``enc`` the content encryption (``"A256GCM"``, ...). ``headers`` go into
    the protected header (``p2c`` there sets the PBES2 iteration count; ``apu``/``apv`` the
    ECDH-ES party info). ``zip="DEF"`` compresses the plaintext first: do not compress
    secrets mixed with attacker-chosen text (that leaks them through the length).
    """
    return _encrypt(plaintext, key, alg, enc, headers, zip, _NO_INPUTS)


def _encrypt(
    plaintext: bytes,
    key: KeyInput,
    alg: str,
    enc: str,
    headers: Mapping[str, Any] | None,
    zip: str | None,
    inputs: EncryptionInputs,
) -> str:
    if not isinstance(plaintext, bytes):
        raise DecodeError("The JWE plaintext must be bytes")
    algorithm, encryption = _encryption_algorithms(alg, enc)
    recipient = _single_key(key, algorithm)
    material = recipient._material_for(
        _binding(algorithm, encryption, recipient), algorithm.encrypt_operation
    )
    extra = dict(headers or {})
    compress = _check_zip_argument(zip if zip is not None else extra.get("zip"))
    cek, encrypted_key, parameters = algorithm.wrap(
        material, encryption, None, _header_for_wrap(algorithm, extra), inputs
    )
    # Order follows RFC 7520: alg, kid, the algorithm's parameters, the caller's, enc, zip.
    header: dict[str, Any] = {"alg": algorithm.name}
    if recipient.kid is not None and "kid" not in extra:
        header["kid"] = recipient.kid
    header.update(parameters)
    for name, value in extra.items():
        if name not in parameters and name not in ("alg", "enc", "zip"):
            header[name] = value
    header["enc"] = encryption.name
    if compress:
        header["zip"] = "DEF"
    _compact.check_header(header, UNDERSTOOD_CRITICAL)
    protected = b64url_encode(json_dumps(header))
    iv = inputs.iv if inputs.iv is not None else _random_iv(encryption)
    ciphertext, tag = encryption.encrypt(
        cek, iv, _deflate(plaintext) if compress else plaintext, protected
    )
    return b".".join(
        (
            protected,
            b64url_encode(encrypted_key),
            b64url_encode(iv),
            b64url_encode(ciphertext),
            b64url_encode(tag),
        )
    ).decode("ascii")


def _random_iv(encryption: ContentEncryptionAlgorithm) -> bytes:
    return os.urandom(encryption.iv_size)


def _parse_protected(segment: str) -> dict[str, Any]:
    """Decode and check a protected header; cached by its text. Do not mutate the result."""
    header = _header_cache.get(segment)
    if header is not None:
        return header
    if len(segment) > _MAX_HEADER_SEGMENT:
        raise DecodeError("Invalid header: too large")
    header = json_loads_object(b64url_decode(segment, "protected header"), "header")
    _compact.check_header(header, UNDERSTOOD_CRITICAL)
    _header_cache[segment] = header
    if len(_header_cache) > _HEADER_CACHE_SIZE:
        _header_cache.popitem(last=False)
    return header


def decrypt(
    token: str | bytes,
    key: KeyInput,
    algorithms: Collection[str],
    encryptions: Collection[str],
    *,
    max_plaintext_size: int = MAX_PLAINTEXT_SIZE,
    pbes2_max_count: int = PBES2_MAX_COUNT,
) -> DecryptedJWE:
    """Decrypt a compact JWE with ``key`` (a key or a key set, chosen by ``kid``).

    ``algorithms`` lists the ``alg`` values accepted, ``encryptions`` the ``enc`` values.
    ``RSA1_5`` is only ever accepted when named here. ``max_plaintext_size`` caps what
    decompression may produce; ``pbes2_max_count`` caps the PBES2 iteration count a token
    may ask for.
    """
    allowed_algorithms = _names(algorithms, "algorithms", KEY_MANAGEMENT_ALGORITHMS)
    allowed_encryptions = _names(encryptions, "encryptions", CONTENT_ENCRYPTION_ALGORITHMS)
    segments = _compact.split_compact(token, "JWE")
    if len(segments) != 5:
        if len(segments) == 3:
            raise DecodeError(
                "This is a JWS, not a JWE: verify it with jwtkit.jws.verify or jwtkit.decode"
            )
        raise DecodeError("Invalid JWE: a compact JWE has five segments")
    header_segment, key_segment, iv_segment, ciphertext_segment, tag_segment = segments
    header = _parse_protected(header_segment)
    algorithm, encryption = _choose(header, allowed_algorithms, allowed_encryptions)
    compressed = _check_zip(header)
    encrypted_key = b64url_decode(key_segment, "encrypted key")
    iv = b64url_decode(iv_segment, "iv")
    ciphertext = b64url_decode(ciphertext_segment, "ciphertext")
    tag = b64url_decode(tag_segment, "tag")
    candidates = _decryption_keys(
        resolve_key_or_set(key, algorithm.key_type == "oct"), header, algorithm, encryption
    )
    plaintext, used = _open(
        algorithm,
        encryption,
        candidates,
        header,
        encrypted_key,
        iv,
        ciphertext,
        tag,
        header_segment.encode("ascii"),
        _policy(pbes2_max_count),
    )
    if compressed:
        plaintext = _inflate(plaintext, max_plaintext_size)
    return DecryptedJWE(dict(header), plaintext, used)


# -- JSON serialization (RFC 7516 §7.2) ---------------------------------------------------------

#: ``(key, alg)`` or ``(key, alg, per-recipient unprotected header)``.
Recipient = tuple[Any, str] | tuple[Any, str, Mapping[str, Any] | None]


def encrypt_json(
    plaintext: bytes,
    recipients: Iterable[Recipient],
    enc: str,
    *,
    protected: Mapping[str, Any] | None = None,
    unprotected: Mapping[str, Any] | None = None,
    aad: bytes | None = None,
    zip: str | None = None,
    flatten: bool = False,
) -> dict[str, Any]:
    """Encrypt ``plaintext`` once for several recipients (the JSON serialization).

    ``recipients`` holds ``(key, alg)`` or ``(key, alg, header)`` tuples; ``header`` is that
    recipient's unprotected header. ``protected`` and ``unprotected`` are the shared headers;
    ``aad`` is extra authenticated data. Where the caller does not place them, ``alg``,
    ``kid`` and the algorithm's parameters go into the protected header for a single
    recipient and into each recipient's header otherwise. ``flatten=True`` gives the
    flattened form (exactly one recipient).
    """
    return _encrypt_json(
        plaintext, recipients, enc, protected, unprotected, aad, zip, flatten, [_NO_INPUTS]
    )


def _placed(name: str, *headers: Mapping[str, Any]) -> bool:
    return any(name in header for header in headers)


def _encrypt_json(
    plaintext: bytes,
    recipients: Iterable[Recipient],
    enc: str,
    protected: Mapping[str, Any] | None,
    unprotected: Mapping[str, Any] | None,
    aad: bytes | None,
    zip: str | None,
    flatten: bool,
    inputs: Sequence[EncryptionInputs],
) -> dict[str, Any]:
    if not isinstance(plaintext, bytes):
        raise DecodeError("The JWE plaintext must be bytes")
    if aad is not None and not isinstance(aad, bytes):
        raise DecodeError("The JWE aad must be bytes")
    entries = [tuple(entry) for entry in recipients]
    if not entries:
        raise InvalidKeyError("At least one recipient is needed")
    if flatten and len(entries) != 1:
        raise InvalidKeyError("The flattened serialization has exactly one recipient")
    encryption = get_content_encryption_algorithm(enc)
    compress = _check_zip_argument(zip)
    shared_protected = dict(protected or {})
    shared = dict(unprotected or {})
    for name in _PROTECTED_ONLY:
        if name in shared:
            raise DecodeError(f"Invalid header: {name!r} must be in the protected header")
    # The single recipient's alg and parameters go to the protected header, like compact.
    recipient_protected: dict[str, Any] = {}
    caller_protected, caller_shared = dict(shared_protected), dict(shared)
    cek: bytes | None = None
    wrapped: list[tuple[dict[str, Any], bytes]] = []
    for index, entry in enumerate(entries):
        if len(entry) not in (2, 3):
            raise InvalidKeyError("Each recipient is (key, alg) or (key, alg, header)")
        key_input, alg = entry[0], entry[1]
        own = dict(entry[2] or {}) if len(entry) == 3 else {}
        algorithm, _ = _encryption_algorithms(alg, enc)
        if algorithm.direct and len(entries) > 1:
            raise InvalidKeyError(f"{algorithm.name} cannot share a JWE with other recipients")
        for name in _PROTECTED_ONLY:
            if name in own:
                raise DecodeError(f"Invalid header: {name!r} must be in the protected header")
        recipient = _single_key(key_input, algorithm)
        material = recipient._material_for(
            _binding(algorithm, encryption, recipient), algorithm.encrypt_operation
        )
        target = recipient_protected if len(entries) == 1 else own
        placed_alg = next((h for h in (shared_protected, shared, own) if "alg" in h), None)
        if placed_alg is not None:
            if placed_alg["alg"] != algorithm.name:
                raise InvalidKeyError("The header's 'alg' differs from the recipient's alg")
            if len(entries) == 1:
                target = placed_alg  # the parameters go where the caller put alg
        else:
            target["alg"] = algorithm.name
        if recipient.kid is not None and not _placed("kid", shared_protected, shared, own):
            target["kid"] = recipient.kid
        cek, encrypted_key, parameters = algorithm.wrap(
            material,
            encryption,
            cek,
            _header_for_wrap(algorithm, caller_protected, caller_shared, own),
            inputs[min(index, len(inputs) - 1)],
        )
        for part in (shared_protected, shared, own):
            if part is not target:
                for name in parameters:  # e.g. a p2c the caller gave moves with the others
                    part.pop(name, None)
        target.update(parameters)
        wrapped.append((own, encrypted_key))
    assert cek is not None
    header: dict[str, Any] = {**recipient_protected, **shared_protected}
    if not _placed("enc", header, shared, *(own for own, _ in wrapped)):
        header["enc"] = encryption.name
    if compress:
        header["zip"] = "DEF"
    for own, _ in wrapped:
        _check_disjoint(header, shared, own)
        joint = {**shared, **own, **header}
        _compact.check_header(joint, UNDERSTOOD_CRITICAL)
        if joint.get("enc") != encryption.name:
            raise InvalidKeyError("The header's 'enc' differs from the enc argument")
    protected_segment = b64url_encode(json_dumps(header)) if header else b""
    aad_segment = b64url_encode(aad) if aad is not None else None
    authenticated = protected_segment + (b"." + aad_segment if aad_segment is not None else b"")
    first = inputs[0]
    iv = first.iv if first.iv is not None else _random_iv(encryption)
    ciphertext, tag = encryption.encrypt(
        cek, iv, _deflate(plaintext) if compress else plaintext, authenticated
    )
    document: dict[str, Any] = {}
    if protected_segment:
        document["protected"] = protected_segment.decode("ascii")
    if shared:
        document["unprotected"] = shared
    recipient_members = []
    for own, encrypted_key in wrapped:
        member: dict[str, Any] = {}
        if own:
            member["header"] = own
        if encrypted_key:
            member["encrypted_key"] = b64url_encode(encrypted_key).decode("ascii")
        recipient_members.append(member)
    if flatten:
        document.update(recipient_members[0])
    else:
        document["recipients"] = recipient_members
    if aad_segment is not None:
        document["aad"] = aad_segment.decode("ascii")
    document["iv"] = b64url_encode(iv).decode("ascii")
    document["ciphertext"] = b64url_encode(ciphertext).decode("ascii")
    document["tag"] = b64url_encode(tag).decode("ascii")
    return document


def _check_disjoint(*headers: Mapping[str, Any]) -> None:
    seen: set[str] = set()
    for header in headers:
        if seen & header.keys():
            raise DecodeError("Invalid JWE: the header parts must not share a member name")
        seen.update(header)


def _json_document(data: Mapping[str, Any] | str | bytes) -> Mapping[str, Any]:
    if isinstance(data, str | bytes):
        if len(data) > MAX_TOKEN_SIZE:
            raise DecodeError(f"Invalid JWE: larger than {MAX_TOKEN_SIZE} bytes")
        return json_loads_object(data, "JWE JSON serialization")
    if not isinstance(data, Mapping):
        raise DecodeError("Invalid JWE: the JSON serialization must be an object")
    return data


def _string_member(document: Mapping[str, Any], name: str, required: bool = True) -> str | None:
    value = document.get(name)
    if value is None and not required:
        return None
    if type(value) is not str:
        raise DecodeError(f"Invalid JWE: {name!r} must be a string")
    if len(value) > MAX_TOKEN_SIZE:
        raise DecodeError(f"Invalid JWE: {name!r} is larger than {MAX_TOKEN_SIZE} bytes")
    return value


def _object_member(document: Mapping[str, Any], name: str) -> dict[str, Any]:
    value = document.get(name, {})
    if type(value) is not dict:
        raise DecodeError(f"Invalid JWE: {name!r} must be an object")
    return value


def _recipient_entries(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    if "recipients" in document:
        if "encrypted_key" in document or "header" in document:
            raise DecodeError("Invalid JWE: mixes general and flattened members")
        entries = document["recipients"]
        if type(entries) is not list or not entries:
            raise DecodeError("Invalid JWE: 'recipients' must be a non-empty array")
        if len(entries) > MAX_RECIPIENTS:
            raise DecodeError(f"Invalid JWE: more than {MAX_RECIPIENTS} recipients")
        for entry in entries:
            if type(entry) is not dict:
                raise DecodeError("Invalid JWE: each recipient must be an object")
        return entries
    return [document]


def decrypt_json(
    data: Mapping[str, Any] | str | bytes,
    key: KeyInput,
    algorithms: Collection[str],
    encryptions: Collection[str],
    *,
    max_plaintext_size: int = MAX_PLAINTEXT_SIZE,
    pbes2_max_count: int = PBES2_MAX_COUNT,
) -> DecryptedJWE:
    """Decrypt a JWE in JSON serialization (general or flattened).

    Each recipient whose ``alg`` and ``enc`` are allowed, and for which ``key`` holds a
    fitting key, is tried in turn; the first that opens gives the result, whose ``header``
    is that recipient's joint header and whose ``aad`` is the additional authenticated data.
    """
    allowed_algorithms = _names(algorithms, "algorithms", KEY_MANAGEMENT_ALGORITHMS)
    allowed_encryptions = _names(encryptions, "encryptions", CONTENT_ENCRYPTION_ALGORITHMS)
    document = _json_document(data)
    if "payload" in document or "signatures" in document or "signature" in document:
        raise DecodeError("This is a JWS, not a JWE: verify it with jwtkit.jws.verify_json")
    protected_segment = _string_member(document, "protected", required=False) or ""
    protected = _parse_protected(protected_segment) if protected_segment else {}
    shared = _object_member(document, "unprotected")
    iv = b64url_decode(_string_member(document, "iv") or "", "iv")
    ciphertext = b64url_decode(_string_member(document, "ciphertext") or "", "ciphertext")
    tag = b64url_decode(_string_member(document, "tag") or "", "tag")
    aad_segment = _string_member(document, "aad", required=False)
    aad = b64url_decode(aad_segment, "aad") if aad_segment is not None else None
    authenticated = protected_segment.encode("ascii") + (
        b"." + aad_segment.encode("ascii") if aad_segment is not None else b""
    )
    policy = _policy(pbes2_max_count)
    last_error: JWTKitError = decryption_failed()
    for entry in _recipient_entries(document):
        own = _object_member(entry, "header")
        for name in _PROTECTED_ONLY:
            if name in shared or name in own:
                raise DecodeError(f"Invalid header: {name!r} must be in the protected header")
        _check_disjoint(protected, shared, own)
        header = {**shared, **own, **protected}
        _compact.check_header(header, UNDERSTOOD_CRITICAL)
        key_segment = _string_member(entry, "encrypted_key", required=False)
        encrypted_key = b64url_decode(key_segment, "encrypted key") if key_segment else b""
        try:
            algorithm, encryption = _choose(header, allowed_algorithms, allowed_encryptions)
            compressed = _check_zip(header)
            candidates = _decryption_keys(
                resolve_key_or_set(key, algorithm.key_type == "oct"), header, algorithm, encryption
            )
            plaintext, used = _open(
                algorithm,
                encryption,
                candidates,
                header,
                encrypted_key,
                iv,
                ciphertext,
                tag,
                authenticated,
                policy,
            )
        except (InvalidAlgorithmError, KeyNotFoundError, DecryptionError) as error:
            last_error = error
            continue
        if compressed:
            plaintext = _inflate(plaintext, max_plaintext_size)
        return DecryptedJWE(header, plaintext, used, aad)
    raise last_error

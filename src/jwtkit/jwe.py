"""JSON Web Encryption (RFC 7516): compact and JSON serializations, every RFC 7518 algorithm.

The caller names the key management algorithms (``alg``) and content encryptions (``enc``)
it accepts; the header only picks among them. Everything that could tell an attacker *why*
a token failed to open (wrong key type, wrong key length, bad padding, bad tag, bad ``epk``)
raises the same :class:`~jwtkit.errors.DecryptionError`. Structural problems that are visible
in the token anyway (segments, base64url, JSON, limits) raise :class:`DecodeError` with a
message naming the check. Header parsing, the algorithm choice and key selection are the
ones JWS verification uses (:mod:`jwtkit._compact`), parametrized for JWE.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from . import _compact
from ._codec import MAX_TOKEN_SIZE, b64url_decode, b64url_encode, json_loads_object
from ._key_input import Keys, key_lookup, keys_for, resolve_key
from ._options import check_algorithms, check_bytes, check_entries, check_header_argument
from .errors import (
    DecodeError,
    DecryptionError,
    InvalidAlgorithmError,
    InvalidKeyError,
    InvalidOptionError,
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
from .jwk import Key

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


def _names(values: object, what: str, known: Mapping[str, Any]) -> Collection[str]:
    names = check_algorithms(values, what)
    unknown = [name for name in names if name not in known]
    if unknown:
        raise UnsupportedAlgorithmError(
            f"Unknown names in {what}: {sorted(n[:32] for n in unknown)}"
        )
    return names


def _choose(
    header: Mapping[str, Any], algorithms: Collection[str], encryptions: Collection[str]
) -> tuple[KeyManagementAlgorithm, ContentEncryptionAlgorithm]:
    """The header's ``alg`` and ``enc``, if the caller allowed them."""
    algorithm = _compact.choose(
        header, algorithms, "alg", get_key_management_algorithm, "algorithms"
    )
    encryption = _compact.choose(
        header, encryptions, "enc", get_content_encryption_algorithm, "encryptions"
    )
    return algorithm, encryption


def _decryption_keys(
    keys: Keys,
    header: Mapping[str, Any],
    algorithm: KeyManagementAlgorithm,
    encryption: ContentEncryptionAlgorithm,
) -> tuple[Key, ...]:
    """The keys to try: a key published for an ``enc`` (``"alg": "A128GCM"``) serves ``dir``."""
    alias = encryption.name if algorithm.direct else None
    return _compact.select_keys(keys_for(keys, algorithm, header), header, algorithm, "enc", alias)


def _open(
    algorithm: KeyManagementAlgorithm,
    encryption: ContentEncryptionAlgorithm,
    candidates: tuple[Key, ...],
    header: Mapping[str, Any],
    encrypted_key: bytes,
    content: _Content,
    policy: DecryptionPolicy,
) -> tuple[bytes, Key]:
    """Unwrap the CEK and decrypt with the first candidate key that works."""
    for key in candidates:
        policy.spend_attempt()
        try:
            material = key._material_for(
                _binding(algorithm, encryption, key), algorithm.decrypt_operation
            )
            cek = algorithm.unwrap(material, encrypted_key, encryption, header, policy)
            return encryption.decrypt(cek, *content), key
        except (DecryptionError, InvalidAlgorithmError, InvalidKeyError):
            continue  # a key of the wrong type or size fails like any other wrong key
    raise decryption_failed()


#: ``(iv, ciphertext, tag, aad)``: what content decryption takes, the same for every key.
_Content = tuple[bytes, bytes, bytes, bytes]


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
            raise InvalidOptionError(f"Header parameter {name!r} is set by {algorithm.name}")
    return joint


def _single_key(key: KeyInput, algorithm: KeyManagementAlgorithm) -> Key:
    resolved = resolve_key(key, for_hmac=algorithm.key_type == "oct")
    if not isinstance(resolved, Key):
        raise InvalidOptionError("Encryption needs a single key, not a key set")
    return resolved


def _encryption_algorithms(
    alg: object, enc: object
) -> tuple[KeyManagementAlgorithm, ContentEncryptionAlgorithm]:
    algorithm = get_key_management_algorithm(alg)
    if algorithm.decrypt_only:
        raise UnsupportedAlgorithmError(
            f"{algorithm.name} is accepted for decrypting old tokens only; "
            "encrypt with RSA-OAEP-256"
        )
    return algorithm, get_content_encryption_algorithm(enc)


def _check_zip_argument(zip: object) -> bool:
    if zip is None:
        return False
    if zip != "DEF":
        raise UnsupportedAlgorithmError("The only 'zip' method is 'DEF'")
    return True


def _policy(pbes2_max_count: object) -> DecryptionPolicy:
    """A fresh policy for one message: its PBES2 budget is spent as the message is opened."""
    if isinstance(pbes2_max_count, bool) or not isinstance(pbes2_max_count, int):
        raise InvalidOptionError("pbes2_max_count must be an integer")
    return DecryptionPolicy(pbes2_max_count=pbes2_max_count)


def _size_limit(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidOptionError("max_plaintext_size must be a non-negative integer")
    return value


def _check_protected_only(error: type[JWTKitError], *headers: Mapping[str, Any]) -> None:
    for header in headers:
        for name in _PROTECTED_ONLY:
            if name in header:
                raise error(f"Invalid header: {name!r} must be in the protected header")


def _check_disjoint(error: type[JWTKitError], *headers: Mapping[str, Any]) -> None:
    seen: set[str] = set()
    for header in headers:
        if seen & header.keys():
            raise error("Invalid JWE: the header parts must not share a member name")
        seen.update(header)


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
    plaintext = check_bytes(plaintext, "The JWE plaintext")
    algorithm, encryption = _encryption_algorithms(alg, enc)
    extra = check_header_argument(headers)
    compress = _check_zip_argument(zip if zip is not None else extra.get("zip"))
    recipient = _single_key(key, algorithm)
    material = recipient._material_for(
        _binding(algorithm, encryption, recipient), algorithm.encrypt_operation
    )
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
    protected = _compact.encode_header(header)
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
    return _compact.parse_header_segment(segment, UNDERSTOOD_CRITICAL, _MAX_HEADER_SEGMENT)


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
    decompression may produce; ``pbes2_max_count`` caps the PBES2 iterations the message may
    cost in all (its ``p2c`` once for every key tried), not per recipient.
    """
    allowed_algorithms = _names(algorithms, "algorithms", KEY_MANAGEMENT_ALGORITHMS)
    allowed_encryptions = _names(encryptions, "encryptions", CONTENT_ENCRYPTION_ALGORITHMS)
    limit = _size_limit(max_plaintext_size)
    policy = _policy(pbes2_max_count)
    keys = key_lookup(key)
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
    content = (
        b64url_decode(iv_segment, "iv"),
        b64url_decode(ciphertext_segment, "ciphertext"),
        b64url_decode(tag_segment, "tag"),
        header_segment.encode("ascii"),
    )
    candidates = _decryption_keys(keys, header, algorithm, encryption)
    plaintext, used = _open(
        algorithm, encryption, candidates, header, encrypted_key, content, policy
    )
    if compressed:
        plaintext = _inflate(plaintext, limit)
    return DecryptedJWE(_compact.header_copy(header), plaintext, used)


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


class _JSONEncryption:
    """One JSON-serialized encryption being built: the shared headers, the CEK the first
    recipient chose, and each recipient's header and encrypted key."""

    def __init__(
        self,
        encryption: ContentEncryptionAlgorithm,
        protected: dict[str, Any],
        shared: dict[str, Any],
        recipient_count: int,
    ) -> None:
        self.encryption = encryption
        self.protected = protected
        self.shared = shared
        # The caller's own headers, before the algorithms' parameters are placed in them.
        self.caller_protected, self.caller_shared = dict(protected), dict(shared)
        self.single = recipient_count == 1
        # The single recipient's alg and parameters go to the protected header, like compact.
        self.recipient_protected: dict[str, Any] = {}
        self.cek: bytes | None = None
        self.wrapped: list[tuple[dict[str, Any], bytes]] = []

    def add_recipient(self, entry: tuple[Any, ...], inputs: EncryptionInputs) -> None:
        if len(entry) not in (2, 3):
            raise InvalidOptionError("Each recipient is (key, alg) or (key, alg, header)")
        key_input, alg = entry[0], entry[1]
        own = check_header_argument(entry[2] if len(entry) == 3 else None, "a recipient header")
        algorithm, encryption = _encryption_algorithms(alg, self.encryption.name)
        if algorithm.direct and not self.single:
            raise InvalidOptionError(f"{algorithm.name} cannot share a JWE with other recipients")
        _check_protected_only(InvalidOptionError, own)
        recipient = _single_key(key_input, algorithm)
        material = recipient._material_for(
            _binding(algorithm, encryption, recipient), algorithm.encrypt_operation
        )
        target = self._place_alg(algorithm, own)
        if recipient.kid is not None and not _placed("kid", self.protected, self.shared, own):
            target["kid"] = recipient.kid
        self.cek, encrypted_key, parameters = algorithm.wrap(
            material,
            encryption,
            self.cek,
            _header_for_wrap(algorithm, self.caller_protected, self.caller_shared, own),
            inputs,
        )
        for part in (self.protected, self.shared, own):
            if part is not target:
                for name in parameters:  # e.g. a p2c the caller gave moves with the others
                    part.pop(name, None)
        target.update(parameters)
        self.wrapped.append((own, encrypted_key))

    def _place_alg(self, algorithm: KeyManagementAlgorithm, own: dict[str, Any]) -> dict[str, Any]:
        """The header that gets this recipient's ``alg`` and parameters: where the caller put
        ``alg``, else the protected header (one recipient) or the recipient's own."""
        target = self.recipient_protected if self.single else own
        placed = next((h for h in (self.protected, self.shared, own) if "alg" in h), None)
        if placed is None:
            target["alg"] = algorithm.name
            return target
        if placed["alg"] != algorithm.name:
            raise InvalidOptionError("The header's 'alg' differs from the recipient's alg")
        return placed if self.single else target

    def protected_header(self, compress: bool) -> dict[str, Any]:
        header: dict[str, Any] = {**self.recipient_protected, **self.protected}
        if not _placed("enc", header, self.shared, *(own for own, _ in self.wrapped)):
            header["enc"] = self.encryption.name
        if compress:
            header["zip"] = "DEF"
        for own, _ in self.wrapped:
            _check_disjoint(InvalidOptionError, header, self.shared, own)
            joint = {**self.shared, **own, **header}
            _compact.check_header(joint, UNDERSTOOD_CRITICAL)
            _compact.encode_header(joint)  # JSON, or the caller's mistake now
            if joint.get("enc") != self.encryption.name:
                raise InvalidOptionError("The header's 'enc' differs from the enc argument")
        return header

    def document(
        self, protected_segment: bytes, aad_segment: bytes | None, parts: _Content, flatten: bool
    ) -> dict[str, Any]:
        iv, ciphertext, tag, _ = parts
        document: dict[str, Any] = {}
        if protected_segment:
            document["protected"] = protected_segment.decode("ascii")
        if self.shared:
            document["unprotected"] = self.shared
        members = []
        for own, encrypted_key in self.wrapped:
            member: dict[str, Any] = {}
            if own:
                member["header"] = own
            if encrypted_key:
                member["encrypted_key"] = b64url_encode(encrypted_key).decode("ascii")
            members.append(member)
        if flatten:
            document.update(members[0])
        else:
            document["recipients"] = members
        if aad_segment is not None:
            document["aad"] = aad_segment.decode("ascii")
        document["iv"] = b64url_encode(iv).decode("ascii")
        document["ciphertext"] = b64url_encode(ciphertext).decode("ascii")
        document["tag"] = b64url_encode(tag).decode("ascii")
        return document


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
    plaintext = check_bytes(plaintext, "The JWE plaintext")
    aad = None if aad is None else check_bytes(aad, "The JWE aad")
    entries = [tuple(entry) for entry in check_entries(recipients, flatten, "recipient")]
    encryption = get_content_encryption_algorithm(enc)
    compress = _check_zip_argument(zip)
    shared = check_header_argument(unprotected, "the unprotected header")
    _check_protected_only(InvalidOptionError, shared)
    building = _JSONEncryption(
        encryption, check_header_argument(protected, "the protected header"), shared, len(entries)
    )
    for index, entry in enumerate(entries):
        building.add_recipient(entry, inputs[min(index, len(inputs) - 1)])
    assert building.cek is not None
    header = building.protected_header(compress)
    protected_segment = _compact.encode_header(header) if header else b""
    aad_segment = b64url_encode(aad) if aad is not None else None
    authenticated = protected_segment + (b"." + aad_segment if aad_segment is not None else b"")
    first = inputs[0]
    iv = first.iv if first.iv is not None else _random_iv(encryption)
    ciphertext, tag = encryption.encrypt(
        building.cek, iv, _deflate(plaintext) if compress else plaintext, authenticated
    )
    return building.document(
        protected_segment, aad_segment, (iv, ciphertext, tag, authenticated), flatten
    )


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


def _shared_parts(
    document: Mapping[str, Any],
) -> tuple[dict[str, Any], dict[str, Any], _Content, bytes | None]:
    """What every recipient of a JSON-serialized JWE shares: the protected and unprotected
    headers, the content (iv, ciphertext, tag and the authenticated data) and the ``aad``."""
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
    return protected, shared, (iv, ciphertext, tag, authenticated), aad


def _recipient_header(
    entry: Mapping[str, Any], protected: dict[str, Any], shared: dict[str, Any]
) -> tuple[dict[str, Any], bytes]:
    """One recipient's joint header and encrypted key, checked."""
    own = _object_member(entry, "header")
    _check_protected_only(DecodeError, shared, own)
    _check_disjoint(DecodeError, protected, shared, own)
    header = {**shared, **own, **protected}
    _compact.check_header(header, UNDERSTOOD_CRITICAL)
    key_segment = _string_member(entry, "encrypted_key", required=False)
    encrypted_key = b64url_decode(key_segment, "encrypted key") if key_segment else b""
    return header, encrypted_key


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
    ``pbes2_max_count`` is one budget for the whole document, across all its recipients.
    """
    allowed_algorithms = _names(algorithms, "algorithms", KEY_MANAGEMENT_ALGORITHMS)
    allowed_encryptions = _names(encryptions, "encryptions", CONTENT_ENCRYPTION_ALGORITHMS)
    limit = _size_limit(max_plaintext_size)
    policy = _policy(pbes2_max_count)
    keys = key_lookup(key)
    document = _json_document(data)
    protected, shared, content, aad = _shared_parts(document)
    last_error: JWTKitError = decryption_failed()
    for entry in _recipient_entries(document):
        header, encrypted_key = _recipient_header(entry, protected, shared)
        try:
            algorithm, encryption = _choose(header, allowed_algorithms, allowed_encryptions)
            compressed = _check_zip(header)
            candidates = _decryption_keys(keys, header, algorithm, encryption)
            plaintext, used = _open(
                algorithm, encryption, candidates, header, encrypted_key, content, policy
            )
        except (InvalidAlgorithmError, KeyNotFoundError, DecryptionError) as error:
            last_error = error
            continue
        if compressed:
            plaintext = _inflate(plaintext, limit)
        return DecryptedJWE(_compact.header_copy(header), plaintext, used, aad)
    raise last_error

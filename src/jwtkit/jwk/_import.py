"""Turning outside representations into :class:`Key` objects, and back to PEM.

Accepted: JWK (mapping or JSON text), PEM (PKCS#1, PKCS#8 incl. encrypted, SPKI, SEC1,
X.509 certificate, OpenSSH private key), DER, OpenSSH public keys, ``cryptography`` key
objects and ``x509.Certificate`` objects (their public key). Bytes are never guessed to be
an HMAC secret: that is what ``OctKey`` is for.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import (
    ec,
    ed448,
    ed25519,
    mldsa,
    rsa,
    x448,
    x25519,
)
from cryptography.utils import CryptographyDeprecationWarning

from .._codec import json_loads_object
from ..errors import InvalidKeyError, InvalidOptionError, JWTKitError
from ._base import COMMON_MEMBERS, Key

__all__ = ["export_pem", "import_any", "import_jwk", "key_class_for_object"]

_SSH_PUBLIC_PREFIXES = (b"ssh-", b"ecdsa-sha2-", b"sk-")


def key_class_for_object(material: Any) -> type[Key] | None:
    """The Key subclass that wraps a ``cryptography`` key object, if any."""
    checks: tuple[tuple[tuple[type, ...], str], ...] = (
        ((rsa.RSAPrivateKey, rsa.RSAPublicKey), "RSA"),
        ((ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey), "EC"),
        (
            (
                ed25519.Ed25519PrivateKey,
                ed25519.Ed25519PublicKey,
                ed448.Ed448PrivateKey,
                ed448.Ed448PublicKey,
                x25519.X25519PrivateKey,
                x25519.X25519PublicKey,
                x448.X448PrivateKey,
                x448.X448PublicKey,
            ),
            "OKP",
        ),
        (
            (
                mldsa.MLDSA44PrivateKey,
                mldsa.MLDSA44PublicKey,
                mldsa.MLDSA65PrivateKey,
                mldsa.MLDSA65PublicKey,
                mldsa.MLDSA87PrivateKey,
                mldsa.MLDSA87PublicKey,
            ),
            "AKP",
        ),
    )
    for types, kty in checks:
        if isinstance(material, types):
            return Key._types[kty]
    return None


def _password_bytes(password: object) -> bytes | None:
    """A key's password as bytes; None or empty means none."""
    if password is None:
        return None
    if isinstance(password, str):
        try:
            return password.encode("utf-8") or None
        except UnicodeEncodeError:
            raise InvalidKeyError("The key's password is not valid Unicode") from None
    if isinstance(password, bytes | bytearray | memoryview):
        return bytes(password) or None
    raise InvalidOptionError("A key's password must be str or bytes")


def _load_pem(data: bytes, password: bytes | None) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        try:
            if b"-----BEGIN CERTIFICATE-----" in data:
                return x509.load_pem_x509_certificate(data).public_key()
            if b"-----BEGIN OPENSSH PRIVATE KEY-----" in data:
                return serialization.load_ssh_private_key(data, password)
            if b"PRIVATE KEY-----" in data:
                return serialization.load_pem_private_key(data, password)
            return serialization.load_pem_public_key(data)
        except TypeError as error:  # password missing, or given for an unencrypted key
            raise InvalidKeyError(f"Could not load PEM key: {error}") from None
        except Exception:
            raise InvalidKeyError(
                "Could not load PEM key: malformed, unsupported or wrong password"
            ) from None


def _load_der(data: bytes, password: bytes | None) -> Any:
    loaders = (
        lambda: serialization.load_der_private_key(data, password),
        lambda: serialization.load_der_public_key(data),
        lambda: x509.load_der_x509_certificate(data).public_key(),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        for load in loaders:
            try:
                return load()
            except TypeError as error:
                raise InvalidKeyError(f"Could not load DER key: {error}") from None
            except Exception:  # noqa: S112 - try the next DER structure
                continue
    return None


def _load_bytes(data: bytes, password: bytes | None) -> Any:
    stripped = data.strip()
    if stripped.startswith(b"{"):
        return json_loads_object(stripped, "JWK")
    if b"-----BEGIN" in stripped:
        # Tools such as `openssl pkcs12` put attribute lines before the PEM block.
        return _load_pem(stripped, password)
    if stripped.startswith(_SSH_PUBLIC_PREFIXES):
        try:
            return serialization.load_ssh_public_key(stripped)
        except Exception:
            raise InvalidKeyError("Could not load OpenSSH public key") from None
    material = _load_der(data, password)
    if material is None:
        raise InvalidKeyError(
            "Not a recognised key format (JWK, PEM, DER or OpenSSH). "
            "For an HMAC secret use jwtkit.OctKey.import_key(b'...')"
        )
    return material


def import_jwk(jwk: Mapping[str, Any], *, expected: type[Key] = Key) -> Key:
    """Validate a JWK mapping and build the key it describes."""
    if not isinstance(jwk, Mapping):
        raise InvalidKeyError("A JWK must be a JSON object")
    kty = jwk.get("kty")
    key_class = Key._types.get(kty) if isinstance(kty, str) else None
    if key_class is None:
        shown = kty if isinstance(kty, str) and len(kty) <= 16 else "(missing or invalid)"
        raise InvalidKeyError(f"JWK has an unsupported key type 'kty': {shown!r}")
    _check_expected(key_class, expected)
    material = key_class._from_jwk_members(jwk)
    extra = {
        name: value
        for name, value in jwk.items()
        if name not in COMMON_MEMBERS and name not in key_class.thumbprint_members
    }
    if key_class.kty == "AKP":
        extra.pop("alg", None)
    return key_class(
        material,
        kid=jwk.get("kid"),
        alg=jwk.get("alg"),
        use=jwk.get("use"),
        key_ops=jwk.get("key_ops"),
        extra=extra,
    )


def _check_expected(key_class: type[Key], expected: type[Key]) -> None:
    if not issubclass(key_class, expected):
        raise InvalidKeyError(f"Expected a {expected.kty} key, got a {key_class.kty} key")


def import_any(
    data: Any,
    *,
    password: bytes | str | None,
    kid: str | None,
    alg: str | None,
    use: str | None,
    expected: type[Key],
) -> Key:
    """Import ``data`` in any supported form; see :meth:`Key.import_key`."""
    if isinstance(data, Key):
        _check_expected(type(data), expected)
        if kid is None and alg is None and use is None:
            return data
        return _with_metadata(data, kid=kid, alg=alg, use=use)
    if isinstance(data, str):
        try:
            data = data.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidKeyError("Key text is not valid Unicode") from None
    if isinstance(data, bytearray | memoryview):
        data = bytes(data)
    try:
        if isinstance(data, bytes):
            data = _load_bytes(data, _password_bytes(password))
        if isinstance(data, Mapping):
            key = import_jwk(data, expected=expected)
            if kid is None and alg is None and use is None:
                return key
            return _with_metadata(key, kid=kid, alg=alg, use=use)
    except JWTKitError as error:
        if isinstance(error, InvalidKeyError):
            raise
        raise InvalidKeyError(str(error)) from None
    if isinstance(data, x509.Certificate):
        data = data.public_key()
    key_class = key_class_for_object(data)
    if key_class is None:
        raise InvalidKeyError(f"Cannot import a key from {type(data).__name__}")
    _check_expected(key_class, expected)
    return key_class._from_material(data, kid=kid, alg=alg, use=use)


def _with_metadata(key: Key, **overrides: str | None) -> Key:
    jwk = key.to_dict(private=key.is_private)
    jwk.update({name: value for name, value in overrides.items() if value is not None})
    return import_jwk(jwk)


def export_pem(key: Key, *, private: bool, password: bytes | str | None) -> bytes:
    """Serialize an asymmetric key as PKCS#8 (private) or SubjectPublicKeyInfo (public) PEM."""
    from ._asymmetric import AsymmetricKey

    if not isinstance(key, AsymmetricKey):
        raise InvalidKeyError("Only asymmetric keys have a PEM form")
    if private:
        secret = _password_bytes(password)
        if secret is None and password is not None:
            # An unset environment variable read as "" would otherwise write the key in clear.
            raise InvalidOptionError(
                "An empty password would export the private key unencrypted; pass "
                "password=None to export it unencrypted on purpose"
            )
        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(secret)
            if secret
            else serialization.NoEncryption()
        )
        pem: bytes = key.private_key_object.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
        )
        return pem
    public: bytes = key.public_key_object.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return public

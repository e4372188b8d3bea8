"""Key.import_key from every outside form: JWK, PEM (PKCS#1, PKCS#8, encrypted PKCS#8, SPKI,
SEC1, X.509), DER, OpenSSH public and private keys, and ``cryptography`` key objects."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID

from jwtkit import ECKey, InvalidKeyError, JWTKitError, Key, OctKey, OKPKey, RSAKey

Encoding = serialization.Encoding
PrivateFormat = serialization.PrivateFormat
PublicFormat = serialization.PublicFormat

RSA_PRIVATE = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_PRIVATE = ec.generate_private_key(ec.SECP256R1())
ED25519_PRIVATE = ed25519.Ed25519PrivateKey.generate()


def _public_jwk(key_object: Any) -> dict[str, Any]:
    return Key.import_key(key_object).public_key().to_dict()


def _self_signed_certificate(private_key: Any) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "jwtkit test")])
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private_key.public_key())
        .serial_number(1)
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=1))
        # Ed25519 certificates are signed without a separate hash.
        .sign(
            private_key,
            None if isinstance(private_key, ed25519.Ed25519PrivateKey) else hashes.SHA256(),
        )
    )


# -- PEM ---------------------------------------------------------------------------------


def test_imports_pkcs1_rsa_private_and_public_pem() -> None:
    private_pem = RSA_PRIVATE.private_bytes(
        Encoding.PEM, PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )
    assert private_pem.startswith(b"-----BEGIN RSA PRIVATE KEY-----")
    key = Key.import_key(private_pem)
    assert isinstance(key, RSAKey) and key.is_private
    assert key.public_key().to_dict() == _public_jwk(RSA_PRIVATE)
    public_pem = RSA_PRIVATE.public_key().public_bytes(Encoding.PEM, PublicFormat.PKCS1)
    assert public_pem.startswith(b"-----BEGIN RSA PUBLIC KEY-----")
    public = Key.import_key(public_pem.decode())  # str works as well as bytes
    assert not public.is_private
    assert public.to_dict() == _public_jwk(RSA_PRIVATE)


@pytest.mark.parametrize("key_object", [RSA_PRIVATE, EC_PRIVATE, ED25519_PRIVATE])
def test_imports_pkcs8_and_spki_pem(key_object: Any) -> None:
    private_pem = key_object.private_bytes(
        Encoding.PEM, PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    assert Key.import_key(private_pem).public_key().to_dict() == _public_jwk(key_object)
    spki = key_object.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    assert Key.import_key(spki).to_dict() == _public_jwk(key_object)


def test_imports_encrypted_pkcs8_with_password_str_or_bytes() -> None:
    pem = EC_PRIVATE.private_bytes(
        Encoding.PEM, PrivateFormat.PKCS8, serialization.BestAvailableEncryption(b"s3cret")
    )
    assert b"ENCRYPTED PRIVATE KEY" in pem
    for password in ("s3cret", b"s3cret"):
        key = Key.import_key(pem, password=password)
        assert key.is_private
        assert key.public_key().to_dict() == _public_jwk(EC_PRIVATE)


def test_rejects_encrypted_pem_without_or_with_a_wrong_password() -> None:
    pem = EC_PRIVATE.private_bytes(
        Encoding.PEM, PrivateFormat.PKCS8, serialization.BestAvailableEncryption(b"s3cret")
    )
    with pytest.raises(InvalidKeyError):
        Key.import_key(pem)
    with pytest.raises(InvalidKeyError):
        Key.import_key(pem, password="wrong")


def test_imports_sec1_ec_private_pem() -> None:
    pem = EC_PRIVATE.private_bytes(
        Encoding.PEM, PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )
    assert pem.startswith(b"-----BEGIN EC PRIVATE KEY-----")
    key = Key.import_key(pem)
    assert isinstance(key, ECKey) and key.is_private and key.curve == "P-256"


@pytest.mark.parametrize("key_object", [RSA_PRIVATE, EC_PRIVATE, ED25519_PRIVATE])
def test_imports_the_public_key_of_an_x509_certificate_pem_and_der(key_object: Any) -> None:
    certificate = _self_signed_certificate(key_object)
    for encoded in (
        certificate.public_bytes(Encoding.PEM),
        certificate.public_bytes(Encoding.DER),
    ):
        key = Key.import_key(encoded)
        assert not key.is_private
        assert key.to_dict() == _public_jwk(key_object)


def test_imports_an_x509_certificate_object() -> None:
    key = Key.import_key(_self_signed_certificate(EC_PRIVATE))
    assert key.to_dict() == _public_jwk(EC_PRIVATE)


def test_imports_pem_preceded_by_attribute_lines() -> None:
    pem = EC_PRIVATE.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, serialization.NoEncryption())
    bag = b"Bag Attributes\n    localKeyID: 01 02 03\nKey Attributes: <No Attributes>\n" + pem
    assert Key.import_key(bag).public_key().to_dict() == _public_jwk(EC_PRIVATE)


# -- DER ---------------------------------------------------------------------------------


@pytest.mark.parametrize("key_object", [RSA_PRIVATE, EC_PRIVATE, ED25519_PRIVATE])
def test_imports_der_private_and_public(key_object: Any) -> None:
    private_der = key_object.private_bytes(
        Encoding.DER, PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    private = Key.import_key(private_der)
    assert private.is_private
    assert private.public_key().to_dict() == _public_jwk(key_object)
    public_der = key_object.public_key().public_bytes(
        Encoding.DER, PublicFormat.SubjectPublicKeyInfo
    )
    public = Key.import_key(public_der)
    assert not public.is_private
    assert public.to_dict() == _public_jwk(key_object)


def test_imports_encrypted_der_with_password() -> None:
    der = RSA_PRIVATE.private_bytes(
        Encoding.DER, PrivateFormat.PKCS8, serialization.BestAvailableEncryption(b"pw")
    )
    assert Key.import_key(der, password="pw").is_private
    with pytest.raises(InvalidKeyError):
        Key.import_key(der)


# -- OpenSSH ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key_object", "prefix"),
    [
        (RSA_PRIVATE, b"ssh-rsa "),
        (ED25519_PRIVATE, b"ssh-ed25519 "),
        (EC_PRIVATE, b"ecdsa-sha2-nistp256 "),
    ],
)
def test_imports_openssh_public_keys(key_object: Any, prefix: bytes) -> None:
    line = key_object.public_key().public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH)
    assert line.startswith(prefix)
    key = Key.import_key(line + b" user@host\n")
    assert not key.is_private
    assert key.to_dict() == _public_jwk(key_object)


@pytest.mark.parametrize("key_object", [RSA_PRIVATE, EC_PRIVATE, ED25519_PRIVATE])
def test_imports_openssh_private_keys(key_object: Any) -> None:
    # Encrypted OpenSSH keys need the optional bcrypt module, which jwtkit does not require.
    pem = key_object.private_bytes(
        Encoding.PEM, PrivateFormat.OpenSSH, serialization.NoEncryption()
    )
    assert pem.startswith(b"-----BEGIN OPENSSH PRIVATE KEY-----")
    key = Key.import_key(pem)
    assert key.is_private
    assert key.public_key().to_dict() == _public_jwk(key_object)


def test_rejects_malformed_openssh_public_key() -> None:
    with pytest.raises(InvalidKeyError):
        Key.import_key(b"ssh-ed25519 AAAAnotbase64!!")


# -- JWK text, key objects, Key objects -----------------------------------------------


def test_imports_jwk_json_text_as_str_and_bytes() -> None:
    jwk = Key.import_key(EC_PRIVATE).to_dict(private=True)
    assert Key.import_key(json.dumps(jwk)).to_dict(private=True) == jwk
    assert Key.import_key(json.dumps(jwk).encode()).to_dict(private=True) == jwk


def test_imports_cryptography_key_objects_private_and_public() -> None:
    assert isinstance(Key.import_key(RSA_PRIVATE.public_key()), RSAKey)
    assert isinstance(Key.import_key(ED25519_PRIVATE), OKPKey)
    assert not Key.import_key(EC_PRIVATE.public_key()).is_private


def test_import_key_sets_kid_alg_use() -> None:
    key = Key.import_key(EC_PRIVATE, kid="a", alg="ES256", use="sig")
    assert (key.kid, key.alg, key.use) == ("a", "ES256", "sig")
    jwk_key = Key.import_key(key.to_dict(), kid="b")
    assert (jwk_key.kid, jwk_key.alg, jwk_key.use) == ("b", "ES256", "sig")
    # A Key passes through unchanged, or re-labelled when metadata is given.
    assert Key.import_key(key) is key
    assert Key.import_key(key, kid="c").kid == "c"


def test_rejects_import_metadata_that_contradicts_the_key() -> None:
    with pytest.raises(InvalidKeyError):
        Key.import_key(EC_PRIVATE, alg="ES384")
    with pytest.raises(InvalidKeyError):
        Key.import_key(RSA_PRIVATE, alg="HS256")


def test_subclass_import_insists_on_its_own_type() -> None:
    assert isinstance(ECKey.import_key(EC_PRIVATE), ECKey)
    with pytest.raises(InvalidKeyError):
        RSAKey.import_key(EC_PRIVATE)
    with pytest.raises(InvalidKeyError):
        RSAKey.from_dict(Key.import_key(EC_PRIVATE).to_dict())
    with pytest.raises(InvalidKeyError):
        OKPKey.import_key(Key.import_key(EC_PRIVATE))


# -- bytes are never an HMAC secret by accident ---------------------------------------


@pytest.mark.parametrize(
    "data", [b"my-shared-secret-that-is-long-enough!!", "a str secret", b"\x00" * 32]
)
def test_import_key_never_takes_bytes_as_an_hmac_secret(data: bytes | str) -> None:
    with pytest.raises(InvalidKeyError, match="OctKey"):
        Key.import_key(data)
    assert isinstance(OctKey.import_key(data), OctKey)


def test_rejects_public_pem_or_ssh_key_as_oct_secret() -> None:
    # Algorithm confusion: the public key's text must never become an HMAC secret.
    public = RSA_PRIVATE.public_key()
    for text in (
        public.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo),
        public.public_bytes(Encoding.PEM, PublicFormat.PKCS1).decode(),
        public.public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH),
        b"\n  " + public.public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH),
    ):
        with pytest.raises(InvalidKeyError, match="symmetric secret"):
            OctKey.import_key(text)


def test_rejects_oct_secret_text_that_is_not_valid_unicode() -> None:
    with pytest.raises(InvalidKeyError):
        OctKey.import_key("\udfff")


def test_rejects_unsupported_objects() -> None:
    for value in (None, 42, 3.5, ["kty"], object()):
        with pytest.raises(InvalidKeyError):
            Key.import_key(value)


def test_rejects_key_objects_jwtkit_does_not_support() -> None:
    # secp224r1 has no JOSE name; DSA keys have no JWK form at all.
    from cryptography.hazmat.primitives.asymmetric import dsa

    with pytest.raises(InvalidKeyError):
        Key.import_key(ec.generate_private_key(ec.SECP224R1()))
    dsa_pem = (
        dsa.generate_private_key(2048)
        .public_key()
        .public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    )
    with pytest.raises(InvalidKeyError):
        Key.import_key(dsa_pem)


@pytest.mark.parametrize(
    "data",
    [
        b"-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n",
        b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        b"-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n",
        b"0\x82\x01\x00garbage",
        b"{not json",
        b'{"kty": "RSA", "kty": "EC"}',
        b"",
    ],
)
def test_rejects_malformed_key_text_with_a_jwtkit_error(data: bytes) -> None:
    with pytest.raises(InvalidKeyError):
        Key.import_key(data)


def test_import_errors_are_jwtkit_errors() -> None:
    assert issubclass(InvalidKeyError, JWTKitError)

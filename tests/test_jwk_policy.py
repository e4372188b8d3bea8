"""Policy on key use: strength (RSA >= 2048 bits, HMAC secret >= hash size) for signing and
verifying, the ``allow_weak_keys`` opt-out for verifying legacy tokens only, and ``use`` /
``key_ops`` / ``alg`` bindings honoured by every operation."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

import jwtkit
from jwtkit import (
    InsecureKeyError,
    InvalidAlgorithmError,
    InvalidKeyError,
    JWTKitError,
    Key,
    KeySet,
    OctKey,
    Verifier,
)
from jwtkit._codec import b64url_encode, json_dumps
from jwtkit.jwa import SIGNATURE_ALGORITHMS

NOW = 1_700_000_000
WEAK_RSA_OBJECT = rsa.generate_private_key(public_exponent=65537, key_size=1024)
WEAK_RSA = Key.import_key(WEAK_RSA_OBJECT)
SHORT_SECRET = b"too-short"


def _segment(value: Any) -> str:
    return b64url_encode(json_dumps(value)).decode("ascii")


def _legacy_token(alg: str, sign: Any) -> str:
    """A token as an old issuer made it, signed without jwtkit's policy in the way."""
    signing_input = f"{_segment({'alg': alg, 'typ': 'JWT'})}.{_segment({'sub': 'legacy'})}"
    signature = sign(signing_input.encode("ascii"))
    return f"{signing_input}.{b64url_encode(signature).decode('ascii')}"


def _weak_rsa_token() -> str:
    return _legacy_token(
        "RS256", lambda data: WEAK_RSA_OBJECT.sign(data, padding.PKCS1v15(), hashes.SHA256())
    )


def _short_hmac_token() -> str:
    return _legacy_token("HS256", lambda data: hmac.digest(SHORT_SECRET, data, hashlib.sha256))


# -- strength: refused for signing and, by default, verifying ---------------------------


def test_rejects_signing_with_rsa_key_under_2048_bits() -> None:
    with pytest.raises(InsecureKeyError, match="2048"):
        jwtkit.jws.sign(b"payload", WEAK_RSA, "RS256")
    with pytest.raises(InsecureKeyError):
        jwtkit.encode({"sub": "x"}, WEAK_RSA, "PS256")


def test_rejects_verifying_with_rsa_key_under_2048_bits_by_default() -> None:
    token = _weak_rsa_token()
    with pytest.raises(InsecureKeyError):
        jwtkit.jws.verify(token, WEAK_RSA.public_key(), ["RS256"])
    with pytest.raises(InsecureKeyError):
        jwtkit.decode(token, WEAK_RSA.public_key(), ["RS256"])
    with pytest.raises(InsecureKeyError):
        Verifier(WEAK_RSA.public_key(), ["RS256"], clock=lambda: NOW).verify(token)


def test_allow_weak_keys_verifies_legacy_rsa_tokens() -> None:
    token = _weak_rsa_token()
    public = WEAK_RSA.public_key()
    assert jwtkit.jws.verify(token, public, ["RS256"], allow_weak_keys=True).payload == (
        b'{"sub":"legacy"}'
    )
    assert jwtkit.decode(token, public, ["RS256"], allow_weak_keys=True) == {"sub": "legacy"}
    verifier = Verifier(public, ["RS256"], clock=lambda: NOW, allow_weak_keys=True)
    assert verifier.verify(token) == {"sub": "legacy"}


def test_allow_weak_keys_never_lets_a_weak_key_sign() -> None:
    for key, alg in ((WEAK_RSA, "RS256"), (OctKey.import_key(SHORT_SECRET), "HS256")):
        algorithm = SIGNATURE_ALGORITHMS[alg]
        with pytest.raises(InsecureKeyError):
            key._material_for(algorithm, "sign", allow_weak=True)


def test_weak_signing_needs_the_insecure_flag_and_only_signs() -> None:
    # The PyJWT drop-in's enforce_minimum_key_length=False is the one caller of this flag.
    for key, alg in ((WEAK_RSA, "RS256"), (OctKey.import_key(SHORT_SECRET), "HS256")):
        algorithm = SIGNATURE_ALGORITHMS[alg]
        material = key._material_for(algorithm, "sign", insecure_sign_with_weak_key=True)
        assert algorithm.sign(material, b"legacy")
        # The flag does not leak into later calls through the material cache ...
        with pytest.raises(InsecureKeyError):
            key._material_for(algorithm, "sign")
        # ... and it does not relax verifying, which has its own opt-in.
        with pytest.raises(InsecureKeyError):
            key._material_for(algorithm, "verify", insecure_sign_with_weak_key=True)


def test_default_stays_strict_on_every_signing_path() -> None:
    import jwtkit.compat.pyjwt as compat

    for key, alg in ((WEAK_RSA, "RS256"), (SHORT_SECRET, "HS256")):
        with pytest.raises(InsecureKeyError):
            jwtkit.encode({"sub": "x"}, key, alg)
        with pytest.raises(InsecureKeyError):
            jwtkit.jws.sign(b"p", key if isinstance(key, Key) else OctKey(key), alg)
        with pytest.raises(InsecureKeyError):
            compat.encode({"sub": "x"}, key if isinstance(key, bytes) else WEAK_RSA_OBJECT, alg)
        with pytest.raises(InsecureKeyError):
            compat.PyJWS().encode(b"p", key if isinstance(key, bytes) else WEAK_RSA_OBJECT, alg)


def test_rejects_signing_with_hmac_secret_shorter_than_the_hash() -> None:
    with pytest.raises(InsecureKeyError, match=r"secrets\.token_bytes"):
        jwtkit.encode({"sub": "x"}, SHORT_SECRET, "HS256")
    # 32 bytes is enough for HS256 but not for HS384 (48) or HS512 (64).
    secret = OctKey.import_key(b"k" * 32)
    assert jwtkit.jws.sign(b"p", secret, "HS256")
    for alg in ("HS384", "HS512"):
        with pytest.raises(InsecureKeyError):
            jwtkit.jws.sign(b"p", secret, alg)


def test_rejects_verifying_with_short_hmac_secret_unless_opted_out() -> None:
    token = _short_hmac_token()
    with pytest.raises(InsecureKeyError):
        jwtkit.decode(token, SHORT_SECRET, ["HS256"])
    with pytest.raises(InsecureKeyError):
        jwtkit.jws.verify(token, OctKey.import_key(SHORT_SECRET), ["HS256"])
    assert jwtkit.decode(token, SHORT_SECRET, ["HS256"], allow_weak_keys=True) == {"sub": "legacy"}
    verifier = Verifier(SHORT_SECRET, ["HS256"], clock=lambda: NOW, allow_weak_keys=True)
    assert verifier.verify(token) == {"sub": "legacy"}


def test_allow_weak_keys_still_checks_the_signature() -> None:
    token = _weak_rsa_token()
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(JWTKitError):
        jwtkit.jws.verify(forged, WEAK_RSA.public_key(), ["RS256"], allow_weak_keys=True)


# -- use / key_ops / alg bindings -------------------------------------------------------


def _labelled(key: Key, **members: Any) -> Key:
    jwk = key.to_dict(private=key.is_private)
    jwk.update(members)
    return Key.from_dict(jwk)


def test_enc_key_never_verifies_a_signature() -> None:
    signer = Key.generate("ES256")
    token = jwtkit.jws.sign(b"p", signer, "ES256")
    encryption_key = _labelled(signer.public_key(), use="enc")
    with pytest.raises(InvalidAlgorithmError, match="use"):
        jwtkit.jws.verify(token, encryption_key, ["ES256"])
    with pytest.raises(JWTKitError):
        jwtkit.decode(token, encryption_key, ["ES256"])
    # In a set, the kid names it but it still refuses.
    with pytest.raises(JWTKitError):
        jwtkit.jws.verify(token, KeySet([encryption_key]), ["ES256"])


def test_enc_key_cannot_sign() -> None:
    with pytest.raises(InvalidKeyError, match="use"):
        jwtkit.jws.sign(b"p", _labelled(Key.generate("ES256"), use="enc"), "ES256")


def test_verify_only_key_ops_cannot_sign() -> None:
    key = _labelled(Key.generate("Ed25519"), key_ops=["verify"])
    with pytest.raises(InvalidKeyError, match="key_ops"):
        jwtkit.jws.sign(b"p", key, "Ed25519")
    with pytest.raises(InvalidKeyError, match="key_ops"):
        jwtkit.encode({"a": 1}, key, "Ed25519")


def test_sign_only_key_ops_cannot_verify() -> None:
    signer = Key.generate("ES256")
    token = jwtkit.jws.sign(b"p", signer, "ES256")
    sign_only = _labelled(signer, key_ops=["sign"])
    with pytest.raises(InvalidAlgorithmError, match="key_ops"):
        jwtkit.jws.verify(token, sign_only, ["ES256"])


def test_key_ops_sign_verify_allows_both() -> None:
    key = _labelled(Key.generate("ES256"), key_ops=["sign", "verify"], use="sig")
    token = jwtkit.jws.sign(b"p", key, "ES256")
    assert jwtkit.jws.verify(token, key, ["ES256"]).payload == b"p"


def test_rejects_token_algorithm_other_than_the_keys_alg() -> None:
    # The key says RS256; a PS256 token (allowed by the caller) must still not use it.
    signer = Key.generate("PS256")
    token = jwtkit.jws.sign(b"p", signer, "PS256")
    bound = _labelled(signer.public_key(), alg="RS256")
    with pytest.raises(InvalidAlgorithmError):
        jwtkit.jws.verify(token, bound, ["RS256", "PS256"])


def test_rejects_hmac_token_against_rsa_key_object() -> None:
    # Algorithm confusion: HS256 with the public key's bytes as the secret.
    public = Key.generate("RS256").public_key()
    pem = public.to_pem()
    token = _legacy_token("HS256", lambda data: hmac.digest(pem, data, hashlib.sha256))
    with pytest.raises(JWTKitError):
        jwtkit.jws.verify(token, public, ["HS256", "RS256"])
    with pytest.raises(JWTKitError):
        jwtkit.decode(token, pem, ["HS256", "RS256"])


def test_public_key_cannot_sign() -> None:
    with pytest.raises(InvalidKeyError, match="private key"):
        jwtkit.jws.sign(b"p", Key.generate("ES256").public_key(), "ES256")

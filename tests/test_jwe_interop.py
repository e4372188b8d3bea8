"""Interoperability with joserfc and jwcrypto: each direction, every alg/enc pair shared.

Neither library implements RSA-OAEP-384 or RSA-OAEP-512, so those two are exercised by the
jwtkit round-trip tests only. RSA1_5 is checked in the one direction jwtkit supports.
"""

from __future__ import annotations

import json
import warnings
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, x448, x25519
from joserfc import jwe as joserfc_jwe
from joserfc import jwk as joserfc_jwk
from joserfc.jwe import JWERegistry
from jwcrypto import jwe as jwcrypto_jwe
from jwcrypto import jwk as jwcrypto_jwk
from jwcrypto.jwa import JWA

import jwtkit
from jwtkit import jwe
from jwtkit.jwa.encryption import CONTENT_ENCRYPTION_ALGORITHMS, KEY_MANAGEMENT_ALGORITHMS

ENCRYPTIONS = sorted(CONTENT_ENCRYPTION_ALGORITHMS)
OURS = {name for name, algorithm in KEY_MANAGEMENT_ALGORITHMS.items() if not algorithm.decrypt_only}
JOSERFC_ALGS = sorted(OURS & set(JWERegistry.algorithms["alg"]))
JWCRYPTO_ALGS = sorted(OURS & set(JWA.algorithms_registry))
PASSWORD = "interop password"
P2C = 2048  # within both libraries' limits (jwcrypto refuses more than 16384)

RSA = jwtkit.RSAKey(KEY_MANAGEMENT_ALGORITHMS["RSA-OAEP"].generate_key())
CURVES = {
    "P-256": jwtkit.ECKey(ec.generate_private_key(ec.SECP256R1())),
    "P-384": jwtkit.ECKey(ec.generate_private_key(ec.SECP384R1())),
    "P-521": jwtkit.ECKey(ec.generate_private_key(ec.SECP521R1())),
    "X25519": jwtkit.OKPKey(x25519.X25519PrivateKey.generate()),
    "X448": jwtkit.OKPKey(x448.X448PrivateKey.generate()),
}


def _key(alg: str, enc: str, curve: str = "P-256") -> jwtkit.Key:
    algorithm = KEY_MANAGEMENT_ALGORITHMS[alg]
    if algorithm.key_type == "RSA":
        return RSA
    if algorithm.key_type == "EC":
        return CURVES[curve]
    if alg.startswith("PBES2"):
        return jwtkit.OctKey(PASSWORD.encode())
    size = CONTENT_ENCRYPTION_ALGORITHMS[enc].key_size if alg == "dir" else algorithm.min_key_size
    return jwtkit.OctKey(bytes(range(1, size + 1)))


def _headers(alg: str) -> dict[str, Any]:
    return {"p2c": P2C} if alg.startswith("PBES2") else {}


def _public(key: jwtkit.Key) -> jwtkit.Key:
    return key if key.kty == "oct" else key.public_key()


def _jwk(key: jwtkit.Key) -> dict[str, Any]:
    return key.to_dict(private=key.is_private)


def _joserfc_key(key: jwtkit.Key) -> Any:
    return joserfc_jwk.import_key(_jwk(key))


def _jwcrypto_key(key: jwtkit.Key) -> Any:
    return jwcrypto_jwk.JWK(**_jwk(key))


def _plaintext(alg: str, enc: str) -> bytes:
    return f"interop {alg} {enc} ✓".encode()


JOSERFC_PAIRS = [(alg, enc) for alg in JOSERFC_ALGS for enc in ENCRYPTIONS]
JWCRYPTO_PAIRS = [(alg, enc) for alg in JWCRYPTO_ALGS for enc in ENCRYPTIONS]


def test_the_shared_sets_are_what_the_docs_say() -> None:
    assert sorted(OURS - set(JOSERFC_ALGS)) == ["RSA-OAEP-384", "RSA-OAEP-512"]
    assert sorted(OURS - set(JWCRYPTO_ALGS)) == ["RSA-OAEP-384", "RSA-OAEP-512"]


# -- joserfc --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("alg", "enc"), JOSERFC_PAIRS, ids=[f"{a}-{e}" for a, e in JOSERFC_PAIRS])
def test_joserfc_decrypts_jwtkit(alg: str, enc: str) -> None:
    key = _key(alg, enc)
    token = jwe.encrypt(_plaintext(alg, enc), _public(key), alg, enc, headers=_headers(alg))
    opened = joserfc_jwe.decrypt_compact(token, _joserfc_key(key), algorithms=[alg, enc])
    assert opened.plaintext == _plaintext(alg, enc)


@pytest.mark.parametrize(("alg", "enc"), JOSERFC_PAIRS, ids=[f"{a}-{e}" for a, e in JOSERFC_PAIRS])
def test_jwtkit_decrypts_joserfc(alg: str, enc: str) -> None:
    key = _key(alg, enc)
    protected = {"alg": alg, "enc": enc, **_headers(alg)}
    token = joserfc_jwe.encrypt_compact(
        protected, _plaintext(alg, enc), _joserfc_key(_public(key)), algorithms=[alg, enc]
    )
    assert jwe.decrypt(token, key, [alg], [enc]).plaintext == _plaintext(alg, enc)


@pytest.mark.parametrize("curve", sorted(CURVES))
def test_joserfc_ecdh_es_on_every_curve_both_ways(curve: str) -> None:
    key = CURVES[curve]
    for alg in ("ECDH-ES", "ECDH-ES+A256KW"):
        token = jwe.encrypt(b"curve", key.public_key(), alg, "A256GCM")
        opened = joserfc_jwe.decrypt_compact(token, _joserfc_key(key), algorithms=[alg, "A256GCM"])
        assert opened.plaintext == b"curve"
        token = joserfc_jwe.encrypt_compact(
            {"alg": alg, "enc": "A256GCM"},
            b"curve",
            _joserfc_key(key.public_key()),
            algorithms=[alg, "A256GCM"],
        )
        assert jwe.decrypt(token, key, [alg], ["A256GCM"]).plaintext == b"curve"


def test_joserfc_zip_def_both_ways() -> None:
    key = _key("A128KW", "A128GCM")
    plaintext = b"compress me " * 40
    token = jwe.encrypt(plaintext, key, "A128KW", "A128GCM", zip="DEF")
    opened = joserfc_jwe.decrypt_compact(
        token, _joserfc_key(key), algorithms=["A128KW", "A128GCM", "DEF"]
    )
    assert opened.plaintext == plaintext
    token = joserfc_jwe.encrypt_compact(
        {"alg": "A128KW", "enc": "A128GCM", "zip": "DEF"},
        plaintext,
        _joserfc_key(key),
        algorithms=["A128KW", "A128GCM", "DEF"],
    )
    assert jwe.decrypt(token, key, ["A128KW"], ["A128GCM"]).plaintext == plaintext


def test_joserfc_general_json_with_several_recipients_both_ways() -> None:
    oct_key = jwtkit.OctKey(bytes(range(32)), kid="oct")
    rsa_key = jwtkit.RSAKey(RSA._material, kid="rsa")
    algorithms = ["A256KW", "RSA-OAEP-256", "A256GCM"]
    document = jwe.encrypt_json(
        b"json both ways",
        [(oct_key, "A256KW"), (rsa_key.public_key(), "RSA-OAEP-256")],
        "A256GCM",
        aad=b"aad",
    )
    registry = JWERegistry(algorithms=algorithms, verify_all_recipients=False)
    for key in (oct_key, rsa_key):
        opened = joserfc_jwe.decrypt_json(document, _joserfc_key(key), registry=registry)
        assert opened.plaintext == b"json both ways"
    obj = joserfc_jwe.GeneralJSONEncryption({"enc": "A256GCM"}, b"json both ways", aad=b"aad")
    obj.add_recipient({"alg": "A256KW", "kid": "oct"}, _joserfc_key(oct_key))
    obj.add_recipient({"alg": "RSA-OAEP-256", "kid": "rsa"}, _joserfc_key(rsa_key.public_key()))
    produced = joserfc_jwe.encrypt_json(obj, None, algorithms=algorithms)
    keys = jwtkit.KeySet([oct_key, rsa_key])
    opened_here = jwe.decrypt_json(produced, keys, ["A256KW", "RSA-OAEP-256"], ["A256GCM"])
    assert (opened_here.plaintext, opened_here.aad) == (b"json both ways", b"aad")


# -- jwcrypto -------------------------------------------------------------------------------------


def _jwcrypto_decrypt(token: str, key: jwtkit.Key, allowed: list[str]) -> bytes:
    received = jwcrypto_jwe.JWE(algs=allowed)
    received.deserialize(token, key=_jwcrypto_key(key))
    payload: bytes = received.payload
    return payload


@pytest.mark.parametrize(
    ("alg", "enc"), JWCRYPTO_PAIRS, ids=[f"{a}-{e}" for a, e in JWCRYPTO_PAIRS]
)
def test_jwcrypto_decrypts_jwtkit(alg: str, enc: str) -> None:
    key = _key(alg, enc)
    token = jwe.encrypt(_plaintext(alg, enc), _public(key), alg, enc, headers=_headers(alg))
    assert _jwcrypto_decrypt(token, key, [alg, enc]) == _plaintext(alg, enc)


@pytest.mark.parametrize(
    ("alg", "enc"), JWCRYPTO_PAIRS, ids=[f"{a}-{e}" for a, e in JWCRYPTO_PAIRS]
)
def test_jwtkit_decrypts_jwcrypto(alg: str, enc: str) -> None:
    key = _key(alg, enc)
    protected = {"alg": alg, "enc": enc, **_headers(alg)}
    sent = jwcrypto_jwe.JWE(_plaintext(alg, enc), protected=json.dumps(protected), algs=[alg, enc])
    sent.add_recipient(_jwcrypto_key(_public(key)))
    token = sent.serialize(compact=True)
    assert jwe.decrypt(token, key, [alg], [enc]).plaintext == _plaintext(alg, enc)


@pytest.mark.parametrize("curve", sorted(CURVES))
def test_jwcrypto_ecdh_es_on_every_curve_both_ways(curve: str) -> None:
    key = CURVES[curve]
    for alg in ("ECDH-ES", "ECDH-ES+A128KW"):
        token = jwe.encrypt(b"curve", key.public_key(), alg, "A128GCM")
        assert _jwcrypto_decrypt(token, key, [alg, "A128GCM"]) == b"curve"
        sent = jwcrypto_jwe.JWE(b"curve", protected=json.dumps({"alg": alg, "enc": "A128GCM"}))
        sent.add_recipient(_jwcrypto_key(key.public_key()))
        token = sent.serialize(compact=True)
        assert jwe.decrypt(token, key, [alg], ["A128GCM"]).plaintext == b"curve"


def test_jwcrypto_general_json_with_several_recipients_both_ways() -> None:
    oct_key = jwtkit.OctKey(bytes(range(16)), kid="oct")
    ec_key = jwtkit.ECKey(CURVES["P-384"]._material, kid="ec")
    document = jwe.encrypt_json(
        b"json both ways",
        [(oct_key, "A128GCMKW"), (ec_key.public_key(), "ECDH-ES+A192KW")],
        "A192CBC-HS384",
        unprotected={"cty": "text/plain"},
        aad=b"aad",
    )
    for key in (oct_key, ec_key):
        allowed = ["A128GCMKW", "ECDH-ES+A192KW", "A192CBC-HS384"]
        assert _jwcrypto_decrypt(json.dumps(document), key, allowed) == b"json both ways"
    sent = jwcrypto_jwe.JWE(
        b"json both ways", protected=json.dumps({"enc": "A192CBC-HS384"}), aad=b"aad"
    )
    sent.add_recipient(
        _jwcrypto_key(oct_key), header=json.dumps({"alg": "A128GCMKW", "kid": "oct"})
    )
    sent.add_recipient(
        _jwcrypto_key(ec_key.public_key()),
        header=json.dumps({"alg": "ECDH-ES+A192KW", "kid": "ec"}),
    )
    produced = sent.serialize()
    keys = jwtkit.KeySet([ec_key])
    opened = jwe.decrypt_json(produced, keys, ["A128GCMKW", "ECDH-ES+A192KW"], ["A192CBC-HS384"])
    assert (opened.plaintext, opened.aad, opened.key) == (b"json both ways", b"aad", ec_key)


def test_rsa1_5_from_jwcrypto_and_joserfc_opens_only_when_named() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sent = jwcrypto_jwe.JWE(
            b"legacy",
            protected=json.dumps({"alg": "RSA1_5", "enc": "A128CBC-HS256"}),
            algs=["RSA1_5", "A128CBC-HS256"],
        )
        sent.add_recipient(_jwcrypto_key(RSA.public_key()))
        from_jwcrypto = sent.serialize(compact=True)
        from_joserfc = joserfc_jwe.encrypt_compact(
            {"alg": "RSA1_5", "enc": "A128CBC-HS256"},
            b"legacy",
            _joserfc_key(RSA.public_key()),
            algorithms=["RSA1_5", "A128CBC-HS256"],
        )
    for token in (from_jwcrypto, from_joserfc):
        assert jwe.decrypt(token, RSA, ["RSA1_5"], ["A128CBC-HS256"]).plaintext == b"legacy"
        with pytest.raises(jwtkit.InvalidAlgorithmError):
            jwe.decrypt(token, RSA, ["RSA-OAEP"], ["A128CBC-HS256"])

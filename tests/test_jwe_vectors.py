"""Conformance: RFC 7516 Appendix A, RFC 7518 Appendix C, RFC 7520 §5 and §6, RFC 8037.

Every vector decrypts. Where the vector gives every random input (CEK, IV, and the
ephemeral key, PBES2 salt or GCM key-wrap IV), encryption reproduces it byte for byte
through the private ``EncryptionInputs`` hook. RSA key encryption is randomized, so for the
RSA vectors everything except the encrypted key is reproduced.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import jwtkit
from jwtkit import jwe
from jwtkit._codec import b64url_decode
from jwtkit.jwa._jwe_base import EncryptionInputs
from jwtkit.jwa.content import A128GCM
from jwtkit.jwa.ecdh import ECDH_ES
from jwtkit.jwa.encryption import get_content_encryption_algorithm

VECTORS = Path(__file__).parent / "vectors"
COOKBOOK = VECTORS / "jose-cookbook"
COOKBOOK_JWE = sorted((COOKBOOK / "jwe").glob("*.json"))
RFC7516_DOCUMENT = json.loads((VECTORS / "jwe_rfc7516.json").read_text())
RFC7516 = RFC7516_DOCUMENT["vectors"]
RFC7516_JSON = RFC7516_DOCUMENT["json_vectors"]


def _key(data: Any) -> jwtkit.Key | jwtkit.KeySet:
    if isinstance(data, list):
        return jwtkit.KeySet([jwtkit.Key.from_dict(member) for member in data])
    return jwtkit.Key.from_dict(data)


def _cookbook_key(vector: dict[str, Any]) -> jwtkit.Key | jwtkit.KeySet:
    given = vector["input"]
    if "pwd" in given:
        return jwtkit.OctKey.import_key(given["pwd"].encode())
    return _key(given["key"])


def _algorithms(vector: dict[str, Any]) -> list[str]:
    alg = vector["input"]["alg"]
    return alg if isinstance(alg, list) else [alg]


def _encryptions(vector: dict[str, Any]) -> list[str]:
    # RFC 7520 §5.13's input names "A128CBC-H256" (a typo); its header says A128CBC-HS256.
    protected = vector["encrypting_content"].get("protected") or {}
    unprotected = vector["encrypting_content"].get("unprotected") or {}
    return [protected.get("enc") or unprotected.get("enc") or vector["input"]["enc"]]


def _inputs(vector: dict[str, Any]) -> EncryptionInputs:
    generated = vector["generated"]
    encrypting_key = vector.get("encrypting_key", {})
    ephemeral = None
    if "d" in encrypting_key.get("epk", {}):
        ephemeral = jwtkit.Key.from_dict(encrypting_key["epk"])._material
    return EncryptionInputs(
        cek=b64url_decode(generated["cek"]) if "cek" in generated else None,
        iv=b64url_decode(generated["iv"]),
        ephemeral_key=ephemeral,
        p2s=b64url_decode(encrypting_key["salt"]) if "salt" in encrypting_key else None,
        wrap_iv=b64url_decode(encrypting_key["iv"]) if "iv" in encrypting_key else None,
    )


def _caller_headers(protected: dict[str, Any]) -> dict[str, Any]:
    # What the caller passes: the rest (alg, kid, enc, zip, algorithm parameters) jwtkit adds.
    written = {"alg", "enc", "kid", "zip", "epk", "iv", "tag", "p2s"}
    return {name: value for name, value in protected.items() if name not in written}


def _recipient_key(key: jwtkit.Key) -> jwtkit.Key:
    return key if key.kty == "oct" else key.public_key()


# -- RFC 7516 Appendix A --------------------------------------------------------------------------


@pytest.mark.parametrize("vector", RFC7516, ids=[v["source"][:27] for v in RFC7516])
def test_rfc7516_appendix_a_decrypts(vector: dict[str, Any]) -> None:
    opened = jwe.decrypt(
        vector["compact"], jwtkit.Key.from_dict(vector["key"]), [vector["alg"]], [vector["enc"]]
    )
    assert opened.plaintext == vector["plaintext"].encode()
    assert opened.header == {"alg": vector["alg"], "enc": vector["enc"]}


@pytest.mark.parametrize("vector", [v for v in RFC7516 if v["alg"] != "RSA1_5"], ids=["A.1", "A.3"])
def test_rfc7516_appendix_a_encryption_reproduces_the_vector(vector: dict[str, Any]) -> None:
    key = jwtkit.Key.from_dict(vector["key"])
    inputs = EncryptionInputs(cek=b64url_decode(vector["cek"]), iv=b64url_decode(vector["iv"]))
    token = jwe._encrypt(
        vector["plaintext"].encode(),
        _recipient_key(key),
        vector["alg"],
        vector["enc"],
        None,
        None,
        inputs,
    )
    produced, expected = token.split("."), vector["compact"].split(".")
    if vector["alg"] == "RSA-OAEP":  # OAEP is randomized: all but the encrypted key match
        del produced[1], expected[1]
    assert produced == expected


def test_rfc7516_a2_rsa1_5_reproduces_all_but_the_randomized_encrypted_key() -> None:
    vector = next(v for v in RFC7516 if v["alg"] == "RSA1_5")
    # jwtkit never encrypts with RSA1_5, so the content encryption is reproduced on its own,
    # under the vector's protected header.
    encryption = get_content_encryption_algorithm(vector["enc"])
    header_segment, _, iv_segment, ciphertext_segment, tag_segment = vector["compact"].split(".")
    ciphertext, tag = encryption.encrypt(
        b64url_decode(vector["cek"]),
        b64url_decode(iv_segment),
        vector["plaintext"].encode(),
        header_segment.encode(),
    )
    assert (ciphertext, tag) == (b64url_decode(ciphertext_segment), b64url_decode(tag_segment))


@pytest.mark.parametrize("vector", RFC7516_JSON, ids=["A.4", "A.5"])
def test_rfc7516_appendix_a_json_serializations_decrypt(vector: dict[str, Any]) -> None:
    # The jku in the shared header is only carried along: it never supplies a key.
    for kid, member in vector["keys"].items():
        key = jwtkit.Key.from_dict({**member, "kid": kid})
        opened = jwe.decrypt_json(
            vector["json"], jwtkit.KeySet([key]), ["RSA1_5", "A128KW"], [vector["enc"]]
        )
        assert opened.plaintext == vector["plaintext"].encode()
        assert opened.header["kid"] == kid
        assert opened.header["jku"] == "https://server.example.com/keys.jwks"


def test_rfc7516_a5_flattened_encryption_reproduces_the_vector() -> None:
    vector = RFC7516_JSON[1]
    document = jwe._encrypt_json(
        vector["plaintext"].encode(),
        [(jwtkit.Key.from_dict(vector["keys"]["7"]), "A128KW", {"alg": "A128KW", "kid": "7"})],
        vector["enc"],
        {"enc": vector["enc"]},
        {"jku": "https://server.example.com/keys.jwks"},
        None,
        None,
        True,
        [EncryptionInputs(cek=b64url_decode(vector["cek"]), iv=b64url_decode(vector["iv"]))],
    )
    assert document == vector["json"]


# -- RFC 7518 Appendix C --------------------------------------------------------------------------


def test_rfc7518_appendix_c_ecdh_es_key_agreement() -> None:
    vector = json.loads((VECTORS / "jwe_rfc7518_ecdh_es.json").read_text())
    alice = jwtkit.Key.from_dict(vector["alice_ephemeral_key"])
    bob = jwtkit.Key.from_dict(vector["bob_key"])
    header = {"apu": vector["apu"], "apv": vector["apv"]}
    cek, encrypted_key, parameters = ECDH_ES.wrap(
        bob.public_key()._material,
        A128GCM,
        None,
        header,
        EncryptionInputs(ephemeral_key=alice._material),
    )
    assert cek == b64url_decode(vector["derived_key"])
    assert encrypted_key == b""
    assert parameters["epk"] == alice.public_key().to_dict()
    # The receiving side derives the same key from the header alone.
    token = jwe._encrypt(
        b"Live long and prosper.",
        bob.public_key(),
        "ECDH-ES",
        "A128GCM",
        header,
        None,
        EncryptionInputs(ephemeral_key=alice._material),
    )
    opened = jwe.decrypt(token, bob, ["ECDH-ES"], ["A128GCM"])
    assert opened.plaintext == b"Live long and prosper."
    assert opened.header["apu"] == "QWxpY2U"


# -- RFC 7520 §5 (and RFC 8037 X25519) ------------------------------------------------------------

COOKBOOK_ALL = [*COOKBOOK_JWE, COOKBOOK / "curve25519" / "ecdh-es.json"]
FORMS = [(path, form) for path in COOKBOOK_ALL for form in json.loads(path.read_text())["output"]]


@pytest.mark.parametrize(("path", "form"), FORMS, ids=[f"{p.stem[:12]}-{f}" for p, f in FORMS])
def test_rfc7520_cookbook_decrypts(path: Path, form: str) -> None:
    vector = json.loads(path.read_text())
    token = vector["output"][form]
    key = _cookbook_key(vector)
    if form == "compact":
        opened = jwe.decrypt(token, key, _algorithms(vector), _encryptions(vector))
    else:
        opened = jwe.decrypt_json(token, key, _algorithms(vector), _encryptions(vector))
    assert opened.plaintext == vector["input"]["plaintext"].encode()
    if "aad" in vector["input"]:
        assert opened.aad == vector["input"]["aad"].encode()


def test_rfc7520_5_13_every_recipient_decrypts_with_its_own_key() -> None:
    vector = json.loads(
        (COOKBOOK / "jwe" / "5_13.encrypting_to_multiple_recipients.json").read_text()
    )
    for member, alg in zip(vector["input"]["key"], vector["input"]["alg"], strict=True):
        opened = jwe.decrypt_json(
            vector["output"]["json"], jwtkit.Key.from_dict(member), [alg], ["A128CBC-HS256"]
        )
        assert opened.header["alg"] == alg
        assert opened.header["cty"] == "text/plain"
        assert opened.plaintext == vector["input"]["plaintext"].encode()


REPRODUCIBLE_COMPACT = [
    path
    for path in COOKBOOK_JWE
    if "compact" in json.loads(path.read_text())["output"]
    and json.loads(path.read_text())["input"]["alg"] != "RSA1_5"
]


@pytest.mark.parametrize(
    "path", REPRODUCIBLE_COMPACT, ids=[p.stem[:24] for p in REPRODUCIBLE_COMPACT]
)
def test_rfc7520_cookbook_compact_encryption_reproduces_the_vector(path: Path) -> None:
    vector = json.loads(path.read_text())
    key = _cookbook_key(vector)
    assert isinstance(key, jwtkit.Key)
    protected = vector["encrypting_content"]["protected"]
    token = jwe._encrypt(
        vector["input"]["plaintext"].encode(),
        _recipient_key(key),
        vector["input"]["alg"],
        vector["input"]["enc"],
        _caller_headers(protected),
        vector["input"].get("zip"),
        _inputs(vector),
    )
    produced, expected = token.split("."), vector["output"]["compact"].split(".")
    if vector["input"]["alg"].startswith("RSA"):  # randomized encrypted key
        del produced[1], expected[1]
    assert produced == expected


JSON_REPRODUCIBLE = ["5_8", "5_10", "5_11", "5_12"]


@pytest.mark.parametrize("section", JSON_REPRODUCIBLE)
@pytest.mark.parametrize("form", ["json", "json_flat"])
def test_rfc7520_cookbook_json_encryption_reproduces_the_vector(section: str, form: str) -> None:
    path = next(p for p in COOKBOOK_JWE if p.name.startswith(section + "."))
    vector = json.loads(path.read_text())
    content = vector["encrypting_content"]
    key = _cookbook_key(vector)
    protected = content.get("protected")
    unprotected = content.get("unprotected")
    document = jwe._encrypt_json(
        vector["input"]["plaintext"].encode(),
        [(key, vector["input"]["alg"])],
        vector["input"]["enc"],
        # What the caller places by hand; jwtkit adds alg, kid and enc where it is not placed.
        {"enc": protected["enc"]} if protected and not unprotected else None,
        unprotected,
        vector["input"]["aad"].encode() if "aad" in vector["input"] else None,
        None,
        form == "json_flat",
        [_inputs(vector)],
    )
    assert document == vector["output"][form]


# -- RFC 7520 §6: nesting signatures and encryption -----------------------------------------------


def test_rfc7520_6_nested_jwt_decrypts_and_verifies() -> None:
    vector = json.loads((COOKBOOK / "6.nesting_signatures_and_encryption.json").read_text())
    encryption_key = jwtkit.Key.from_dict(vector["encrypt"]["input"]["key"])
    signing_key = jwtkit.Key.from_dict(vector["sign"]["input"]["key"])
    for form in ("compact",):
        claims = jwtkit.decode_encrypted(
            vector["encrypt"]["output"][form],
            encryption_key,
            signing_key.public_key(),
            algorithms=["PS256"],
            key_algorithms=["RSA-OAEP"],
            encryptions=["A128GCM"],
            now=1300819000,
        )
        assert claims == json.loads(vector["sign"]["input"]["payload"])
    for form in ("json", "json_flat"):
        opened = jwe.decrypt_json(
            vector["encrypt"]["output"][form], encryption_key, ["RSA-OAEP"], ["A128GCM"]
        )
        assert opened.header["cty"] == "JWT"
        assert opened.plaintext.decode() == vector["sign"]["output"]["compact"]


def test_rfc7520_6_nested_content_encryption_reproduces_the_vector() -> None:
    vector = json.loads((COOKBOOK / "6.nesting_signatures_and_encryption.json").read_text())
    encrypt = vector["encrypt"]
    # This vector's header names no kid, so the key is used without one.
    member = {name: value for name, value in encrypt["input"]["key"].items() if name != "kid"}
    key = jwtkit.Key.from_dict(member)
    token = jwe._encrypt(
        encrypt["input"]["plaintext"].encode(),
        key.public_key(),
        encrypt["input"]["alg"],
        encrypt["input"]["enc"],
        {"cty": "JWT"},
        None,
        _inputs(encrypt),
    )
    produced, expected = token.split("."), encrypt["output"]["compact"].split(".")
    del produced[1], expected[1]
    assert produced == expected

"""jwtkit.jwe: the API (compact and JSON), key selection, and every defence, each attacked."""

from __future__ import annotations

import json
import os
import zlib
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

import jwtkit
from jwtkit import jwe, jws
from jwtkit._codec import b64url_decode, b64url_encode, json_dumps
from jwtkit.errors import (
    DecodeError,
    DecryptionError,
    InvalidAlgorithmError,
    InvalidKeyError,
    InvalidOptionError,
    KeyNotFoundError,
    UnsupportedAlgorithmError,
)
from jwtkit.jwa._jwe_base import DecryptionPolicy, EncryptionInputs
from jwtkit.jwa.content import A128CBC_HS256, A128GCM
from jwtkit.jwa.ecdh import ECDH_ES
from jwtkit.jwa.rsaes import RSA1_5

COOKBOOK = Path(__file__).parent / "vectors" / "jose-cookbook"

GENERIC = "JWE decryption failed"
PBES2_TEST_COUNT = {"p2c": 1000}


def _unbound(alg: str, kid: str) -> jwtkit.Key:
    """A fresh key fit for ``alg`` but not bound to it (no JWK ``alg``)."""
    members = jwtkit.Key.generate(alg).to_dict(private=True)
    del members["alg"]
    return jwtkit.Key.from_dict({**members, "kid": kid})


@pytest.fixture(scope="module")
def rsa_key() -> jwtkit.Key:
    return _unbound("RSA-OAEP-256", "rsa-1")


@pytest.fixture(scope="module")
def ec_key() -> jwtkit.Key:
    return _unbound("ECDH-ES", "ec-1")


def _segments(token: str) -> list[str]:
    return token.split(".")


def _with_header(token: str, **changes: Any) -> str:
    """The token with its protected header re-encoded after ``changes``."""
    segments = _segments(token)
    header = json.loads(b64url_decode(segments[0]))
    header.update(changes)
    segments[0] = b64url_encode(json_dumps(header)).decode()
    return ".".join(segments)


def _flip_last_bit(segment: str) -> str:
    raw = bytearray(b64url_decode(segment))
    raw[-1] ^= 1
    return b64url_encode(bytes(raw)).decode()


# -- the compact API ------------------------------------------------------------------------------


def test_encrypt_decrypt_compact_round_trip(rsa_key: jwtkit.Key) -> None:
    token = jwe.encrypt(b"hello", rsa_key.public_key(), "RSA-OAEP-256", "A256GCM")
    assert len(_segments(token)) == 5
    opened = jwe.decrypt(token, rsa_key, ["RSA-OAEP-256"], ["A256GCM"])
    assert opened.plaintext == b"hello"
    assert opened.header == {"alg": "RSA-OAEP-256", "kid": "rsa-1", "enc": "A256GCM"}
    assert opened.key is rsa_key
    assert opened.aad is None


def test_headers_go_into_the_protected_header_but_cannot_change_alg_or_enc() -> None:
    key = jwtkit.Key.generate("A128KW")
    token = jwe.encrypt(
        b"x", key, "A128KW", "A128GCM", headers={"alg": "none", "enc": "A256GCM", "cty": "txt"}
    )
    header = jwe.decrypt(token, key, ["A128KW"], ["A128GCM"]).header
    assert (header["alg"], header["enc"], header["cty"]) == ("A128KW", "A128GCM", "txt")


def test_headers_cannot_set_the_algorithms_own_parameters(ec_key: jwtkit.Key) -> None:
    forged_epk = {"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"}
    with pytest.raises(InvalidOptionError, match="'epk' is set by"):
        jwe.encrypt(b"x", ec_key.public_key(), "ECDH-ES", "A128GCM", headers={"epk": forged_epk})


def test_zip_def_compresses_and_round_trips() -> None:
    key = jwtkit.Key.generate("A256KW")
    plaintext = b"repetitive " * 500
    token = jwe.encrypt(plaintext, key, "A256KW", "A256GCM", zip="DEF")
    assert len(token) < len(plaintext) // 4
    opened = jwe.decrypt(token, key, ["A256KW"], ["A256GCM"])
    assert opened.plaintext == plaintext
    assert opened.header["zip"] == "DEF"


def test_encrypt_refuses_unknown_zip_alg_and_enc() -> None:
    key = jwtkit.Key.generate("A256KW")
    with pytest.raises(UnsupportedAlgorithmError):
        jwe.encrypt(b"x", key, "A256KW", "A256GCM", zip="GZIP")
    with pytest.raises(UnsupportedAlgorithmError):
        jwe.encrypt(b"x", key, "A512KW", "A256GCM")
    with pytest.raises(UnsupportedAlgorithmError):
        jwe.encrypt(b"x", key, "A256KW", "A512GCM")


def test_plaintext_must_be_bytes() -> None:
    with pytest.raises(InvalidOptionError, match="plaintext must be bytes"):
        jwe.encrypt("text", jwtkit.Key.generate("A256KW"), "A256KW", "A256GCM")  # type: ignore[arg-type]


def test_missing_algorithms_are_a_caller_mistake_not_a_key_error() -> None:
    key = jwtkit.Key.generate("A256KW")
    token = jwe.encrypt(b"x", key, "A256KW", "A256GCM")
    for algorithms, encryptions in (("A256KW", ["A256GCM"]), (["A256KW"], []), (None, None)):
        with pytest.raises(InvalidOptionError) as caught:
            jwe.decrypt(token, key, algorithms, encryptions)  # type: ignore[arg-type]
        assert not isinstance(caught.value, InvalidKeyError)
        with pytest.raises(InvalidOptionError):
            jwe.decrypt_json({}, key, algorithms, encryptions)  # type: ignore[arg-type]


def test_algorithm_lists_must_name_known_algorithms() -> None:
    key = jwtkit.Key.generate("A256KW")
    token = jwe.encrypt(b"x", key, "A256KW", "A256GCM")
    with pytest.raises(UnsupportedAlgorithmError, match="HS256"):
        jwe.decrypt(token, key, ["A256KW", "HS256"], ["A256GCM"])
    with pytest.raises(UnsupportedAlgorithmError, match="A256KW"):
        jwe.decrypt(token, key, ["A256KW"], ["A256KW"])


def test_json_rejects_too_many_recipients() -> None:
    key = jwtkit.Key.generate("A128KW")
    document = jwe.encrypt_json(b"x", [(key, "A128KW")] * 2, "A128GCM")
    document["recipients"] = document["recipients"] * 40
    with pytest.raises(DecodeError, match="more than 64 recipients"):
        jwe.decrypt_json(document, key, ["A128KW"], ["A128GCM"])


def test_rejects_alg_not_allowed_by_the_caller() -> None:
    key = jwtkit.Key.generate("A256KW")
    token = jwe.encrypt(b"x", key, "A256KW", "A256GCM")
    with pytest.raises(InvalidAlgorithmError, match="'alg'"):
        jwe.decrypt(token, key, ["A128KW"], ["A256GCM"])
    with pytest.raises(InvalidAlgorithmError, match="'enc'"):
        jwe.decrypt(token, key, ["A256KW"], ["A128GCM"])


def test_key_generate_works_for_every_jwe_algorithm() -> None:
    for name in ("A128KW", "A192GCMKW", "A256GCM", "A128CBC-HS256", "dir", "PBES2-HS256+A128KW"):
        assert jwtkit.Key.generate(name).kty == "oct"
    assert len(jwtkit.Key.generate("A192KW").secret) == 24  # type: ignore[attr-defined]
    assert len(jwtkit.Key.generate("A256CBC-HS512").secret) == 64  # type: ignore[attr-defined]
    assert jwtkit.Key.generate("ECDH-ES").curve == "P-256"
    assert jwtkit.Key.generate("RSA-OAEP").kty == "RSA"


def test_okp_x25519_and_x448_keys_serve_ecdh_es() -> None:
    from cryptography.hazmat.primitives.asymmetric import x448, x25519

    for private in (x25519.X25519PrivateKey.generate(), x448.X448PrivateKey.generate()):
        key = jwtkit.OKPKey(private)
        token = jwe.encrypt(b"okp", key.public_key(), "ECDH-ES+A128KW", "A128GCM")
        assert jwe.decrypt(token, key, ["ECDH-ES+A128KW"], ["A128GCM"]).plaintext == b"okp"


def test_ecdh_es_refuses_ed25519_and_secp256k1_keys() -> None:
    with pytest.raises(InvalidKeyError):
        jwe.encrypt(b"x", jwtkit.Key.generate("Ed25519").public_key(), "ECDH-ES", "A128GCM")
    with pytest.raises(InvalidKeyError):
        jwe.encrypt(b"x", jwtkit.Key.generate("ES256K").public_key(), "ECDH-ES", "A128GCM")


def test_apu_and_apv_change_the_derived_key(ec_key: jwtkit.Key) -> None:
    token = jwe.encrypt(
        b"x", ec_key.public_key(), "ECDH-ES", "A128GCM", headers={"apu": "QWxpY2U", "apv": "Qm9i"}
    )
    assert jwe.decrypt(token, ec_key, ["ECDH-ES"], ["A128GCM"]).plaintext == b"x"
    # apv is authenticated, and it feeds the KDF: changing it breaks decryption.
    with pytest.raises(DecryptionError):
        jwe.decrypt(_with_header(token, apv="Q2Fyb2w"), ec_key, ["ECDH-ES"], ["A128GCM"])


def test_key_with_use_sig_cannot_encrypt() -> None:
    key = jwtkit.Key.import_key(
        {**jwtkit.Key.generate("A256KW").to_dict(private=True), "use": "sig"}
    )
    with pytest.raises(InvalidKeyError):
        jwe.encrypt(b"x", key, "A256KW", "A256GCM")


def test_secret_given_as_bytes_or_str_serves_symmetric_algorithms() -> None:
    secret = b"0123456789abcdef"
    token = jwe.encrypt(b"x", secret, "A128KW", "A128GCM")
    assert jwe.decrypt(token, secret.decode(), ["A128KW"], ["A128GCM"]).plaintext == b"x"
    token = jwe.encrypt(
        b"x", "correct horse", "PBES2-HS256+A128KW", "A128GCM", headers=PBES2_TEST_COUNT
    )
    assert (
        jwe.decrypt(token, "correct horse", ["PBES2-HS256+A128KW"], ["A128GCM"]).plaintext == b"x"
    )


def test_public_key_as_pem_text_encrypts(rsa_key: jwtkit.Key) -> None:
    pem = rsa_key.to_pem().decode()
    token = jwe.encrypt(b"pem", pem, "RSA-OAEP", "A128CBC-HS256")
    assert jwe.decrypt(token, rsa_key, ["RSA-OAEP"], ["A128CBC-HS256"]).plaintext == b"pem"


# -- key selection --------------------------------------------------------------------------------


def test_key_set_selects_the_decryption_key_by_kid(rsa_key: jwtkit.Key, ec_key: jwtkit.Key) -> None:
    keys = jwtkit.KeySet([rsa_key, ec_key, jwtkit.Key.generate("A256KW", kid="oct-1")])
    token = jwe.encrypt(b"to ec", ec_key.public_key(), "ECDH-ES+A256KW", "A256GCM")
    opened = jwe.decrypt(token, keys, ["ECDH-ES+A256KW", "RSA-OAEP-256"], ["A256GCM"])
    assert opened.key is ec_key


def test_key_set_with_unknown_kid_raises_key_not_found(rsa_key: jwtkit.Key) -> None:
    other = jwtkit.Key.generate("RSA-OAEP-256", kid="someone-else")
    token = jwe.encrypt(b"x", other.public_key(), "RSA-OAEP-256", "A256GCM")
    with pytest.raises(KeyNotFoundError):
        jwe.decrypt(token, jwtkit.KeySet([rsa_key]), ["RSA-OAEP-256"], ["A256GCM"])


def test_key_set_without_kid_tries_each_fitting_key() -> None:
    wrong, right = jwtkit.OctKey(b"a" * 32), jwtkit.OctKey(b"b" * 32)
    token = jwe.encrypt(b"secret", right, "A256KW", "A256GCM")
    keys = jwtkit.KeySet([jwtkit.Key.generate("RSA-OAEP"), wrong, right])
    assert jwe.decrypt(token, keys, ["A256KW"], ["A256GCM"]).key is right


def test_key_set_without_a_fitting_key_raises_key_not_found() -> None:
    token = jwe.encrypt(b"x", jwtkit.OctKey(b"b" * 32), "A256KW", "A256GCM")
    with pytest.raises(KeyNotFoundError):
        jwe.decrypt(
            token, jwtkit.KeySet([jwtkit.Key.generate("RSA-OAEP")]), ["A256KW"], ["A256GCM"]
        )


def test_key_published_for_an_enc_serves_dir_with_that_enc_only() -> None:
    key = jwtkit.Key.generate("A128GCM")
    token = jwe.encrypt(b"x", key, "dir", "A128GCM")
    assert jwe.decrypt(token, key, ["dir"], ["A128GCM"]).plaintext == b"x"
    with pytest.raises(InvalidKeyError):
        jwe.encrypt(b"x", key, "A128KW", "A128GCM")


# -- defences -------------------------------------------------------------------------------------


@pytest.mark.parametrize("enc", ["A128CBC-HS256", "A256GCM"])
@pytest.mark.parametrize("part", [1, 2, 3, 4])
def test_rejects_tampered_token_with_one_generic_error(enc: str, part: int) -> None:
    key = jwtkit.Key.generate("A256KW")
    token = jwe.encrypt(b"attack at dawn" * 3, key, "A256KW", enc)
    segments = _segments(token)
    segments[part] = _flip_last_bit(segments[part])  # encrypted key, iv, ciphertext, tag
    with pytest.raises(DecryptionError) as raised:
        jwe.decrypt(".".join(segments), key, ["A256KW"], [enc])
    assert str(raised.value) == GENERIC


@pytest.mark.parametrize("enc", ["A128CBC-HS256", "A256GCM"])
def test_rejects_tampered_protected_header_with_one_generic_error(enc: str) -> None:
    key = jwtkit.Key.generate("A256KW")
    token = jwe.encrypt(b"attack at dawn", key, "A256KW", enc)
    with pytest.raises(DecryptionError) as raised:
        jwe.decrypt(_with_header(token, cty="changed"), key, ["A256KW"], [enc])
    assert str(raised.value) == GENERIC


def test_rejects_truncated_tag_and_iv_with_one_generic_error() -> None:
    key = jwtkit.Key.generate("A128GCM")
    segments = _segments(jwe.encrypt(b"x", key, "dir", "A128GCM"))
    for part in (2, 4):
        short = segments.copy()
        short[part] = b64url_encode(b64url_decode(short[part])[:-1]).decode()
        with pytest.raises(DecryptionError, match=GENERIC):
            jwe.decrypt(".".join(short), key, ["dir"], ["A128GCM"])


def test_rejects_tampered_aad_with_one_generic_error() -> None:
    key = jwtkit.Key.generate("A128KW")
    document = jwe.encrypt_json(b"x", [(key, "A128KW")], "A128CBC-HS256", aad=b"context")
    document["aad"] = b64url_encode(b"kontext").decode()
    with pytest.raises(DecryptionError, match=GENERIC):
        jwe.decrypt_json(document, key, ["A128KW"], ["A128CBC-HS256"])


def test_rejects_wrong_key_type_for_alg_with_generic_error(rsa_key: jwtkit.Key) -> None:
    token = jwe.encrypt(b"x", jwtkit.Key.generate("A256KW"), "A256KW", "A256GCM")
    for wrong in (rsa_key, jwtkit.Key.generate("ECDH-ES"), rsa_key.public_key()):
        with pytest.raises(DecryptionError) as raised:
            jwe.decrypt(token, wrong, ["A256KW"], ["A256GCM"])
        assert str(raised.value) == GENERIC


def test_rejects_public_key_for_decryption_with_generic_error(rsa_key: jwtkit.Key) -> None:
    token = jwe.encrypt(b"x", rsa_key.public_key(), "RSA-OAEP-256", "A256GCM")
    with pytest.raises(DecryptionError, match=GENERIC):
        jwe.decrypt(token, rsa_key.public_key(), ["RSA-OAEP-256"], ["A256GCM"])


def test_rejects_dir_with_wrong_length_key() -> None:
    with pytest.raises(InvalidKeyError, match="exactly 32 bytes"):
        jwe.encrypt(b"x", jwtkit.OctKey(b"k" * 16), "dir", "A256GCM")
    token = jwe.encrypt(b"x", jwtkit.OctKey(b"k" * 32), "dir", "A256GCM")
    for length in (16, 31, 33, 64):
        with pytest.raises(DecryptionError) as raised:
            jwe.decrypt(token, jwtkit.OctKey(b"k" * length), ["dir"], ["A256GCM"])
        assert str(raised.value) == GENERIC


def test_rejects_dir_with_a_non_empty_encrypted_key() -> None:
    key = jwtkit.OctKey(b"k" * 16)
    segments = _segments(jwe.encrypt(b"x", key, "dir", "A128GCM"))
    segments[1] = b64url_encode(b"\x00" * 24).decode()
    with pytest.raises(DecryptionError, match=GENERIC):
        jwe.decrypt(".".join(segments), key, ["dir"], ["A128GCM"])


def test_aes_key_wrap_refuses_a_longer_key_than_its_name_says() -> None:
    # AES-KW would run with a 32-byte key: A128KW must not silently become AES-256.
    with pytest.raises(InvalidKeyError, match="exactly 16 bytes"):
        jwe.encrypt(b"x", jwtkit.OctKey(b"k" * 32), "A128KW", "A128GCM")
    token = jwe.encrypt(b"x", jwtkit.OctKey(b"k" * 16), "A128KW", "A128GCM")
    with pytest.raises(DecryptionError, match=GENERIC):
        jwe.decrypt(token, jwtkit.OctKey(b"k" * 32), ["A128KW"], ["A128GCM"])


def test_rsa1_5_is_off_unless_the_caller_names_it() -> None:
    vector = json.loads(
        (COOKBOOK / "jwe" / "5_1.key_encryption_using_rsa_v15_and_aes-hmac-sha2.json").read_text()
    )
    key = jwtkit.Key.from_dict(vector["input"]["key"])
    token = vector["output"]["compact"]
    with pytest.raises(InvalidAlgorithmError):
        jwe.decrypt(token, key, ["RSA-OAEP", "RSA-OAEP-256"], ["A128CBC-HS256"])
    assert jwe.decrypt(token, key, ["RSA1_5"], ["A128CBC-HS256"]).plaintext
    with pytest.raises(UnsupportedAlgorithmError, match="decrypting old tokens only"):
        jwe.encrypt(b"x", key.public_key(), "RSA1_5", "A128CBC-HS256")


def test_rsa1_5_bleichenbacher_defence_substitutes_a_random_cek(rsa_key: jwtkit.Key) -> None:
    private = rsa_key._material
    # Garbage instead of a PKCS#1 v1.5 block: unwrapping "succeeds" with a random CEK of the
    # right length, different every time, so no branch tells padding errors apart.
    garbage = b"\x01" * (rsa_key.key_size // 8)  # type: ignore[attr-defined]
    first = RSA1_5.unwrap(private, garbage, A128CBC_HS256, {}, DecryptionPolicy())
    second = RSA1_5.unwrap(private, garbage, A128CBC_HS256, {}, DecryptionPolicy())
    assert len(first) == len(second) == 32 and first != second
    # A well-padded CEK of the wrong length is replaced too.
    from cryptography.hazmat.primitives.asymmetric import padding

    wrong_length = private.public_key().encrypt(b"k" * 16, padding.PKCS1v15())
    substitute = RSA1_5.unwrap(private, wrong_length, A128CBC_HS256, {}, DecryptionPolicy())
    assert len(substitute) == 32 and substitute != b"k" * 16


def test_rsa1_5_bad_padding_and_bad_tag_fail_identically() -> None:
    vector = json.loads(
        (COOKBOOK / "jwe" / "5_1.key_encryption_using_rsa_v15_and_aes-hmac-sha2.json").read_text()
    )
    key = jwtkit.Key.from_dict(vector["input"]["key"])
    segments = _segments(vector["output"]["compact"])
    bad_padding, bad_tag = segments.copy(), segments.copy()
    bad_padding[1] = _flip_last_bit(segments[1])
    bad_tag[4] = _flip_last_bit(segments[4])
    messages = set()
    for forged in (bad_padding, bad_tag):
        with pytest.raises(DecryptionError) as raised:
            jwe.decrypt(".".join(forged), key, ["RSA1_5"], ["A128CBC-HS256"])
        messages.add((type(raised.value), str(raised.value)))
    assert messages == {(DecryptionError, GENERIC)}


def _bomb_token(key: jwtkit.Key, size: int) -> str:
    return jwe.encrypt(b"\x00" * size, key, "A256KW", "A256GCM", zip="DEF")


def test_rejects_decompression_bomb_cve_2024_28102() -> None:
    key = jwtkit.Key.generate("A256KW")
    token = _bomb_token(key, 50 * 1024 * 1024)  # 50 MB of zeros deflate to ~50 KB
    assert len(token) < jwtkit._codec.MAX_TOKEN_SIZE
    with pytest.raises(DecodeError, match="exceeds 1048576 bytes"):
        jwe.decrypt(token, key, ["A256KW"], ["A256GCM"])


def test_decompression_cap_is_the_callers_to_set_cve_2024_33664() -> None:
    key = jwtkit.Key.generate("A256KW")
    token = _bomb_token(key, 4096)
    with pytest.raises(DecodeError, match="exceeds 4095 bytes"):
        jwe.decrypt(token, key, ["A256KW"], ["A256GCM"], max_plaintext_size=4095)
    opened = jwe.decrypt(token, key, ["A256KW"], ["A256GCM"], max_plaintext_size=4096)
    assert opened.plaintext == b"\x00" * 4096


def test_rejects_truncated_or_padded_deflate_stream() -> None:
    key = jwtkit.OctKey(b"k" * 16)
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    stream = compressor.compress(b"hello" * 100) + compressor.flush()
    header = b64url_encode(json_dumps({"alg": "dir", "enc": "A128GCM", "zip": "DEF"}))
    iv = b"\x00" * 12
    for broken in (stream[: len(stream) // 2], stream + b"extra", b"\xff\xff\xff"):
        # Encrypt the broken stream by hand under a zip header, so it authenticates.
        ciphertext, tag = A128GCM.encrypt(key.secret, iv, broken, header)
        token = b".".join(
            (header, b"", b64url_encode(iv), b64url_encode(ciphertext), b64url_encode(tag))
        ).decode()
        with pytest.raises(DecodeError, match=r"DEFLATE|truncated"):
            jwe.decrypt(token, key, ["dir"], ["A128GCM"])


def test_rejects_unsupported_zip_in_header() -> None:
    key = jwtkit.OctKey(b"k" * 16)
    token = _with_header(jwe.encrypt(b"x", key, "dir", "A128GCM"), zip="GZIP")
    with pytest.raises(DecodeError, match="'zip'"):
        jwe.decrypt(token, key, ["dir"], ["A128GCM"])


def _pbes2_token(count: int) -> str:
    token = jwe.encrypt(b"x", "password", "PBES2-HS256+A128KW", "A128GCM", headers=PBES2_TEST_COUNT)
    return _with_header(token, p2c=count)


def test_rejects_pbes2_count_above_the_limit_cve_2023_6681() -> None:
    # 2**31 iterations would keep a CPU busy for hours; refused before any PBKDF2 work.
    with pytest.raises(DecodeError, match="'p2c' exceeds the limit of 600000"):
        jwe.decrypt(_pbes2_token(2**31), "password", ["PBES2-HS256+A128KW"], ["A128GCM"])


def test_pbes2_count_limit_is_the_callers_to_set_cve_2022_36083() -> None:
    token = jwe.encrypt(b"x", "password", "PBES2-HS256+A128KW", "A128GCM", headers={"p2c": 5000})
    with pytest.raises(DecodeError, match="'p2c' exceeds the limit of 4999"):
        jwe.decrypt(token, "password", ["PBES2-HS256+A128KW"], ["A128GCM"], pbes2_max_count=4999)
    assert (
        jwe.decrypt(
            token, "password", ["PBES2-HS256+A128KW"], ["A128GCM"], pbes2_max_count=5000
        ).plaintext
        == b"x"
    )


def test_rejects_pbes2_count_below_the_minimum() -> None:
    with pytest.raises(DecodeError, match="below the minimum of 1000"):
        jwe.decrypt(_pbes2_token(999), "password", ["PBES2-HS256+A128KW"], ["A128GCM"])
    with pytest.raises(InvalidKeyError, match="at least 1000"):
        jwe.encrypt(b"x", "password", "PBES2-HS256+A128KW", "A128GCM", headers={"p2c": 10})


def test_rejects_pbes2_count_that_is_not_an_integer() -> None:
    for count in (True, 1000.0, "1000"):
        with pytest.raises(DecodeError, match="'p2c' must be an integer"):
            jwe.decrypt(_pbes2_token(count), "password", ["PBES2-HS256+A128KW"], ["A128GCM"])  # type: ignore[arg-type]


def test_rejects_pbes2_short_salt() -> None:
    token = _with_header(_pbes2_token(1000), p2s=b64url_encode(b"1234567").decode())
    with pytest.raises(DecodeError, match="'p2s'"):
        jwe.decrypt(token, "password", ["PBES2-HS256+A128KW"], ["A128GCM"])


def _ecdh_token(key: jwtkit.Key, alg: str = "ECDH-ES") -> str:
    return jwe.encrypt(b"x", key.public_key(), alg, "A128GCM")


def _epk(token: str) -> dict[str, Any]:
    epk: dict[str, Any] = json.loads(b64url_decode(_segments(token)[0]))["epk"]
    return epk


def test_rejects_ecdh_es_invalid_curve_point(ec_key: jwtkit.Key) -> None:
    token = _ecdh_token(ec_key)
    epk = _epk(token)
    y = int.from_bytes(b64url_decode(epk["y"]), "big")
    off_curve = {**epk, "y": b64url_encode(((y + 1) % 2**256).to_bytes(32, "big")).decode()}
    # Refused at the point check itself, before any key agreement.
    with pytest.raises(DecryptionError, match=GENERIC):
        ECDH_ES.unwrap(ec_key._material, b"", A128GCM, {"epk": off_curve}, DecryptionPolicy())
    with pytest.raises(DecryptionError, match=GENERIC):
        jwe.decrypt(_with_header(token, epk=off_curve), ec_key, ["ECDH-ES"], ["A128GCM"])


def test_rejects_ecdh_es_epk_on_another_curve(ec_key: jwtkit.Key) -> None:
    foreign = jwtkit.ECKey(ec.generate_private_key(ec.SECP384R1())).public_key().to_dict()
    token = _with_header(_ecdh_token(ec_key), epk=foreign)
    with pytest.raises(DecryptionError, match=GENERIC):
        jwe.decrypt(token, ec_key, ["ECDH-ES"], ["A128GCM"])
    # Same coordinates, relabelled: the crv must match the recipient key's.
    relabelled = {**_epk(_ecdh_token(ec_key)), "crv": "P-384"}
    with pytest.raises(DecryptionError, match=GENERIC):
        jwe.decrypt(_with_header(token, epk=relabelled), ec_key, ["ECDH-ES"], ["A128GCM"])


def test_rejects_ecdh_es_epk_of_another_key_type(ec_key: jwtkit.Key) -> None:
    okp = {"kty": "OKP", "crv": "X25519", "x": b64url_encode(b"\x09" + b"\x00" * 31).decode()}
    for epk in (okp, "not an object", {"kty": "EC", "crv": "P-256"}, None):
        with pytest.raises(DecryptionError, match=GENERIC):
            jwe.decrypt(
                _with_header(_ecdh_token(ec_key), epk=epk), ec_key, ["ECDH-ES"], ["A128GCM"]
            )


def test_rejects_ecdh_es_x25519_low_order_point() -> None:
    from cryptography.hazmat.primitives.asymmetric import x25519

    key = jwtkit.OKPKey(x25519.X25519PrivateKey.generate())
    token = _ecdh_token(key)
    for low_order in (b"\x00" * 32, b"\x01" + b"\x00" * 31):
        epk = {"kty": "OKP", "crv": "X25519", "x": b64url_encode(low_order).decode()}
        with pytest.raises(DecryptionError, match=GENERIC):
            jwe.decrypt(_with_header(token, epk=epk), key, ["ECDH-ES"], ["A128GCM"])


def test_rejects_ecdh_es_epk_carrying_a_private_member(ec_key: jwtkit.Key) -> None:
    token = _ecdh_token(ec_key)
    with pytest.raises(DecryptionError, match=GENERIC):
        jwe.decrypt(
            _with_header(token, epk={**_epk(token), "d": "AA"}), ec_key, ["ECDH-ES"], ["A128GCM"]
        )


def test_rejects_jws_where_jwe_expected_cve_2022_3102() -> None:
    signing_key = jwtkit.Key.generate("HS256")
    signed = jws.sign(b"payload", signing_key, "HS256")
    with pytest.raises(DecodeError, match="This is a JWS, not a JWE"):
        jwe.decrypt(signed, signing_key, ["dir"], ["A256GCM"])
    document = jws.sign_json(b"payload", [(signing_key, "HS256", None, None)])
    with pytest.raises(DecodeError, match="This is a JWS, not a JWE"):
        jwe.decrypt_json(document, signing_key, ["dir"], ["A256GCM"])


def test_rejects_jwe_where_jws_expected_cve_2022_3102() -> None:
    key = jwtkit.Key.generate("A256GCM")
    token = jwe.encrypt(b'{"sub":"x"}', key, "dir", "A256GCM")
    with pytest.raises(DecodeError, match="This is a JWE, not a JWT"):
        jwtkit.decode(token, key, algorithms=["HS256"])
    with pytest.raises(DecodeError):
        jws.verify(token, key, ["HS256"])


def test_rejects_unknown_critical_header() -> None:
    key = jwtkit.OctKey(b"k" * 16)
    token = jwe.encrypt(b"x", key, "dir", "A128GCM")
    forged = _with_header(token, crit=["exp"], exp=1)
    with pytest.raises(DecodeError, match="critical parameter 'exp' not understood"):
        jwe.decrypt(forged, key, ["dir"], ["A128GCM"])
    with pytest.raises(DecodeError, match="critical"):
        jwe.encrypt(b"x", key, "dir", "A128GCM", headers={"crit": ["exp"], "exp": 1})


def test_rejects_oversized_token() -> None:
    key = jwtkit.OctKey(b"k" * 16)
    token = jwe.encrypt(b"x" * (300 * 1024), key, "dir", "A128GCM")
    with pytest.raises(DecodeError, match="larger than"):
        jwe.decrypt(token, key, ["dir"], ["A128GCM"])


@pytest.mark.parametrize("part", [0, 1, 2, 3, 4])
def test_rejects_non_canonical_base64url(part: int) -> None:
    key = jwtkit.Key.generate("A128KW")
    segments = _segments(jwe.encrypt(b"x", key, "A128KW", "A128GCM"))
    segments[part] += "="
    with pytest.raises(DecodeError, match="base64url"):
        jwe.decrypt(".".join(segments), key, ["A128KW"], ["A128GCM"])


def test_rejects_wrong_segment_count() -> None:
    for token in ("a.b.c.d", "a.b.c.d.e.f", ""):
        with pytest.raises(DecodeError, match="five segments"):
            jwe.decrypt(token, jwtkit.OctKey(b"k" * 16), ["dir"], ["A128GCM"])


def test_rejects_header_without_enc_or_alg() -> None:
    key = jwtkit.OctKey(b"k" * 16)
    token = jwe.encrypt(b"x", key, "dir", "A128GCM")
    header = b64url_encode(json_dumps({"alg": "dir"})).decode()
    with pytest.raises(DecodeError, match="'enc' is missing"):
        jwe.decrypt(".".join([header, *_segments(token)[1:]]), key, ["dir"], ["A128GCM"])
    header = b64url_encode(json_dumps({"enc": "A128GCM"})).decode()
    with pytest.raises(DecodeError, match="'alg' is missing"):
        jwe.decrypt(".".join([header, *_segments(token)[1:]]), key, ["dir"], ["A128GCM"])


def test_returned_header_is_a_copy_not_the_cached_one() -> None:
    key = jwtkit.OctKey(b"k" * 16)
    token = jwe.encrypt(b"x", key, "dir", "A128GCM")
    jwe.decrypt(token, key, ["dir"], ["A128GCM"]).header["alg"] = "changed"
    assert jwe.decrypt(token, key, ["dir"], ["A128GCM"]).header["alg"] == "dir"


def test_error_messages_never_carry_the_token_or_key() -> None:
    key = jwtkit.OctKey(b"K" * 32)
    token = jwe.encrypt(b"x", key, "A256KW", "A256GCM")
    segments = _segments(token)
    segments[3] = _flip_last_bit(segments[3])
    with pytest.raises(DecryptionError) as raised:
        jwe.decrypt(".".join(segments), key, ["A256KW"], ["A256GCM"])
    message = str(raised.value)
    assert all(segment not in message for segment in segments if segment)
    assert "KKKK" not in message


# -- the JSON serialization -----------------------------------------------------------------------


def test_json_general_with_several_recipients(rsa_key: jwtkit.Key, ec_key: jwtkit.Key) -> None:
    oct_key = jwtkit.Key.generate("A128GCMKW", kid="oct-2")
    document = jwe.encrypt_json(
        b"for three",
        [
            (rsa_key.public_key(), "RSA-OAEP-256"),
            (ec_key.public_key(), "ECDH-ES+A128KW", {"note": "ec"}),
            (oct_key, "A128GCMKW"),
        ],
        "A256CBC-HS512",
        protected={"cty": "text/plain"},
        unprotected={"jku-free": True},
        aad=b"shared context",
    )
    assert set(document) == {
        "protected",
        "unprotected",
        "recipients",
        "aad",
        "iv",
        "ciphertext",
        "tag",
    }
    assert [r["header"]["alg"] for r in document["recipients"]] == [
        "RSA-OAEP-256",
        "ECDH-ES+A128KW",
        "A128GCMKW",
    ]
    for key, alg in ((rsa_key, "RSA-OAEP-256"), (ec_key, "ECDH-ES+A128KW"), (oct_key, "A128GCMKW")):
        opened = jwe.decrypt_json(json.dumps(document), key, [alg], ["A256CBC-HS512"])
        assert opened.plaintext == b"for three"
        assert opened.aad == b"shared context"
        assert opened.header["cty"] == "text/plain" and opened.header["jku-free"] is True
        assert opened.key is key
    # A key set holding any one of the keys opens it too.
    keys = jwtkit.KeySet([oct_key])
    algorithms = ["RSA-OAEP-256", "ECDH-ES+A128KW", "A128GCMKW"]
    assert jwe.decrypt_json(document, keys, algorithms, ["A256CBC-HS512"]).key is oct_key


def test_json_shared_alg_keeps_each_recipients_parameters_apart() -> None:
    first, second = jwtkit.OctKey(b"1" * 16, kid="a"), jwtkit.OctKey(b"2" * 16, kid="b")
    document = jwe.encrypt_json(
        b"two",
        [(first, "A128GCMKW"), (second, "A128GCMKW")],
        "A128GCM",
        unprotected={"alg": "A128GCMKW"},
    )
    assert document["unprotected"] == {"alg": "A128GCMKW"}
    ivs = {recipient["header"]["iv"] for recipient in document["recipients"]}
    assert len(ivs) == 2
    for key in (first, second):
        assert jwe.decrypt_json(document, key, ["A128GCMKW"], ["A128GCM"]).plaintext == b"two"


def test_json_flattened_round_trip() -> None:
    key = jwtkit.Key.generate("A256KW", kid="k")
    document = jwe.encrypt_json(b"flat", [(key, "A256KW", {"x-note": 1})], "A256GCM", flatten=True)
    assert "recipients" not in document and "encrypted_key" in document
    assert document["header"] == {"x-note": 1}
    opened = jwe.decrypt_json(document, key, ["A256KW"], ["A256GCM"])
    assert opened.plaintext == b"flat"
    assert opened.header == {"alg": "A256KW", "kid": "k", "enc": "A256GCM", "x-note": 1}


def test_json_flattened_dir_and_ecdh_es_have_no_encrypted_key(ec_key: jwtkit.Key) -> None:
    key = jwtkit.Key.generate("A256GCM")
    document = jwe.encrypt_json(b"d", [(key, "dir")], "A256GCM", flatten=True)
    assert "encrypted_key" not in document
    assert jwe.decrypt_json(document, key, ["dir"], ["A256GCM"]).plaintext == b"d"
    document = jwe.encrypt_json(b"e", [(ec_key.public_key(), "ECDH-ES")], "A128GCM")
    assert jwe.decrypt_json(document, ec_key, ["ECDH-ES"], ["A128GCM"]).plaintext == b"e"


def test_json_refuses_dir_and_ecdh_es_with_several_recipients(ec_key: jwtkit.Key) -> None:
    other = jwtkit.Key.generate("A128KW")
    with pytest.raises(InvalidOptionError, match="cannot share"):
        jwe.encrypt_json(b"x", [(ec_key.public_key(), "ECDH-ES"), (other, "A128KW")], "A128GCM")
    with pytest.raises(InvalidOptionError, match="cannot share"):
        jwe.encrypt_json(
            b"x", [(other, "A128KW"), (jwtkit.Key.generate("A128GCM"), "dir")], "A128GCM"
        )


def test_json_flatten_needs_exactly_one_recipient() -> None:
    keys = [(jwtkit.Key.generate("A128KW"), "A128KW")] * 2
    with pytest.raises(InvalidOptionError):
        jwe.encrypt_json(b"x", keys, "A128GCM", flatten=True)
    with pytest.raises(InvalidOptionError):
        jwe.encrypt_json(b"x", [], "A128GCM")


def test_json_rejects_header_parts_sharing_a_name() -> None:
    key = jwtkit.Key.generate("A128KW")
    document = jwe.encrypt_json(b"x", [(key, "A128KW")], "A128GCM", unprotected={"cty": "a"})
    document["recipients"][0]["header"] = {"cty": "b"}
    with pytest.raises(DecodeError, match="must not share"):
        jwe.decrypt_json(document, key, ["A128KW"], ["A128GCM"])


def test_json_rejects_zip_or_crit_outside_the_protected_header() -> None:
    key = jwtkit.Key.generate("A128KW")
    document = jwe.encrypt_json(b"x", [(key, "A128KW")], "A128GCM")
    for member in ({"zip": "DEF"}, {"crit": ["exp"]}):
        forged = {**document, "unprotected": member}
        with pytest.raises(DecodeError, match="must be in the protected header"):
            jwe.decrypt_json(forged, key, ["A128KW"], ["A128GCM"])
    with pytest.raises(InvalidOptionError):
        jwe.encrypt_json(b"x", [(key, "A128KW")], "A128GCM", unprotected={"zip": "DEF"})


def test_json_zip_round_trip_and_bomb_cap() -> None:
    key = jwtkit.Key.generate("A128KW")
    document = jwe.encrypt_json(b"\x00" * 8192, [(key, "A128KW")], "A128GCM", zip="DEF")
    assert jwe.decrypt_json(document, key, ["A128KW"], ["A128GCM"]).plaintext == b"\x00" * 8192
    with pytest.raises(DecodeError, match="exceeds 8191 bytes"):
        jwe.decrypt_json(document, key, ["A128KW"], ["A128GCM"], max_plaintext_size=8191)


def test_json_malformed_documents_raise_decode_errors() -> None:
    key = jwtkit.Key.generate("A128KW")
    good = jwe.encrypt_json(b"x", [(key, "A128KW")], "A128GCM")
    for forged in (
        [],
        "not json",
        {**good, "recipients": []},
        {**good, "recipients": ["x"]},
        {**good, "iv": 3},
        {**good, "unprotected": []},
        {**good, "encrypted_key": "AA"},
        {key_: value for key_, value in good.items() if key_ != "ciphertext"},
    ):
        with pytest.raises(DecodeError):
            jwe.decrypt_json(forged, key, ["A128KW"], ["A128GCM"])  # type: ignore[arg-type]


def test_json_with_no_usable_recipient_raises() -> None:
    key = jwtkit.Key.generate("A128KW")
    document = jwe.encrypt_json(b"x", [(key, "A128KW")], "A128GCM")
    with pytest.raises(InvalidAlgorithmError):
        jwe.decrypt_json(document, key, ["A256KW"], ["A128GCM"])
    with pytest.raises(DecryptionError, match=GENERIC):
        jwe.decrypt_json(document, jwtkit.Key.generate("A128KW"), ["A128KW"], ["A128GCM"])


def test_private_inputs_hook_is_not_public_api() -> None:
    import inspect

    for function in (jwe.encrypt, jwe.encrypt_json):
        assert "inputs" not in inspect.signature(function).parameters
    assert EncryptionInputs().cek is None


# -- PBES2 cost is budgeted per message -------------------------------------------------------


def _count_pbkdf2(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    from jwtkit.jwa.pbes2 import PBES2Algorithm

    runs: list[int] = []
    original = PBES2Algorithm._kek

    def counting(self: Any, password: bytes, salt: bytes, count: int) -> bytes:
        runs.append(count)
        return original(self, password, salt, count)

    monkeypatch.setattr(PBES2Algorithm, "_kek", counting)
    return runs


def test_pbes2_iterations_are_budgeted_per_message_not_per_recipient(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 64 recipients, each within the per-recipient cap, once cost 64 PBKDF2 runs.
    password = jwtkit.OctKey(b"correct horse battery staple")
    recipients = [
        (jwtkit.OctKey(b"wrong password %d" % i), "PBES2-HS256+A128KW") for i in range(64)
    ]
    document = jwe.encrypt_json(b"x", recipients, "A128GCM", protected={"p2c": 1000})
    runs = _count_pbkdf2(monkeypatch)
    with pytest.raises(DecodeError, match="per message"):
        jwe.decrypt_json(
            document, password, ["PBES2-HS256+A128KW"], ["A128GCM"], pbes2_max_count=5000
        )
    assert sum(runs) <= 5000 and len(runs) == 5


def test_pbes2_budget_covers_a_kid_less_token_tried_against_several_passwords(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    right = jwtkit.OctKey(b"the right password")
    wrong = [jwtkit.OctKey(b"wrong password %d" % i) for i in range(6)]
    token = jwe.encrypt(b"x", right, "PBES2-HS256+A128KW", "A128GCM", headers={"p2c": 2000})
    runs = _count_pbkdf2(monkeypatch)
    with pytest.raises(DecodeError, match="per message"):
        jwe.decrypt(
            token,
            jwtkit.KeySet([*wrong, right]),
            ["PBES2-HS256+A128KW"],
            ["A128GCM"],
            pbes2_max_count=5000,
        )
    assert sum(runs) <= 5000
    # Within the budget, the right password is found.
    opened = jwe.decrypt(
        token,
        jwtkit.KeySet([wrong[0], right]),
        ["PBES2-HS256+A128KW"],
        ["A128GCM"],
        pbes2_max_count=5000,
    )
    assert opened.plaintext == b"x"


def test_key_attempts_are_budgeted_per_message_not_per_recipient(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The class of finding 3 beyond PBES2: recipients without kid times candidate keys is a
    # private-key operation each (RSA-OAEP, ECDH-ES); 64 recipients x N keys multiplied.
    from jwtkit.jwa._jwe_base import MAX_KEY_ATTEMPTS
    from jwtkit.jwa.aeskw import AESKeyWrapAlgorithm as AESKeyWrap

    strangers = [(jwtkit.OctKey(os.urandom(16)), "A128KW") for _ in range(40)]
    document = jwe.encrypt_json(b"x", strangers, "A128GCM")
    mine = jwtkit.KeySet([jwtkit.OctKey(os.urandom(16)), jwtkit.OctKey(os.urandom(16))])
    unwraps: list[int] = []
    original = AESKeyWrap.unwrap

    def counting(self: Any, *args: Any, **kwargs: Any) -> bytes:
        unwraps.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(AESKeyWrap, "unwrap", counting)
    with pytest.raises(DecodeError, match="key attempts"):
        jwe.decrypt_json(document, mine, ["A128KW"], ["A128GCM"])
    assert len(unwraps) == MAX_KEY_ATTEMPTS

"""PyJWT's key helpers: ``PyJWK``, ``PyJWKSet`` and the ``jwt.algorithms`` objects (to_jwk,
from_jwk, prepare_key, compute_hash_digest), on PyJWT and on ``jwtkit.compat.pyjwt``."""

from __future__ import annotations

import hashlib
import json
from types import ModuleType
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa


def test_rsa_jwk_round_trip(jwt: ModuleType, keys: dict[str, Any]) -> None:
    pair = keys["RS"]
    algorithm = jwt.algorithms.RSAAlgorithm
    public_jwk = algorithm.to_jwk(pair.public, as_dict=True)
    assert public_jwk["kty"] == "RSA"
    assert public_jwk["key_ops"] == ["verify"]
    assert set(public_jwk) == {"kty", "key_ops", "n", "e"}
    loaded = algorithm.from_jwk(json.dumps(public_jwk))
    assert isinstance(loaded, rsa.RSAPublicKey)
    assert loaded.public_numbers() == pair.public.public_numbers()

    private_jwk = json.loads(algorithm.to_jwk(pair.private))
    assert private_jwk["key_ops"] == ["sign"]
    assert {"d", "p", "q", "dp", "dq", "qi"} <= set(private_jwk)
    loaded_private = algorithm.from_jwk(private_jwk)
    assert isinstance(loaded_private, rsa.RSAPrivateKey)
    assert loaded_private.private_numbers() == pair.private.private_numbers()


def test_rsa_private_jwk_without_primes(jwt: ModuleType, keys: dict[str, Any]) -> None:
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(keys["RS"].private, as_dict=True)
    minimal = {name: jwk[name] for name in ("kty", "n", "e", "d")}
    loaded = jwt.algorithms.RSAAlgorithm.from_jwk(minimal)
    assert loaded.private_numbers().d == keys["RS"].private.private_numbers().d


@pytest.mark.parametrize(
    ("family", "crv"),
    [("ES256", "P-256"), ("ES256K", "secp256k1"), ("ES384", "P-384"), ("ES512", "P-521")],
)
def test_ec_jwk_round_trip(jwt: ModuleType, keys: dict[str, Any], family: str, crv: str) -> None:
    pair = keys[family]
    algorithm = jwt.algorithms.ECAlgorithm
    public_jwk = algorithm.to_jwk(pair.public, as_dict=True)
    assert public_jwk["crv"] == crv
    assert set(public_jwk) == {"kty", "crv", "x", "y"}
    loaded = algorithm.from_jwk(public_jwk)
    assert isinstance(loaded, ec.EllipticCurvePublicKey)
    assert loaded.public_numbers() == pair.public.public_numbers()
    private_jwk = algorithm.to_jwk(pair.private, as_dict=True)
    assert set(private_jwk) == {"kty", "crv", "x", "y", "d"}
    assert isinstance(algorithm.from_jwk(json.dumps(private_jwk)), ec.EllipticCurvePrivateKey)


def test_okp_jwk_round_trip(jwt: ModuleType, keys: dict[str, Any]) -> None:
    pair = keys["EdDSA"]
    algorithm = jwt.algorithms.OKPAlgorithm
    public_jwk = algorithm.to_jwk(pair.public, as_dict=True)
    assert public_jwk["crv"] == "Ed25519"
    assert set(public_jwk) == {"kty", "crv", "x"}
    assert isinstance(algorithm.from_jwk(public_jwk), ed25519.Ed25519PublicKey)
    private_jwk = json.loads(algorithm.to_jwk(pair.private))
    assert isinstance(algorithm.from_jwk(private_jwk), ed25519.Ed25519PrivateKey)


def test_hmac_jwk_round_trip(jwt: ModuleType, secret: str) -> None:
    algorithm = jwt.algorithms.HMACAlgorithm
    jwk = algorithm.to_jwk(secret, as_dict=True)
    assert jwk == {"kty": "oct", "k": jwt.utils.base64url_encode(secret.encode()).decode()}
    assert algorithm.from_jwk(json.dumps(jwk)) == secret.encode()


@pytest.mark.parametrize(
    ("algorithm_name", "jwk"),
    [
        ("RSAAlgorithm", {"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"}),
        ("ECAlgorithm", {"kty": "RSA", "n": "AQAB", "e": "AQAB"}),
        ("OKPAlgorithm", {"kty": "oct", "k": "AAAA"}),
        ("HMACAlgorithm", {"kty": "RSA", "n": "AQAB", "e": "AQAB"}),
    ],
)
def test_from_jwk_refuses_another_key_type(
    jwt: ModuleType, algorithm_name: str, jwk: dict[str, str]
) -> None:
    with pytest.raises(jwt.InvalidKeyError):
        getattr(jwt.algorithms, algorithm_name).from_jwk(jwk)


def test_from_jwk_refuses_invalid_json(jwt: ModuleType) -> None:
    with pytest.raises(jwt.InvalidKeyError):
        jwt.algorithms.RSAAlgorithm.from_jwk("{not json")


def test_ec_from_jwk_refuses_point_off_the_curve(jwt: ModuleType, keys: dict[str, Any]) -> None:
    jwk = jwt.algorithms.ECAlgorithm.to_jwk(keys["ES256"].public, as_dict=True)
    y = bytearray(jwt.utils.base64url_decode(jwk["y"]))
    y[-1] ^= 1
    jwk["y"] = jwt.utils.base64url_encode(bytes(y)).decode()
    with pytest.raises((jwt.InvalidKeyError, ValueError)):
        jwt.algorithms.ECAlgorithm.from_jwk(jwk)


def test_prepare_key_loads_pem(jwt: ModuleType, keys: dict[str, Any]) -> None:
    rsa_algorithm = jwt.get_algorithm_by_name("RS256")
    assert isinstance(rsa_algorithm.prepare_key(keys["RS"].public_pem), rsa.RSAPublicKey)
    assert isinstance(rsa_algorithm.prepare_key(keys["RS"].private_pem), rsa.RSAPrivateKey)
    ec_algorithm = jwt.get_algorithm_by_name("ES256")
    assert isinstance(ec_algorithm.prepare_key(keys["ES256"].public_pem), ec.EllipticCurvePublicKey)
    with pytest.raises(jwt.InvalidKeyError):
        ec_algorithm.prepare_key(keys["ES384"].public)
    with pytest.raises(jwt.InvalidKeyError):
        rsa_algorithm.prepare_key("not a key")


def test_algorithm_objects_sign_and_verify(jwt: ModuleType, keys: dict[str, Any]) -> None:
    for name, pair in (("RS256", keys["RS"]), ("ES384", keys["ES384"]), ("EdDSA", keys["EdDSA"])):
        algorithm = jwt.get_algorithm_by_name(name)
        signature = algorithm.sign(b"message", algorithm.prepare_key(pair.private_pem))
        public = algorithm.prepare_key(pair.public_pem)
        assert algorithm.verify(b"message", public, signature) is True
        assert algorithm.verify(b"massage", public, signature) is False


def test_compute_hash_digest(jwt: ModuleType) -> None:
    message = b"access-token"
    assert jwt.get_algorithm_by_name("RS256").compute_hash_digest(message) == (
        hashlib.sha256(message).digest()
    )
    assert jwt.get_algorithm_by_name("ES384").compute_hash_digest(message) == (
        hashlib.sha384(message).digest()
    )
    assert jwt.get_algorithm_by_name("HS512").compute_hash_digest(message) == (
        hashlib.sha512(message).digest()
    )
    with pytest.raises(NotImplementedError):
        jwt.get_algorithm_by_name("EdDSA").compute_hash_digest(message)


def test_check_key_length(jwt: ModuleType, secret: str) -> None:
    hs256 = jwt.get_algorithm_by_name("HS256")
    assert hs256.check_key_length(secret.encode()) is None
    assert "16 bytes" in hs256.check_key_length(b"0123456789abcdef")
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    assert "1024" in jwt.get_algorithm_by_name("RS256").check_key_length(small)


# -- PyJWK and PyJWKSet ----------------------------------------------------------------------


def test_pyjwk_attributes(jwt: ModuleType, keys: dict[str, Any]) -> None:
    data = jwt.algorithms.RSAAlgorithm.to_jwk(keys["RS"].public, as_dict=True)
    del data["key_ops"]
    data.update({"kid": "rsa-1", "use": "sig"})
    jwk = jwt.PyJWK(data)
    assert jwk.key_type == "RSA"
    assert jwk.key_id == "rsa-1"
    assert jwk.public_key_use == "sig"
    assert jwk.algorithm_name == "RS256"
    assert isinstance(jwk.Algorithm, jwt.algorithms.RSAAlgorithm)
    assert isinstance(jwk.key, rsa.RSAPublicKey)
    assert jwt.PyJWK.from_json(json.dumps(data)).key_id == "rsa-1"
    assert jwt.PyJWK.from_dict(data, algorithm="PS256").algorithm_name == "PS256"


@pytest.mark.parametrize(
    ("family", "expected"),
    [("ES256", "ES256"), ("ES256K", "ES256K"), ("ES384", "ES384"), ("ES512", "ES512")],
)
def test_pyjwk_infers_ec_algorithm_from_curve(
    jwt: ModuleType, keys: dict[str, Any], family: str, expected: str
) -> None:
    data = jwt.algorithms.ECAlgorithm.to_jwk(keys[family].public, as_dict=True)
    assert jwt.PyJWK(data).algorithm_name == expected


def test_pyjwk_infers_other_algorithms(jwt: ModuleType, keys: dict[str, Any]) -> None:
    okp = jwt.algorithms.OKPAlgorithm.to_jwk(keys["EdDSA"].public, as_dict=True)
    assert jwt.PyJWK(okp).algorithm_name == "EdDSA"
    oct_key = {"kty": "oct", "k": jwt.utils.base64url_encode(b"k" * 32).decode()}
    hmac_jwk = jwt.PyJWK(oct_key)
    assert hmac_jwk.algorithm_name == "HS256"
    assert hmac_jwk.key == b"k" * 32


def test_pyjwk_refuses_bad_input(jwt: ModuleType) -> None:
    with pytest.raises(jwt.InvalidKeyError):
        jwt.PyJWK({"n": "AQAB"})
    with pytest.raises(jwt.InvalidKeyError):
        jwt.PyJWK({"kty": "XYZ"})
    with pytest.raises(jwt.PyJWKError):
        jwt.PyJWK({"kty": "oct", "k": "AAAA"}, algorithm="XS256")
    with pytest.raises(jwt.InvalidKeyError):
        jwt.PyJWK({"kty": "OKP", "x": "AAAA"})


def test_pyjwkset(jwt: ModuleType, keys: dict[str, Any]) -> None:
    rsa_jwk = jwt.algorithms.RSAAlgorithm.to_jwk(keys["RS"].public, as_dict=True)
    ec_jwk = jwt.algorithms.ECAlgorithm.to_jwk(keys["ES256"].public, as_dict=True)
    document = {
        "keys": [
            {**rsa_jwk, "kid": "rsa"},
            {**ec_jwk, "kid": "ec"},
            {"kty": "unknown-type", "kid": "skipped"},
            "not an object",
        ]
    }
    jwk_set = jwt.PyJWKSet.from_dict(document)
    assert [key.key_id for key in jwk_set] == ["rsa", "ec"]
    assert jwk_set["ec"].algorithm_name == "ES256"
    assert jwt.PyJWKSet.from_json(json.dumps(document))["rsa"].key_type == "RSA"
    with pytest.raises(KeyError):
        jwk_set["missing"]


def test_pyjwkset_without_usable_keys(jwt: ModuleType) -> None:
    with pytest.raises(jwt.PyJWKSetError):
        jwt.PyJWKSet([])
    with pytest.raises(jwt.PyJWKSetError):
        jwt.PyJWKSet.from_dict({})
    with pytest.raises(jwt.PyJWKSetError):
        jwt.PyJWKSet([{"kty": "unknown-type"}])


def test_decode_with_a_key_from_a_pyjwkset(jwt: ModuleType, keys: dict[str, Any]) -> None:
    ec_jwk = jwt.algorithms.ECAlgorithm.to_jwk(keys["ES256"].public, as_dict=True)
    jwk_set = jwt.PyJWKSet([{**ec_jwk, "kid": "ec-1"}])
    token = jwt.encode({"a": 1}, keys["ES256"].private, algorithm="ES256", headers={"kid": "ec-1"})
    kid = jwt.get_unverified_header(token)["kid"]
    assert jwt.decode(token, jwk_set[kid], algorithms=["ES256"]) == {"a": 1}
    assert jwt.decode(token, jwk_set[kid].key, algorithms=["ES256"]) == {"a": 1}


@pytest.mark.parametrize("crv", [{"name": "P-256"}, ["P-256"], 256])
@pytest.mark.parametrize("kty", ["EC", "OKP"])
def test_pyjwk_rejects_crv_that_is_an_object(jwt: ModuleType, kty: str, crv: Any) -> None:
    # A hostile JWKS can put any JSON value in crv: InvalidKeyError, never a TypeError.
    with pytest.raises(jwt.InvalidKeyError, match="Unsupported crv"):
        jwt.PyJWK({"kty": kty, "crv": crv, "x": "AAAA", "y": "AAAA"})


def test_pyjwkset_skips_member_whose_crv_is_an_object(
    jwt: ModuleType, keys: dict[str, Any]
) -> None:
    ec_jwk = jwt.algorithms.ECAlgorithm.to_jwk(keys["ES256"].public, as_dict=True)
    document = {
        "keys": [
            {"kty": "EC", "crv": {"name": "P-256"}, "x": "AAAA", "y": "AAAA", "kid": "odd"},
            {"kty": "OKP", "crv": ["Ed25519"], "x": "AAAA", "kid": "odder"},
            {**ec_jwk, "kid": "ec"},
        ]
    }
    assert [key.key_id for key in jwt.PyJWKSet.from_dict(document)] == ["ec"]


def test_pyjwkset_without_usable_keys_message_matches_pyjwt(jwt: ModuleType) -> None:
    with pytest.raises(jwt.PyJWKSetError) as caught:
        jwt.PyJWKSet([{"kty": "EC", "crv": {}, "x": "AAAA"}])
    assert str(caught.value) == (
        "The JWK Set did not contain any usable keys. Perhaps 'cryptography' is not installed?"
    )


@pytest.mark.parametrize(
    ("algorithm", "message"),
    [("HS256", "Not an HMAC key"), ("ES256", "Not an Elliptic curve key")],
)
def test_pyjwk_refuses_an_algorithm_its_key_cannot_serve(
    jwt: ModuleType, keys: dict[str, Any], algorithm: str, message: str
) -> None:
    # PyJWK(jwk, algorithm=header["alg"]) lets a token name the algorithm: PyJWT refuses an
    # RSA key for HS256 when the PyJWK is made, not at some later use.
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(keys["RS"].public, as_dict=True)
    with pytest.raises(jwt.InvalidKeyError, match=message):
        jwt.PyJWK(jwk, algorithm=algorithm)

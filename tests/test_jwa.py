"""jwtkit.jwa: the registry and each algorithm family, checked against cryptography directly."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, mldsa, padding, rsa
from hypothesis import given, settings
from hypothesis import strategies as st

from jwtkit.errors import UnsupportedAlgorithmError
from jwtkit.jwa import (
    ALGORITHMS,
    SIGNATURE_ALGORITHMS,
    Algorithm,
    SignatureAlgorithm,
    find_algorithm,
    get_signature_algorithm,
)
from jwtkit.jwa.ecdsa import EC_CURVES, ECDSAAlgorithm
from jwtkit.jwa.eddsa import ED448, ED25519, EDDSA
from jwtkit.jwa.encryption import CONTENT_ENCRYPTION_ALGORITHMS, KEY_MANAGEMENT_ALGORITHMS
from jwtkit.jwa.hmac import HS256, HS384, HS512
from jwtkit.jwa.rsa import PS256, PS384, PS512, RS256

EXPECTED_NAMES = {
    "HS256",
    "HS384",
    "HS512",
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "ES256K",
    "EdDSA",
    "Ed25519",
    "Ed448",
    "ML-DSA-44",
    "ML-DSA-65",
    "ML-DSA-87",
}


def test_registry_holds_exactly_the_jws_algorithms_and_never_none() -> None:
    assert set(SIGNATURE_ALGORITHMS) == EXPECTED_NAMES
    for name, algorithm in SIGNATURE_ALGORITHMS.items():
        assert algorithm.name == name
        assert get_signature_algorithm(name) is algorithm
        assert find_algorithm(name) is algorithm
        assert name in repr(algorithm)
    for bad in ("none", "None", "", "HS1", None, 256, "x" * 100):
        with pytest.raises(UnsupportedAlgorithmError) as caught:
            get_signature_algorithm(bad)
        assert "x" * 100 not in str(caught.value)
        with pytest.raises(UnsupportedAlgorithmError):
            find_algorithm(bad)


def test_one_registry_finds_every_family_as_one_algorithm_shape() -> None:
    families = (SIGNATURE_ALGORITHMS, KEY_MANAGEMENT_ALGORITHMS, CONTENT_ENCRYPTION_ALGORITHMS)
    assert sum(len(family) for family in families) == len(ALGORITHMS)  # no name collides
    for family in families:
        for name, algorithm in family.items():
            assert find_algorithm(name) is algorithm
            shape: Algorithm = algorithm  # what the key layer relies on, for every family
            assert shape.name == name
            assert shape.key_type in shape.key_types
            assert isinstance(shape.curves, frozenset)
            assert shape.min_key_size >= 0


@pytest.mark.parametrize("name", sorted(EXPECTED_NAMES))
def test_sign_verify_round_trip_with_generated_material(name: str) -> None:
    algorithm = SIGNATURE_ALGORITHMS[name]
    private = algorithm.generate_key()
    public = private if isinstance(private, bytes) else private.public_key()
    signature = algorithm.sign(private, b"signing input")
    assert algorithm.verify(public, b"signing input", signature)
    assert not algorithm.verify(public, b"signing inpuT", signature)
    flipped = bytes([signature[0] ^ 1]) + signature[1:]
    assert not algorithm.verify(public, b"signing input", flipped)


@pytest.mark.parametrize(
    ("algorithm", "digest", "size"),
    [(HS256, "sha256", 32), (HS384, "sha384", 48), (HS512, "sha512", 64)],
)
def test_hmac_matches_the_standard_library(algorithm: Any, digest: str, size: int) -> None:
    key = algorithm.generate_key()
    assert len(key) == size == algorithm.min_key_size
    expected = hmac.new(key, b"data", getattr(hashlib, digest)).digest()
    assert algorithm.sign(key, b"data") == expected
    assert algorithm.verify(key, b"data", expected)
    assert not algorithm.verify(key, b"data", expected[:-1])


RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.mark.parametrize(
    ("algorithm", "hash_class"),
    [(PS256, hashes.SHA256), (PS384, hashes.SHA384), (PS512, hashes.SHA512)],
)
def test_pss_salt_is_the_hash_length_rfc7518_3_5(algorithm: Any, hash_class: Any) -> None:
    hash_algorithm = hash_class()
    signature = RSA_KEY.sign(
        b"data",
        padding.PSS(padding.MGF1(hash_algorithm), hash_algorithm.digest_size),
        hash_algorithm,
    )
    assert algorithm.verify(RSA_KEY.public_key(), b"data", signature)
    zero_salt = RSA_KEY.sign(b"data", padding.PSS(padding.MGF1(hash_algorithm), 0), hash_algorithm)
    assert not algorithm.verify(RSA_KEY.public_key(), b"data", zero_salt)
    mine = algorithm.sign(RSA_KEY, b"data")
    RSA_KEY.public_key().verify(
        mine,
        b"data",
        padding.PSS(padding.MGF1(hash_algorithm), hash_algorithm.digest_size),
        hash_algorithm,
    )


def test_rs256_is_pkcs1v15_and_generates_2048_bit_keys() -> None:
    signature = RS256.sign(RSA_KEY, b"data")
    RSA_KEY.public_key().verify(signature, b"data", padding.PKCS1v15(), hashes.SHA256())
    assert RS256.sign(RSA_KEY, b"data") == signature  # deterministic
    assert RS256.generate_key().key_size == 2048 == RS256.min_key_size
    assert not RS256.verify(RSA_KEY.public_key(), b"data", signature + b"\0")


@pytest.mark.parametrize("name", ["ES256", "ES384", "ES512", "ES256K"])
def test_ecdsa_signatures_are_fixed_width_r_concat_s(name: str) -> None:
    algorithm = SIGNATURE_ALGORITHMS[name]
    assert isinstance(algorithm, ECDSAAlgorithm)
    private = algorithm.generate_key()
    assert private.curve.name == algorithm.curve.curve.name
    assert algorithm.curves == frozenset({algorithm.curve.name})
    for _ in range(8):  # leading zero bytes of r or s must be kept
        assert len(algorithm.sign(private, b"x")) == 2 * algorithm.curve.size


def test_ecdsa_curve_sizes_match_cryptography() -> None:
    for curve in EC_CURVES.values():
        assert curve.size == (curve.curve.key_size + 7) // 8
        assert curve.order.bit_length() == curve.curve.key_size
        assert isinstance(curve.curve, ec.EllipticCurve)


def test_eddsa_names_and_curves_rfc8037_rfc9864() -> None:
    assert EDDSA.curves == {"Ed25519", "Ed448"}
    assert ED25519.curves == {"Ed25519"} and ED448.curves == {"Ed448"}
    assert isinstance(EDDSA.generate_key(), ed25519.Ed25519PrivateKey)
    assert isinstance(ED448.generate_key(), ed448.Ed448PrivateKey)
    private = ed448.Ed448PrivateKey.generate()
    assert EDDSA.verify(private.public_key(), b"m", EDDSA.sign(private, b"m"))


def test_ml_dsa_parameter_sets() -> None:
    for name, public_class, size in (
        ("ML-DSA-44", mldsa.MLDSA44PublicKey, 1312),
        ("ML-DSA-65", mldsa.MLDSA65PublicKey, 1952),
        ("ML-DSA-87", mldsa.MLDSA87PublicKey, 2592),
    ):
        algorithm = SIGNATURE_ALGORITHMS[name]
        assert algorithm.key_type == "AKP"
        public = algorithm.generate_key().public_key()
        assert isinstance(public, public_class)
        assert len(public.public_bytes_raw()) == size


def test_key_types_are_declared() -> None:
    kinds = {name: algorithm.key_type for name, algorithm in SIGNATURE_ALGORITHMS.items()}
    assert {kinds[n] for n in ("HS256", "HS384", "HS512")} == {"oct"}
    assert {kinds[n] for n in ("RS256", "PS512")} == {"RSA"}
    assert {kinds[n] for n in ("ES256", "ES256K")} == {"EC"}
    assert {kinds[n] for n in ("EdDSA", "Ed448")} == {"OKP"}
    assert all(isinstance(a, SignatureAlgorithm) for a in SIGNATURE_ALGORITHMS.values())


FIXED_MATERIAL: dict[str, tuple[Any, Any]] = {}
for _name in ("HS256", "RS256", "PS256", "ES256", "ES512", "EdDSA", "Ed448", "ML-DSA-44"):
    _private = SIGNATURE_ALGORITHMS[_name].generate_key()
    FIXED_MATERIAL[_name] = (
        _private,
        _private if isinstance(_private, bytes) else _private.public_key(),
    )


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(sorted(FIXED_MATERIAL)), st.binary(max_size=600))
def test_verify_returns_false_and_never_raises_on_garbage(name: str, garbage: bytes) -> None:
    _, public = FIXED_MATERIAL[name]
    assert SIGNATURE_ALGORITHMS[name].verify(public, b"input", garbage) is False

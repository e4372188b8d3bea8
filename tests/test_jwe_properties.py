"""Property tests: every alg x enc round-trips; hostile input raises only jwtkit errors."""

from __future__ import annotations

import contextlib
import string
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, x448, x25519
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import jwtkit
from jwtkit import jwe
from jwtkit.errors import JWTKitError
from jwtkit.jwa.encryption import CONTENT_ENCRYPTION_ALGORITHMS, KEY_MANAGEMENT_ALGORITHMS

ENCRYPTIONS = sorted(CONTENT_ENCRYPTION_ALGORITHMS)
ALGORITHMS = sorted(name for name, a in KEY_MANAGEMENT_ALGORITHMS.items() if not a.decrypt_only)
RSA_KEY = jwtkit.RSAKey(KEY_MANAGEMENT_ALGORITHMS["RSA-OAEP"].generate_key())  # no alg binding
EC_KEYS = {
    "P-256": jwtkit.ECKey(ec.generate_private_key(ec.SECP256R1())),
    "P-384": jwtkit.ECKey(ec.generate_private_key(ec.SECP384R1())),
    "P-521": jwtkit.ECKey(ec.generate_private_key(ec.SECP521R1())),
    "X25519": jwtkit.OKPKey(x25519.X25519PrivateKey.generate()),
    "X448": jwtkit.OKPKey(x448.X448PrivateKey.generate()),
}
SETTINGS = settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _keys(alg: str, enc: str) -> tuple[Any, Any, dict[str, Any]]:
    """(encryption key, decryption key, headers) for one pair."""
    algorithm = KEY_MANAGEMENT_ALGORITHMS[alg]
    if algorithm.key_type == "RSA":
        return RSA_KEY.public_key(), RSA_KEY, {}
    if algorithm.key_type == "EC":
        return EC_KEYS["P-256"].public_key(), EC_KEYS["P-256"], {}
    if alg.startswith("PBES2"):
        return "a password", "a password", {"p2c": 1000}
    size = CONTENT_ENCRYPTION_ALGORITHMS[enc].key_size if alg == "dir" else algorithm.min_key_size
    key = jwtkit.OctKey(bytes(range(size)))
    return key, key, {}


PAIRS = [(alg, enc) for alg in ALGORITHMS for enc in ENCRYPTIONS]


@pytest.mark.parametrize(("alg", "enc"), PAIRS, ids=[f"{a}-{e}" for a, e in PAIRS])
@SETTINGS
@given(plaintext=st.binary(max_size=300), compress=st.booleans())
def test_compact_round_trip_for_every_alg_and_enc(
    alg: str, enc: str, plaintext: bytes, compress: bool
) -> None:
    sender, receiver, headers = _keys(alg, enc)
    token = jwe.encrypt(
        plaintext, sender, alg, enc, headers=headers, zip="DEF" if compress else None
    )
    opened = jwe.decrypt(token, receiver, [alg], [enc])
    assert opened.plaintext == plaintext
    assert (opened.header["alg"], opened.header["enc"]) == (alg, enc)


@pytest.mark.parametrize(("alg", "enc"), PAIRS, ids=[f"{a}-{e}" for a, e in PAIRS])
@settings(max_examples=2, deadline=None)
@given(plaintext=st.binary(max_size=100), aad=st.none() | st.binary(max_size=40))
def test_json_round_trip_for_every_alg_and_enc(
    alg: str, enc: str, plaintext: bytes, aad: bytes | None
) -> None:
    sender, receiver, headers = _keys(alg, enc)
    document = jwe.encrypt_json(plaintext, [(sender, alg, headers)], enc, aad=aad)
    opened = jwe.decrypt_json(document, receiver, [alg], [enc])
    assert (opened.plaintext, opened.aad) == (plaintext, aad)


ECDH = sorted(name for name in ALGORITHMS if name.startswith("ECDH"))
CURVE_PAIRS = [(alg, curve) for alg in ECDH for curve in EC_KEYS]


@pytest.mark.parametrize(("alg", "curve"), CURVE_PAIRS, ids=[f"{a}-{c}" for a, c in CURVE_PAIRS])
@settings(max_examples=3, deadline=None)
@given(plaintext=st.binary(max_size=100))
def test_ecdh_es_round_trip_on_every_curve(alg: str, curve: str, plaintext: bytes) -> None:
    key = EC_KEYS[curve]
    token = jwe.encrypt(plaintext, key.public_key(), alg, "A256GCM")
    assert jwe.decrypt(token, key, [alg], ["A256GCM"]).plaintext == plaintext


# -- hostile input --------------------------------------------------------------------------------

FUZZ_KEY = jwtkit.OctKey(bytes(range(32)))
VALID = jwe.encrypt(b"valid plaintext", FUZZ_KEY, "A256KW", "A256GCM")
B64 = string.ascii_letters + string.digits + "-_"
EVERY_ALG = sorted(KEY_MANAGEMENT_ALGORITHMS)


def _decrypt_fuzzed(token: Any) -> None:
    for key in (FUZZ_KEY, RSA_KEY, EC_KEYS["P-256"], EC_KEYS["X25519"]):
        with contextlib.suppress(JWTKitError):
            jwe.decrypt(token, key, EVERY_ALG, ENCRYPTIONS, pbes2_max_count=2000)


@settings(max_examples=200, deadline=None)
@given(token=st.one_of(st.text(max_size=300), st.binary(max_size=300), st.none(), st.integers()))
def test_arbitrary_input_raises_only_jwtkit_errors(token: Any) -> None:
    _decrypt_fuzzed(token)


@settings(max_examples=200, deadline=None)
@given(segments=st.lists(st.text(alphabet=B64, max_size=80), min_size=5, max_size=5))
def test_arbitrary_segments_raise_only_jwtkit_errors(segments: list[str]) -> None:
    _decrypt_fuzzed(".".join(segments))


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet=B64, max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=10,
)
HEADER_NAMES = st.sampled_from(
    ["alg", "enc", "zip", "crit", "kid", "epk", "p2c", "p2s", "iv", "tag", "apu", "apv", "cty"]
)


@settings(max_examples=200, deadline=None)
@given(
    header=st.dictionaries(
        HEADER_NAMES, JSON_VALUES | st.sampled_from(EVERY_ALG + ENCRYPTIONS), max_size=6
    )
)
def test_arbitrary_protected_header_raises_only_jwtkit_errors(header: dict[str, Any]) -> None:
    from jwtkit._codec import b64url_encode, json_dumps

    segments = VALID.split(".")
    segments[0] = b64url_encode(json_dumps(header)).decode()
    _decrypt_fuzzed(".".join(segments))


@settings(max_examples=200, deadline=None)
@given(position=st.integers(min_value=0), replacement=st.sampled_from(B64 + ".=+/ "))
def test_mutated_token_raises_only_jwtkit_errors(position: int, replacement: str) -> None:
    index = position % len(VALID)
    mutated = VALID[:index] + replacement + VALID[index + 1 :]
    if mutated != VALID:
        with pytest.raises(JWTKitError):
            jwe.decrypt(mutated, FUZZ_KEY, ["A256KW"], ["A256GCM"])


@settings(max_examples=200, deadline=None)
@given(
    document=st.dictionaries(
        st.sampled_from(
            [
                "protected",
                "unprotected",
                "recipients",
                "header",
                "encrypted_key",
                "iv",
                "ciphertext",
                "tag",
                "aad",
            ]
        ),
        JSON_VALUES,
        max_size=8,
    )
)
def test_arbitrary_json_serialization_raises_only_jwtkit_errors(document: dict[str, Any]) -> None:
    with contextlib.suppress(JWTKitError):
        jwe.decrypt_json(document, FUZZ_KEY, EVERY_ALG, ENCRYPTIONS, pbes2_max_count=2000)

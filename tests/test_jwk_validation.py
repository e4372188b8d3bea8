"""Every JWK is hostile: each check on import is attacked here, by name.

Also: fuzzing (arbitrary input raises only jwtkit errors) and the rule that error messages
never carry key material.
"""

from __future__ import annotations

import json
import math
import random
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa, x25519
from hypothesis import given, settings
from hypothesis import strategies as st

from jwtkit import InsecureKeyError, InvalidKeyError, JWTKitError, Key, KeySet
from jwtkit._codec import b64url_decode, b64url_encode
from jwtkit.jwa.ecdsa import EC_CURVES
from jwtkit.jwk.rsa import _ROCA_PRIMES, has_roca_fingerprint


def _b64(data: bytes) -> str:
    return b64url_encode(data).decode("ascii")


def _b64_int(value: int, size: int | None = None) -> str:
    length = size if size is not None else max(1, (value.bit_length() + 7) // 8)
    return _b64(value.to_bytes(length, "big"))


def _with(jwk: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**jwk, **changes}


def _without(jwk: dict[str, Any], name: str) -> dict[str, Any]:
    return {key: value for key, value in jwk.items() if key != name}


RSA_PRIVATE = Key.import_key(rsa.generate_private_key(public_exponent=65537, key_size=2048))
RSA_JWK = RSA_PRIVATE.to_dict(private=True)
RSA_PUBLIC_JWK = RSA_PRIVATE.to_dict()
P256_JWK = Key.generate("ES256").to_dict(private=True)
P256_OTHER_JWK = Key.generate("ES256").to_dict(private=True)
ED25519_JWK = Key.generate("Ed25519").to_dict(private=True)
ED25519_OTHER_JWK = Key.generate("Ed25519").to_dict(private=True)
X25519_JWK = Key.import_key(x25519.X25519PrivateKey.generate()).to_dict(private=True)
ML_DSA_JWK = Key.generate("ML-DSA-44").to_dict(private=True)
ML_DSA_OTHER_JWK = Key.generate("ML-DSA-44").to_dict(private=True)
OCT_JWK = Key.generate("HS256").to_dict(private=True)
P256_ORDER = EC_CURVES["P-256"].order


# -- missing members ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("jwk", "member"),
    [
        (RSA_PUBLIC_JWK, "n"),
        (RSA_PUBLIC_JWK, "e"),
        (P256_JWK, "crv"),
        (P256_JWK, "x"),
        (P256_JWK, "y"),
        (ED25519_JWK, "crv"),
        (ED25519_JWK, "x"),
        (ML_DSA_JWK, "pub"),
        (ML_DSA_JWK, "alg"),
        (OCT_JWK, "k"),
        (P256_JWK, "kty"),
    ],
)
def test_rejects_jwk_missing_a_required_member(jwk: dict[str, Any], member: str) -> None:
    with pytest.raises(InvalidKeyError):
        Key.from_dict(_without(jwk, member))


def test_rejects_rsa_jwk_with_some_but_not_all_prime_members() -> None:
    with pytest.raises(InvalidKeyError):
        Key.from_dict(_without(RSA_JWK, "qi"))
    with pytest.raises(InvalidKeyError):
        Key.from_dict(_with(_without(RSA_JWK, "d"), kid="no-d"))


def test_rejects_rsa_jwk_with_other_primes() -> None:
    with pytest.raises(InvalidKeyError):
        Key.from_dict(_with(RSA_JWK, oth=[{"r": "AQ", "d": "AQ", "t": "AQ"}]))


# -- sizes -----------------------------------------------------------------------------------


def _member_bytes(jwk: dict[str, Any], member: str) -> bytes:
    return b64url_decode(jwk[member])


@pytest.mark.parametrize("member", ["x", "y", "d"])
def test_rejects_ec_member_shortened_or_padded(member: str) -> None:
    raw = _member_bytes(P256_JWK, member)
    for wrong in (raw[1:], b"\x00" + raw):
        with pytest.raises(InvalidKeyError, match=f"'{member}' must be 32 bytes"):
            Key.from_dict(_with(P256_JWK, **{member: _b64(wrong)}))


@pytest.mark.parametrize(("jwk", "member"), [(ED25519_JWK, "x"), (ED25519_JWK, "d")])
def test_rejects_okp_member_of_the_wrong_size(jwk: dict[str, Any], member: str) -> None:
    raw = _member_bytes(jwk, member)
    with pytest.raises(InvalidKeyError):
        Key.from_dict(_with(jwk, **{member: _b64(raw[:-1])}))


def test_rejects_akp_seed_or_public_key_of_the_wrong_size() -> None:
    with pytest.raises(InvalidKeyError):
        Key.from_dict(_with(ML_DSA_JWK, priv=_b64(bytes(64))))  # an expanded key, not a seed
    with pytest.raises(InvalidKeyError):
        Key.from_dict(_with(ML_DSA_JWK, pub=_b64(_member_bytes(ML_DSA_JWK, "pub")[:-1])))
    # The pub of ML-DSA-44 under the name of ML-DSA-65: the size gives it away.
    with pytest.raises(InvalidKeyError):
        Key.from_dict(_with(_without(ML_DSA_JWK, "priv"), alg="ML-DSA-65"))


# -- invalid points and mismatched private parts ---------------------------------------------


def test_rejects_invalid_curve_point() -> None:
    # The invalid-curve attack: a point off the curve leaks the private key through ECDH
    # and must never be accepted as a public key.
    y = int.from_bytes(_member_bytes(P256_JWK, "y"), "big")
    off_curve = _with(_without(P256_JWK, "d"), y=_b64_int(y ^ 1, 32))
    with pytest.raises(InvalidKeyError, match="not on curve"):
        Key.from_dict(off_curve)


def test_rejects_point_of_another_curve_under_p256() -> None:
    p384 = Key.generate("ES384").to_dict()
    x = int.from_bytes(_member_bytes(p384, "x"), "big") % (1 << 256)
    y = int.from_bytes(_member_bytes(p384, "y"), "big") % (1 << 256)
    with pytest.raises(InvalidKeyError):
        Key.from_dict({"kty": "EC", "crv": "P-256", "x": _b64_int(x, 32), "y": _b64_int(y, 32)})


def test_rejects_point_at_coordinates_zero() -> None:
    zero = _b64(bytes(32))
    with pytest.raises(InvalidKeyError):
        Key.from_dict({"kty": "EC", "crv": "P-256", "x": zero, "y": zero})


def test_rejects_ec_private_d_not_matching_public_point() -> None:
    with pytest.raises(InvalidKeyError, match="does not match"):
        Key.from_dict(_with(P256_JWK, d=P256_OTHER_JWK["d"]))


@pytest.mark.parametrize("d", [0, P256_ORDER, (1 << 256) - 1])
def test_rejects_ec_private_d_out_of_range(d: int) -> None:
    with pytest.raises(InvalidKeyError):
        Key.from_dict(_with(P256_JWK, d=_b64_int(d, 32)))


def test_rejects_okp_private_d_not_matching_x() -> None:
    with pytest.raises(InvalidKeyError, match="does not match"):
        Key.from_dict(_with(ED25519_JWK, d=ED25519_OTHER_JWK["d"]))


def test_rejects_x25519_private_d_not_matching_x() -> None:
    other = _b64(bytes(range(32)))
    with pytest.raises(InvalidKeyError, match="does not match"):
        Key.from_dict(_with(X25519_JWK, d=other))


def test_rejects_akp_private_seed_not_matching_pub() -> None:
    with pytest.raises(InvalidKeyError, match="does not match"):
        Key.from_dict(_with(ML_DSA_JWK, priv=ML_DSA_OTHER_JWK["priv"]))


def test_rejects_rsa_private_exponent_not_matching_modulus() -> None:
    other = Key.generate("RS256").to_dict(private=True)
    with pytest.raises(InvalidKeyError):
        Key.from_dict(_with(RSA_JWK, d=other["d"]))
    only_d = {name: RSA_JWK[name] for name in ("kty", "n", "e")} | {"d": other["d"]}
    with pytest.raises(InvalidKeyError):
        Key.from_dict(only_d)


def test_rejects_rsa_crt_members_that_do_not_multiply_to_n() -> None:
    other = Key.generate("RS256").to_dict(private=True)
    with pytest.raises(InvalidKeyError):
        Key.from_dict(_with(RSA_JWK, p=other["p"], q=other["q"]))


def test_imports_rsa_private_jwk_with_only_d() -> None:
    # RFC 7518 §6.3.2: the CRT members are optional; the primes are recovered from n, e, d.
    only_d = {name: RSA_JWK[name] for name in ("kty", "n", "e", "d")}
    assert Key.from_dict(only_d).to_dict(private=True) == RSA_JWK


# -- the cost of an import is bounded (a hostile JWK must not buy minutes of CPU) ----------------

# A 1024-bit prime from a generated key serves as a hostile "modulus": with a prime n, prime
# factor recovery never finds a square root of 1 but +-1, so a recovery loop without a budget
# runs every one of its attempts (cryptography's: 500, each up to bits-many exponentiations).
_PRIME = RSA_PRIVATE.private_key_object.private_numbers().p


def _hostile_d_only_jwk(n: int, e: int = 65537) -> dict[str, Any]:
    d = pow(e, -1, n - 1)  # e*d = 1 mod n-1: every pre-check built on Fermat passes
    return {"kty": "RSA", "n": _b64_int(n), "e": _b64_int(e), "d": _b64_int(d)}


def test_rsa_jwk_with_a_prime_modulus_and_no_crt_members_is_refused_without_factoring() -> None:
    with pytest.raises(InvalidKeyError, match="modulus is prime"):
        Key.from_dict(_hostile_d_only_jwk(_PRIME))


def test_rsa_d_only_import_costs_a_bounded_number_of_exponentiations(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import jwtkit.jwk.rsa as rsa_module

    calls: list[int] = []

    def counting_pow(base: int, exponent: int, modulus: int) -> int:
        calls.append(exponent.bit_length())
        return pow(base, exponent, modulus)

    monkeypatch.setattr(rsa_module, "pow", counting_pow, raising=False)
    only_d = {name: RSA_JWK[name] for name in ("kty", "n", "e", "d")}
    for _ in range(5):  # a genuine key: recovered, in a handful of exponentiations
        calls.clear()
        assert Key.from_dict(only_d).to_dict(private=True) == RSA_JWK
        assert 2 <= len(calls) <= 1 + rsa_module._RECOVERY_ATTEMPTS
    # A hostile one: refused after one exponentiation, and never one longer than the key.
    calls.clear()
    with pytest.raises(InvalidKeyError):
        Key.from_dict(_hostile_d_only_jwk(_PRIME))
    assert len(calls) == 1 and max(calls) <= _PRIME.bit_length()


def test_rsa_jwk_with_a_prime_power_modulus_is_refused_in_one_exponentiation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Found by the review of the fix: modulo p**2 the units form a cyclic group, so no base
    # ever passes a useful square root of 1 and every attempt of the budget was spent
    # (18 s for a 4096-bit n). One exponentiation now finds p.
    import jwtkit.jwk.rsa as rsa_module

    calls: list[int] = []
    monkeypatch.setattr(
        rsa_module, "pow", lambda *args: calls.append(1) or pow(*args), raising=False
    )
    n = _PRIME * _PRIME
    d = pow(65537, -1, _PRIME * (_PRIME - 1))
    with pytest.raises(InvalidKeyError):
        Key.from_dict({"kty": "RSA", "n": _b64_int(n), "e": "AQAB", "d": _b64_int(d)})
    assert len(calls) == 1


def test_rsa_jwk_private_exponent_out_of_range_is_refused() -> None:
    n = int.from_bytes(b64url_decode(RSA_JWK["n"]), "big")
    for d in (1, n, n + 2, n**3):
        with pytest.raises(InvalidKeyError, match="out of range"):
            Key.from_dict(_with({k: RSA_JWK[k] for k in ("kty", "n", "e")}, d=_b64_int(d)))
        with pytest.raises(InvalidKeyError, match="out of range"):
            Key.from_dict(_with(RSA_JWK, d=_b64_int(d)))


def test_rsa_crt_members_far_larger_than_the_modulus_are_refused_before_openssl() -> None:
    huge = _b64_int(2**20000 + 1)
    for name in ("p", "q", "dp", "dq", "qi"):
        with pytest.raises(InvalidKeyError, match="out of range"):
            Key.from_dict(_with(RSA_JWK, **{name: huge}))


def test_rsa_jwk_of_more_than_4096_bits_without_crt_members_is_refused() -> None:
    n = (1 << 5000) + 12345  # odd, far from any ROCA structure; never factored here
    only_d = {"kty": "RSA", "n": _b64_int(n), "e": "AQAB", "d": _b64_int(n // 3)}
    with pytest.raises(InvalidKeyError, match="include p, q, dp, dq and qi"):
        Key.from_dict(only_d)


def test_rsa_public_exponent_longer_than_64_bits_is_refused() -> None:
    # A 2047-bit e makes each verification ~45 times dearer than e = 65537.
    n = int.from_bytes(b64url_decode(RSA_JWK["n"]), "big")
    for e in ((1 << 64) + 1, (1 << 2046) + 1):
        with pytest.raises(InvalidKeyError, match="64 bits"):
            Key.from_dict(_with(RSA_PUBLIC_JWK, e=_b64_int(e)))
        with pytest.raises(InvalidKeyError, match="64 bits"):
            Key.import_key(rsa.RSAPublicNumbers(e, n).public_key())
    assert Key.from_dict(_with(RSA_PUBLIC_JWK, e=_b64_int((1 << 63) + 1))).kty == "RSA"


# -- alg bound to the key type -------------------------------------------------------------


@pytest.mark.parametrize(
    ("jwk", "alg"),
    [
        ({"kty": "EC", "crv": "P-256"}, "ES384"),
        ({"kty": "EC", "crv": "P-256"}, "ES256K"),
        ({"kty": "EC", "crv": "P-256"}, "RS256"),
        ({"kty": "RSA"}, "ES256"),
        ({"kty": "RSA"}, "HS256"),
        ({"kty": "OKP", "crv": "X25519"}, "EdDSA"),
        ({"kty": "OKP", "crv": "Ed25519"}, "Ed448"),
        ({"kty": "oct"}, "RS256"),
        ({"kty": "AKP"}, "ML-DSA-65"),
    ],
)
def test_rejects_alg_inconsistent_with_key_type_or_curve(jwk: dict[str, Any], alg: str) -> None:
    base = {
        "EC": P256_JWK,
        "RSA": RSA_PUBLIC_JWK,
        "OKP": X25519_JWK if jwk.get("crv") == "X25519" else ED25519_JWK,
        "oct": OCT_JWK,
        "AKP": ML_DSA_JWK,
    }[jwk["kty"]]
    with pytest.raises(InvalidKeyError):
        Key.from_dict(_with(base, alg=alg))


def test_accepts_alg_jwtkit_does_not_implement() -> None:
    # A JWKS may publish keys for algorithms of other software; binding is checked on use.
    assert Key.from_dict(_with(OCT_JWK, alg="A256GCM")).alg == "A256GCM"


# -- weak RSA keys -----------------------------------------------------------------------


def _rsa_public(n: int, e: int) -> dict[str, Any]:
    return {"kty": "RSA", "n": _b64_int(n), "e": _b64_int(e)}


@pytest.mark.parametrize("exponent", [1, 2, 65536, 0])
def test_rejects_rsa_public_exponent_one_or_even(exponent: int) -> None:
    n = int.from_bytes(_member_bytes(RSA_PUBLIC_JWK, "n"), "big")
    with pytest.raises(InvalidKeyError):
        Key.from_dict(_rsa_public(n, exponent))


def test_rejects_rsa_even_modulus_and_exponent_not_below_modulus() -> None:
    n = int.from_bytes(_member_bytes(RSA_PUBLIC_JWK, "n"), "big")
    with pytest.raises(InvalidKeyError):
        Key.from_dict(_rsa_public(n + 1, 65537))
    with pytest.raises(InvalidKeyError):
        Key.from_dict(_rsa_public(n, n + 2))


def test_rejects_oversized_rsa_modulus() -> None:
    # A 64 kbit modulus would make every verification a denial of service.
    with pytest.raises(InvalidKeyError, match="larger than"):
        Key.from_dict(_rsa_public((1 << 65536) + 1, 65537))


def _is_probable_prime(candidate: int, rounds: int = 20) -> bool:
    """Miller-Rabin, only to build test moduli (the library never needs it)."""
    if candidate < 2:
        return False
    for small in (2, 3, 5, 7, 11, 13):
        if candidate % small == 0:
            return candidate == small
    d, s = candidate - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    generator = random.Random(candidate)
    for _ in range(rounds):
        witness = pow(generator.randrange(2, candidate - 1), d, candidate)
        if witness in (1, candidate - 1):
            continue
        for _ in range(s - 1):
            witness = pow(witness, 2, candidate)
            if witness == candidate - 1:
                break
        else:
            return False
    return True


def _roca_prime(bits: int, generator: random.Random) -> int:
    # The structure of CVE-2017-15361: p = k * M + (65537^a mod M).
    m = math.prod(_ROCA_PRIMES)
    while True:
        k = generator.getrandbits(bits - m.bit_length()) | (1 << (bits - m.bit_length() - 1))
        p = k * m + pow(65537, generator.randrange(1, 1 << 20), m)
        if p.bit_length() == bits and _is_probable_prime(p):
            return p


@pytest.fixture(scope="module")
def roca_primes() -> tuple[int, int]:
    generator = random.Random(15361)
    while True:
        p, q = _roca_prime(1024, generator), _roca_prime(1024, generator)
        if p != q and math.gcd(65537, (p - 1) * (q - 1)) == 1:
            return p, q


def test_rejects_rsa_key_with_roca_fingerprint(roca_primes: tuple[int, int]) -> None:
    p, q = roca_primes
    n = p * q
    assert n.bit_length() in (2047, 2048)
    assert has_roca_fingerprint(n)
    with pytest.raises(InsecureKeyError, match="ROCA"):
        Key.from_dict(_rsa_public(n, 65537))
    # The same key as a cryptography object, with its private half, is refused as well.
    d = pow(65537, -1, (p - 1) * (q - 1))
    private_key = rsa.RSAPrivateNumbers(
        p,
        q,
        d,
        rsa.rsa_crt_dmp1(d, p),
        rsa.rsa_crt_dmq1(d, q),
        rsa.rsa_crt_iqmp(p, q),
        rsa.RSAPublicNumbers(65537, n),
    ).private_key()
    with pytest.raises(InsecureKeyError, match="ROCA"):
        Key.import_key(private_key)


def test_roca_check_passes_normally_generated_keys() -> None:
    for _ in range(3):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        assert not has_roca_fingerprint(key.public_key().public_numbers().n)
    assert Key.from_dict(RSA_PUBLIC_JWK).kty == "RSA"


# -- oct and common members -------------------------------------------------------------


def test_rejects_empty_oct_key() -> None:
    with pytest.raises(InvalidKeyError):
        Key.from_dict({"kty": "oct", "k": ""})


@pytest.mark.parametrize("kid", [123, 1.5, ["a"], {"a": 1}, True])
def test_rejects_non_string_kid(kid: Any) -> None:
    with pytest.raises(InvalidKeyError, match="kid"):
        Key.from_dict(_with(P256_JWK, kid=kid))


@pytest.mark.parametrize("member", ["alg", "use"])
def test_rejects_non_string_alg_or_use(member: str) -> None:
    with pytest.raises(InvalidKeyError):
        Key.from_dict(_with(P256_JWK, **{member: 7}))


@pytest.mark.parametrize(
    "key_ops",
    ["sign", ["sign", "sign"], ["fly"], [1], [None], {"sign": True}],
)
def test_rejects_bad_key_ops(key_ops: Any) -> None:
    with pytest.raises(InvalidKeyError, match="key_ops"):
        Key.from_dict(_with(P256_JWK, key_ops=key_ops))


@pytest.mark.parametrize(
    ("use", "key_ops"),
    [("sig", ["encrypt"]), ("sig", ["sign", "wrapKey"]), ("enc", ["verify"])],
)
def test_rejects_use_and_key_ops_disagreeing(use: str, key_ops: list[str]) -> None:
    with pytest.raises(InvalidKeyError, match="disagree"):
        Key.from_dict(_with(P256_JWK, use=use, key_ops=key_ops))


@pytest.mark.parametrize("kty", ["DSA", "", "rsa", 7, None])
def test_rejects_unknown_or_invalid_kty(kty: Any) -> None:
    with pytest.raises(InvalidKeyError, match="kty"):
        Key.from_dict(_with(P256_JWK, kty=kty))


@pytest.mark.parametrize("crv", ["P-192", "Curve25519", "", 5])
def test_rejects_unknown_curve(crv: Any) -> None:
    with pytest.raises(InvalidKeyError, match="crv"):
        Key.from_dict(_with(P256_JWK, crv=crv))


@pytest.mark.parametrize("encoded", ["padding=", "with space", "+slash/", "é"])
def test_rejects_non_canonical_base64url_in_members(encoded: str) -> None:
    with pytest.raises(InvalidKeyError):
        Key.from_dict(_with(OCT_JWK, k=encoded))


def test_rejects_base64url_with_non_zero_spare_bits() -> None:
    x = P256_JWK["x"]  # 43 characters: the last one carries 2 spare bits
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    assert alphabet.index(x[-1]) & 0x03 == 0  # canonical: the spare bits are zero
    tweaked = x[:-1] + alphabet[alphabet.index(x[-1]) + 1]
    with pytest.raises(InvalidKeyError):
        Key.from_dict(_with(_without(P256_JWK, "d"), x=tweaked))


@pytest.mark.parametrize("alg", [["ML-DSA-44"], {"a": 1}, 44, None])
def test_rejects_akp_with_non_string_alg(alg: Any) -> None:
    # Regression: an unhashable alg used to escape as TypeError.
    with pytest.raises(InvalidKeyError, match="alg"):
        Key.from_dict(_with(ML_DSA_JWK, alg=alg))


def test_rejects_key_text_that_is_not_valid_unicode() -> None:
    # Regression: a lone surrogate used to escape as UnicodeEncodeError.
    with pytest.raises(InvalidKeyError):
        Key.import_key("\ud800")


def test_rejects_jwk_that_is_not_an_object() -> None:
    for value in ("[]", "1", '"kty"', "null"):
        with pytest.raises(InvalidKeyError):
            Key.import_key(value)
    with pytest.raises(InvalidKeyError):
        Key.from_dict([("kty", "oct")])  # type: ignore[arg-type]


# -- error messages never carry key material -------------------------------------------


def _secret_strings(jwk: dict[str, Any]) -> list[str]:
    return [jwk[name] for name in ("d", "p", "q", "k", "priv") if name in jwk]


@pytest.mark.parametrize(
    ("jwk", "secret_source"),
    [
        (_with(P256_JWK, d=P256_OTHER_JWK["d"]), P256_OTHER_JWK),
        (_with(ED25519_JWK, d=ED25519_OTHER_JWK["d"]), ED25519_OTHER_JWK),
        (_with(ML_DSA_JWK, priv=ML_DSA_OTHER_JWK["priv"]), ML_DSA_OTHER_JWK),
        (_with(OCT_JWK, alg="RS256"), OCT_JWK),
        (_with(P256_JWK, d=P256_JWK["d"] + "="), P256_JWK),
        (_with(RSA_JWK, qi=RSA_JWK["dp"]), RSA_JWK),
        (_with(OCT_JWK, kid=7), OCT_JWK),
    ],
)
def test_error_messages_never_contain_key_material(
    jwk: dict[str, Any], secret_source: dict[str, Any]
) -> None:
    with pytest.raises(InvalidKeyError) as caught:
        Key.from_dict(jwk)
    message = str(caught.value)
    assert message
    for secret in _secret_strings(secret_source) + _secret_strings(jwk):
        assert secret.rstrip("=") not in message
        assert secret[:16] not in message


def test_error_for_a_secret_passed_to_import_key_does_not_echo_it() -> None:
    secret = "hunter2-but-a-much-longer-secret-value"
    with pytest.raises(InvalidKeyError) as caught:
        Key.import_key(secret)
    assert secret not in str(caught.value)


def test_error_for_a_pem_with_wrong_password_does_not_echo_it() -> None:
    pem = Key.import_key(P256_JWK).to_pem(private=True, password="right")
    with pytest.raises(InvalidKeyError) as caught:
        Key.import_key(pem, password="wrong-password-xyz")
    assert "wrong-password-xyz" not in str(caught.value)
    assert "MII" not in str(caught.value)


def test_repr_never_contains_key_material() -> None:
    for jwk in (P256_JWK, OCT_JWK, RSA_JWK, ML_DSA_JWK):
        shown = repr(Key.from_dict(jwk))
        for secret in _secret_strings(jwk):
            assert secret[:16] not in shown


# -- fuzzing: only jwtkit errors leave the library --------------------------------------

_json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40)
_json_values = st.recursive(
    _json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
_MEMBER_NAMES = ["kty", "crv", "x", "y", "d", "n", "e", "p", "q", "dp", "dq", "qi", "k"]
_MEMBER_NAMES += ["pub", "priv", "alg", "kid", "use", "key_ops", "oth"]
_base64_like = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/ ",
    max_size=120,
)
_member_values = (
    st.sampled_from(["RSA", "EC", "OKP", "oct", "AKP", "P-256", "P-521", "Ed25519", "X448"])
    | st.sampled_from(["ES256", "RS256", "ML-DSA-44", "EdDSA", "sig", "enc", "AQAB", ""])
    | _base64_like
    | _json_values
)
_jwk_like = st.dictionaries(
    st.sampled_from(_MEMBER_NAMES) | st.text(max_size=6), _member_values, max_size=9
)
_VALID_JWKS = [RSA_JWK, P256_JWK, ED25519_JWK, X25519_JWK, ML_DSA_JWK, OCT_JWK]


@st.composite
def _mutated_jwk(draw: st.DrawFn) -> dict[str, Any]:
    jwk = dict(draw(st.sampled_from(_VALID_JWKS)))
    for _ in range(draw(st.integers(1, 3))):
        name = draw(st.sampled_from(sorted(jwk) + _MEMBER_NAMES))
        if draw(st.booleans()):
            jwk.pop(name, None)
        else:
            jwk[name] = draw(_member_values)
    return jwk


def _only_jwtkit_errors(call: Any, *args: Any) -> None:
    """The call gives a key (set) or a jwtkit error that names a check; nothing else."""
    try:
        result = call(*args)
    except JWTKitError as error:
        assert str(error)
        return
    assert isinstance(result, Key | KeySet)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_fuzz_import_key_bytes_raises_only_jwtkit_errors(data: bytes) -> None:
    _only_jwtkit_errors(Key.import_key, data)


@settings(max_examples=150, deadline=None)
@given(
    st.text(max_size=200)
    | st.sampled_from(["-----BEGIN ", "ssh-rsa ", "ecdsa-sha2-nistp256 ", '{"kty":']).flatmap(
        lambda prefix: st.text(max_size=120).map(lambda rest: prefix + rest)
    )
)
def test_fuzz_import_key_text_raises_only_jwtkit_errors(text: str) -> None:
    _only_jwtkit_errors(Key.import_key, text)


@settings(max_examples=200, deadline=None)
@given(_jwk_like | _mutated_jwk())
def test_fuzz_from_dict_raises_only_jwtkit_errors(jwk: dict[str, Any]) -> None:
    _only_jwtkit_errors(Key.from_dict, jwk)
    _only_jwtkit_errors(Key.import_key, jwk)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(_jwk_like | _mutated_jwk() | _json_values, max_size=4).map(
        lambda members: {"keys": members}
    )
    | st.dictionaries(st.sampled_from(["keys", "other"]), _json_values, max_size=2)
)
def test_fuzz_keyset_from_dict_raises_only_jwtkit_errors(jwks: dict[str, Any]) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _only_jwtkit_errors(KeySet.from_dict, jwks)
        _only_jwtkit_errors(KeySet.from_dict, json.dumps(jwks, default=str))

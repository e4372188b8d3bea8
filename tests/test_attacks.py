"""Attacks on JWS/JWT verification, each forged the way an attacker would and each refused.

Every test is named for the attack it replays; if the defence goes, the test fails. Every
refusal is also checked for leaks: the error message must not carry the token or key material.
"""

from __future__ import annotations

import datetime
import hmac
import json
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.x509.oid import NameOID
from hypothesis import given, settings
from hypothesis import strategies as st

import jwtkit
from jwtkit import jws
from jwtkit._codec import MAX_TOKEN_SIZE, b64url_decode, b64url_encode
from jwtkit.errors import (
    DecodeError,
    InsecureKeyError,
    InvalidAlgorithmError,
    InvalidIssuerError,
    InvalidKeyError,
    InvalidOptionError,
    InvalidSignatureError,
    JWTKitError,
    UnsupportedAlgorithmError,
)
from jwtkit.jwa.ecdsa import EC_CURVES, ES256, ES256K, ES384, ES512, ECDSAAlgorithm
from jwtkit.jwk import Key, KeySet, OctKey

SECRET = b"correct horse battery staple 32b"
NOW = 1_700_000_000


def segment(data: bytes) -> str:
    return b64url_encode(data).decode()


def hmac_token(
    header: bytes | dict[str, Any],
    claims: bytes | dict[str, Any],
    secret: bytes = SECRET,
    digest: str = "sha256",
) -> str:
    """A compact token over raw header/claims JSON, HMAC-signed with ``secret``."""
    header_bytes = header if isinstance(header, bytes) else json.dumps(header).encode()
    claims_bytes = claims if isinstance(claims, bytes) else json.dumps(claims).encode()
    signing_input = f"{segment(header_bytes)}.{segment(claims_bytes)}"
    signature = hmac.digest(secret, signing_input.encode(), digest)
    return f"{signing_input}.{segment(signature)}"


def assert_no_leak(error: BaseException, token: str | None = None, *material: bytes) -> None:
    """The message names the check, never the token (or a segment of it) or key material."""
    assert isinstance(error, JWTKitError)
    text = " ".join([str(error), repr(error), *map(str, error.args)])
    if token:
        assert token not in text
        for part in token.split("."):
            assert len(part) < 12 or part not in text
    for secret in material:
        if not secret:
            continue
        assert secret.decode("latin-1") not in text
        assert segment(secret) not in text
        for line in secret.splitlines():
            if len(line) >= 16:
                assert line.decode("latin-1") not in text


def refused(
    expected: type[Exception], token: str, key: Any, algorithms: Any, *material: bytes, **kw: Any
) -> JWTKitError:
    with pytest.raises(expected) as caught:
        jwtkit.decode(token, key, algorithms, now=NOW, **kw)
    assert_no_leak(caught.value, token, *material)
    return caught.value  # type: ignore[return-value]


# -- alg: none ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["none", "None", "NONE", "nOnE"])
def test_rejects_alg_none_when_a_key_is_given(name: str) -> None:
    header = segment(json.dumps({"alg": name, "typ": "JWT"}).encode())
    claims = segment(b'{"sub":"admin"}')
    token = f"{header}.{claims}."
    refused(InvalidAlgorithmError, token, SECRET, ["HS256"], SECRET)
    with pytest.raises(InvalidAlgorithmError):
        jws.verify(token, OctKey(SECRET), ["HS256", "RS256"])


def test_rejects_alg_none_even_when_the_caller_lists_it() -> None:
    token = jws.sign_unsecured(b'{"sub":"admin"}')
    with pytest.raises(UnsupportedAlgorithmError) as caught:
        jwtkit.decode(token, SECRET, ["none"])
    assert_no_leak(caught.value, token, SECRET)
    with pytest.raises(UnsupportedAlgorithmError):
        jwtkit.Verifier(SECRET, ["none"])


# -- HMAC signed with the verifier's public key (algorithm confusion) --------------------------

RSA_PRIVATE = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_PRIVATE = ec.generate_private_key(ec.SECP256R1())


def self_signed_certificate(private_key: Any) -> bytes:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "victim.example")])
    start = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private_key.public_key())
        .serial_number(1)
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=3650))
        .sign(private_key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM)


def public_forms(private_key: Any) -> dict[str, bytes]:
    public = private_key.public_key()
    forms = {
        "pem_spki": public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        "openssh": public.public_bytes(
            serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
        ),
        "x509_certificate": self_signed_certificate(private_key),
        "jwk_json": json.dumps(Key.import_key(public).to_dict()).encode(),
        "der_spki": public.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
    }
    if isinstance(public, rsa.RSAPublicKey):
        forms["pem_pkcs1"] = public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.PKCS1
        )
    return forms


CONFUSION_CASES = [
    (kind, form, data)
    for kind, private_key in (("rsa", RSA_PRIVATE), ("ec", EC_PRIVATE))
    for form, data in public_forms(private_key).items()
]


def forge_hmac_with_public_key(public_key_bytes: bytes) -> str:
    """What the attacker does: HMAC the signing input with the published public key bytes."""
    return hmac_token({"alg": "HS256", "typ": "JWT"}, {"sub": "admin"}, public_key_bytes)


@pytest.mark.parametrize(
    ("kind", "form", "public_key_bytes"),
    CONFUSION_CASES,
    ids=[f"{k}-{f}" for k, f, _ in CONFUSION_CASES],
)
def test_rejects_hmac_signed_with_public_key(kind: str, form: str, public_key_bytes: bytes) -> None:
    token = forge_hmac_with_public_key(public_key_bytes)
    # The vulnerable pattern: the app passes its public key and allows both families.
    algorithms = ["RS256", "ES256", "HS256"]
    refused(InvalidKeyError, token, public_key_bytes, algorithms, public_key_bytes)
    if form != "der_spki":
        text = public_key_bytes.decode()
        refused(InvalidKeyError, token, text, algorithms, public_key_bytes)
    with pytest.raises(InvalidKeyError):
        jws.verify(token, public_key_bytes, algorithms)


def test_rejects_hmac_with_rsa_public_pem() -> None:
    pem = public_forms(RSA_PRIVATE)["pem_spki"]
    refused(InvalidKeyError, forge_hmac_with_public_key(pem), pem, ["RS256", "HS256"], pem)


def test_rejects_hmac_with_rsa_public_pkcs1_pem() -> None:
    pem = public_forms(RSA_PRIVATE)["pem_pkcs1"]
    refused(InvalidKeyError, forge_hmac_with_public_key(pem), pem, ["RS256", "HS256"], pem)


def test_rejects_hmac_with_openssh_ecdsa_public_key_cve_2024_33663() -> None:
    ssh = public_forms(EC_PRIVATE)["openssh"]
    assert ssh.startswith(b"ecdsa-sha2-nistp256 ")
    refused(InvalidKeyError, forge_hmac_with_public_key(ssh), ssh.decode(), ["ES256", "HS256"], ssh)


def test_rejects_hmac_with_x509_certificate() -> None:
    cert = public_forms(RSA_PRIVATE)["x509_certificate"]
    refused(InvalidKeyError, forge_hmac_with_public_key(cert), cert, ["RS256", "HS256"], cert)


def test_rejects_hmac_with_jwk_json_text() -> None:
    jwk = public_forms(EC_PRIVATE)["jwk_json"]
    refused(InvalidKeyError, forge_hmac_with_public_key(jwk), jwk.decode(), ["ES256", "HS256"], jwk)


def _disguised_public_keys() -> dict[str, bytes]:
    """One public key written every way a developer might store it, each still the key."""
    import base64

    forms = public_forms(RSA_PRIVATE)
    jwk = json.loads(forms["jwk_json"])
    escaped = json.dumps(jwk).replace('"kty"', '"\\u006bty"').encode()
    ssh = forms["openssh"]
    body = b"".join(forms["pem_spki"].splitlines()[1:-1])
    return {
        "jwk with an escaped kty": escaped,
        "jwk with a duplicate member": escaped[:-1] + b', "kty": "oct"}',
        "jwks": json.dumps({"keys": [jwk]}).encode(),
        "jwk with a bom and spaces": b"\xef\xbb\xbf \n" + forms["jwk_json"],
        "pem with a bom": b"\xef\xbb\xbf" + forms["pem_spki"],
        "pem lower-case armor": forms["pem_spki"].replace(b"PUBLIC KEY", b"public key"),
        "spki base64 without armor": body,
        "pem in base64": base64.b64encode(forms["pem_spki"]),
        "jwk in base64url": base64.urlsafe_b64encode(forms["jwk_json"]).rstrip(b"="),
        "der spki": forms["der_spki"],
        "ssh with authorized_keys options": b'from="10.0.0.1",no-pty ' + ssh,
        "ssh2 armor (RFC 4716)": b"---- BEGIN SSH2 PUBLIC KEY ----\n"
        + ssh.split()[1]
        + b"\n---- END SSH2 PUBLIC KEY ----\n",
    }


@pytest.mark.parametrize("form", sorted(_disguised_public_keys()))
def test_rejects_hmac_with_a_public_key_in_any_form_the_guard_parses(form: str) -> None:
    # The guard once matched literal bytes: {"\u006bty": ...} is the same JWK and passed.
    from jwtkit.compat.pyjwt.algorithms import HMACAlgorithm

    text = _disguised_public_keys()[form]
    token = forge_hmac_with_public_key(text)
    refused(InvalidKeyError, token, text, ["RS256", "HS256"], text)
    with pytest.raises(InvalidKeyError):
        OctKey.import_key(text)  # it accepted public-JWK bytes and SPKI DER, unlike decode
    with pytest.raises(jwtkit.compat.pyjwt.InvalidKeyError):
        HMACAlgorithm(HMACAlgorithm.SHA256).prepare_key(text)


def test_secrets_that_only_look_like_text_are_still_secrets() -> None:
    import secrets

    for secret in (
        secrets.token_urlsafe(32).encode(),
        secrets.token_hex(32).encode(),
        secrets.token_bytes(32),
        b'{"not": "a key", "but": "json"}' * 2,
        b"ssh-rsa is not a key without a blob, 32 bytes+",
    ):
        assert OctKey.import_key(secret).secret == secret  # type: ignore[attr-defined]


def test_rejects_hmac_when_the_key_object_is_asymmetric() -> None:
    pem = public_forms(RSA_PRIVATE)["pem_spki"]
    token = forge_hmac_with_public_key(pem)
    for key in (Key.import_key(pem), RSA_PRIVATE.public_key(), Key.import_key(pem).to_dict()):
        refused(InvalidAlgorithmError, token, key, ["RS256", "HS256"], pem)
    verifier = jwtkit.Verifier(Key.import_key(pem), ["RS256", "HS256"])
    with pytest.raises(InvalidAlgorithmError):
        verifier.verify(token, now=NOW)


def test_verifier_refuses_a_public_key_as_hmac_secret_up_front() -> None:
    pem = public_forms(RSA_PRIVATE)["pem_spki"]
    with pytest.raises(InvalidKeyError) as caught:
        jwtkit.Verifier(pem, ["RS256", "HS256"])
    assert_no_leak(caught.value, None, pem)


# -- the header tries to choose the algorithm or the key ---------------------------------------


def test_rejects_alg_that_differs_from_the_keys_bound_alg() -> None:
    key = Key.import_key(RSA_PRIVATE, alg="RS256")
    unbound = Key.import_key(RSA_PRIVATE)
    token = jwtkit.encode({"sub": "x"}, unbound, "PS256")
    error = refused(InvalidAlgorithmError, token, key.public_key(), ["RS256", "PS256"])
    assert "bound" in str(error)


def test_rejects_crit_with_an_unknown_parameter() -> None:
    token = hmac_token({"alg": "HS256", "crit": ["exp"], "exp": NOW + 60}, {"sub": "x"})
    error = refused(DecodeError, token, SECRET, ["HS256"], SECRET)
    assert "critical" in str(error)
    for header in (
        {"alg": "HS256", "crit": []},
        {"alg": "HS256", "crit": "b64"},
        {"alg": "HS256", "crit": ["b64"]},
    ):
        refused(DecodeError, hmac_token(header, {"sub": "x"}), SECRET, ["HS256"], SECRET)


ATTACKER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.mark.parametrize("member", ["jwk", "jku", "x5u", "x5c"])
def test_rejects_embedded_header_key_as_verification_key(member: str) -> None:
    attacker = Key.import_key(ATTACKER_KEY)
    values: dict[str, Any] = {
        "jwk": attacker.public_key().to_dict(),
        "jku": "https://attacker.example/jwks.json",
        "x5u": "https://attacker.example/cert.pem",
        "x5c": [
            b64url_encode(
                x509.load_pem_x509_certificate(self_signed_certificate(ATTACKER_KEY)).public_bytes(
                    serialization.Encoding.DER
                )
            ).decode()
        ],
    }
    token = jwtkit.encode({"sub": "admin"}, attacker, "RS256", headers={member: values[member]})
    victim = Key.import_key(RSA_PRIVATE).public_key()
    refused(InvalidSignatureError, token, victim, ["RS256"])
    refused(InvalidSignatureError, token, KeySet([victim]), ["RS256"])
    with pytest.raises(InvalidSignatureError):
        jwtkit.Verifier(victim, ["RS256"]).verify(token, now=NOW)


# -- ECDSA: psychic signatures and curve orders -------------------------------------------------

EC_ALGORITHMS = [ES256, ES384, ES512, ES256K]


@pytest.mark.parametrize("algorithm", EC_ALGORITHMS, ids=lambda a: a.name)
def test_rejects_psychic_ecdsa_signature_zero_r_s_cve_2022_21449(algorithm: ECDSAAlgorithm) -> None:
    key = Key.generate(algorithm.name)
    token = jwtkit.encode({"sub": "admin"}, key)
    signing_input = token.rsplit(".", 1)[0]
    size, order = algorithm.curve.size, algorithm.curve.order
    for r, s in ((0, 0), (0, 1), (1, 0), (order, 1), (1, order), (order + 1, 1), (order, order)):
        if max(r, s).bit_length() > size * 8:
            continue
        forged = f"{signing_input}.{segment(r.to_bytes(size, 'big') + s.to_bytes(size, 'big'))}"
        refused(InvalidSignatureError, forged, key.public_key(), [algorithm.name])
    assert not algorithm.verify(key.public_key()._material, b"x", bytes(2 * size))


@pytest.mark.parametrize("algorithm", EC_ALGORITHMS, ids=lambda a: a.name)
def test_rejects_ecdsa_signature_of_wrong_length(algorithm: ECDSAAlgorithm) -> None:
    key = Key.generate(algorithm.name)
    token = jwtkit.encode({"sub": "x"}, key)
    signing_input, signature = token.rsplit(".", 1)
    raw = b64url_decode(signature)
    r, s = int.from_bytes(raw[: len(raw) // 2], "big"), int.from_bytes(raw[len(raw) // 2 :], "big")
    for wrong in (raw[:-1], raw + b"\0", b"\0" + raw, encode_dss_signature(r, s), b""):
        forged = f"{signing_input}.{segment(wrong)}"
        refused(InvalidSignatureError, forged, key.public_key(), [algorithm.name])
    assert jwtkit.decode(token, key.public_key(), [algorithm.name]) == {"sub": "x"}


@pytest.mark.parametrize("algorithm", EC_ALGORITHMS, ids=lambda a: a.name)
def test_ecdsa_malleability_proves_the_curve_order(algorithm: ECDSAAlgorithm) -> None:
    # (r, n - s) is a valid signature exactly when n is the group order: OpenSSL accepts it,
    # so this checks the order constant in jwa/ecdsa.py against the real curve.
    private = algorithm.generate_key()
    public = private.public_key()
    size, order = algorithm.curve.size, algorithm.curve.order
    r, s = decode_dss_signature(private.sign(b"message", ec.ECDSA(algorithm_hash(algorithm))))
    malleated = r.to_bytes(size, "big") + (order - s).to_bytes(size, "big")
    assert algorithm.verify(public, b"message", malleated)
    wrong = (order + 1 - s) % (1 << (8 * size))
    assert not algorithm.verify(
        public, b"message", r.to_bytes(size, "big") + wrong.to_bytes(size, "big")
    )
    assert EC_CURVES[algorithm.curve.name] is algorithm.curve


def algorithm_hash(algorithm: ECDSAAlgorithm) -> hashes.HashAlgorithm:
    return {
        "ES256": hashes.SHA256(),
        "ES384": hashes.SHA384(),
        "ES512": hashes.SHA512(),
        "ES256K": hashes.SHA256(),
    }[algorithm.name]


# -- strict wire format ------------------------------------------------------------------------


def valid_token() -> str:
    return jwtkit.encode({"sub": "user", "n": "~~~???"}, SECRET, "HS256")


def test_rejects_non_canonical_base64url_padding() -> None:
    token = valid_token()
    header, payload, signature = token.split(".")
    assert len(signature) % 4 != 0
    refused(DecodeError, f"{header}.{payload}.{signature}=", SECRET, ["HS256"], SECRET)
    refused(DecodeError, f"{header}=.{payload}.{signature}", SECRET, ["HS256"], SECRET)


def test_rejects_non_canonical_base64url_spare_bits() -> None:
    token = valid_token()
    header, payload, signature = token.split(".")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(signature[-1])
    twin = signature[:-1] + alphabet[last | 1]  # same bytes under a lax decoder
    assert twin != signature
    error = refused(DecodeError, f"{header}.{payload}.{twin}", SECRET, ["HS256"], SECRET)
    assert "spare bits" in str(error)


@pytest.mark.parametrize("noise", [" ", "\n", "\t", "\r\n"])
def test_rejects_non_canonical_base64url_whitespace(noise: str) -> None:
    header, payload, signature = valid_token().split(".")
    middle = len(payload) // 2
    spaced = f"{header}.{payload[:middle]}{noise}{payload[middle:]}.{signature}"
    refused(DecodeError, spaced, SECRET, ["HS256"], SECRET)


def test_rejects_non_canonical_base64url_standard_alphabet() -> None:
    token = valid_token()
    assert "-" in token or "_" in token
    standard = token.replace("-", "+").replace("_", "/")
    refused(DecodeError, standard, SECRET, ["HS256"], SECRET)


def test_rejects_duplicate_member_names_in_header() -> None:
    token = hmac_token(b'{"alg":"HS256","alg":"none"}', {"sub": "x"})
    error = refused(DecodeError, token, SECRET, ["HS256"], SECRET)
    assert "duplicate" in str(error)


def test_rejects_duplicate_member_names_in_claims() -> None:
    token = hmac_token({"alg": "HS256"}, b'{"sub":"user","sub":"admin"}')
    error = refused(DecodeError, token, SECRET, ["HS256"], SECRET)
    assert "duplicate" in str(error)


def test_rejects_deep_nesting_without_recursion_error() -> None:
    deep_claims = b'{"a":' + b"[" * 50_000 + b"]" * 50_000 + b"}"
    token = hmac_token({"alg": "HS256"}, deep_claims)
    assert len(token) < MAX_TOKEN_SIZE
    error = refused(DecodeError, token, SECRET, ["HS256"], SECRET)
    assert "nested" in str(error)
    deep_header = b'{"alg":"HS256","x":' + b"[" * 2_000 + b"]" * 2_000 + b"}"
    refused(DecodeError, hmac_token(deep_header, {"sub": "x"}), SECRET, ["HS256"], SECRET)


def test_rejects_huge_segments_before_decoding() -> None:
    huge = "A" * (MAX_TOKEN_SIZE + 1)
    token = f"eyJhbGciOiJIUzI1NiJ9.{huge}.AAAA"
    error = refused(DecodeError, token, SECRET, ["HS256"], SECRET)
    assert "larger than" in str(error)
    big_header = segment(json.dumps({"alg": "HS256", "pad": "x" * 20_000}).encode())
    refused(DecodeError, f"{big_header}.e30.AAAA", SECRET, ["HS256"], SECRET)
    with pytest.raises(DecodeError, match="larger than"):
        jws.verify_json("{" + " " * MAX_TOKEN_SIZE + "}", SECRET, ["HS256"])


def test_rejects_jwe_given_to_decode_with_a_clear_error() -> None:
    jwe_like = (
        "eyJhbGciOiJkaXIiLCJlbmMiOiJBMTI4R0NNIn0..AAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA"
    )
    error = refused(DecodeError, jwe_like, SECRET, ["HS256"], SECRET)
    assert "JWE" in str(error)


# -- claims ------------------------------------------------------------------------------------


@pytest.mark.parametrize("iss", ["ab", "abcd", "xabc", "abc ", "ABC", ["abc"], ["abc", "x"], 7])
def test_rejects_substring_or_array_issuer_cve_2024_53861(iss: Any) -> None:
    token = jwtkit.encode({"iss": iss, "sub": "x"}, SECRET)
    refused(InvalidIssuerError, token, SECRET, ["HS256"], SECRET, issuer="abc")
    refused(InvalidIssuerError, token, SECRET, ["HS256"], SECRET, issuer=["abc", "def"])
    assert jwtkit.decode(jwtkit.encode({"iss": "abc"}, SECRET), SECRET, ["HS256"], issuer="abc")


@pytest.mark.parametrize(
    "raw",
    [
        b"NaN",
        b"Infinity",
        b"-Infinity",
        b"1e400",
        b"-1e400",
        b"1" + b"0" * 400,
        b"true",
        b'"2030-01-01"',
        b"null",
    ],
)
def test_rejects_nan_infinity_and_overflowing_exp(raw: bytes) -> None:
    token = hmac_token({"alg": "HS256"}, b'{"sub":"x","exp":' + raw + b"}")
    refused(DecodeError, token, SECRET, ["HS256"], SECRET)


@pytest.mark.parametrize("claim", ["nbf", "iat"])
def test_rejects_infinite_nbf_and_iat(claim: str) -> None:
    token = hmac_token({"alg": "HS256"}, f'{{"{claim}":-1e400}}'.encode())
    refused(jwtkit.InvalidTokenError, token, SECRET, ["HS256"], SECRET)


def test_rejects_empty_hmac_key() -> None:
    token = hmac_token({"alg": "HS256"}, {"sub": "x"}, secret=b"")
    for empty in (b"", ""):
        refused(InvalidKeyError, token, empty, ["HS256"])
        with pytest.raises(InvalidKeyError):
            jwtkit.encode({"sub": "x"}, empty, "HS256")
    with pytest.raises(InvalidKeyError):
        OctKey(b"")


def test_rejects_key_set_with_symmetric_and_asymmetric_keys_sharing_a_kid() -> None:
    rsa_public = Key.import_key(RSA_PRIVATE.public_key(), kid="shared")
    with pytest.raises(InvalidKeyError, match="share the kid"):
        KeySet([OctKey(SECRET, kid="shared"), rsa_public])
    document = {"keys": [rsa_public.to_dict(), OctKey(SECRET, kid="shared").to_dict(private=True)]}
    with pytest.raises(InvalidKeyError, match="share the kid"):
        KeySet.from_dict(document)


def test_rejects_verifying_with_a_key_set_that_mixes_secret_and_public_keys() -> None:
    # With both kinds in one set, the token's header chooses whether a shared secret or a
    # public key vouches for it; any slip elsewhere (a public key text used as a secret) is
    # then a forgery. Such a set is refused for verification, whatever the token says.
    rsa_public = Key.import_key(RSA_PRIVATE.public_key(), kid="rsa")
    keys = KeySet([OctKey(SECRET, kid="hmac"), rsa_public])
    pem = rsa_public.to_pem()
    genuine = jwtkit.encode({"sub": "alice"}, OctKey(SECRET, kid="hmac"), "HS256")
    forged = hmac_token({"alg": "HS256", "kid": "rsa"}, {"sub": "admin"}, pem)
    unnamed = hmac_token({"alg": "HS256"}, {"sub": "admin"}, pem)
    for token in (genuine, forged, unnamed):
        error = refused(InvalidKeyError, token, keys, ["HS256", "RS256"], pem, SECRET)
        assert "two sets" in str(error)
        with pytest.raises(InvalidKeyError, match="two sets"):
            jws.verify(token, keys, ["HS256"])
    with pytest.raises(InvalidKeyError, match="two sets"):
        jwtkit.Verifier(keys, ["HS256", "RS256"])
    with pytest.raises(InvalidKeyError, match="two sets"):
        jwtkit.decode(genuine, {"keys": [k.to_dict(private=k.is_private) for k in keys]}, ["HS256"])
    # Each kind on its own verifies as before.
    assert jwtkit.decode(genuine, KeySet([OctKey(SECRET, kid="hmac")]), ["HS256"], now=NOW)
    with pytest.raises(InvalidAlgorithmError):
        jwtkit.decode(forged, KeySet([rsa_public]), ["HS256", "RS256"], now=NOW)


def test_a_weak_key_in_a_set_does_not_abort_a_kid_less_search() -> None:
    weak = Key.import_key(rsa.generate_private_key(public_exponent=65537, key_size=1024))
    strong = Key.import_key(RSA_PRIVATE)
    keys = KeySet([weak.public_key(), strong.public_key()])  # no kids: candidates in order
    token = jwtkit.encode({"sub": "alice"}, strong, "RS256")
    assert jwtkit.decode(token, keys, ["RS256"], now=NOW) == {"sub": "alice"}
    assert jwtkit.Verifier(keys, ["RS256"]).verify(token, now=NOW) == {"sub": "alice"}
    # When the weak key is the only candidate, the refusal still says why.
    with pytest.raises(InsecureKeyError):
        jwtkit.decode(token, KeySet([weak.public_key()]), ["RS256"], now=NOW)


@pytest.mark.parametrize("algorithms", [None, "HS256", "HS", [], ()])
def test_rejects_algorithms_missing_or_given_as_a_string(algorithms: Any) -> None:
    token = valid_token()
    with pytest.raises(InvalidOptionError, match="algorithms") as caught:
        jwtkit.decode(token, SECRET, algorithms)
    assert_no_leak(caught.value, token, SECRET)
    with pytest.raises(InvalidOptionError):
        jws.verify(token, SECRET, algorithms)
    with pytest.raises(InvalidOptionError):
        jws.verify_json(jws.sign_json(b"x", [(SECRET, "HS256", None, None)]), SECRET, algorithms)
    with pytest.raises(InvalidOptionError):
        jwtkit.Verifier(SECRET, algorithms)


def test_errors_never_contain_the_token_or_key_material() -> None:
    secret_text = "s3cr3t-" + "q" * 40
    tokens = [
        hmac_token({"alg": "HS256"}, {"exp": 1}, secret_text.encode()),
        hmac_token({"alg": "HS256", "kid": "k" * 100}, {"sub": "x"}, secret_text.encode()),
        hmac_token({"alg": "X" * 200}, {"sub": "x"}),
        "not a token",
        "a.b.c.d",
        hmac_token({"alg": "HS256"}, {"aud": "evil" * 30}, secret_text.encode()),
    ]
    for token in tokens:
        for key in (secret_text, KeySet([OctKey(secret_text.encode(), kid="real")])):
            with pytest.raises(JWTKitError) as caught:
                jwtkit.decode(token, key, ["HS256"], audience="mine")
            assert_no_leak(caught.value, token, secret_text.encode())


# -- hostile input of any shape: only jwtkit's own errors come out ------------------------------

_TOKEN_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ é\n{}\"'"


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(alphabet=_TOKEN_ALPHABET, max_size=120), st.binary(max_size=120)))
def test_garbage_tokens_raise_only_jwtkit_errors(garbage: str | bytes) -> None:
    for call in (
        lambda: jwtkit.decode(garbage, SECRET, ["HS256"]),
        lambda: jwtkit.get_unverified_header(garbage),
        lambda: jws.verify(garbage, SECRET, ["HS256"]),
        lambda: jws.verify_json(garbage, SECRET, ["HS256"]),
        lambda: jws.verify_unsecured(garbage),
    ):
        with pytest.raises(JWTKitError):
            call()


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0), st.sampled_from(_TOKEN_ALPHABET))
def test_single_character_mutations_of_a_token_are_refused(position: int, char: str) -> None:
    token = jwtkit.encode({"sub": "user", "exp": NOW + 60}, SECRET)
    index = position % len(token)
    mutated = token[:index] + char + token[index + 1 :]
    if mutated == token:
        return
    with pytest.raises(JWTKitError):
        jwtkit.decode(mutated, SECRET, ["HS256"], now=NOW)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["payload", "protected", "header", "signature", "signatures"]),
        JSON_VALUES,
        max_size=5,
    )
)
def test_malformed_json_serializations_raise_only_jwtkit_errors(document: dict[str, Any]) -> None:
    with pytest.raises(JWTKitError):
        jws.verify_json(document, SECRET, ["HS256"])


def test_cached_header_cannot_be_poisoned_through_the_returned_header() -> None:
    # Parsed protected headers are cached by their text and shared by every token that
    # carries the same one. A caller that edits a nested value of the header it was given
    # (a DPoP proof's "jwk", a list, a custom object) must not change what the next token
    # with that header says.
    key = OctKey.import_key(SECRET)
    first, second = (
        jwtkit.encode({"sub": name}, key, "HS256", headers={"ctx": {"role": "user"}, "l": [1]})
        for name in ("alice", "bob")
    )
    unsecured = [jws.sign_unsecured(b"x", headers={"ctx": {"role": "user"}}) for _ in "ab"]
    encrypted = [
        jwtkit.jwe.encrypt(b"x", key, "dir", "A128CBC-HS256", headers={"ctx": {"role": "user"}})
        for _ in "ab"
    ]
    readers = [
        (lambda token: jwtkit.get_unverified_header(token), first, second),
        (lambda token: jwtkit.decode_complete(token, key, ["HS256"])["header"], first, second),
        (lambda token: jws.verify(token, key, ["HS256"]).header, first, second),
        (lambda token: jws.verify_unsecured(token).header, *unsecured),
        (
            lambda token: jwtkit.jwe.decrypt(token, key, ["dir"], ["A128CBC-HS256"]).header,
            *encrypted,
        ),
    ]
    for read, token, other in readers:
        header = read(token)
        header["ctx"]["role"] = "admin"
        header.get("l", []).append(2)
        assert read(other)["ctx"] == {"role": "user"}
        assert read(token).get("l") in (None, [1])

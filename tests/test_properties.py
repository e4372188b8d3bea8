"""Properties that hold for all inputs, checked with hypothesis.

- Every signature algorithm round-trips arbitrary payload bytes (JWS) and arbitrary JSON
  claims (JWT).
- Hostile input to every entry point that reads outside data (tokens, JWS JSON, keys, key
  sets) raises only jwtkit's own errors; mutated tokens raise only token errors, and never
  echo the token in the message.
- The base64url codec round-trips, and accepts a text only when it is the one canonical
  encoding of what it decodes to.
"""

from __future__ import annotations

import base64
import string
import warnings
from functools import cache
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import jwtkit
from jwtkit._codec import b64url_decode, b64url_encode, json_dumps
from jwtkit.jwa import SIGNATURE_ALGORITHMS

ALGORITHMS = sorted(SIGNATURE_ALGORITHMS)
NOW = 1_800_000_000
REGISTERED_CLAIMS = ("iss", "sub", "aud", "exp", "nbf", "iat", "jti")
B64URL_ALPHABET = string.ascii_letters + string.digits + "-_"
#: The alphabet in value order (RFC 4648 §5): index = the 6-bit value of a character.
B64URL_ALPHABET_ORDER = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"

FEW = settings(max_examples=50, deadline=None)
MANY = settings(max_examples=100, deadline=None)


@cache
def signing_key(alg: str) -> jwtkit.Key:
    """One key per algorithm for the whole module (RSA generation is slow)."""
    return jwtkit.Key.generate(alg)


def verification_key(alg: str) -> jwtkit.Key:
    key = signing_key(alg)
    return key if key.kty == "oct" else key.public_key()


# -- strategies --------------------------------------------------------------------------------

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
private_claim_names = st.text(max_size=12).filter(lambda name: name not in REGISTERED_CLAIMS)
claims_sets = st.dictionaries(private_claim_names, json_values, max_size=6)

# Any Python string, lone surrogates included (they arrive via json.loads('"\\ud800"')).
any_text = st.text(st.characters(min_codepoint=0, max_codepoint=0x10FFFF, categories=None))
hostile_scalars = st.binary(max_size=200) | any_text
token_like = st.lists(
    st.text(B64URL_ALPHABET + "=+/ .\t\n{}\"'\\é", max_size=40), min_size=0, max_size=6
).map(".".join)


def _b64(data: bytes) -> str:
    return b64url_encode(data).decode("ascii")


segments_of_json = json_values.map(lambda value: _b64(json_dumps(value)))
compact_of_json = st.lists(segments_of_json | st.text(B64URL_ALPHABET), min_size=1, max_size=5).map(
    ".".join
)
hostile_tokens = hostile_scalars | token_like | compact_of_json


# -- round trips -------------------------------------------------------------------------------


@pytest.mark.parametrize("alg", ALGORITHMS)
@FEW
@given(payload=st.binary(max_size=300))
def test_jws_round_trips_any_payload(alg: str, payload: bytes) -> None:
    token = jwtkit.jws.sign(payload, signing_key(alg), alg)
    verified = jwtkit.jws.verify(token, verification_key(alg), [alg])
    assert verified.payload == payload
    assert verified.header["alg"] == alg


@pytest.mark.parametrize("alg", ALGORITHMS)
@FEW
@given(claims=claims_sets)
def test_jwt_round_trips_any_claims(alg: str, claims: dict[str, Any]) -> None:
    token = jwtkit.encode(claims, signing_key(alg), algorithm=alg)
    assert jwtkit.decode(token, verification_key(alg), algorithms=[alg], now=NOW) == claims


# -- hostile input raises only jwtkit errors --------------------------------------------------

HMAC_KEY = jwtkit.OctKey.import_key(b"property-tests-secret-0123456789abcdef")


def _only_jwtkit_errors(call: Any, *args: Any, **kwargs: Any) -> Any:
    """Call; a jwtkit error is an acceptable outcome, any other exception fails the test."""
    try:
        return call(*args, **kwargs)
    except jwtkit.JWTKitError as error:
        return error


@MANY
@given(token=hostile_tokens)
def test_decode_raises_only_token_errors(token: str | bytes) -> None:
    outcome = _only_jwtkit_errors(
        jwtkit.decode, token, HMAC_KEY, algorithms=["HS256", "ES256"], now=NOW
    )
    assert isinstance(outcome, jwtkit.InvalidTokenError)


@MANY
@given(token=hostile_tokens)
def test_jws_verify_raises_only_token_errors(token: str | bytes) -> None:
    outcome = _only_jwtkit_errors(jwtkit.jws.verify, token, HMAC_KEY, ["HS256"])
    assert isinstance(outcome, jwtkit.InvalidTokenError)


@MANY
@given(token=hostile_tokens)
def test_get_unverified_header_raises_only_token_errors(token: str | bytes) -> None:
    outcome = _only_jwtkit_errors(jwtkit.get_unverified_header, token)
    assert isinstance(outcome, dict | jwtkit.InvalidTokenError)


jws_json_documents = st.fixed_dictionaries(
    {},
    optional={
        "payload": segments_of_json | st.text(max_size=20) | json_values,
        "protected": segments_of_json | json_values,
        "header": json_values
        | st.dictionaries(st.sampled_from(["alg", "kid", "crit"]), json_values),
        "signature": st.text(B64URL_ALPHABET, max_size=60) | json_values,
        "signatures": st.lists(
            st.fixed_dictionaries(
                {},
                optional={
                    "protected": segments_of_json | json_values,
                    "header": json_values,
                    "signature": st.text(B64URL_ALPHABET, max_size=60) | json_values,
                },
            )
            | json_values,
            max_size=3,
        )
        | json_values,
    },
)


@MANY
@given(document=hostile_scalars | json_values | jws_json_documents)
def test_jws_verify_json_raises_only_jwtkit_errors(document: Any) -> None:
    outcome = _only_jwtkit_errors(jwtkit.jws.verify_json, document, HMAC_KEY, ["HS256"])
    assert isinstance(outcome, jwtkit.JWTKitError)


def _jwk_members(kty: str) -> Any:
    members = ("k", "n", "e", "d", "p", "q", "dp", "dq", "qi", "crv", "x", "y", "pub", "priv")
    member_values = st.text(B64URL_ALPHABET, max_size=40) | json_values
    return st.fixed_dictionaries(
        {"kty": st.just(kty)},
        optional={
            **{name: member_values for name in members},
            "crv": st.sampled_from(["P-256", "P-521", "secp256k1", "Ed25519", "X448", "P-0"])
            | json_values,
            "alg": st.sampled_from([*ALGORITHMS, "RSA-OAEP", "none"]) | json_values,
            "use": st.sampled_from(["sig", "enc"]) | json_values,
            "key_ops": st.lists(st.sampled_from(["sign", "verify", "encrypt", "x"])) | json_values,
            "kid": json_values,
        },
    )


hostile_jwks = st.sampled_from(["oct", "RSA", "EC", "OKP", "AKP", "XYZ"]).flatmap(_jwk_members)

# Members of exactly the right length, so that parsing gets past the size checks and the
# values reach `cryptography` (points off the curve, mismatched private parts, bad moduli).
_MEMBER_SIZES: dict[tuple[str, str, str], dict[str, int]] = {
    ("EC", "crv", "P-256"): {"x": 32, "y": 32, "d": 32},
    ("EC", "crv", "P-384"): {"x": 48, "y": 48, "d": 48},
    ("EC", "crv", "P-521"): {"x": 66, "y": 66, "d": 66},
    ("EC", "crv", "secp256k1"): {"x": 32, "y": 32, "d": 32},
    ("OKP", "crv", "Ed25519"): {"x": 32, "d": 32},
    ("OKP", "crv", "Ed448"): {"x": 57, "d": 57},
    ("OKP", "crv", "X25519"): {"x": 32, "d": 32},
    ("OKP", "crv", "X448"): {"x": 56, "d": 56},
    ("RSA", "alg", "RS256"): {"n": 256, "e": 3, "d": 256, "p": 128, "q": 128, "dp": 128,
                              "dq": 128, "qi": 128},
    ("AKP", "alg", "ML-DSA-44"): {"pub": 1312, "priv": 32},
    ("AKP", "alg", "ML-DSA-65"): {"pub": 1952, "priv": 32},
}  # fmt: skip


def _sized_jwk(shape: tuple[str, str, str]) -> Any:
    kty, name, value = shape
    members = {
        member: st.binary(min_size=size, max_size=size).map(_b64)
        for member, size in _MEMBER_SIZES[shape].items()
    }
    required = {"kty": st.just(kty), name: st.just(value)}
    public = {"x", "y", "n", "e", "pub"}
    required.update({member: members.pop(member) for member in list(members) if member in public})
    return st.fixed_dictionaries(required, optional=members)


sized_jwks = st.sampled_from(sorted(_MEMBER_SIZES)).flatmap(_sized_jwk)
hostile_key_data = (
    hostile_scalars
    | json_values
    | hostile_jwks
    | sized_jwks
    | hostile_jwks.map(lambda jwk: json_dumps(jwk))
    | st.binary(max_size=64).map(lambda der: b"\x30" + der)
    | st.binary(max_size=200).map(
        lambda body: (
            b"-----BEGIN PUBLIC KEY-----\n"
            + base64.encodebytes(body)
            + b"-----END PUBLIC KEY-----\n"
        )
    )
)


@MANY
@given(data=hostile_key_data)
def test_key_import_raises_only_jwtkit_errors(data: Any) -> None:
    outcome = _only_jwtkit_errors(jwtkit.Key.import_key, data)
    assert isinstance(outcome, jwtkit.Key | jwtkit.JWTKitError)


@MANY
@given(
    document=hostile_scalars
    | json_values
    | st.fixed_dictionaries({"keys": st.lists(hostile_jwks | sized_jwks | json_values, max_size=3)})
    | st.fixed_dictionaries({"keys": st.lists(hostile_jwks, max_size=3)}).map(json_dumps)
)
def test_keyset_from_dict_raises_only_jwtkit_errors(document: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # unknown key types are skipped with a warning
        outcome = _only_jwtkit_errors(jwtkit.KeySet.from_dict, document)
    assert isinstance(outcome, jwtkit.KeySet | jwtkit.JWTKitError)


# -- structured fuzz: mutate a valid token ------------------------------------------------------

FUZZED_ALGORITHMS = ("HS256", "ES256", "EdDSA", "PS256")


@cache
def valid_token(alg: str) -> str:
    claims = {"sub": "user-1", "iat": NOW - 10, "exp": NOW + 3600, "aud": "api", "iss": "me"}
    return jwtkit.encode(claims, signing_key(alg), algorithm=alg)


def _decode_mutated(alg: str, token: str) -> None:
    original = valid_token(alg)
    assume(token != original)
    with pytest.raises(jwtkit.InvalidTokenError) as caught:
        jwtkit.decode(
            token,
            verification_key(alg),
            algorithms=[alg],
            audience="api",
            issuer="me",
            now=NOW,
        )
    assert token not in str(caught.value)
    assert original.split(".")[2] not in str(caught.value)


@pytest.mark.parametrize("alg", FUZZED_ALGORITHMS)
@MANY
@given(data=st.data())
def test_token_with_one_character_changed_is_rejected(alg: str, data: st.DataObject) -> None:
    token = valid_token(alg)
    position = data.draw(st.integers(0, len(token) - 1), label="position")
    replacement = data.draw(
        st.sampled_from(B64URL_ALPHABET + ".=+/ ") | st.characters(), label="replacement"
    )
    _decode_mutated(alg, token[:position] + replacement + token[position + 1 :])


@pytest.mark.parametrize("alg", FUZZED_ALGORITHMS)
@MANY
@given(data=st.data())
def test_token_with_one_segment_replaced_is_rejected(alg: str, data: st.DataObject) -> None:
    segments = valid_token(alg).split(".")
    index = data.draw(st.integers(0, 2), label="segment")
    segments[index] = data.draw(
        any_text
        | st.text(B64URL_ALPHABET, max_size=120)
        | st.binary(max_size=120).map(_b64)
        | segments_of_json
        | st.just(segments[(index + 1) % 3]),
        label="replacement",
    )
    _decode_mutated(alg, ".".join(segments))


@pytest.mark.parametrize("alg", FUZZED_ALGORITHMS)
@FEW
@given(data=st.data())
def test_token_with_segments_added_or_removed_is_rejected(alg: str, data: st.DataObject) -> None:
    segments = valid_token(alg).split(".")
    if data.draw(st.booleans(), label="remove"):
        del segments[data.draw(st.integers(0, 2), label="index")]
    else:
        extra = data.draw(st.text(B64URL_ALPHABET, max_size=20), label="extra")
        segments.insert(data.draw(st.integers(0, 3), label="index"), extra)
    _decode_mutated(alg, ".".join(segments))


# Claims the issuer really signed, but with hostile values in the registered claims: the
# claim checks must answer with a token error, never crash.
hostile_claim_values = (
    json_values
    | st.integers()
    | st.sampled_from([1e308, -1e308, 2**1100, 10**400, 1.5, -1, 0, True, "api", ["api"]])
)
hostile_claims_payloads = st.dictionaries(
    st.sampled_from(REGISTERED_CLAIMS) | st.text(max_size=4), hostile_claim_values, max_size=7
).map(json_dumps) | st.sampled_from(
    [b'{"exp": 1e400}', b'{"iat": -1e400}', b'{"exp": 1' + b"0" * 500 + b"}", b"[]", b"1"]
)


@MANY
@given(payload=hostile_claims_payloads)
def test_signed_hostile_claims_raise_only_token_errors(payload: bytes) -> None:
    token = jwtkit.jws.sign(payload, HMAC_KEY, "HS256")
    outcome = _only_jwtkit_errors(
        jwtkit.decode, token, HMAC_KEY, algorithms=["HS256"], audience="api", issuer="me", now=NOW
    )
    assert isinstance(outcome, dict | jwtkit.InvalidTokenError)


# -- base64url ---------------------------------------------------------------------------------


@MANY
@given(data=st.binary(max_size=200))
def test_b64url_round_trips(data: bytes) -> None:
    encoded = b64url_encode(data)
    assert b64url_decode(encoded) == data
    assert b64url_decode(encoded.decode("ascii")) == data
    assert encoded == base64.urlsafe_b64encode(data).rstrip(b"=")


@MANY
@given(text=st.text(B64URL_ALPHABET + "=+/ \n\t\r.\x00é", max_size=40) | any_text)
def test_b64url_accepts_only_the_canonical_encoding(text: str) -> None:
    """Whatever decodes, re-encodes to exactly the text it came from."""
    try:
        decoded = b64url_decode(text)
    except jwtkit.DecodeError:
        return
    assert b64url_encode(decoded).decode("ascii") == text


def _non_canonical_variants(data: bytes, draw: Any) -> list[str]:
    canonical = _b64(data)
    variants = [canonical + "=", canonical + "=="]
    padded = base64.urlsafe_b64encode(data).decode("ascii")
    standard = base64.b64encode(data).decode("ascii").rstrip("=")
    variants += [padded, standard]
    if len(canonical) % 4 == 0:
        variants.append(canonical + "A")  # one character past a whole group: impossible length
    where = draw(st.integers(0, len(canonical)), label="whitespace position")
    for blank in (" ", "\n", "\t", "\r"):
        variants.append(canonical[:where] + blank + canonical[where:])
    # The last character of a partial group has 4 (or 2) bits beyond the data: set one.
    spare_bits = {2: 0x0F, 3: 0x03}.get(len(canonical) % 4)
    if spare_bits:
        value = B64URL_ALPHABET_ORDER.index(canonical[-1])
        bit = draw(st.sampled_from([b for b in (1, 2, 4, 8) if b & spare_bits]), label="bit")
        variants.append(canonical[:-1] + B64URL_ALPHABET_ORDER[value | bit])
    return [variant for variant in variants if variant != canonical]


@MANY
@given(data=st.binary(max_size=100), draw=st.data())
def test_b64url_rejects_every_non_canonical_variant(data: bytes, draw: st.DataObject) -> None:
    variants = _non_canonical_variants(data, draw.draw)
    assert variants
    for variant in variants:
        with pytest.raises(jwtkit.DecodeError):
            b64url_decode(variant)


# -- regressions found by the properties above -------------------------------------------------


@pytest.mark.parametrize("alg", ["HS256", "ES256"])
def test_rejects_non_ascii_character_in_str_token_with_decode_error(alg: str) -> None:
    """Found by the one-character fuzz: a non-ASCII character in a str JWT escaped as
    UnicodeEncodeError from the signing-input encoding instead of a DecodeError."""
    header, payload, signature = valid_token(alg).split(".")
    token = f"{header}.\x80{payload[1:]}.{signature}"
    verifier = jwtkit.Verifier(verification_key(alg), algorithms=[alg], audience="api")
    for check in (
        lambda: jwtkit.decode(token, verification_key(alg), algorithms=[alg], now=NOW),
        lambda: verifier.verify(token, now=NOW),
    ):
        with pytest.raises(jwtkit.DecodeError):
            check()


# -- the whole public surface: any argument, not only any token ----------------------------------
#
# A caller's wrong argument (bytes for a list, None for a tuple, NaN for a clock, a set as a
# header value) must end as a jwtkit error naming it, never as a TypeError from deep inside.

import math  # noqa: E402
from datetime import datetime, timezone  # noqa: E402

_ODD_OBJECT = object()
any_argument = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.sampled_from([10**400, -(10**400)])
    | st.floats()  # NaN and the infinities included
    | any_text
    | st.binary(max_size=64)
    | st.sampled_from([_ODD_OBJECT, datetime(2030, 1, 1, tzinfo=timezone.utc), b"HS256", {1, 2}])
    | st.sampled_from([*ALGORITHMS, "none", "dir", "A128KW", "A128GCM", "RSA-OAEP"]),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            any_text | st.sampled_from(["alg", "kid", "crit", "b64", "p2c"]), children, max_size=3
        )
        | st.tuples(children, children)
    ),
    max_leaves=8,
)
SIGNED = jwtkit.encode({"sub": "u", "exp": NOW + 60}, HMAC_KEY, "HS256")
A128KW_KEY = jwtkit.Key.generate("A128KW")
ENCRYPTED = jwtkit.jwe.encrypt(b"x", A128KW_KEY, "A128KW", "A128GCM")
ES256_KEY = signing_key("ES256")


def _calls(arg: Any) -> list[tuple[str, Any]]:
    """Every public entry point, once per argument position, with ``arg`` in that place."""
    jws, jwe = jwtkit.jws, jwtkit.jwe
    h, w, signed, encrypted = HMAC_KEY, A128KW_KEY, SIGNED, ENCRYPTED
    hs, kw, gcm = ["HS256"], ["A128KW"], ["A128GCM"]
    return [
        ("encode claims", lambda: jwtkit.encode(arg, h, "HS256")),
        ("encode key", lambda: jwtkit.encode({}, arg, "HS256")),
        ("encode algorithm", lambda: jwtkit.encode({}, h, arg)),
        ("encode headers", lambda: jwtkit.encode({}, h, "HS256", headers=arg)),
        ("encode json_encoder", lambda: jwtkit.encode({}, h, "HS256", json_encoder=arg)),
        ("decode token", lambda: jwtkit.decode(arg, h, hs)),
        ("decode key", lambda: jwtkit.decode(signed, arg, hs)),
        ("decode algorithms", lambda: jwtkit.decode(signed, h, arg)),
        ("decode audience", lambda: jwtkit.decode(signed, h, hs, audience=arg)),
        ("decode issuer", lambda: jwtkit.decode(signed, h, hs, issuer=arg)),
        ("decode subject", lambda: jwtkit.decode(signed, h, hs, subject=arg)),
        ("decode leeway", lambda: jwtkit.decode(signed, h, hs, leeway=arg)),
        ("decode typ", lambda: jwtkit.decode(signed, h, hs, typ=arg)),
        ("decode required", lambda: jwtkit.decode(signed, h, hs, required=arg)),
        ("decode options", lambda: jwtkit.decode(signed, h, hs, options=arg)),
        ("decode now", lambda: jwtkit.decode(signed, h, hs, now=arg)),
        ("decode_complete", lambda: jwtkit.decode_complete(signed, h, arg)),
        ("unverified header", lambda: jwtkit.get_unverified_header(arg)),
        ("Verifier keys", lambda: jwtkit.Verifier(arg, hs).verify(signed)),
        ("Verifier algorithms", lambda: jwtkit.Verifier(h, arg)),
        ("Verifier leeway", lambda: jwtkit.Verifier(h, hs, leeway=arg)),
        ("Verifier options", lambda: jwtkit.Verifier(h, hs, options=arg)),
        ("Verifier clock", lambda: jwtkit.Verifier(h, hs, clock=lambda: arg).verify(signed)),
        ("Verifier cache_size", lambda: jwtkit.Verifier(h, hs, cache_size=arg)),
        ("Verifier.verify now", lambda: jwtkit.Verifier(h, hs).verify(signed, now=arg)),
        ("jws.sign payload", lambda: jws.sign(arg, h, "HS256")),
        ("jws.sign key", lambda: jws.sign(b"x", arg, "HS256")),
        ("jws.sign alg", lambda: jws.sign(b"x", h, arg)),
        ("jws.sign headers", lambda: jws.sign(b"x", h, "HS256", headers=arg)),
        ("jws.verify detached", lambda: jws.verify(signed, h, hs, detached_payload=arg)),
        ("jws.sign_json signers", lambda: jws.sign_json(b"x", arg)),
        ("jws.sign_json protected", lambda: jws.sign_json(b"x", [(h, "HS256", arg, None)])),
        ("jws.sign_json unprotected", lambda: jws.sign_json(b"x", [(h, "HS256", None, arg)])),
        ("jws.verify_json", lambda: jws.verify_json(arg, h, hs)),
        ("jws.sign_unsecured", lambda: jws.sign_unsecured(arg)),
        ("jws.sign_unsecured headers", lambda: jws.sign_unsecured(b"x", headers=arg)),
        ("jws.verify_unsecured", lambda: jws.verify_unsecured(arg)),
        ("jwe.encrypt plaintext", lambda: jwe.encrypt(arg, w, "A128KW", "A128GCM")),
        ("jwe.encrypt key", lambda: jwe.encrypt(b"x", arg, "A128KW", "A128GCM")),
        ("jwe.encrypt alg", lambda: jwe.encrypt(b"x", w, arg, "A128GCM")),
        ("jwe.encrypt enc", lambda: jwe.encrypt(b"x", w, "A128KW", arg)),
        ("jwe.encrypt headers", lambda: jwe.encrypt(b"x", w, "A128KW", "A128GCM", headers=arg)),
        ("jwe.encrypt zip", lambda: jwe.encrypt(b"x", w, "A128KW", "A128GCM", zip=arg)),
        ("jwe.decrypt token", lambda: jwe.decrypt(arg, w, kw, gcm)),
        ("jwe.decrypt key", lambda: jwe.decrypt(encrypted, arg, kw, gcm)),
        ("jwe.decrypt algorithms", lambda: jwe.decrypt(encrypted, w, arg, gcm)),
        ("jwe.decrypt size", lambda: jwe.decrypt(encrypted, w, kw, gcm, max_plaintext_size=arg)),
        ("jwe.decrypt p2c", lambda: jwe.decrypt(encrypted, w, kw, gcm, pbes2_max_count=arg)),
        ("jwe.encrypt_json recipients", lambda: jwe.encrypt_json(b"x", arg, "A128GCM")),
        (
            "jwe.encrypt_json protected",
            lambda: jwe.encrypt_json(b"x", [(w, "A128KW")], "A128GCM", protected=arg),
        ),
        (
            "jwe.encrypt_json unprotected",
            lambda: jwe.encrypt_json(b"x", [(w, "A128KW")], "A128GCM", unprotected=arg),
        ),
        (
            "jwe.encrypt_json aad",
            lambda: jwe.encrypt_json(b"x", [(w, "A128KW")], "A128GCM", aad=arg),
        ),
        ("jwe.decrypt_json", lambda: jwe.decrypt_json(arg, w, kw, gcm)),
        ("Key.import_key", lambda: jwtkit.Key.import_key(arg)),
        (
            "Key.import_key password",
            lambda: jwtkit.Key.import_key(ES256_KEY.to_pem(private=True), password=arg),
        ),
        ("Key.import_key kid", lambda: jwtkit.Key.import_key(ES256_KEY, kid=arg)),
        ("Key.import_key alg", lambda: jwtkit.Key.import_key(ES256_KEY, alg=arg)),
        ("OctKey.import_key", lambda: jwtkit.OctKey.import_key(arg)),
        ("Key.from_dict", lambda: jwtkit.Key.from_dict(arg)),
        ("Key.generate alg", lambda: jwtkit.Key.generate(arg)),
        ("Key.generate kid", lambda: jwtkit.Key.generate("HS256", kid=arg)),
        ("thumbprint", lambda: ES256_KEY.thumbprint(arg)),
        ("thumbprint_uri", lambda: ES256_KEY.thumbprint_uri(arg)),
        ("to_pem password", lambda: ES256_KEY.to_pem(private=True, password=arg)),
        ("KeySet", lambda: jwtkit.KeySet(arg)),
        ("KeySet.from_dict", lambda: jwtkit.KeySet.from_dict(arg)),
        ("KeySet.get", lambda: jwtkit.KeySet([ES256_KEY]).get(arg)),
        ("KeySet.candidates", lambda: jwtkit.KeySet([ES256_KEY]).candidates(arg)),
        (
            "decode_encrypted",
            lambda: jwtkit.decode_encrypted(
                arg, w, h, algorithms=hs, key_algorithms=kw, encryptions=gcm
            ),
        ),
    ]


ODD_ARGUMENTS = [
    None, True, 0, -1, 2**70, 10**400, math.nan, math.inf, "", "x", "\ud800", "\x00",
    b"", b"HS256", bytearray(b"k" * 32), [], [None], [[]], {}, {"alg": 1}, {"crit": [1]},
    {"crit": "b64", "b64": False}, (1, 2), {1, 2}, _ODD_OBJECT, ["HS256"], ("HS256",),
    {"keys": []}, {"keys": [{"kty": "oct"}]}, {"kty": "oct"}, "HS256", "dir", "none",
    datetime(2030, 1, 1, tzinfo=timezone.utc), [b"HS256"], {"verify_exp": 0},
]  # fmt: skip


@pytest.mark.parametrize("arg", ODD_ARGUMENTS, ids=repr)
def test_every_public_entry_point_refuses_odd_arguments_with_jwtkit_errors(arg: Any) -> None:
    _check_every_call(arg)


@settings(max_examples=60, deadline=None)
@given(arg=any_argument)
def test_every_public_entry_point_raises_only_jwtkit_errors_for_any_argument(arg: Any) -> None:
    _check_every_call(arg)


def _check_every_call(arg: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # skipped JWKS members warn, as they should
        for name, call in _calls(arg):
            try:
                call()
            except jwtkit.JWTKitError:
                pass
            except Exception as error:  # the property under test: nothing else escapes
                raise AssertionError(f"{name} raised {type(error).__name__}: {error}") from error

"""jwtkit.jws: conformance vectors (RFC 7515, 7520, 7797, 8037, 9964) and the JWS API."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import mldsa

import jwtkit
from jwtkit import jws
from jwtkit._codec import b64url_decode, b64url_encode
from jwtkit.errors import (
    DecodeError,
    InvalidAlgorithmError,
    InvalidKeyError,
    InvalidOptionError,
    InvalidSignatureError,
    KeyNotFoundError,
)
from jwtkit.jwa import SIGNATURE_ALGORITHMS
from jwtkit.jwk import AKPKey, Key, KeySet, OctKey

VECTORS = Path(__file__).parent / "vectors"
COOKBOOK = VECTORS / "jose-cookbook"
COOKBOOK_JWS = sorted((COOKBOOK / "jws").glob("*.json"))


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def import_jwk(jwk: dict[str, Any]) -> Key:
    return OctKey.import_key(jwk) if jwk["kty"] == "oct" else Key.import_key(jwk)


def verifying_key(jwk: dict[str, Any]) -> Key:
    key = import_jwk(jwk)
    return key if key.kty == "oct" else key.public_key()


# -- RFC 7515 Appendix A ----------------------------------------------------------------------

RFC7515 = load(VECTORS / "rfc7515_jws.json")
RFC7515_SIGNED = [v for v in RFC7515["vectors"] if v["alg"] != "none"]


@pytest.mark.parametrize("vector", RFC7515_SIGNED, ids=lambda v: v["section"])
def test_rfc7515_appendix_a_verifies(vector: dict[str, Any]) -> None:
    verified = jws.verify(vector["compact"], verifying_key(vector["jwk"]), [vector["alg"]])
    assert verified.payload == b64url_decode(vector["payload_b64u"])
    assert verified.header == json.loads(vector["protected"])


@pytest.mark.parametrize("vector", RFC7515_SIGNED, ids=lambda v: v["section"])
def test_rfc7515_appendix_a_tampered_payload_fails(vector: dict[str, Any]) -> None:
    header, _, signature = vector["compact"].split(".")
    forged = f"{header}.{b64url_encode(b'{}').decode()}.{signature}"
    with pytest.raises(InvalidSignatureError):
        jws.verify(forged, verifying_key(vector["jwk"]), [vector["alg"]])


@pytest.mark.parametrize(
    "vector", [v for v in RFC7515_SIGNED if v["alg"] in ("HS256", "RS256")], ids=lambda v: v["alg"]
)
def test_rfc7515_deterministic_signatures_are_reproduced_byte_for_byte(
    vector: dict[str, Any],
) -> None:
    header_segment, payload_segment, signature = vector["compact"].split(".")
    key = import_jwk(vector["jwk"])
    algorithm = SIGNATURE_ALGORITHMS[vector["alg"]]
    material = key._material_for(algorithm, "sign")
    signing_input = f"{header_segment}.{payload_segment}".encode()
    assert b64url_encode(algorithm.sign(material, signing_input)).decode() == signature


def test_rfc7515_a5_unsecured_reads_only_through_verify_unsecured() -> None:
    (vector,) = [v for v in RFC7515["vectors"] if v["alg"] == "none"]
    verified = jws.verify_unsecured(vector["compact"])
    assert verified.payload == b64url_decode(vector["payload_b64u"])
    assert verified.key is None
    with pytest.raises(InvalidAlgorithmError):
        jws.verify(vector["compact"], OctKey(b"k" * 32), ["HS256"])


def test_rfc7515_a6_general_json_each_signature_verifies_on_its_own() -> None:
    document = RFC7515["general_json"]["serialization"]
    rsa_jwk = next(v["jwk"] for v in RFC7515_SIGNED if v["alg"] == "RS256")
    ec_jwk = next(v["jwk"] for v in RFC7515_SIGNED if v["alg"] == "ES256")
    rsa_key = Key.import_key({**rsa_jwk, "kid": "2010-12-29"}).public_key()
    ec_key = Key.import_key({**ec_jwk, "kid": "e9bc097a-ce51-4036-9562-d2ade882db0d"})
    by_rsa = jws.verify_json(document, rsa_key, ["RS256", "ES256"])
    assert by_rsa.header == {"alg": "RS256", "kid": "2010-12-29"}
    by_ec = jws.verify_json(document, ec_key.public_key(), ["RS256", "ES256"])
    assert by_ec.header["alg"] == "ES256"
    both = KeySet([rsa_key, ec_key.public_key()])
    assert jws.verify_json(document, both, ["ES256"]).key is not None
    assert by_rsa.payload == by_ec.payload


# -- RFC 7520 §4 (JOSE cookbook) ---------------------------------------------------------------


def cookbook_cases() -> list[tuple[str, int, str]]:
    """(file, signer index, serialization) for every signature of every RFC 7520 §4 example."""
    cases = []
    for path in COOKBOOK_JWS:
        document = load(path)
        algs = document["input"]["alg"]
        signer_count = 1 if isinstance(algs, str) else len(algs)
        for form in document["output"]:
            for index in range(signer_count):
                cases.append((path.name, index, form))
    return cases


def cookbook_signer(document: dict[str, Any], index: int) -> tuple[Key, str]:
    keys, algs = document["input"]["key"], document["input"]["alg"]
    if isinstance(algs, str):
        return import_jwk(keys), algs
    return import_jwk(keys[index]), algs[index]


def test_cookbook_vectors_are_present() -> None:
    names = {path.name.split(".")[0] for path in COOKBOOK_JWS}
    assert names == {f"4_{n}" for n in range(1, 9)}


@pytest.mark.parametrize(("name", "index", "form"), cookbook_cases())
def test_rfc7520_section4_verifies(name: str, index: int, form: str) -> None:
    document = load(COOKBOOK / "jws" / name)
    key, alg = cookbook_signer(document, index)
    payload = document["input"]["payload"].encode("utf-8")
    output = document["output"][form]
    verifier = key.public_key() if key.kty != "oct" else key
    if form == "compact":
        detached = payload if output.split(".")[1] == "" else None
        verified = jws.verify(output, verifier, [alg], detached_payload=detached)
    else:
        detached = None if "payload" in output else payload
        verified = jws.verify_json(output, verifier, [alg], detached_payload=detached)
    assert verified.payload == payload
    assert verified.header["alg"] == alg


def cookbook_signers(document: dict[str, Any]) -> list[tuple[Key, str, Any, Any]]:
    """(key, alg, protected, unprotected) for each signature of a cookbook example."""
    signing = document["signing"]
    steps = signing if isinstance(signing, list) else [signing]
    signers = []
    for index, step in enumerate(steps):
        key, alg = cookbook_signer(document, index)
        protected = step.get("protected")
        unprotected = step.get("unprotected")
        signers.append((key, alg, protected, unprotected))
    return signers


# HMAC and RSASSA-PKCS1-v1_5 are deterministic: those examples must come out byte for byte.
DETERMINISTIC = ["4_1", "4_4", "4_5", "4_6", "4_7"]


@pytest.mark.parametrize("prefix", DETERMINISTIC)
def test_rfc7520_deterministic_examples_are_reproduced_byte_for_byte(prefix: str) -> None:
    (path,) = [p for p in COOKBOOK_JWS if p.name.startswith(prefix)]
    document = load(path)
    payload = document["input"]["payload"].encode("utf-8")
    ((key, alg, protected, unprotected),) = cookbook_signers(document)
    output = document["output"]
    detached = "payload" not in output["json"]
    if "compact" in output:
        assert jws.sign(payload, key, alg, detached=detached) == output["compact"]
    signer = (key, alg, protected, unprotected)
    assert jws.sign_json(payload, [signer], detached=detached) == output["json"]
    assert jws.sign_json(payload, [signer], flatten=True, detached=detached) == output["json_flat"]


def test_rfc7520_4_8_multiple_signatures_deterministic_entries_byte_for_byte() -> None:
    (path,) = [p for p in COOKBOOK_JWS if p.name.startswith("4_8")]
    document = load(path)
    payload = document["input"]["payload"].encode("utf-8")
    signers = cookbook_signers(document)
    produced = jws.sign_json(payload, signers)
    expected = document["output"]["json"]
    assert produced["payload"] == expected["payload"]
    for index in (0, 2):  # RS256 and HS256; entry 1 is ECDSA (randomised)
        assert produced["signatures"][index] == expected["signatures"][index]
    assert produced["signatures"][1]["header"] == expected["signatures"][1]["header"]
    assert "protected" not in produced["signatures"][1]
    ec_key = signers[1][0].public_key()
    assert jws.verify_json(produced, ec_key, ["ES512"]).header["alg"] == "ES512"


def test_rfc7520_4_8_a_bad_signature_among_good_ones_is_not_used() -> None:
    (path,) = [p for p in COOKBOOK_JWS if p.name.startswith("4_8")]
    document = load(path)
    general = json.loads(json.dumps(document["output"]["json"]))
    hmac_key = import_jwk(document["input"]["key"][2])
    general["signatures"][2]["signature"] = b64url_encode(b"\0" * 32).decode()
    with pytest.raises(InvalidSignatureError):
        jws.verify_json(general, hmac_key, ["HS256", "RS256", "ES512"])
    rsa_key = import_jwk(document["input"]["key"][0]).public_key()
    assert jws.verify_json(general, rsa_key, ["HS256", "RS256", "ES512"]).header["alg"] == "RS256"


# -- RFC 7797 (b64: false) ---------------------------------------------------------------------

RFC7797 = load(VECTORS / "rfc7797_jws.json")


@pytest.mark.parametrize("vector", RFC7797["vectors"], ids=lambda v: v["section"])
def test_rfc7797_examples_verify_and_reproduce(vector: dict[str, Any]) -> None:
    key = OctKey.import_key(RFC7797["jwk"])
    payload = RFC7797["payload"].encode()
    detached = payload if vector["compact"].split(".")[1] == "" else None
    verified = jws.verify(vector["compact"], key, ["HS256"], detached_payload=detached)
    assert verified.payload == payload
    assert verified.header == vector["protected"]
    if vector["b64"]:
        assert jws.sign(payload, key, "HS256") == vector["compact"]
    else:
        assert jws.sign(payload, key, "HS256", b64=False, detached=True) == vector["compact"]
        assert (
            jws.sign_json(payload, [(key, "HS256", None, None)], flatten=True, b64=False)
            == (vector["json_flat"])
        )
        assert jws.verify_json(vector["json_flat"], key, ["HS256"]).payload == payload


def test_rfc7797_cookbook_compact_and_json_verify() -> None:
    document = load(COOKBOOK / "rfc7797" / "hmac-sha2_b64_false.json")
    key = OctKey.import_key(document["input"]["key"])
    payload = document["input"]["payload"].encode()
    output = document["output"]
    assert jws.verify(output["compact"], key, ["HS256"]).payload == payload
    assert jws.verify_json(output["json"], key, ["HS256"]).payload == payload
    assert jws.verify_json(output["json_flat"], key, ["HS256"]).payload == payload
    assert jws.sign(payload, key, "HS256", b64=False) == output["compact"]


def test_rfc7797_cookbook_example_without_crit_is_refused() -> None:
    # The cookbook's "JSON only" example omits crit; RFC 7797 §6 requires crit: ["b64"].
    document = load(COOKBOOK / "rfc7797" / "4.2.hmac-sha2_b64_false.json")
    key = OctKey.import_key(document["input"]["key"])
    algorithm = SIGNATURE_ALGORITHMS["HS256"]
    # The transcription is right: the signature is the HMAC of the stated signing input...
    assert (
        b64url_encode(
            algorithm.sign(key.secret, document["signing"]["sig-input"].encode())
        ).decode()
        == (document["signing"]["sig"])
    )
    # ...but a b64 header that is not critical is refused before any signature check.
    with pytest.raises(DecodeError, match="crit"):
        jws.verify_json(document["output"]["json_flat"], key, ["HS256"])


# -- RFC 8037 A.4 / A.5 (Ed25519) --------------------------------------------------------------


def test_rfc8037_a4_a5_ed25519_sign_reproduces_and_verifies() -> None:
    document = load(COOKBOOK / "curve25519" / "jws.json")
    key = Key.import_key(document["input"]["key"])
    payload = document["input"]["payload"].encode()
    compact = document["output"]["compact"]
    assert jws.sign(payload, key, "EdDSA") == compact  # Ed25519 is deterministic (A.4)
    verified = jws.verify(compact, key.public_key(), ["EdDSA"])  # A.5
    assert verified.payload == payload
    assert jws.verify_json(document["output"]["json"], key.public_key(), ["EdDSA"]).payload == (
        payload
    )
    with pytest.raises(InvalidAlgorithmError):
        jws.verify(compact, key.public_key(), ["Ed448"])


# -- RFC 9964 Appendix A (ML-DSA) --------------------------------------------------------------

ML_DSA = load(VECTORS / "rfc9964_ml_dsa.json")
SEED_CLASSES = {
    "ML-DSA-44": mldsa.MLDSA44PrivateKey,
    "ML-DSA-65": mldsa.MLDSA65PrivateKey,
    "ML-DSA-87": mldsa.MLDSA87PrivateKey,
}


@pytest.mark.parametrize("name", sorted(SEED_CLASSES))
def test_rfc9964_appendix_a_key_from_zero_seed_kid_and_jws(name: str) -> None:
    vector = ML_DSA["vectors"][name]
    key = AKPKey(SEED_CLASSES[name].from_seed_bytes(bytes(32)))
    assert key.alg == name
    assert key.public_key_object.public_bytes_raw().hex() == vector["public_key_hex"]
    assert key.thumbprint() == vector["kid"]
    public = Key.import_key({**key.public_key().to_dict(), "kid": vector["kid"]})
    verified = jws.verify(vector["jws"], KeySet([public]), [name])
    assert verified.header == {"alg": name, "kid": vector["kid"]}
    assert verified.payload == "It’s a dangerous business, Frodo, going out your door.".encode()
    other = next(n for n in SEED_CLASSES if n != name)
    with pytest.raises(InvalidAlgorithmError):
        jws.verify(vector["jws"], public, [other])


# -- the API -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def keys_by_alg() -> dict[str, Key]:
    return {name: Key.generate(name) for name in SIGNATURE_ALGORITHMS}


@pytest.mark.parametrize("alg", sorted(SIGNATURE_ALGORITHMS))
def test_sign_and_verify_every_algorithm(alg: str, keys_by_alg: dict[str, Key]) -> None:
    key = keys_by_alg[alg]
    token = jws.sign(b"payload", key)
    verifier = key if key.kty == "oct" else key.public_key()
    verified = jws.verify(token, verifier, [alg])
    assert verified.payload == b"payload"
    assert verified.header == {"alg": alg, "kid": key.kid}
    assert verified.key is verifier


@pytest.mark.parametrize("alg", sorted(SIGNATURE_ALGORITHMS))
def test_every_algorithm_refuses_a_tampered_payload(alg: str, keys_by_alg: dict[str, Key]) -> None:
    key = keys_by_alg[alg]
    header, _, signature = jws.sign(b"payload", key).split(".")
    verifier = key if key.kty == "oct" else key.public_key()
    with pytest.raises(InvalidSignatureError):
        jws.verify(f"{header}.{b64url_encode(b'payloae').decode()}.{signature}", verifier, [alg])


def test_eddsa_and_fully_specified_names_rfc9864() -> None:
    ed448 = Key.generate("Ed448")
    ed25519 = Key.generate("Ed25519")
    assert ed448.curve == "Ed448" and ed25519.curve == "Ed25519"
    for key, name in ((ed448, "Ed448"), (ed25519, "Ed25519")):
        unbound = Key.import_key({**key.to_dict(private=True), "alg": "EdDSA"})
        token = jws.sign(b"x", unbound)
        assert jws.verify(token, unbound.public_key(), ["EdDSA"]).payload == b"x"
        assert jws.verify(jws.sign(b"x", key), key.public_key(), [name]).payload == b"x"
    with pytest.raises(InvalidKeyError):
        jws.sign(b"x", ed448, "Ed25519")


def test_detached_compact_payload() -> None:
    key = OctKey(b"s" * 32)
    token = jws.sign(b"detached content", key, "HS256", detached=True)
    assert token.split(".")[1] == ""
    assert jws.verify(token, key, ["HS256"], detached_payload=b"detached content").payload == (
        b"detached content"
    )
    with pytest.raises(InvalidSignatureError):
        jws.verify(token, key, ["HS256"], detached_payload=b"other content")
    attached = jws.sign(b"x", key, "HS256")
    with pytest.raises(DecodeError, match="carries one too"):
        jws.verify(attached, key, ["HS256"], detached_payload=b"x")


def test_unencoded_compact_payload_must_not_contain_a_dot() -> None:
    key = OctKey(b"s" * 32)
    with pytest.raises(InvalidOptionError):
        jws.sign(b"a.b", key, "HS256", b64=False)
    token = jws.sign(b"a.b", key, "HS256", b64=False, detached=True)
    assert jws.verify(token, key, ["HS256"], detached_payload=b"a.b").payload == b"a.b"


def test_sign_json_general_several_signers_each_verified_on_its_own() -> None:
    hmac_key = OctKey(b"h" * 32, kid="h")
    ec_key = Key.generate("ES256", kid="e")
    ed_key = Key.generate("Ed25519", kid="d")
    document = jws.sign_json(
        b"many",
        [
            (hmac_key, "HS256", None, None),
            (ec_key, None, None, {"x-note": "public"}),
            (ed_key, None, None, None),
        ],
    )
    assert len(document["signatures"]) == 3
    assert document["signatures"][1]["header"] == {"x-note": "public"}
    for key, alg in (
        (hmac_key, "HS256"),
        (ec_key.public_key(), "ES256"),
        (ed_key.public_key(), "Ed25519"),
    ):
        verified = jws.verify_json(document, key, ["HS256", "ES256", "Ed25519"])
        assert verified.header["alg"] == alg
        assert verified.key is key
        assert verified.payload == b"many"
    text = json.dumps(document)
    assert jws.verify_json(text, ed_key.public_key(), ["Ed25519"]).payload == b"many"


def test_sign_json_flattened_and_detached_and_unencoded() -> None:
    key = OctKey(b"s" * 32)
    flat = jws.sign_json(b"plain", [(key, "HS256", {"typ": "x"}, None)], flatten=True)
    assert set(flat) == {"payload", "protected", "signature"}
    assert jws.verify_json(flat, key, ["HS256"]).header == {"alg": "HS256", "typ": "x"}
    detached = jws.sign_json(b"plain", [(key, "HS256", None, None)], detached=True)
    assert "payload" not in detached
    assert jws.verify_json(detached, key, ["HS256"], detached_payload=b"plain").payload == (
        b"plain"
    )
    unencoded = jws.sign_json(b"$ raw", [(key, "HS256", None, None)], b64=False)
    assert unencoded["payload"] == "$ raw"
    assert jws.verify_json(unencoded, key, ["HS256"]).payload == b"$ raw"
    with pytest.raises(InvalidOptionError):
        jws.sign_json(b"x", [(key, "HS256", None, None)] * 2, flatten=True)


def test_verify_json_refuses_signatures_that_disagree_on_b64() -> None:
    key = OctKey(b"s" * 32)
    encoded = jws.sign_json(b"abc", [(key, "HS256", None, None)])
    raw = jws.sign_json(b"abc", [(key, "HS256", None, None)], b64=False)
    mixed = {"payload": "abc", "signatures": encoded["signatures"] + raw["signatures"]}
    with pytest.raises(DecodeError, match="b64"):
        jws.verify_json(mixed, key, ["HS256"])


def test_verify_json_refuses_unprotected_crit_and_shared_names() -> None:
    key = OctKey(b"s" * 32)
    flat = jws.sign_json(b"x", [(key, "HS256", None, None)], flatten=True)
    with pytest.raises(DecodeError, match="protected"):
        jws.verify_json({**flat, "header": {"crit": ["exp"]}}, key, ["HS256"])
    with pytest.raises(DecodeError, match="share"):
        jws.verify_json({**flat, "header": {"alg": "HS256"}}, key, ["HS256"])
    with pytest.raises(DecodeError, match="mixes"):
        jws.verify_json({**flat, "signatures": [flat]}, key, ["HS256"])


def test_key_set_picks_by_kid_and_by_algorithm() -> None:
    first, second = Key.generate("ES256", kid="1"), Key.generate("ES256", kid="2")
    keys = KeySet([first.public_key(), second.public_key()])
    token = jws.sign(b"x", second)
    assert jws.verify(token, keys, ["ES256"]).key is keys.get("2")
    anonymous = jws.sign(b"x", second.private_key_object, "ES256")  # no kid in the header
    assert jws.verify(anonymous, keys, ["ES256"]).payload == b"x"
    stranger = jws.sign(b"x", Key.generate("ES256", kid="3"))
    with pytest.raises(KeyNotFoundError):
        jws.verify(stranger, keys, ["ES256"])


def test_verify_accepts_pem_jwk_dict_and_key_objects() -> None:
    key = Key.generate("RS256")
    token = jws.sign(b"x", key)
    public = key.public_key()
    for form in (
        public,
        public.to_pem(),
        public.to_pem().decode(),
        public.to_dict(),
        public.public_key_object,
    ):
        assert jws.verify(token, form, ["RS256"]).payload == b"x"


def test_sign_defaults_the_algorithm_as_jwt_encode_does() -> None:
    # One rule for jws.sign and jwt.encode: the key's own alg, else HS256 for a text secret.
    token = jws.sign(b"x", b"k" * 32)
    assert jws.verify(token, b"k" * 32, ["HS256"]).header["alg"] == "HS256"
    bound = Key.generate("ES256")
    assert jws.verify(jws.sign(b"x", bound), bound.public_key(), ["ES256"]).payload == b"x"
    unbound = OctKey(b"k" * 32)
    for mistake in (unbound, {"kty": "oct", "k": "A" * 43}):
        with pytest.raises(InvalidOptionError, match="algorithm is required"):
            jws.sign(b"x", mistake)
        with pytest.raises(InvalidOptionError, match="algorithm is required"):
            jwtkit.encode({}, mistake)
    with pytest.raises(InvalidOptionError, match="single key"):
        jws.sign(b"x", KeySet([OctKey(b"k" * 32)]), "HS256")


def test_unsecured_round_trip_and_refusals() -> None:
    token = jws.sign_unsecured(b"anyone", headers={"typ": "JWT"})
    assert token.endswith(".")
    verified = jws.verify_unsecured(token)
    assert verified.payload == b"anyone" and verified.header["alg"] == "none"
    signed = jws.sign(b"x", OctKey(b"k" * 32), "HS256")
    with pytest.raises(DecodeError, match="none"):
        jws.verify_unsecured(signed)
    with pytest.raises(DecodeError, match="empty"):
        jws.verify_unsecured(token + "AAAA")


def test_headers_cannot_override_alg_on_sign() -> None:
    key = OctKey(b"k" * 32)
    token = jws.sign(b"x", key, "HS256", headers={"alg": "none", "typ": "JOSE"})
    assert jwtkit.get_unverified_header(token) == {"alg": "HS256", "typ": "JOSE"}


def test_sign_with_a_str_payload_is_a_caller_mistake_not_a_decode_error() -> None:
    with pytest.raises(InvalidOptionError) as caught:
        jws.sign("text", OctKey(b"k" * 32), "HS256")  # type: ignore[arg-type]
    assert not isinstance(caught.value, DecodeError)
    with pytest.raises(InvalidOptionError):
        jws.sign_json("text", [(OctKey(b"k" * 32), "HS256", None, None)])  # type: ignore[arg-type]


# -- docs/jws.md runs as written ---------------------------------------------------------------


def test_jws_doc_examples_run_and_print_what_they_say(
    run_doc_blocks: Callable[..., object],
) -> None:
    run_doc_blocks("docs/jws.md", minimum=4)


def test_lone_surrogate_in_a_token_is_a_decode_error_not_a_unicode_error() -> None:
    # A str token can hold a lone surrogate (json.loads('"\\ud800"') makes one); encoding
    # the signing input raised UnicodeEncodeError from jws.verify and jws.verify_json.
    key = OctKey(b"k" * 32)
    header = jws.sign(b"x", key, "HS256", b64=False, detached=True).split(".")[0]
    for token in (f"{header}.\ud800.c2ln", f"\ud800.{header}.c2ln", "a.b.\ud800"):
        with pytest.raises(DecodeError):
            jws.verify(token, key, ["HS256"])
    unencoded = jws.sign_json(b"x", [(key, "HS256", None, None)], b64=False)
    for member in ("payload", "signature"):
        document = {**unencoded, member: "\ud800"} if member == "payload" else unencoded
        if member == "signature":
            document["signatures"][0]["signature"] = "\ud800"
        with pytest.raises(DecodeError):
            jws.verify_json(document, key, ["HS256"])


def test_jws_json_with_more_than_64_signatures_is_refused_before_any_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Each signature may cost a signature check: a 256 KiB document must not buy thousands.
    from jwtkit import _compact

    key = OctKey(b"k" * 32)
    document = jws.sign_json(b"x", [(key, "HS256", None, None)] * (jws.MAX_SIGNATURES + 1))
    checks: list[object] = []
    monkeypatch.setattr(_compact, "verify_signature", lambda *args: checks.append(args))
    with pytest.raises(DecodeError, match="more than 64 signatures"):
        jws.verify_json(document, key, ["HS256"])
    assert checks == []

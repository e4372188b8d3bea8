"""Key types, generation, JWK export/import round trips and thumbprints (RFC 7517, 7638,
8037, 9278, 9964), checked against the published vectors."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, mldsa, rsa, x448, x25519

from jwtkit import AKPKey, ECKey, InvalidKeyError, InvalidOptionError, Key, OctKey, OKPKey, RSAKey
from jwtkit._codec import b64url_encode, json_dumps
from jwtkit.jwa import SIGNATURE_ALGORITHMS

VECTORS = Path(__file__).parent / "vectors"
COOKBOOK_KEYS = sorted((VECTORS / "jose-cookbook" / "jwk").glob("*.json"))

KEY_CLASS_FOR_KTY = {"oct": OctKey, "RSA": RSAKey, "EC": ECKey, "OKP": OKPKey, "AKP": AKPKey}


def _vector(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((VECTORS / name).read_text())
    return loaded


def _b64(data: bytes) -> str:
    return b64url_encode(data).decode("ascii")


# One private key object per supported key type and curve (RSA is slow: made once).
_RSA_PRIVATE = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PRIVATE_OBJECTS: dict[str, Any] = {
    "RSA": _RSA_PRIVATE,
    "P-256": ec.generate_private_key(ec.SECP256R1()),
    "P-384": ec.generate_private_key(ec.SECP384R1()),
    "P-521": ec.generate_private_key(ec.SECP521R1()),
    "secp256k1": ec.generate_private_key(ec.SECP256K1()),
    "Ed25519": ed25519.Ed25519PrivateKey.generate(),
    "Ed448": ed448.Ed448PrivateKey.generate(),
    "X25519": x25519.X25519PrivateKey.generate(),
    "X448": x448.X448PrivateKey.generate(),
    "ML-DSA-44": mldsa.MLDSA44PrivateKey.generate(),
    "ML-DSA-65": mldsa.MLDSA65PrivateKey.generate(),
    "ML-DSA-87": mldsa.MLDSA87PrivateKey.generate(),
}
EXPECTED_KTY = {
    "RSA": "RSA",
    "P-256": "EC",
    "P-384": "EC",
    "P-521": "EC",
    "secp256k1": "EC",
    "Ed25519": "OKP",
    "Ed448": "OKP",
    "X25519": "OKP",
    "X448": "OKP",
    "ML-DSA-44": "AKP",
    "ML-DSA-65": "AKP",
    "ML-DSA-87": "AKP",
}


# -- key types -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(PRIVATE_OBJECTS))
def test_every_key_type_and_curve_wraps_its_key_object(name: str) -> None:
    key = Key.import_key(PRIVATE_OBJECTS[name])
    assert key.kty == EXPECTED_KTY[name]
    assert isinstance(key, KEY_CLASS_FOR_KTY[key.kty])
    assert key.is_private
    if key.kty in ("EC", "OKP"):
        assert key.curve == name
    if key.kty == "AKP":
        assert key.alg == name  # an AKP key always knows its parameter set
    public = key.public_key()
    assert not public.is_private
    assert public.to_dict() == key.to_dict()


def test_oct_key_holds_its_secret_and_has_no_public_half() -> None:
    key = OctKey.import_key(b"0123456789abcdef0123456789abcdef", kid="k1")
    assert key.kty == "oct"
    assert key.is_private
    assert key.secret == b"0123456789abcdef0123456789abcdef"
    assert key.to_dict(private=True) == {
        "kty": "oct",
        "k": _b64(b"0123456789abcdef0123456789abcdef"),
        "kid": "k1",
    }
    with pytest.raises(InvalidKeyError):
        key.public_key()
    with pytest.raises(InvalidKeyError):
        key.to_dict()  # a symmetric key has nothing public to export
    with pytest.raises(InvalidKeyError):
        key.to_pem(private=True)


def test_oct_key_import_takes_str_as_utf8_and_jwk() -> None:
    assert OctKey.import_key("pässwörd-long-enough").secret == "pässwörd-long-enough".encode()
    jwk = {"kty": "oct", "k": _b64(b"s" * 32)}
    assert OctKey.import_key(jwk).secret == b"s" * 32


def test_key_metadata_is_exposed_and_exported() -> None:
    jwk = Key.import_key(PRIVATE_OBJECTS["P-256"]).to_dict(private=True)
    jwk.update(kid="k-1", alg="ES256", use="sig", key_ops=["sign", "verify"])
    key = Key.from_dict(jwk)
    assert (key.kid, key.alg, key.use, key.key_ops) == ("k-1", "ES256", "sig", ("sign", "verify"))
    assert key.to_dict(private=True) == jwk
    # The public half keeps only the public operations it can still do.
    assert key.public_key().key_ops == ("verify",)
    assert repr(key) == "<ECKey kid='k-1' crv='P-256' alg='ES256' private>"


def test_unknown_public_members_travel_with_the_key_but_private_ones_do_not_leak() -> None:
    jwk = Key.import_key(PRIVATE_OBJECTS["Ed25519"]).to_dict(private=True)
    jwk["x5t#S256"] = "abc"
    key = Key.from_dict(jwk)
    assert key.to_dict()["x5t#S256"] == "abc"
    assert "d" not in key.to_dict()


# -- export / import round trips --------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(PRIVATE_OBJECTS))
def test_jwk_round_trip_private_and_public(name: str) -> None:
    key = Key.import_key(PRIVATE_OBJECTS[name], kid="rt")
    private_jwk = key.to_dict(private=True)
    again = Key.from_dict(private_jwk)
    assert again.is_private
    assert again.to_dict(private=True) == private_jwk
    public_jwk = key.to_dict()
    assert not {"d", "p", "q", "dp", "dq", "qi", "priv", "k"} & set(public_jwk)
    public = Key.import_key(json.dumps(public_jwk))  # JWK JSON text
    assert not public.is_private
    assert public.to_dict() == public_jwk
    assert public.thumbprint() == key.thumbprint()


@pytest.mark.parametrize("name", sorted(PRIVATE_OBJECTS))
def test_pem_round_trip_private_public_and_encrypted(name: str) -> None:
    key = Key.import_key(PRIVATE_OBJECTS[name])
    expected_private = {k: v for k, v in key.to_dict(private=True).items() if k != "alg"}

    def without_alg(other: Key) -> dict[str, Any]:
        return {k: v for k, v in other.to_dict(private=True).items() if k != "alg"}

    assert without_alg(Key.import_key(key.to_pem(private=True))) == expected_private
    encrypted = key.to_pem(private=True, password="correct horse")
    assert b"ENCRYPTED" in encrypted
    assert without_alg(Key.import_key(encrypted, password=b"correct horse")) == expected_private
    public_pem = key.to_pem()
    assert public_pem.startswith(b"-----BEGIN PUBLIC KEY-----")
    public = Key.import_key(public_pem)
    assert not public.is_private
    assert public.thumbprint() == key.thumbprint()


@pytest.mark.parametrize("password", ["", b"", bytearray()])
def test_an_empty_password_never_exports_a_private_key_unencrypted(password: Any) -> None:
    # password=os.environ.get("KEY_PASSWORD", "") must not write the key in the clear.
    key = Key.import_key(PRIVATE_OBJECTS["P-384"])
    with pytest.raises(InvalidOptionError, match="empty password"):
        key.to_pem(private=True, password=password)
    assert b"ENCRYPTED" not in key.to_pem(private=True)  # password=None: clear, on purpose


def test_public_key_cannot_export_private_members_or_pem() -> None:
    public = Key.import_key(PRIVATE_OBJECTS["P-384"]).public_key()
    with pytest.raises(InvalidKeyError):
        public.to_dict(private=True)
    with pytest.raises(InvalidKeyError):
        public.to_pem(private=True)


@pytest.mark.parametrize("path", COOKBOOK_KEYS, ids=lambda path: path.name)
def test_cookbook_keys_import_and_re_export_identically(path: Path) -> None:
    # RFC 7520 §3: EC, RSA and symmetric keys, public and private.
    jwk = json.loads(path.read_text())
    key = Key.from_dict(jwk)
    assert key.to_dict(private=key.is_private and ("d" in jwk or "k" in jwk)) == jwk


def test_cookbook_key_set_covers_every_key_type_it_should() -> None:
    kinds = {json.loads(path.read_text())["kty"] for path in COOKBOOK_KEYS}
    assert kinds == {"EC", "RSA", "oct"}


# -- generation ------------------------------------------------------------------------------


@pytest.mark.parametrize("alg", sorted(SIGNATURE_ALGORITHMS))
def test_generate_makes_a_key_for_every_signature_algorithm(alg: str) -> None:
    algorithm = SIGNATURE_ALGORITHMS[alg]
    key = Key.generate(alg)
    assert key.alg == alg
    assert key.is_private
    assert key.kty == algorithm.key_type
    if algorithm.curves:
        assert key.curve in algorithm.curves
    assert key.kid == key.thumbprint()  # kid defaults to the RFC 7638 thumbprint
    # The key is usable for its algorithm: sign, then verify with the public half.
    signature = algorithm.sign(key._material_for(algorithm, "sign"), b"input")
    verifier = key if key.kty == "oct" else key.public_key()
    assert algorithm.verify(verifier._material_for(algorithm, "verify"), b"input", signature)


def test_generate_takes_an_explicit_kid() -> None:
    assert Key.generate("ES256", kid="mine").kid == "mine"


def test_generate_on_a_subclass_refuses_an_algorithm_of_another_key_type() -> None:
    with pytest.raises(InvalidKeyError):
        RSAKey.generate("ES256")
    assert isinstance(ECKey.generate("ES256"), ECKey)


def test_generated_rsa_key_is_2048_bits() -> None:
    key = Key.generate("PS256")
    assert isinstance(key, RSAKey)
    assert key.key_size == 2048


# -- thumbprints -----------------------------------------------------------------------------


def test_rfc7638_section_3_1_thumbprint() -> None:
    vector = _vector("rfc7638_3_1.json")
    key = Key.from_dict(vector["jwk"])
    assert key.thumbprint() == vector["thumbprint_sha256"]
    assert key.thumbprint("sha256") == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_thumbprint_ignores_metadata_and_private_members() -> None:
    key = Key.import_key(PRIVATE_OBJECTS["RSA"])
    labelled = Key.import_key(PRIVATE_OBJECTS["RSA"], kid="x", use="sig", alg="RS256")
    assert key.thumbprint() == labelled.thumbprint() == key.public_key().thumbprint()


def test_thumbprint_hashes_and_unknown_hash() -> None:
    key = Key.from_dict(_vector("rfc7638_3_1.json")["jwk"])
    canonical = json_dumps({"e": key.to_dict()["e"], "kty": "RSA", "n": key.to_dict()["n"]})
    for name in ("sha256", "sha384", "sha512"):
        assert key.thumbprint(name) == _b64(hashlib.new(name, canonical).digest())
    with pytest.raises(InvalidKeyError):
        key.thumbprint("md5")


def test_rfc8037_appendix_a_ed25519_key_and_thumbprint() -> None:
    vector = _vector("rfc8037_a.json")
    private = Key.from_dict(vector["private_jwk"])  # A.1: d really gives x
    assert isinstance(private, OKPKey) and private.curve == "Ed25519"
    assert private.public_key().to_dict() == vector["public_jwk"]  # A.2
    public = Key.from_dict(vector["public_jwk"])
    # A.3: the canonical input and its SHA-256.
    # A.3: the required members in lexicographic order, no whitespace.
    assert json_dumps(dict(sorted(public.to_dict().items()))) == (
        vector["thumbprint_input"].encode()
    )
    canonical = vector["thumbprint_input"].encode()
    assert _b64(hashlib.sha256(canonical).digest()) == vector["thumbprint_sha256"]
    assert public.thumbprint() == private.thumbprint() == vector["thumbprint_sha256"]


def test_rfc9278_thumbprint_uri() -> None:
    key = Key.from_dict(_vector("rfc8037_a.json")["public_jwk"])
    assert key.thumbprint_uri() == (
        "urn:ietf:params:oauth:jwk-thumbprint:sha-256:kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
    )
    assert key.thumbprint_uri("sha512") == (
        "urn:ietf:params:oauth:jwk-thumbprint:sha-512:" + key.thumbprint("sha512")
    )
    with pytest.raises(InvalidKeyError):
        key.thumbprint_uri("md5")


def test_oct_thumbprint_covers_k_and_kty() -> None:
    key = OctKey.import_key(b"k" * 32, kid="ignored")
    canonical = json_dumps({"k": _b64(b"k" * 32), "kty": "oct"})
    assert key.thumbprint() == _b64(hashlib.sha256(canonical).digest())


# -- AKP / ML-DSA (RFC 9964) -----------------------------------------------------------------

RFC9964 = json.loads((VECTORS / "rfc9964_ml_dsa.json").read_text())
ML_DSA_PRIVATE_CLASSES = {
    "ML-DSA-44": mldsa.MLDSA44PrivateKey,
    "ML-DSA-65": mldsa.MLDSA65PrivateKey,
    "ML-DSA-87": mldsa.MLDSA87PrivateKey,
}


@pytest.mark.parametrize("alg", sorted(RFC9964["vectors"]))
def test_rfc9964_keys_from_the_zero_seed_match_kid_and_public_key(alg: str) -> None:
    vector = RFC9964["vectors"][alg]
    seed = bytes(32)
    from_object = Key.import_key(ML_DSA_PRIVATE_CLASSES[alg].from_seed_bytes(seed))
    public_key = bytes.fromhex(vector["public_key_hex"])
    jwk = {"kty": "AKP", "alg": alg, "pub": _b64(public_key), "priv": _b64(seed)}
    from_jwk = Key.from_dict(jwk)
    for key in (from_object, from_jwk):
        assert isinstance(key, AKPKey)
        assert key.alg == alg
        assert key.to_dict()["pub"] == _b64(public_key)
        assert key.to_dict(private=True)["priv"] == _b64(seed)
        assert key.thumbprint() == vector["kid"]
    assert (
        Key.from_dict({"kty": "AKP", "alg": alg, "pub": _b64(public_key)}).thumbprint()
        == (vector["kid"])
    )


def test_akp_thumbprint_includes_alg() -> None:
    key = Key.generate("ML-DSA-44")
    pub = key.to_dict()["pub"]
    canonical = json_dumps({"alg": "ML-DSA-44", "kty": "AKP", "pub": pub})
    assert key.thumbprint() == _b64(hashlib.sha256(canonical).digest())


def test_akp_jwk_exports_exactly_rfc9964_members() -> None:
    key = Key.generate("ML-DSA-65", kid="pq")
    assert set(key.to_dict()) == {"kty", "alg", "pub", "kid"}
    assert set(key.to_dict(private=True)) == {"kty", "alg", "pub", "priv", "kid"}
    assert len(key.to_dict(private=True)["priv"]) == 43  # 32 bytes, base64url

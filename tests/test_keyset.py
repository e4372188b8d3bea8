"""KeySet (RFC 7517 §5): JWKS in and out, lookup by kid and by alg/use, and the sets that are
refused because they would make key selection ambiguous."""

from __future__ import annotations

import json
import warnings

import pytest

import jwtkit
from jwtkit import (
    InsecureKeyError,
    InvalidKeyError,
    Key,
    KeyNotFoundError,
    KeySet,
    OctKey,
)

ES256_KEY = Key.generate("ES256", kid="ec-1")
ED25519_KEY = Key.generate("Ed25519", kid="ed-1")
HS256_KEY = Key.generate("HS256", kid="hmac-1")
RSA_KEY = Key.generate("RS256", kid="rsa-1")


def _public_jwks(*keys: Key) -> dict[str, list[dict[str, object]]]:
    return {"keys": [key.to_dict() for key in keys]}


def test_keyset_round_trips_through_jwks_dict_and_json_text() -> None:
    jwks = _public_jwks(ES256_KEY, ED25519_KEY, RSA_KEY)
    key_set = KeySet.from_dict(jwks)
    assert len(key_set) == 3
    assert key_set.to_dict() == jwks
    assert KeySet.from_dict(json.dumps(jwks)).to_dict() == jwks
    assert KeySet.from_dict(json.dumps(jwks).encode()).to_dict() == jwks
    assert [key.kid for key in key_set] == ["ec-1", "ed-1", "rsa-1"]


def test_keyset_public_export_never_contains_private_members() -> None:
    key_set = KeySet([ES256_KEY, RSA_KEY])
    exported = json.dumps(key_set.to_dict())
    for name in ('"d"', '"p"', '"q"', '"dp"', '"dq"', '"qi"'):
        assert name not in exported
    private = key_set.to_dict(private=True)
    assert KeySet.from_dict(private).to_dict(private=True) == private


def test_keyset_private_export_keeps_public_members_public() -> None:
    mixed = KeySet([ES256_KEY, ED25519_KEY.public_key()])
    exported = mixed.to_dict(private=True)["keys"]
    assert "d" in exported[0] and "d" not in exported[1]
    assert KeySet.from_dict({"keys": exported}).get("ed-1").is_private is False


def test_keyset_with_a_symmetric_key_exports_it_only_as_private() -> None:
    key_set = KeySet([HS256_KEY])
    with pytest.raises(InvalidKeyError):
        key_set.to_dict()
    assert key_set.to_dict(private=True)["keys"][0]["k"] == HS256_KEY.to_dict(private=True)["k"]


def test_lookup_by_kid() -> None:
    key_set = KeySet([ES256_KEY, ED25519_KEY])
    assert key_set.get("ed-1") is ED25519_KEY
    assert "ec-1" in key_set and "nope" not in key_set
    with pytest.raises(KeyNotFoundError):
        key_set.get("nope")


@pytest.mark.parametrize("kid", [None, 1, ["ec-1"], {"kid": "ec-1"}])
def test_lookup_by_non_string_kid_is_not_found_rather_than_a_crash(kid: object) -> None:
    # A token's kid is attacker-chosen JSON; only a string can name a key.
    with pytest.raises(KeyNotFoundError):
        KeySet([ES256_KEY]).get(kid)  # type: ignore[arg-type]


@pytest.mark.parametrize("kid", [None, 1, ["ec-1"], {"kid": "ec-1"}])
def test_membership_of_a_non_string_kid_is_false_rather_than_a_crash(kid: object) -> None:
    # ``in`` answers as get does (a list or an object raised a raw TypeError), and the JWKS
    # clients' cache asks ``in`` with the kid their caller passed.
    assert kid not in KeySet([ES256_KEY])


def test_candidates_select_by_key_type_alg_and_use() -> None:
    unlabelled = Key.generate("ES256")
    unlabelled_public = Key.import_key(unlabelled.public_key().to_dict() | {"kid": "u"})
    for_encryption = Key.import_key(
        Key.generate("ES256").public_key().to_dict() | {"kid": "enc", "use": "enc"}
    )
    es384 = Key.generate("ES384", kid="es384")
    key_set = KeySet([ES256_KEY, unlabelled_public, for_encryption, es384, RSA_KEY])
    found = key_set.candidates("ES256", "sig")
    assert [key.kid for key in found] == ["ec-1", "u"]
    # Keys without a 'use' serve either purpose; a use:enc key never serves a signature.
    assert [key.kid for key in key_set.candidates("ES256", "enc")] == ["ec-1", "u", "enc"]
    assert [key.kid for key in key_set.candidates("RS256")] == ["rsa-1"]
    assert key_set.candidates("PS256", "sig") == ()  # rsa-1 is bound to RS256


def test_verify_without_kid_picks_the_candidate_for_the_algorithm() -> None:
    signer = Key.generate("ES256")
    without_kid = {k: v for k, v in signer.to_dict(private=True).items() if k != "kid"}
    token = jwtkit.jws.sign(b"hello", Key.from_dict(without_kid), "ES256")
    assert "kid" not in jwtkit.get_unverified_header(token)
    signer_public = Key.import_key(signer.public_key().to_dict() | {"kid": "x"})
    key_set = KeySet([RSA_KEY.public_key(), ES256_KEY.public_key(), signer_public])
    verified = jwtkit.jws.verify(token, key_set, ["ES256"])
    assert verified.payload == b"hello"
    assert verified.key is signer_public


def test_skips_members_with_unknown_kty_or_curve_with_a_warning() -> None:
    jwks = {
        "keys": [
            {"kty": "DSA", "kid": "old", "y": "AQ"},
            {"kty": "EC", "crv": "brainpoolP256r1", "kid": "bp", "x": "AQ", "y": "AQ"},
            {"kty": "OKP", "crv": "Curve41417", "kid": "c", "x": "AQ"},
            ES256_KEY.to_dict(),
        ]
    }
    with pytest.warns(UserWarning, match="Skipping JWKS member") as caught:
        key_set = KeySet.from_dict(jwks)
    assert len(caught) == 3
    assert [key.kid for key in key_set] == ["ec-1"]


def test_rejects_malformed_member_of_a_known_type() -> None:
    broken = ES256_KEY.to_dict() | {"x": "AQ"}
    with pytest.raises(InvalidKeyError, match="JWKS member 1"):
        KeySet.from_dict({"keys": [ED25519_KEY.to_dict(), broken]})


def test_rejects_member_with_weak_exponent_as_insecure() -> None:
    weak = RSA_KEY.public_key().to_dict() | {"e": "Aw", "kid": "weak"}
    assert Key.from_dict(weak).kid == "weak"  # e = 3 is odd and allowed
    even = weak | {"e": "BA"}
    with pytest.raises(InsecureKeyError, match="JWKS member 0"):
        KeySet.from_dict({"keys": [even]})


def test_rejects_duplicate_kids() -> None:
    other = Key.import_key(Key.generate("ES256").public_key().to_dict() | {"kid": "ec-1"})
    with pytest.raises(InvalidKeyError, match="share the kid"):
        KeySet([ES256_KEY, other])
    with pytest.raises(InvalidKeyError, match="share the kid"):
        KeySet.from_dict(_public_jwks(ES256_KEY, other))


def test_rejects_symmetric_and_asymmetric_key_sharing_a_kid() -> None:
    # With a shared kid a token could pick the HMAC key and "verify" with public data.
    secret = OctKey.import_key(b"s" * 32, kid="shared")
    public = Key.import_key(RSA_KEY.public_key().to_dict() | {"kid": "shared"})
    with pytest.raises(InvalidKeyError, match="share the kid"):
        KeySet([public, secret])
    jwks = {"keys": [public.to_dict(), secret.to_dict(private=True)]}
    with pytest.raises(InvalidKeyError, match="share the kid"):
        KeySet.from_dict(jwks)


def test_keys_without_kid_may_coexist() -> None:
    first, second = Key.generate("ES256"), Key.generate("ES256")
    bare = [
        Key.import_key({k: v for k, v in key.to_dict().items() if k != "kid"})
        for key in (first, second)
    ]
    assert len(KeySet(bare)) == 2


@pytest.mark.parametrize(
    "document",
    [
        [],
        {"keys": "not a list"},
        {"keys": {"kty": "EC"}},
        {},
        {"keys": ["string member"]},
        {"keys": [{"crv": "P-256"}]},
        {"keys": [{"kty": ["EC"]}]},
        {"keys": [{"kty": "EC", "crv": ["P-256"], "x": "AQ", "y": "AQ"}]},
        "[]",
        b"{not json",
        "{}",
    ],
)
def test_rejects_documents_that_are_not_a_jwks(document: object) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(InvalidKeyError):
            KeySet.from_dict(document)  # type: ignore[arg-type]


def test_keyset_holds_only_keys() -> None:
    with pytest.raises(InvalidKeyError):
        KeySet([ES256_KEY, "not a key"])  # type: ignore[list-item]


def test_empty_keyset_is_allowed_but_finds_nothing() -> None:
    key_set = KeySet.from_dict({"keys": []})
    assert len(key_set) == 0
    with pytest.raises(KeyNotFoundError):
        key_set.get("any")
    assert "0 keys" in repr(key_set)

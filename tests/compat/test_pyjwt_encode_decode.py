"""Signing and verifying through PyJWT's API, on PyJWT and on ``jwtkit.compat.pyjwt``:
every algorithm, every key form PyJWT documents, headers, detached payloads, options."""

from __future__ import annotations

import importlib
import json
import warnings
from datetime import datetime, timedelta, timezone
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

ASYMMETRIC = {
    "RS256": "RS",
    "RS384": "RS",
    "RS512": "RS",
    "PS256": "RS",
    "PS384": "RS",
    "PS512": "RS",
    "ES256": "ES256",
    "ES256K": "ES256K",
    "ES384": "ES384",
    "ES512": "ES512",
    "EdDSA": "EdDSA",
}
CLAIMS = {"sub": "user-42", "name": "Ada", "admin": True, "roles": ["a", "b"]}


@pytest.fixture(autouse=True)
def _no_warnings() -> Any:
    # Both libraries must be quiet on the documented happy paths with strong keys.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


@pytest.mark.parametrize("algorithm", ["HS256", "HS384", "HS512"])
def test_hmac_round_trip(jwt: ModuleType, secret: str, algorithm: str) -> None:
    token = jwt.encode(CLAIMS, secret, algorithm=algorithm)
    assert isinstance(token, str)
    assert jwt.decode(token, secret, algorithms=[algorithm]) == CLAIMS
    assert jwt.decode(token, secret.encode(), algorithms=[algorithm]) == CLAIMS


def test_hs256_is_the_default_algorithm(jwt: ModuleType, secret: str) -> None:
    token = jwt.encode(CLAIMS, secret)
    assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "JWT"}


@pytest.mark.parametrize("algorithm", sorted(ASYMMETRIC))
def test_asymmetric_round_trip_with_pem(
    jwt: ModuleType, keys: dict[str, Any], algorithm: str
) -> None:
    pair = keys[ASYMMETRIC[algorithm]]
    token = jwt.encode(CLAIMS, pair.private_pem, algorithm=algorithm)
    assert jwt.decode(token, pair.public_pem, algorithms=[algorithm]) == CLAIMS
    assert jwt.decode(token, pair.public_pem.decode(), algorithms=[algorithm]) == CLAIMS


@pytest.mark.parametrize("algorithm", sorted(ASYMMETRIC))
def test_asymmetric_round_trip_with_key_objects(
    jwt: ModuleType, keys: dict[str, Any], algorithm: str
) -> None:
    pair = keys[ASYMMETRIC[algorithm]]
    token = jwt.encode(CLAIMS, pair.private, algorithm=algorithm)
    assert jwt.decode(token, pair.public, algorithms=[algorithm]) == CLAIMS


@pytest.mark.parametrize("algorithm", ["RS256", "ES256", "EdDSA"])
def test_verify_with_openssh_public_key(
    jwt: ModuleType, keys: dict[str, Any], algorithm: str
) -> None:
    pair = keys[ASYMMETRIC[algorithm]]
    token = jwt.encode(CLAIMS, pair.private, algorithm=algorithm)
    assert jwt.decode(token, pair.public_ssh, algorithms=[algorithm]) == CLAIMS


def test_tokens_from_one_library_verify_in_the_other(keys: dict[str, Any], secret: str) -> None:
    pyjwt = importlib.import_module("jwt")
    compat = importlib.import_module("jwtkit.compat.pyjwt")
    for signer, verifier in ((pyjwt, compat), (compat, pyjwt)):
        for algorithm, family in ASYMMETRIC.items():
            pair = keys[family]
            token = signer.encode(CLAIMS, pair.private, algorithm=algorithm)
            assert verifier.decode(token, pair.public, algorithms=[algorithm]) == CLAIMS
        token = signer.encode(CLAIMS, secret, algorithm="HS512", headers={"kid": "k1"})
        assert verifier.decode(token, secret, algorithms=["HS512"]) == CLAIMS


@pytest.mark.parametrize("algorithm", ["HS256", "RS256", "RS512", "EdDSA"])
def test_deterministic_algorithms_make_the_same_token_as_pyjwt(
    keys: dict[str, Any], secret: str, algorithm: str
) -> None:
    pyjwt = importlib.import_module("jwt")
    compat = importlib.import_module("jwtkit.compat.pyjwt")
    key: Any = secret if algorithm == "HS256" else keys[ASYMMETRIC[algorithm]].private
    headers = {"kid": "key-1", "x-custom": [1, 2]}
    claims = {**CLAIMS, "text": "caf\u00e9"}
    assert compat.encode(claims, key, algorithm=algorithm, headers=headers) == pyjwt.encode(
        claims, key, algorithm=algorithm, headers=headers
    )


def test_headers_are_merged_and_sorted(jwt: ModuleType, secret: str) -> None:
    token = jwt.encode({"a": 1}, secret, headers={"kid": "key-1", "cty": "text"})
    header_segment = token.split(".")[0]
    assert jwt.get_unverified_header(token) == {
        "alg": "HS256",
        "typ": "JWT",
        "kid": "key-1",
        "cty": "text",
    }
    decoded = jwt.utils.base64url_decode(header_segment)
    assert list(json.loads(decoded)) == ["alg", "cty", "kid", "typ"]


def test_unsorted_headers_keep_insertion_order(jwt: ModuleType, secret: str) -> None:
    token = jwt.encode({"a": 1}, secret, headers={"kid": "k"}, sort_headers=False)
    decoded = jwt.utils.base64url_decode(token.split(".")[0])
    assert list(json.loads(decoded)) == ["typ", "alg", "kid"]


def test_typ_header_can_be_replaced_or_removed(jwt: ModuleType, secret: str) -> None:
    token = jwt.encode({"a": 1}, secret, headers={"typ": "at+jwt"})
    assert jwt.get_unverified_header(token)["typ"] == "at+jwt"
    token = jwt.encode({"a": 1}, secret, headers={"typ": None})
    assert "typ" not in jwt.get_unverified_header(token)


def test_alg_in_headers_wins_over_algorithm_argument(jwt: ModuleType, secret: str) -> None:
    token = jwt.encode({"a": 1}, secret, algorithm="HS256", headers={"alg": "HS512"})
    assert jwt.get_unverified_header(token)["alg"] == "HS512"
    assert jwt.decode(token, secret, algorithms=["HS512"]) == {"a": 1}


def test_datetime_claims_become_numeric_dates(jwt: ModuleType, secret: str) -> None:
    moment = datetime.now(tz=timezone.utc).replace(microsecond=0)
    token = jwt.encode({"exp": moment + timedelta(hours=1), "iat": moment, "nbf": moment}, secret)
    claims = jwt.decode(token, secret, algorithms=["HS256"])
    assert claims == {
        "exp": int(moment.timestamp()) + 3600,
        "iat": int(moment.timestamp()),
        "nbf": int(moment.timestamp()),
    }


def test_encode_needs_a_dict(jwt: ModuleType, secret: str) -> None:
    with pytest.raises(TypeError):
        jwt.encode([1, 2], secret)  # type: ignore[arg-type]


def test_encode_refuses_a_non_string_issuer(jwt: ModuleType, secret: str) -> None:
    with pytest.raises(TypeError):
        jwt.encode({"iss": 123}, secret)


def test_encode_refuses_a_non_string_kid(jwt: ModuleType, secret: str) -> None:
    with pytest.raises(jwt.InvalidTokenError):
        jwt.encode({"a": 1}, secret, headers={"kid": 123})


def test_encode_unknown_algorithm(jwt: ModuleType, secret: str) -> None:
    with pytest.raises(NotImplementedError):
        jwt.encode({"a": 1}, secret, algorithm="XS256")


def test_custom_json_encoder(jwt: ModuleType, secret: str) -> None:
    class SetEncoder(json.JSONEncoder):
        def default(self, o: Any) -> Any:
            if isinstance(o, set):
                return sorted(o)
            return super().default(o)

    token = jwt.encode({"scopes": {"b", "a"}}, secret, json_encoder=SetEncoder)
    assert jwt.decode(token, secret, algorithms=["HS256"]) == {"scopes": ["a", "b"]}


def test_decode_complete_returns_header_payload_signature(jwt: ModuleType, secret: str) -> None:
    token = jwt.encode({"a": 1}, secret, headers={"kid": "k1"})
    decoded = jwt.decode_complete(token, secret, algorithms=["HS256"])
    assert decoded["header"] == {"alg": "HS256", "typ": "JWT", "kid": "k1"}
    assert decoded["payload"] == {"a": 1}
    assert decoded["signature"] == jwt.utils.base64url_decode(token.split(".")[2])


def test_bytes_token(jwt: ModuleType, secret: str) -> None:
    token = jwt.encode({"a": 1}, secret).encode()
    assert jwt.decode(token, secret, algorithms=["HS256"]) == {"a": 1}


def test_algorithms_list_may_name_several(jwt: ModuleType, keys: dict[str, Any]) -> None:
    pair = keys["ES256"]
    token = jwt.encode({"a": 1}, pair.private, algorithm="ES256")
    assert jwt.decode(token, pair.public, algorithms=["RS256", "ES256"]) == {"a": 1}


def test_decode_requires_algorithms(jwt: ModuleType, secret: str) -> None:
    token = jwt.encode({"a": 1}, secret)
    with pytest.raises(jwt.DecodeError, match="algorithms"):
        jwt.decode(token, secret)


def test_verify_signature_false_needs_no_key(jwt: ModuleType, secret: str) -> None:
    token = jwt.encode({"a": 1}, secret)
    assert jwt.decode(token, options={"verify_signature": False}) == {"a": 1}
    assert jwt.decode_complete(token, options={"verify_signature": False})["payload"] == {"a": 1}


def test_unsecured_token_when_asked_for_by_name(jwt: ModuleType) -> None:
    token = jwt.encode({"a": 1}, None, algorithm="none")
    assert token.endswith(".")
    assert jwt.get_unverified_header(token) == {"alg": "none", "typ": "JWT"}
    assert jwt.decode(token, options={"verify_signature": False}) == {"a": 1}


def test_none_algorithm_refuses_a_key(jwt: ModuleType, secret: str) -> None:
    with pytest.raises(jwt.InvalidKeyError):
        jwt.encode({"a": 1}, secret, algorithm="none")


def test_detached_payload_with_b64_false(jwt: ModuleType, secret: str) -> None:
    payload = b"raw payload, not base64"
    jws = jwt.PyJWS()
    token = jws.encode(payload, secret, algorithm="HS256", is_payload_detached=True)
    assert token.split(".")[1] == ""
    header = jwt.get_unverified_header(token)
    assert header["b64"] is False
    assert header["crit"] == ["b64"]
    decoded = jws.decode_complete(token, secret, algorithms=["HS256"], detached_payload=payload)
    assert decoded["payload"] == payload
    with pytest.raises(jwt.InvalidSignatureError):
        jws.decode(token, secret, algorithms=["HS256"], detached_payload=b"other")
    with pytest.raises(jwt.DecodeError):
        jws.decode(token, secret, algorithms=["HS256"])


def test_b64_false_header_makes_payload_detached(jwt: ModuleType, secret: str) -> None:
    token = jwt.PyJWS().encode(b"hello", secret, headers={"b64": False})
    assert token.split(".")[1] == ""


def test_detached_payload_needs_b64_false(jwt: ModuleType, secret: str) -> None:
    token = jwt.encode({"a": 1}, secret)
    with pytest.raises(jwt.DecodeError):
        jwt.decode(token, secret, algorithms=["HS256"], detached_payload=b"{}")


def test_pyjws_decode_returns_payload_bytes(jwt: ModuleType, secret: str) -> None:
    jws = jwt.PyJWS()
    token = jws.encode(b"\x00\x01binary", secret, algorithm="HS384")
    assert jws.decode(token, secret, algorithms=["HS384"]) == b"\x00\x01binary"


def test_pyjwk_signs_and_verifies(jwt: ModuleType, keys: dict[str, Any]) -> None:
    pair = keys["ES256"]
    private_jwk = jwt.PyJWK(jwt.algorithms.ECAlgorithm.to_jwk(pair.private, as_dict=True))
    public_jwk = jwt.PyJWK(jwt.algorithms.ECAlgorithm.to_jwk(pair.public, as_dict=True))
    token = jwt.encode({"a": 1}, private_jwk)
    assert jwt.get_unverified_header(token)["alg"] == "ES256"
    # With a PyJWK the algorithms default to the key's own.
    assert jwt.decode(token, public_jwk) == {"a": 1}
    assert jwt.decode(token, public_jwk, algorithms=["ES256"]) == {"a": 1}


def test_pyjwk_refuses_a_token_of_another_algorithm(jwt: ModuleType, secret: str) -> None:
    jwk = jwt.PyJWK(
        {"kty": "oct", "k": jwt.utils.base64url_encode(secret.encode()).decode()}, "HS256"
    )
    token = jwt.encode({"a": 1}, secret, algorithm="HS512")
    with pytest.raises(jwt.InvalidAlgorithmError):
        jwt.decode(token, jwk, algorithms=["HS256", "HS512"])


def test_extra_keyword_arguments_warn(jwt: ModuleType, secret: str) -> None:
    token = jwt.encode({"a": 1}, secret)
    with pytest.warns(jwt.warnings.RemovedInPyjwt3Warning):
        jwt.decode(token, secret, algorithms=["HS256"], unknown_argument=True)


def test_verify_argument_mismatch_warns(jwt: ModuleType, secret: str) -> None:
    token = jwt.encode({"a": 1}, secret)
    with pytest.warns(DeprecationWarning):
        jwt.decode(token, secret, algorithms=["HS256"], verify=False)


def test_pyjwt_instance_options_are_defaults(jwt: ModuleType, secret: str, now: int) -> None:
    token = jwt.encode({"exp": now - 100}, secret)
    lenient = jwt.PyJWT(options={"verify_exp": False})
    assert lenient.decode(token, secret, algorithms=["HS256"]) == {"exp": now - 100}
    with pytest.raises(jwt.ExpiredSignatureError):
        jwt.PyJWT().decode(token, secret, algorithms=["HS256"])


def test_subclass_hooks_encode_and_decode_payload(jwt: ModuleType, secret: str) -> None:
    class Reversed(jwt.PyJWT):  # type: ignore[name-defined,misc]
        def _encode_payload(self, payload: Any, headers: Any = None, json_encoder: Any = None):
            return json.dumps(payload).encode()[::-1]

        def _decode_payload(self, decoded: Any) -> Any:
            return json.loads(decoded["payload"][::-1])

    instance = Reversed()
    token = instance.encode({"a": 1}, secret)
    assert instance.decode(token, secret, algorithms=["HS256"]) == {"a": 1}


def test_es521_alias_signs_with_p521(jwt: ModuleType, keys: dict[str, Any]) -> None:
    pair = keys["ES512"]
    token = jwt.encode({"a": 1}, pair.private, algorithm="ES521")
    assert jwt.get_unverified_header(token)["alg"] == "ES521"
    assert jwt.decode(token, pair.public, algorithms=["ES521"]) == {"a": 1}
    with pytest.raises(jwt.InvalidAlgorithmError):
        jwt.decode(token, pair.public, algorithms=["ES512"])


def test_custom_registered_algorithm(jwt: ModuleType, secret: str) -> None:
    import hashlib
    import hmac

    class ReversedHMAC(jwt.algorithms.Algorithm):  # type: ignore[name-defined,misc]
        """A toy algorithm: HMAC-SHA256 over the reversed signing input."""

        def prepare_key(self, key: Any) -> bytes:
            return key.encode() if isinstance(key, str) else bytes(key)

        def sign(self, msg: bytes, key: bytes) -> bytes:
            return hmac.new(key, msg[::-1], hashlib.sha256).digest()

        def verify(self, msg: bytes, key: bytes, sig: bytes) -> bool:
            return hmac.compare_digest(sig, self.sign(msg, key))

        @staticmethod
        def to_jwk(key_obj: Any, as_dict: bool = False) -> Any:
            raise NotImplementedError

        @staticmethod
        def from_jwk(jwk: Any) -> Any:
            raise NotImplementedError

    jws = jwt.PyJWS()
    jws.register_algorithm("XR256", ReversedHMAC())
    token = jws.encode(b"payload", secret, algorithm="XR256")
    assert jws.decode(token, secret, algorithms=["XR256"]) == b"payload"
    with pytest.raises(jwt.InvalidSignatureError):
        jws.decode(token, "another-secret", algorithms=["XR256"])


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=100, deadline=None)
@given(claims=st.dictionaries(st.text(max_size=12), _json_values, max_size=6))
def test_hs256_tokens_are_byte_identical_to_pyjwt(claims: dict[str, Any]) -> None:
    pyjwt = importlib.import_module("jwt")
    compat = importlib.import_module("jwtkit.compat.pyjwt")
    claims = {name: value for name, value in claims.items() if name not in ("exp", "nbf", "iat")}
    if not isinstance(claims.get("iss", ""), str):
        del claims["iss"]
    secret = "p" * 32
    token = compat.encode(claims, secret, algorithm="HS256")
    assert token == pyjwt.encode(claims, secret, algorithm="HS256")
    options = {"verify_aud": False, "verify_sub": False, "verify_jti": False}
    assert compat.decode(token, secret, algorithms=["HS256"], options=options) == claims

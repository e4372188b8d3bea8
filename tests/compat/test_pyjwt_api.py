"""The public surface of PyJWT 2.x, checked on PyJWT and on ``jwtkit.compat.pyjwt``:
names, submodules, the exception hierarchy, options and the algorithm table."""

from __future__ import annotations

import importlib
from types import ModuleType

import pytest

import jwtkit

TOP_LEVEL_NAMES = (
    "PyJWS",
    "PyJWT",
    "PyJWKClient",
    "PyJWK",
    "PyJWKSet",
    "decode",
    "decode_complete",
    "encode",
    "get_unverified_header",
    "register_algorithm",
    "unregister_algorithm",
    "get_algorithm_by_name",
    "InsecureKeyLengthWarning",
    "DecodeError",
    "ExpiredSignatureError",
    "ImmatureSignatureError",
    "InvalidAlgorithmError",
    "InvalidAudienceError",
    "InvalidIssuedAtError",
    "InvalidIssuerError",
    "InvalidKeyError",
    "InvalidSignatureError",
    "InvalidTokenError",
    "MissingRequiredClaimError",
    "PyJWKClientConnectionError",
    "PyJWKClientError",
    "PyJWKError",
    "PyJWKSetError",
    "PyJWTError",
)

SUBMODULE_NAMES = {
    "api_jwt": ("PyJWT", "encode", "decode", "decode_complete"),
    "api_jws": (
        "PyJWS",
        "encode",
        "decode",
        "decode_complete",
        "get_unverified_header",
        "register_algorithm",
        "unregister_algorithm",
        "get_algorithm_by_name",
    ),
    "api_jwk": ("PyJWK", "PyJWKSet"),
    "exceptions": ("PyJWTError", "InvalidSubjectError", "InvalidJTIError", "PyJWKError"),
    "algorithms": (
        "Algorithm",
        "NoneAlgorithm",
        "HMACAlgorithm",
        "RSAAlgorithm",
        "RSAPSSAlgorithm",
        "ECAlgorithm",
        "OKPAlgorithm",
        "get_default_algorithms",
        "has_crypto",
        "requires_cryptography",
    ),
    "jwks_client": ("PyJWKClient",),
    "utils": ("base64url_encode", "base64url_decode", "to_base64url_uint", "force_bytes"),
    "warnings": ("InsecureKeyLengthWarning", "RemovedInPyjwt3Warning"),
    "types": ("Options", "SigOptions", "FullOptions", "JWKDict"),
}

# (child, parent) for every class of PyJWT's exceptions module.
HIERARCHY = (
    ("InvalidTokenError", "PyJWTError"),
    ("DecodeError", "InvalidTokenError"),
    ("InvalidSignatureError", "DecodeError"),
    ("ExpiredSignatureError", "InvalidTokenError"),
    ("InvalidAudienceError", "InvalidTokenError"),
    ("InvalidIssuerError", "InvalidTokenError"),
    ("InvalidIssuedAtError", "InvalidTokenError"),
    ("ImmatureSignatureError", "InvalidTokenError"),
    ("InvalidKeyError", "PyJWTError"),
    ("InvalidAlgorithmError", "InvalidTokenError"),
    ("MissingRequiredClaimError", "InvalidTokenError"),
    ("PyJWKError", "PyJWTError"),
    ("MissingCryptographyError", "PyJWKError"),
    ("PyJWKSetError", "PyJWTError"),
    ("PyJWKClientError", "PyJWTError"),
    ("PyJWKClientConnectionError", "PyJWKClientError"),
    ("InvalidSubjectError", "InvalidTokenError"),
    ("InvalidJTIError", "InvalidTokenError"),
)


def test_top_level_names(jwt: ModuleType) -> None:
    missing = [name for name in TOP_LEVEL_NAMES if not hasattr(jwt, name)]
    assert missing == []
    assert jwt.__version__.startswith("2.")


@pytest.mark.parametrize("submodule", sorted(SUBMODULE_NAMES))
def test_submodules_code_imports_from(jwt: ModuleType, submodule: str) -> None:
    module = importlib.import_module(f"{jwt.__name__}.{submodule}")
    missing = [name for name in SUBMODULE_NAMES[submodule] if not hasattr(module, name)]
    assert missing == []


@pytest.mark.parametrize(("child", "parent"), HIERARCHY)
def test_exception_hierarchy(jwt: ModuleType, child: str, parent: str) -> None:
    exceptions = jwt.exceptions
    assert issubclass(getattr(exceptions, child), getattr(exceptions, parent))


def test_key_error_is_not_a_token_error(jwt: ModuleType) -> None:
    assert not issubclass(jwt.InvalidKeyError, jwt.InvalidTokenError)
    assert not issubclass(jwt.PyJWKClientError, jwt.InvalidTokenError)


def test_missing_required_claim_error_names_the_claim(jwt: ModuleType) -> None:
    error = jwt.MissingRequiredClaimError("exp")
    assert error.claim == "exp"
    assert "exp" in str(error)


def test_default_options_have_pyjwt_keys(jwt: ModuleType) -> None:
    options = jwt.PyJWT().options
    assert set(options) == {
        "verify_signature",
        "verify_exp",
        "verify_nbf",
        "verify_iat",
        "verify_aud",
        "verify_iss",
        "verify_sub",
        "verify_jti",
        "require",
        "strict_aud",
        "enforce_minimum_key_length",
    }
    assert all(options[name] is True for name in options if name.startswith("verify_"))
    assert options["require"] == []
    assert options["strict_aud"] is False


def test_options_given_to_pyjwt_are_merged(jwt: ModuleType) -> None:
    instance = jwt.PyJWT(options={"verify_exp": False, "require": ["sub"]})
    assert instance.options["verify_exp"] is False
    assert instance.options["require"] == ["sub"]
    assert instance.options["verify_nbf"] is True


def test_default_algorithm_table(jwt: ModuleType) -> None:
    expected = {
        "none",
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
        "ES256K",
        "ES384",
        "ES521",
        "ES512",
        "EdDSA",
    }
    assert set(jwt.PyJWS().get_algorithms()) == expected
    assert set(jwt.algorithms.get_default_algorithms()) == expected


def test_get_algorithm_by_name(jwt: ModuleType) -> None:
    algorithm = jwt.get_algorithm_by_name("RS256")
    assert isinstance(algorithm, jwt.algorithms.RSAAlgorithm)
    assert isinstance(jwt.get_algorithm_by_name("PS256"), jwt.algorithms.RSAPSSAlgorithm)
    assert isinstance(jwt.get_algorithm_by_name("HS512"), jwt.algorithms.HMACAlgorithm)
    assert isinstance(jwt.get_algorithm_by_name("ES256"), jwt.algorithms.ECAlgorithm)
    assert isinstance(jwt.get_algorithm_by_name("EdDSA"), jwt.algorithms.OKPAlgorithm)
    with pytest.raises(NotImplementedError):
        jwt.get_algorithm_by_name("XS999")


def test_pyjws_restricted_to_some_algorithms(jwt: ModuleType) -> None:
    jws = jwt.PyJWS(algorithms=["HS256"])
    assert jws.get_algorithms() == ["HS256"]
    with pytest.raises(NotImplementedError):
        jws.get_algorithm_by_name("RS256")


def test_register_and_unregister_algorithm(jwt: ModuleType) -> None:
    jws = jwt.PyJWS()
    with pytest.raises(ValueError):
        jws.register_algorithm("HS256", jwt.algorithms.HMACAlgorithm(hashlib_sha256()))
    with pytest.raises(TypeError):
        jws.register_algorithm("XS256", object())
    jws.unregister_algorithm("HS256")
    assert "HS256" not in jws.get_algorithms()
    with pytest.raises(KeyError):
        jws.unregister_algorithm("HS256")
    jws.register_algorithm("HS256", jwt.algorithms.HMACAlgorithm(hashlib_sha256()))
    assert "HS256" in jws.get_algorithms()


def hashlib_sha256() -> object:
    import hashlib

    return hashlib.sha256


def test_compat_errors_are_jwtkit_errors() -> None:
    """The drop-in's names are jwtkit's classes, so both vocabularies catch the same errors."""
    compat = importlib.import_module("jwtkit.compat.pyjwt")
    assert compat.PyJWTError is jwtkit.JWTKitError
    assert compat.InvalidTokenError is jwtkit.InvalidTokenError
    assert compat.DecodeError is jwtkit.DecodeError
    assert compat.ExpiredSignatureError is jwtkit.ExpiredSignatureError
    assert compat.InvalidKeyError is jwtkit.InvalidKeyError
    assert issubclass(compat.PyJWKClientError, jwtkit.JWKSError)


def test_module_functions_share_one_global_object(jwt: ModuleType) -> None:
    assert jwt.encode.__self__ is jwt.decode.__self__
    assert jwt.api_jwt.decode.__self__._jws is jwt.api_jws.decode.__self__


def test_compat_decode_runs_jwtkit_verify_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The drop-in has no verify logic of its own: decode goes through jwtkit._compact."""
    from jwtkit import _compact

    compat = importlib.import_module("jwtkit.compat.pyjwt")
    calls: list[str] = []
    original = _compact.verify_with_keys

    def counting(*args: object, **kwargs: object) -> object:
        calls.append("verify_with_keys")
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(_compact, "verify_with_keys", counting)
    secret = "z" * 32
    token = compat.encode({"a": 1}, secret)
    assert compat.decode(token, secret, algorithms=["HS256"]) == {"a": 1}
    with pytest.raises(compat.InvalidSignatureError):
        compat.decode(token, "y" * 32, algorithms=["HS256"])
    assert calls == ["verify_with_keys", "verify_with_keys"]


def test_every_exported_name_resolves(jwt: ModuleType) -> None:
    assert [name for name in jwt.__all__ if not hasattr(jwt, name)] == []
    assert set(importlib.import_module("jwt").__all__) <= set(
        importlib.import_module("jwtkit.compat.pyjwt").__all__
    )

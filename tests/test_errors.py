"""The exception hierarchy: PyJWT's shape for the names PyJWT users catch, one root for all.

The comparison is made against the installed ``jwt.exceptions`` module, not a copy of it, so a
change on either side shows up here.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import jwt.exceptions as pyjwt_exceptions
import pytest

import jwtkit
import jwtkit.errors
from jwtkit.errors import JWTKitError

# Parts of the package that import optional dependencies (web frameworks, CLI libraries) are
# covered by their own tests; the hierarchy of the core is checked here.
_OPTIONAL_PACKAGES = ("jwtkit.cli", "jwtkit.server", "jwtkit.integrations")


def _exception_classes(module: object) -> dict[str, type[BaseException]]:
    return {
        name: value
        for name, value in vars(module).items()
        if inspect.isclass(value) and issubclass(value, BaseException)
    }


PYJWT_CLASSES = {
    name: cls
    for name, cls in _exception_classes(pyjwt_exceptions).items()
    if cls.__module__ == pyjwt_exceptions.__name__
}
JWTKIT_CLASSES = _exception_classes(jwtkit.errors)
SHARED_NAMES = sorted(set(PYJWT_CLASSES) & set(JWTKIT_CLASSES))


def test_every_name_the_design_promises_is_shared_with_pyjwt() -> None:
    promised = {
        "InvalidTokenError",
        "DecodeError",
        "InvalidSignatureError",
        "ExpiredSignatureError",
        "ImmatureSignatureError",
        "InvalidAudienceError",
        "InvalidIssuerError",
        "InvalidIssuedAtError",
        "InvalidSubjectError",
        "InvalidJTIError",
        "MissingRequiredClaimError",
        "InvalidAlgorithmError",
        "InvalidKeyError",
    }
    assert promised <= set(SHARED_NAMES)


@pytest.mark.parametrize("child", SHARED_NAMES)
@pytest.mark.parametrize("parent", SHARED_NAMES)
def test_subclass_relation_matches_pyjwt(child: str, parent: str) -> None:
    """For every pair of shared names, "child is a parent" holds in jwtkit iff it holds in
    PyJWT: ``except jwt.X`` catches the same shared errors after ``import jwtkit as jwt``."""
    in_pyjwt = issubclass(PYJWT_CLASSES[child], PYJWT_CLASSES[parent])
    in_jwtkit = issubclass(JWTKIT_CLASSES[child], JWTKIT_CLASSES[parent])
    assert in_jwtkit == in_pyjwt


@pytest.mark.parametrize("name", SHARED_NAMES)
def test_pyjwt_root_maps_to_jwtkit_root(name: str) -> None:
    assert issubclass(PYJWT_CLASSES[name], pyjwt_exceptions.PyJWTError)
    assert issubclass(JWTKIT_CLASSES[name], JWTKitError)


def test_the_documented_chain_holds() -> None:
    assert issubclass(jwtkit.InvalidSignatureError, jwtkit.DecodeError)
    assert issubclass(jwtkit.DecodeError, jwtkit.InvalidTokenError)
    for name in (
        "ExpiredSignatureError",
        "ImmatureSignatureError",
        "InvalidAudienceError",
        "InvalidIssuerError",
        "InvalidIssuedAtError",
        "MissingRequiredClaimError",
        "InvalidAlgorithmError",
    ):
        assert issubclass(getattr(jwtkit, name), jwtkit.InvalidTokenError), name
    assert issubclass(jwtkit.InvalidKeyError, jwtkit.JWTKitError)
    assert not issubclass(jwtkit.InvalidKeyError, jwtkit.InvalidTokenError)


def test_missing_required_claim_error_exposes_claim_like_pyjwt() -> None:
    ours = jwtkit.MissingRequiredClaimError("exp")
    theirs = pyjwt_exceptions.MissingRequiredClaimError("exp")
    assert ours.claim == theirs.claim == "exp"
    assert "exp" in str(ours)


def _core_modules() -> list[str]:
    names = ["jwtkit"]
    for info in pkgutil.walk_packages(jwtkit.__path__, "jwtkit."):
        if not info.name.startswith(_OPTIONAL_PACKAGES):
            names.append(info.name)
    return names


CORE_MODULES = _core_modules()


def _errors_defined_in(module_name: str) -> list[type[BaseException]]:
    module = importlib.import_module(module_name)
    return [
        cls
        for cls in _exception_classes(module).values()
        if cls.__module__.startswith("jwtkit") and not issubclass(cls, Warning)
    ]


@pytest.mark.parametrize("module_name", CORE_MODULES)
def test_every_jwtkit_error_derives_from_the_root(module_name: str) -> None:
    """Errors, that is: warning categories are never raised and stay under Warning."""
    for cls in _errors_defined_in(module_name):
        assert issubclass(cls, JWTKitError), f"{cls.__module__}.{cls.__qualname__}"


def test_every_subclass_of_the_root_is_exported() -> None:
    """Users catch errors by their public name: each one in jwtkit.errors is in __all__."""

    def subclasses(cls: type[BaseException]) -> set[type[BaseException]]:
        found = set(cls.__subclasses__())
        for sub in list(found):
            found |= subclasses(sub)
        return found

    in_errors_module = {
        cls for cls in subclasses(JWTKitError) if cls.__module__ == jwtkit.errors.__name__
    }
    assert {cls.__name__ for cls in in_errors_module} <= set(jwtkit.errors.__all__)
    assert {"JWTKitError", *SHARED_NAMES} <= set(jwtkit.__all__)

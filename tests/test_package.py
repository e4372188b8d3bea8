"""The package's promises as a whole: a small core import and the public names of DESIGN.md."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import jwtkit

HEAVY_MODULES = (
    "httpx",
    "typer",
    "rich",
    "fastapi",
    "starlette",
    "litestar",
    "sqlalchemy",
    "flask",
    "django",
    "rest_framework",
    "redis",
)


def test_import_jwtkit_pulls_in_no_optional_dependency() -> None:
    code = f"import sys, jwtkit; print(','.join(m for m in {HEAVY_MODULES!r} if m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_public_api_names_of_the_design_exist() -> None:
    for name in (
        "Key",
        "OctKey",
        "RSAKey",
        "ECKey",
        "OKPKey",
        "AKPKey",
        "KeySet",
        "encode",
        "decode",
        "decode_complete",
        "get_unverified_header",
        "Verifier",
        "JWTKitError",
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
    ):
        assert hasattr(jwtkit, name), name
        assert name in jwtkit.__all__, name
    for name in (
        "sign",
        "verify",
        "sign_json",
        "verify_json",
        "sign_unsecured",
        "verify_unsecured",
    ):
        assert callable(getattr(jwtkit.jws, name)), name


def test_every_error_derives_from_the_root() -> None:
    errors = [getattr(jwtkit, name) for name in jwtkit.__all__ if name.endswith("Error")]
    assert errors
    for error in errors:
        assert issubclass(error, jwtkit.JWTKitError), error


def test_tests_read_their_vectors_from_inside_the_repository() -> None:
    """A clone placed anywhere runs every vector test: no vector list is silently empty and
    none points outside the repository (they once read a directory beside the checkout)."""
    import test_jwe_vectors
    import test_jwk
    import test_jws

    repository = Path(__file__).resolve().parents[1]
    lists = {
        "RFC 7520 section 3 keys": (test_jwk.COOKBOOK_KEYS, 6),
        "RFC 7520 section 4 signatures": (test_jws.COOKBOOK_JWS, 8),
        "RFC 7520 section 5 encryptions": (test_jwe_vectors.COOKBOOK_JWE, 13),
    }
    for name, (paths, count) in lists.items():
        assert len(paths) == count, name
        for path in paths:
            assert path.resolve().is_relative_to(repository), path


def _imported_after(statement: str) -> set[str]:
    code = (
        f"import sys; {statement}; "
        f"print(','.join(m for m in {HEAVY_MODULES!r} if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return set(filter(None, result.stdout.strip().split(",")))


def test_each_integration_imports_only_its_own_framework() -> None:
    assert _imported_after("import jwtkit.integrations") == set()
    assert _imported_after("import jwtkit.integrations.asgi") == set()
    assert _imported_after("import jwtkit.integrations.fastapi") == {"fastapi", "starlette"}
    assert _imported_after("import jwtkit.integrations.flask") == {"flask"}
    assert "fastapi" not in _imported_after("import jwtkit.integrations.django")
    assert "flask" not in _imported_after("import jwtkit.integrations.django")

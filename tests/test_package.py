"""The package's promises as a whole: a small core import and the public names of DESIGN.md."""

from __future__ import annotations

import subprocess
import sys

import jwtkit

HEAVY_MODULES = ("httpx", "typer", "rich", "fastapi", "sqlalchemy", "flask", "django", "redis")


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

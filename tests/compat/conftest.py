"""Fixtures for the PyJWT drop-in tests.

``jwt`` is parametrized over real PyJWT (``jwt``) and ``jwtkit.compat.pyjwt``: a behaviour
test takes it and runs twice, which proves the test describes PyJWT and not only jwtkit.
Keys are generated once per session, strong enough that PyJWT emits no key-length warning.
"""

from __future__ import annotations

import importlib
import time
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

MODULES = ("jwt", "jwtkit.compat.pyjwt")
#: A 64-byte secret: long enough for HS256, HS384 and HS512 alike.
SECRET = "s3cr3t-" * 9 + "x"


@pytest.fixture
def secret() -> str:
    """An HMAC secret long enough for every HS algorithm."""
    return SECRET


@pytest.fixture(params=MODULES)
def jwt(request: pytest.FixtureRequest) -> ModuleType:
    """The module under test: real PyJWT, then jwtkit's drop-in."""
    return importlib.import_module(request.param)


@pytest.fixture
def now() -> int:
    """The current time in whole seconds; tests build exp/nbf/iat relative to it."""
    return int(time.time())


@dataclass(frozen=True)
class KeyPair:
    private: Any
    public: Any

    @property
    def private_pem(self) -> bytes:
        return bytes(
            self.private.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )

    @property
    def public_pem(self) -> bytes:
        return bytes(
            self.public.public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )

    @property
    def public_ssh(self) -> bytes:
        return bytes(
            self.public.public_bytes(
                serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
            )
        )


def _pair(private: Any) -> KeyPair:
    return KeyPair(private, private.public_key())


@pytest.fixture(scope="session")
def keys() -> dict[str, KeyPair]:
    """One key pair per key family, by the algorithm it serves."""
    rsa_pair = _pair(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    return {
        "RS": rsa_pair,
        "ES256": _pair(ec.generate_private_key(ec.SECP256R1())),
        "ES256K": _pair(ec.generate_private_key(ec.SECP256K1())),
        "ES384": _pair(ec.generate_private_key(ec.SECP384R1())),
        "ES512": _pair(ec.generate_private_key(ec.SECP521R1())),
        "EdDSA": _pair(ed25519.Ed25519PrivateKey.generate()),
    }
